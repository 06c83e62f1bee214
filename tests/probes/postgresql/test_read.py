"""The ctid-range reader against a table simulated in memory: every row read once, each page
a window of blocks after the position, the statements on the allow-list."""

from __future__ import annotations

import asyncio
import re

import pytest

from leakhound.probes.postgresql import ALLOW
from leakhound.probes.postgresql.probe import _CtidPages
from leakhound.probes.postgresql.wire import Result

_WHERE = re.compile(
    r"ctid > '\((\d+),(\d+)\)'::tid(?: AND ctid < '\((\d+),0\)'::tid)? "
    r"ORDER BY ctid LIMIT (\d+)$"
)


class Table:
    """Rows at (block, item) ctids; answers the reader's SELECTs as PostgreSQL would."""

    def __init__(self, ctids: list[tuple[int, int]]) -> None:
        self.ctids = sorted(ctids)
        self.statements: list[str] = []

    async def run(self, sql: str) -> Result:
        assert ALLOW.allows("query", sql), sql
        self.statements.append(sql)
        match = _WHERE.search(sql)
        assert match, sql
        after = (int(match[1]), int(match[2]))
        upper = (int(match[3]), 0) if match[3] else None
        rows = [c for c in self.ctids if c > after and (upper is None or c < upper)]
        rows = rows[: int(match[4])]
        return Result([("?ctid", 25), ("n", 25)], [[f"({b},{i})", f"{b}.{i}"] for b, i in rows])


def _read(table: Table, size: int, after: str = "(0,0)") -> list[str]:
    async def go() -> list[str]:
        pages = _CtidPages(None, "db", "public", "t", after, size)  # type: ignore[arg-type]
        pages.conn = table  # type: ignore[assignment]
        got: list[str] = []
        while (page := await pages.next_page()) is not None:
            got += [doc["n"] for doc in page.docs]
        return got

    return asyncio.run(go())


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


def test_a_read_resumes_after_its_position() -> None:
    table = Table([(b, i) for b in range(50) for i in range(1, 4)])
    assert _read(table, 10, after="(20,2)")[0] == "20.3"
    assert len(_read(table, 10, after="(20,2)")) == 30 * 3 - 2


def test_the_window_never_passes_the_largest_block() -> None:
    table = Table([(4_294_967_290, 1), (4_294_967_295, 3)])
    assert _read(table, 5, after="(4294967280,1)") == ["4294967290.1", "4294967295.3"]
    assert all(ALLOW.allows("query", s) for s in table.statements)


def test_an_upper_bound_other_than_a_block_start_is_refused() -> None:
    base = 'SELECT ctid::text AS "?ctid", * FROM "public"."t" WHERE ctid > \'(1,2)\'::tid'
    assert ALLOW.allows("query", f"{base} AND ctid < '(9,0)'::tid ORDER BY ctid LIMIT 10")
    assert not ALLOW.allows("query", f"{base} AND ctid < '(9,3)'::tid ORDER BY ctid LIMIT 10")
    assert not ALLOW.allows("query", f"{base} OR true ORDER BY ctid LIMIT 10")
