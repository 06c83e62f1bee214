"""MongoDB: the probe and full reader (``probe.py``), a connection and the owner's SCRAM login
(``connection.py``), OP_MSG and BSON (``wire.py``) and the command allow-list (``allow.py``)."""

from .allow import ALLOW
from .probe import MongodbProbe

__all__ = ["ALLOW", "MongodbProbe"]
