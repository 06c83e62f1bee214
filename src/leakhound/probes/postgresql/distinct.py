"""A column's distinct values, counted and listed by PostgreSQL itself: how a large store's
people are counted exactly without reading its rows (``scanner/people.py``).

Each table is counted alone (``count(DISTINCT …)``: a value in two tables counts in each)
and listed in keyset pages (``probes/keyset.py``), both of each value as stored, in "C"
(``AS_STORED``), never in the column's own collation: a nondeterministic one holds
"josé@x.com" and "jose@x.com" one value. A listing gives each value written otherwise apart
("Jane@x.com", "jane@x.com"), which the scan then reads as it reads any value, as one
address (``scanner/people._listed``): the people it counts are those a read of every row
counts. The last value listed goes back as an escape string of its code points alone
(``E'\\U00000061…'``), which no character of it can end early (an escape string reads a
backslash alike whatever ``standard_conforming_strings`` says) and which, a literal of no
type, compares as text in "C", as ``ORDER BY`` orders the pages (``convert_from(decode('…',
'hex'), 'UTF8')`` once compared in "C" what was ordered in the column's collation: a page
after ``a@x.com`` in a database ordered by English rules skipped ``B@x.com``). An index on
the column in its own collation does not order such a listing: each page reads the column
whole. So a column of text or varchar whose collation merges no two of its values
(``merges_nothing``: always so for a deterministic one) is listed in that collation and
order, its index read a page at a time: the same values. Every statement runs under a
statement timeout of the read deadline: the server stops when we stop waiting.

``count``, the operator, the type cast to and the collation are named in ``pg_catalog``:
unqualified, an aggregate or an operator of a closer type in a schema anyone may create in
(``public``, before PostgreSQL 15) is the one called, as the user we log in as:
``public.count(text)`` over ``count(DISTINCT "email")`` of a text column,
``public.>(varchar, text)`` (the lab's PostgreSQL 15: each ran, and ``COPY … TO PROGRAM``
from one ran a command as the server's account, a read-only transaction notwithstanding)."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import NamedTuple

from ...errors import ProtocolError
from ..keyset import PAGE, counts, keyset, keyset_bytes
from ..reconnect import on_demand
from .allow import ADDRESS_FOLDED, AS_BYTES, AS_READ, AS_STORED, MD5, quote
from .connection import Connection
from .wire import STRAY


def timeout(seconds: float) -> str:
    """The session's statement timeout, in milliseconds."""
    return f"SET statement_timeout = {max(1, min(int(seconds * 1000), 999_999_999))}"


def as_stored(column: str) -> str:
    """A text column's value compared as stored (``AS_STORED``)."""
    return AS_STORED.format(column=quote(column))


def count_of(schema: str, table: str, column: str, *, raw: bool = False) -> str:
    """The distinct non-null values of one column two ways: as stored (``AS_STORED``), and
    those that are each one whole e-mail address lower-cased (``ADDRESS_FOLDED``); ``raw``:
    a database of encoding SQL_ASCII, whose values are counted as leakhound reads them
    (``AS_READ``: a Latin-1 and a UTF-8 spelling of one text one value, as a read or a
    listing by bytes finds them), not as stored (two values, one person counted twice)."""
    v = as_stored(column)
    counted = AS_READ.replace("{v}", v) if raw else v
    return (
        f"SELECT pg_catalog.count(DISTINCT {counted}), "
        f"pg_catalog.count(DISTINCT {ADDRESS_FOLDED.replace('{v}', v)}) "
        f"FROM ONLY {quote(schema)}.{quote(table)}"
    )


def escaped(value: str) -> str:
    """A text as an escape string of its code points alone (``E'\\U00000061'``)."""
    return "E'" + "".join(f"\\U{ord(ch):08x}" for ch in value) + "'"


def count_alike(schema: str, table: str, column: str) -> str:
    """One column's distinct values in its own collation and as stored (``AS_STORED``):
    values equal as stored are equal in any collation (char(n)'s padding left out by both),
    so the two counts equal, the collation merges no two values in this table
    (``merges_nothing``)."""
    return (
        f"SELECT pg_catalog.count(DISTINCT {quote(column)}), "
        f"pg_catalog.count(DISTINCT {as_stored(column)}) "
        f"FROM ONLY {quote(schema)}.{quote(table)}"
    )


def page_of(
    schema: str,
    table: str,
    column: str,
    after: str | None,
    size: int = PAGE,
    *,
    own: bool = False,
) -> str:
    """The next ``size`` distinct values of one column, as stored (``AS_STORED``) and in that
    order, after ``after`` (None: from the first); ``own``: the column itself, in its own
    collation and order (an index on it reads a page alone), where that collation merges no
    two values (``count_alike``). A literal of no type is read as the column's type and
    compared in its collation, as ``ORDER BY`` orders."""
    v = quote(column) if own else as_stored(column)
    where = (
        f"{quote(column)} IS NOT NULL"
        if after is None
        else f"{v} OPERATOR(pg_catalog.>) {escaped(after)}"
    )
    return (
        f"SELECT DISTINCT {v} FROM ONLY {quote(schema)}.{quote(table)} WHERE {where} "
        f"ORDER BY {v} LIMIT {int(size)}"
    )


def bytes_page_of(schema: str, table: str, column: str, after: str | None, size: int = PAGE) -> str:
    """``page_of`` of each value as its bytes (``AS_BYTES``: a database of encoding
    SQL_ASCII), each beside its MD5 (in "C"), in the order of that, after the MD5 ``after``
    (32 hex digits: ``keyset.keyset_bytes``; None: from the first)."""
    v = AS_BYTES.format(v=as_stored(column))
    md5 = MD5.format(v=v)
    if after is not None and not re.fullmatch(r"[0-9a-f]{32}", after):
        raise ValueError(f"not an MD5: {after[:40]!r}")
    where = (
        f"{quote(column)} IS NOT NULL"
        if after is None
        else f"{md5} OPERATOR(pg_catalog.>) '{after}'"
    )
    return (
        f"SELECT DISTINCT {v}, {md5} FROM ONLY {quote(schema)}.{quote(table)} WHERE {where} "
        f"ORDER BY 2 LIMIT {int(size)}"
    )


class Counted(NamedTuple):
    """One column's distinct values in one table (``count_of``)."""

    stored: int  # as stored (``AS_STORED``)
    folded: int  # each one whole address, lower-cased: at most the addresses leakhound reads


async def count(
    conn: Connection, schema: str, table: str, column: str, *, raw: bool = False
) -> Counted:
    """The distinct values of one column of one table (``count_of``; ProtocolError for an
    answer that is not two counts)."""
    got = await conn.run(count_of(schema, table, column, raw=raw), width=2)
    return Counted(*counts(got.rows))


# Types whose own order and ``>`` with a literal of no type are their text's in their
# collation (citext orders by its lower case, another type by its own operators; char(n)
# would list each value padded to its length, a char(3000)'s too long to page after).
TEXT_ORDERED = frozenset({"text", "character varying"})


async def merges_nothing(conn: Connection, schema: str, table: str, column: str) -> bool:
    """Whether one column's own collation merges no two values as stored in this table
    (``count_alike``), so that a listing in its own order gives the same values."""
    got = await conn.run(count_alike(schema, table, column), width=2)
    own, stored = counts(got.rows)
    return own == stored


def values(
    conn: Connection,
    schema: str,
    table: str,
    column: str,
    size: int = PAGE,
    *,
    own: bool = False,
    as_bytes: bool = False,
    budget: int | None = None,
    reopen: Callable[[], Awaitable[Connection]] | None = None,
) -> AsyncGenerator[str, None]:
    """Each distinct value of one column of one table, once, page by page; ``own``: in the
    column's own collation and order (``merges_nothing``); ``as_bytes``: listed as its
    bytes (``_as_bytes``); ``size``: the first page's values, ``budget``: the bytes of
    values a page after it may hold (``keyset.sized``: a column no index orders is read
    whole by every page); ``reopen``: the connection to ask the next page on once one closed
    ``conn`` (a reply over the byte cap, asked again smaller: ``keyset._Asking``)."""
    if as_bytes:
        return _as_bytes(conn, schema, table, column, size, budget, reopen)

    connection = on_demand(conn, reopen)

    async def ask(after: str | None, n: int) -> Sequence[str | None]:
        got = await (await connection()).run(
            page_of(schema, table, column, after, n, own=own), width=1
        )
        return [r[0] for r in got.rows]

    return keyset(ask, size, budget=budget)


_BYTEA = re.compile(r"\\x((?:[0-9a-f]{2})*)")  # bytea's output, hex format


def _as_bytes(
    conn: Connection,
    schema: str,
    table: str,
    column: str,
    size: int,
    budget: int | None = None,
    reopen: Callable[[], Awaitable[Connection]] | None = None,
) -> AsyncGenerator[str, None]:
    """A column of a database of encoding SQL_ASCII, listed by its values' bytes
    (``bytes_page_of``, ``keyset_bytes``: each page after the MD5 of the last value, however
    long), each read as the session reads it (``wire.STRAY``): as text, a page could only go
    on after a value of ASCII alone (the server converts no code point past it to
    SQL_ASCII), and two values may read alike (Latin-1 "jos\\xe9" and UTF-8 "josé")."""

    connection = on_demand(conn, reopen)

    async def ask(after: str | None, n: int) -> Sequence[bytes | None]:
        got = await (await connection()).run(
            bytes_page_of(schema, table, column, after, n), width=2
        )
        out: list[bytes | None] = []
        for v, *_ in got.rows:
            m = _BYTEA.fullmatch(v or "")
            if m is None:
                raise ProtocolError("a value as bytes that is not bytea's hex")
            out.append(bytes.fromhex(m[1]))
        return out

    return keyset_bytes(ask, lambda raw: raw.decode("utf-8", STRAY), size, budget=budget)
