"""The CouchDB and Kibana probes over arbitrary answers: no exception, bounded, storable output."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leakhound import compromise, net
from leakhound.errors import ConnectError, NetError, ProtocolError, TimeoutError_, TooLargeError
from leakhound.models import ContainerResult, Endpoint, Service, TargetResult, Verdict
from leakhound.probes.couchdb import CouchdbProbe
from leakhound.probes.couchdb.probe import (
    MAX_FIELD_PATH,
    MAX_FIELDS,
    couch_error,
    database_names,
    document_fields,
    main_date_field,
    parse_root,
)
from leakhound.probes.couchdb.read import records, rows_of
from leakhound.probes.kibana import KibanaProbe
from leakhound.probes.kibana.probe import parse_status
from leakhound.store import SqliteStore

from .budget import budget
from .strategies import json_trees

FAST = budget(1000)
HINTS = st.sampled_from(
    [
        "couchdb",
        "Welcome",
        "express-pouchdb",
        "version",
        "vendor",
        "name",
        "uuid",
        "features",
        "error",
        "reason",
        "unauthorized",
        "rows",
        "id",
        "doc",
        "_design/x",
        "doc_count",
        "sizes",
        "file",
        "disk_size",
        "doc_del_count",
        "userCtx",
        "roles",
        "_admin",
        "status",
        "overall",
        "level",
        "state",
        "statuses",
        "core:opensearch@2.11.0",
        "number",
        "created_at",
        "2019-04-18T17:39:12Z",
        "read_me",
        "warning",
        "bitcoin",
        "recover",
        "9" * 30,
        "\x1b[2J",
        "<script>",
        "_config",
        "a/b",
    ]
)
KEYS = HINTS | st.text(max_size=12)
JSON = json_trees(HINTS, KEYS, width=4, leaves=16)
SMALL_JSON = json_trees(HINTS, KEYS, width=3, leaves=6)


@FAST
@given(JSON)
def test_couchdb_parsers_never_raise_and_stay_bounded(body: Any) -> None:
    fp = parse_root(body)
    if fp is not None:
        assert fp.product in ("couchdb", "pouchdb-server")
        assert all(
            t is None or len(t) <= 200 for t in (fp.version, fp.distribution, fp.cluster_uuid)
        )
    reason = couch_error(body)
    assert reason is None or len(reason) <= 200
    names = database_names(body)
    assert names is None or all(isinstance(n, str) for n in names)
    rows = rows_of(body)
    if rows is not None:
        assert all(isinstance(r["id"], str) for r in rows)
        assert all(isinstance(d, dict) and "_rev" not in d for d in records(rows))
    if isinstance(body, dict):
        fields = document_fields(body)
        assert len(fields) <= MAX_FIELDS and all(len(p) <= MAX_FIELD_PATH for p in fields)
        date = main_date_field(fields)
        assert date is None or fields[date] == "date"


@FAST
@given(JSON, st.dictionaries(st.sampled_from(["kbn-name", "osd-name", "x"]), st.text()))
def test_kibana_status_parser_never_raises(body: Any, headers: dict[str, str]) -> None:
    fp = parse_status(body, headers)
    if fp is not None:
        assert fp.product in ("kibana", "opensearch-dashboards")
        assert fp.version is None or len(fp.version) <= 50


FAILURES = st.sampled_from(
    [
        ConnectError("connection refused"),
        TimeoutError_("slow"),
        ProtocolError("garbage"),
        TooLargeError("big"),
    ]
)
BODIES = (
    SMALL_JSON.map(orjson.dumps)
    | st.binary(max_size=40)
    | st.lists(st.sampled_from(["db", "_users", "_config", "a/b", "Bad"]), max_size=4).map(
        orjson.dumps
    )
    | st.just(b'{"rows": [{"id": "a", "doc": {"email": "x@y.org"}}]}')
    | st.just(b'{"doc_count": 18446744073709551615, "sizes": {"file": -1}}')
)
ANSWER = (
    st.tuples(
        st.sampled_from([200, 200, 200, 302, 400, 401, 403, 404, 500]),
        BODIES,
        st.sampled_from([None, "200", "401", "x"]),
    )
    | FAILURES
)


class FakeHttp:
    """Stands in for net.Http: each API answers what hypothesis drew for it."""

    def __init__(self, answers: dict[str, Any], route: Any) -> None:
        self.answers, self.route = answers, route
        self.limits, self.scope = net.Limits(), net.Scope()

    async def get(self, url: str, allow: net.AllowList, **kw: Any) -> net.Response:
        return await self.request("GET", url, allow, **kw)

    async def request(self, method: str, url: str, allow: net.AllowList, **kw: Any) -> net.Response:
        parts = urlsplit(url)
        query = urlencode(kw["params"]) if kw.get("params") else parts.query
        assert allow.allows(method, parts.path, query), (method, url, query)
        answer = self.answers[self.route(parts.path, dict(parse_qsl(query)))]
        if isinstance(answer, NetError):
            raise answer
        status, body, relayed = answer
        headers = {"location": "http://169.254.169.254/"} if status == 302 else {}
        if relayed is not None:
            headers["x-console-proxy-status-code"] = relayed
        return net.Response(status, headers, body, url)


def couch_route(path: str, params: dict[str, str]) -> str:
    if path in ("/", "/_all_dbs", "/_session", "/_dbs_info"):
        return path
    return "_all_docs" if path.endswith("/_all_docs") else "db"


def kibana_route(path: str, params: dict[str, str]) -> str:
    if path == "/api/status":
        return path
    inner = params.get("path", "").partition("?")[0]
    return next(
        (a for a in ("_cat/indices", "_count", "_mapping", "_search") if a in inner), "proxied /"
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SqliteStore, str]]:
    """One findings database for every generated result: each must be storable."""
    with SqliteStore(Path(tmp_path_factory.mktemp("fuzzdb")) / "f.db") as db:
        yield db, db.begin_scan(["fuzz"], {})


WELCOME = (200, orjson.dumps({"couchdb": "Welcome", "version": "3.4.2"}), None)
STATUS = (200, orjson.dumps({"status": {"overall": {"level": "available"}}}), None)
LISTING = (200, b'["db", "_users", "_config", "a/b"]', None)
ROWS = (200, b'{"rows": [{"id": "a", "doc": {"email": "x@y.org", "at": "2019-01-01"}}]}', None)
CAT = (200, b'[{"index": "cases", "docs.count": "3"}]', "200")
ES_ROOT = (
    200,
    orjson.dumps({"version": {"number": "8.11.3"}, "tagline": "You Know, for Search"}),
    "200",
)


def _run(probe: Any, http: FakeHttp, endpoint: Endpoint) -> TargetResult:
    transport = SimpleNamespace(
        http=http, limits=http.limits, scope=http.scope, credentials=None, ca_file=None
    )

    async def go() -> TargetResult:
        service = await probe.verdict(transport, endpoint)
        if service.verdict not in (Verdict.OPEN, Verdict.PARTIAL):
            return TargetResult(service)
        inv = await probe.inventory(transport, service, max_containers=3)
        results = []
        for container in inv.containers:
            got = await probe.sample(transport, service, container, 5)
            results.append(ContainerResult(compromise.flag_sample(container, got.docs)))
        return TargetResult(service, tuple(results), inv.error, inv.truncated)

    return asyncio.run(go())


def _check(result: TargetResult, store: tuple[SqliteStore, str]) -> None:
    assert isinstance(result.service, Service)
    assert "\n" not in result.service.reason and len(result.service.reason) <= 600
    for ir in result.containers:
        assert ir.container.docs is None or 0 <= ir.container.docs < 2**63
        assert ir.container.store_bytes is None or 0 <= ir.container.store_bytes < 2**63
    db, scan_id = store
    db.record(scan_id, result)


@budget(2000, fixtures=True)
@given(
    answers=st.fixed_dictionaries(
        {k: ANSWER for k in ("/", "/_all_dbs", "/_session", "/_dbs_info", "db", "_all_docs")}
    ),
    welcome=st.integers(0, 2),
)
def test_couchdb_probe_never_raises_and_its_results_are_storable(
    store: tuple[SqliteStore, str], answers: dict[str, Any], welcome: int
) -> None:
    if welcome:  # a root that fingerprints and a listing, so that the databases are reached
        answers = {**answers, "/": WELCOME, "/_all_dbs": LISTING}
    if welcome == 2:  # and databases that read
        answers = {**answers, "_all_docs": ROWS}
    result = _run(
        CouchdbProbe(), FakeHttp(answers, couch_route), Endpoint("127.0.0.1", 5984, "http")
    )
    assert result.service.kind == "couchdb"
    _check(result, store)


@budget(2000, fixtures=True)
@given(
    answers=st.fixed_dictionaries(
        {
            k: ANSWER
            for k in ("/api/status", "proxied /", "_cat/indices", "_count", "_mapping", "_search")
        }
    ),
    recognised=st.booleans(),
)
def test_kibana_probe_never_raises_and_its_results_are_storable(
    store: tuple[SqliteStore, str], answers: dict[str, Any], recognised: bool
) -> None:
    if recognised:  # a Kibana in front of an Elasticsearch, so that the indices are reached
        answers = {**answers, "/api/status": STATUS, "proxied /": ES_ROOT, "_cat/indices": CAT}
    result = _run(
        KibanaProbe(), FakeHttp(answers, kibana_route), Endpoint("127.0.0.1", 5601, "http")
    )
    assert result.service.kind == "kibana"
    _check(result, store)
