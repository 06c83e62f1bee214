"""A collection's sample: one batch of ``find`` (no cursor left open), spread over the
collection's ``_id`` range where it is large enough, else from its start."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

import bson

from ...errors import ProtocolError
from .. import sampling
from .connection import Connection
from .cursor import BadCursor


async def find_batch(
    conn: Connection,
    db: str,
    collection: str,
    filter_: dict[str, Any],
    limit: int,
    sort: dict[str, int] | None = None,
    projection: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Up to ``limit`` documents in one batch (no server cursor left open)."""
    command: dict[str, Any] = {
        "find": collection,
        "filter": filter_,
        "limit": limit,
        "batchSize": limit,
        "singleBatch": True,
    }
    if sort:
        command["sort"] = sort
    if projection:
        command["projection"] = projection
    got = await conn.run(db, command)
    cursor = got.get("cursor")
    batch = cursor.get("firstBatch") if isinstance(cursor, dict) else None
    if not isinstance(batch, list):
        raise ProtocolError("find answered without a first batch")
    if len(batch) > limit:  # not this find's answer: its documents would be counted as read
        raise BadCursor(f"a batch of {len(batch):,} documents where {limit:,} were asked for")
    return [d for d in batch if isinstance(d, dict)]


# A collection of more than this many samples' documents is sampled over its ``_id`` range;
# a smaller one from its start (most of it is the sample anyway).
SPREAD_FROM = 4
# MongoDB walks its ``_id`` index: a sample is one document at a place drawn at random in each
# of ``size`` spans of the range (a find each, an index seek: 102 round trips for 100). Where
# every find is a pass over the collection (FerretDB) it is ``RUNS`` runs of neighbours, fewer
# finds: but neighbours are alike (a collection written customer by customer holds three or
# four customers in a run of ten), and the basis of a people estimate says so.
RUNS = 10
SEED = 1  # the same places every scan: repeated scans sample the same documents
_PLACES = sampling.GRAIN  # the grain of a place within its span
# FerretDB on SQLite reads the whole collection for every find, and sorts it for a sorted one:
# a spread sample costs it RUNS + 2 passes (and one a span made up), only the two ends sorted.
# The lab's FerretDB 1.24 at load 4-7 took 0.2 s a sorted find and 0.08 s an unsorted one on
# its collections of 200-1,100 documents (a sample scan of its 17 collections 12 s, not 6), 0.4
# and 0.2 s on 10,000, 5 and 4.5 s on 100,000: a minute a collection. It is spread up to 50,000
# documents (about half a minute); larger ones are read from the start.
FERRETDB_SPREAD_MAX = 50_000


def spreads(docs: int | None, size: int, *, ferretdb: bool = False) -> bool:
    """Whether a collection of ``docs`` documents is sampled in runs over its ``_id`` range:
    more than ``SPREAD_FROM`` samples' worth, and (FerretDB, where every find is a pass over
    the collection) no more than ``FERRETDB_SPREAD_MAX``."""
    if docs is None or size <= 0 or docs <= SPREAD_FROM * size:
        return False
    return not ferretdb or docs <= FERRETDB_SPREAD_MAX


IdScale = Callable[[int, int], Any]


def id_scale(low: Any, high: Any) -> IdScale | None:
    """The ``_id`` value ``num / den`` of the way from ``low`` to ``high``, of their own type:
    ObjectIds as 96-bit numbers (their timestamp first), whole numbers and floats by value,
    dates by time, text by its first characters after the prefix the two share (as decimal
    or hexadecimal numbers where they are written so, else ASCII); None for other types, or
    two of different types (a ``$gte`` does not cross BSON's type brackets: ids of other
    types between the two ends are not sampled)."""
    if isinstance(low, bson.ObjectId) and isinstance(high, bson.ObjectId):
        a, b = int.from_bytes(low.binary, "big"), int.from_bytes(high.binary, "big")
        return lambda num, den: bson.ObjectId((a + (b - a) * num // den).to_bytes(12, "big"))
    whole = [isinstance(v, int) and not isinstance(v, bool) for v in (low, high)]  # Int64 too
    if all(whole):
        lo, hi = int(low), int(high)
        return lambda num, den: lo + (hi - lo) * num // den
    if all(w or type(v) is float for w, v in zip(whole, (low, high), strict=True)):
        return lambda num, den: low + (high - low) * num / den
    if isinstance(low, datetime) and isinstance(high, datetime):
        if (low.tzinfo is None) != (high.tzinfo is None):
            return None  # one aware, one naive: no server sends that
        return lambda num, den: low + (high - low) * num / den
    if isinstance(low, str) and isinstance(high, str):
        return sampling.text_scale(low, high)
    return None


def id_starts(low: Any, high: Any, n: int) -> list[Any] | None:
    """``n`` ``_id`` values evenly spaced from ``low`` (the first) towards ``high``
    (``id_scale``); None where they have no scale."""
    at = id_scale(low, high)
    return None if at is None or n <= 0 else [at(i, n) for i in range(n)]


def _highest(docs: list[dict[str, Any]]) -> Any:
    """The highest ``_id`` of some documents (None where they cannot be compared)."""
    try:
        return max(d["_id"] for d in docs)
    except (KeyError, TypeError, ValueError):
        return None


def _run_filter(start: Any, end: Any) -> dict[str, Any]:
    return {"_id": {"$gte": start, "$lt": end} if end is not None else {"$gte": start}}


async def spread_sample(
    conn: Connection, db: str, collection: str, size: int, places: int, *, walks: bool = True
) -> tuple[list[dict[str, Any]], int] | None:
    """Up to ``size`` documents from ``places`` spans of the collection's ``_id`` range: its
    first and last ``_id`` (each a find sorted by ``_id``, limit 1: the ``_id`` index's
    ends), the range cut into ``places`` spans at values evenly spaced between them
    (``id_scale``), and in each span the first documents in ``_id`` order from a place drawn
    at random in it (a find of ``{_id: {$gte: place, $lt: next span}}`` sorted by ``_id``:
    the index walked from the place, spans never overlapping), ``size / places`` a span; a
    place past the span's last document takes its first ones (``$gte`` its start, ``$lt``
    the place), so that ids bunched at a span's start are found. ``walks``: whether the
    server walks the ``_id`` index; where it does not (FerretDB sorts the collection for each
    sorted find, on top of the pass a find is), a span's documents are asked without a sort
    (the first of the span in natural order) and spans are made up from past the highest
    ``_id`` read.

    The places are the same every scan (``SEED``). Spans that hold fewer than their share
    (gaps in the ids) are made up once from the spans that had more, by the documents after
    theirs. Returns the documents and how many were so made up; None where the ``_id``
    values have no such scale or the spans found fewer than half the sample: the caller
    reads the collection's start instead. ``aggregate`` is never sent."""
    edges = []
    for order in (1, -1):
        got = await find_batch(
            conn, db, collection, {}, 1, sort={"_id": order}, projection={"_id": 1}
        )
        if not got or "_id" not in got[0]:
            return None
        edges.append(got[0]["_id"])
    places = max(1, min(places, size))
    at = id_scale(edges[0], edges[1])
    if at is None:
        return None
    bounds = [at(i, places) for i in range(places)]  # each span's first value
    ends: list[Any] = [*bounds[1:], None]
    draw = random.Random(SEED)
    starts = [at(i * _PLACES + draw.randrange(_PLACES), places * _PLACES) for i in range(places)]
    share = [size // places + (1 if i < size % places else 0) for i in range(places)]
    by_id = {"_id": 1} if walks else None
    found: list[list[dict[str, Any]]] = []
    upto = list(ends)  # where the documents after a span's last one read stop
    for i, (start, end, want) in enumerate(zip(starts, ends, share, strict=True)):
        run: list[dict[str, Any]] = []
        if end is None or start < end:
            run = await find_batch(conn, db, collection, _run_filter(start, end), want, by_id)
        if len(run) < want and bounds[i] < start:
            # the place fell after the span's last document: the span's first ones instead
            before = {"_id": {"$gte": bounds[i], "$lt": start}}
            first = await find_batch(conn, db, collection, before, want - len(run), by_id)
            if first:
                run, upto[i] = first + run, start if not run else upto[i]
        found.append(run)
    short = size - sum(map(len, found))
    made_up = 0
    more = [i for i, run in enumerate(found) if run and len(run) >= share[i]]
    for turn, i in enumerate(more):
        if short <= 0:
            break
        want = -(-short // (len(more) - turn))
        # past the highest _id read: the last one where the run is sorted
        highest = found[i][-1].get("_id") if walks else _highest(found[i])
        if highest is None:
            continue
        after: dict[str, Any] = {"$gt": highest}
        if upto[i] is not None:
            after["$lt"] = upto[i]
        got = await find_batch(conn, db, collection, {"_id": after}, want, by_id)
        found[i] += got
        short -= len(got)
        made_up += len(got)
    docs = [d for run in found for d in run][:size]
    return (docs, made_up) if 2 * len(docs) >= size else None
