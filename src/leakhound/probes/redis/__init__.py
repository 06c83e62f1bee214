"""Redis: the probe (``probe.py``), keys as records (``keys.py``), the wire format
(``resp.py``), the full reader (``read.py``) and the command allow-list (``allow.py``)."""

from .allow import ALLOW
from .probe import RedisProbe

__all__ = ["ALLOW", "RedisProbe"]
