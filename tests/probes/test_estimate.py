"""Rows estimated from windows of a whole-number key: near the truth, inside its bounds."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

import numpy as np
import pytest

from leakhound.probes.estimate import (
    BATCH,
    LOOSE,
    MAX_WINDOW_ROWS,
    WINDOW_KEYS,
    WINDOW_ROWS,
    WINDOWS,
    estimate,
    wider,
    windows,
)

# A table as its key's first and last value, its rows, and the rows with a key in [a, b).
_Table = tuple[int, int, int, Callable[[int, int], int]]


def _runs(runs: list[tuple[int, int]]) -> _Table:
    def count(a: int, b: int) -> int:
        return sum(max(0, min(b, e) - max(a, s)) for s, e in runs)

    return runs[0][0], runs[-1][1] - 1, sum(e - s for s, e in runs), count


def _table(kind: str, rows: int, seed: int) -> _Table:
    rng = random.Random(seed)
    if kind == "dense":  # AUTO_INCREMENT, nothing deleted
        return _runs([(1, rows + 1)])
    if kind == "deleted":  # a third of the rows deleted at random
        kept = np.random.default_rng(seed).random(rows * 3 // 2) < 2 / 3
        before = np.concatenate(([0], np.cumsum(kept)))
        first = int(np.argmax(kept))
        last = len(kept) - 1 - int(np.argmax(kept[::-1]))
        return first, last, int(before[-1]), lambda a, b: int(before[b] - before[a])
    if kind == "gaps":  # dense runs with jumps between (auto_increment_increment, imports)
        runs, start, total = [], 1, 0
        while total < rows:
            run = min(rng.randrange(10_000, 200_000), rows - total)
            runs.append((start, start + run))
            total += run
            start += run + rng.randrange(0, 2_000_000)
        return _runs(runs)
    if kind == "older-purged":  # the older half purged down to one row in ten
        half = rows // 2
        dense = _runs([(10 * half, 10 * half + rows - half)])[3]

        def count(a: int, b: int) -> int:  # keys 0, 10, 20 … below 10 * half
            lo, hi = max(a, 0), min(b, 10 * half)
            sparse = max(0, (hi + 9) // 10 - (lo + 9) // 10) if hi > lo else 0
            return sparse + dense(a, b)

        return 0, 10 * half + rows - half - 1, rows, count
    raise AssertionError(kind)


def _estimate(table: _Table, seed: str) -> tuple[int, int, int]:
    first, last, _, count = table
    counted = [((a, b), count(a, b)) for a, b in windows(first, last, seed)]
    got = estimate(first, last, counted)
    assert got is not None
    assert got.low <= got.docs <= got.high
    assert got.high <= last - first + 1  # one row a key at most
    assert got.low >= sum(n for _, n in counted)
    return got.docs, got.low, got.high


@pytest.mark.parametrize(
    ("kind", "within"),
    # Runs of keys far apart are the hard case: the windows that land in a run say how much
    # of the key's range holds rows, about a tenth here, so its share is read to ~20%; the
    # bounds say so.
    [("dense", 0.0), ("deleted", 0.01), ("older-purged", 0.02), ("gaps", 0.4)],
)
def test_the_estimate_is_close_and_its_bounds_hold_the_truth(kind: str, within: float) -> None:
    inside, errors = 0, []
    for seed in range(20):
        table = _table(kind, 3_000_000, seed)
        docs, low, high = _estimate(table, f"db.t{seed}")
        inside += low <= table[2] <= high
        errors.append(abs(docs - table[2]) / table[2])
    assert inside >= 18, inside  # 95% bounds: 19 in 20 expected
    assert max(errors) <= within, max(errors)


def _sparse(kind: str, rows: int, seed: int) -> _Table:
    """Keys the windows mostly miss: one stray key far past the rest, or random ids."""
    if kind == "stray-key":  # keys 1..rows-1, and one at 10^12 (a test row, an id from elsewhere)
        dense = _runs([(1, rows)])[3]
        far = 10**12
        return 1, far, rows, lambda a, b: dense(a, b) + (a <= far < b)
    # The distinct keys, sorted: np.unique gives the same array, but NumPy 2.3+ builds it
    # through a hash table, some 100 times slower here (~12 s a table against ~0.1 s).
    keys = np.sort(np.random.default_rng(seed).integers(1, 10**12, rows))
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return (
        int(keys[0]),
        int(keys[-1]),
        len(keys),
        lambda a, b: int(np.searchsorted(keys, b) - np.searchsorted(keys, a)),
    )


@pytest.mark.parametrize("kind", ["stray-key", "random-ids"])
def test_windows_that_see_next_to_nothing_make_no_estimate_whatever_the_statistics(
    kind: str,
) -> None:
    """The windows count a row or none: they would say 0 rows (or one row times the keys),
    and their spread says nothing; the caller keeps the server's statistics, unbounded."""
    first, last, _, count = _sparse(kind, 3_000_000, 0)
    counted = [((a, b), count(a, b)) for a, b in windows(first, last, "db.t")]
    assert sum(n for _, n in counted) <= 3
    assert estimate(first, last, counted) is None
    assert estimate(first, last, counted, 3_900_000) is None


def test_loose_windows_give_the_statistics_they_hold_within_their_bounds() -> None:
    """Runs of keys far apart, read to +-a third at best: statistics inside the windows'
    bounds are the figure where those bounds are looser than half the figure."""
    first, last, rows, count = _table("gaps", 3_000_000, 1)
    counted = [((a, b), count(a, b)) for a, b in windows(first, last, "db.t")]
    alone = estimate(first, last, counted)
    assert alone is not None and alone.low <= rows <= alone.high
    if alone.high - alone.docs > LOOSE * alone.docs:
        got = estimate(first, last, counted, rows)
        assert got is not None and (got.docs, got.low, got.high) == (rows, alone.low, alone.high)
        assert got.basis.startswith(f"the server's statistics ({rows:,} rows)")
    outside = estimate(first, last, counted, alone.high + 1)
    assert outside == alone  # statistics the windows rule out are not the figure


def test_windows_that_see_enough_keep_their_figure_whatever_the_statistics() -> None:
    first, last, rows, count = _table("deleted", 3_000_000, 0)
    counted = [((a, b), count(a, b)) for a, b in windows(first, last, "db.t")]
    for stated in (rows // 2, rows, rows * 2):
        got = estimate(first, last, counted, stated)
        assert got is not None and got == estimate(first, last, counted)
        assert abs(got.docs - rows) < rows / 100


def test_few_keys_are_all_counted() -> None:
    assert windows(10, 10 + WINDOWS * WINDOW_KEYS - 1, "t") == [(10, 10 + WINDOWS * WINDOW_KEYS)]
    got = estimate(1, 100, [((1, 101), 60)])
    assert got is not None and (got.docs, got.low, got.high, got.exact) == (60, 60, 60, True)


@pytest.mark.parametrize(
    ("keys", "last"),
    [
        # ids 1..5,000,000 and one sentinel row at the largest int: the rows sit in the
        # first stretch, which one window in 256 samples, or none
        pytest.param(5_000_000, 2_147_483_647, id="max-int-sentinel"),
        # snowflake-like ids: 5,000,000 rows over 2^60 keys, nearly every window empty
        pytest.param(5_000_000, 2**60, id="sparse"),
    ],
)
def test_windows_that_mostly_miss_the_rows_make_no_estimate(keys: int, last: int) -> None:
    for seed in range(10):
        ws = windows(1, last, f"t{seed}")
        if last == 2**60:  # spread evenly
            step = last // keys
            counted = [((a, b), (b - 1) // step - (a - 1) // step) for a, b in ws]
        else:
            counted = [((a, b), max(0, min(b, keys + 1) - a)) for a, b in ws]
        assert estimate(1, last, counted) is None, seed


def test_windows_that_agree_to_the_row_still_give_an_interval() -> None:
    """Every fourth key deleted: each window holds 384 rows of 512. The estimate is right,
    and it is not said to be exact."""
    first, last = 1, 4_000_000
    counted = [((a, b), sum(1 for k in range(a, b) if k % 4)) for a, b in windows(first, last, "t")]
    got = estimate(first, last, counted)
    assert got is not None and got.low < 3_000_000 < got.high and not got.exact
    assert got.high - got.low < 30_000


def test_windows_are_the_same_on_every_run_and_cover_the_stretches() -> None:
    first, last = -5_000_000, 10**12
    got = windows(first, last, "support.cases")
    assert got == windows(first, last, "support.cases")
    assert got != windows(first, last, "support.other")
    assert len(got) == WINDOWS
    assert all(end - start == WINDOW_KEYS for start, end in got)
    assert got[0][0] >= first and got[-1][1] <= last + 1
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(got))


def test_counting_the_windows_stops_at_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from leakhound.probes import estimate as module

    clock = iter(range(0, 10_000, 5))  # every statement takes 5 s
    monkeypatch.setattr(module.time, "monotonic", lambda: next(clock))
    asked = []

    async def count(batch: list[tuple[int, int]]) -> list[int | None]:
        asked.append(batch)
        return [end - start for start, end in batch]

    assert asyncio.run(module.along_key(1, 10**9, "t", count)) is None
    assert len(asked) <= module.BUDGET_SECONDS / 5 + 1
    assert all(len(b) == module.BATCH for b in asked)


def test_a_count_that_is_no_count_of_the_window_is_refused() -> None:
    import asyncio

    from leakhound.errors import ProtocolError
    from leakhound.probes.estimate import along_key

    async def more(batch: list[tuple[int, int]]) -> list[int | None]:
        return [end - start + 1 for start, end in batch]  # more rows than keys

    async def fewer(batch: list[tuple[int, int]]) -> list[int | None]:
        return [0] * (len(batch) - 1)  # a window's count missing

    async def none(batch: list[tuple[int, int]]) -> list[int | None]:
        return [None] * len(batch)  # no number

    for count in (more, fewer, none):
        with pytest.raises(ProtocolError):
            asyncio.run(along_key(1, 10**9, "t", count))


def _along(table: _Table, statistics: int | None = None) -> tuple[object, list[int]]:
    """``along_key`` over a table, and the rows each window it asked for held."""
    import asyncio

    from leakhound.probes.estimate import along_key

    first, last, _, count = table
    held: list[int] = []

    async def counted(batch: list[tuple[int, int]]) -> list[int | None]:
        assert 1 <= len(batch) <= BATCH
        got = [min(count(start, end), MAX_WINDOW_ROWS + 1) for start, end in batch]
        held.extend(got)  # as the statement stops
        return list(got)

    return asyncio.run(along_key(first, last, "db.t", counted, statistics)), held


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_sparse_key_is_estimated_with_wider_windows_not_left_to_stale_statistics(
    seed: int,
) -> None:
    """Random ids below 10^12: windows of 512 keys hold no row. Wider windows find them;
    statistics a quarter of the truth (the table grew after its last ANALYZE) are not the
    figure."""
    table = _sparse("random-ids", 3_000_000, seed)
    rows = table[2]
    got, held = _along(table, statistics=rows // 4)
    assert got is not None and not got.exact
    assert got.low <= rows <= got.high
    assert abs(got.docs - rows) < rows * 0.15
    assert got.high - got.low < rows * 0.6
    assert max(held) <= 64 * WINDOW_ROWS  # windows widened to a few hundred rows, not more
    assert len(held) <= 4 * WINDOWS  # a few rounds


def test_snowflake_ids_over_two_to_the_sixty_are_estimated() -> None:
    step = 2**60 // 5_000_000

    def count(a: int, b: int) -> int:
        return (b - 1) // step - (a - 1) // step

    got, _ = _along((1, 2**60, 5_000_000, count))
    assert got is not None and got.low <= 5_000_000 <= got.high
    assert abs(got.docs - 5_000_000) < 50_000


def test_rows_in_one_stretch_make_no_estimate_and_no_window_counts_past_its_cap() -> None:
    """Keys 1..5,000,000 and one stray key at 10^12: only the first stretch holds rows. The
    windows widen until the fullest would count more than ``MAX_WINDOW_ROWS``: no figure,
    the statistics stand."""
    got, held = _along(_sparse("stray-key", 5_000_000, 0), statistics=5_000_000)
    assert got is None
    assert max(held) <= MAX_WINDOW_ROWS + 1  # the statement stops at MAX_WINDOW_ROWS + 1


def test_windows_never_grow_past_their_stretch() -> None:
    assert wider(1_000, [((0, 1_000), 1)], 2_000) == 2_000
    assert wider(2_000, [((0, 2_000), 1)], 2_000) is None
    # no row seen: 64 times wider; a few rows: enough for WINDOW_ROWS at their rate, 4x at least
    assert wider(512, [((0, 512), 0)] * WINDOWS, 10**9) == 512 * 64
    assert wider(512, [((0, 512), 1)] * 10 + [((0, 512), 0)] * 246, 10**9) == 512 * 64
    assert wider(512, [((0, 512), 100)] * 10, 10**9) == 2622  # 512 rows at 100 in 512 keys
    assert wider(512, [((0, 512), 500)] * 10, 10**9) == 512 * 4


def test_a_round_cut_short_leaves_the_last_rounds_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every tenth key of 10^8: the first round's windows hold 51 rows each, too few, but
    their figure is good. A server so slow that the wider round runs out of budget leaves
    that figure, not the statistics."""
    import asyncio

    from leakhound.probes import estimate as module

    now = [0.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])

    async def count(batch: list[tuple[int, int]]) -> list[int | None]:
        now[0] += 1.5  # each statement takes 1.5 s: 12 s a round of 8
        return [(end - 1) // 10 - (start - 1) // 10 for start, end in batch]

    got = asyncio.run(module.along_key(1, 10**8, "t", count, statistics=2_500_000))
    assert got is not None and got.low <= 10**7 <= got.high
    assert abs(got.docs - 10**7) < 10**7 * 0.05


@pytest.mark.parametrize(
    ("first", "last", "keys"),
    [
        (1_276_586_094_810_739_189, 2**63 - 1, 31_042_132_586_109_518),
        (-(2**63), 2**63 - 1, 2**55),
        (1, 2**63 - 1, WINDOW_KEYS),
    ],
)
def test_windows_stay_between_the_ends_and_apart_on_the_widest_spans(
    first: int, last: int, keys: int
) -> None:
    got = windows(first, last, "public.t", keys)
    assert len(got) == WINDOWS
    assert got[0][0] >= first and got[-1][1] <= last + 1
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(got))
    assert all(end - start == min(keys, (last - first + 1) // WINDOWS) for start, end in got)
