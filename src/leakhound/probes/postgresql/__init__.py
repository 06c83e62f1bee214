"""PostgreSQL: the probe and full reader (``probe.py``), a connection with the owner's login
(``connection.py``), the protocol (``wire.py``) and the statement allow-list (``allow.py``)."""

from .allow import ALLOW
from .probe import PostgresqlProbe

__all__ = ["ALLOW", "PostgresqlProbe"]
