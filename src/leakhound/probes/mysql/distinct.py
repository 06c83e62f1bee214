"""A column's distinct values, counted and listed by MySQL or MariaDB itself: how a large
store's people are counted exactly without reading its rows (``scanner/people.py``).

Each table is counted alone (``COUNT(DISTINCT …)``: a value in two tables counts in each)
and listed in keyset pages (``probes/keyset.py``), the last value listed going back as a hex
literal with an introducer (``_utf8mb4 X'…'``), compared in the column's collation. Both as
the column's collation compares values: a case-insensitive one lists an address written in
two letter cases once (one person either way), an accent-insensitive one two addresses that
differ only in an accent once. Every statement runs in the read-only transaction of
``connection.connect``, under the session's statement timeout where the server has one."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence

from ...errors import ProtocolError
from ..keyset import PAGE, keyset
from . import sql
from .connection import Connection
from .tables import is_mariadb
from .wire import ServerError


async def limit_time(conn: Connection, seconds: float) -> None:
    """The session's statement timeout (a server without one keeps none: the read deadline
    still holds on our side)."""
    got = await conn.run(sql.statement_timeout(seconds, mariadb=is_mariadb(conn.greeting)))
    if isinstance(got, ServerError) and conn.stream.closed:
        raise got


async def count(conn: Connection, schema: str, table: str, column: str) -> int:
    """The distinct values of one column of one table (ProtocolError for an answer that is
    not a count)."""
    got = await conn.query(sql.count_distinct(schema, table, column), width=1)
    raw = got.rows[0][0] if len(got.rows) == 1 else None
    if raw is None or not raw.isdigit() or len(raw) > 18:
        raise ProtocolError("COUNT(DISTINCT …) answered without a count")
    return int(raw)


def values(
    conn: Connection, schema: str, table: str, column: str, size: int = PAGE
) -> AsyncGenerator[str, None]:
    """Each distinct value of one column of one table, once, page by page (ProtocolError for
    a value that is not UTF-8: it could not be paged after)."""

    async def ask(after: str | None, n: int) -> Sequence[str | None]:
        got = await conn.query(sql.distinct_after(schema, table, column, after, n), width=1)
        try:
            return [None if r[0] is None else r[0].decode() for r in got.rows]
        except UnicodeDecodeError as exc:
            raise ProtocolError("a distinct value that is not UTF-8") from exc

    return keyset(ask, size)
