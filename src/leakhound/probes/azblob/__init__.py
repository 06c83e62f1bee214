"""Azure Blob Storage (and Azurite, Microsoft's emulator): the dialect and probe
(``probe.py``) and the read-only allow-list (``allow.py``)."""

from .allow import ALLOW
from .probe import AzblobProbe

__all__ = ["ALLOW", "AzblobProbe"]
