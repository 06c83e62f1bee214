"""MySQL: every row of a table, page by page, in a read-only transaction.

Where the table has a primary key (else a unique key of NOT NULL columns), a page is the next
rows in key order after the last key read: the position is those key values, valid on any
connection and in any later transaction, so a read resumes exactly where its checkpoint left it
and costs the server one index range a page. A table without such a key is read in one
statement of every row, in one transaction (one snapshot), its rows taken a page at a time as
they arrive, on a session that waits for a slow reader and has no statement timeout
(``sql.stream_session``); the position is the rows read so far, an offset. Weaker: a resumed
read (a connection lost all the same, ``--resume``) starts a new statement at that offset, in
a new transaction, and a row inserted or deleted before it meanwhile shifts every row after
it, so a resumed read may miss or repeat rows: its positions then say so (``NOTE``, shown in
the report as ``full.note``).

A keyed table of more than a few pages is read in as many partitions as asked, each a range
of the key on a connection of its own (the server sends one partition's rows while the
client decodes another's): the keys where partitions end are found once when the read is
planned (evenly between a whole-number key's first and last value, else by offset along its
index: the rows split evenly) and kept in the plan, so a resumed read has the same ranges.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ...errors import NetError, ProtocolError, TimeoutError_
from ...models import Container, Endpoint
from ...net import Transport
from ..base import NOTE, FullReader, Page, PartitionReader, ReadPlan, row_bytes
from . import sql
from .connection import Connection, connect
from .rows import decoded, decoder
from .tables import REMOTE_ENGINES, describe, is_mariadb, rows_that_fit, where
from .wire import ResultSet, ServerError

KEYSET, OFFSET = "keyset", "offset"
MIN_PARTITION = 2_000  # rows a partition holds at least: a smaller table is one partition
_WALKED = 100_000  # rows a second the server walks past to an offset, at the slowest
# The longest a statement begun again at an offset waits for its first row, however many rows
# it walks past first (360 million at the slowest): past it the read stops, saying so.
_MAX_WALK = 3600.0
# Errors that asking again cannot change: a statement refused, a table or column gone.
_FINAL = frozenset({1044, 1045, 1054, 1064, 1142, 1146, 1227})


class MysqlReader(FullReader):
    """The rows of one table: by key where there is one, in ranges of it for partitions; by
    offset otherwise, in one partition."""

    method = KEYSET

    def __init__(self, transport: Transport, endpoint: Endpoint) -> None:
        self.transport, self.endpoint = transport, endpoint

    async def open(self, container: Container, partitions: int) -> ReadPlan:
        """The plan keeps the table, its key, its JSON columns and the keys where its
        partitions end (one partition without a key or with few rows)."""
        schema, table = where(container)
        if str(container.details.get("engine", "")).lower() in REMOTE_ENGINES:
            raise ProtocolError(f"{container.name}: a table on another server is not read")
        conn = await connect(self.transport, self.endpoint)
        try:
            info = await describe(conn, schema, table)
            ends = await _ends(
                conn,
                schema,
                table,
                list(info.key),
                list(info.key_kinds),
                container.docs,
                partitions,
                dict(info.charsets),
            )
        finally:
            await conn.close()
        state = {
            "row_bytes": row_bytes(container),
            "database": schema,
            "table": table,
            "key": list(info.key),
            "kinds": list(info.key_kinds),
            "json": list(info.json),
            "ends": [[v.hex() for v in end] for end in ends],
            # Text columns the session cannot carry whole, read as their bytes (with every
            # column's name: they are then selected by name).
            "charsets": dict(info.charsets),
            "columns": [c for c, _ in info.columns] if info.charsets else [],
        }
        return ReadPlan(
            container.name, len(ends) + 1, KEYSET if info.key else OFFSET, state, container.docs
        )

    async def reopen(self, plan: ReadPlan) -> ReadPlan:
        """A position never expires: the same plan."""
        return plan

    def partition(
        self, plan: ReadPlan, number: int, position: Any, *, size: int
    ) -> PartitionReader:
        """The table's rows from ``position`` (None: from the first)."""
        return TablePages(self, plan, number, position, size)


class TablePages(PartitionReader):
    """Pages of up to ``size`` rows, after a key or from an offset."""

    def __init__(
        self, reader: MysqlReader, plan: ReadPlan, number: int, position: Any, size: int
    ) -> None:
        state = plan.state if isinstance(plan.state, dict) else {}
        schema, table = state.get("database"), state.get("table")
        key, kinds, json = state.get("key"), state.get("kinds"), state.get("json")
        ends = state.get("ends", [])
        # Plans of before: every column as the session reads it.
        stored, names = state.get("charsets", {}), state.get("columns", [])
        if (
            not isinstance(stored, dict)
            or not _strings(list(stored) + list(stored.values()))
            or not _strings(names)
            or (stored and not set(stored) <= set(names))
        ):
            raise ProtocolError(f"{plan.container}: the stored read plan is not MySQL's")
        if (
            not isinstance(schema, str)
            or not isinstance(table, str)
            or not isinstance(key, list)
            or not isinstance(kinds, list)
            or not isinstance(json, list)
            or not _strings(key + kinds + json)
            or len(key) != len(kinds)
            or not isinstance(ends, list)
            or not all(_strings(e) and len(e) == len(key) for e in ends)
            or len(ends) + 1 != plan.partitions
            or not 0 <= number < plan.partitions
            or (ends and not key)
        ):
            raise ProtocolError(f"{plan.container}: the stored read plan is not MySQL's")
        try:
            bounds = [None, *([bytes.fromhex(v) for v in e] for e in ends), None]
        except ValueError as exc:
            raise ProtocolError(f"{plan.container}: the stored read plan is not MySQL's") from exc
        # Partition n reads the keys after the end of partition n - 1, up to its own end.
        self.after: list[bytes] | None = bounds[number]
        self.upto: list[bytes] | None = bounds[number + 1]
        average = state.get("row_bytes")
        self.reader = reader
        self.size = rows_that_fit(
            size, average if isinstance(average, int) else None, reader.transport.limits.max_body
        )
        self.schema, self.table = schema, table
        self.key, self.kinds, self.json = list(key), list(kinds), list(json)
        self.decoder = decoder(frozenset(json), stored)
        self.select = sql.columns(names, stored)
        self.offset = 0
        # Statements a streamed read began past its first row: each in a transaction of its
        # own (said in the report, ``_position``).
        self.resumed = 0
        if isinstance(position, dict):
            self._restore(position)
        self.conn: Connection | None = None
        self.done = False

    def _restore(self, position: dict[str, Any]) -> None:
        after, offset = position.get("after"), position.get("offset")
        resumed = position.get("resumed", 0)
        try:
            if not isinstance(resumed, int) or isinstance(resumed, bool) or resumed < 0:
                raise ValueError("a count of resumed statements that is not one")
            self.resumed = resumed
            if after is not None:
                if not _strings(after) or len(after) != len(self.key):
                    raise ValueError("a key of another length")
                self.after = [bytes.fromhex(v) for v in after]
            if offset is not None:
                self.offset = int(offset)
        except (TypeError, ValueError) as exc:
            raise ProtocolError(f"an unreadable stored read position: {exc}") from exc

    def _statement(self) -> str:
        return sql.after_key(
            self.schema,
            self.table,
            self.key,
            self.kinds,
            self.after,
            self.size,
            self.upto,
            self.select,
        )

    async def next_page(self) -> Page | None:
        """The next rows; None after the last."""
        if self.done:
            return None
        if not self.key:
            return await self._streamed_page()
        try:
            if self.conn is None:
                self.conn = await connect(self.reader.transport, self.reader.endpoint)
            got = await self.conn.query(self._statement(), self.decoder)
        except NetError:
            await self.close()  # asked again on a new connection, from the same position
            raise
        if len(got.rows) < self.size:
            self.done = True
        if not got.rows:
            return None
        docs = tuple(decoded(got))
        self.after = _key_of(got, self.key)
        return Page(docs, {"after": [v.hex() for v in self.after]})

    async def _streamed_page(self) -> Page | None:
        """The next rows of a table without a usable key: one statement of every row from
        the offset the read is at, its rows taken a page at a time as they arrive (a
        statement a page would have the server walk past every row before the offset again
        for each page: a table of N pages walked N times)."""
        try:
            statement: str | None = None
            wait: float | None = None
            if self.conn is None:
                self.conn = await connect(self.reader.transport, self.reader.endpoint)
                await self.conn.streaming(mariadb=is_mariadb(self.conn.greeting))
                statement = sql.from_offset(self.schema, self.table, self.offset, self.select)
                # The server walks past the rows before the offset before it sends one.
                wait = walk_wait(self.offset)
            try:
                _, rows, ended = await self.conn.rows_part(
                    statement, self.decoder, self.size, wait=wait
                )
            except TimeoutError_ as exc:
                if wait is not None and wait >= _MAX_WALK:
                    raise WalkTimedOut(
                        f"the statement begun again at row {self.offset:,}, given {_MAX_WALK:g}s "
                        "(the most it may wait) to walk past the rows before its offset, timed "
                        f"out ({exc}): not asked again, which would hold the read as long again"
                    ) from exc
                raise
            if statement is not None and self.offset:
                # The rows before were read in another transaction (a connection lost, a
                # read resumed): the report says so. Counted once its rows came, not when
                # asked: a statement that failed before its first part read nothing.
                self.resumed += 1
        except NetError:
            await self.close()  # asked again on a new connection, from the same offset
            raise
        if ended:
            self.done = True
            await self.close()
        if not rows:
            # A statement begun again that sent no row (the rows after the offset deleted
            # meanwhile, or shifted before it) still made the read one of more transactions:
            # an empty page carries the note its position says.
            return Page((), self._position()) if statement is not None and self.offset else None
        self.offset += len(rows)
        return Page(tuple(rows), self._position())

    def _position(self) -> dict[str, Any]:
        """The rows read so far; once the read was resumed in another transaction, how many
        times, and that said in a line for the report (``Page``)."""
        if not self.resumed:
            return {"offset": self.offset}
        times = "once" if self.resumed == 1 else f"{self.resumed} times"
        return {
            "offset": self.offset,
            "resumed": self.resumed,
            NOTE: (
                f"read in {self.resumed + 1} transactions, not one: its one statement was "
                f"begun again {times} at the rows read so far, in a new transaction (a "
                "connection lost or a read resumed); a row written or deleted meanwhile "
                "before that point may have been missed or read twice"
            ),
        }

    def retryable(self, exc: NetError) -> bool:
        """Not a statement the server refused for good (no privilege, a table gone), nor one
        begun again that waited its longest for a first row (``WalkTimedOut``)."""
        if (isinstance(exc, ServerError) and exc.code in _FINAL) or isinstance(exc, WalkTimedOut):
            return False
        return super().retryable(exc)

    async def close(self) -> None:
        """Close the connection (the server rolls the read-only transaction back)."""
        if self.conn is not None:
            await self.conn.close()
            self.conn = None


class WalkTimedOut(TimeoutError_):
    """A statement begun again at an offset sent no row within ``_MAX_WALK``: asked again, it
    would hold the read as long each time."""


def walk_wait(offset: int) -> float | None:
    """Seconds a statement begun at ``offset`` may take before its first row: 10 and the time
    the server takes to walk past the rows before it at the slowest, at most ``_MAX_WALK``
    (None from the first row: the read deadline)."""
    return min(10 + offset / _WALKED, _MAX_WALK) if offset else None


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _key_of(result: ResultSet, key: list[str]) -> list[bytes]:
    """The key values of the last row, as the server printed them."""
    names = [c.name for c in result.columns]
    last = result.last
    try:
        values = [last[names.index(k)] for k in key]
    except ValueError as exc:
        raise ProtocolError(f"a page without its key column: {exc}") from exc
    if any(v is None for v in values):
        raise ProtocolError("a NULL in a key column: cannot page on")
    return [v for v in values if v is not None]


async def _ends(
    conn: Connection,
    schema: str,
    table: str,
    key: list[str],
    kinds: list[str],
    rows: int | None,
    partitions: int,
    stored: Mapping[str, str] | None = None,
) -> list[list[bytes]]:
    """The keys where each partition but the last ends (none where one partition will do):
    evenly between the key's first and last value where the key is one whole number (an
    auto-increment id: two ends of an index, no rows walked), else by offset along the key, the
    rows split evenly by the inventory's count (the rows before each end walked once, when the
    read is planned). A text key is split by offset: its values are seldom spread evenly over
    their range (CS-2005-000001 … CS-2019-111850 holds a year's cases in the low numbers of
    each year: split halfway between the ends, the lab's million cases fell 34% / 66%, and the
    larger partition set the read's time)."""
    if not key or not rows or partitions < 2:
        return []
    partitions = min(partitions, rows // MIN_PARTITION)
    if partitions < 2:
        return []
    if len(key) == 1 and kinds[0] == "number":
        got = await conn.query(sql.date_range(schema, table, key[0]))
        if got.rows and len(got.rows[0]) == 2:
            first, last = got.rows[0]
            if first is not None and last is not None:
                points = between(first, last, partitions)
                if points is not None:
                    return [[p] for p in points]
    ends: list[list[bytes]] = []
    for n in range(1, partitions):
        at = rows * n // partitions - 1
        got = await conn.query(sql.key_at(schema, table, key, at, stored or ()))
        if not got.rows:
            break  # fewer rows than counted: the last partition reads the rest
        values = list(got.rows[0])
        if len(values) != len(key) or any(v is None for v in values):
            raise ProtocolError("a key without its values: cannot split the read")
        end = [v for v in values if v is not None]
        if not ends or end != ends[-1]:
            ends.append(end)
    return ends


_WHOLE = re.compile(rb"-?\d{1,65}")


def between(first: bytes, last: bytes, partitions: int) -> list[bytes] | None:
    """``partitions - 1`` whole numbers evenly between two, each above the one before (None
    where either is not a whole number: a decimal is split by offset)."""
    if not _WHOLE.fullmatch(first) or not _WHOLE.fullmatch(last):
        return None
    low, high = int(first), int(last)
    out: list[bytes] = []
    for n in range(1, partitions):
        p = str(low + (high - low) * n // partitions).encode()
        if not out or p != out[-1]:
            out.append(p)
    return out
