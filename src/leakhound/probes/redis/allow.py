"""What leakhound may send to Redis: read-only commands, and what must never leave.

``INFO`` decides (a version answers, ``-NOAUTH`` asks for credentials, ``-DENIED`` is protected
mode); ``SCAN`` lists keys without blocking the server (never ``KEYS *``); ``TYPE`` and one
bounded read per type show a value. ``SELECT`` changes the database of our own connection
only, and so does ``READONLY`` (a Redis Cluster replica then serves reads of its own keys
rather than redirect them to its master); ``AUTH`` is sent only with the owner's credentials.

``CLUSTER`` is never sent, but for one read-only subcommand, ``CLUSTER NODES`` (which nodes
hold which hash slots): its other subcommands write (RESET, FAILOVER, ADDSLOTS, FORGET,
MEET…). A command is judged by ``name_of``: its first word, and for a command of which only
some subcommands are allowed, its second, both upper-cased as the server reads them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...net import commands

ALLOW = commands(
    "redis",
    {
        "INFO",
        "SCAN",
        "TYPE",
        "SELECT",
        "AUTH",
        "READONLY",
        "CLUSTER NODES",
        "GETRANGE",
        "HSCAN",
        "LRANGE",
        "SSCAN",
        "ZRANGE",
        "XRANGE",
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

# Commands allowed by subcommand only ("CLUSTER NODES"): judged by their first two words.
_BY_SUBCOMMAND = frozenset(c.split(" ", 1)[0] for c in ALLOW.commands if " " in c)


def name_of(args: Sequence[str | bytes | int]) -> str:
    """The name the allow-list judges a command by: its first word, with its second for a
    command allowed by subcommand only (``CLUSTER NODES``), upper-cased as Redis reads them
    (``cluster reset`` is ``CLUSTER RESET``, refused): ASCII letters only, as Redis compares
    names, so no other byte becomes a letter of an allowed name."""
    words = [
        (a if isinstance(a, bytes) else str(a).encode()).upper().decode("latin-1") for a in args[:2]
    ]
    # The second word names only a command allowed by subcommand: of any other, it is an
    # argument (a key, "user 1", may hold a space).
    named = words if words and words[0] in _BY_SUBCOMMAND else words[:1]
    if any(" " in w for w in named):  # a word of words ("CLUSTER NODES" as one argument)
        return repr(named)  # names no command of Redis's, nor an entry of the list
    return " ".join(named)
