"""A column's distinct values, counted and listed by MySQL or MariaDB itself: how a large
store's people are counted exactly without reading its rows (``scanner/people.py``).

Each table is counted alone (``COUNT(DISTINCT …)``: a value in two tables counts in each)
and listed in keyset pages (``probes/keyset.py``), the last value listed going back as a hex
literal with an introducer (``_utf8mb4 X'…'``). Both compare each value as stored
(``sql.AS_STORED``), never in the column's own collation: a case- and accent-insensitive one
(``utf8mb4_unicode_ci``, MariaDB 11's ``utf8mb4_uca1400_ai_ci``) holds "josé@x.com" and
"jose@x.com" one value and would list one of them, one person where leakhound reads two. A
listing gives each value written otherwise apart ("Jane@x.com", "jane@x.com"), which the
scan then reads as it reads any value, as one address (``scanner/people._listed``): the
people it counts are those a read of every row counts. An index on the column does not
order such a listing: each page would read the column whole (a 500,000-row table of 150,000
addresses, MariaDB 10.11: 2.3 s a page, 0.08 s in the index's order). So a table whose
column's own collation merges no two values as stored, nor splits two (``merges_nothing``:
its three counts equal, a NO PAD collation keeping "x@y " and "x@y" apart as ``utf8mb4_bin``
does not), is listed in that collation and order, its index read a page at a time: the same
values. Every statement runs in the read-only transaction of
``connection.connect``, under the session's statement timeout where the server has one."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from functools import partial
from typing import NamedTuple

from ...errors import ProtocolError
from ..keyset import PAGE, counts, keyset, keyset_bytes
from ..reconnect import on_demand
from . import charsets, sql
from .connection import Connection
from .tables import is_mariadb
from .wire import ServerError


async def limit_time(conn: Connection, seconds: float) -> None:
    """The session's statement timeout (a server without one keeps none: the read deadline
    still holds on our side)."""
    got = await conn.run(sql.statement_timeout(seconds, mariadb=is_mariadb(conn.greeting)))
    if isinstance(got, ServerError) and conn.stream.closed:
        raise got


class Counted(NamedTuple):
    """One column's distinct values in one table (``sql.count_distinct``)."""

    stored: int  # as stored (``sql.AS_STORED``)
    folded: int  # each one whole address, lower-cased: at most the addresses leakhound reads
    as_bytes: int  # byte for byte: at least the values ``stored`` converted alike


async def count(conn: Connection, schema: str, table: str, column: str) -> Counted:
    """The distinct values of one column of one table (ProtocolError for an answer that is
    not three counts)."""
    got = await conn.query(sql.count_distinct(schema, table, column), width=3)
    return Counted(*counts(got.rows))


# Types whose own order is their text's in their collation: an enum orders by its list, a
# set by its bits, MariaDB's uuid by its time fields, none as ``>`` compares a text with them.
TEXT_ORDERED = frozenset({"char", "varchar", "tinytext", "text", "mediumtext", "longtext"})


async def merges_nothing(conn: Connection, schema: str, table: str, column: str) -> bool:
    """Whether one column's own collation holds apart exactly the values held apart as
    stored in this table (``sql.count_alike``: its count, the count as stored and the count
    of both the same), so that a listing in its own order gives the same values."""
    got = await conn.query(sql.count_alike(schema, table, column), width=3)
    own, stored, both = counts(got.rows)
    return own == stored == both


def values(
    conn: Connection,
    schema: str,
    table: str,
    column: str,
    size: int = PAGE,
    *,
    own: bool = False,
    charset: str | None = None,
    budget: int | None = None,
    reopen: Callable[[], Awaitable[Connection]] | None = None,
) -> AsyncGenerator[str, None]:
    """Each distinct value of one column of one table, once, page by page (ProtocolError for
    a value that is not UTF-8: it could not be paged after); ``own``: in the column's own
    collation and order (``merges_nothing``); ``charset``: a column the session cannot carry
    whole (``charsets.lossy``), listed as its bytes, each read in that character set;
    ``size``: the first page's values, ``budget``: the bytes of values a page after it may
    hold (``keyset.sized``: a column no index orders is read whole by every page);
    ``reopen``: the connection to ask the next page on once one closed ``conn`` (a reply over
    the byte cap, asked again smaller: ``keyset._Asking``)."""
    if charset:
        return _as_bytes(conn, schema, table, column, size, charset, budget, reopen)

    connection = on_demand(conn, reopen)

    async def ask(after: str | None, n: int) -> Sequence[str | None]:
        statement = sql.distinct_after(schema, table, column, after, n, own=own)
        got = await (await connection()).query(statement, width=1)
        try:
            return [None if r[0] is None else r[0].decode() for r in got.rows]
        except UnicodeDecodeError as exc:
            raise ProtocolError("a distinct value that is not UTF-8") from exc

    return keyset(ask, size, budget=budget)


def _as_bytes(
    conn: Connection,
    schema: str,
    table: str,
    column: str,
    size: int,
    charset: str,
    budget: int | None = None,
    reopen: Callable[[], Awaitable[Connection]] | None = None,
) -> AsyncGenerator[str, None]:
    """A column's distinct values byte for byte (``sql.distinct_bytes_after``), each read in
    its character set (``charsets.decode``): values the session would send alike stay apart
    (a listing as stored gives "jos?@x.com" once for the people of two tables). Each page
    goes on after the MD5 of the last value read (``keyset_bytes``), however long it is."""

    connection = on_demand(conn, reopen)

    async def ask(after: str | None, n: int) -> Sequence[bytes | None]:
        statement = sql.distinct_bytes_after(schema, table, column, after, n)
        got = await (await connection()).query(statement, width=2)
        return [r[0] for r in got.rows]

    return keyset_bytes(ask, partial(charsets.decode, charset=charset), size, budget=budget)
