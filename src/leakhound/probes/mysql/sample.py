"""MySQL: a sample of one table spread over it, not the first rows the server returns.

MySQL has no TABLESAMPLE. A table whose key is one whole number (an auto-increment id, most
tables) is sampled at key values drawn at random between its first and last (``MIN``/``MAX``:
the two ends of its index), in one ``IN (…)`` statement a round (``sampling.draw``): one
index lookup a value, whatever the table's size; a value in a gap of the key holds no row, and
the next round asks for more. A key so sparse that few values hold a row (random ids) is read
in ``RUNS`` runs of neighbours instead, each after a point evenly between its ends (as the
full reader splits such a key, ``read.between``).

Any other table (a text key, a decimal one, none) can be reached by offset alone, and the
server walks past every row before one (``read.py`` splits such keys the same way): rows at
random offsets where their walks together stay within ``OFFSET_WALK`` rows, runs of
neighbours at evenly spaced offsets where single rows would walk further, and the first rows
where even two runs would (a table of millions of rows without a whole-number key).
"""

from __future__ import annotations

import re
from typing import Any

from ...models import Container
from .. import sampling
from . import sql
from .connection import Connection
from .read import between
from .rows import documents
from .tables import describe

# Rows the server may walk past to reach a sample's offsets, all of them together (a few
# hundred milliseconds of InnoDB's time: benchmarks/README.md).
OFFSET_WALK = 2_000_000
RUNS = 10  # runs of neighbours a table of a sparse whole-number key is sampled in
_WHOLE = re.compile(rb"-?\d{1,19}")
_SPAN = 1 << 62  # key ranges wider than this are sparse whatever they hold


async def sample_rows(
    conn: Connection, container: Container, schema: str, table: str, size: int
) -> tuple[list[dict[str, Any]], str]:
    """Up to ``size`` rows spread over the table, and how they were drawn
    (``sampling.SPREAD``, ``RUNS`` or ``FIRST``); a table of no more rows than ``size``
    (or not counted) is read from its start."""
    rows = container.docs
    json = container.details.get("json_columns") or ()
    if not rows or rows <= size:
        return documents(await conn.query(sql.first_rows(schema, table, size)), json), (
            sampling.FIRST
        )
    info = await describe(conn, schema, table)
    if len(info.key) == 1 and info.key_kinds == ("number",):
        got = await _by_key(conn, schema, table, info.key[0], size, json)
        if got is not None:
            return got
    return await _by_offset(conn, schema, table, rows, size, json)


async def _by_key(
    conn: Connection, schema: str, table: str, key: str, size: int, json: Any
) -> tuple[list[dict[str, Any]], str] | None:
    """Rows at key values drawn at random between the key's ends, else (a sparse key) in
    runs after points evenly between them; None where the ends are not whole numbers."""
    edges = await conn.query(sql.date_range(schema, table, key))
    if not edges.rows or len(edges.rows[0]) != 2:
        return None
    first, last = edges.rows[0]
    if first is None or last is None or not (_WHOLE.fullmatch(first) and _WHOLE.fullmatch(last)):
        return None
    low, span = int(first), int(last) - int(first) + 1
    if 0 < span <= _SPAN:

        async def ask(places: list[int]) -> list[dict[str, Any]]:
            got = await conn.query(sql.at_keys(schema, table, key, [low + p for p in places]))
            return documents(got, json)

        found = await sampling.draw(ask, span, size)
        if len(found) * 2 >= size:
            return found, sampling.SPREAD
    points = between(first, last, RUNS) or []
    starts: list[list[bytes] | None] = [None, *([p] for p in points)]
    ends: list[list[bytes] | None] = [*([p] for p in points), None]
    out: list[dict[str, Any]] = []
    for n, (after, upto) in enumerate(zip(starts, ends, strict=True)):
        left = len(starts) - n  # runs left: a run short of rows leaves them to the next
        want = -(-(size - len(out)) // left)
        if want > 0:
            statement = sql.after_key(schema, table, [key], ["number"], after, want, upto)
            out += documents(await conn.query(statement), json)
    return out, sampling.RUNS


async def _by_offset(
    conn: Connection, schema: str, table: str, rows: int, size: int, json: Any
) -> tuple[list[dict[str, Any]], str]:
    """Rows at random offsets, or runs at evenly spaced ones, as far as ``OFFSET_WALK``
    allows (the server walks about half the table for each); the first rows beyond."""
    runs = min(size, 2 * OFFSET_WALK // rows)
    if runs < 2:
        return documents(await conn.query(sql.first_rows(schema, table, size)), json), (
            sampling.FIRST
        )
    out: list[dict[str, Any]] = []
    if runs == size:
        for offset in sorted(sampling.places(rows, size)):
            out += documents(await conn.query(sql.at_offset(schema, table, offset, 1)), json)
        return out, sampling.SPREAD
    for n in range(runs):
        length = size * (n + 1) // runs - size * n // runs
        offset = rows * n // runs
        out += documents(await conn.query(sql.at_offset(schema, table, offset, length)), json)
    return out, sampling.RUNS
