"""A column's distinct values counted and listed by MySQL: pages after the last value as a
hex literal, values read as UTF-8 (the connection's), a count read as a count."""

from __future__ import annotations

import asyncio
import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest

from leakhound.errors import ClosedError, ProtocolError, TooLargeError
from leakhound.models import Container, FieldInfo
from leakhound.probes import keyset
from leakhound.probes.mysql import ALLOW, MysqlProbe, distinct
from leakhound.probes.mysql.wire import Column, ResultSet

_COLUMN = (Column("email", 253, 45),)


class _Server:
    """Answers each page with the values after the hex literal asked (in byte order)."""

    def __init__(self, values: list[bytes], count: bytes = b"3", *more: bytes) -> None:
        self.values, self.count = sorted(values), (count, *(more or (count, count)))
        self.asked: list[str] = []

    async def query(self, sql: str, decoder: Any = None, *, width: int | None = None) -> ResultSet:
        assert ALLOW.allows("query", sql), sql
        self.asked.append(sql)
        if sql.startswith("SELECT COUNT(DISTINCT"):
            return ResultSet(_COLUMN * 3, [self.count])
        size = int(sql.rsplit(" LIMIT ", 1)[1])
        after = bytes.fromhex(sql.split("X'")[1].split("'")[0]) if "X'" in sql else None
        left = [v for v in self.values if after is None or v > after]
        return ResultSet(_COLUMN, [(v,) for v in left[:size]])


def _listed(conn: Any, size: int) -> list[str]:
    async def go() -> list[str]:
        return [v async for v in distinct.values(conn, "support", "cases", "email", size)]

    return asyncio.run(go())


def test_values_are_listed_after_the_last_as_a_hex_literal() -> None:
    conn = _Server([b"a@b.com", "ü@c.de".encode(), b"z@y.org"])
    assert _listed(conn, 2) == ["a@b.com", "z@y.org", "ü@c.de"]
    assert len(conn.asked) == 2 and "IS NOT NULL" in conn.asked[0]
    assert f"> _utf8mb4 X'{b'z@y.org'.hex()}'" in conn.asked[1]


def test_a_value_that_is_not_utf8_is_one_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="not UTF-8"):
        _listed(_Server([b"\xff\xfe"]), 2)


@pytest.mark.parametrize("answer", [b"-1", b"many", b"1" * 19])
def test_a_count_that_is_not_one_is_one_protocol_error(answer: bytes) -> None:
    with pytest.raises(ProtocolError, match="without a count"):
        asyncio.run(distinct.count(_Server([], answer), "d", "t", "email"))  # type: ignore[arg-type]


def test_a_count_is_read_as_three() -> None:
    got = asyncio.run(distinct.count(_Server([], b"3541", b"3400", b"3542"), "d", "t", "email"))  # type: ignore[arg-type]
    assert got == distinct.Counted(stored=3541, folded=3400, as_bytes=3542)


def test_a_json_columns_leaf_is_never_counted_as_a_column() -> None:
    # MariaDB's JSON column ``profile`` lists its leaves as fields (``profile.contact``):
    # COUNT(DISTINCT `profile.contact`) names no column, and the server's refusal failed the
    # count of the store's every other column with it (lab: "Unknown column").
    people = Container(
        "crm.people",
        3000,
        None,
        fields=(
            FieldInfo("email", "varchar"),
            FieldInfo("profile.contact", "json:string"),
            FieldInfo("profile.city", "json:string"),
        ),
        details={"database": "crm", "table": "people", "engine": "InnoDB"},
    )
    probe = MysqlProbe()
    assert probe.holding([people], "email") == [people]
    assert probe.holding([people], "profile.contact") == []


class _Tables:
    """Answers each table's count (``sql.count_distinct``) with its three counts."""

    def __init__(self, answers: dict[str, tuple[bytes, bytes, bytes]]) -> None:
        self.answers = answers

    async def query(self, sql: str, decoder: Any = None, *, width: int | None = None) -> ResultSet:
        assert ALLOW.allows("query", sql), sql
        (table,) = [t for t in self.answers if f"FROM `crm`.`{t}`" in sql]
        return ResultSet(_COLUMN * 3, [self.answers[table]])

    async def close(self) -> None:
        return None


def _table(name: str) -> Container:
    return Container(
        f"crm.{name}",
        1000,
        None,
        fields=(FieldInfo("email", "varchar"),),
        details={"database": "crm", "table": name, "engine": "InnoDB"},
    )


def test_the_stores_count_keeps_address_and_byte_counts_beside_those_as_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As stored, 5 and 4 values; one whole address each and lower-cased, 3 and 4 (case
    # variants of one address are one); byte for byte, 5 and 6 (two "?" after CONVERT).
    from leakhound.models import StoreDistinct
    from leakhound.probes.mysql import probe as module

    conn = _Tables({"a": (b"5", b"3", b"5"), "b": (b"4", b"4", b"6")})

    async def connect(*_: Any) -> _Tables:
        return conn

    async def limit_time(*_: Any) -> None:
        return None

    monkeypatch.setattr(module, "connect", connect)
    monkeypatch.setattr(module.distinct, "limit_time", limit_time)
    transport = SimpleNamespace(limits=SimpleNamespace(read_timeout=10.0))
    service = SimpleNamespace(endpoint=None)
    tables = [_table("a"), _table("b")]
    got = asyncio.run(MysqlProbe().count_distinct(transport, service, tables, ["email"]))  # type: ignore[arg-type]
    assert got == {"email": StoreDistinct(9, 5, 11, False, folded=4, as_bytes=11)}
    # One table whose conversion merged two values is no exact count.
    conn.answers = {"b": (b"4", b"4", b"6")}
    one = asyncio.run(MysqlProbe().count_distinct(transport, service, [_table("b")], ["email"]))  # type: ignore[arg-type]
    assert one == {"email": StoreDistinct(4, 4, 6, False, folded=4, as_bytes=6)}


def test_a_column_listed_byte_for_byte_adds_no_merges_to_its_listing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Table b's ascii column: 4 values as stored, 6 byte for byte (two "?" after CONVERT).
    # Its listing is byte for byte (``distinct.values``, charset): the 6 listed are all of
    # them, so nothing the listing merged (``people._merged_by_conversion``) is left; the
    # count alone still is at most 11 and not exact.
    from leakhound.models import StoreDistinct
    from leakhound.probes.mysql import probe as module

    conn = _Tables({"a": (b"5", b"3", b"5"), "b": (b"4", b"4", b"6")})

    async def connect(*_: Any) -> _Tables:
        return conn

    async def limit_time(*_: Any) -> None:
        return None

    monkeypatch.setattr(module, "connect", connect)
    monkeypatch.setattr(module.distinct, "limit_time", limit_time)
    transport = SimpleNamespace(limits=SimpleNamespace(read_timeout=10.0))
    service = SimpleNamespace(endpoint=None)
    ascii_b = dataclasses.replace(
        _table("b"), details={**_table("b").details, "charsets": {"email": "ascii"}}
    )
    got = asyncio.run(
        MysqlProbe().count_distinct(transport, service, [_table("a"), ascii_b], ["email"])
    )  # type: ignore[arg-type]
    assert got == {"email": StoreDistinct(9, 5, 11, False, folded=4, as_bytes=9)}
    # Where table a's column is not read as bytes and merged one value, that one stays.
    conn.answers["a"] = (b"5", b"3", b"6")
    got = asyncio.run(
        MysqlProbe().count_distinct(transport, service, [_table("a"), ascii_b], ["email"])
    )  # type: ignore[arg-type]
    assert got == {"email": StoreDistinct(9, 5, 12, False, folded=4, as_bytes=10)}


def test_values_too_long_to_page_after_are_listed_among_short_ones_each_once() -> None:
    # A long value last of a full page: the next goes on after the short one before it,
    # asking one more (a value of 5,000 bytes once ended the listing).
    short = [f"customer{n:03d}@gmail.com".encode() for n in range(30)]
    long = [b"customer008@gmail.com " + b"x" * 5000, b"customer017@gmail.com " + b"y" * 5000]
    conn = _Server(short + long)
    assert _listed(conn, 10) == sorted(v.decode() for v in short + long)
    assert f"X'{b'customer008@gmail.com'.hex()}' ORDER BY" in conn.asked[1]
    assert conn.asked[1].endswith("LIMIT 11")
    assert all(len(s) < 1_000 for s in conn.asked)


class _Listing(_Server):
    """A table's column listed through the probe: its count, then its pages; a page of more
    than ``cap`` bytes (each value with ``keyset.FRAMING``) is over the reply's byte cap,
    which closes the connection."""

    def __init__(self, values: list[bytes], cap: int | None = None) -> None:
        super().__init__(values)
        self.cap = cap
        self.stream = SimpleNamespace(closed=False)

    async def query(self, sql: str, decoder: Any = None, *, width: int | None = None) -> ResultSet:
        if self.stream.closed:
            raise ClosedError("the connection was closed after an error")
        got = await super().query(sql, decoder, width=width)
        if self.cap is not None and sum(len(r[0]) + 16 for r in got.rows) > self.cap:
            self.stream.closed = True
            raise TooLargeError(f"reply over the {self.cap} byte cap")
        return got

    async def close(self) -> None:
        self.stream.closed = True


def test_a_column_is_listed_in_pages_as_large_as_a_quarter_of_a_reply_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 25,000 addresses in a table of 200 bytes a row: pages of 10,000 read a column no index
    # orders whole three times (200,000 values: 21 pages, 57 s of MariaDB's time); the
    # first page of as many values as a quarter of the reply's byte cap holds at a row's
    # length lists it whole.
    from leakhound.net import Limits
    from leakhound.probes.mysql import probe as module

    values = [f"customer{n:05d}@gmail.com".encode() for n in range(25_000)]
    conn = _Listing(values)

    async def connect(*_: Any) -> _Listing:
        return conn

    async def limit_time(*_: Any) -> None:
        return None

    monkeypatch.setattr(module, "connect", connect)
    monkeypatch.setattr(module.distinct, "limit_time", limit_time)
    table = dataclasses.replace(_table("people"), docs=25_000, store_bytes=25_000 * 200)
    transport = SimpleNamespace(limits=Limits())
    service = SimpleNamespace(endpoint=None)

    async def go() -> list[str]:
        listed = MysqlProbe().distinct_values(transport, service, [table], "email")  # type: ignore[arg-type]
        return [v async for v in listed]

    assert asyncio.run(go()) == [v.decode() for v in values]
    pages = [s for s in conn.asked if s.startswith("SELECT DISTINCT")]
    assert len(pages) == 1 and pages[0].endswith(f"LIMIT {Limits().max_body // 4 // 216}")


def test_a_page_over_the_reply_cap_is_asked_again_smaller_on_a_new_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A reply cap of 4 MB, a page's budget 1 MB: the first page sized at the table's rows
    # of 10 bytes (stale statistics: 38,461 values) is over it, its values of 300 bytes: it
    # closes the connection, and the page is asked again for a quarter as many, at least
    # PAGE, on another, then the next table on that one (it once ended the listing, the
    # people counted from the server's counts).
    from leakhound.net import Limits
    from leakhound.probes.mysql import probe as module

    values = [f"customer{n:05d}@gmail.com ".encode() + b"x" * 275 for n in range(20_000)]
    opened = [_Listing(values, cap=4_000_000), _Listing(values, cap=4_000_000)]
    given = iter(opened)

    async def connect(*_: Any) -> _Listing:
        return next(given)

    async def limit_time(*_: Any) -> None:
        return None

    monkeypatch.setattr(module, "connect", connect)
    monkeypatch.setattr(module.distinct, "limit_time", limit_time)
    people = dataclasses.replace(_table("people"), docs=20_000, store_bytes=20_000 * 10)
    more = dataclasses.replace(_table("more"), docs=20_000, store_bytes=20_000 * 300)
    transport = SimpleNamespace(limits=Limits(max_body=4_000_000))
    service = SimpleNamespace(endpoint=None)

    async def go() -> list[str]:
        listed = MysqlProbe().distinct_values(transport, service, [people, more], "email")  # type: ignore[arg-type]
        return [v async for v in listed]

    got = asyncio.run(go())
    assert got == [v.decode() for v in values] * 2
    pages = [int(s.rsplit(" ", 1)[1]) for c in opened for s in c.asked if "LIMIT" in s]
    assert pages[:2] == [1_000_000 // 26, keyset.PAGE]
    assert all(c.stream.closed for c in opened)
    assert "`more`" in opened[1].asked[-1]


def test_later_pages_hold_what_the_byte_budget_holds_at_the_last_pages_length() -> None:
    values = [f"customer{n:04d}@gmail.com".encode() for n in range(1000)]  # 22 bytes each

    async def go(conn: Any) -> list[str]:
        listed = distinct.values(conn, "support", "cases", "email", 10, budget=38 * 400)
        return [v async for v in listed]

    conn = _Server(values)
    assert asyncio.run(go(conn)) == [v.decode() for v in values]
    assert [int(s.rsplit(" ", 1)[1]) for s in conn.asked] == [10, 400, 400, 400]
