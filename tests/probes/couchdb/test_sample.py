"""CouchDB samples spread over a database's ids (``probes/couchdb/sample.py``) where a server
answers what the real one does not: ids past ASCII, seeks that fail or lie, refusals. The
real pouchdb-server's spread is in ``tests/integration/test_couchdb_sample.py``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from hostile.recorded import Answer, RecordedServer, Seen, as_json
from leakhound.models import Container, Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import SampleDocs
from leakhound.probes.couchdb.probe import CouchdbProbe
from leakhound.probes.couchdb.sample import spreads

DB = "cases"


def all_docs(ids: list[str]) -> Callable[[Seen], Answer]:
    """``_all_docs`` over ``ids`` as CouchDB answers it: raw order, ``startkey``, ``endkey``
    (``inclusive_end``), ``descending``, ``limit``, ``include_docs``."""
    ordered = sorted(ids)

    def route(seen: Seen) -> Answer:
        p = seen.params
        rows = list(reversed(ordered)) if p.get("descending") == "true" else list(ordered)
        down = p.get("descending") == "true"
        if "startkey" in p:
            start = json.loads(p["startkey"])
            rows = [i for i in rows if (i <= start if down else i >= start)]
        if "endkey" in p:
            end, inclusive = json.loads(p["endkey"]), p.get("inclusive_end") != "false"
            rows = [i for i in rows if (i >= end if down else i <= end) and (inclusive or i != end)]
        rows = rows[: int(p.get("limit", len(rows)))]
        docs = p.get("include_docs") == "true"
        out = [
            {"id": i, "key": i, "value": {"rev": "1-a"}}
            | ({"doc": {"_id": i, "_rev": "1-a", "n": ordered.index(i)}} if docs else {})
            for i in rows
        ]
        return as_json(200, {"total_rows": len(ordered), "offset": 0, "rows": out})

    return route


def sample(route: Callable[[Seen], Answer], docs: int = 3000) -> tuple[SampleDocs, list[Seen]]:
    with RecordedServer(route) as server:

        async def go() -> SampleDocs:
            scope = Scope()
            scope.add("127.0.0.1", server.port)
            transport = Transport(Limits(read_timeout=5, total_timeout=30), scope)
            ep = Endpoint("127.0.0.1", server.port)
            service = Service(ep, ep.url("http"), "couchdb", Verdict.OPEN, "open")
            try:
                return await CouchdbProbe().sample(
                    transport, service, Container(DB, docs, None), 100
                )
            finally:
                await transport.aclose()

        return asyncio.run(go()), server.received


def test_a_database_past_four_samples_is_spread() -> None:
    assert not spreads(400, 100) and spreads(401, 100) and not spreads(None, 100)
    got, seen = sample(all_docs([f"{n:06x}" for n in range(3000)]))
    ns = sorted(d["n"] for d in got.docs)
    assert got.drawn == "spread" and len(set(ns)) == 100 and ns[0] < 60 and ns[-1] > 2940
    assert all("_rev" not in d for d in got.docs)
    assert {s.method for s in seen} == {"GET"}


@pytest.mark.parametrize(
    "first", [pytest.param("a", id="design-at-the-low-end"), pytest.param("A", id="at-the-high")]
)
def test_design_documents_at_an_end_are_stepped_over(first: str) -> None:
    # "_" sorts after upper case and before lower case: a database of lower-case ids has its
    # design documents first, one of upper-case ids last.
    design = [f"_design/v{n}" for n in range(3)]
    got, _ = sample(all_docs(design + [f"{first}{n:05d}" for n in range(3000)]))
    ns = sorted(d["n"] for d in got.docs)
    assert got.drawn == "spread" and len(set(ns)) == 100
    assert not any(d["_id"].startswith("_design/") for d in got.docs)


def test_a_database_of_design_documents_alone_has_no_range() -> None:
    got, _ = sample(all_docs([f"_design/v{n}" for n in range(3)]))
    assert got.drawn == "first" and got.docs == ()


def test_ids_past_ascii_are_read_from_the_start() -> None:
    # Past the prefix they share, "z…" and "é…" differ in a character past ASCII: no scale.
    got, seen = sample(all_docs([f"{c}{n:05d}" for c in "zé" for n in range(1500)]))
    assert got.drawn == "first" and [d["n"] for d in got.docs] == list(range(100))
    assert sum(1 for s in seen if "include_docs" in s.params) == 1  # no seek was sent


def _seeks_answer(answer: Answer, ids: list[str]) -> Callable[[Seen], Answer]:
    """Honest ends and first records; every seek (an ``endkey`` or a ``startkey`` with its
    documents) answered ``answer``."""
    honest = all_docs(ids)

    def route(seen: Seen) -> Answer:
        p = seen.params
        if p.get("include_docs") == "true" and "startkey" in p:
            return answer
        return honest(seen)

    return route


IDS = [f"CS-{n:06d}" for n in range(3000)]


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(Answer(500, b"oops"), id="server-error"),
        pytest.param(as_json(200, {"rows": "not a list"}), id="not-rows"),
        pytest.param(Answer(200, b"{not json"), id="not-json"),
    ],
)
def test_seeks_that_fail_give_the_first_records(answer: Answer) -> None:
    got, _ = sample(_seeks_answer(answer, IDS))
    assert got.drawn == "first" and got.error is None
    assert [d["n"] for d in got.docs] == list(range(100))


def test_a_seek_refused_for_credentials_refuses_the_sample() -> None:
    got, _ = sample(_seeks_answer(as_json(401, {"error": "unauthorized"}), IDS))
    assert got.denied and not got.docs and got.error is not None and "401" in got.error


def test_rows_a_seek_was_not_asked_for_are_left_out() -> None:
    # A server that answers every seek with the same first rows: each is outside all spans
    # but the first, and the sample falls back to the first records, said to be that.
    lying = as_json(
        200,
        {"rows": [{"id": i, "key": i, "doc": {"_id": i, "n": n}} for n, i in enumerate(IDS[:2])]},
    )
    got, _ = sample(_seeks_answer(lying, IDS))
    assert got.drawn == "first" and len({d["_id"] for d in got.docs}) == 100


def test_params_are_json_keys() -> None:
    seen: list[dict[str, Any]] = []
    honest = all_docs(IDS)

    def route(s: Seen) -> Answer:
        seen.append(s.params)
        return honest(s)

    sample(route)
    keys = [p["startkey"] for p in seen if "startkey" in p]
    assert keys and all(json.loads(k).startswith("CS-") for k in keys)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_refused_seek_leaves_no_span_reading_after_the_sample() -> None:
    # The other spans are stopped once one is refused: left running, they read on after the
    # sample returned, and the event loop's end cancels a connection they had begun
    # ("coroutine 'connect_tcp.<locals>.try_connect' was never awaited").
    left: list[asyncio.Task[Any]] = []
    refused = _seeks_answer(as_json(401, {"error": "unauthorized"}), IDS)
    with RecordedServer(refused) as server:

        async def go() -> SampleDocs:
            scope = Scope({("127.0.0.1", server.port)})
            ep = Endpoint("127.0.0.1", server.port)
            service = Service(ep, ep.url("http"), "couchdb", Verdict.OPEN, "open")
            async with Transport(Limits(read_timeout=5, total_timeout=30), scope) as transport:
                got = await CouchdbProbe().sample(
                    transport, service, Container(DB, 3000, None), 100
                )
            left.extend(t for t in asyncio.all_tasks() if t is not asyncio.current_task())
            return got

        got = asyncio.run(go())
    assert got.denied
    assert left == []
