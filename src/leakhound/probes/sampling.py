"""Samples spread over a whole table, not its first rows: records at places drawn at random.

A table's first rows are seldom like the rest (the oldest cases, one customer's rows in a
table ordered by customer), and the people estimate assumes the records sampled are. A kind
that can ask for records by place (PostgreSQL's ctids, a MySQL table's whole-number key) draws
places at random over the table's whole range, from a fixed seed so that every scan samples the
same rows, and asks for the records at them in one statement: a place may hold no record (a
gap in the key, a page with fewer rows than the average, a deleted row), so more are asked in
a few rounds until the sample is full. One record a place, each place as likely as another:
a sample of records drawn one by one, not in runs of neighbours.
"""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

SEED = 1  # the same places every scan: repeated scans sample the same rows
ROUNDS = 4  # statements asked at most
MAX_ASK = 5_000  # places one statement asks for at most
# How the records of a sample were drawn (``SampleDocs.drawn``): the first the store returns,
# records at random places over the whole container, or runs of neighbouring records at
# places spread over it.
FIRST, SPREAD, RUNS = "first", "spread", "runs"


def places(population: int, count: int, seed: int = SEED) -> list[int]:
    """``count`` distinct places of ``range(population)`` at random, the same every time."""
    return random.Random(seed).sample(range(population), min(count, population))


def evenly(items: Sequence[T], n: int) -> list[T]:
    """``n`` of ``items`` evenly spaced among them (all of them where they are no more)."""
    if n >= len(items):
        return list(items)
    return [items[i * len(items) // n] for i in range(max(0, n))]


async def draw(
    ask: Callable[[list[int]], Awaitable[Sequence[T]]], population: int, size: int
) -> list[T]:
    """Up to ``size`` records at places of ``range(population)`` drawn at random: ``ask``
    returns the records at some places (none where a place holds none). A round asks for
    the places it takes to fill the sample at the rate places held records so far; past
    ``ROUNDS`` rounds, or when the places run out, the sample is what was found. A round that
    finds more than the sample still needs keeps records evenly spaced among its own."""
    if size <= 0 or population <= 0:
        return []
    order = places(population, min(population, MAX_ASK * ROUNDS))
    got: list[T] = []
    asked = found = 0
    want = math.ceil(size * 1.1) + 1
    for _ in range(ROUNDS):
        # At most four times the sample's records a round: a reply stays as bounded as the
        # sample's own (rows_that_fit).
        batch = order[asked : asked + min(want, MAX_ASK, 4 * size)]
        if not batch:
            break
        asked += len(batch)
        records = list(await ask(sorted(batch)))
        found += len(records)
        got += evenly(records, size - len(got))
        if len(got) >= size:
            break
        # Places that held a record so far (at least one in 64: a round stays bounded).
        rate = max(found / asked, 1 / 64)
        want = math.ceil((size - len(got)) / rate * 1.2) + 1
    return got
