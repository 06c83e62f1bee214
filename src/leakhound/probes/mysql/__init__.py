"""MySQL and MariaDB: the probe (``probe.py``), the full reader (``read.py``), a connection and
its login (``connection.py``), the client/server protocol (``wire.py``), rows as documents
(``rows.py``), every statement (``sql.py``) and the statement allow-list (``allow.py``)."""

from .allow import ALLOW
from .probe import MysqlProbe

__all__ = ["ALLOW", "MysqlProbe"]
