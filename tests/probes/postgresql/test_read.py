"""The ctid-range reader against a table simulated in memory: every row read once, each page
a window of blocks after the position, partitions that split the table's blocks, the
statements on the allow-list."""

from __future__ import annotations

import asyncio
import bisect
import re
from collections.abc import Callable

import pytest

from leakhound.models import Container, Endpoint
from leakhound.net import Transport
from leakhound.probes.base import ReadPlan
from leakhound.probes.postgresql import ALLOW
from leakhound.probes.postgresql.read import PostgresqlReader, _CtidPages, _CtidStream
from leakhound.probes.postgresql.wire import Result

ENDPOINT = Endpoint("127.0.0.1", 5432)  # never reached: the pages are served by fakes

_WHERE = re.compile(
    r"ctid > '\((\d+),(\d+)\)'::tid(?: AND ctid < '\((\d+),0\)'::tid)? "
    r"(ORDER BY ctid )?LIMIT (\d+)\) TO STDOUT$"
)


class Table:
    """Rows at (block, item) ctids; answers the reader's statements as PostgreSQL would."""

    def __init__(self, ctids: list[tuple[int, int]]) -> None:
        self.ctids = sorted(ctids)
        self.statements: list[str] = []
        self.windows: list[int] = []  # the rows each window held

    async def run(self, sql: str) -> Result:
        assert ALLOW.allows("query", sql), sql
        assert sql.endswith(" LIMIT 0"), sql  # the columns, once a connection
        return Result([("n", 25)], [])

    async def copy(self, sql: str) -> list[bytes]:
        assert ALLOW.allows("query", sql), sql
        self.statements.append(sql)
        match = _WHERE.search(sql)
        assert match, sql
        after = (int(match[1]), int(match[2]))
        upper = (int(match[3]), 0) if match[3] else None
        lo = bisect.bisect_right(self.ctids, after)
        hi = len(self.ctids) if upper is None else bisect.bisect_left(self.ctids, upper)
        rows = self.ctids[lo:hi]
        if not match[4]:  # a window: its rows in any order, without their positions
            assert upper is not None, sql
            self.windows.append(len(rows))
            return [f"{b}.{i}\n".encode() for b, i in reversed(rows)][: int(match[5])]
        return [f"{b}.{i}\t({b},{i})\n".encode() for b, i in rows[: int(match[5])]]


def _pages(table: Table, pages: _CtidPages) -> list[str]:
    async def go() -> list[str]:
        pages.conn = table  # type: ignore[assignment]
        from leakhound.probes.postgresql.copy import CopyRows

        pages.rows = CopyRows([("n", 25)])
        got: list[str] = []
        while (page := await pages.next_page()) is not None:
            # A window's rows come in any order: the read is the same rows in ctid order.
            got += sorted((doc["n"] for doc in page.docs), key=_ctid)
            assert len(page.docs) <= 4 * pages.size  # no page is ever more than four pages
        return got

    return asyncio.run(go())


def _ctid(n: str) -> tuple[int, int]:
    block, item = n.split(".")
    return int(block), int(item)


def _read(table: Table, size: int, after: str = "(0,0)") -> list[str]:
    return _pages(table, _CtidPages(None, "db", "public", "t", after, size))  # type: ignore[arg-type]


def _plan(blocks: int | None, partitions: int) -> ReadPlan:
    details = {"database": "db", "schema": "public", "table": "t"}
    if blocks is not None:
        details["blocks"] = blocks  # type: ignore[assignment]
    container = Container("db.public.t", 10, None, details=details)
    reader = PostgresqlReader(Transport(), ENDPOINT)
    reader.ranging["db"] = True  # a server that scans a range of ctids alone (14 and later)
    return asyncio.run(reader.open(container, partitions))


def _read_plan(table: Table, plan: ReadPlan, size: int) -> list[list[str]]:
    reader = PostgresqlReader(Transport(), ENDPOINT)
    return [
        _pages(table, reader.partition(plan, n, None, size=size))  # type: ignore[arg-type]
        for n in range(plan.partitions)
    ]


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_every_row_is_read_once_across_gaps_of_empty_blocks(size: int) -> None:
    ctids = [(b, i) for b in range(0, 300) for i in range(1, 15) if not 40 <= b < 200]
    ctids += [(5000, 1), (5000, 2)]  # far past a run of empty blocks
    table = Table(ctids)
    assert _read(table, size) == [f"{b}.{i}" for b, i in sorted(ctids)]


def test_pages_ask_for_a_window_of_blocks_and_only_an_empty_one_asks_for_the_rest() -> None:
    table = Table([(b, i) for b in range(1000) for i in range(1, 15)])
    assert len(_read(table, 1000)) == 14_000
    unbounded = [s for s in table.statements if " AND ctid < " not in s]
    assert len(unbounded) == 1  # the last: nothing after the final window
    # The server neither sorts nor writes a ctid but for that last question.
    assert [s for s in table.statements if "ORDER BY" in s] == unbounded
    assert len(table.statements) < 14_000 // 1000 + 8  # windows sized to about a page


def test_windows_of_a_dense_table_span_their_blocks_and_never_sort_the_rest() -> None:
    # 200 rows a block, pages of 100: windows of two blocks or less, each of which must
    # start past the last one's end, not inside its last block (a window of no new block
    # would send the read to the ordered question about the whole rest of the table).
    ctids = [(b, i) for b in range(400) for i in range(1, 201)]
    table = Table(ctids)
    assert _read(table, 100) == [f"{b}.{i}" for b, i in ctids]
    unbounded = [s for s in table.statements if " AND ctid < " not in s]
    assert len(unbounded) == 1  # only the question after the last window
    assert len(table.statements) <= len(ctids) // 100 + 10


def test_a_block_denser_than_four_pages_is_read_in_order_without_asking_again() -> None:
    ctids = [(b, 1) for b in range(0, 50)] + [(50, i) for i in range(1, 301)]
    ctids += [(b, 1) for b in range(51, 100)]
    table = Table(ctids)
    assert _read(table, 10) == [f"{b}.{i}" for b, i in sorted(ctids)]
    windows = [s for s in table.statements if "ORDER BY" not in s]
    assert len(windows) <= 15  # not one a page of the dense block
    assert sum(1 for s in table.statements if "ORDER BY" in s) <= 300 // 10 + 2


def test_a_dense_window_emptied_meanwhile_is_passed_without_an_error() -> None:
    class Emptied(Table):
        async def copy(self, sql: str) -> list[bytes]:
            lines = await super().copy(sql)
            if self.windows and self.windows[-1] > 40 and "ORDER BY" not in sql:
                self.ctids = [c for c in self.ctids if c[0] != 5]  # deleted after the count
            return lines

    ctids = [(5, i) for i in range(1, 101)] + [(b, 1) for b in range(8, 20)]
    got = _read(Emptied(ctids), 10)  # the first window, blocks 0-7, holds block 5 alone
    assert got == [f"{b}.1" for b in range(8, 20)]


def test_a_window_far_denser_than_the_blocks_before_it_is_read_in_order() -> None:
    sparse = [(b, 1) for b in range(0, 400)]
    dense = [(b, i) for b in range(400, 420) for i in range(1, 250)]
    table = Table(sparse + dense + [(420, 1)])
    assert _read(table, 10) == [f"{b}.{i}" for b, i in sorted(sparse + dense + [(420, 1)])]
    in_order = [s for s in table.statements if "ORDER BY" in s and " AND ctid < " in s]
    assert in_order  # the dense window was not taken whole
    assert max(table.windows) > 40  # and held more than four pages


def test_a_read_resumes_after_its_position() -> None:
    table = Table([(b, i) for b in range(50) for i in range(1, 4)])
    assert _read(table, 10, after="(20,2)")[0] == "20.3"
    assert len(_read(table, 10, after="(20,2)")) == 30 * 3 - 2


def test_the_window_never_passes_the_largest_block() -> None:
    table = Table([(4_294_967_290, 1), (4_294_967_295, 3)])
    assert _read(table, 5, after="(4294967280,1)") == ["4294967290.1", "4294967295.3"]
    assert all(ALLOW.allows("query", s) for s in table.statements)


def test_an_upper_bound_other_than_a_block_start_is_refused() -> None:
    base = (
        'COPY (SELECT *, ctid::text AS "?ctid" FROM ONLY "public"."t" WHERE ctid > \'(1,2)\'::tid'
    )
    end = " ORDER BY ctid LIMIT 10) TO STDOUT"
    assert ALLOW.allows("query", f"{base} AND ctid < '(9,0)'::tid{end}")
    assert not ALLOW.allows("query", f"{base} AND ctid < '(9,3)'::tid{end}")
    assert not ALLOW.allows("query", f"{base} OR true{end}")


@pytest.mark.parametrize("partitions", [2, 3, 8])
def test_partitions_split_the_blocks_and_read_every_row_once(partitions: int) -> None:
    ctids = [(b, i) for b in range(0, 9000) for i in (1, 2) if not 3000 <= b < 5000]
    ctids += [(9500, 1)]  # written past the blocks the inventory counted: the last reads it
    plan = _plan(9000, partitions)
    assert plan.partitions == partitions
    parts = _read_plan(Table(ctids), plan, 500)
    assert [n for part in parts for n in part] == [f"{b}.{i}" for b, i in sorted(ctids)]
    assert sum(1 for part in parts if part) >= 2  # read side by side, not one after another


def test_a_small_or_uncounted_table_is_one_partition() -> None:
    assert _plan(100, 2).partitions == 1
    assert _plan(None, 2).partitions == 1
    assert _plan(0, 2).partitions == 1


def test_a_partition_resumes_after_its_position_and_stops_at_its_end() -> None:
    ctids = [(b, i) for b in range(4096) for i in (1, 2)]
    plan = _plan(4096, 2)
    reader = PostgresqlReader(Transport(), ENDPOINT)
    first = _pages(Table(ctids), reader.partition(plan, 0, {"ctid": "(2000,1)"}, size=300))  # type: ignore[arg-type]
    assert first[0] == "2000.2" and first[-1] == "2047.2"


@pytest.mark.parametrize(
    "state",
    [
        {"database": "db", "schema": "public", "table": "t", "starts": [0, "x"]},
        {"database": "db", "schema": "public", "table": "t", "starts": [5, 0]},
        {"database": "db", "schema": "public", "table": "t", "starts": [0]},
        {"database": "db", "schema": "public", "table": "t", "starts": [0, -1]},
        {"database": "db", "schema": "public"},
    ],
)
def test_a_stored_plan_that_is_not_ours_is_refused(state: dict[str, object]) -> None:
    from leakhound.errors import ProtocolError

    plan = ReadPlan("db.public.t", 2, "ctid-range", state)
    with pytest.raises(ProtocolError):
        PostgresqlReader(Transport(), ENDPOINT).partition(plan, 1, None, size=10)


def test_a_plan_kept_before_partitions_reads_the_whole_table() -> None:
    plan = ReadPlan(
        "db.public.t", 1, "ctid-range", {"database": "db", "schema": "public", "table": "t"}
    )
    ctids = [(b, 1) for b in range(50)]
    assert len(_read_plan(Table(ctids), plan, 7)[0]) == 50


def test_a_server_that_cannot_scan_a_range_of_ctids_reads_a_table_as_one_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    details = {"database": "db", "schema": "public", "table": "t", "blocks": 100_000}
    _planned_as(monkeypatch, lambda sql: "Seq Scan on t")
    reader = PostgresqlReader(Transport(), ENDPOINT)
    plan = asyncio.run(reader.open(Container("db.public.t", 10, None, details=details), 8))
    assert (plan.method, plan.partitions) == ("ctid-stream", 1)
    first = reader.partition(plan, 0, None, size=10)
    assert isinstance(first, _CtidStream)
    assert ALLOW.allows("query", first.statement()) and "WHERE" not in first.statement()
    again = reader.partition(plan, 0, {"ctid": "(7,3)"}, size=10)
    assert isinstance(again, _CtidStream)
    assert again.statement().endswith(" WHERE ctid > '(7,3)'::tid) TO STDOUT")
    assert ALLOW.allows("query", again.statement())


def _planned_as(monkeypatch: pytest.MonkeyPatch, plan: Callable[[str], str]) -> list[str]:
    """Connections of the reader whose server plans a statement as ``plan`` says (its first
    line): the statements they were asked."""
    asked: list[str] = []

    class Planner:
        async def run(self, sql: str, width: int | None = None) -> Result:
            assert ALLOW.allows("query", sql), sql
            asked.append(sql)
            return Result([("QUERY PLAN", 25)], [[plan(sql)], ["  Filter: ..."]])

        async def close(self) -> None:
            pass

    async def connect(*args: object) -> Planner:
        return Planner()

    monkeypatch.setattr("leakhound.probes.postgresql.read.connect", connect)
    return asked


class Stream:
    """A COPY under way: its lines handed out in the parts the reader asks for."""

    silent = 0.0  # never silent past the read deadline

    def __init__(self, ctids: list[tuple[int, int]]) -> None:
        self.lines = [f"{b}.{i}\t({b},{i})\n".encode() for b, i in ctids]

    async def copy_part(
        self, sql: str | None, upto: int, *, wait: float | None = None
    ) -> tuple[list[bytes], bool]:
        assert sql is None  # the statement went with the connection's first part
        part, self.lines = self.lines[:upto], self.lines[upto:]
        return part, not self.lines

    async def close(self) -> None:
        pass


def _streamed(ctids: list[tuple[int, int]], size: int, after: str | None = None) -> list[str]:
    from leakhound.probes.postgresql.copy import CopyRows

    async def go() -> list[str]:
        pages = _CtidStream(
            PostgresqlReader(Transport(), ENDPOINT), "db", "public", "t", after, size
        )
        pages.conn, pages.rows = Stream(ctids), CopyRows([("n", 25)])  # type: ignore[assignment]
        got: list[str] = []
        while (page := await pages.next_page()) is not None:
            got += [doc["n"] for doc in page.docs]
            assert page.position == {"ctid": "({},{})".format(*_ctid(got[-1]))}
        return got

    return asyncio.run(go())


def test_a_stream_is_cut_into_pages_each_resuming_after_its_last_row() -> None:
    ctids = [(b, i) for b in range(30) for i in range(1, 8)]
    assert _streamed(ctids, 50) == [f"{b}.{i}" for b, i in ctids]


@pytest.mark.parametrize(
    ("ctids", "after"),
    [
        ([(5, 1), (6, 1), (2, 1), (3, 1)], None),  # a scan that wrapped round midway
        ([(1, 1), (2, 1)], "(4,1)"),  # rows before the position it was asked to start after
    ],
)
def test_rows_out_of_ctid_order_stop_the_stream(
    ctids: list[tuple[int, int]], after: str | None
) -> None:
    from leakhound.errors import ProtocolError

    with pytest.raises(ProtocolError, match="out of ctid order"):
        _streamed(ctids, 2, after)


class Restreamed(Stream):
    """A connection whose COPY answers each statement anew from ``ctids``, after the
    position the statement asks for: the statements kept."""

    def __init__(self, ctids: list[tuple[int, int]], statements: list[str]) -> None:
        super().__init__(ctids)
        self.statements = statements

    async def run(self, sql: str) -> Result:
        assert sql.endswith(" LIMIT 0"), sql  # the columns, once a connection
        return Result([("n", 25)], [])

    async def copy_part(
        self, sql: str | None, upto: int, *, wait: float | None = None
    ) -> tuple[list[bytes], bool]:
        if sql is not None:
            assert ALLOW.allows("query", sql), sql
            self.statements.append(sql)
            match = re.search(r"WHERE ctid > '\((\d+),(\d+)\)'", sql)
            after = (int(match[1]), int(match[2])) if match else (-1, 0)
            self.lines = [n for n in self.lines if _ctid(n.split(b"\t")[0].decode()) > after]
        return await super().copy_part(None, upto)


def test_an_unreadable_last_part_of_a_stream_fails_each_time_it_is_asked_again() -> None:
    # The stream's last part holds a row out of order: asked again (as the pipeline asks a
    # failed page again), the read fails again; it never ends as if that part had been read.
    from leakhound.errors import ProtocolError

    ctids = [(1, 1), (2, 1), (4, 1), (3, 1)]
    statements: list[str] = []

    async def go() -> list[str]:
        pages = _CtidStream(PostgresqlReader(Transport(), ENDPOINT), "db", "public", "t", None, 2)

        async def session() -> Restreamed:
            return Restreamed(ctids, statements)

        pages._session = session  # type: ignore[method-assign]
        got: list[str] = []
        for _ in range(4):
            try:
                page = await pages.next_page()
            except ProtocolError:
                continue
            assert page is not None, "the read ended without the rows of its failed part"
            got += [doc["n"] for doc in page.docs]
        return got

    assert asyncio.run(go()) == ["1.1", "2.1"]
    # The first statement from the table's first row, then each from the last row read.
    assert "WHERE" not in statements[0]
    assert statements[1:] == [statements[0][:-11] + " WHERE ctid > '(2,1)'::tid) TO STDOUT"] * 2


class Garbled(Table):
    """A table whose first short page read in ctid order (the last of what it was asked
    for) comes with a row without its ctid (a connection that stays usable: the page is
    asked again on it)."""

    def __init__(self, ctids: list[tuple[int, int]]) -> None:
        super().__init__(ctids)
        self.stream = type("Open", (), {"closed": False})()
        self.garbled = False

    async def copy(self, sql: str) -> list[bytes]:
        lines = await super().copy(sql)
        if "ORDER BY ctid" in sql and 0 < len(lines) < 10 and not self.garbled:
            self.garbled = True
            return [*lines[:-1], lines[-1].split(b"\t")[0] + b"\tjunk\n"]
        return lines


@pytest.mark.parametrize(
    "ctids",
    [
        [(100, 1), (100, 2)],  # past an empty window: the last rows, read in order
        [(0, i) for i in range(1, 60)],  # a window too dense to take whole, its last page
    ],
    ids=["after-empty-blocks", "dense-window"],
)
def test_a_last_page_read_in_order_that_fails_is_asked_again_not_skipped(
    ctids: list[tuple[int, int]],
) -> None:
    from leakhound.errors import ProtocolError
    from leakhound.probes.postgresql.copy import CopyRows

    table = Garbled(ctids)

    async def go() -> list[str]:
        end = 8 if ctids[0][0] == 0 else None  # the dense window: the partition's last
        pages = _CtidPages(None, "db", "public", "t", "(0,0)", 10, end=end)  # type: ignore[arg-type]
        pages.conn, pages.rows = table, CopyRows([("n", 25)])  # type: ignore[assignment]
        got: list[str] = []
        failed = 0
        while True:
            try:
                page = await pages.next_page()
            except ProtocolError:
                failed += 1
                assert failed == 1
                continue
            if page is None:
                return got
            got += sorted((doc["n"] for doc in page.docs), key=_ctid)

    assert asyncio.run(go()) == [f"{b}.{i}" for b, i in ctids] and table.garbled


def test_a_small_table_planned_as_a_scan_leaves_the_other_tables_of_its_database_ranged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A server that scans a range of ctids alone still plans a table of a few blocks as a
    # scan of it (cheaper than the range's first random read: PostgreSQL 15 plans a table of
    # 4 blocks so): that table's answer is not its database's.
    from leakhound.probes.postgresql.wire import ServerError

    def plan(sql: str) -> str:
        if '"gone"' in sql:
            raise ServerError({"C": "42P01", "M": 'relation "gone" does not exist'})
        return "Seq Scan on small" if '"small"' in sql else "Tid Range Scan on big"

    asked = _planned_as(monkeypatch, plan)
    reader = PostgresqlReader(Transport(), ENDPOINT)

    def opened(name: str, blocks: int) -> str:
        details = {"database": "db", "schema": "public", "table": name, "blocks": blocks}
        container = Container(f"db.public.{name}", 10, None, details=details)
        return asyncio.run(reader.open(container, 8)).method

    assert [opened(t, b) for t, b in (("small", 4), ("gone", 9), ("big", 100_000))] == [
        "ctid-stream",
        "ctid-stream",
        "ctid-range",
    ]
    assert opened("other", 100_000) == "ctid-range" and len(asked) == 3  # a yes is the server's
