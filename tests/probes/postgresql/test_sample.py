"""A PostgreSQL sample spread over the table: rows at ctids drawn at random from its blocks, in
TID scans the allow-list admits; a small table, or one whose rows or blocks are unknown, read
from its start."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace
from typing import Any

import pytest

from leakhound.errors import PolicyError
from leakhound.models import Container
from leakhound.net import Gate, Limits, Scope
from leakhound.probes import sampling
from leakhound.probes.postgresql import ALLOW
from leakhound.probes.postgresql.probe import at_ctids, ctids, first_rows, sampled_rows
from leakhound.probes.postgresql.wire import Result

_TID = re.compile(r'"\((\d+),(\d+)\)"')


class Table:
    """A table of ``blocks`` blocks of ``per`` rows (a row: its block and item), in block
    order; each statement is checked against the allow-list and kept."""

    def __init__(
        self,
        blocks: int,
        per: int,
        *,
        missing: frozenset[int] = frozenset(),
        fuller: int | None = None,
    ) -> None:
        # fuller: the rows of every other block (its rows shorter than the rest's)
        self.rows = {
            (b, i): [str(b), str(i)]
            for b in range(blocks)
            for i in range(1, (fuller if fuller and b % 2 else per) + 1)
            if b not in missing
        }
        self.sent: list[str] = []
        self.stream = SimpleNamespace(closed=False)  # the connection, still usable

    async def close(self) -> None:
        self.stream.closed = True

    async def run(self, sql: str) -> Result:
        assert ALLOW.allows("query", sql), sql
        self.sent.append(sql)
        columns = [("block", 23), ("item", 23)]
        if " WHERE ctid = ANY " in sql:
            asked = sorted((int(b), int(i)) for b, i in _TID.findall(sql))
            return Result(columns, [self.rows[t] for t in asked if t in self.rows])
        limit = int(sql.rsplit(" LIMIT ", 1)[1])
        return Result(columns, [self.rows[t] for t in sorted(self.rows)][:limit])


def _container(docs: int | None, blocks: int | None) -> Container:
    details: dict[str, Any] = {"database": "db", "schema": "public", "table": "cases"}
    if blocks is not None:
        details["blocks"] = blocks
    return Container("db.public.cases", docs, None, details=details)


def _sample(table: Table, docs: int | None, blocks: int | None, size: int = 100) -> Any:
    got = sampled_rows(table, _container(docs, blocks), "public", "cases", size)  # type: ignore[arg-type]
    return asyncio.run(got)


def test_a_large_table_is_sampled_at_random_ctids_over_all_its_blocks() -> None:
    table = Table(1000, 10)
    got = _sample(table, 10_000, 1000)
    assert got.drawn == sampling.SPREAD and len(got.docs) == 100
    blocks = [d["block"] for d in got.docs]
    assert len(set(blocks)) > 90  # about one row a block, not runs of neighbours
    assert {b // 100 for b in blocks} == set(range(10))  # every tenth of the table
    assert len(table.sent) == 1 and " WHERE ctid = ANY " in table.sent[0]
    # the same rows every scan
    assert _sample(Table(1000, 10), 10_000, 1000).docs == got.docs


def test_blocks_without_rows_are_made_up_for_in_another_round() -> None:
    table = Table(1000, 10, missing=frozenset(range(0, 1000, 2)))  # half the blocks emptied
    got = _sample(table, 10_000, 1000)
    assert got.drawn == sampling.SPREAD and len(got.docs) == 100
    assert len({(d["block"], d["item"]) for d in got.docs}) == 100
    assert 1 < len(table.sent) <= sampling.ROUNDS


@pytest.mark.parametrize(
    ("docs", "blocks"),
    [
        pytest.param(80, 2, id="fewer-rows-than-the-sample"),
        pytest.param(100, 2, id="as-many-rows-as-the-sample"),
        pytest.param(None, 20, id="rows-unknown"),
        pytest.param(10_000, None, id="blocks-unknown"),
        pytest.param(10_000, 0, id="no-blocks"),
    ],
)
def test_a_small_or_uncounted_table_is_read_from_its_start(
    docs: int | None, blocks: int | None
) -> None:
    table = Table(2, 50)
    got = _sample(table, docs, blocks)
    assert got.drawn == sampling.FIRST
    assert table.sent == [first_rows("public", "cases", 100)]


def test_an_empty_table_reads_nothing_more() -> None:
    table = Table(0, 0)
    got = _sample(table, 0, 0)
    assert got.docs == () and table.sent == [first_rows("public", "cases", 100)]


def test_counts_far_off_fall_back_to_the_first_rows() -> None:
    # The inventory counted 10,000 rows in 1,000 blocks; the table now holds rows in 5 blocks.
    table = Table(5, 10)
    got = _sample(table, 10_000, 1000)
    assert got.drawn == sampling.FIRST and len(got.docs) == 50
    assert table.sent[-1] == first_rows("public", "cases", 100)


def test_a_ctid_is_a_place_of_the_blocks_by_rows_grid() -> None:
    assert ctids([0, 9, 10, 25], 10) == ["(0,1)", "(0,10)", "(1,1)", "(2,6)"]


@pytest.mark.parametrize("name", ['we"ird', "x'); DROP TABLE y; --", "a.b", "ü🙂"])
def test_hostile_names_stay_inside_one_allowed_statement(name: str) -> None:
    statement = at_ctids(name, name, ["(0,1)", "(4294967295,65535)"])
    assert ALLOW.allows("query", statement)


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(
            """SELECT * FROM ONLY "a"."b" WHERE ctid = ANY ('{"(0,1)"}'::tid[]); DROP TABLE x""",
            id="second-statement",
        ),
        pytest.param(
            """SELECT * FROM ONLY "a"."b" WHERE ctid = ANY ('{"(0,1)",lo_get(1)}'::tid[])""",
            id="function-in-the-list",
        ),
        pytest.param("""SELECT * FROM ONLY "a"."b" WHERE ctid = ANY ('{}'::tid[])""", id="empty"),
        pytest.param(
            """SELECT * FROM ONLY "a"."b" TABLESAMPLE SYSTEM (1) REPEATABLE (1)""",
            id="tablesample",
        ),
        pytest.param(
            """SELECT * FROM ONLY "a"."b" WHERE ctid = ANY ('{"(0,1)"}'::tid[]) FOR UPDATE""",
            id="for-update",
        ),
    ],
)
def test_unlisted_forms_are_refused_before_they_leave(statement: str) -> None:
    assert not ALLOW.allows("query", statement)
    gate = Gate(Limits(), Scope({("127.0.0.1", 5432)}))
    with pytest.raises(PolicyError, match="not on the postgresql read-only allow-list"):
        gate.admit("127.0.0.1", 5432, "query", statement, ALLOW, "postgresql://127.0.0.1:5432")


def test_a_statement_asks_for_no_more_ctids_than_the_list_admits() -> None:
    most = [f"({n},1)" for n in range(sampling.MAX_ASK)]
    assert ALLOW.allows("query", at_ctids("a", "b", most))
    assert not ALLOW.allows("query", at_ctids("a", "b", [*most, "(0,2)"]))


def test_rows_of_blocks_fuller_than_the_average_are_drawn_too() -> None:
    # blocks of 20 and 80 rows in turn (50 on average): the 80-row blocks' last 30 rows
    # (30% of the table) are drawn as the others are
    table = Table(1000, 20, fuller=80)
    got = _sample(table, 50_000, 1000, size=400)
    assert got.drawn == sampling.SPREAD and len(got.docs) == 400
    items = [d["item"] for d in got.docs]
    assert max(items) > 70
    share = sum(d["block"] % 2 for d in got.docs) / len(got.docs)  # rows of the fuller blocks
    assert 0.72 < share < 0.88  # their 80% of the rows, not 71% as at the average's items


def test_a_draw_the_server_refuses_falls_back_to_the_first_rows() -> None:
    class Odd(Table):
        async def run(self, sql: str) -> Result:
            if " WHERE ctid = ANY " in sql:
                from leakhound.errors import ProtocolError

                raise ProtocolError("an answer of no rows")
            return await super().run(sql)

    got = _sample(Odd(1000, 10), 10_000, 1000)
    assert got.drawn == sampling.FIRST and len(got.docs) == 100


def test_a_block_count_past_what_a_ctid_holds_is_held_to_it() -> None:
    # a hostile server's statistics: rows and blocks no table has
    got = _sample(Table(10, 10), 2**63 - 1, 2**62 + 1)
    assert len(got.docs) == 100  # no OverflowError: the draw finds nothing, the first rows


def test_a_draw_past_the_read_timeout_gives_the_first_rows_on_a_new_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from leakhound.errors import TimeoutError_
    from leakhound.models import Endpoint, Fingerprint, Service, Verdict
    from leakhound.probes.postgresql import probe as pg_probe

    class Stalled(Table):
        async def run(self, sql: str) -> Result:
            if " WHERE ctid = ANY " in sql:
                self.stream.closed = True  # as a timed-out stream closes itself
                raise TimeoutError_("no complete answer within 10s")
            return await super().run(sql)

    opened: list[Table] = []

    async def connect(transport: Any, endpoint: Any, db: str) -> Table:
        table = (Stalled if not opened else Table)(1000, 10)
        opened.append(table)
        return table

    monkeypatch.setattr(pg_probe, "connect", connect)
    service = Service(
        Endpoint("127.0.0.1", 5432), "postgresql://127.0.0.1:5432", "postgresql",
        Verdict.OPEN, "", Fingerprint("postgresql"),
    )  # fmt: skip
    got = asyncio.run(
        pg_probe.PostgresqlProbe().sample(None, service, _container(10_000, 1000), 100)  # type: ignore[arg-type]
    )
    assert got.error is None and got.drawn == sampling.FIRST and len(got.docs) == 100
    assert len(opened) == 2 and opened[1].sent == [first_rows("public", "cases", 100)]
