"""A refusal (HTTP 401 or 403) whose body is over the size cap, wherever it comes: at an
Elasticsearch index's count and mapping, sample and full read, a CouchDB database's full read,
an S3 bucket's or an Azure container's listing and objects. Each is decided as the same
status under the cap is (a denied container, a refused sample or read, a secured bucket), not
failed as an answer too large: its status says what it is, its body (a proxy's login page, or
a flood) only a page. And an Elasticsearch inventory whose ``index.hidden`` settings answer
over the cap says so, rather than show hidden indices unmarked without a word."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest

from leakhound.errors import DeniedError, NetError
from leakhound.models import Container, Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.azblob import AzblobProbe
from leakhound.probes.base import FileBounds
from leakhound.probes.couchdb.probe import CouchdbProbe
from leakhound.probes.elasticsearch import ElasticsearchProbe
from leakhound.probes.kibana import KibanaProbe
from leakhound.probes.s3 import S3Probe

from .recorded import Answer, RecordedServer, Seen, as_json

T = TypeVar("T")
CAP = 20_000
# A proxy's login page: under the cap, and over it (no WWW-Authenticate: a gateway's token
# check, or an anonymous user without the right).
PAGE = {False: b"<html><p>log in</p></html>", True: b"<html>" + b"<p>log in</p>" * 3_000}
STATUSES = pytest.mark.parametrize("status", [401, 403])
SIZES = pytest.mark.parametrize("big", [False, True], ids=["under-the-cap", "over-the-cap"])


def _refusal(status: int, big: bool, **headers: str) -> Answer:
    assert len(PAGE[True]) > CAP
    return Answer(status, PAGE[big], {"content-type": "text/html", **headers})


def _run(
    route: Callable[[Seen], Answer], go: Callable[[Transport, Endpoint], Awaitable[T]], **ep: Any
) -> T:
    with RecordedServer(route) as server:

        async def run() -> T:
            scope = Scope({("127.0.0.1", server.port)})
            limits = Limits(read_timeout=5, total_timeout=10, max_body=CAP)
            async with Transport(limits, scope) as transport:
                return await go(transport, Endpoint("127.0.0.1", server.port, **ep))

        return asyncio.run(run())


def _service(ep: Endpoint, kind: str) -> Service:
    return Service(ep, ep.url("http"), kind, Verdict.OPEN, "open")


# -- Elasticsearch: inventory, sample, full read ----------------------------------------------

ROW = {"health": "green", "status": "open", "index": "customers", "docs.count": "3"}


def _es(status: int, big: bool, hidden: Answer | None = None) -> Callable[[Seen], Answer]:
    def route(seen: Seen) -> Answer:
        if seen.path == "/_cat/indices":
            return as_json(200, [ROW])
        if seen.path == "/_all/_settings/index.hidden":
            return hidden or as_json(200, {"customers": {"settings": {}}})
        if seen.path.startswith("/customers/"):  # _count, _mapping, _search
            return _refusal(status, big)
        return as_json(404, {"error": {"type": "index_not_found_exception"}, "status": 404})

    return route


@STATUSES
@SIZES
def test_an_es_index_refusing_over_the_cap_is_denied_in_the_inventory(
    status: int, big: bool
) -> None:
    async def go(transport: Transport, ep: Endpoint) -> Container:
        service = _service(ep, "elasticsearch")
        got = await ElasticsearchProbe().inventory(transport, service, max_containers=5)
        assert got.error is None, got.error
        (container,) = got.containers
        return container

    got = _run(_es(status, big), go)
    assert got.denied, got.error
    assert got.error == f"_count: HTTP {status}; _mapping: HTTP {status}"
    assert got.docs == 3  # _cat's count stands in for the refused one


@STATUSES
@SIZES
def test_an_es_sample_refused_over_the_cap_is_refused_for_credentials(
    status: int, big: bool
) -> None:
    async def go(transport: Transport, ep: Endpoint) -> tuple[Any, ...]:
        container = Container("customers", 3, None)
        got = await ElasticsearchProbe().sample(
            transport, _service(ep, "elasticsearch"), container, 5
        )
        return got.docs, got.error, got.denied

    assert _run(_es(status, big), go) == ((), f"HTTP {status} on _search", True)


@STATUSES
@SIZES
def test_an_es_full_read_refused_over_the_cap_is_refused_for_credentials(
    status: int, big: bool
) -> None:
    async def go(transport: Transport, ep: Endpoint) -> NetError:
        reader = ElasticsearchProbe().reader(transport, _service(ep, "elasticsearch"))
        try:
            await reader.open(Container("customers", 3, None), 1)
        except NetError as exc:
            return exc
        raise AssertionError("the read was not refused")

    got = _run(_es(status, big), go)
    assert isinstance(got, DeniedError), repr(got)
    assert str(got) == f"_search: HTTP {status}"


def test_es_hidden_index_settings_over_the_cap_are_said_unknown() -> None:
    settings = {f"logs-{n:05d}": {"settings": {"index.hidden": "true"}} for n in range(1_000)}

    async def go(transport: Transport, ep: Endpoint) -> str | None:
        service = _service(ep, "elasticsearch")
        got = await ElasticsearchProbe().inventory(transport, service, max_containers=5)
        assert [c.name for c in got.containers] == ["customers"]
        assert got.error is None, got.error  # every index is listed: only which are hidden
        return got.note

    got = _run(_es(401, False, hidden=as_json(200, settings)), go)
    assert got is not None
    assert got.startswith(
        "which indices are hidden is unknown (index.hidden settings: HTTP 200 over the 20,000 "
        "byte cap, "
    ), got


# -- CouchDB: full read ------------------------------------------------------------------------


@STATUSES
@SIZES
def test_a_couchdb_full_read_refused_over_the_cap_is_refused_for_credentials(
    status: int, big: bool
) -> None:
    def route(seen: Seen) -> Answer:
        if seen.path == "/customers/_all_docs":
            return _refusal(status, big)
        return as_json(404, {"error": "not_found", "reason": "missing"})

    async def go(transport: Transport, ep: Endpoint) -> NetError:
        reader = CouchdbProbe().reader(transport, _service(ep, "couchdb"))
        plan = await reader.open(Container("customers", 3, None), 1)
        try:
            await reader.partition(plan, 0, None, size=10).next_page()
        except NetError as exc:
            return exc
        raise AssertionError("the read was not refused")

    got = _run(route, go)
    assert isinstance(got, DeniedError), repr(got)
    assert str(got) == f"customers: the database asks for credentials (HTTP {status})"


# -- S3 and Azure Blob: a bucket's listing and objects -----------------------------------------

S3_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied.</Message></Error>"
)
S3_HEADERS = {"server": "AmazonS3", "x-amz-request-id": "0"}
AZ_HEADERS = {"server": "Windows-Azure-Blob/1.0", "x-ms-request-id": "0"}


@STATUSES
@SIZES
def test_an_s3_bucket_refusing_over_the_cap_is_secured(status: int, big: bool) -> None:
    def route(seen: Seen) -> Answer:
        if seen.path == "/":
            return Answer(403, S3_DENIED, {"content-type": "application/xml", **S3_HEADERS})
        return _refusal(status, big, **S3_HEADERS)  # the listing of b, and its objects

    async def go(transport: Transport, ep: Endpoint) -> tuple[Verdict, str]:
        got = await S3Probe().verdict(transport, ep)
        return got.verdict, got.reason

    verdict, reason = _run(route, go, scheme="s3", containers=("b",))
    assert verdict == Verdict.SECURED, reason
    assert f"b: listing and reading refused ({status})" in reason


@STATUSES
@SIZES
def test_s3_objects_refused_over_the_cap_refuse_the_sample(status: int, big: bool) -> None:
    listing = (
        b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name>'
        b"<IsTruncated>false</IsTruncated><Contents><Key>cases.csv</Key>"
        b"<LastModified>2019-05-01T10:00:00.000Z</LastModified><Size>5000</Size></Contents>"
        b"</ListBucketResult>"
    )

    def route(seen: Seen) -> Answer:
        if seen.path == "/b" and "list-type" in seen.params:
            return Answer(200, listing, {"content-type": "application/xml", **S3_HEADERS})
        return _refusal(status, big, **S3_HEADERS)

    async def go(transport: Transport, ep: Endpoint) -> tuple[Any, ...]:
        service = Service(ep, ep.url("http"), "s3", Verdict.OPEN, "open")
        container = Container("b", None, 5000, details={"bucket": "b", "prefix": ""})
        got = await S3Probe().sample(transport, service, container, 5)
        return got.docs, got.error, got.denied

    assert _run(route, go, scheme="s3") == ((), f"cases.csv: HTTP {status}", True)


@STATUSES
@SIZES
def test_an_azure_container_refusing_over_the_cap_is_secured(status: int, big: bool) -> None:
    def route(seen: Seen) -> Answer:
        if seen.path == "/" and seen.params.get("comp") == "list":  # List Containers
            denied = b"<Error><Code>NoAuthenticationInformation</Code></Error>"
            return Answer(401, denied, {"content-type": "application/xml", **AZ_HEADERS})
        return _refusal(status, big, **AZ_HEADERS)  # the listing of c, and its blobs

    async def go(transport: Transport, ep: Endpoint) -> tuple[Verdict, str]:
        got = await AzblobProbe().verdict(transport, ep)
        return got.verdict, got.reason

    verdict, reason = _run(route, go, scheme="azblob", containers=("c",))
    assert verdict == Verdict.SECURED, reason
    assert f"c: listing and reading refused ({status})" in reason


@STATUSES
def test_an_s3_store_refusing_over_the_cap_is_s3_by_the_code_in_its_first_bytes(
    status: int,
) -> None:
    # S3's error document says its code first: cut at the cap, the code is still whole in it,
    # and the store is S3 (its buckets checked), as the same refusal under the cap is.
    big = S3_DENIED.replace(b"Access Denied.", b"Access Denied. " * 2_000)
    assert len(big) > CAP

    def route(seen: Seen) -> Answer:
        if seen.path == "/":
            return Answer(status, big, {"content-type": "application/xml", **S3_HEADERS})
        return Answer(403, S3_DENIED, {"content-type": "application/xml", **S3_HEADERS})

    async def go(transport: Transport, ep: Endpoint) -> tuple[Verdict, str]:
        got = await S3Probe().verdict(transport, ep)
        return got.verdict, got.reason

    verdict, reason = _run(route, go, scheme="s3", containers=("b",))
    assert verdict == Verdict.SECURED, reason
    assert reason == "b: listing and reading refused (AccessDenied)"


def test_an_s3_error_page_over_the_cap_is_said_as_that_error_not_ignored_ranges() -> None:
    # Only the object over the cap says the store ignores ranges; a 500's page over it is that
    # error (the same over-the-cap answer, not the store's way with ranges).
    listing = (
        b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name>'
        b"<IsTruncated>false</IsTruncated><Contents><Key>cases.csv</Key>"
        b"<LastModified>2019-05-01T10:00:00.000Z</LastModified><Size>5000</Size></Contents>"
        b"</ListBucketResult>"
    )

    def route(seen: Seen) -> Answer:
        if seen.path == "/b" and "list-type" in seen.params:
            return Answer(200, listing, {"content-type": "application/xml", **S3_HEADERS})
        return Answer(500, PAGE[True], {"content-type": "text/html", **S3_HEADERS})

    async def go(transport: Transport, ep: Endpoint) -> tuple[Any, ...]:
        service = Service(ep, ep.url("http"), "s3", Verdict.OPEN, "open")
        container = Container("b", None, 5000, details={"bucket": "b", "prefix": ""})
        got = await S3Probe(FileBounds(max_bytes=1_000)).sample(transport, service, container, 5)
        return got.docs, got.error, got.denied

    docs, error, denied = _run(route, go, scheme="s3")
    assert (docs, denied) == ((), False)
    assert error.startswith("cases.csv: HTTP 500 over the 16,384 byte cap, "), error
    assert "ignores ranges" not in error


# -- Kibana: an index behind the console proxy -------------------------------------------------


@pytest.mark.parametrize("relayed", [False, True], ids=["kibana-7-status", "kibana-8-header"])
@STATUSES
def test_an_index_refusing_over_the_cap_through_kibana_is_denied(
    status: int, relayed: bool
) -> None:
    # Kibana 7 passes the cluster's status through; Kibana 8 answers 200 and relays it in
    # x-console-proxy-status-code: a refusal over the cap is one either way.
    def route(seen: Seen) -> Answer:
        path = urlsplit(seen.params.get("path", "")).path
        got = _es(status, True)(Seen(seen.method, path, "", {}, b""))
        if not relayed:
            return got
        return Answer(
            200, got.body, {**got.headers, "x-console-proxy-status-code": str(got.status)}
        )

    async def go(transport: Transport, ep: Endpoint) -> Container:
        service = _service(ep, "kibana")
        got = await KibanaProbe().inventory(transport, service, max_containers=5)
        assert got.error is None, got.error
        (container,) = got.containers
        return container

    got = _run(route, go)
    assert got.denied, got.error
    assert got.error == f"_count: HTTP {status}; _mapping: HTTP {status}"
