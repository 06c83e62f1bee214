"""Elasticsearch and OpenSearch: reading every document of an index, slice by slice.

Point in time + ``search_after`` where the fingerprint proves the API exists (OpenSearch >= 2.4:
``/_search/point_in_time``; Elasticsearch >= 7.10: ``/_pit``), sliced scroll otherwise. Sorted on
``_doc`` (OpenSearch 2.19 has no ``_shard_doc``), which is only a total order within one shard:
verified on a 3-shard index of 200 documents, PIT + ``_doc`` + ``search_after`` returns 159, while
``slice.max`` a multiple of the shard count returns all 200 (each slice then reads one shard).
So the slice count is always rounded up to a multiple of the shards.

A slice is a partition of the contract (``probes/base.py``). Its position is
``{"after": <search_after values>, "context": <the PIT id it uses>}`` for a point in time, and
None for a scroll, which cannot be re-entered: a resumed scroll slice starts over. Every
context opened here is freed by ``release`` (the plan's points in time) or a slice's ``close``
(its scroll): ``DELETE`` on the root release paths, the only DELETE on the allow-list.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from contextlib import suppress
from typing import Any
from urllib.parse import quote

import orjson

from ...errors import DeniedError, NetError, ProtocolError, TooLargeError
from ...models import Container, Fingerprint, Service
from ...net import Http, Response
from ..base import FullReader, Page, PartitionReader, PositionExpired, ReadPlan
from ..shown import masked_name
from .allow import ALLOW
from .names import Indices, valid_index_name
from .refusal import refused

PIT_OPENSEARCH, PIT_ELASTIC, SCROLL = "pit-os", "pit-es", "scroll"
_VERSION = re.compile(r"(\d+)\.(\d+)")
_MISSING = ("search_context_missing", "No search context found")


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
    if refused(resp):  # by its status, before its words: a refusal may say anything
        raise DeniedError(f"{what}: HTTP {resp.status}{_reason(resp)}")
    text = resp.body[:4000].decode("utf-8", "replace")
    if resp.status == 404 or (resp.status >= 400 and any(m in text for m in _MISSING)):
        raise PositionExpired(f"{what}: the search context is gone (HTTP {resp.status})")
    try:
        body = resp.json()
    except (ProtocolError, TooLargeError) as exc:
        if resp.status != 200:  # an HTML error page from a proxy
            raise ProtocolError(f"{what}: HTTP {resp.status}") from exc
        raise ProtocolError(f"{what}: {exc}") from exc
    if resp.status != 200 or not isinstance(body, dict):
        raise ProtocolError(f"{what}: HTTP {resp.status}{_reason(resp)}")
    return body


def _reason(resp: Response) -> str:
    """': ' and the error's reason, from Elasticsearch's error document ('' without one),
    its personal data masked: a reason names the index (``unauthorized … on indices
    [cart-jane.doe@gmail.com]``), whose name is masked everywhere else (``names``)."""
    body = resp.json_or_none()
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        r = body["error"].get("reason")
        return f": {masked_name(r[:200]) or r[:200]}" if isinstance(r, str) else ""
    return ""


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
        raise PositionExpired(f"{what}: the search context is gone on {failed} shard(s)")
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


def _shown(method: str) -> str:
    """The method as reports name it: "pit" or "scroll"."""
    return "scroll" if method == SCROLL else "pit"


class ElasticsearchReader(FullReader):
    """Every document of the indices of one cluster, through its point in time or scroll."""

    def __init__(
        self,
        http: Http,
        service: Service,
        keep_alive: str = "5m",
        method: str | None = None,
        indices: Indices | None = None,
    ) -> None:
        self._http = http
        self._base = service.url
        # The indices behind masked container names (``names``), searched by their own.
        self._indices = indices or Indices()
        # ``method``: SCROLL where only GET can pass (Kibana's console proxy opens no PIT).
        self._method = method or read_method(service.fingerprint)
        self.method = _shown(self._method)
        self.keep_alive = keep_alive
        self._fields: tuple[str, ...] | None = None

    async def open(self, container: Container, partitions: int) -> ReadPlan:
        """Open the index's PIT (if the method has one) and size the slices to its shards."""
        return await self._open(container.name, self._method, partitions)

    async def own_name(self, container: Container) -> str | None:
        """The index a masked container name stands for (``names``)."""
        if valid_index_name(container.name):
            return None
        return await self._indices.index(self._http, self._base, container.name)

    async def _open(self, name: str, method: str, slices: int) -> ReadPlan:
        """The plan of container ``name``: its index asked by its own name (``names``)."""
        index = await self._indices.index(self._http, self._base, name)
        path = self._base + "/" + quote(index, safe="")
        http = self._http
        if method == SCROLL:
            resp = await http.request(
                "POST", path + "/_search", ALLOW, json={"size": 0, "track_total_hits": True}
            )
            body = _body(resp, "_search")
            total = _total(body)
            # A slice of an empty index without mapping fails ("field _id not found").
            return ReadPlan(
                name,
                1 if total == 0 else max(1, slices),
                _shown(SCROLL),
                {"method": SCROLL, "shards": _shards(body)},
                total,
                resumable=False,
            )
        if method == PIT_OPENSEARCH:
            resp = await http.request(
                "POST",
                path + "/_search/point_in_time",
                ALLOW,
                params={"keep_alive": self.keep_alive},
            )
            pit = _body(resp, "open point in time").get("pit_id")
        else:
            resp = await http.request(
                "POST", path + "/_pit", ALLOW, params={"keep_alive": self.keep_alive}
            )
            pit = _body(resp, "open point in time").get("id")
        if not isinstance(pit, str) or not pit or len(pit) > 100_000:
            raise ProtocolError("no point-in-time id in the answer")
        plan = ReadPlan(name, 1, _shown(method), {"method": method, "pit": pit})
        try:
            resp = await http.request(
                "POST",
                self._base + "/_search",
                ALLOW,
                json={
                    "size": 0,
                    "track_total_hits": True,
                    "pit": {"id": pit, "keep_alive": self.keep_alive},
                },
            )
            body = _body(resp, "_search")
        except BaseException:
            await self.release(plan, set())
            raise
        shards, total = _shards(body), _total(body)
        # A slice of an empty index without mapping fails ("field _id not found").
        return ReadPlan(
            name,
            _slices(1 if total == 0 else slices, shards),
            _shown(method),
            {"method": method, "pit": pit, "shards": shards},
            total,
        )

    async def reopen(self, plan: ReadPlan) -> ReadPlan:
        """A fresh PIT for the same index and slice layout (after the old one expired)."""
        method = _state(plan)["method"]
        fresh = await self._open(plan.container, method, plan.partitions)
        if fresh.partitions != plan.partitions:  # the shard count changed: the layout broke
            await self.release(fresh, set())
            raise ProtocolError(f"{plan.container}: the shard count changed since the scan began")
        return fresh

    def partition(
        self, plan: ReadPlan, number: int, position: Any, *, size: int
    ) -> PartitionReader:
        """One slice, from its checkpointed position (a PIT slice) or from its start."""
        return SliceReader(
            self._http,
            self._base,
            plan,
            number,
            size=size,
            keep_alive=self.keep_alive,
            position=position,
            fields=self._fields,
            indices=self._indices,
        )

    def project(self, fields: Sequence[str]) -> FullReader:
        """Each hit's ``_source`` holding only ``fields``."""
        projected = copy.copy(self)
        projected._fields = tuple(fields)
        return projected

    async def release(self, plan: ReadPlan, states: set[Any]) -> None:
        """Free the plan's points in time: its own and the newer ids slices were handed. A
        plan without its state (a container read to its end, resumed: the store forgot it)
        holds none."""
        if plan.state is None and not states:
            return
        state = _state(plan)
        method = state.get("method")
        pits = {state.get("pit"), *states} - {None}
        for pit in pits:
            if method == PIT_OPENSEARCH:
                await _delete(self._http, self._base + "/_search/point_in_time", {"pit_id": [pit]})
            elif method == PIT_ELASTIC:
                await _delete(self._http, self._base + "/_pit", {"id": pit})


def _state(plan: ReadPlan) -> dict[str, Any]:
    state = plan.state
    if not isinstance(state, dict) or state.get("method") not in (
        PIT_OPENSEARCH,
        PIT_ELASTIC,
        SCROLL,
    ):
        raise ProtocolError(f"{plan.container}: the stored read plan is not this reader's")
    return state


class SliceReader(PartitionReader):
    """Pages of one slice, from a position; ``close`` frees the slice's own scroll context."""

    def __init__(
        self,
        http: Http,
        base: str,
        plan: ReadPlan,
        slice_id: int,
        *,
        size: int,
        keep_alive: str,
        position: Any = None,
        fields: Sequence[str] | None = None,
        indices: Indices | None = None,
    ) -> None:
        state = _state(plan)
        self._indices = indices or Indices()
        self._fields = list(fields) if fields else None
        self._http, self._base, self._plan = http, base, plan
        self._method: str = state["method"]
        self._slice = slice_id
        self._size = size
        self._keep_alive = keep_alive
        self.after: Any = None
        self.context: str | None = state.get("pit")
        if isinstance(position, dict) and self._method != SCROLL:
            self.after = position.get("after")
            if isinstance(position.get("context"), str):
                self.context = position["context"]
        self._scroll_started = False
        self._read = 0
        self.done = False

    def _slice_spec(self) -> dict[str, int] | None:
        return (
            {"id": self._slice, "max": self._plan.partitions} if self._plan.partitions > 1 else None
        )

    @property
    def method(self) -> str:
        """How the slice is read: the plan's PIT flavour or SCROLL."""
        return self._method

    @property
    def shared_state(self) -> Any:
        """The newest PIT id this slice used (None for a scroll: its context is its own)."""
        return self.context if self._method != SCROLL else None

    def retryable(self, exc: NetError) -> bool:
        """A search_after page can be asked again; a scroll has moved past a failed page."""
        if isinstance(exc, ShardFailure) and self._method == SCROLL:
            return False
        return super().retryable(exc)

    async def next_page(self) -> Page | None:
        """The next page, or None at the end of the slice."""
        if self.done:
            return None
        if self._method == SCROLL:
            page = await self._scroll_page()
        else:
            page = await self._pit_page()
        if not page.docs:
            self.done = True
            return None
        # A point in time is the snapshot its count was taken on: a slice never reads more
        # than it holds (tighter than the pipeline's bound, ``scanner.full.RecordBound``,
        # which alone bounds a scroll: its snapshot is taken after the count).
        self._read += len(page.docs)
        total = self._plan.total
        if total is not None and self._method != SCROLL and self._read > total + self._size:
            raise ProtocolError(
                f"{self._plan.container}: more documents than the index holds "
                f"({self._plan.total:,}): the server keeps paging"
            )
        return page

    async def _pit_page(self) -> Page:
        query: dict[str, Any] = {
            "size": self._size,
            "sort": ["_doc"],
            "track_total_hits": False,
            "pit": {"id": self.context, "keep_alive": self._keep_alive},
        }
        spec = self._slice_spec()
        if spec:
            query["slice"] = spec
        if self._fields is not None:
            query["_source"] = self._fields
        if self.after is not None:
            query["search_after"] = self.after
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
            if sort == self.after:
                raise ProtocolError("the server answers the same page again")
            self.after = sort
        # Hits without _source (disabled in the mapping) still count as read.
        docs += (None,) * (len(hits) - len(docs))
        return Page(docs, {"after": self.after, "context": self.context})

    async def _scroll_page(self) -> Page:
        if not self._scroll_started:
            query: dict[str, Any] = {"size": self._size, "sort": ["_doc"]}
            spec = self._slice_spec()
            if spec:
                query["slice"] = spec
            if self._fields is not None:
                query["_source"] = self._fields
            index = await self._indices.index(self._http, self._base, self._plan.container)
            path = self._base + "/" + quote(index, safe="") + "/_search"
            resp = await self._http.request(
                "POST", path, ALLOW, json=query, params={"scroll": self._keep_alive}
            )
            self._scroll_started = True
        else:
            resp = await self._http.request(
                "POST",
                self._base + "/_search/scroll",
                ALLOW,
                json={"scroll": self._keep_alive, "scroll_id": self.context},
            )
        body = _body(resp, "scroll")
        sid = body.get("_scroll_id")
        if isinstance(sid, str) and sid:
            self.context = sid  # first: close() must free it even if the page is refused
        _check_shards(body, "scroll")
        hits = _hits(body)
        docs = tuple(h.get("_source") for h in hits if h.get("_source") is not None)
        docs += (None,) * (len(hits) - len(docs))
        return Page(docs, None)

    async def close(self) -> None:
        """Free this slice's scroll context (a PIT is shared: the plan's owner frees it)."""
        if self._method == SCROLL and self.context:
            context, self.context = self.context, None
            await _delete(self._http, self._base + "/_search/scroll", {"scroll_id": [context]})


async def _delete(http: Http, url: str, body: dict[str, Any]) -> None:
    # The base URL may carry a proxy path; DELETE is allowed at the root only (see ALLOW).
    with suppress(NetError):  # else the context expires on its own after keep_alive
        await http.request("DELETE", url, ALLOW, json=body)
