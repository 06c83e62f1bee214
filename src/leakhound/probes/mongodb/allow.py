"""What leakhound may send to MongoDB: read-only commands, and what must never leave.

``hello`` and ``buildInfo`` say what answers (the verdict's ``hello`` carries a ``comment``
that ends a line, padded with spaces off MongoDB's ports: a field every command takes, read
by no server as an instruction; a server that refuses it is asked the plain ``hello``, one
that knows no ``hello``, before 3.6.21, 4.0.21, 4.2.10 and 4.4.2, its legacy name
``isMaster``, the same read of the server's role and wire versions).
``replSetGetConfig`` of a member of a replica set reads the set's configuration for its
``replicaSetId`` alone, the identity its members share (a read; ``replSetReconfig`` is
never sent). ``listDatabases`` with ``authorizedDatabases: false`` decides (without it, a
server with authorisation on answers an empty list with ``ok: 1``: a false "open"); a
member's reads carry ``$readPreference: primaryPreferred``, a field, so that a secondary
answers them (``connection.SECONDARY_READS``); ``listCollections``,
``listIndexes`` and ``find`` read; ``collStats`` counts a collection from its statistics
(``count`` where it is refused: FerretDB on SQLite answers ``count`` by reading every
document). A full read is one cursor a collection: ``getMore`` takes its next batch and
``killCursors`` frees it when the read stops before the end (both touch only a cursor
leakhound's own ``find`` or ``listCollections`` opened, and read nothing that command did not
ask for: the inventory pages a long list of collections the same way).
``saslStart``/``saslContinue`` carry the owner's login only. Filters are leakhound's own
(``_id`` ranges, a date field's range a year for ``count``): never ``$where``, never a
write. A command is judged by its name, the probe writing every field of it; anything not
listed here is refused before a byte leaves (``tests/probes/mongodb/test_read.py``,
``test_hello.py``).
"""

from __future__ import annotations

from ...net import commands

ALLOW = commands(
    "mongodb",
    {
        "hello",
        "isMaster",
        "buildInfo",
        "replSetGetConfig",
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
