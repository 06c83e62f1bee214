"""A MySQL sample spread over the table: rows at whole-number keys drawn at random between the
key's ends, rows by a seeded chance in one pass for other keys and none, runs after evenly
spaced keys of a large table of a sparse key, the first rows of a small table or of one too
large for a pass; every statement on the allow-list."""

from __future__ import annotations

import asyncio
import random
import re
from types import SimpleNamespace
from typing import Any

import pytest

from leakhound.models import Container
from leakhound.probes import sampling
from leakhound.probes.mysql import ALLOW, sql
from leakhound.probes.mysql import sample as mysql_sample
from leakhound.probes.mysql.tables import TableInfo
from leakhound.probes.mysql.wire import Column, ResultSet

_ID, _TEXT = 3, 253  # MYSQL_TYPE_LONG, MYSQL_TYPE_VAR_STRING
_UTF8MB4 = 45


class Table:
    """A table of ``keys`` (a row: its key and the customer it belongs to, ordered by
    customer), answering the statements a sample sends, each checked against the allow-list
    and kept."""

    def __init__(self, keys: list[int]) -> None:
        self.keys = sorted(keys)
        self.sent: list[str] = []
        self.stream = SimpleNamespace(closed=False)  # the connection, still usable

    def _rows(self, keys: list[int]) -> ResultSet:
        columns = (Column("id", _ID, 63), Column("email", _TEXT, _UTF8MB4))
        return ResultSet(columns, [(str(k).encode(), f"p{k // 3}@x.org".encode()) for k in keys])

    async def query(self, statement: str) -> ResultSet:
        assert ALLOW.allows("query", statement), statement
        self.sent.append(statement)
        if statement.startswith("SELECT MIN("):
            edges = (str(self.keys[0]).encode(), str(self.keys[-1]).encode())
            return ResultSet((Column("a", _ID, 63), Column("b", _ID, 63)), [edges])
        if " IN (" in statement:
            asked = {int(v) for v in statement.split(" IN (")[1].rstrip(")").split(", ")}
            return self._rows([k for k in self.keys if k in asked])
        limit = int(re.search(r" LIMIT (\d+)", statement)[1])  # type: ignore[index]
        chance = re.search(r"WHERE RAND\((\d+)\) < ([\d.]+) ", statement)
        if chance:  # each row with that chance, in the table's order, as the server draws
            draw = random.Random(int(chance[1]))
            kept = [k for k in self.keys if draw.random() < float(chance[2])]
            return self._rows(kept[:limit])
        if " OFFSET " in statement:
            offset = int(statement.rsplit(" OFFSET ", 1)[1])
            return self._rows(self.keys[offset : offset + limit])
        after = re.search(r"`id` > (-?\d+)", statement)
        upto = re.search(r"`id` <= (-?\d+)", statement)
        keys = [
            k
            for k in self.keys
            if (after is None or k > int(after[1])) and (upto is None or k <= int(upto[1]))
        ]
        return self._rows(keys[:limit])


def _info(key: tuple[str, ...], kinds: tuple[str, ...]) -> TableInfo:
    return TableInfo((("id", "int"), ("email", "varchar")), key, kinds, "primary", frozenset(), ())


def _sample(
    table: Table,
    monkeypatch: pytest.MonkeyPatch,
    key: tuple[str, ...] = ("id",),
    kinds: tuple[str, ...] = ("number",),
    docs: int | None = None,
    size: int = 100,
    store_bytes: int | None = 3_000_000,
    exact: bool = True,
) -> tuple[list[dict[str, Any]], str]:
    async def describe(conn: Any, schema: str, name: str) -> TableInfo:
        return _info(key, kinds)

    monkeypatch.setattr(mysql_sample, "describe", describe)
    rows = len(table.keys) if docs is None else docs
    details = {"database": "shop", "table": "t"}
    container = Container("shop.cases", rows, store_bytes, docs_exact=exact, details=details)
    got = mysql_sample.sample_rows(table, container, "shop", "t", size)  # type: ignore[arg-type]
    return asyncio.run(got)


def _ids(docs: list[dict[str, Any]]) -> list[int]:
    return [int(d["id"]) for d in docs]


def test_a_whole_number_key_is_sampled_at_random_values_between_its_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = Table(list(range(1, 10_001)))
    docs, drawn = _sample(table, monkeypatch)
    assert drawn == sampling.SPREAD and len(docs) == 100
    ids = _ids(docs)
    assert len(set(ids)) == 100 and {i * 10 // 10_001 for i in ids} == set(range(10))
    assert len({d["email"] for d in docs}) > 80  # customers, where the first rows hold 34
    assert table.sent[0] == sql.date_range("shop", "t", "id")
    assert len(table.sent) == 2 and " IN (" in table.sent[1]  # two statements in all
    assert _sample(Table(list(range(1, 10_001))), monkeypatch)[0] == docs  # the same rows


def test_gaps_in_the_key_are_made_up_for_in_more_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    table = Table(list(range(1, 30_001, 3)))  # two values in three hold no row
    docs, drawn = _sample(table, monkeypatch)
    assert drawn == sampling.SPREAD and len(set(_ids(docs))) == 100
    assert 2 < len(table.sent) <= 1 + sampling.ROUNDS


def test_a_sparse_key_is_sampled_by_a_seeded_chance_in_one_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = Table([n * 1_000_003 for n in range(10_000)])  # random-looking ids, far apart
    docs, drawn = _sample(table, monkeypatch)
    assert drawn == sampling.SPREAD and len(docs) == 100 and len(set(_ids(docs))) == 100
    assert {i * 10 // (10_000 * 1_000_003) for i in _ids(docs)} == set(range(10))
    assert table.sent[-1] == sql.at_random("shop", "t", 0.015, 400, sampling.SEED)


def test_a_large_table_of_a_sparse_key_is_read_in_runs_after_evenly_spaced_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = Table([n * 1_000_003 for n in range(10_000)])
    docs, drawn = _sample(table, monkeypatch, docs=mysql_sample.SCAN_ROWS + 1)
    assert drawn == sampling.RUNS and len(docs) == 100 and len(set(_ids(docs))) == 100
    assert {i * 10 // (10_000 * 1_000_003) for i in _ids(docs)} == set(range(10))
    assert len([s for s in table.sent if " ORDER BY " in s]) == mysql_sample.RUNS
    assert not any("RAND(" in s for s in table.sent)


@pytest.mark.parametrize(
    ("key", "kinds"),
    [
        pytest.param(("code",), ("text",), id="text-key"),
        pytest.param((), (), id="no-key"),
        pytest.param(("a", "b"), ("number", "number"), id="two-column-key"),
    ],
)
def test_other_keys_are_sampled_by_a_seeded_chance_in_one_pass(
    key: tuple[str, ...], kinds: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    table = Table(list(range(10_000)))
    docs, drawn = _sample(table, monkeypatch, key, kinds)
    assert drawn == sampling.SPREAD and len(set(_ids(docs))) == 100
    assert {i * 10 // 10_000 for i in _ids(docs)} == set(range(10))
    assert len({d["email"] for d in docs}) > 80  # customers, where the first rows hold 34
    assert table.sent == [sql.at_random("shop", "t", 0.015, 400, sampling.SEED)]
    assert _sample(Table(list(range(10_000))), monkeypatch, key, kinds)[0] == docs


@pytest.mark.parametrize(
    ("docs", "store_bytes"),
    [
        pytest.param(mysql_sample.SCAN_ROWS + 1, None, id="too-many-rows"),
        pytest.param(10_000, mysql_sample.SCAN_BYTES + 1, id="too-many-bytes"),
    ],
)
def test_a_table_too_large_for_one_pass_without_a_whole_number_key_gives_its_first_rows(
    docs: int, store_bytes: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = Table(list(range(10_000)))
    _, drawn = _sample(table, monkeypatch, (), (), docs=docs, store_bytes=store_bytes)
    assert drawn == sampling.FIRST and table.sent == [sql.first_rows("shop", "t", 100)]


@pytest.mark.parametrize("rows", [0, 1, 99, 100])
def test_a_table_no_larger_than_the_sample_is_read_from_its_start(
    rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = Table(list(range(rows)))
    docs, drawn = _sample(table, monkeypatch)
    assert drawn == sampling.FIRST and len(docs) == rows
    assert table.sent == [sql.first_rows("shop", "t", 100)]


def test_the_key_values_asked_are_numbers_alone_on_the_allow_list() -> None:
    assert ALLOW.allows("query", sql.at_keys("shop", "t", "id", [1, -5, 2**63 - 1]))
    most = list(range(sampling.MAX_ASK))
    assert ALLOW.allows("query", sql.at_keys("a", "b", "id", most))
    assert not ALLOW.allows("query", sql.at_keys("a", "b", "id", [*most, -1]))
    assert ALLOW.allows("query", sql.at_random("a", "b", 1e-9, 400, 1))
    assert ALLOW.allows("query", sql.at_random("a", "b", 3.0, 400, 1))  # every row
    for statement in (
        "SELECT * FROM `a`.`b` WHERE RAND(1) < 0.5 OR SLEEP(10) LIMIT 5",
        "SELECT * FROM `a`.`b` WHERE RAND(SLEEP(10)) < 0.5 LIMIT 5",
        "SELECT * FROM `a`.`b` WHERE RAND(1) < 1e-5 LIMIT 5",
        "SELECT * FROM `mysql`.`user` WHERE RAND(1) < 0.5 LIMIT 5",
        "SELECT * FROM `a`.`b` WHERE `id` IN (1, SLEEP(10))",
        "SELECT * FROM `a`.`b` WHERE `id` IN ('x')",
        "SELECT * FROM `a`.`b` WHERE `id` IN ()",
        "SELECT * FROM `mysql`.`user` WHERE `id` IN (1)",
        "SELECT * FROM `a`.`b` WHERE `id` IN (1) UNION SELECT * FROM `mysql`.`user`",
        "SELECT * FROM `a`.`b` WHERE `id` IN (1) INTO OUTFILE '/tmp/x'",
    ):
        assert not ALLOW.allows("query", statement), statement


def test_no_pass_at_a_chance_on_a_table_whose_rows_are_estimated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # TABLE_ROWS, not a count: the chance from it may fill the LIMIT half-way
    table = Table(list(range(10_000)))
    _, drawn = _sample(table, monkeypatch, (), (), exact=False)
    assert drawn == sampling.FIRST and table.sent == [sql.first_rows("shop", "t", 100)]


def test_a_counted_table_of_no_known_size_is_passed_at_a_chance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # its size dropped (statistics older than its rows): bounded by its rows alone
    table = Table(list(range(10_000)))
    _, drawn = _sample(table, monkeypatch, (), (), store_bytes=None)
    assert drawn == sampling.SPREAD


def test_a_pass_that_fills_its_limit_before_the_tables_end_is_not_called_spread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # counted at 1,000 rows, holding 10,000 by the time it is read: the chance keeps ~1,500
    table = Table(list(range(10_000)))
    _, drawn = _sample(table, monkeypatch, (), (), docs=1_000)
    assert drawn == sampling.FIRST
    assert table.sent[-1] == sql.first_rows("shop", "t", 100)


def test_a_spread_read_the_server_refuses_gives_the_first_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from leakhound.errors import ProtocolError

    class Odd(Table):
        async def query(self, statement: str) -> ResultSet:
            if "RAND(" in statement:
                raise ProtocolError("an answer of no rows")
            return await super().query(statement)

    docs, drawn = _sample(Odd(list(range(10_000))), monkeypatch, (), ())
    assert drawn == sampling.FIRST and len(docs) == 100


def test_a_spread_read_that_broke_the_connection_is_left_to_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from leakhound.errors import TimeoutError_

    class Slow(Table):
        async def query(self, statement: str) -> ResultSet:
            if "RAND(" in statement:
                self.stream.closed = True  # as a timed-out stream closes itself
                raise TimeoutError_("read timed out after 10s")
            return await super().query(statement)

    with pytest.raises(TimeoutError_):  # the probe reads the first rows on a new connection
        _sample(Slow(list(range(10_000))), monkeypatch, (), ())


def test_a_pass_past_the_read_timeout_gives_the_first_rows_on_a_new_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from leakhound.errors import TimeoutError_
    from leakhound.models import Endpoint, Fingerprint, Service, Verdict
    from leakhound.probes.mysql import probe as mysql_probe

    class Stalled(Table):
        async def query(self, statement: str) -> ResultSet:
            if "RAND(" in statement:
                self.stream.closed = True  # as a timed-out stream closes itself
                raise TimeoutError_("no complete answer within 10s")
            return await super().query(statement)

    opened: list[Table] = []

    async def connect(transport: Any, endpoint: Any) -> Table:
        table = (Stalled if not opened else Table)(list(range(10_000)))
        opened.append(table)
        return table

    async def describe(conn: Any, schema: str, name: str) -> TableInfo:
        return _info((), ())

    async def close(self: Table) -> None:
        self.stream.closed = True

    monkeypatch.setattr(Table, "close", close, raising=False)
    monkeypatch.setattr(mysql_probe, "connect", connect)
    monkeypatch.setattr(mysql_sample, "describe", describe)
    service = Service(
        Endpoint("127.0.0.1", 3306), "mysql://127.0.0.1:3306", "mysql", Verdict.OPEN, "",
        Fingerprint("mariadb"),
    )  # fmt: skip
    container = Container("shop.t", 10_000, 3_000_000, details={"database": "shop", "table": "t"})
    transport = SimpleNamespace(limits=SimpleNamespace(max_body=32 << 20))
    got = asyncio.run(mysql_probe.MysqlProbe().sample(transport, service, container, 100))  # type: ignore[arg-type]
    assert got.error is None and got.drawn == sampling.FIRST and len(got.docs) == 100
    assert len(opened) == 2 and opened[1].sent == [sql.first_rows("shop", "t", 100)]
