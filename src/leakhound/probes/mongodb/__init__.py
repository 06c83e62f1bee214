"""MongoDB: the probe (``probe.py``), its sample (``sample.py``) and full reader (``read.py``),
collection names and their masks (``names.py``), replica sets (``replset.py``), cursor replies
(``cursor.py``), a connection and the owner's SCRAM login (``connection.py``), OP_MSG and BSON
(``wire.py``) and the command allow-list (``allow.py``)."""

from .allow import ALLOW
from .probe import MongodbProbe

__all__ = ["ALLOW", "MongodbProbe"]
