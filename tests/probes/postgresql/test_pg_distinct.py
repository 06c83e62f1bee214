"""A column's distinct values counted and listed by PostgreSQL: the statements on the
allow-list (one column of one user table, the last value as hex digits alone, nothing after),
and the keyset pages each after the last value listed."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from leakhound.detect.email import NOT_ONE_ADDRESS, ONE_ADDRESS
from leakhound.errors import ClosedError, ProtocolError, TooLargeError
from leakhound.models import Container, FieldInfo
from leakhound.probes import keyset
from leakhound.probes.postgresql import ALLOW, distinct
from leakhound.probes.postgresql.wire import Result

HOSTILE = [
    pytest.param('weird";drop table x;--', id="quote-semicolon"),
    pytest.param('a"."b', id="quote-dot-quote"),
    pytest.param("it's", id="single-quote"),
    pytest.param("new\nline", id="newline"),
    pytest.param("/* c */", id="comment"),
]
VALUES = [
    pytest.param("jane@contoso.com", id="address"),
    pytest.param("a' OR '1'='1", id="single-quotes"),
    pytest.param("x\\'; DROP TABLE t; --", id="backslash-quote"),
    pytest.param("ü🙂", id="non-ascii"),
]


def _stored(column: str) -> str:
    """A quoted column as stored, text in "C" (``allow.AS_STORED``)."""
    return f'{column}::pg_catalog.text COLLATE pg_catalog."C"'


_E, _PW, _ID, _EMAIL = (_stored(f'"{c}"') for c in ("e", "rolpassword", "id", "email"))


def _built(schema: str, table: str, column: str, after: str | None) -> list[str]:
    return [
        distinct.count_of(schema, table, column),
        distinct.count_of(schema, table, column, raw=True),
        distinct.page_of(schema, table, column, after, 10_000),
        distinct.bytes_page_of(schema, table, column, None, 10_000),
        distinct.bytes_page_of(schema, table, column, "0f" * 16, 10_000),
    ]


@pytest.mark.parametrize("after", VALUES)
@pytest.mark.parametrize("name", HOSTILE)
def test_a_columns_count_and_pages_are_allowed_whatever_the_names_and_values(
    name: str, after: str
) -> None:
    for statement in _built("public", name, name, after):
        assert ALLOW.allows("query", statement), statement
        assert not ALLOW.allows("query", statement + "; DROP TABLE x"), statement
    # the value goes as code points alone: nothing of it is in the statement as it is
    page = distinct.page_of("public", "t", "email", after)
    codes = "".join(f"\\U{ord(ch):08x}" for ch in after)
    assert f"OPERATOR(pg_catalog.>) E'{codes}' ORDER BY" in page and after not in page


def test_the_first_page_and_the_next_are_in_the_order_of_the_values_as_stored() -> None:
    email = _EMAIL
    assert distinct.page_of("public", "customers", "email", None) == (
        f'SELECT DISTINCT {email} FROM ONLY "public"."customers" WHERE "email" IS NOT NULL '
        f"ORDER BY {email} LIMIT 10000"
    )
    # A literal of no type, compared as text in "C", as ORDER BY orders (convert_from's text
    # collated as "C" where the column was ordered by English rules: a page after a@x.com
    # skipped B@x.com).
    assert distinct.page_of("public", "customers", "email", "a@b", 5) == (
        f'SELECT DISTINCT {email} FROM ONLY "public"."customers" WHERE {email} '
        f"OPERATOR(pg_catalog.>) E'\\U00000061\\U00000040\\U00000062' ORDER BY {email} LIMIT 5"
    )
    assert ALLOW.allows("query", distinct.timeout(10.0))
    assert distinct.timeout(10.0) == "SET statement_timeout = 10000"


def test_every_function_and_operator_is_named_in_pg_catalog() -> None:
    # Unqualified, public.count(text), public.>(varchar, text) and public.convert_from(bytea,
    # text), which anyone could create before PostgreSQL 15, were called instead, as the
    # user logged in (the lab's PostgreSQL: COPY … TO PROGRAM from one ran a command).
    assert distinct.count_of("public", "t", "email") == (
        f"SELECT pg_catalog.count(DISTINCT {_EMAIL}), pg_catalog.count(DISTINCT CASE WHEN "
        f"{_EMAIL} OPERATOR(pg_catalog.~) '{ONE_ADDRESS}' AND pg_catalog.lower({_EMAIL}) "
        f"OPERATOR(pg_catalog.!~) '{NOT_ONE_ADDRESS}' AND pg_catalog.octet_length({_EMAIL}) "
        f"OPERATOR(pg_catalog.=) pg_catalog.char_length({_EMAIL}) THEN "
        f'pg_catalog.lower({_EMAIL}) END) FROM ONLY "public"."t"'
    )
    page = distinct.page_of("public", "t", "email", "x")
    assert "OPERATOR(pg_catalog.>) E'\\U00000078'" in page
    for unqualified in (
        'SELECT count(DISTINCT "e") FROM ONLY "public"."t"',
        'SELECT DISTINCT "e" FROM ONLY "public"."t" WHERE "e" > '
        "convert_from(decode('78', 'hex'), 'UTF8') ORDER BY \"e\" LIMIT 5",
        'SELECT DISTINCT "e" FROM ONLY "public"."t" WHERE "e" > E\'\\U00000078\' '
        'ORDER BY "e" LIMIT 5',
    ):
        assert not ALLOW.allows("query", unqualified), unqualified


@pytest.mark.parametrize(
    "statement",
    [
        # the server's catalogs, whatever a listing said
        f'SELECT pg_catalog.count(DISTINCT {_PW}) FROM ONLY "pg_catalog"."pg_authid"',
        f'SELECT DISTINCT {_PW} FROM ONLY "pg_catalog"."pg_authid" WHERE '
        f'"rolpassword" IS NOT NULL ORDER BY {_PW} LIMIT 5',
        f'SELECT DISTINCT {_E} FROM ONLY "public"."t" WHERE {_E} OPERATOR(pg_catalog.>) '
        "pg_catalog.convert_from(pg_catalog.pg_read_binary_file('/etc/passwd'), 'UTF8') "
        f"ORDER BY {_E} LIMIT 5",
        # a value after which to page as anything but code points
        f'SELECT DISTINCT {_E} FROM ONLY "public"."t" WHERE {_E} OPERATOR(pg_catalog.>) '
        f"E'\\x27; DROP TABLE t' ORDER BY {_E} LIMIT 5",
        f'SELECT DISTINCT {_E} FROM ONLY "public"."t" WHERE {_E} OPERATOR(pg_catalog.>) '
        f"E'\\U00000078' || pg_sleep(10)::text ORDER BY {_E} LIMIT 5",
        # a value as a quoted string, a function, another column than the one listed
        f'SELECT DISTINCT {_E} FROM ONLY "public"."t" WHERE {_E} > \'x\' ORDER BY {_E} LIMIT 5',
        f'SELECT DISTINCT {_E} FROM ONLY "public"."t" WHERE {_E} > '
        f"convert_from(pg_read_binary_file('/etc/passwd'), 'UTF8') ORDER BY {_E} LIMIT 5",
        f'SELECT DISTINCT {_E} FROM ONLY "public"."t" WHERE "id" IS NOT NULL ORDER BY {_E} LIMIT 5',
        f'SELECT DISTINCT {_E} FROM ONLY "public"."t" WHERE "e" IS NOT NULL ORDER BY "id" LIMIT 5',
        f'SELECT DISTINCT {_E} FROM ONLY "public"."t" WHERE {_ID} '
        f"OPERATOR(pg_catalog.>) E'\\U00000078' ORDER BY {_E} LIMIT 5",
        f'SELECT DISTINCT {_E} FROM ONLY "public"."t" WHERE {_E} > '
        "convert_from(decode('78', 'hex'), 'UTF8') OR pg_sleep(10) IS NULL "
        f"ORDER BY {_E} LIMIT 5",
        'SELECT pg_catalog.count(DISTINCT pg_read_file(\'/etc/passwd\')) FROM ONLY "public"."t"',
        # not ONLY: a parent with its children
        f'SELECT pg_catalog.count(DISTINCT {_E}) FROM "public"."t"',
        # the column counted in its own collation alone (a nondeterministic one holds josé@
        # and jose@ one; its pages only where it merges nothing, ``count_alike``), or in
        # another than "C", or a type other than text
        'SELECT pg_catalog.count(DISTINCT "e") FROM ONLY "public"."t"',
        'SELECT pg_catalog.count(DISTINCT "e"::pg_catalog.text COLLATE pg_catalog."und-x-icu") '
        'FROM ONLY "public"."t"',
        'SELECT pg_catalog.count(DISTINCT "e"::public.citext COLLATE pg_catalog."C") '
        'FROM ONLY "public"."t"',
        "SET statement_timeout = 0; SET default_transaction_read_only = off",
        "SET statement_timeout = '1min'",
    ],
)
def test_no_other_distinct_statement_is_allowed(statement: str) -> None:
    assert not ALLOW.allows("query", statement)


class _Pages:
    """A connection answering each page with the values after the last one asked."""

    def __init__(self, values: list[str], stuck: bool = False) -> None:
        self.values, self.stuck = sorted(values), stuck
        self.asked: list[str] = []

    async def run(self, sql: str, *, width: int | None = None) -> Result:
        assert ALLOW.allows("query", sql), sql
        self.asked.append(sql)
        size = int(sql.rsplit(" LIMIT ", 1)[1])
        after = None
        if "E'" in sql:
            codes = sql.split("E'")[1].split("'")[0].split("\\U")[1:]
            after = "".join(chr(int(c, 16)) for c in codes)
        left = [v for v in self.values if after is None or v > after or self.stuck]
        return Result([("email", 25)], [[v] for v in left[:size]])


def _listed(conn: Any, size: int) -> list[str]:
    async def go() -> list[str]:
        return [v async for v in distinct.values(conn, "public", "t", "email", size)]

    return asyncio.run(go())


def test_values_are_listed_page_after_page_each_once() -> None:
    values = [f"customer{n:03d}@gmail.com" for n in range(25)]
    conn = _Pages(values)
    assert _listed(conn, 10) == sorted(values)
    # 10, 10, then a page of 5: short, the last
    assert len(conn.asked) == 3 and "IS NOT NULL" in conn.asked[0]
    assert distinct.escaped("customer009@gmail.com") in conn.asked[1]


def test_a_full_last_page_is_followed_by_an_empty_one() -> None:
    conn = _Pages(["a@b.com", "c@d.com"])
    assert _listed(conn, 2) == ["a@b.com", "c@d.com"]
    assert len(conn.asked) == 2


def test_a_server_that_does_not_move_on_is_one_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="does not move on"):
        _listed(_Pages(["a@b.com", "c@d.com", "e@f.com"], stuck=True), 2)


# Short addresses and three values of 5,000 bytes: one last of the first page of 10, two in
# a row ending the second (a page once went on after its last value, and one too long to go
# back to the server ended the listing).
_SHORT = [f"customer{n:03d}@gmail.com" for n in range(30)]
_LONG = [
    "customer008@gmail.com " + "x" * 5000,
    "customer017@gmail.com " + "y" * 5000,
    "customer017@gmail.com " + "z" * 5000,
]


def test_values_too_long_to_page_after_are_listed_among_short_ones_each_once() -> None:
    conn = _Pages(_SHORT + _LONG)
    got = _listed(conn, 10)
    assert got == sorted(_SHORT + _LONG)
    # Each page goes on after its last short value: the long ones after it are asked again
    # (as many more values asked), never pasted into a statement.
    assert all(len(s) < 2_000 for s in conn.asked)
    assert distinct.escaped("customer008@gmail.com") in conn.asked[1]
    assert conn.asked[1].endswith("LIMIT 11")


def test_a_page_of_long_values_alone_is_asked_again_larger() -> None:
    values = ["a" * 3000, "b" * 3000, "c" * 3000, "d" * 3000, "e@x.com"]
    conn = _Pages(values)
    assert _listed(conn, 2) == sorted(values)
    # From the first again, two more each time: 2, 4, then 6 (short: the last)
    assert [s.rsplit(" ", 1)[1] for s in conn.asked] == ["2", "4", "6"]
    assert all("IS NOT NULL" in s for s in conn.asked)


def test_more_long_values_in_a_row_than_max_long_is_one_protocol_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keyset, "MAX_LONG", 3)
    with pytest.raises(ProtocolError, match="too long to page after"):
        _listed(_Pages([c * 3000 for c in "abcdef"]), 2)


def test_pages_grow_to_what_the_byte_budget_holds() -> None:
    values = [f"customer{n:04d}@gmail.com" for n in range(1000)]  # 22 bytes each
    conn = _Pages(values)

    async def go() -> list[str]:
        listed = distinct.values(conn, "public", "t", "email", 10, budget=(22 + 16) * 400)
        return [v async for v in listed]

    assert asyncio.run(go()) == values
    # 10 values first, then 400 a page (each value's bytes and ``keyset.FRAMING``)
    assert [int(s.rsplit(" ", 1)[1]) for s in conn.asked] == [10, 400, 400, 400]


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("after", VALUES)
def test_a_column_whose_collation_merges_nothing_is_counted_twice_and_paged_itself(
    name: str, after: str
) -> None:
    """Its own collation and as stored (``distinct.merges_nothing``); then its pages in its
    own order (an index on it reads a page alone), of that column alone, whatever the
    names and the value."""
    alike = distinct.count_alike(name, name, name)
    pages = [distinct.page_of(name, name, name, a, 5, own=True) for a in (None, after)]
    assert all(ALLOW.allows("query", s) for s in (alike, *pages)), (alike, pages)
    assert distinct.count_alike("public", "t", "email") == (
        f'SELECT pg_catalog.count(DISTINCT "email"), pg_catalog.count(DISTINCT {_EMAIL}) '
        'FROM ONLY "public"."t"'
    )
    assert distinct.page_of("public", "t", "email", "x", 5, own=True) == (
        'SELECT DISTINCT "email" FROM ONLY "public"."t" WHERE "email" '
        "OPERATOR(pg_catalog.>) E'\\U00000078' ORDER BY \"email\" LIMIT 5"
    )


@pytest.mark.parametrize(
    "statement",
    [
        # another column in either count, the server's catalogs, anything after
        f'SELECT pg_catalog.count(DISTINCT "rolpassword"), pg_catalog.count(DISTINCT {_E}) '
        'FROM ONLY "public"."t"',
        f'SELECT pg_catalog.count(DISTINCT "e"), pg_catalog.count(DISTINCT {_PW}) '
        'FROM ONLY "public"."t"',
        f'SELECT pg_catalog.count(DISTINCT "rolpassword"), pg_catalog.count(DISTINCT {_PW}) '
        'FROM ONLY "pg_catalog"."pg_authid"',
        f'SELECT count(DISTINCT "e"), pg_catalog.count(DISTINCT {_E}) FROM ONLY "public"."t"',
        f'SELECT pg_catalog.count(DISTINCT "e"), pg_catalog.count(DISTINCT {_E}) '
        'FROM ONLY "public"."t"; SELECT 1',
        # its own pages: of another column, compared by another operator
        'SELECT DISTINCT "e" FROM ONLY "public"."t" WHERE "id" IS NOT NULL ORDER BY "e" LIMIT 5',
        'SELECT DISTINCT "e" FROM ONLY "public"."t" WHERE "e" > E\'\\U00000078\' '
        'ORDER BY "e" LIMIT 5',
        'SELECT DISTINCT "e" FROM ONLY "public"."t" WHERE "e" OPERATOR(pg_catalog.>) '
        "E'\\U00000078' ORDER BY \"id\" LIMIT 5",
    ],
)
def test_no_other_own_order_statement_is_allowed(statement: str) -> None:
    assert not ALLOW.allows("query", statement)


def test_a_columns_count_also_folds_address_shaped_values_of_that_column_alone() -> None:
    """Beside the count as stored, the values that are one whole address, ASCII (``lower`` in
    "C" folds ASCII letters alone), lower-cased: "Jane@x.com" and "jane@x.com" are two values
    and one address, and only this count bounds the people below."""
    counted = distinct.count_of("public", "t", "email")
    assert ALLOW.allows("query", counted)
    for other in (
        counted.replace(f"pg_catalog.lower({_EMAIL})", f"pg_catalog.lower({_PW})"),
        counted.replace(f"pg_catalog.lower({_EMAIL})", f"lower({_EMAIL})"),
        counted.replace("OPERATOR(pg_catalog.~)", "~"),
        counted.replace(f"'{ONE_ADDRESS}'", "pg_catalog.pg_read_file('/etc/passwd')"),
        counted.replace(f"'{ONE_ADDRESS}'", "'.'"),
        counted.replace(f"'{NOT_ONE_ADDRESS}'", "'^$'"),
        counted.replace('FROM ONLY "public"."t"', 'FROM ONLY "pg_catalog"."pg_authid"'),
    ):
        assert not ALLOW.allows("query", other), other


class _Database(_Pages):
    """A database's connection as the probe lists a column on it: the statement timeout, the
    column's two counts (``merges_nothing``), its pages; a page of more than ``cap`` bytes
    (each value with ``keyset.FRAMING``) is over the reply's byte cap, which closes it."""

    def __init__(self, values: list[str], cap: int) -> None:
        super().__init__(values)
        self.cap = cap
        self.stream = SimpleNamespace(closed=False)
        self.greeting = SimpleNamespace(params={"server_encoding": "UTF8"})

    async def run(self, sql: str, *, width: int | None = None) -> Result:
        if self.stream.closed:
            raise ClosedError("the connection was closed after an error")
        if sql.startswith("SET statement_timeout"):
            return Result()
        if sql.startswith("SELECT pg_catalog.count"):
            return Result([("a", 20), ("b", 20)], [["1", "1"]])
        got = await super().run(sql, width=width)
        if sum(len(r[0] or "") + keyset.FRAMING for r in got.rows) > self.cap:
            self.stream.closed = True
            raise TooLargeError(f"reply over the {self.cap} byte cap")
        return got

    async def close(self) -> None:
        self.stream.closed = True


def test_a_page_over_the_reply_cap_is_asked_again_smaller_on_a_new_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A reply cap of 4 MB, a page's budget 1 MB: the first page sized at the table's rows of
    # 10 bytes (stale statistics: 38,461 values) is over it, its values of 300 bytes: it
    # closes the connection, and the page is asked again for a quarter as many, at least
    # PAGE, on another to the same database, then the next table on that one (it once ended
    # the listing, the people counted from the server's counts).
    from leakhound.net import Limits
    from leakhound.probes.postgresql import PostgresqlProbe
    from leakhound.probes.postgresql import probe as module

    values = [f"customer{n:05d}@gmail.com " + "x" * 275 for n in range(20_000)]
    opened = [_Database(values, 4_000_000), _Database(values, 4_000_000)]
    given = iter(opened)
    databases: list[str] = []

    async def connect(_: Any, __: Any, db: str) -> _Database:
        databases.append(db)
        return next(given)

    monkeypatch.setattr(module, "connect", connect)

    def table(name: str, row: int) -> Container:
        return Container(
            f"crm.public.{name}",
            20_000,
            20_000 * row,
            fields=(FieldInfo("email", "text"),),
            details={"database": "crm", "schema": "public", "table": name},
        )

    transport = SimpleNamespace(limits=Limits(max_body=4_000_000))
    service = SimpleNamespace(endpoint=None)

    async def go() -> list[str]:
        listed = PostgresqlProbe().distinct_values(
            transport,  # type: ignore[arg-type]
            service,  # type: ignore[arg-type]
            [table("people", 10), table("more", 300)],
            "email",
        )
        return [v async for v in listed]

    assert asyncio.run(go()) == sorted(values) * 2
    assert databases == ["crm", "crm"]
    pages = [int(s.rsplit(" ", 1)[1]) for c in opened for s in c.asked]
    assert pages[:2] == [1_000_000 // 26, keyset.PAGE]
    assert all(c.stream.closed for c in opened)
    assert '"more"' in opened[1].asked[-1]
