"""One connection to a Redis server, and the reads the probe and the reader share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...errors import ProtocolError
from ...models import Container, Endpoint
from ...net import FrameReader, TcpStream, Transport
from ..tls import tls_context, tls_from_start
from .allow import ALLOW, name_of
from .keys import document, glob_of, pattern_of, reads
from .resp import RedisError, Reply, encode, read_reply, text

SCAN_COUNT = 1000  # keys asked per SCAN call (a hint to the server, which may return more)
READS_PER_PIPELINE = 100  # keys whose type, then value, are asked in one round trip


async def _reply(frames: FrameReader) -> Reply:
    return await read_reply(frames)


@dataclass
class Connection:
    """One connection to a Redis server: commands out through the allow-list, replies in."""

    stream: TcpStream
    db: int = 0
    closed: bool = field(default=False)

    async def call(self, *args: str | bytes | int) -> Reply:
        """One command and its reply."""
        return await self.stream.exchange(name_of(args), encode(*args), _reply)

    async def many(self, commands: list[tuple[str | bytes | int, ...]]) -> list[Reply]:
        """Several commands in one round trip, their replies in order."""
        if not commands:
            return []
        return await self.stream.pipeline([(name_of(c), encode(*c)) for c in commands], _reply)

    async def select(self, db: int) -> None:
        """Make ``db`` this connection's database."""
        if db != self.db:
            got = await self.call("SELECT", db)
            if isinstance(got, RedisError):
                raise got.raised(f"SELECT {db}")
            self.db = db

    async def close(self) -> None:
        """Close the connection."""
        await self.stream.close()


async def connect(
    transport: Transport,
    endpoint: Endpoint,
    *,
    cluster_replica: bool = False,
    tls: bool | None = None,
) -> Connection:
    """A connection, logged in with the owner's credentials when they were given; to a
    replica node of a Redis Cluster (``cluster_replica``), made to read its own keys
    (``READONLY``: without it, the replica redirects every read of a key to its master with
    ``-MOVED``, and the keys SCAN lists would all read as gone). Over TLS from its first byte
    with ``tls``, by default where the endpoint took no connection in clear
    (``Transport.asks_tls_first``: a Redis of ``tls-port`` alone)."""
    if tls is None:
        tls = tls_from_start(transport, endpoint)
    context = tls_context(transport, endpoint) if tls else None
    stream = await transport.tcp(endpoint.host, endpoint.port, ALLOW, scheme="redis", tls=context)
    conn = Connection(stream)
    try:
        login = transport.login(endpoint.host, encrypted=stream.verified)
        if login is not None:
            user, password = login
            got = await conn.call("AUTH", *([user] if user else []), password)
            if isinstance(got, RedisError):
                raise got.raised("AUTH refused")
        if cluster_replica:
            got = await conn.call("READONLY")
            if isinstance(got, RedisError):
                raise got.raised("READONLY")
    except BaseException:
        await conn.close()
        raise
    return conn


def where(container: Container) -> tuple[int, str | None, frozenset[str]]:
    """(database, pattern, other_than) of a container: one pattern's keys, or (pattern None)
    every key of the database whose pattern is none of other_than's."""
    db = container.details.get("database", 0)
    pattern = container.details.get("pattern", container.name)
    other = container.details.get("other_than") or ()
    return (
        (db if isinstance(db, int) else 0),
        None if pattern is None else str(pattern),
        frozenset(str(p) for p in other),
    )


async def scan_page(
    conn: Connection,
    cursor: bytes | int,
    pattern: str | None,
    other_than: frozenset[str] = frozenset(),
) -> tuple[bytes | int, list[bytes]]:
    """One SCAN call: the next cursor and the keys of ``pattern`` (when None: every key whose
    pattern is none of ``other_than``)."""
    args: list[str | bytes | int] = ["SCAN", cursor, "COUNT", SCAN_COUNT]
    if pattern is not None:
        args[2:2] = ["MATCH", glob_of(pattern)]
    reply = await conn.call(*args)
    if isinstance(reply, RedisError):
        raise reply.raised("SCAN")
    if (
        not isinstance(reply, list)
        or len(reply) != 2
        or not isinstance(reply[0], bytes)
        or not reply[0].isdigit()
        or not isinstance(reply[1], list)
    ):
        raise ProtocolError("SCAN answered something else than [cursor, keys]")
    keys = [k for k in reply[1] if isinstance(k, bytes)]
    if pattern is not None:
        keys = [k for k in keys if pattern_of(k.decode("utf-8", "replace")) == pattern]
    elif other_than:
        keys = [k for k in keys if pattern_of(k.decode("utf-8", "replace")) not in other_than]
    return reply[0], keys


async def read_keys(conn: Connection, keys: list[bytes]) -> list[dict[str, Any]]:
    """Each key with its value, type first then one bounded read, in pipelined round trips."""
    docs: list[dict[str, Any]] = []
    for start in range(0, len(keys), READS_PER_PIPELINE):
        chunk = keys[start : start + READS_PER_PIPELINE]
        kinds = [text(t) or "none" for t in await conn.many([("TYPE", k) for k in chunk])]
        planned = [(k, kind, reads(k, kind)) for k, kind in zip(chunk, kinds, strict=True)]
        asked = [(cmd, *args) for _, _, r in planned if r is not None for cmd, args in [r]]
        replies = iter(await conn.many(asked))
        for key, kind, read in planned:
            if kind == "none":
                continue  # expired or deleted since SCAN listed it
            docs.append(document(key, kind, next(replies) if read is not None else None))
    return docs
