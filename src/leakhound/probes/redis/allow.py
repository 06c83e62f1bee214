"""What leakhound may send to Redis: read-only commands, and what must never leave.

``INFO`` decides (a version answers, ``-NOAUTH`` asks for credentials, ``-DENIED`` is protected
mode); ``SCAN`` lists keys without blocking the server (never ``KEYS *``); ``TYPE`` and one
bounded read per type show a value. ``SELECT`` changes the database of our own connection
only; ``AUTH`` is sent only with the owner's credentials.
"""

from __future__ import annotations

from ...net import commands

ALLOW = commands(
    "redis",
    {
        "INFO",
        "SCAN",
        "TYPE",
        "SELECT",
        "AUTH",
        "GETRANGE",
        "STRLEN",
        "HSCAN",
        "HLEN",
        "LRANGE",
        "LLEN",
        "SSCAN",
        "SCARD",
        "ZRANGE",
        "ZCARD",
        "XRANGE",
        "XLEN",
    },
    never={
        "CONFIG",
        "REPLICAOF",
        "SLAVEOF",
        "MODULE",
        "DEBUG",
        "EVAL",
        "EVALSHA",
        "EVAL_RO",
        "FUNCTION",
        "FCALL",
        "SCRIPT",
        "SAVE",
        "BGSAVE",
        "BGREWRITEAOF",
        "SHUTDOWN",
        "FLUSHALL",
        "FLUSHDB",
        "MONITOR",
        "KEYS",
        "MIGRATE",
        "RESTORE",
        "DUMP",
        "SYNC",
        "PSYNC",
        "CLUSTER",
        "ACL",
        "CLIENT",
        "SET",
        "DEL",
        "UNLINK",
        "RENAME",
        "EXPIRE",
    },
)
