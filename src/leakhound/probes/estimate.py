"""A large table's rows estimated from windows of its whole-number key, with bounds.

A table too large to count (InnoDB's COUNT(*) reads every row; the planner's statistics are
as old as the last ANALYZE, and InnoDB's can be off by half) whose key is one whole-number
column is counted in ``WINDOWS`` windows of its key, one in each of as many equal stretches
between the lowest and the highest key, each an index range the server counts at once. The
rows a key holds on average in the windows, times the keys between the two ends, is the
estimate; the spread between neighbouring windows gives its 95% bounds (the successive-
difference variance of a systematic sample). Two bounds hold whatever the spread: a key
holds one row at most, so there are no more rows than keys between the ends; and no fewer
than the windows counted.

Keys sparse between their ends (one stray key far past the rest; random or hashed ids) leave
the windows next to empty: a handful of rows counted, or none, and a figure of nothing or of
one row times the keys. Where the windows' 95% bounds are wider than half their figure either
way (what InnoDB's own statistics may be off by) and the server's statistics lie between
them, the statistics are the figure, with the windows' bounds.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

WINDOWS = 256
WINDOW_KEYS = 512  # keys a window spans at most: 131,072 index entries counted in all
_Z95 = 1.96
# Half the figure either way: past that, the server's statistics (InnoDB's "may be off by as
# much as 40% to 50%", PostgreSQL's as of its last ANALYZE) are the better figure.
_LOOSE = 0.5


@dataclass(frozen=True, slots=True)
class KeyEstimate:
    """Rows estimated from key windows, with bounds, and how."""

    docs: int
    low: int
    high: int
    basis: str
    exact: bool = False  # every key counted


def windows(first: int, last: int, seed: str) -> list[tuple[int, int]]:
    """Half-open key ranges [start, end) to count: one in each of ``WINDOWS`` equal stretches
    of [first, last], at a place drawn from ``seed`` (the table's name: the same windows on
    every run). Every key when there are few enough."""
    span = last - first + 1
    if span <= 0:
        return []
    if span <= WINDOWS * WINDOW_KEYS:
        return [(first, last + 1)]
    rng = random.Random(seed)
    stretch = span / WINDOWS
    width = min(WINDOW_KEYS, int(stretch))
    out = []
    for i in range(WINDOWS):
        lo = first + int(i * stretch)
        hi = first + int((i + 1) * stretch)
        start = lo + rng.randrange(max(1, hi - lo - width + 1))
        out.append((start, start + width))
    return out


def estimate(
    first: int,
    last: int,
    counted: list[tuple[tuple[int, int], int]],
    statistics: int | None = None,
) -> KeyEstimate:
    """The rows of a table whose one whole-number key runs from ``first`` to ``last``, from
    the rows counted in each window (``windows``' ranges, in order); ``statistics``, the
    server's own figure, where the windows saw too few rows to give one."""
    span = last - first + 1
    seen = sum(n for _, n in counted)
    keys = sum(end - start for (start, end), _ in counted)
    if keys >= span:  # every key counted: exact
        return KeyEstimate(seen, seen, seen, "counted along the key", exact=True)
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
    low = max(seen, math.floor(docs - half))
    high = min(span, math.ceil(docs + half))
    if statistics is not None and half > _LOOSE * docs and low <= statistics <= high:
        basis = (
            f"the server's statistics ({statistics:,} rows): {k} windows of its whole-number "
            f"key counted {seen:,} rows in {keys:,} of the {span:,} keys between the first and "
            f"the last, too few to estimate from, but bound them: 95% between {low:,} and "
            f"{high:,}, and never more than the {span:,} keys"
        )
        return KeyEstimate(statistics, low, high, basis)
    basis = (
        f"estimated from {k} windows of its whole-number key ({keys:,} of the {span:,} keys "
        f"between the first and the last, {seen:,} rows counted): 95% between "
        f"{low:,} and {high:,}, and never more than the {span:,} keys"
    )
    return KeyEstimate(max(low, min(high, docs)), low, high, basis)
