"""Hostile and unusual servers for the HTTP kinds that cannot run here as they do in the wild:
CouchDB 3 (admin-only listing, require_valid_user, ``_dbs_info``) from its recorded answers,
listings and documents no real server sends, and Kibanas whose console proxy misbehaves.

One scan through the real CLI per kind over every server at once: each gets one verdict with a
one-line reason, nothing off the allow-lists reaches any of them, the scan goes on.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import orjson
import pytest

from leakhound.probes.couchdb import ALLOW as COUCHDB
from leakhound.probes.kibana import ALLOW as KIBANA

from . import audited
from .recorded import Answer, RecordedServer, Seen, as_json, recorded

WALL_BOUND = 120.0  # seconds: a correctness bound, not a benchmark
COUCH3 = "couchdb/root-couchdb-3.4.2.json"
POUCH = "couchdb/root-pouchdb-server-4.2.0.json"
DENIED = "couchdb/db-401-couchdb-3.json"


def _all_docs(ids: list[str], doc: Callable[[str], dict[str, Any]]) -> Answer:
    rows = [{"id": i, "key": i, "value": {"rev": "1-a"}, "doc": {"_id": i, **doc(i)}} for i in ids]
    return as_json(200, {"total_rows": len(ids), "offset": 0, "rows": rows})


def _rows_for(seen: Seen, ids: list[str], doc: Callable[[str], dict[str, Any]]) -> Answer:
    """``_all_docs`` honouring startkey, endkey and limit, in raw order."""
    params = seen.params
    chosen = sorted(ids)
    if "startkey" in params:
        chosen = [i for i in chosen if i >= json.loads(params["startkey"])]
    if "endkey" in params:
        chosen = [i for i in chosen if i <= json.loads(params["endkey"])]
    return _all_docs(chosen[: int(params.get("limit", "1000"))], doc)


def couch(
    root: str, databases: dict[str, Any], *, listing: Any = None, dbs_info: str | None = None
) -> Callable[[Seen], Answer]:
    """A CouchDB: ``databases`` maps a name to its documents (a list of ids) or to None (it
    asks for credentials); ``listing`` replaces the /_all_dbs answer."""

    def route(seen: Seen) -> Answer:
        if seen.path == "/":
            return recorded(root)
        if seen.path == "/_all_dbs":
            return as_json(200, list(databases) if listing is None else listing)
        if seen.path == "/_session":
            return as_json(200, {"ok": True, "userCtx": {"name": None, "roles": []}})
        if seen.path == "/_dbs_info" and dbs_info:
            answer = recorded(dbs_info)
            keys = (seen.json() or {}).get("keys", [])
            rows = [r for r in json.loads(answer.body) if r["key"] in keys]
            return as_json(200, rows)
        name, _, rest = seen.path[1:].partition("/")
        name = unquote(name)
        if name not in databases:
            return as_json(404, {"error": "not_found", "reason": "Database does not exist."})
        ids = databases[name]
        if ids is None:
            return recorded(DENIED)
        if rest == "":
            return as_json(
                200,
                {
                    "db_name": name,
                    "doc_count": len(ids),
                    "doc_del_count": 0,
                    "sizes": {"file": 1000, "active": 900, "external": 800},
                },
            )
        return _rows_for(seen, ids, lambda i: {"email": f"{i}@example.org"})

    return route


def failing_database(seen: Seen) -> Answer:
    """One database refuses, the other answers HTTP 500: neither open nor secured."""
    if seen.path.startswith("/broken-db/"):
        return as_json(500, {"error": "unknown_error", "reason": "function_clause"})
    return couch(COUCH3, {"closed-db": None, "broken-db": ["a"]})(seen)


def refuse_all(seen: Seen) -> Answer:
    """[chttpd] require_valid_user: every request without credentials is refused."""
    return recorded("couchdb/root-401-couchdb-3.json")


def admin_only_listing(seen: Seen) -> Answer:
    """CouchDB 3's defaults: the listing and every database are for admins."""
    if seen.path == "/":
        return recorded(COUCH3)
    if seen.path == "/_all_dbs":
        return recorded("couchdb/all_dbs-401-couchdb-3.json")
    return recorded(DENIED)


def numbers_and_rows_gone_wrong(seen: Seen) -> Answer:
    """Counts that overflow or are not numbers, _all_docs rows that are not rows."""
    if seen.path == "/":
        return recorded(POUCH)
    if seen.path == "/_all_dbs":
        return as_json(200, ["huge", "negative", "text", "broken-rows"])
    name, _, rest = seen.path[1:].partition("/")
    counts = {"huge": 2**70, "negative": -5, "text": "12", "broken-rows": 3}
    if rest == "":
        return as_json(200, {"doc_count": counts[name], "disk_size": "big"})
    if name == "broken-rows":
        return as_json(200, {"rows": "all of them"})
    return _rows_for(seen, ["a", "b"], lambda i: {"note": i})


def wide_ransom_note(seen: Seen) -> Answer:
    """A database named like a ransom note, whose one document also has 20,000 keys."""
    if seen.path == "/":
        return recorded(POUCH)
    if seen.path == "/_all_dbs":
        return as_json(200, ["warning"])
    if seen.path == "/warning":
        return as_json(200, {"doc_count": 1, "disk_size": 10})
    note = {"message": "All your data is backed up. Pay 0.05 BTC to recover it."}
    return _rows_for(seen, ["1"], lambda i: {**note, **{f"k{n}": n for n in range(20_000)}})


def html_refusal(seen: Seen) -> Answer:
    return Answer(
        401,
        b"<html>401 Authorization Required</html>",
        {"content-type": "text/html", "www-authenticate": 'Basic realm="nginx"'},
    )


def root_redirect(seen: Seen) -> Answer:
    return Answer(302, b"", {"location": "http://169.254.169.254/latest/meta-data/"})


HOSTILE_NAMES = [
    "_config",
    "../../etc/passwd",
    "Users",
    "x" * 300,
    "ok-db",
    "_replicate",
    "a/b",
    "_restart",
    "db%2F..%2F_config",
]


@dataclass(frozen=True)
class Case:
    """One server: what it does, the verdicts and the reason expected."""

    name: str
    kind: str
    route: Callable[[Seen], Answer]
    verdicts: tuple[str, ...]
    reason: str


CASES = [
    Case(
        "couchdb3-admin-only-listing",
        "couchdb",
        admin_only_listing,
        ("secured",),
        r"^/_all_dbs asks for credentials \(CouchDB 3's admin_only_all_dbs\)",
    ),
    Case(
        "couchdb3-require-valid-user",
        "couchdb",
        refuse_all,
        ("secured",),
        r"^/ asks for credentials \(HTTP 401: Authentication required\.\)$",
    ),
    Case(
        "couchdb3-one-open-database",
        "couchdb",
        couch(COUCH3, {"_users": None, "closed-db": None, "open-db": ["a", "b"]}),
        ("partial",),
        r"^1 of 2 databases read without credentials \(open-db\); 1 ask",
    ),
    Case(
        "couchdb3-dbs-info",
        "couchdb",
        couch(
            COUCH3,
            {
                "_users": ["_design/_auth"],
                "animals": ["_design/app", "cat", "dog"],
                "plants": ["fern"],
            },
            dbs_info="couchdb/dbs_info-couchdb-2.2.json",
        ),
        ("open",),
        r"^/_all_dbs and 2 databases read without credentials$",
    ),
    Case(
        "couchdb3-one-refused-one-failing-database",
        "couchdb",
        failing_database,
        ("error",),
        r"^/_all_dbs lists 2 databases .* 1 of 2 databases ask for them \(closed-db\); "
        r"1 fail \(broken-db: ",
    ),
    Case(
        "couchdb-hostile-names",
        "couchdb",
        couch(POUCH, {"ok-db": ["1"], "a/b": ["2"]}, listing=HOSTILE_NAMES),
        ("open",),
        r"^/_all_dbs and 2 databases read",
    ),
    Case(
        "couchdb-listing-not-a-list",
        "couchdb",
        couch(POUCH, {}, listing={"rows": []}),
        ("error",),
        r"^unexpected /_all_dbs answer \(HTTP 200\)$",
    ),
    Case(
        "couchdb-numbers-gone-wrong",
        "couchdb",
        numbers_and_rows_gone_wrong,
        ("open",),
        r"databases read without credentials",
    ),
    Case("couchdb-wide-ransom-note", "couchdb", wide_ransom_note, ("open",), r"read without"),
    Case(
        "couchdb-html-refusal",
        "couchdb",
        html_refusal,
        ("not-couchdb",),
        r"^HTTP 401 on / without CouchDB's error answer$",
    ),
    Case(
        "couchdb-redirect-elsewhere",
        "couchdb",
        root_redirect,
        ("not-couchdb",),
        r"169\.254\.169\.254.*not followed",
    ),
]

# -- Kibanas -------------------------------------------------------------------------------

ES_ROOT = {
    "name": "n",
    "cluster_name": "behind",
    "cluster_uuid": "u",
    "version": {"number": "8.11.3", "build_flavor": "default"},
    "tagline": "You Know, for Search",
}


def kibana(
    proxy: Callable[[Seen], Answer], status: str = "kibana/status-kibana-7.17.0.json"
) -> Callable[[Seen], Answer]:
    """A Kibana with a recorded status page and the given console proxy."""

    def route(seen: Seen) -> Answer:
        if seen.path == "/api/status":
            return recorded(status)
        if seen.path == "/api/console/proxy":
            return proxy(seen)
        return (
            Answer(302, b"", {"location": "/app/home"})
            if seen.path == "/"
            else Answer(200, b"<html>kibana</html>", {"content-type": "text/html"})
        )

    return route


def relayed(status_header: str, data_status: int) -> Callable[[Seen], Answer]:
    """Kibana 8: 200 always, the cluster's status in a header (``status_header``: what the
    header says for the data APIs, ``{}`` for the real status)."""

    def proxy(seen: Seen) -> Answer:
        path = seen.params["path"].partition("?")[0]
        if path == "/":
            return Answer(200, orjson.dumps(ES_ROOT), {"x-console-proxy-status-code": "200"})
        body = {"error": "security_exception", "status": data_status}
        header = status_header.format(data_status)
        return Answer(200, orjson.dumps(body), {"x-console-proxy-status-code": header})

    return proxy


def list_refused_search_fails(seen: Seen) -> Answer:
    """Kibana 8 relays the cluster: its root, a refused list API, a search that fails."""
    path = seen.params["path"].partition("?")[0]
    if path == "/":
        return Answer(200, orjson.dumps(ES_ROOT), {"x-console-proxy-status-code": "200"})
    status = 401 if path == "/_cat/indices" else 500
    body = {"error": "security_exception" if status == 401 else "internal", "status": status}
    return Answer(200, orjson.dumps(body), {"x-console-proxy-status-code": str(status)})


KIBANA_CASES = [
    Case(
        "kibana-console-disabled",
        "kibana",
        kibana(
            lambda s: as_json(
                404, {"statusCode": 404, "error": "Not Found", "message": "Not Found"}
            )
        ),
        ("error",),
        r"^Kibana answers, but its console proxy reaches no cluster: ",
    ),
    Case(
        "kibana-proxy-answers-html",
        "kibana",
        kibana(lambda s: Answer(200, b"<html>hello</html>", {"content-type": "text/html"})),
        ("error",),
        r"reaches no cluster: .*not an Elasticsearch",
    ),
    Case(
        "kibana-proxy-redirects-to-a-write",
        "kibana",
        kibana(
            lambda s: Answer(307, b"", {"location": "/api/console/proxy?path=%2F_bulk&method=POST"})
        ),
        ("error",),
        r"not on the kibana read-only allow-list",
    ),
    Case(
        "kibana-proxy-redirects-elsewhere",
        "kibana",
        kibana(lambda s: Answer(302, b"", {"location": "http://169.254.169.254/"})),
        ("error",),
        r"169\.254\.169\.254.*not followed",
    ),
    Case(
        "kibana-8-relays-a-refusal",
        "kibana",
        kibana(relayed("{}", 401), "kibana/status-kibana-8.11.3.json"),
        ("secured",),
        r"^through the console proxy: root answers without credentials, data APIs ask",
    ),
    # The cluster answers through the proxy, one data API refusing and one failing: its
    # verdict and reason stand (the proxy does reach a cluster).
    Case(
        "kibana-8-relays-a-refusal-and-a-failure",
        "kibana",
        kibana(list_refused_search_fails, "kibana/status-kibana-8.11.3.json"),
        ("error",),
        r"^through the console proxy: root answers without credentials; _cat/indices ask for "
        r"them; _search: HTTP 500 \(failed\)$",
    ),
    Case(
        "kibana-8-relays-garbage-status",
        "kibana",
        kibana(relayed("4o1", 401), "kibana/status-kibana-8.11.3.json"),
        ("error",),
        r"reaches no cluster: data APIs fail",
    ),
    Case(
        "not-kibana",
        "kibana",
        lambda s: as_json(404, {"message": "nope"}),
        ("not-kibana",),
        r"^HTTP 404 on /api/status with no Kibana status$",
    ),
]
ALL = CASES + KIBANA_CASES
ALLOW = {"couchdb": COUCHDB, "kibana": KIBANA}


@dataclass
class Scan:
    """What the scans produced, and what each server received."""

    exit_status: dict[str, int]
    wall: float
    stderr: str
    by_name: dict[str, dict[str, Any]]
    received: dict[str, list[Seen]]


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scan]:
    """Start every server; scan the CouchDBs, then the Kibanas, with the real CLI."""
    tmp = tmp_path_factory.mktemp("hostile-http-kinds")
    servers = {c.name: RecordedServer(c.route) for c in ALL}
    with contextlib.ExitStack() as stack:
        for server in servers.values():
            stack.enter_context(server)
        statuses, by_name, errors = {}, {}, []
        start = time.monotonic()
        for kind in ALLOW:
            cases = [c for c in ALL if c.kind == kind]
            deadlines = ["--connect-timeout", "2", "--read-timeout", "5", "--timeout", "10"]
            argv = audited.scan_argv(
                [servers[c.name].url for c in cases],
                tmp / f"{kind}.db",
                *("--kinds", kind, "--sample", "3"),
                *deadlines,
            )
            statuses[kind], out, err = audited.cli(argv)
            errors.append(err)
            ports = {servers[c.name].port: c.name for c in cases}
            for result in orjson.loads(out)["results"]:
                by_name[ports[result["service"]["endpoint"]["port"]]] = result
        wall = time.monotonic() - start
        yield Scan(
            statuses,
            wall,
            "".join(errors),
            by_name,
            {name: list(s.received) for name, s in servers.items()},
        )


def test_the_scans_end_in_time_and_exit_zero(scan: Scan) -> None:
    assert scan.exit_status == {"couchdb": 0, "kibana": 0}, scan.stderr
    assert scan.stderr == ""
    assert scan.wall < WALL_BOUND


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_each_server_gets_one_verdict_and_one_line(scan: Scan, case: Case) -> None:
    service = scan.by_name[case.name]["service"]
    assert service["kind"] == case.kind
    assert service["verdict"] in case.verdicts, service["reason"]
    assert re.search(case.reason, service["reason"]), service["reason"]
    assert "\n" not in service["reason"] and len(service["reason"]) <= 600


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_only_allow_listed_reads_reach_the_server(scan: Scan, case: Case) -> None:
    for seen in scan.received[case.name]:
        assert seen.method in ("GET", "HEAD", "POST"), seen
        assert ALLOW[case.kind].allows(seen.method, seen.path, seen.query), seen
        if case.kind == "kibana" and seen.path == "/api/console/proxy":
            assert seen.params["method"] == "GET"


def test_hostile_database_names_are_never_requested(scan: Scan) -> None:
    asked = {s.path.split("/")[1] for s in scan.received["couchdb-hostile-names"]}
    assert asked == {"", "_all_dbs", "_session", "ok-db", "a%2Fb"}
    result = scan.by_name["couchdb-hostile-names"]
    assert sorted(ir["index"]["name"] for ir in result["indices"]) == ["a/b", "ok-db"]
    assert result["inventory_error"] == "7 database name(s) refused as invalid"


def test_an_admin_only_couchdb_3_is_asked_nothing_past_its_refusals(scan: Scan) -> None:
    paths = [s.path for s in scan.received["couchdb3-admin-only-listing"]]
    assert paths == ["/", "/_all_dbs"]
    assert scan.by_name["couchdb3-admin-only-listing"]["service"]["closed_apis"] == ["_all_dbs"]


def test_couchdb_3_counts_come_from_dbs_info_without_design_documents(scan: Scan) -> None:
    found = {
        ir["index"]["name"]: ir["index"] for ir in scan.by_name["couchdb3-dbs-info"]["indices"]
    }
    # animals and plants: doc_count and sizes of the recorded _dbs_info answer, less the
    # design documents counted in _all_docs; _users (not in that answer): its own GET.
    assert (found["animals"]["docs"], found["animals"]["store_bytes"]) == (52223, 1178613587)
    assert found["animals"]["design_docs"] == 1 and found["animals"]["docs_exact"]
    assert (found["plants"]["docs"], found["plants"]["store_bytes"]) == (11, 3872387)
    assert found["_users"]["system"] and found["_users"]["docs"] == 0
    seen = scan.received["couchdb3-dbs-info"]
    assert [s.json() for s in seen if s.path == "/_dbs_info"] == [
        {"keys": ["animals", "plants", "_users"]}
    ]
    assert {s.path for s in seen if s.method == "GET"} >= {"/_users"}
    assert not {s.path for s in seen} & {"/animals", "/plants"}


def test_counts_that_are_not_counts_are_dropped_and_broken_rows_cost_the_database(
    scan: Scan,
) -> None:
    found = {
        ir["index"]["name"]: ir["index"]
        for ir in scan.by_name["couchdb-numbers-gone-wrong"]["indices"]
    }
    assert {n: c["docs"] for n, c in found.items()} == {
        "huge": None,
        "negative": None,
        "text": None,
        "broken-rows": 3,
    }
    assert all(c["store_bytes"] is None for c in found.values())
    assert "_all_docs: HTTP 200" not in (found["broken-rows"]["error"] or "")
    assert found["broken-rows"]["docs_exact"] is False


def test_a_ransom_note_is_flagged_and_a_wide_document_gives_bounded_fields(scan: Scan) -> None:
    (result,) = scan.by_name["couchdb-wide-ransom-note"]["indices"]
    container = result["index"]
    assert container["compromised"]
    assert any("ransom note" in r for r in container["compromise_reasons"])
    assert len(container["fields"]) == 5000
