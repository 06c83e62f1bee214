"""MySQL: every row of a table, page by page, in a read-only transaction.

Where the table has a primary key (else a unique key of NOT NULL columns), a page is the next
rows in key order after the last key read: the position is those key values, valid on any
connection and in any later transaction, so a read resumes exactly where its checkpoint left it
and costs the server one index range a page. A table without such a key is read by offset:
weaker, because a row inserted or deleted before the offset between two transactions (a resumed
read) shifts every row after it, so a resumed read may miss or repeat rows, and the server
walks past all the skipped rows again for each page.

A keyed table of more than a few pages is read in as many partitions as asked, each a range
of the key on a connection of its own (the server sends one partition's rows while the
client decodes another's): the keys where partitions end are found once when the read is
planned (evenly between the key's first and last value, else by offset along its index) and
kept in the plan, so a resumed read has the same ranges.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import NetError, ProtocolError
from ...models import Container, Endpoint
from ...net import Transport
from ..base import FullReader, Page, PartitionReader, ReadPlan
from . import sql
from .connection import Connection, connect
from .rows import decoded, decoder
from .tables import REMOTE_ENGINES, describe, row_bytes, rows_that_fit, where
from .wire import ResultSet, ServerError

KEYSET, OFFSET = "keyset", "offset"
MIN_PARTITION = 2_000  # rows a partition holds at least: a smaller table is one partition
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
        self.decoder = decoder(frozenset(json))
        self.offset = 0
        if isinstance(position, dict):
            self._restore(position)
        self.conn: Connection | None = None
        self.done = False

    def _restore(self, position: dict[str, Any]) -> None:
        after, offset = position.get("after"), position.get("offset")
        try:
            if after is not None:
                if not _strings(after) or len(after) != len(self.key):
                    raise ValueError("a key of another length")
                self.after = [bytes.fromhex(v) for v in after]
            if offset is not None:
                self.offset = int(offset)
        except (TypeError, ValueError) as exc:
            raise ProtocolError(f"an unreadable stored read position: {exc}") from exc

    def _statement(self) -> str:
        if self.key:
            return sql.after_key(
                self.schema, self.table, self.key, self.kinds, self.after, self.size, self.upto
            )
        return sql.at_offset(self.schema, self.table, self.offset, self.size)

    async def next_page(self) -> Page | None:
        """The next rows; None after the last."""
        if self.done:
            return None
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
        if not self.key:
            self.offset += len(got.rows)
            return Page(docs, {"offset": self.offset})
        self.after = _key_of(got, self.key)
        return Page(docs, {"after": [v.hex() for v in self.after]})

    def retryable(self, exc: NetError) -> bool:
        """Not a statement the server refused for good (no privilege, a table gone)."""
        if isinstance(exc, ServerError) and exc.code in _FINAL:
            return False
        return super().retryable(exc)

    async def close(self) -> None:
        """Close the connection (the server rolls the read-only transaction back)."""
        if self.conn is not None:
            await self.conn.close()
            self.conn = None


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
) -> list[list[bytes]]:
    """The keys where each partition but the last ends (none where one partition will do):
    evenly between the key's first and last value where the key is one whole number or one
    ASCII or binary string (two ends of an index: no rows walked), else by offset along the
    key, the rows split evenly by the inventory's count (the rows before each end walked)."""
    if not key or not rows or partitions < 2:
        return []
    partitions = min(partitions, rows // MIN_PARTITION)
    if partitions < 2:
        return []
    if len(key) == 1:
        got = await conn.query(sql.date_range(schema, table, key[0]))
        if got.rows and len(got.rows[0]) == 2:
            first, last = got.rows[0]
            if first is not None and last is not None:
                points = between(kinds[0], first, last, partitions)
                if points is not None:
                    return [[p] for p in points]
    ends: list[list[bytes]] = []
    for n in range(1, partitions):
        got = await conn.query(sql.key_at(schema, table, key, rows * n // partitions - 1))
        if not got.rows:
            break  # fewer rows than counted: the last partition reads the rest
        values = list(got.rows[0])
        if len(values) != len(key) or any(v is None for v in values):
            raise ProtocolError("a key without its values: cannot split the read")
        end = [v for v in values if v is not None]
        if not ends or end != ends[-1]:
            ends.append(end)
    return ends


MAX_SPREAD = 256  # bytes of a key interpolated (a longer one, or a hostile 1 MiB value: by offset)
_WHOLE = re.compile(rb"-?\d{1,65}")


def between(kind: str, first: bytes, last: bytes, partitions: int) -> list[bytes] | None:
    """``partitions - 1`` values evenly between two keys, each distinct and above the one
    before (None where the kind's values cannot be interpolated: a decimal, text that is not
    ASCII or mixes characters whose order depends on the column's collation, keys that are
    not in order). Ends in order split the key correctly, whatever values they are (each row
    is after an end or up to it); an even split needs them near the rows' own spread.

    Text is spread over each position's own class of characters (digits, hex, letters of one
    case, or both of those), each in the same order in the usual collations as in bytes, so
    the ends are in order for the server too. Where a position mixes others (a lower and an
    upper case letter: one order with ``utf8mb4_bin``, another with ``_ci``), the ends are
    found by offset instead."""
    points: list[bytes] | None = None
    if kind == "number":
        if not _WHOLE.fullmatch(first) or not _WHOLE.fullmatch(last):
            return None
        low, high = int(first), int(last)
        points = [str(low + (high - low) * n // partitions).encode() for n in range(1, partitions)]
    elif max(len(first), len(last)) > MAX_SPREAD:
        return None
    elif kind == "text" and first.isascii() and last.isascii():
        alphabets = _alphabets(first, last)
        points = _spread(first, last, partitions, alphabets) if alphabets else None
    elif kind == "binary":
        points = _spread(first, last, partitions, [_BYTES] * max(len(first), len(last)))
    if points is None:
        return None
    out: list[bytes] = []
    for p in points:
        if not out or p != out[-1]:
            out.append(p)
    return out


# The characters a position of a text key is read in, smallest first: a key made of digits,
# hex or letters at a position is spread over those alone (an identifier such as CS-2005-000001
# spreads over its digits, not over the 128 ASCII characters, most of which it never holds).
_CLASSES = (
    b"0123456789",
    b"0123456789abcdef",
    b"0123456789ABCDEF",
    b"abcdefghijklmnopqrstuvwxyz",
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    b"0123456789abcdefghijklmnopqrstuvwxyz",
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
)
_BYTES = bytes(range(256))


def _alphabets(first: bytes, last: bytes) -> list[bytes] | None:
    """Per position of the longer key, the smallest class holding both keys' characters
    there (a shorter key holds none), or the one character both hold (a separator, as the
    dash of CS-2005-000001); None where a position holds two characters of no one class."""
    out = []
    for at in range(max(len(first), len(last))):
        held = {key[at] for key in (first, last) if at < len(key)}
        fits = [c for c in _CLASSES if all(ch in c for ch in held)]
        if fits:
            out.append(fits[0])
        elif len(held) == 1:
            out.append(bytes(held))
        else:
            return None
    return out


def _spread(
    first: bytes, last: bytes, partitions: int, alphabets: list[bytes]
) -> list[bytes] | None:
    """Strings evenly between two, read as numbers whose digits are each position's
    alphabet (in byte order, so that a larger number is a later string); None where the
    first is not below the last."""
    low, high = (_number(v, alphabets) for v in (first, last))
    if low >= high:
        return None
    out = []
    for n in range(1, partitions):
        value = low + (high - low) * n // partitions
        digits = bytearray(len(alphabets))
        for at in range(len(alphabets) - 1, -1, -1):
            value, index = divmod(value, len(alphabets[at]))
            digits[at] = alphabets[at][index]
        out.append(bytes(digits).rstrip(b"\0") or b"\0")  # a binary key's trailing zeros
    return out


def _number(raw: bytes, alphabets: list[bytes]) -> int:
    """A key as a number of the positions' alphabets (a position past its end: digit 0)."""
    value = 0
    for at, alphabet in enumerate(alphabets):
        value = value * len(alphabet) + (alphabet.index(raw[at]) if at < len(raw) else 0)
    return value
