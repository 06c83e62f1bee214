"""Kibana and OpenSearch Dashboards: status pages parsed from recorded answers of real versions
(``tests/data/kibana/``), and the console proxy as the Elasticsearch probe's HTTP client, over
real HTTP on loopback (a fake Kibana in front of a small fake cluster; the lab's real
OpenSearch behind the same fake Kibana is ``tests/integration/test_kibana.py``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hostile.kibana import FakeKibana
from hostile.recorded import Answer, RecordedServer, Seen, as_json, recorded
from leakhound.errors import PolicyError, ProtocolError
from leakhound.models import Endpoint, Fingerprint, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.elasticsearch import ALLOW as ELASTICSEARCH
from leakhound.probes.kibana import KibanaProbe
from leakhound.probes.kibana.probe import cluster_details, cluster_fingerprint, parse_status
from leakhound.probes.kibana.proxy import ConsoleProxy

DATA = Path(__file__).parents[2] / "data"


def answer(name: str) -> dict[str, Any]:
    return json.loads((DATA / "kibana" / name).read_text())


@pytest.mark.parametrize(
    ("file", "product", "version", "name"),
    [
        pytest.param("status-kibana-7.17.0.json", "kibana", "7.17.0", "kibana", id="kibana-7"),
        pytest.param(
            "status-kibana-8.11.3.json", "kibana", "8.11.3", "kibana-prod-1", id="kibana-8"
        ),
        pytest.param(
            "status-opensearch-dashboards-2.11.0.json",
            "opensearch-dashboards",
            "2.11.0",
            "opensearch-dashboards",
            id="opensearch-dashboards-2",
        ),
        pytest.param(
            "status-kibana-8.11.3-redacted.json", "kibana", None, None, id="kibana-8-anonymous"
        ),
    ],
)
def test_recorded_status_pages_are_fingerprinted(
    file: str, product: str, version: str | None, name: str | None
) -> None:
    recorded_answer = answer(file)
    fp = parse_status(recorded_answer["body"], recorded_answer["headers"])
    assert fp is not None
    assert (fp.product, fp.version, fp.node_name) == (product, version, name)


def test_dashboards_are_told_apart_by_their_status_without_the_name_header() -> None:
    fp = parse_status(answer("status-opensearch-dashboards-2.11.0.json")["body"], {})
    assert fp is not None and fp.product == "opensearch-dashboards"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            json.loads((DATA / "elasticsearch" / "root-es-8.11.3.json").read_text()),
            id="elasticsearch-root",
        ),
        pytest.param(
            {"status": "green", "version": {"number": "8.1.0"}}, id="status-not-an-object"
        ),
        pytest.param({"status": {"overall": "green"}}, id="overall-not-an-object"),
        pytest.param({"statusCode": 401, "error": "Unauthorized"}, id="a-refusal"),
        pytest.param([1], id="list"),
    ],
)
def test_other_answers_are_not_status_pages(body: Any) -> None:
    assert parse_status(body) is None


def test_the_cluster_survives_the_round_trip_through_the_kibana_fingerprint() -> None:
    cluster = Fingerprint(
        product="opensearch",
        version="2.19.1",
        distribution="opensearch",
        cluster_name="prod",
        cluster_uuid="u-1",
        node_name="n1",
    )
    kept = cluster_details(cluster)
    assert kept == {
        "product": "opensearch",
        "version": "2.19.1",
        "distribution": "opensearch",
        "cluster_name": "prod",
        "cluster_uuid": "u-1",
        "node_name": "n1",
    }
    assert cluster_fingerprint(Fingerprint(product="kibana", details={"cluster": kept})) == cluster
    assert cluster_fingerprint(Fingerprint(product="kibana")).product == "unknown"


# -- a small cluster behind a fake Kibana ------------------------------------------------------

ROOT = {
    "name": "es-1",
    "cluster_name": "behind-kibana",
    "cluster_uuid": "c-42",
    "version": {"number": "8.11.3", "build_flavor": "default", "lucene_version": "9.8.0"},
    "tagline": "You Know, for Search",
}
DOCS = [{"email": f"user{n}@example.org"} for n in range(7)]


def cluster(seen: Seen) -> Answer:
    """Elasticsearch 8 with one index, "cases", answering GET and POST alike."""
    hits = [
        {"_index": "cases", "_id": str(n), "_source": d, "sort": [n]} for n, d in enumerate(DOCS)
    ]
    routes: dict[str, Any] = {
        "/": ROOT,
        "/_cat/indices": [
            {
                "health": "green",
                "status": "open",
                "index": "cases",
                "docs.count": "7",
                "store.size": "900",
            }
        ],
        "/_search": {"hits": {"total": {"value": 7}, "hits": []}},
        "/_all/_settings/index.hidden": {},
        "/cases/_count": {"count": 7},
        "/cases/_mapping": {"cases": {"mappings": {"properties": {"email": {"type": "keyword"}}}}},
        "/cases/_search": {
            "_shards": {"total": 1, "failed": 0},
            "hits": {"total": {"value": 7}, "hits": hits},
        },
    }
    if seen.path not in routes:
        return as_json(404, {"error": "no handler", "status": 404})
    return as_json(200, routes[seen.path])


@pytest.fixture(scope="module")
def upstream() -> Iterator[RecordedServer]:
    with RecordedServer(cluster) as server:
        yield server


def _transport(*ports: int) -> Transport:
    scope = Scope()
    for port in ports:
        scope.add("127.0.0.1", port)
    return Transport(Limits(connect_timeout=2, read_timeout=10, total_timeout=20), scope)


@pytest.mark.parametrize("flavour", ["kibana-7", "kibana-8", "osd-2"])
def test_an_open_kibana_exposes_the_cluster_behind_it(
    flavour: str, upstream: RecordedServer
) -> None:
    probe = KibanaProbe()
    with FakeKibana(flavour, upstream.url) as kibana:

        async def go() -> Any:
            async with _transport(kibana.port) as transport:
                service = await probe.verdict(transport, Endpoint("127.0.0.1", kibana.port))
                inventory = await probe.inventory(transport, service, max_containers=10)
                sample = await probe.sample(transport, service, inventory.containers[0], 5)
                return service, inventory, sample

        service, inventory, sample = asyncio.run(go())
    assert service.kind == "kibana" and service.verdict == Verdict.OPEN, service.reason
    assert service.reason.startswith("through the console proxy: ")
    fp = service.fingerprint
    assert (fp.cluster_name, fp.cluster_uuid) == ("behind-kibana", "c-42")
    assert fp.details["cluster"]["version"] == "8.11.3"
    assert [(c.name, c.docs) for c in inventory.containers] == [("cases", 7)]
    assert list(sample.docs) == DOCS[:5]
    # Only the status page and GETs through the proxy reached Kibana.
    assert {(s.method, s.path, s.params.get("method")) for s in kibana.received} == {
        ("GET", "/api/status", None),
        ("POST", "/api/console/proxy", "GET"),
    }
    assert {m for m, _ in kibana.forwarded} == {"GET"}


def test_a_kibana_that_asks_for_credentials_is_secured(upstream: RecordedServer) -> None:
    with FakeKibana("kibana-8", upstream.url, secured=True) as kibana:

        async def go() -> Any:
            async with _transport(kibana.port) as transport:
                return await KibanaProbe().verdict(transport, Endpoint("127.0.0.1", kibana.port))

        service = asyncio.run(go())
    assert service.verdict == Verdict.SECURED, service.reason
    assert service.fingerprint.product == "kibana"
    assert kibana.forwarded == []


def test_an_anonymous_status_page_is_enough_to_ask_the_proxy(upstream: RecordedServer) -> None:
    with FakeKibana(
        "kibana-8", upstream.url, status_file="kibana/status-kibana-8.11.3-redacted.json"
    ) as kibana:

        async def go() -> Any:
            async with _transport(kibana.port) as transport:
                return await KibanaProbe().verdict(transport, Endpoint("127.0.0.1", kibana.port))

        service = asyncio.run(go())
    assert service.verdict == Verdict.OPEN
    assert service.fingerprint.version is None and service.fingerprint.cluster_name


def test_a_filtered_console_proxy_is_an_error_with_its_reason(upstream: RecordedServer) -> None:
    with FakeKibana("kibana-7", upstream.url, filtered=True) as kibana:

        async def go() -> Any:
            async with _transport(kibana.port) as transport:
                return await KibanaProbe().verdict(transport, Endpoint("127.0.0.1", kibana.port))

        service = asyncio.run(go())
    assert service.verdict == Verdict.ERROR
    assert "console.proxyFilter" in service.reason and "reaches no cluster" in service.reason


# -- the proxy as an HTTP client -------------------------------------------------------------


def _proxied(seen: Seen) -> Answer:
    """A Kibana 8 console proxy that answers every cluster request 404 in its header."""
    return Answer(
        200,
        b'{"error": "no handler", "status": 404}',
        {"content-type": "application/json", "x-console-proxy-status-code": "404"},
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("POST", "/cases/_pit", id="open-a-point-in-time"),
        pytest.param("DELETE", "/_search/scroll", id="release-a-scroll"),
        pytest.param("DELETE", "/_pit", id="release-a-point-in-time"),
        pytest.param("GET", "/_nodes", id="off-the-elasticsearch-list"),
        pytest.param("PUT", "/cases/_doc/1", id="write"),
    ],
)
def test_what_cannot_pass_as_a_read_never_leaves(method: str, path: str) -> None:
    with RecordedServer(_proxied) as kibana:

        async def go() -> None:
            async with _transport(kibana.port) as transport:
                proxy = ConsoleProxy(transport.http, kibana.url)
                await proxy.request(method, kibana.url + path, ELASTICSEARCH, json={})

        with pytest.raises(PolicyError):
            asyncio.run(go())
    assert kibana.received == []


def test_a_search_goes_as_a_get_with_its_body_and_the_status_comes_from_the_header() -> None:
    with RecordedServer(_proxied) as kibana:

        async def go() -> Any:
            async with _transport(kibana.port) as transport:
                proxy = ConsoleProxy(transport.http, kibana.url)
                return await proxy.request(
                    "POST",
                    kibana.url + "/cases/_search",
                    ELASTICSEARCH,
                    json={"size": 1},
                    params={"scroll": "2m"},
                )

        resp = asyncio.run(go())
    assert resp.status == 404 and resp.url.endswith("/cases/_search")
    (seen,) = kibana.received
    assert (seen.method, seen.path) == ("POST", "/api/console/proxy")
    assert seen.params == {"path": "/cases/_search?pretty=true&scroll=2m", "method": "GET"}
    assert seen.json() == {"size": 1}
    assert seen.headers["kbn-xsrf"] == seen.headers["osd-xsrf"] == "true"


def test_a_filtered_path_is_a_protocol_error() -> None:
    with RecordedServer(lambda s: recorded("kibana/proxy-filtered-kibana-7.17.0.json")) as kibana:

        async def go() -> None:
            async with _transport(kibana.port) as transport:
                await ConsoleProxy(transport.http, kibana.url).get(kibana.url + "/", ELASTICSEARCH)

        with pytest.raises(ProtocolError, match=r"console\.proxyFilter"):
            asyncio.run(go())
