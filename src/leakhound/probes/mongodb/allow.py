"""What leakhound may send to MongoDB: read-only commands, and what must never leave.

``hello`` and ``buildInfo`` say what answers; ``listDatabases`` with ``authorizedDatabases:
false`` decides (without it, a server with authorisation on answers an empty list with
``ok: 1``: a false "open"); ``listCollections``, ``count``, ``listIndexes`` and ``find`` read;
``getMore`` takes the next batch of a ``find``'s cursor and ``killCursors`` frees one when a
full read stops before its end (both act on leakhound's own cursors only, and read nothing
more than the ``find`` asked for).
``saslStart``/``saslContinue`` carry the owner's login only. Filters are leakhound's own
(``_id`` ranges): never ``$where``, never a write.
"""

from __future__ import annotations

from ...net import commands

ALLOW = commands(
    "mongodb",
    {
        "hello",
        "buildInfo",
        "listDatabases",
        "listCollections",
        "listIndexes",
        "collStats",
        "count",
        "find",
        "getMore",
        "killCursors",
        "saslStart",
        "saslContinue",
    },
    never={
        "eval",
        "mapReduce",
        "aggregate",
        "insert",
        "update",
        "delete",
        "findAndModify",
        "drop",
        "dropDatabase",
        "create",
        "createIndexes",
        "dropIndexes",
        "renameCollection",
        "createUser",
        "updateUser",
        "dropUser",
        "grantRolesToUser",
        "setParameter",
        "shutdown",
        "fsync",
        "killOp",
        "replSetReconfig",
        "applyOps",
    },
)
