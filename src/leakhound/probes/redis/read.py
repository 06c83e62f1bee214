"""Redis: every key of a pattern (or every key of none of the patterns listed) along the SCAN
cursor.

SCAN is stateless on the server: the cursor is the whole position, valid on any connection,
so a read resumes exactly where its last checkpoint left it and nothing needs releasing. One
partition per pattern: the cursor space cannot be split. SCAN may return a key twice while the
server resizes its table (Redis documents it); a read of a keyspace that grows or shrinks
meanwhile can count such a key twice.

Nothing but the server brings the cursor back to 0. The keys a read counts are bounded by the
pipeline (``scanner.full.RecordBound``: the pattern's count, or for the keys of no listed
pattern the database's, from INFO keyspace); the SCAN calls here, since a cursor that never
ends may give no key of the pattern at all: past ``SCAN_GROWTH`` whole passes over the keys
the database held when the read began (a pass takes at most about two calls per SCAN_COUNT
keys, on a sparse table), and ``SCAN_SLACK`` calls more, the read stops.
"""

from __future__ import annotations

from typing import Any

from ...errors import ProtocolError
from ...models import Container, Endpoint
from ...net import Transport
from ..base import (
    FullReader,
    Overrun,
    Page,
    PartitionReader,
    ReadPlan,
    count_of,
)
from ..tls import tls_followed, tls_planned
from . import connection
from .connection import Connection, connect, read_keys, scan_page, where

SCAN_GROWTH = 4  # whole passes of SCAN calls over the database's keys a read may make
SCAN_SLACK = 100  # calls more (a small or growing keyspace)
# SCAN calls at most where the database's keys are not known (no INFO keyspace): a
# billion keys' worth at the default COUNT.
UNCOUNTED_SCANS = 1_000_000


class RedisReader(FullReader):
    """The keys of one pattern, page by page, from a SCAN cursor."""

    method = "scan"

    def __init__(
        self, transport: Transport, endpoint: Endpoint, *, cluster_replica: bool = False
    ) -> None:
        self.transport, self.endpoint = transport, endpoint
        self.cluster_replica = cluster_replica  # a replica node of a Redis Cluster: READONLY

    async def open(self, container: Container, partitions: int) -> ReadPlan:
        """One partition; the plan keeps where the pattern lives (or the patterns it is not),
        and the database's keys (INFO keyspace) for a container the inventory did not count:
        what bounds a SCAN that never comes back to 0."""
        db, pattern, other_than = where(container)
        state = {
            "database": db,
            "pattern": pattern,
            "other_than": sorted(other_than),
            **tls_planned(self.transport, self.endpoint),
        }
        keys = count_of(container.details.get("database_keys"))
        return ReadPlan(container.name, 1, self.method, state, container.docs, store_total=keys)

    async def reopen(self, plan: ReadPlan) -> ReadPlan:
        """A cursor never expires: the same plan."""
        return plan

    def partition(
        self, plan: ReadPlan, number: int, position: Any, *, size: int
    ) -> PartitionReader:
        """The pattern's keys from ``position`` (a cursor; None: from the start)."""
        tls_followed(plan, self.transport, self.endpoint)
        pos = position if isinstance(position, dict) else {}
        cursor, scans = pos.get("cursor"), pos.get("scans")
        reader = KeyReader(self, plan, str(cursor) if cursor is not None else "0", size)
        reader.scans = scans if isinstance(scans, int) and scans >= 0 else 0
        return reader


class KeyReader(PartitionReader):
    """Pages of at least ``size`` keys (or the rest), each key with its value."""

    def __init__(self, reader: RedisReader, plan: ReadPlan, cursor: str, size: int) -> None:
        state = plan.state if isinstance(plan.state, dict) else {}
        db, pattern = state.get("database", 0), state.get("pattern")
        other_than = state.get("other_than") or []
        if (
            not isinstance(db, int)
            or not (pattern is None or isinstance(pattern, str))
            or not isinstance(other_than, list)
            or not all(isinstance(p, str) for p in other_than)
        ):
            raise ProtocolError(f"{plan.container}: the stored read plan is not Redis's")
        self.reader, self.db, self.pattern, self.size = reader, db, pattern, max(1, size)
        self.other_than = frozenset(other_than)
        self.cursor = cursor.encode()
        self.conn: Connection | None = None
        self.done = False
        self.scans = 0  # SCAN calls of the read so far (kept in its position)
        keys = plan.store_total  # the database's keys when the read began
        # SCAN calls at most, and why past them (the COUNT scan_page sends, read now).
        self.most, self.past = (
            (
                UNCOUNTED_SCANS,
                ", the most a read may make where the database's keys are not known (a "
                "cursor that never comes back to 0)",
            )
            if keys is None
            else (
                SCAN_GROWTH * (keys // connection.SCAN_COUNT + 1) + SCAN_SLACK,
                f": more than {SCAN_GROWTH} whole passes over the {keys:,} keys the database "
                "held when the read began take (a keyspace growing this fast, or a cursor "
                "that never comes back to 0)",
            )
        )

    async def next_page(self) -> Page | None:
        """The next keys along the cursor; None once it came back to 0."""
        if self.done:
            return None
        if self.conn is None:
            self.conn = await connect(
                self.reader.transport,
                self.reader.endpoint,
                cluster_replica=self.reader.cluster_replica,
            )
            await self.conn.select(self.db)
        keys: list[bytes] = []
        cursor: bytes | int = self.cursor
        while len(keys) < self.size:
            if self.scans >= self.most:
                raise Overrun(f"stopped after {self.scans:,} SCAN calls{self.past}")
            cursor, page = await scan_page(self.conn, cursor, self.pattern, self.other_than)
            self.scans += 1
            keys += page
            if cursor in (0, b"0"):
                break
        docs = await read_keys(self.conn, keys)
        self.cursor = cursor if isinstance(cursor, bytes) else str(cursor).encode()
        if self.cursor == b"0":
            self.done = True
        if not docs and self.done:
            return None
        return Page(tuple(docs), {"cursor": self.cursor.decode(), "scans": self.scans})

    async def close(self) -> None:
        """Close the connection (the server holds nothing for a SCAN)."""
        if self.conn is not None:
            await self.conn.close()
            self.conn = None
