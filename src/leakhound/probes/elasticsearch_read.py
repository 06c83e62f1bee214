"""Elasticsearch and OpenSearch: reading every document of an index, slice by slice.

Point in time + ``search_after`` where the fingerprint proves the API exists (OpenSearch >= 2.4:
``/_search/point_in_time``; Elasticsearch >= 7.10: ``/_pit``), sliced scroll otherwise. Sorted on
``_doc`` (OpenSearch 2.19 has no ``_shard_doc``), which is only a total order within one shard:
verified on a 3-shard index of 200 documents, PIT + ``_doc`` + ``search_after`` returns 159, while
``slice.max`` a multiple of the shard count returns all 200 (each slice then reads one shard).
So the slice count is always rounded up to a multiple of the shards.

Every context opened here is released by the caller through ``release`` (``DELETE`` on the root
release paths, the only DELETE on the allow-list).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from ..errors import NetError, PolicyError, ProtocolError, TooLargeError
from ..models import Fingerprint
from ..net import Http, Response
from .elasticsearch import ALLOW

PIT_OPENSEARCH, PIT_ELASTIC, SCROLL = "pit-os", "pit-es", "scroll"
_VERSION = re.compile(r"(\d+)\.(\d+)")
_MISSING = ("search_context_missing", "No search context found")


class ContextGone(NetError):
    """The point in time or scroll context expired or was freed on the server."""


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """How one index is read: the method, the slice count and the shared PIT (if any)."""

    method: str  # PIT_OPENSEARCH, PIT_ELASTIC or SCROLL
    index: str
    slices: int  # slice.max: a multiple of the shard count for PIT
    shards: int
    context: str | None = None  # the point-in-time id every slice shares
    total: int | None = None  # documents the PIT (or the index) holds


@dataclass(frozen=True, slots=True)
class Page:
    """One page of one slice: the documents and where the next page starts."""

    docs: tuple[Any, ...]
    position: Any  # search_after values of the last hit (PIT); None for scroll
    context: str | None  # the PIT id or scroll id to use next


def read_method(fp: Fingerprint) -> str:
    """PIT only where the fingerprint proves it exists: on 5.x/6.x "POST /idx/_pit" would write."""
    m = _VERSION.match(fp.version or "")
    if not m:
        return SCROLL
    version = (int(m.group(1)), int(m.group(2)))
    if fp.product == "opensearch" and not fp.compatibility_mode and version >= (2, 4):
        return PIT_OPENSEARCH
    if fp.product == "elasticsearch" and version >= (7, 10):
        return PIT_ELASTIC
    return SCROLL


def _body(resp: Response, what: str) -> dict[str, Any]:
    text = resp.body[:4000].decode("utf-8", "replace")
    if resp.status == 404 or (resp.status >= 400 and any(m in text for m in _MISSING)):
        raise ContextGone(f"{what}: the search context is gone (HTTP {resp.status})")
    try:
        body = resp.json()
    except (ProtocolError, TooLargeError) as exc:
        if resp.status != 200:  # an HTML error page from a proxy
            raise ProtocolError(f"{what}: HTTP {resp.status}") from exc
        raise ProtocolError(f"{what}: {exc}") from exc
    if resp.status != 200 or not isinstance(body, dict):
        reason = ""
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            r = body["error"].get("reason")
            reason = f": {r[:200]}" if isinstance(r, str) else ""
        raise ProtocolError(f"{what}: HTTP {resp.status}{reason}")
    return body


class ShardFailure(ProtocolError):
    """Shards failed to answer a page: the documents they hold would be missing."""


def _check_shards(body: dict[str, Any], what: str) -> None:
    """Refuse a page that some shards did not answer.

    Elasticsearch and OpenSearch answer 200 with the hits of the shards that worked and
    a ``_shards.failed`` count: read as a whole page, an index would end "complete" with
    documents missing. A shard whose context is gone makes the whole context gone.
    """
    shards = body.get("_shards")
    failed = shards.get("failed") if isinstance(shards, dict) else None
    if not isinstance(failed, int) or failed <= 0:
        return
    assert isinstance(shards, dict)
    detail = orjson.dumps(shards.get("failures", []))[:4000].decode("utf-8", "replace")
    if any(m in detail for m in _MISSING):
        raise ContextGone(f"{what}: the search context is gone on {failed} shard(s)")
    raise ShardFailure(
        f"{what}: {failed} of {shards.get('total', '?')} shards failed to answer: "
        "the page would be incomplete"
    )


def _shards(body: dict[str, Any]) -> int:
    shards = body.get("_shards")
    total = shards.get("total") if isinstance(shards, dict) else None
    return total if isinstance(total, int) and 0 < total < 100_000 else 1


def _total(body: dict[str, Any]) -> int | None:
    hits = body.get("hits")
    total = hits.get("total") if isinstance(hits, dict) else None
    if isinstance(total, dict):
        total = total.get("value")
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def _hits(body: dict[str, Any]) -> list[dict[str, Any]]:
    hits = body.get("hits")
    hits = hits.get("hits") if isinstance(hits, dict) else None
    if not isinstance(hits, list):
        raise ProtocolError("no hits in the search answer")
    return [h for h in hits if isinstance(h, dict)]


def _slices(wanted: int, shards: int) -> int:
    return max(1, -(-max(1, wanted) // shards)) * shards


async def open_plan(http: Http, base: str, index: str, method: str, slices: int,
                    keep_alive: str) -> ReadPlan:
    """Open the index's PIT (if the method has one) and size the slices to its shards.

    Never leaves a PIT behind when cancelled (Ctrl-C, SIGTERM): the opening runs to its end,
    the PIT it made is released, then the cancellation goes on. Without this, a PIT created
    while its answer was in flight would stay open, unknown to us, until keep_alive passed.
    """
    task = asyncio.ensure_future(_open_plan(http, base, index, method, slices, keep_alive))
    if await _to_the_end(task):
        if not task.cancelled() and task.exception() is None:
            await release_all(http, base, task.result(), [task.result().context])
        raise asyncio.CancelledError
    return task.result()


async def _open_plan(http: Http, base: str, index: str, method: str, slices: int,
                     keep_alive: str) -> ReadPlan:
    path = base + "/" + quote(index, safe="")
    if method == SCROLL:
        resp = await http.request("POST", path + "/_search", ALLOW,
                                  json={"size": 0, "track_total_hits": True})
        body = _body(resp, "_search")
        total = _total(body)
        # A slice of an empty index without mapping fails ("field _id not found").
        return ReadPlan(SCROLL, index, 1 if total == 0 else max(1, slices), _shards(body), None,
                        total)
    if method == PIT_OPENSEARCH:
        resp = await http.request("POST", path + "/_search/point_in_time", ALLOW,
                                  params={"keep_alive": keep_alive})
        pit = _body(resp, "open point in time").get("pit_id")
    else:
        resp = await http.request("POST", path + "/_pit", ALLOW, params={"keep_alive": keep_alive})
        pit = _body(resp, "open point in time").get("id")
    if not isinstance(pit, str) or not pit or len(pit) > 100_000:
        raise ProtocolError("no point-in-time id in the answer")
    plan = ReadPlan(method, index, 1, 1, pit)
    try:
        resp = await http.request("POST", base + "/_search", ALLOW,
                                  json={"size": 0, "track_total_hits": True,
                                        "pit": {"id": pit, "keep_alive": keep_alive}})
        body = _body(resp, "_search")
    except BaseException:
        await release(http, base, plan)
        raise
    shards, total = _shards(body), _total(body)
    # A slice of an empty index without mapping fails ("field _id not found").
    return ReadPlan(method, index, _slices(1 if total == 0 else slices, shards), shards, pit,
                    total)


async def reopen(http: Http, base: str, plan: ReadPlan, keep_alive: str) -> ReadPlan:
    """A fresh PIT for the same index and slice layout (after the old one expired)."""
    fresh = await open_plan(http, base, plan.index, plan.method, plan.slices, keep_alive)
    if fresh.slices != plan.slices:  # the shard count changed: the old layout no longer fits
        await release(http, base, fresh)
        raise ProtocolError(f"{plan.index}: the shard count changed since the scan began")
    return fresh


class SliceReader:
    """Pages of one slice, from a position; ``close`` frees the slice's own scroll context."""

    def __init__(self, http: Http, base: str, plan: ReadPlan, slice_id: int, *,
                 size: int, keep_alive: str, position: Any = None,
                 context: str | None = None) -> None:
        self._http, self._base, self._plan = http, base, plan
        self._slice = slice_id
        self._size = size
        self._keep_alive = keep_alive
        self.position = position
        self.context = context if context is not None else plan.context
        self._scroll_started = False
        self._read = 0
        self.done = False

    def _slice_spec(self) -> dict[str, int] | None:
        return {"id": self._slice, "max": self._plan.slices} if self._plan.slices > 1 else None

    @property
    def method(self) -> str:
        """How the slice is read: the plan's PIT flavour or SCROLL."""
        return self._plan.method

    async def next_page(self) -> Page | None:
        """The next page, or None at the end of the slice."""
        if self.done:
            return None
        if self._plan.method == SCROLL:
            page = await self._scroll_page()
        else:
            page = await self._pit_page()
        if not page.docs:
            self.done = True
            return None
        # A hostile server could page forever: never read more than the snapshot holds.
        # (A scroll's snapshot is taken after the count: allow a growing index some room.)
        self._read += len(page.docs)
        total = self._plan.total
        if total is not None and self._plan.method == SCROLL:
            total = 2 * total + 10 * self._size
        if total is not None and self._read > total + self._size:
            raise ProtocolError(f"{self._plan.index}: more documents than the index holds "
                                f"({self._plan.total:,}): the server keeps paging")
        return page

    async def _pit_page(self) -> Page:
        query: dict[str, Any] = {"size": self._size, "sort": ["_doc"],
                                 "track_total_hits": False,
                                 "pit": {"id": self.context, "keep_alive": self._keep_alive}}
        spec = self._slice_spec()
        if spec:
            query["slice"] = spec
        if self.position is not None:
            query["search_after"] = self.position
        resp = await self._http.request("POST", self._base + "/_search", ALLOW, json=query)
        body = _body(resp, "_search")
        _check_shards(body, "_search")
        hits = _hits(body)
        # Elasticsearch may hand back a new PIT id: the next page must use the newest one.
        new_id = body.get("pit_id")
        if isinstance(new_id, str) and new_id:
            self.context = new_id
        docs = tuple(h.get("_source") for h in hits if h.get("_source") is not None)
        if hits:
            sort = hits[-1].get("sort")
            if not isinstance(sort, list) or not sort or len(orjson.dumps(sort)) > 10_000:
                raise ProtocolError("a hit without usable sort values: cannot page on")
            if sort == self.position:
                raise ProtocolError("the server answers the same page again")
            self.position = sort
        # Hits without _source (disabled in the mapping) still count as read.
        docs += (None,) * (len(hits) - len(docs))
        return Page(docs, self.position, self.context)

    async def _scroll_page(self) -> Page:
        if not self._scroll_started:
            query: dict[str, Any] = {"size": self._size, "sort": ["_doc"]}
            spec = self._slice_spec()
            if spec:
                query["slice"] = spec
            path = self._base + "/" + quote(self._plan.index, safe="") + "/_search"
            resp = await self._http.request("POST", path, ALLOW, json=query,
                                            params={"scroll": self._keep_alive})
            self._scroll_started = True
        else:
            resp = await self._http.request(
                "POST", self._base + "/_search/scroll", ALLOW,
                json={"scroll": self._keep_alive, "scroll_id": self.context})
        body = _body(resp, "scroll")
        sid = body.get("_scroll_id")
        if isinstance(sid, str) and sid:
            self.context = sid  # first: close() must free it even if the page is refused
        _check_shards(body, "scroll")
        hits = _hits(body)
        docs = tuple(h.get("_source") for h in hits if h.get("_source") is not None)
        docs += (None,) * (len(hits) - len(docs))
        return Page(docs, None, self.context)

    async def close(self) -> None:
        """Free this slice's scroll context (a PIT is shared: the plan's owner frees it)."""
        if self._plan.method == SCROLL and self.context:
            context, self.context = self.context, None
            await _delete(self._http, self._base + "/_search/scroll", {"scroll_id": [context]})


async def release(http: Http, base: str, plan: ReadPlan, context: str | None = None) -> None:
    """Free the plan's point in time (never raises for network outcomes)."""
    pit = context or plan.context
    if not pit:
        return
    if plan.method == PIT_OPENSEARCH:
        await _delete(http, base + "/_search/point_in_time", {"pit_id": [pit]})
    elif plan.method == PIT_ELASTIC:
        await _delete(http, base + "/_pit", {"id": pit})


async def release_all(http: Http, base: str, plan: ReadPlan,
                      contexts: Iterable[str | None]) -> None:
    """Free every context, even while the calling task is being cancelled (Ctrl-C, SIGTERM):
    the releases run to their end (each bounded by the request timeouts), then the
    cancellation goes on."""
    pending = [c for c in contexts if c]
    if not pending:
        return
    task = asyncio.ensure_future(
        asyncio.gather(*(release(http, base, plan, c) for c in pending)))
    if await _to_the_end(task):
        raise asyncio.CancelledError


async def _to_the_end(task: asyncio.Future[Any]) -> bool:
    """Wait for ``task`` to finish even through cancellations of the caller; True when the
    caller was cancelled meanwhile (it must then go on being cancelled)."""
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    return cancelled


async def _delete(http: Http, url: str, body: dict[str, Any]) -> None:
    # The base URL may carry a proxy path; DELETE is allowed at the root only (see ALLOW).
    with suppress(NetError):  # else the context expires on its own after keep_alive
        await http.request("DELETE", url, ALLOW, json=body)


RETRIES = 3  # a failed page request is retried this many times (the position has not moved)


async def next_page(reader: SliceReader) -> Page | None:
    """The slice's next page, retrying a failed request with back-off; a lost context or a
    policy refusal is never retried."""
    for attempt in range(RETRIES + 1):
        try:
            return await reader.next_page()
        except (ContextGone, PolicyError):
            raise
        except ShardFailure:
            # A search_after page can be asked again; a scroll has moved past the page.
            if reader.method == SCROLL or attempt == RETRIES:
                raise
            await asyncio.sleep(0.5 * 2**attempt)
        except NetError:
            if attempt == RETRIES:
                raise
            await asyncio.sleep(0.5 * 2**attempt)
    return None  # unreachable
