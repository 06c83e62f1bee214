"""Redis: every key of a pattern (or every key of none of the patterns listed) along the SCAN
cursor.

SCAN is stateless on the server: the cursor is the whole position, valid on any connection,
so a read resumes exactly where its last checkpoint left it and nothing needs releasing. One
partition per pattern: the cursor space cannot be split. SCAN may return a key twice while the
server resizes its table (Redis documents it); a read of a keyspace that grows or shrinks
meanwhile can count such a key twice.
"""

from __future__ import annotations

from typing import Any

from ...errors import ProtocolError
from ...models import Container, Endpoint
from ...net import Transport
from ..base import FullReader, Page, PartitionReader, ReadPlan
from .connection import Connection, connect, read_keys, scan_page, where


class RedisReader(FullReader):
    """The keys of one pattern, page by page, from a SCAN cursor."""

    method = "scan"

    def __init__(self, transport: Transport, endpoint: Endpoint) -> None:
        self.transport, self.endpoint = transport, endpoint

    async def open(self, container: Container, partitions: int) -> ReadPlan:
        """One partition; the plan keeps where the pattern lives (or the patterns it is not)."""
        db, pattern, other_than = where(container)
        state = {"database": db, "pattern": pattern, "other_than": sorted(other_than)}
        return ReadPlan(container.name, 1, self.method, state, container.docs)

    async def reopen(self, plan: ReadPlan) -> ReadPlan:
        """A cursor never expires: the same plan."""
        return plan

    def partition(
        self, plan: ReadPlan, number: int, position: Any, *, size: int
    ) -> PartitionReader:
        """The pattern's keys from ``position`` (a cursor; None: from the start)."""
        cursor = position.get("cursor") if isinstance(position, dict) else None
        return KeyReader(self, plan, str(cursor) if cursor is not None else "0", size)


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

    async def next_page(self) -> Page | None:
        """The next keys along the cursor; None once it came back to 0."""
        if self.done:
            return None
        if self.conn is None:
            self.conn = await connect(self.reader.transport, self.reader.endpoint)
            await self.conn.select(self.db)
        keys: list[bytes] = []
        cursor: bytes | int = self.cursor
        while len(keys) < self.size:
            cursor, page = await scan_page(self.conn, cursor, self.pattern, self.other_than)
            keys += page
            if cursor in (0, b"0"):
                break
        docs = await read_keys(self.conn, keys)
        self.cursor = cursor if isinstance(cursor, bytes) else str(cursor).encode()
        if self.cursor == b"0":
            self.done = True
        if not docs and self.done:
            return None
        return Page(tuple(docs), {"cursor": self.cursor.decode()})

    async def close(self) -> None:
        """Close the connection (the server holds nothing for a SCAN)."""
        if self.conn is not None:
            await self.conn.close()
            self.conn = None
