"""CouchDB samples spread over a database's ids (``probes/couchdb/sample.py``) where a server
answers what the real one does not: ids past ASCII, seeks that fail or lie, refusals, listings
out of order or too long, ``keys`` ignored. A database of up to ``LISTED_A_RECORD`` records a
record drawn has its ids listed and its records read by id; a larger one (as the inventory
counted it: the fake holds what it holds) has a seek a span. The real pouchdb-server's spread
is in ``tests/integration/test_couchdb_sample.py``."""

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
from leakhound.probes.couchdb.sample import KEYS_CHARS, LISTED_A_RECORD, LISTED_MOST, spreads

DB = "cases"
LISTED_UP_TO = LISTED_A_RECORD * 100  # records of a database listed, a sample of 100
LISTED, SOUGHT = 3000, LISTED_UP_TO + 1  # records the inventory counted


def all_docs(ids: list[str]) -> Callable[[Seen], Answer]:
    """``_all_docs`` over ``ids`` as CouchDB answers it: raw order, ``startkey``, ``endkey``
    (``inclusive_end``), ``descending``, ``limit``, ``include_docs``, ``keys`` (a row a key,
    in their order; ``not_found`` for an id it does not hold)."""
    ordered = sorted(ids)

    def route(seen: Seen) -> Answer:
        p = seen.params
        docs = p.get("include_docs") == "true"
        if "keys" in p:
            held = set(ordered)
            found = [
                {"id": k, "key": k, "value": {"rev": "1-a"}}
                | ({"doc": {"_id": k, "_rev": "1-a", "n": ordered.index(k)}} if docs else {})
                if k in held
                else {"key": k, "error": "not_found"}
                for k in json.loads(p["keys"])
            ]
            found = found[: int(p.get("limit", len(found)))]
            return as_json(200, {"total_rows": len(ordered), "rows": found})
        rows = list(reversed(ordered)) if p.get("descending") == "true" else list(ordered)
        down = p.get("descending") == "true"
        if "startkey" in p:
            start = json.loads(p["startkey"])
            rows = [i for i in rows if (i <= start if down else i >= start)]
        if "endkey" in p:
            end, inclusive = json.loads(p["endkey"]), p.get("inclusive_end") != "false"
            rows = [i for i in rows if (i >= end if down else i <= end) and (inclusive or i != end)]
        rows = rows[: int(p.get("limit", len(rows)))]
        out = [
            {"id": i, "key": i, "value": {"rev": "1-a"}}
            | ({"doc": {"_id": i, "_rev": "1-a", "n": ordered.index(i)}} if docs else {})
            for i in rows
        ]
        return as_json(200, {"total_rows": len(ordered), "offset": 0, "rows": out})

    return route


def sample(
    route: Callable[[Seen], Answer], docs: int = LISTED, size: int = 100
) -> tuple[SampleDocs, list[Seen]]:
    with RecordedServer(route) as server:

        async def go() -> SampleDocs:
            scope = Scope()
            scope.add("127.0.0.1", server.port)
            transport = Transport(Limits(read_timeout=5, total_timeout=30), scope)
            ep = Endpoint("127.0.0.1", server.port)
            service = Service(ep, ep.url("http"), "couchdb", Verdict.OPEN, "open")
            try:
                return await CouchdbProbe().sample(
                    transport, service, Container(DB, docs, None), size
                )
            finally:
                await transport.aclose()

        return asyncio.run(go()), server.received


BOTH = pytest.mark.parametrize(
    "docs", [pytest.param(LISTED, id="listed"), pytest.param(SOUGHT, id="sought")]
)


def _ns(got: SampleDocs) -> list[int]:
    return [d["n"] for d in got.docs]


def _seeks(seen: list[Seen]) -> list[Seen]:
    return [s for s in seen if "startkey" in s.params]


@BOTH
def test_a_database_past_four_samples_is_spread(docs: int) -> None:
    assert not spreads(400, 100) and spreads(401, 100) and not spreads(None, 100)
    got, seen = sample(all_docs([f"{n:06x}" for n in range(3000)]), docs)
    ns = sorted(_ns(got))
    assert got.drawn == "spread" and len(set(ns)) == 100 and ns[0] < 60 and ns[-1] > 2940
    assert all("_rev" not in d for d in got.docs)
    assert {s.method for s in seen} == {"GET"}


@pytest.mark.parametrize(
    "ids",
    [
        pytest.param([f"{n:06x}" for n in range(3000)], id="dense"),
        # Three records a span: many places past their span's last, its first taken.
        pytest.param([f"{n:06x}" for n in range(0, 3000, 10)], id="sparse"),
        pytest.param(
            [f"_design/v{n}" for n in range(3)] + [f"a{n:05d}" for n in range(3000)],
            id="design-first",
        ),
        pytest.param([f"CS-{n * n:09d}" for n in range(3000)], id="uneven"),
    ],
)
def test_a_listed_database_draws_the_records_its_seeks_would(ids: list[str]) -> None:
    listed, seen = sample(all_docs(ids), LISTED)
    sought, _ = sample(all_docs(ids), SOUGHT)
    assert listed.drawn == sought.drawn == "spread"
    assert _ns(listed) == _ns(sought) and len(set(_ns(listed))) == len(listed.docs) >= 50
    # its ids listed once, its records read by id: no seek
    assert len(seen) == 2 and not _seeks(seen)
    assert [s.params.get("include_docs") for s in seen] == [None, "true"]


def test_a_listed_database_costs_a_few_requests_a_sought_one_one_a_span() -> None:
    listed, seen = sample(all_docs(IDS), LISTED)
    assert len(listed.docs) == 100 and len(seen) <= 3
    sought, seen = sample(all_docs(IDS), SOUGHT)
    assert len(sought.docs) == 100 and 102 <= len(seen) <= 2 + 2 * 100


def test_a_database_of_the_listed_size_is_listed_and_one_more_sought() -> None:
    _, seen = sample(all_docs(IDS), LISTED_UP_TO)
    assert not _seeks(seen)
    _, seen = sample(all_docs(IDS), LISTED_UP_TO + 1)
    assert len(_seeks(seen)) >= 100


def test_a_smaller_sample_lists_only_smaller_databases() -> None:
    # A sample of 5: a listing of 500 ids at most, where seven seeks or so would do.
    listed, seen = sample(all_docs(IDS[:500]), 5 * LISTED_A_RECORD, size=5)
    assert len(listed.docs) == 5 and len(seen) == 2 and not _seeks(seen)
    assert seen[0].params["limit"] == str(2 * 5 * LISTED_A_RECORD)
    sought, seen = sample(all_docs(IDS[:500]), 5 * LISTED_A_RECORD + 1, size=5)
    assert _ns(sought) == _ns(listed) and 5 <= len(_seeks(seen)) <= 12


def test_ids_by_id_are_asked_in_requests_of_bounded_urls() -> None:
    # 100 ids of 60 characters are some 7,000 characters of ``keys``: two requests or more,
    # each under the bound, every record read.
    ids = ["x" * 53 + f"-{n:06d}" for n in range(3000)]
    got, seen = sample(all_docs(ids))
    asked = [s for s in seen if "keys" in s.params]
    assert got.drawn == "spread" and len(got.docs) == 100 and not _seeks(seen)
    assert len(asked) >= 2
    assert all(len(s.query.split("keys=", 1)[1].split("&")[0]) <= KEYS_CHARS for s in asked)
    assert sorted(k for s in asked for k in json.loads(s.params["keys"])) == sorted(
        d["_id"] for d in got.docs
    )


def _keys_chars(seen: Seen) -> int:
    """Characters of a read by id's ``keys`` as its URL carries them."""
    return len(seen.query.split("keys=", 1)[1].split("&")[0])


def test_a_read_by_id_full_to_the_bound_counts_the_brackets() -> None:
    # 100 ids that fill one request's bound exactly but for the brackets (``%5B``, ``%5D``),
    # less the comma the last id has not: the brackets pass it unless they are counted.
    wide = KEYS_CHARS // 100 - len("%22%22%2C")
    ids = ["k" * (wide - 7) + f"-{n:06d}" for n in range(3000)]
    got, seen = sample(all_docs(ids))
    asked = [s for s in seen if "keys" in s.params]
    assert got.drawn == "spread" and len(got.docs) == 100 and not _seeks(seen)
    assert asked and all(_keys_chars(s) <= KEYS_CHARS for s in asked)


@pytest.mark.parametrize(
    "length",
    [
        pytest.param(KEYS_CHARS, id="past-the-keys-bound"),
        # past what a URL holds (httpx: 65,536 characters of query): never sent at all
        pytest.param(70_000, id="past-a-url"),
    ],
)
def test_an_id_too_long_to_be_asked_by_id_is_sought_in_its_span(length: int) -> None:
    listed, _ = sample(all_docs(IDS))
    picked = listed.docs[10]["_id"]
    long = picked + "y" * (length - len(picked))  # in the same place among the ids
    ids = [long if i == picked else i for i in IDS]
    got, seen = sample(all_docs(ids))
    asked = [s for s in seen if "keys" in s.params]
    assert got.drawn == "spread" and got.error is None and len(got.docs) == 100
    assert got.docs[10]["_id"] == long and [d["_id"] for d in got.docs[11:]] == [
        d["_id"] for d in listed.docs[11:]
    ]
    assert all(_keys_chars(s) <= KEYS_CHARS for s in asked) and 1 <= len(_seeks(seen)) <= 2


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(Answer(400, b'{"error":"query_parse_error"}'), id="keys-refused"),
        pytest.param(None, id="keys-ignored"),
    ],
)
def test_a_server_that_reads_no_keys_has_the_records_sought(answer: Answer | None) -> None:
    honest = all_docs(IDS)

    def route(seen: Seen) -> Answer:
        if "keys" not in seen.params:
            return honest(seen)
        if answer is not None:
            return answer
        # ``keys`` ignored: the database's first records, as many as ``limit`` says
        return honest(Seen(seen.method, seen.path, "include_docs=true&limit=100", {}, b""))

    got, seen = sample(route)
    sought, _ = sample(honest, SOUGHT)
    assert got.drawn == "spread" and _ns(got) == _ns(sought)
    assert len(_seeks(seen)) >= 99
    # never more records asked than the sample has places
    assert all(int(s.params["limit"]) <= 100 for s in seen if "keys" in s.params)


def test_a_record_deleted_since_the_listing_is_sought_in_its_span() -> None:
    listed, _ = sample(all_docs(IDS))
    gone = listed.docs[10]["_id"]
    now = all_docs([i for i in IDS if i != gone])

    def route(seen: Seen) -> Answer:
        # the listing holds it; the read by id and the seeks come after it was deleted
        return now(seen) if {"keys", "startkey"} & set(seen.params) else all_docs(IDS)(seen)

    got, seen = sample(route)
    assert got.drawn == "spread" and len(got.docs) == 100
    assert 1 <= len(_seeks(seen)) <= 2 and gone not in {d["_id"] for d in got.docs}
    # the others are the records the listing drew, its span's record the next one in it
    assert [d["_id"] for d in got.docs if d["_id"] != got.docs[10]["_id"]] == [
        d["_id"] for d in listed.docs if d["_id"] != gone
    ]
    assert gone < got.docs[10]["_id"] < listed.docs[11]["_id"]


def test_a_listing_longer_than_asked_for_is_not_used() -> None:
    # The inventory counted 3,000 records; the database holds 20,000 (written since): the
    # listing is cut at its limit, not the whole database, and each span is sought.
    ids = [f"{n:06d}" for n in range(20_000)]
    got, seen = sample(all_docs(ids))
    assert got.drawn == "spread" and len(got.docs) == 100
    assert int(seen[0].params["limit"]) == 2 * LISTED_UP_TO and len(_seeks(seen)) >= 100
    assert max(_ns(got)) > 19_000


def test_a_listing_out_of_code_point_order_is_not_used() -> None:
    # A server of another collation: the seeks find what its own order says.
    honest = all_docs(IDS)

    def route(seen: Seen) -> Answer:
        p = seen.params
        if not ({"startkey", "keys", "descending"} & set(p)):
            body = json.loads(honest(seen).body)
            body["rows"].reverse()
            return as_json(200, body)
        return honest(seen)

    got, seen = sample(route)
    assert got.drawn == "spread" and len(got.docs) == 100 and len(_seeks(seen)) >= 100


@pytest.mark.parametrize(
    "first", [pytest.param("a", id="design-at-the-low-end"), pytest.param("A", id="at-the-high")]
)
@BOTH
def test_design_documents_at_an_end_are_stepped_over(first: str, docs: int) -> None:
    # "_" sorts after upper case and before lower case: a database of lower-case ids has its
    # design documents first, one of upper-case ids last.
    design = [f"_design/v{n}" for n in range(3)]
    got, _ = sample(all_docs(design + [f"{first}{n:05d}" for n in range(3000)]), docs)
    ns = sorted(_ns(got))
    assert got.drawn == "spread" and len(set(ns)) == 100
    assert not any(d["_id"].startswith("_design/") for d in got.docs)


@BOTH
def test_a_database_of_design_documents_alone_has_no_range(docs: int) -> None:
    got, _ = sample(all_docs([f"_design/v{n}" for n in range(3)]), docs)
    assert got.drawn == "first" and got.docs == ()


@BOTH
def test_ids_past_ascii_are_read_from_the_start(docs: int) -> None:
    # Past the prefix they share, "z…" and "é…" differ in a character past ASCII: no scale.
    got, seen = sample(all_docs([f"{c}{n:05d}" for c in "zé" for n in range(1500)]), docs)
    assert got.drawn == "first" and _ns(got) == list(range(100))
    assert sum(1 for s in seen if "include_docs" in s.params) == 1  # no seek, no read by id


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


def _listing_answer(answer: Answer, ids: list[str]) -> Callable[[Seen], Answer]:
    """The listing of ids (no documents, no ``startkey``, not ``descending``, past ``limit``
    1) answered ``answer``, the rest honestly."""
    honest = all_docs(ids)

    def route(seen: Seen) -> Answer:
        p = seen.params
        if not ({"startkey", "descending", "include_docs"} & set(p)) and p.get("limit") != "1":
            return answer
        return honest(seen)

    return route


IDS = [f"CS-{n:06d}" for n in range(3000)]
FAILURES = [
    pytest.param(Answer(500, b"oops"), id="server-error"),
    pytest.param(as_json(200, {"rows": "not a list"}), id="not-rows"),
    pytest.param(Answer(200, b"{not json"), id="not-json"),
]


@pytest.mark.parametrize("answer", FAILURES)
def test_seeks_that_fail_give_the_first_records(answer: Answer) -> None:
    got, _ = sample(_seeks_answer(answer, IDS), SOUGHT)
    assert got.drawn == "first" and got.error is None
    assert _ns(got) == list(range(100))


@pytest.mark.parametrize(
    "answer", [*FAILURES, pytest.param(Answer(200, b" " * (33 << 20)), id="over-the-size-cap")]
)
def test_a_listing_that_fails_has_the_spans_sought(answer: Answer) -> None:
    got, seen = sample(_listing_answer(answer, IDS))
    sought, _ = sample(all_docs(IDS), SOUGHT)
    assert got.drawn == "spread" and _ns(got) == _ns(sought)
    assert seen[0].params == {"limit": str(2 * LISTED_UP_TO)} and len(_seeks(seen)) >= 100


def test_a_large_sample_lists_at_most_a_bounded_database() -> None:
    # --sample 1000: 100,000 records a sample's worth, listed up to LISTED_MOST
    got, seen = sample(all_docs(IDS), LISTED_MOST + 1, size=1000)
    assert got.drawn == "spread" and not any(s.params.get("limit") == "100000" for s in seen)
    assert len(_seeks(seen)) >= 1000
    _, seen = sample(all_docs(IDS), LISTED_MOST, size=1000)
    assert seen[0].params == {"limit": str(2 * LISTED_MOST)} and not _seeks(seen)


@pytest.mark.parametrize(
    ("route", "docs"),
    [
        pytest.param(_seeks_answer, SOUGHT, id="a-seek"),
        pytest.param(_listing_answer, LISTED, id="the-listing"),
    ],
)
def test_a_read_refused_for_credentials_refuses_the_sample(
    route: Callable[[Answer, list[str]], Callable[[Seen], Answer]], docs: int
) -> None:
    got, _ = sample(route(as_json(401, {"error": "unauthorized"}), IDS), docs)
    assert got.denied and not got.docs and got.error is not None and "401" in got.error


def test_a_read_by_id_refused_for_credentials_refuses_the_sample() -> None:
    honest = all_docs(IDS)

    def route(seen: Seen) -> Answer:
        if "keys" in seen.params:
            return as_json(403, {"error": "forbidden"})
        return honest(seen)

    got, seen = sample(route)
    assert got.denied and not got.docs and "403" in (got.error or "") and not _seeks(seen)


def test_rows_a_seek_was_not_asked_for_are_left_out() -> None:
    # A server that answers every seek with the same first rows: each is outside all spans
    # but the first, and the sample falls back to the first records, said to be that.
    lying = as_json(
        200,
        {"rows": [{"id": i, "key": i, "doc": {"_id": i, "n": n}} for n, i in enumerate(IDS[:2])]},
    )
    got, _ = sample(_seeks_answer(lying, IDS), SOUGHT)
    assert got.drawn == "first" and len({d["_id"] for d in got.docs}) == 100


@BOTH
def test_params_are_json_keys(docs: int) -> None:
    seen: list[dict[str, Any]] = []
    honest = all_docs(IDS)

    def route(s: Seen) -> Answer:
        seen.append(s.params)
        return honest(s)

    sample(route, docs)
    keys = [json.loads(p["startkey"]) for p in seen if "startkey" in p]
    keys += [k for p in seen if "keys" in p for k in json.loads(p["keys"])]
    assert len(keys) >= 100 and all(k.startswith("CS-") for k in keys)


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize(
    ("ids", "docs"),
    [
        pytest.param(IDS, SOUGHT, id="seeks"),
        # ids of 100 characters: the records read by id in several requests
        pytest.param(["y" * 94 + f"{n:06d}" for n in range(3000)], LISTED, id="reads-by-id"),
    ],
)
def test_a_refused_read_leaves_no_other_reading_after_the_sample(ids: list[str], docs: int) -> None:
    # The other reads are stopped once one is refused: left running, they read on after the
    # sample returned, and the event loop's end cancels a connection they had begun
    # ("coroutine 'connect_tcp.<locals>.try_connect' was never awaited").
    left: list[asyncio.Task[Any]] = []
    honest = all_docs(ids)

    def refused(seen: Seen) -> Answer:
        p = seen.params
        if p.get("include_docs") == "true" and ({"startkey", "keys"} & set(p)):
            return as_json(401, {"error": "unauthorized"})
        return honest(seen)

    with RecordedServer(refused) as server:

        async def go() -> SampleDocs:
            scope = Scope({("127.0.0.1", server.port)})
            ep = Endpoint("127.0.0.1", server.port)
            service = Service(ep, ep.url("http"), "couchdb", Verdict.OPEN, "open")
            async with Transport(Limits(read_timeout=5, total_timeout=30), scope) as transport:
                got = await CouchdbProbe().sample(
                    transport, service, Container(DB, docs, None), 100
                )
            left.extend(t for t in asyncio.all_tasks() if t is not asyncio.current_task())
            return got

        got = asyncio.run(go())
    assert got.denied
    assert left == []
