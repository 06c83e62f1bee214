"""CouchDB samples spread over a database's ids, not its first records.

``_all_docs`` lists documents in raw (code point) order of their ids, and an application's ids
often follow the order it wrote them in (``CS-2019-000123``, CouchDB's own "sequential" UUIDs):
the first records are the oldest, or one customer's. A database of more than ``SPREAD_FROM``
samples' records is sampled over its id range instead: its first and last ids (the ends of
``_all_docs``, design documents aside), the range cut into as many spans as the sample has
records at ids evenly spaced between them (``sampling.text_scale``: zero-padded numbers as
numbers, hexadecimal as hexadecimal, other ASCII as text), and in each span the first record
from a place drawn at random in it (``startkey`` the place, ``endkey`` the next span, not
included); a place past the span's last record takes the span's first one. One record a place:
a sample of records drawn one by one, the same every scan (``sampling.SEED``), each an index
seek on the server (``limit`` 2: a design document may come first). Where the ids have no such
scale (past ASCII), or the spans found fewer than half the sample, the caller reads the first
records instead.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import orjson

from ...errors import DeniedError, ProtocolError
from ...net import Http
from .. import sampling
from .allow import ALLOW
from .read import DESIGN_PREFIX, records, rows_of

SPREAD_FROM = 4  # samples' worth of records past which a database is sampled over its ids
CONCURRENT = 2  # span reads in flight at once, a database (more only crowd the connection pool)
_LIMIT = "2"  # rows a span asks for: its record, and one more past a design document
# Ids start with "_" only for design documents ("_design/…"): "_design0" sorts past them all.
_PAST_DESIGN = "_design0"


def spreads(docs: int | None, size: int) -> bool:
    """Whether a database of ``docs`` records is sampled over its id range."""
    return docs is not None and size > 0 and docs > SPREAD_FROM * size


async def spread_records(http: Http, url: str, size: int) -> list[Any] | None:
    """Up to ``size`` records of the database at ``url`` (its ``_all_docs``), one at a place
    drawn at random in each of ``size`` spans of its id range; None where its ids have no
    scale or the spans found fewer than half of them. Raises NetError (``DeniedError`` for a
    401 or 403) where a read fails."""
    low = await _end(http, url, descending=False)
    high = await _end(http, url, descending=True)
    if low is None or high is None or not low < high:
        return None
    at = sampling.text_scale(low, high)
    if at is None:
        return None
    bounds = [at(i, size) for i in range(size)]  # each span's first id
    ends: list[str | None] = [*bounds[1:], None]
    draw = random.Random(sampling.SEED)
    grain = sampling.GRAIN
    starts = [at(i * grain + draw.randrange(grain), size * grain) for i in range(size)]
    gate = asyncio.Semaphore(CONCURRENT)

    async def span(first: str, start: str, end: str | None) -> Any | None:
        async with gate:
            got = await _first(http, url, max(first, start), end)
            if got is None and first < start:  # past the span's last record: its first
                got = await _first(http, url, first, start)
            return got

    spans = [
        asyncio.ensure_future(span(f, s, e)) for f, s, e in zip(bounds, starts, ends, strict=True)
    ]
    try:
        found = await asyncio.gather(*spans)
    except BaseException:
        # One span failed (a refusal ends the sample): the others are stopped and waited
        # for, not left reading after the sample returned (their transport closed under
        # them, a connection begun and never finished when the event loop ends).
        for task in spans:
            task.cancel()
        await asyncio.gather(*spans, return_exceptions=True)
        raise
    sample = [doc for doc in found if doc is not None]
    return sample if len(sample) * 2 >= size else None


async def _end(http: Http, url: str, *, descending: bool) -> str | None:
    """The first (or last) id of the database that is not a design document's."""
    order = {"descending": "true"} if descending else {}
    ids = await _ids(http, url, {**order, "limit": "1"})
    if ids and ids[0].startswith(DESIGN_PREFIX):
        # The design documents at this end: the id next to them on the records' side.
        side = "_design/" if descending else _PAST_DESIGN
        ids = await _ids(http, url, {**order, "limit": "1", "startkey": _key(side)})
        if ids and ids[0].startswith(DESIGN_PREFIX):
            return None  # only design documents this way: no range to spread over
    return ids[0] if ids else None


async def _first(http: Http, url: str, start: str, end: str | None) -> Any | None:
    """The first record with an id from ``start`` up to ``end`` (not included)."""
    params = {"include_docs": "true", "limit": _LIMIT, "startkey": _key(start)}
    if end is not None:
        params |= {"endkey": _key(end), "inclusive_end": "false"}
    rows = await _rows(http, url, params)
    got = [r for r in rows if start <= r["id"] and (end is None or r["id"] < end)]
    found = records(got)
    return found[0] if found else None


async def _ids(http: Http, url: str, params: dict[str, str]) -> list[str]:
    return [r["id"] for r in await _rows(http, url, params)]


async def _rows(http: Http, url: str, params: dict[str, str]) -> list[dict[str, Any]]:
    resp = await http.get(url, ALLOW, params=params)
    if resp.denied:
        raise DeniedError(f"HTTP {resp.status} on _all_docs")
    rows = rows_of(resp.json()) if resp.status == 200 else None
    if rows is None:
        raise ProtocolError(f"HTTP {resp.status} on _all_docs: not a list of documents")
    return rows


def _key(text: str) -> str:
    """An id as ``_all_docs`` takes a key: JSON text."""
    return orjson.dumps(text).decode()
