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


KEY_CHARS = 12  # characters of a text key after its shared prefix that place it in the range
# The characters a text key's place is read in, smallest set first: decimal numbers (zero
# padded: "CS-2019-000123"), hexadecimal ones, then any ASCII text (7 bits a character).
ALPHABETS = ("0123456789", "0123456789abcdef", "0123456789ABCDEF", "".join(map(chr, range(128))))
GRAIN = 1 << 20  # the grain of a place drawn within its span of a key range


def text_scale(low: str, high: str) -> Callable[[int, int], str] | None:
    """The text key ``num / den`` of the way from ``low`` to ``high`` in code point order
    (MongoDB's string ``_id``, CouchDB's document ids): by its first characters after the
    prefix the two share, as decimal or hexadecimal numbers where they are written so, else
    ASCII; None past ASCII."""
    shared = 0
    while shared < min(len(low), len(high)) and low[shared] == high[shared]:
        shared += 1
    scale = _text_scale(low[shared:], high[shared:])
    if scale is None:
        return None
    first, last = (_text_key(t[shared:], *scale) for t in (low, high))

    def text_at(num: int, den: int) -> str:
        if num == 0:
            return low
        return low[:shared] + _key_text(first + (last - first) * num // den, *scale)

    return text_at


def _text_scale(*texts: str) -> tuple[str, int] | None:
    """The smallest alphabet that writes every text's first ``KEY_CHARS`` characters, and
    their width; None past ASCII."""
    head = [t[:KEY_CHARS] for t in texts]
    for alphabet in ALPHABETS:
        if all(c in alphabet for t in head for c in t):
            return alphabet, max(map(len, head))
    return None


def _text_key(text: str, alphabet: str, width: int) -> int:
    """A text's first characters as one number in the alphabet's base (the smallest
    character past its end)."""
    key = 0
    for c in text[:width].ljust(width, alphabet[0]):
        key = key * len(alphabet) + alphabet.index(c)
    return key


def _key_text(key: int, alphabet: str, width: int) -> str:
    chars = []
    for _ in range(width):
        key, digit = divmod(key, len(alphabet))
        chars.append(alphabet[digit])
    return "".join(reversed(chars)).rstrip("\0")


def places(population: int, count: int, seed: int = SEED) -> list[int]:
    """``count`` distinct places of ``range(population)`` at random, the same every time."""
    return random.Random(seed).sample(range(population), min(count, population))


def evenly(items: Sequence[T], n: int) -> list[T]:
    """``n`` of ``items`` evenly spaced among them (all of them where they are no more)."""
    if n >= len(items):
        return list(items)
    return [items[i * len(items) // n] for i in range(max(0, n))]


async def draw(
    ask: Callable[[list[int]], Awaitable[Sequence[T]]],
    population: int,
    size: int,
    hit: float = 1.0,
) -> list[T]:
    """Up to ``size`` records at places of ``range(population)`` drawn at random: ``ask``
    returns the records at some places (none where a place holds none). A round asks for
    the places it takes to fill the sample at the rate places held records so far; past
    ``ROUNDS`` rounds, or when the places run out, the sample is what was found. A round that
    finds more than the sample still needs keeps records evenly spaced among its own.
    ``hit``: the share of places expected to hold a record, for the first round's size."""
    if size <= 0 or population <= 0:
        return []
    order = places(population, min(population, MAX_ASK * ROUNDS))
    got: list[T] = []
    asked = found = 0
    want = math.ceil(size * 1.1 / max(hit, 1 / 64)) + 1
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
