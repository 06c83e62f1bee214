"""CouchDB and servers of its HTTP API: the probe (``probe.py``), the full reader
(``read.py``) and the read-only allow-list (``allow.py``)."""

from .allow import ALLOW
from .probe import CouchdbProbe

__all__ = ["ALLOW", "CouchdbProbe"]
