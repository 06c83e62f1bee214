"""A data API that answers HTTP 200 over the size cap (``Limits.max_body``) after the first
answer: the store was reached and served it without credentials, only its size failed. The
verdict weighs the answer (open where it is the API's, behind a refusing root only where its
first bytes read as the API's), and the reason says what happened: the status, the cap and
the bytes read."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from hostile.recorded import Answer, RecordedServer, Seen, as_json, recorded
from leakhound.models import Container, Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import Inventory, Probe, SampleDocs
from leakhound.probes.couchdb.names import names_begun
from leakhound.probes.couchdb.probe import CouchdbProbe
from leakhound.probes.elasticsearch import ElasticsearchProbe
from leakhound.probes.elasticsearch import names as es_names
from leakhound.probes.elasticsearch.names import rows_begun
from leakhound.probes.kibana import KibanaProbe

ES_ROOT = (Path(__file__).parents[1] / "data/elasticsearch/root-es-8.11.3.json").read_bytes()
CAP = 20_000
READ = r"HTTP 200 over the 20,000 byte cap, [\d,]+ bytes read, not parsed"
ROWS = [{"index": f"logs-{n:05d}"} for n in range(2_000)]  # about 50 KB: over the cap
REFUSED = as_json(401, {"error": {"type": "security_exception"}, "status": 401})
CHALLENGE = {"www-authenticate": 'Basic realm="security"'}


def _verdict(probe: Probe, route: Callable[[Seen], Answer]) -> Service:
    with RecordedServer(route) as server:

        async def go() -> Service:
            scope = Scope({("127.0.0.1", server.port)})
            limits = Limits(read_timeout=5, total_timeout=10, max_body=CAP)
            async with Transport(limits, scope) as transport:
                return await probe.verdict(transport, Endpoint("127.0.0.1", server.port))

        return asyncio.run(go())


def test_an_index_listing_over_the_cap_is_read_access() -> None:
    def route(seen: Seen) -> Answer:
        if seen.path == "/":
            return Answer(200, ES_ROOT, {"content-type": "application/json"})
        if seen.path == "/_cat/indices":
            return as_json(200, ROWS)
        return REFUSED

    got = _verdict(ElasticsearchProbe(), route)
    assert got.verdict == Verdict.PARTIAL, got.reason
    assert got.open_apis == ("_cat/indices",) and got.closed_apis == ("_search",)
    assert re.fullmatch(
        rf"_cat/indices answer without credentials \(_cat/indices: {READ}\); _search ask for them",
        got.reason,
    )


def test_behind_a_refusing_root_an_answer_over_the_cap_must_begin_as_the_api_s() -> None:
    def route(seen: Seen, page: bytes) -> Answer:
        if seen.path == "/":
            return as_json(401, {"error": "unauthorized"}, **CHALLENGE)
        if seen.path == "/_cat/indices":
            return Answer(200, page, {"content-type": "text/html"})
        return as_json(401, {"error": "unauthorized"}, **CHALLENGE)

    rows = json.dumps(ROWS).encode()
    got = _verdict(ElasticsearchProbe(), lambda seen: route(seen, rows))
    assert got.verdict == Verdict.PARTIAL, got.reason
    assert got.reason.startswith("_cat/indices answer without credentials (_cat/indices: HTTP 200")

    page = b"<html>" + b"<p>log in</p>" * 3_000 + b"</html>"
    got = _verdict(ElasticsearchProbe(), lambda seen: route(seen, page))
    assert got.verdict == Verdict.ERROR, got.reason
    assert re.search(rf"; _search ask for them; _cat/indices: {READ} \(failed\)$", got.reason)


NAMES = [f"db-{n:05d}" for n in range(3_000)]  # about 30 KB: over the cap


def test_a_database_listing_over_the_cap_has_its_first_names_asked() -> None:
    def route(seen: Seen) -> Answer:
        if seen.path == "/":
            return as_json(401, {"error": "unauthorized", "reason": "Authentication required."})
        if seen.path == "/_all_dbs":
            return as_json(200, NAMES)
        name = unquote(seen.path[1:].partition("/")[0])
        if name in NAMES[:3]:
            return as_json(200, {"total_rows": 0, "offset": 0, "rows": []})
        return as_json(401, {"error": "unauthorized", "reason": "You are not authorized."})

    got = _verdict(CouchdbProbe(), route)
    assert got.verdict == Verdict.PARTIAL, got.reason
    assert got.reason.startswith("3 of the first 50 of ")
    assert re.search(
        rf"; /_all_dbs answers {READ}: \d+ names known, those whole in its first [\d,]+ bytes, "
        r"although / asks for credentials \(HTTP 401: Authentication required.\)$",
        got.reason,
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" + b"1," * 20_000 + b"1]", id="numbers"),
        pytest.param(json.dumps([{"a": "b"}] * 3_000).encode(), id="objects"),
        pytest.param(b'["' + b"x" * 30_000 + b'"]', id="first-name-past-the-cap"),
    ],
)
def test_a_list_over_the_cap_with_no_name_whole_is_no_listing_read(body: bytes) -> None:
    # A list over the cap is not one of no database: none of its names was read, and
    # behind a refusing root nothing says it is CouchDB's listing.
    def route(seen: Seen) -> Answer:
        if seen.path == "/":
            return as_json(401, {"error": "unauthorized", "reason": "Authentication required."})
        if seen.path == "/_all_dbs":
            return Answer(200, body, {"content-type": "application/json"})
        return as_json(401, {"error": "unauthorized", "reason": "You are not authorized."})

    got = _verdict(CouchdbProbe(), route)
    assert got.verdict == Verdict.ERROR, got.reason
    assert got.open_apis == ()
    assert re.search(rf"; /_all_dbs: {READ}, no list of names \(failed\)$", got.reason)


@pytest.mark.parametrize(
    ("head", "names"),
    [
        pytest.param(b'["a", "b\\", c', ["a"], id="cut-after-an-escaped-quote-and-comma"),
        pytest.param(b'["a", "b\\", c", "d', ["a", 'b", c'], id="escaped-quote-and-comma"),
        pytest.param(b'["a\\\\", "b', ["a\\"], id="escaped-backslash-before-the-quote"),
        pytest.param(b' ["a","b","c', ["a", "b"], id="spaced"),
        pytest.param(b"[1, 2, 3", None, id="no-name"),
    ],
)
def test_the_names_whole_in_a_listing_s_first_bytes(head: bytes, names: list[str] | None) -> None:
    assert names_begun(head) == names


def test_behind_a_refusing_root_a_list_over_the_cap_must_be_of_index_rows() -> None:
    # ``_cat/indices?h=index`` answers rows of one column, ``index``: any other JSON list of
    # objects (a proxy's, an application's) is not Elasticsearch answering.
    def route(seen: Seen) -> Answer:
        if seen.path == "/_cat/indices":
            rows = [{"user": "x", "n": n} for n in range(3_000)]
            return Answer(200, json.dumps(rows).encode(), {"content-type": "application/json"})
        return as_json(401, {"error": "unauthorized"}, **CHALLENGE)

    got = _verdict(ElasticsearchProbe(), route)
    assert got.verdict == Verdict.ERROR, got.reason
    assert got.open_apis == ()
    assert re.search(rf"_cat/indices: {READ} \(failed\)$", got.reason)


def test_through_kibana_8_the_cluster_s_relayed_status_decides_over_the_cap() -> None:
    # Kibana 8 answers 200 and relays the cluster's status in a header: a refusal over the
    # cap is no answer read without credentials, and a refusal all the same.
    def route(seen: Seen) -> Answer:
        if seen.path == "/api/status":
            return recorded("kibana/status-kibana-8.11.3.json", **{"kbn-name": "kibana"})
        path = urlsplit(seen.params.get("path", "")).path
        if path == "/":
            return Answer(200, ES_ROOT, {"x-console-proxy-status-code": "200"})
        status = {"x-console-proxy-status-code": "401"}
        if path == "/_cat/indices":
            return Answer(200, json.dumps(ROWS).encode(), status)
        return Answer(200, b'{"error": {"type": "security_exception"}, "status": 401}', status)

    got = _verdict(KibanaProbe(), route)
    assert got.verdict == Verdict.SECURED, got.reason
    assert got.open_apis == () and "failed" not in got.reason


BIG_REFUSAL = json.dumps({"error": "unauthorized", "pad": "x" * CAP}).encode()


def _refusal_over_the_cap(status: int) -> Answer:
    # No WWW-Authenticate: a gateway's token check, or an anonymous user without the right.
    return Answer(status, BIG_REFUSAL, {"content-type": "application/json"})


def _es_refusing(status: int, big: bool) -> Callable[[Seen], Answer]:
    def route(seen: Seen) -> Answer:
        if seen.path == "/":
            return Answer(200, ES_ROOT, {"content-type": "application/json"})
        if seen.path == "/_cat/indices" and big:
            return _refusal_over_the_cap(status)
        return as_json(status, {"error": {"type": "security_exception"}, "status": status})

    return route


def _couch_refusing(path: str, status: int, big: bool) -> Callable[[Seen], Answer]:
    def route(seen: Seen) -> Answer:
        if seen.path == "/":
            return as_json(200, {"couchdb": "Welcome", "version": "3.3.3"})
        if seen.path == "/_all_dbs" and path != "/_all_dbs":
            return as_json(200, ["customers"])
        if seen.path == path:
            if big:
                return _refusal_over_the_cap(status)
            return as_json(status, {"error": "unauthorized", "reason": "You are not authorized."})
        return as_json(404, {"error": "not_found", "reason": "missing"})

    return route


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize(
    ("probe", "route"),
    [
        pytest.param(ElasticsearchProbe, _es_refusing, id="es-cat-indices"),
        pytest.param(
            CouchdbProbe,
            lambda s, b: _couch_refusing("/_all_dbs", s, b),
            id="couchdb-all-dbs",
        ),
        pytest.param(
            CouchdbProbe,
            lambda s, b: _couch_refusing("/customers/_all_docs", s, b),
            id="couchdb-database",
        ),
    ],
)
def test_a_refusal_over_the_cap_without_a_challenge_is_decided_as_one_under_it(
    probe: Callable[[], Probe],
    route: Callable[[int, bool], Callable[[Seen], Answer]],
    status: int,
) -> None:
    # A 401 or 403 refuses whatever its size: not a failure for its size.
    small = _verdict(probe(), route(status, False))
    got = _verdict(probe(), route(status, True))
    assert small.verdict == Verdict.SECURED, small.reason
    assert (got.verdict, got.reason) == (small.verdict, small.reason)
    assert (got.open_apis, got.closed_apis) == (small.open_apis, small.closed_apis)


def _inventory(probe: Probe, route: Callable[[Seen], Answer], kind: str) -> Inventory:
    with RecordedServer(route) as server:

        async def go() -> Inventory:
            scope = Scope({("127.0.0.1", server.port)})
            limits = Limits(read_timeout=5, total_timeout=10, max_body=CAP)
            ep = Endpoint("127.0.0.1", server.port)
            service = Service(ep, ep.url("http"), kind, Verdict.OPEN, "open")
            async with Transport(limits, scope) as transport:
                return await probe.inventory(transport, service, max_containers=5)

        return asyncio.run(go())


CUT = (
    r"{api} was cut at the 20,000 byte cap \(([\d,]+) bytes read\): only the ([\d,]+) {noun} "
    r"whole in its first ([\d,]+) bytes are listed"
)


def test_an_index_listing_over_the_cap_keeps_the_rows_whole_in_its_first_bytes() -> None:
    rows = [
        {"health": "green", "status": "open", "index": f"logs-{n:05d}", "docs.count": "3"}
        for n in range(2_000)
    ]

    def route(seen: Seen) -> Answer:
        if seen.path == "/_cat/indices":
            return as_json(200, rows)
        if seen.path.endswith("/_count"):
            return as_json(200, {"count": 3})
        return as_json(404, {"error": {"type": "index_not_found_exception"}, "status": 404})

    got = _inventory(ElasticsearchProbe(), route, "elasticsearch")
    assert [c.name for c in got.containers] == [f"logs-{n:05d}" for n in range(5)]
    assert got.error is not None
    m = re.fullmatch(CUT.format(api="_cat/indices", noun="rows"), got.error)
    assert m is not None, got.error
    listed = int(m.group(2).replace(",", ""))
    assert got.truncated == listed - 5 and 5 < listed < len(rows)
    assert int(m.group(1).replace(",", "")) > CAP


def test_a_database_listing_over_the_cap_keeps_the_names_whole_in_its_first_bytes() -> None:
    def route(seen: Seen) -> Answer:
        if seen.path == "/_all_dbs":
            return as_json(200, NAMES)
        if seen.path.endswith("/_all_docs"):
            return as_json(200, {"total_rows": 0, "offset": 0, "rows": []})
        return as_json(200, {"doc_count": 0, "sizes": {"file": 100}})

    got = _inventory(CouchdbProbe(), route, "couchdb")
    assert [c.name for c in got.containers] == NAMES[:5]
    assert got.error is not None
    m = re.fullmatch(CUT.format(api="/_all_dbs", noun="names"), got.error)
    assert m is not None, got.error
    listed = int(m.group(2).replace(",", ""))
    assert got.truncated == listed - 5 and 5 < listed < len(NAMES)


@pytest.mark.parametrize(
    ("head", "indices"),
    [
        pytest.param(b'[{"index":"a"},{"index":"b"},{"ind', ["a", "b"], id="cut-in-a-row"),
        pytest.param(b' [ {"index":"a"} , {"index":"b},"}, {', ["a", "b},"], id="brace-in-a-name"),
        pytest.param(b'[{"index":"a"},{"index":"b},{', ["a"], id="cut-after-a-brace-in-a-name"),
        pytest.param(b'[{"user":"a"},{"user":"b"},{', None, id="not-index-rows"),
        pytest.param(b'{"index":"a"},{"index":"b"},', None, id="no-list"),
        pytest.param(b'[{"index":"a', None, id="no-row-whole"),
    ],
)
def test_the_rows_whole_in_an_index_listing_s_first_bytes(
    head: bytes, indices: list[str] | None
) -> None:
    rows = rows_begun(head)
    assert (None if rows is None else [r["index"] for r in rows]) == indices


def test_a_database_refusing_over_the_cap_refuses_the_sample_for_credentials() -> None:
    def route(seen: Seen) -> Answer:
        return _refusal_over_the_cap(401)

    with RecordedServer(route) as server:

        async def go() -> SampleDocs:
            scope = Scope({("127.0.0.1", server.port)})
            limits = Limits(read_timeout=5, total_timeout=10, max_body=CAP)
            ep = Endpoint("127.0.0.1", server.port)
            service = Service(ep, ep.url("http"), "couchdb", Verdict.OPEN, "open")
            async with Transport(limits, scope) as transport:
                return await CouchdbProbe().sample(
                    transport, service, Container("customers", 10, None), 5
                )

        got = asyncio.run(go())
    assert got.denied and got.docs == (), got.error
    assert got.error == "HTTP 401 on _all_docs"


@pytest.mark.parametrize(
    ("probe", "kind", "path", "said"),
    [
        pytest.param(
            ElasticsearchProbe,
            "elasticsearch",
            "/_cat/indices",
            "HTTP 401 on _cat/indices",
            id="es",
        ),
        pytest.param(CouchdbProbe, "couchdb", "/_all_dbs", "HTTP 401 on /_all_dbs", id="couchdb"),
    ],
)
def test_a_listing_refused_over_the_cap_is_said_refused_in_the_inventory(
    probe: Callable[[], Probe], kind: str, path: str, said: str
) -> None:
    def route(seen: Seen) -> Answer:
        if seen.path == path:
            return _refusal_over_the_cap(401)
        return as_json(404, {"error": "not_found"})

    got = _inventory(probe(), route, kind)
    assert got.containers == ()
    assert got.error is not None and got.error.endswith(said), got.error


def test_a_masked_index_is_found_again_in_a_listing_over_the_cap() -> None:
    # A sample finds an index shown masked by its own name in ``_cat/indices``: over the cap,
    # among the rows whole in its first bytes, as the inventory that showed it listed them.
    rows = [{"index": "cart-jane.doe@gmail.com"}, *ROWS]

    def route(seen: Seen) -> Answer:
        return as_json(200, rows)

    with RecordedServer(route) as server:

        async def go() -> list[str]:
            scope = Scope({("127.0.0.1", server.port)})
            limits = Limits(read_timeout=5, total_timeout=10, max_body=CAP)
            async with Transport(limits, scope) as transport:
                return await es_names.listed(transport.http, f"http://127.0.0.1:{server.port}")

        got = asyncio.run(go())
    assert got[:3] == ["cart-jane.doe@gmail.com", "logs-00000", "logs-00001"]
    assert len(rows) > len(got) > 3
