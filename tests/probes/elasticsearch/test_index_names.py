"""Indices named after a person (``cart-jane.doe@gmail.com``): shown and stored masked,
counted, sampled and read by their own names, found again in ``_cat/indices``."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostile.recorded import Answer, RecordedServer, Seen, as_json
from leakhound.errors import DeniedError
from leakhound.models import Container, Endpoint, Fingerprint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import Inventory, SampleDocs
from leakhound.probes.elasticsearch import names
from leakhound.probes.elasticsearch.names import shown_names, valid_index_name
from leakhound.probes.elasticsearch.probe import ElasticsearchProbe

INDICES = {
    "orders": [1, 2, 3, 4],
    "cart-jane.doe@gmail.com": [10, 11],
    "cart-john.roe@gmail.com": [20, 21, 22],
    "cart-jdoe": [30],
}
SECRETS = [b"jane.doe", b"john.roe"]
SHARDS = {"total": 1, "successful": 1, "failed": 0}


def test_index_names_holding_personal_data_are_masked_and_numbered() -> None:
    shown = shown_names(INDICES)
    assert sorted(shown) == ["cart-jane.doe@gmail.com", "cart-john.roe@gmail.com"]
    assert shown["cart-jane.doe@gmail.com"].endswith("@g***.com #1")
    assert shown["cart-john.roe@gmail.com"].endswith("@g***.com #2")
    assert not [s for s in SECRETS if s in repr(shown.values()).encode()]


def route(seen: Seen) -> Answer:
    """A cluster of ``INDICES``, open, answering a scroll in one page."""
    parts = [unquote(p) for p in seen.path.strip("/").split("/")]
    if parts == ["_cat", "indices"]:
        rows = [
            {"index": i, "health": "green", "status": "open", "docs.count": str(len(d))}
            for i, d in INDICES.items()
        ]
        return as_json(200, rows)
    if parts[0] == "_all":
        return as_json(200, {})
    if parts[:2] == ["_search", "scroll"]:
        return as_json(200, {"_scroll_id": "s1", "hits": {"hits": []}, "_shards": SHARDS})
    if parts[0] not in INDICES:
        return as_json(404, {"error": {"type": "index_not_found_exception"}, "status": 404})
    ids = INDICES[parts[0]]
    if parts[1] == "_count":
        return as_json(200, {"count": len(ids)})
    if parts[1] == "_mapping":
        return as_json(200, {parts[0]: {"mappings": {"properties": {"n": {"type": "long"}}}}})
    query = json.loads(seen.body or b"{}")
    hits = [] if query.get("size") == 0 else [{"_id": str(n), "_source": {"n": n}} for n in ids]
    body = {"hits": {"total": {"value": len(ids)}, "hits": hits}, "_shards": SHARDS}
    return as_json(200, body | {"_scroll_id": "s1"})


def run(go: Any) -> Any:
    with RecordedServer(route) as server:

        async def main() -> Any:
            scope = Scope()
            scope.add("127.0.0.1", server.port)
            async with Transport(Limits(read_timeout=5, total_timeout=30), scope) as transport:
                ep = Endpoint("127.0.0.1", server.port)
                fp = Fingerprint("unknown", None)  # a sliced scroll, the first documents
                service = Service(ep, ep.url("http"), "elasticsearch", Verdict.OPEN, "", fp)
                return await go(transport, service)

        return asyncio.run(main())


def test_indices_named_by_personal_data_are_listed_masked_with_their_own_counts() -> None:
    async def go(transport: Transport, service: Service) -> Inventory:
        return await ElasticsearchProbe().inventory(transport, service, max_containers=100)

    inv = run(go)
    shown = shown_names(INDICES)
    assert {c.name: c.docs for c in inv.containers} == {
        shown.get(i, i): len(d) for i, d in INDICES.items()
    }
    assert "cart-jdoe" not in shown  # no personal data: as the cluster named it
    assert not [s for s in SECRETS if s in repr(inv).encode()]


@pytest.mark.parametrize("inventoried", [True, False], ids=["after-inventory", "fresh-probe"])
def test_a_masked_index_is_sampled_and_read_by_its_own_name(inventoried: bool) -> None:
    async def go(transport: Transport, service: Service) -> Any:
        probe = ElasticsearchProbe()
        if inventoried:
            await probe.inventory(transport, service, max_containers=100)
        john = Container(shown_names(INDICES)["cart-john.roe@gmail.com"], 3, None)
        sample = await probe.sample(transport, service, john, 10)
        reader = probe.reader(transport, service)
        plan = await reader.open(john, 1)
        part = reader.partition(plan, 0, None, size=10)
        read: list[int] = []
        try:
            while (page := await part.next_page()) is not None:
                read += [d["n"] for d in page.docs]
        finally:
            await part.close()
        return sample, plan, read

    sample, plan, read = run(go)
    assert isinstance(sample, SampleDocs) and sample.error is None
    assert sorted(d["n"] for d in sample.docs) == read == [20, 21, 22]
    assert not [s for s in SECRETS if s in repr(plan).encode()]


def test_a_masked_name_no_longer_listed_is_one_line_of_error() -> None:
    async def go(transport: Transport, service: Service) -> SampleDocs:
        gone = Container("cart-x***@e***.org", 3, None)
        return await ElasticsearchProbe().sample(transport, service, gone, 10)

    sample = run(go)
    assert sample.docs == () and sample.error is not None
    assert sample.error.endswith("no index of that name is listed any more")


def test_a_refusal_naming_a_masked_index_is_said_masked() -> None:
    # A security plugin's 403 names the index it refused: the error line is stored and
    # reported, and must not say the name masked everywhere else.
    def refusing(seen: Seen) -> Answer:
        if seen.path.endswith("/_search") and not seen.path.startswith("/_search"):
            index = unquote(seen.path.strip("/").split("/")[0])
            reason = (
                "action [indices:data/read/search] is unauthorized for user [anonymous] "
                f"with roles [] on indices [{index}]"
            )
            return as_json(403, {"error": {"type": "security_exception", "reason": reason}})
        return route(seen)

    async def go(transport: Transport, service: Service) -> str:
        probe = ElasticsearchProbe()
        await probe.inventory(transport, service, max_containers=100)
        jane = Container(shown_names(INDICES)["cart-jane.doe@gmail.com"], 2, None)
        try:
            await probe.reader(transport, service).open(jane, 1)
        except DeniedError as exc:
            return str(exc)
        raise AssertionError("the read was not refused")

    with RecordedServer(refusing) as server:

        async def main() -> str:
            scope = Scope()
            scope.add("127.0.0.1", server.port)
            async with Transport(Limits(read_timeout=5, total_timeout=30), scope) as transport:
                ep = Endpoint("127.0.0.1", server.port)
                service = Service(ep, ep.url("http"), "elasticsearch", Verdict.OPEN, "")
                return await go(transport, service)

        error = asyncio.run(main())
    assert "unauthorized for user [anonymous]" in error and "@g***.com" in error
    assert not [s for s in SECRETS if s in error.encode()]


def test_masked_indices_sampled_by_a_new_process_list_the_cluster_once() -> None:
    # A stored scan read again (export-subjects): nothing kept of its inventory, and each
    # masked index is found in one listing, masked as far as the names asked, not listed and
    # masked again from its start for each index.
    with RecordedServer(route) as server:

        async def main() -> list[SampleDocs]:
            scope = Scope()
            scope.add("127.0.0.1", server.port)
            async with Transport(Limits(read_timeout=5, total_timeout=30), scope) as transport:
                ep = Endpoint("127.0.0.1", server.port)
                service = Service(ep, ep.url("http"), "elasticsearch", Verdict.OPEN, "")
                probe = ElasticsearchProbe()
                return [
                    await probe.sample(transport, service, Container(name, None, None), 10)
                    for name in shown_names(INDICES).values()
                ]

        samples = asyncio.run(main())
        listings = [s for s in server.received if s.path == "/_cat/indices"]
    assert [sorted(d["n"] for d in s.docs) for s in samples] == [[10, 11], [20, 21, 22]]
    assert len(listings) == 1


def test_a_reader_names_the_index_behind_a_masked_name_for_a_resume_to_check() -> None:
    async def go(transport: Transport, service: Service) -> list[str | None]:
        reader = ElasticsearchProbe().reader(transport, service)
        return [
            await reader.own_name(Container(name, None, None))
            for name in ("orders", shown_names(INDICES)["cart-john.roe@gmail.com"])
        ]

    assert run(go) == [None, "cart-john.roe@gmail.com"]


def test_a_listing_is_sorted_and_filtered_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 200,000 listed names cost a second of CPU: on the loop, every other target's request
    # would wait that long and could overrun its deadline.
    judged_on: set[int] = set()

    def recording(name: Any) -> bool:
        judged_on.add(threading.get_ident())
        return valid_index_name(name)

    monkeypatch.setattr(names, "valid_index_name", recording)

    async def go(transport: Transport, service: Service) -> tuple[Inventory, int]:
        inv = await ElasticsearchProbe().inventory(transport, service, max_containers=100)
        return inv, threading.get_ident()

    inv, loop_thread = run(go)
    assert len(inv.containers) == len(INDICES)
    assert judged_on and loop_thread not in judged_on


def test_the_listing_a_masked_name_is_found_in_is_judged_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A fresh probe sampling a masked index lists the cluster to find it: the same judging
    # as the inventory's (``requestable``), with the same cost on a listing of 200,000 names.
    judged: list[tuple[int, Any]] = []

    def recording(name: Any) -> bool:
        judged.append((threading.get_ident(), name))
        return valid_index_name(name)

    monkeypatch.setattr(names, "valid_index_name", recording)

    async def go(transport: Transport, service: Service) -> tuple[SampleDocs, int]:
        john = Container(shown_names(INDICES)["cart-john.roe@gmail.com"], 3, None)
        sample = await ElasticsearchProbe().sample(transport, service, john, 10)
        return sample, threading.get_ident()

    sample, loop_thread = run(go)
    assert sorted(d["n"] for d in sample.docs) == [20, 21, 22]
    listed = [thread for thread, name in judged if name in INDICES]
    assert len(listed) == len(INDICES) and loop_thread not in listed


def test_an_index_listed_twice_is_found_once_under_its_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The inventory numbers each masked name once (``shown_names``); the listing a fresh
    # probe searches must count it once too, or the second of two masked alike moves.
    rows = [{"index": i} for i in ["cart-jane.doe@gmail.com", *INDICES]]

    async def cat_indices(http: Any, base: str, **params: str) -> list[Any]:
        return rows

    monkeypatch.setattr(names, "cat_indices", cat_indices)

    async def go(transport: Transport, service: Service) -> SampleDocs:
        john = Container(shown_names(INDICES)["cart-john.roe@gmail.com"], 3, None)
        return await ElasticsearchProbe().sample(transport, service, john, 10)

    assert sorted(d["n"] for d in run(go).docs) == [20, 21, 22]


def test_an_index_listed_twice_is_one_container_and_the_repeat_is_noted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A hostile listing (a honeypot) naming one index twice: two containers would read and
    # count its records twice. The first row is kept.
    rows = [
        {"index": "orders", "docs.count": "4", "store.size": "100"},
        {"index": "cart-jdoe", "docs.count": "1"},
        {"index": "orders", "docs.count": "999", "store.size": "999"},
    ]

    async def cat_indices(self: ElasticsearchProbe, http: Any, base: str) -> tuple[Any, None]:
        return rows, None

    monkeypatch.setattr(ElasticsearchProbe, "_cat_indices", cat_indices)

    async def go(transport: Transport, service: Service) -> Inventory:
        return await ElasticsearchProbe().inventory(transport, service, max_containers=100)

    inventory = run(go)
    assert [(c.name, c.docs, c.store_bytes) for c in inventory.containers] == [
        ("cart-jdoe", 1, None),
        ("orders", 4, 100),
    ]
    assert inventory.error is None
    assert inventory.note == "1 repeated index name(s) listed once"


def _requestable_model(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int, int]:
    """What the inventory did before ``names.requestable``, on the event loop, each name kept
    once (its first row), as the plainest code says it."""
    valid = [r for r in rows if valid_index_name(r.get("index"))]
    first: dict[str, dict[str, Any]] = {}
    for r in valid:
        first.setdefault(r["index"], r)
    kept = sorted(first.values(), key=lambda r: (str(r["index"]).startswith("."), r["index"]))
    return kept, len(rows) - len(valid), len(valid) - len(kept)


# Names near the rules' edges: system (.), refused first characters, every forbidden one,
# non-ASCII (255 bytes, not characters), and a few repeated: only each one's first row is kept.
_NAME = st.one_of(
    st.sampled_from(["a", ".a", "_a", "-a", "+a", "a:b", "a b", "a*", "a\\b", ".", "é" * 128]),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), min_codepoint=32, max_codepoint=300)
        | st.sampled_from('._-+\\/*?"<>| ,#:'),
        max_size=260,
    ),
    st.integers(),
    st.none(),
)
_ROWS = st.lists(
    st.one_of(st.fixed_dictionaries({"index": _NAME}), st.just({"health": "green"})),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(_ROWS)
def test_requestable_keeps_the_first_row_of_each_name_in_the_order_of_the_check_it_replaced(
    rows: list[dict[str, Any]],
) -> None:
    rows = [{**r, "n": n} for n, r in enumerate(rows)]  # repeats told apart by their place
    assert names.requestable(rows) == _requestable_model(rows)
    assert names.requestable(rows, threading.Event()) == _requestable_model(rows)


def test_requestable_agrees_across_its_stop_checks() -> None:
    pick = random.Random(7)
    letters = "ab.:_"
    rows = [
        {"index": "".join(pick.choices(letters, k=pick.randint(1, 4))), "n": n}
        for n in range(3 * 4096 + 7)
    ]
    assert names.requestable(rows) == _requestable_model(rows)


def test_a_cancelled_inventory_stops_its_name_check_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A thread cannot be cancelled: without being told to stop, it judges the whole listing,
    # and asyncio.run, a stopped scan's exit, waits for it.
    listing = [{"index": f"i{n:06}"} for n in range(50_000)]
    entered, release = threading.Event(), threading.Event()
    judged: list[Any] = []

    def blocking(name: Any) -> bool:
        judged.append(name)
        if len(judged) == 1:
            entered.set()
            release.wait(10)
        return valid_index_name(name)

    async def cat_indices(self: ElasticsearchProbe, http: Any, base: str) -> tuple[Any, None]:
        return listing, None

    monkeypatch.setattr(names, "valid_index_name", blocking)
    monkeypatch.setattr(ElasticsearchProbe, "_cat_indices", cat_indices)

    async def go(transport: Transport, service: Service) -> None:
        probe = ElasticsearchProbe()
        task = asyncio.create_task(probe.inventory(transport, service, max_containers=100))
        try:
            assert await asyncio.to_thread(entered.wait, 10)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            release.set()

    run(go)  # returns once the default executor's threads have ended
    assert 0 < len(judged) <= 4096 < len(listing)
