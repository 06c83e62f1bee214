"""MySQL: a sample of one table spread over it, not the first rows the server returns.

MySQL has no TABLESAMPLE. A table whose key is one whole number (an auto-increment id, most
tables) is sampled at key values drawn at random between its first and last (``MIN``/``MAX``:
the two ends of its index), in one ``IN (…)`` statement a round (``sampling.draw``): one
index lookup a value, whatever the table's size; a value in a gap of the key holds no row, and
the next round asks for more.

Any other table (a text key, a decimal one, none; or a key so sparse that few values hold a
row) is reached by a seeded chance instead: ``WHERE RAND(seed) < p``, each row kept with the
chance that gives about one and a half samples, in one pass over the table. That pass is its
cost, so it is taken on tables of up to ``SCAN_ROWS`` rows and ``SCAN_BYTES`` bytes (about a
second on a million rows of 300 bytes: ``benchmarks/sample_spread.py``). Offsets
(``LIMIT 1 OFFSET o``), as the full reader uses for such tables, would walk about half the
table for each row: a hundred rows cost fifty passes, and runs of neighbours at a few offsets
(as cheap as one pass on a million rows) hold a few customers each, not a hundred. Beyond that
size, a sparse whole-number key is read in ``RUNS`` runs of neighbours, each after a point
evenly between its ends (as the full reader splits such a key, ``read.between``: index ranges,
cheap), and other tables give their first rows, said to be that.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import NetError
from ...models import Container
from .. import sampling
from . import sql
from .connection import Connection
from .read import between
from .rows import documents
from .tables import TableInfo, describe

# A table read in one pass for its sample: at most this many rows and bytes.
SCAN_ROWS = 2_000_000
SCAN_BYTES = 1 << 30
RUNS = 10  # runs of neighbours a large table of a sparse whole-number key is sampled in
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
    info = None
    if container.details.get("charsets"):
        # Text the session cannot carry whole (``charsets``): its columns read as their
        # bytes, by name.
        info = await describe(conn, schema, table)
    if not rows or rows <= size:
        return await _first(conn, schema, table, size, json, info)
    try:
        return await _spread(conn, container, schema, table, rows, size, json, info)
    except NetError as exc:
        if exc.denied or conn.stream.closed:  # closed: the caller reads on a new one
            raise
        # The server refused the spread read (an odd answer): the first rows, said to be
        # that, rather than no sample at all.
        return await _first(conn, schema, table, size, json, info)


async def _spread(
    conn: Connection,
    container: Container,
    schema: str,
    table: str,
    rows: int,
    size: int,
    json: Any,
    info: TableInfo | None = None,
) -> tuple[list[dict[str, Any]], str]:
    info = info or await describe(conn, schema, table)
    edges: tuple[bytes, bytes] | None = None
    if len(info.key) == 1 and info.key_kinds == ("number",):
        edges = await _edges(conn, schema, table, info.key[0])
        if edges is not None:
            found = await _at_keys(conn, info, schema, table, edges, size, json)
            if len(found) * 2 >= size:
                return found, sampling.SPREAD
    # One pass at a seeded chance, on a table counted row by row (a share from an estimate
    # off by a factor would fill the LIMIT before the table's end) of a bounded size. A size
    # not given (statistics older than the rows counted) leaves the rows' bound alone; a pass
    # that overruns the read timeout falls back to the first rows.
    bounded = container.store_bytes is None or container.store_bytes <= SCAN_BYTES
    if container.docs_exact and rows <= SCAN_ROWS and bounded:
        share = 1.5 * size / rows
        limit = 4 * size
        statement = sql.at_random(schema, table, share, limit, sampling.SEED, info.select)
        found = documents(await conn.query(statement), json, dict(info.charsets))
        if len(found) < limit:  # the pass reached the table's end
            return sampling.evenly(found, size), sampling.SPREAD
    if edges is not None:
        return await _runs(conn, info, schema, table, edges, size, json)
    return await _first(conn, schema, table, size, json, info)


async def _first(
    conn: Connection, schema: str, table: str, size: int, json: Any, info: TableInfo | None
) -> tuple[list[dict[str, Any]], str]:
    select, stored = (info.select, dict(info.charsets)) if info else ("*", {})
    got = await conn.query(sql.first_rows(schema, table, size, select))
    return documents(got, json, stored), sampling.FIRST


async def _edges(conn: Connection, schema: str, table: str, key: str) -> tuple[bytes, bytes] | None:
    """The key's first and last value, where both are whole numbers."""
    got = await conn.query(sql.date_range(schema, table, key))
    if not got.rows or len(got.rows[0]) != 2:
        return None
    first, last = got.rows[0]
    if first is None or last is None or not (_WHOLE.fullmatch(first) and _WHOLE.fullmatch(last)):
        return None
    return first, last


async def _at_keys(
    conn: Connection,
    info: TableInfo,
    schema: str,
    table: str,
    edges: tuple[bytes, bytes],
    size: int,
    json: Any,
) -> list[dict[str, Any]]:
    """Rows at key values drawn at random between the key's ends (none for a key too wide)."""
    low = int(edges[0])
    span = int(edges[1]) - low + 1
    if not 0 < span <= _SPAN:
        return []

    async def ask(places: list[int]) -> list[dict[str, Any]]:
        keys = [low + p for p in places]
        got = await conn.query(sql.at_keys(schema, table, info.key[0], keys, info.select))
        return documents(got, json, dict(info.charsets))

    return await sampling.draw(ask, span, size)


async def _runs(
    conn: Connection,
    info: TableInfo,
    schema: str,
    table: str,
    edges: tuple[bytes, bytes],
    size: int,
    json: Any,
) -> tuple[list[dict[str, Any]], str]:
    """``RUNS`` runs of neighbours, each after a point evenly between the key's ends; a run
    short of rows leaves them to the next."""
    points = between(edges[0], edges[1], RUNS) or []
    starts: list[list[bytes] | None] = [None, *([p] for p in points)]
    ends: list[list[bytes] | None] = [*([p] for p in points), None]
    out: list[dict[str, Any]] = []
    for n, (after, upto) in enumerate(zip(starts, ends, strict=True)):
        want = -(-(size - len(out)) // (len(starts) - n))
        if want > 0:
            statement = sql.after_key(
                schema, table, [info.key[0]], ["number"], after, want, upto, info.select
            )
            out += documents(await conn.query(statement), json, dict(info.charsets))
    return out, sampling.RUNS
