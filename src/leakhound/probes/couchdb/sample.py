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
a sample of records drawn one by one, the same every scan (``sampling.SEED``). Where the ids
have no such scale (past ASCII), or the spans found fewer than half the sample, the caller
reads the first records instead.

How the records are found costs round trips, not what is drawn. A database of up to
``LISTED_A_RECORD`` records a record drawn (10,000 for a sample of 100) has its ids listed in
one read (``_all_docs`` without documents, about 100 bytes an id), its places looked up in that
list, and the records at them read by id (``keys``, as many ids a request as ``KEYS_CHARS`` of
URL hold): two or three requests, where a seek a span is a hundred, each costing a server such
as pouchdb-server 10 ms however little it returns. A larger database has each place sought on
the server, an index seek a span (``limit`` 2: a design document may come first), and its ends
by two more. A record that its id no longer finds (deleted since the listing; a server that
takes no ``keys`` on a GET), or whose id alone is longer than ``KEYS_CHARS``, is sought too.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import random
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import orjson

from ...errors import DeniedError, NetError, ProtocolError
from ...net import Http
from .. import sampling
from .allow import ALLOW
from .read import DESIGN_PREFIX, records, rows_of

SPREAD_FROM = 4  # samples' worth of records past which a database is sampled over its ids
CONCURRENT = 2  # span reads in flight at once, a database (more only crowd the connection pool)
# Records a record drawn of a database whose ids are listed to draw its sample: a listing
# that costs no more than the seeks it saves (pouchdb-server lists 10,000 ids, about 1 MB, in
# the time of 20 to 70 seeks; CouchDB faster); past it, a seek a span.
LISTED_A_RECORD = 100
# Records of a database listed at most, whatever the sample (``--sample 10000``): its listing
# (twice as many rows) stays far under the response cap, and a larger one has its seeks.
LISTED_MOST = 50_000
# Characters of ``keys`` (as the URL carries them) a read by id sends: URLs stay well under the
# 8 KiB request line that servers and proxies commonly take.
KEYS_CHARS = 4_000
# ``keys``' own characters past its ids': "[" and "]" (``%5B``, ``%5D``), less the comma that
# its last id has not.
_BRACKETS = 3
_LIMIT = "2"  # rows a span asks for: its record, and one more past a design document
# Ids start with "_" only for design documents ("_design/…"): "_design0" sorts past them all.
_PAST_DESIGN = "_design0"

Span = tuple[str, str, str | None]  # its first id, the place drawn in it, the next span's first


def spreads(docs: int | None, size: int) -> bool:
    """Whether a database of ``docs`` records is sampled over its id range."""
    return docs is not None and size > 0 and docs > SPREAD_FROM * size


async def spread_records(
    http: Http, url: str, size: int, docs: int | None = None
) -> list[Any] | None:
    """Up to ``size`` records of the database at ``url`` (its ``_all_docs``), one at a place
    drawn at random in each of ``size`` spans of its id range; None where its ids have no
    scale or the spans found fewer than half of them. ``docs``: its records as counted, which
    decide whether its ids are listed. Raises NetError (``DeniedError`` for a 401 or 403)
    where a read fails."""
    most = min(LISTED_A_RECORD * size, LISTED_MOST)
    ids = await _listed(http, url, 2 * most) if docs is not None and docs <= most else None
    if ids is not None:
        low, high = (ids[0], ids[-1]) if ids else (None, None)
    else:
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
    spans: list[Span] = list(zip(bounds, starts, ends, strict=True))
    if ids is None:
        found = await _sought(http, url, spans)
    else:
        picked = [_pick(ids, *span) for span in spans]
        by_id = await _by_id(http, url, [p for p in picked if p is not None])
        found = [by_id.get(p) if p is not None else None for p in picked]
        # A record its id did not find (deleted since; a server that takes no ``keys``) is
        # sought in its span, as a database too large to list has each of them.
        missed = [i for i, p in enumerate(picked) if p is not None and found[i] is None]
        sought = await _sought(http, url, [spans[i] for i in missed])
        for i, doc in zip(missed, sought, strict=True):
            found[i] = doc
    sample = [doc for doc in found if doc is not None]
    return sample if len(sample) * 2 >= size else None


def _pick(ids: Sequence[str], first: str, start: str, end: str | None) -> str | None:
    """The id a span's seek finds in the sorted ``ids``: the first from its place (or from
    the span's first id, none being past the place) up to the next span, not included."""
    for low, high in ((max(first, start), end), (first, start)):
        i = bisect.bisect_left(ids, low)
        if i < len(ids) and (high is None or ids[i] < high):
            return ids[i]
        if not first < start:
            break
    return None


async def _listed(http: Http, url: str, limit: int) -> list[str] | None:
    """The database's ids in order, design documents left out; None where the listing fails
    (but for a refusal), is not the whole database (it fills ``limit``: twice the records
    counted at most, room for those written since and for design documents) or is not in code
    point order: the seeks then find what the server's own order says."""
    try:
        rows = await _rows(http, url, {"limit": str(limit)})
    except DeniedError:
        raise
    except NetError:
        return None  # over the size cap, an odd answer: the seeks say what they find
    if len(rows) >= limit:
        return None
    ids = [r["id"] for r in rows if not r["id"].startswith(DESIGN_PREFIX)]
    if any(not a < b for a, b in itertools.pairwise(ids)):
        return None
    return ids


async def _by_id(http: Http, url: str, ids: list[str]) -> dict[str, Any]:
    """The records of ``ids`` that are found by id, requests of up to ``KEYS_CHARS`` of ids;
    an id longer than that alone is not asked (its record is sought)."""
    batches: list[list[str]] = []
    chars = KEYS_CHARS
    for one in ids:
        width = len(quote(_key(one), safe="")) + 3  # and a comma
        if _BRACKETS + width > KEYS_CHARS:
            # Past the bound on its own (past what a URL holds, which httpx refuses to build,
            # for an id of 65,536 characters or so): sought in its span, by the span's keys.
            continue
        if chars + width > KEYS_CHARS:
            batches.append([])
            chars = _BRACKETS
        batches[-1].append(one)
        chars += width
    gate = asyncio.Semaphore(CONCURRENT)

    async def batch(keys: list[str]) -> list[dict[str, Any]]:
        params = {"include_docs": "true", "keys": orjson.dumps(keys).decode()}
        # ``limit``: a server that ignores ``keys`` sends as many records, not the database.
        params["limit"] = str(len(keys))
        async with gate:
            try:
                return await _rows(http, url, params)
            except DeniedError:
                raise
            except NetError:
                return []  # nothing found by id: sought instead

    found: dict[str, Any] = {}
    asked = set(ids)
    for rows in await _gathered([batch(keys) for keys in batches]):
        for row in rows:
            if row["id"] in asked and row["id"] not in found:
                got = records([row])
                if got:
                    found[row["id"]] = got[0]
    return found


async def _sought(http: Http, url: str, spans: list[Span]) -> list[Any | None]:
    """Each span's record, an index seek a span (two where its place is past its last)."""
    gate = asyncio.Semaphore(CONCURRENT)

    async def span(first: str, start: str, end: str | None) -> Any | None:
        async with gate:
            got = await _first(http, url, max(first, start), end)
            if got is None and first < start:  # past the span's last record: its first
                got = await _first(http, url, first, start)
            return got

    return await _gathered([span(*s) for s in spans])


async def _gathered(reads: list[Any]) -> list[Any]:
    """The results of ``reads`` in order; where one fails (a refusal ends the sample) the
    others are stopped and waited for, not left reading after the sample returned (their
    transport closed under them, a connection begun and never finished when the event loop
    ends)."""
    tasks = [asyncio.ensure_future(r) for r in reads]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


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
