"""A large table's rows estimated from windows of its whole-number key, with bounds.

A table too large to count (InnoDB's COUNT(*) reads every row; the planner's statistics are
as old as the last ANALYZE, and InnoDB's can be off by half) whose key is one whole-number
column is counted in ``WINDOWS`` windows of its key, one in each of as many equal stretches
between the lowest and the highest key, each an index range the server counts at once. The
rows a key holds on average in the windows, times the keys between the two ends, is the
estimate; the spread between neighbouring windows gives its 95% bounds (the successive-
difference variance of a systematic sample). Bounds that hold whatever the spread: a key
holds one row at most, so there are no more rows than keys between the ends; no fewer than
the windows counted, nor than the first and the last key's rows.

Where fewer than ``MIN_FILLED`` windows held a row (keys so sparse, random or snowflake ids,
that windows of ``WINDOW_KEYS`` keys mostly fall between the rows), the windows are drawn
again wider, as many keys as should hold ``WINDOW_ROWS`` rows at the rate the last round saw
(at least four times, at most 64 times wider a round, and never past its stretch), until
enough hold a row: a sparse key is estimated, not left to statistics that may be stale.

Where the windows' bounds are looser than half their figure either way and hold the server's
statistics, those are the figure, with the windows' bounds. Where the windows say too little,
no estimate is made and the caller keeps the server's statistics, unbounded: the rows sit in
a few stretches only (one far sentinel value past the rest: the windows that would see
enough of them would count more than ``MAX_WINDOW_ROWS`` rows each), or counting took longer
than ``BUDGET_SECONDS`` (a server slow to answer each), unless an earlier round had made
one: that one stands.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..errors import ProtocolError

WINDOWS = 256
WINDOW_KEYS = 512  # keys a window spans first: 131,072 index entries counted in all
MIN_FILLED = 16  # windows that must hold a row for their spread to say anything
WINDOW_ROWS = 512  # rows a window widened for a sparse key should hold
MAX_WINDOW_ROWS = 1_000_000  # no window is widened to count more (an index range a query)
_GROW = (4, 64)  # how much wider a round's windows are than the last's, at least and most
TIGHT = 0.1  # bounds this close (a tenth of the figure between them) need no wider round
# Windows counted by one statement (a column each): 8 round trips a round, not 256, so a
# server 100 ms away is estimated in about a second a round, not 26 s past the budget.
BATCH = 32
# Bounds wider than half the figure either way: the server's statistics, where they lie
# inside them, are the better figure (InnoDB's "may be off by as much as 40% to 50%").
LOOSE = 0.5
BUDGET_SECONDS = 20.0  # for all the windows of one table
_Z95 = 1.96


@dataclass(frozen=True, slots=True)
class KeyEstimate:
    """Rows estimated from key windows, with bounds, and how."""

    docs: int
    low: int
    high: int
    basis: str
    exact: bool = False  # every key counted


def windows(first: int, last: int, seed: str, keys: int = WINDOW_KEYS) -> list[tuple[int, int]]:
    """Half-open key ranges [start, end) to count: one of ``keys`` keys in each of
    ``WINDOWS`` equal stretches of [first, last], at a place drawn from ``seed`` (the table's
    name: the same windows on every run). Every key when there are few enough."""
    span = last - first + 1
    if span <= 0:
        return []
    if span <= WINDOWS * keys:
        return [(first, last + 1)]
    rng = random.Random(seed)
    width = min(keys, span // WINDOWS)  # the shortest stretch's keys at most
    out = []
    for i in range(WINDOWS):  # whole numbers: a float's 53 bits miss keys past 2**53
        lo = first + i * span // WINDOWS
        hi = first + (i + 1) * span // WINDOWS
        start = lo + rng.randrange(hi - lo - width + 1)
        out.append((start, start + width))
    return out


def estimate(
    first: int,
    last: int,
    counted: list[tuple[tuple[int, int], int]],
    statistics: int | None = None,
) -> KeyEstimate | None:
    """The rows of a table whose one whole-number key runs from ``first`` to ``last``, from
    the rows counted in each window (``windows``' ranges, in order); None where too few
    windows held a row to say anything (``MIN_FILLED``). ``statistics``, the server's own
    figure, is the figure where the windows' bounds are looser than ``LOOSE`` of theirs and
    hold it."""
    span = last - first + 1
    seen = sum(n for _, n in counted)
    keys = sum(end - start for (start, end), _ in counted)
    if keys >= span:  # every key counted: exact
        return KeyEstimate(seen, seen, seen, "counted along the key", exact=True)
    if sum(n > 0 for _, n in counted) < MIN_FILLED:
        return None
    shares = [n / (end - start) for (start, end), n in counted]
    mean = sum(shares) / len(shares)
    k = len(shares)
    steps = [(b - a) ** 2 for a, b in itertools.pairwise(shares)]
    var = sum(steps) / (2 * len(steps)) if steps else 0.0
    # Windows that agree to the row (every fourth key deleted: 384 rows in each 512; or none
    # deleted) say little of the keys between them: no less spread than keys present by
    # chance at the windows' rate (Wilson's correction where that rate is 0 or 1).
    width = keys / k
    var = max(var, (mean * (1 - mean) + 1 / (4 * width)) / width)
    half = _Z95 * span * math.sqrt(var / k) * math.sqrt(max(0.0, 1 - keys / span))
    docs = round(span * mean)
    ends = 1 if first == last else 2  # MIN and MAX are rows
    low = max(seen, ends, math.floor(docs - half))
    high = min(span, math.ceil(docs + half))
    if statistics is not None and half > LOOSE * docs and low <= statistics <= high:
        basis = (
            f"the server's statistics ({statistics:,} rows), inside the bounds of {k} windows "
            f"of its whole-number key, too loose to be the figure ({keys:,} of the {span:,} "
            f"keys between the first and the last, {seen:,} rows counted): 95% between "
            f"{low:,} and {high:,}, and never more than the {span:,} keys"
        )
        return KeyEstimate(statistics, low, high, basis)
    basis = (
        f"estimated from {k} windows of its whole-number key ({keys:,} of the {span:,} keys "
        f"between the first and the last, {seen:,} rows counted): 95% between "
        f"{low:,} and {high:,}, and never more than the {span:,} keys"
    )
    return KeyEstimate(max(low, min(high, docs)), low, high, basis)


Counter = Callable[[list[tuple[int, int]]], Awaitable[list[int | None] | None]]


async def along_key(
    first: int,
    last: int,
    seed: str,
    count: Counter,
    statistics: int | None = None,
) -> KeyEstimate | None:
    """Count the windows with ``count(windows)``, up to ``BATCH`` at once (for each
    [start, end), the rows whose key lies in it, up to ``MAX_WINDOW_ROWS + 1``: the
    statement stops there) and estimate from them, drawing wider windows while they held
    fewer than a quarter of ``WINDOW_ROWS`` rows on average and their bounds are wider than
    ``TIGHT``; past ``BUDGET_SECONDS``, or where a window held more than ``MAX_WINDOW_ROWS``
    rows, the last round's estimate; None where no round said enough. A count that is no
    count of the window's keys is a ProtocolError."""
    if last < first:
        return None
    deadline = time.monotonic() + BUDGET_SECONDS
    keys: int | None = WINDOW_KEYS
    best = None  # the last round's estimate: what a round cut short leaves
    while keys is not None:
        counted = []
        drawn = windows(first, last, seed, keys)
        for at in range(0, len(drawn), BATCH):
            if time.monotonic() > deadline:
                return best
            batch = drawn[at : at + BATCH]
            answered = await count(batch)
            if answered is None or len(answered) != len(batch):
                raise ProtocolError("key windows' counts that are not one a window")
            for (start, end), rows in zip(batch, answered, strict=True):
                if rows is None or not 0 <= rows <= end - start:
                    raise ProtocolError("a key window's count is not a count of its keys")
                if rows > MAX_WINDOW_ROWS:  # rows gathered in a few stretches
                    return best
                counted.append(((start, end), rows))
        got = estimate(first, last, counted, statistics)
        if got is not None:
            best = got
            held = sum(n for _, n in counted) / len(counted)
            tight = got.high - got.low <= TIGHT * got.docs
            if got.exact or tight or held >= WINDOW_ROWS / 4:
                return got
        keys = wider(keys, counted, (last - first + 1) // WINDOWS)
    return best


def wider(keys: int, counted: list[tuple[tuple[int, int], int]], stretch: int) -> int | None:
    """The keys of the next round's windows, after windows of ``keys`` keys held too few
    rows: enough for ``WINDOW_ROWS`` rows at the rate they saw, between ``_GROW``'s bounds,
    none past the stretch; None where no wider window is left or the fullest window, as
    much wider, would count more than ``MAX_WINDOW_ROWS``."""
    if keys >= stretch:
        return None
    seen = sum(n for _, n in counted)
    spanned = sum(end - start for (start, end), _ in counted)
    fullest = max((n for _, n in counted), default=0)
    low, high = keys * _GROW[0], keys * _GROW[1]
    wanted = math.ceil(WINDOW_ROWS * spanned / seen) if seen else high
    grown = min(max(wanted, low), high, stretch)
    if fullest * grown / keys > MAX_WINDOW_ROWS:
        return None
    return grown
