"""One scan over every hostile server at once: bounded time and memory, inert output.

The scan runs once per module (``hostile``) through the real CLI, against ~35 misbehaving
servers and closed ports; each test below checks one promise of "safe to point at anything".
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest

from leakhound import net
from leakhound.probes.elasticsearch import ALLOW
from leakhound.probes.http_root import FIRST_ANSWER_CAP

from . import audited
from . import servers as S
from .servers import FakeElasticsearch, FakeIndex

# --connect-timeout, --read-timeout, --timeout. No server here is silent to a connect: the
# product's own connect deadline (3 s), not a tighter one a loaded machine's accept overruns.
CONNECT, READ, TOTAL = 3, 2, 5
MAX_INDICES = 25
MANY_INDICES = 200_000
WALL_BOUND = 60.0  # seconds: a correctness bound (measured ~7 s), not a benchmark
MEMORY_BOUND = 300 * 2**20  # bytes of RSS growth during the scan
CAP = FIRST_ANSWER_CAP  # every server below is refused, if at all, at its first answer
E_OSC, E_CLEAR = S.TERMINAL_ESCAPES


@dataclass(frozen=True)
class Case:
    """One hostile server, how it is targeted and what the scan must conclude."""

    name: str
    make: Callable[[Resources], S.Handler]
    verdicts: tuple[str, ...]
    reason: str  # a regular expression the one-line reason must contain
    target: str = "auto"  # auto: host:port (http, then https); "http"/"https": that URL
    tls: bool = False


@dataclass
class Resources:
    """What several servers share and is costly to build: built once per module."""

    gzip: S.GzipParts
    nested_gzip: bytes
    tls: Any
    many_cat: bytes


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def _hostile_cluster(_: Resources) -> S.Handler:
    long_parent = {
        "properties": {
            "p" * 200_000: {"properties": {f"f{i}": {"type": "keyword"} for i in range(5000)}}
        }
    }
    return FakeElasticsearch(
        [
            FakeIndex(
                E_OSC + "escape-title",
                mappings={
                    "properties": {
                        E_OSC: {"type": "keyword"},
                        S.SCRIPT: {"type": "text"},
                        "when": {"type": "date"},
                    }
                },
                docs=[{E_OSC: E_CLEAR + "jane.doe@example.com", S.SCRIPT: S.SCRIPT}],
                date_min=E_CLEAR + "2024",
                date_max=S.SCRIPT,
            ),
            FakeIndex(E_CLEAR + "clear-screen"),
            FakeIndex("\u202eevil-meow"),  # bidi override, and a wiper's suffix
            FakeIndex(S.SCRIPT),  # refused: "<", ">" and "/" are not index-name characters
            FakeIndex("n" * 10_000),  # refused: over 255 bytes
            FakeIndex(
                "invalid-utf8",
                raw_mapping=b'{"invalid-utf8": {"mappings": {"properties": '
                b'{"\xff\xfe": {"type": "keyword"}}}}}',
                raw_search=b'{"hits": {"hits": [{"_source": {"a": "\xc3\x28"}}]}}',
            ),
            FakeIndex("long-parent-path", mappings=long_parent),
            FakeIndex("ransom-cpu", docs=[{"t": "pay " * 5000}] * 5),
            FakeIndex(
                "ransom-note",
                docs=[{"note": "All your data is backed up. Pay 0.05 BTC to recover it."}],
            ),
        ],
        root={**S.ES_ROOT, "cluster_name": E_OSC + S.SCRIPT, "name": E_CLEAR},
        headers={"Server": S.SCRIPT},
    )


def _hostile_numbers(_: Resources) -> S.Handler:
    # Counts and columns no real cluster sends: 2**64-1 overflows SQLite's INTEGER, "²" passes
    # str.isdigit() but not int(), and repr() of a 1000-deep list raises RecursionError.
    cat = (
        b'[{"index": "huge-count", "health": ' + _deep(1000) + b', "store.size": "\xc2\xb2"},'
        b' {"index": "odd-status", "status": {"a": 1}, "store.size": "' + b"9" * 5000 + b'"}]'
    )
    return FakeElasticsearch(
        [FakeIndex("huge-count", count=2**64 - 1), FakeIndex("odd-status", count=-5)], cat_body=cat
    )


def _guarded(*paths: str) -> Callable[[Resources], S.Handler]:
    return lambda r: FakeElasticsearch([FakeIndex("cases")], guarded=frozenset(paths))


def _failing(failing: dict[str, str], *paths: str) -> Callable[[Resources], S.Handler]:
    return lambda r: FakeElasticsearch(
        [FakeIndex("cases")], guarded=frozenset(paths), failing=failing
    )


# Each combination of the root, the list API and the search API open or asking for
# credentials: the data APIs decide, the root's answer is evidence.
GUARDS = [
    Case(
        "root-list-search-open",
        _guarded(),
        ("open",),
        r"^_cat/indices, _search answer without credentials$",
    ),
    Case(
        "search-guarded",
        _guarded("/_search"),
        ("partial",),
        r"_cat/indices answer without credentials; _search ask for them",
    ),
    Case(
        "list-guarded",
        _guarded("/_cat/indices"),
        ("partial",),
        r"_search answer without credentials; _cat/indices ask for them",
    ),
    Case(
        "list-search-guarded",
        _guarded("/_cat/indices", "/_search"),
        ("secured",),
        "root answers without credentials, data APIs ask for them",
    ),
    Case(
        "root-guarded",
        _guarded("/"),
        ("open",),
        r"_cat/indices, _search answer without credentials although / asks for them "
        r"\(HTTP 401, realm 'hostile'\)",
    ),
    Case(
        "root-search-guarded",
        _guarded("/", "/_search"),
        ("partial",),
        r"_cat/indices answer .* although / asks .*; _search ask for them",
    ),
    Case(
        "root-list-guarded",
        _guarded("/", "/_cat/indices"),
        ("partial",),
        r"_search answer .* although / asks .*; _cat/indices ask for them",
    ),
    Case(
        "root-list-search-guarded",
        _guarded("/", "/_cat/indices", "/_search"),
        ("secured",),
        r"^HTTP 401, realm 'hostile'$",
    ),
    # A data API that fails (stalls past the read deadline, resets, answers 500) neither reads
    # nor refuses: never ``secured``, and the reason names it.
    Case(
        "list-stalls",
        _failing({"/_cat/indices": "stall"}),
        ("open",),
        r"^_search answer without credentials; _cat/indices: .*read timed out.* \(failed\)$",
    ),
    Case(
        "list-stalls-search-guarded",
        _failing({"/_cat/indices": "stall"}, "/_search"),
        ("timeout",),
        r"^root answers .*; _search ask for them; _cat/indices: .*read timed out.* \(failed\)$",
    ),
    Case(
        "list-resets-search-guarded",
        _failing({"/_cat/indices": "reset"}, "/_search"),
        ("error",),
        r"^root answers without credentials; _search ask for them; _cat/indices: .* \(failed\)$",
    ),
    Case(
        "list-500-search-guarded",
        _failing({"/_cat/indices": "500"}, "/_search"),
        ("error",),
        r"^root answers .*; _search ask for them; _cat/indices: HTTP 500 \(failed\)$",
    ),
    Case(
        "list-guarded-search-stalls",
        _failing({"/_search": "stall"}, "/_cat/indices"),
        ("timeout",),
        r"^root answers .*; _cat/indices ask for them; _search: .*read timed out.* \(failed\)$",
    ),
    Case(
        "root-list-guarded-search-stalls",
        _failing({"/_search": "stall"}, "/", "/_cat/indices"),
        ("timeout",),
        r"^/ asks for credentials \(HTTP 401, realm 'hostile'\); _cat/indices ask for them; "
        r"_search: .*read timed out.* \(failed\)$",
    ),
    # The root asks for credentials and the data paths answer 200, but not as Elasticsearch
    # does (a login page): nothing proves a readable store.
    Case(
        "root-guarded-html-data",
        lambda r: FakeElasticsearch(
            guarded=frozenset({"/"}), data_body=b"<html>please log in</html>"
        ),
        ("secured",),
        r"^HTTP 401, realm 'hostile'$",
    ),
]

CASES = [
    *GUARDS,
    Case("silent", lambda r: S.silent(), ("timeout",), "read timed out"),
    Case("one-byte-per-second", lambda r: S.drip(), ("timeout",), f"within {TOTAL}s"),
    Case(
        "endless-interim-100", lambda r: S.endless_informational(), ("timeout",), f"within {TOTAL}s"
    ),
    Case(
        "endless-chunked",
        lambda r: S.endless_chunked(),
        ("not-elasticsearch",),
        f"root answer too large: .*over the {CAP} byte cap",
    ),
    Case(
        "short-body-stall",
        lambda r: S.short_body(1_000_000, "stall"),
        ("timeout",),
        "read timed out",
    ),
    Case(
        "short-body-close",
        lambda r: S.short_body(1_000_000, "close"),
        ("error",),
        "without sending complete message body",
    ),
    # A root Elasticsearch would send, padded past the first answer's cap: no root is so big.
    Case(
        "padded-root",
        lambda r: S.fixed(200, orjson.dumps({**S.ES_ROOT, "pad": "x" * CAP})),
        ("not-elasticsearch",),
        f"root answer too large: .*over the {CAP} byte cap",
    ),
    Case(
        "content-length-1tb",
        lambda r: S.short_body(10**12, "stall"),
        ("not-elasticsearch",),
        "too large",
    ),
    Case(
        "invalid-json",
        lambda r: S.fixed(200, b"{not json"),
        ("not-elasticsearch",),
        "not an Elasticsearch",
    ),
    Case(
        "deep-json",
        lambda r: S.fixed(200, b"[" * 100_000),
        ("not-elasticsearch",),
        "not an Elasticsearch",
    ),
    Case(
        # Refused by size before its 3,000,000 values are counted (net.MAX_JSON_VALUES).
        "json-value-flood",
        lambda r: S.fixed(200, b"[" + b"{}," * 3_000_000 + b"{}]"),
        ("not-elasticsearch",),
        f"root answer too large: .*over the {CAP} byte cap",
    ),
    Case(
        "invalid-utf8-root",
        lambda r: S.fixed(200, b'{"tagline": "\xff\xfe"}'),
        ("not-elasticsearch",),
        "not an Elasticsearch",
    ),
    Case(
        "gzip-bomb",
        lambda r: S.gzip_bomb(r.gzip),
        ("not-elasticsearch",),
        f"over the {CAP} byte cap",
    ),
    Case(
        "nested-gzip-bomb",
        lambda r: S.nested_gzip_bomb(r.nested_gzip),
        ("error",),
        "stacked content codings refused",
    ),
    Case("redirect-loop", lambda r: S.redirect("/"), ("not-elasticsearch",), "redirect"),
    Case(
        "redirect-metadata",
        lambda r: S.redirect("http://169.254.169.254/latest/meta-data/"),
        ("not-elasticsearch",),
        r"169\.254\.169\.254.*not followed",
    ),
    Case(
        "redirect-metadata-scheme-relative",
        lambda r: S.redirect("//169.254.169.254/"),
        ("not-elasticsearch",),
        "not followed",
    ),
    Case(
        "redirect-link-local-v6",
        lambda r: S.redirect("http://[fe80::1]:9200/"),
        ("not-elasticsearch",),
        r"fe80::1.*not followed",
    ),
    Case(
        "redirect-other-host",
        lambda r: S.redirect("http://192.0.2.7:9200/"),
        ("not-elasticsearch",),
        "not followed",
    ),
    Case(
        "redirect-to-write-api",
        lambda r: S.redirect("/_bulk", 307),
        ("error",),
        "not on the elasticsearch read-only allow-list",
    ),
    Case("megabyte-header", lambda r: S.huge_headers(), ("error",), "not valid HTTP"),
    Case("hundred-thousand-headers", lambda r: S.many_headers(), ("error",), "not valid HTTP"),
    # A server that answers other than HTTP, asked over plain TCP, is named (probes/foreign.py).
    Case(
        "ssh-banner",
        lambda r: S.raw_reply(b"SSH-2.0-OpenSSH_9.2\r\n", greet=True),
        ("not-elasticsearch",),
        "not HTTP: .* an SSH server .*not valid HTTP",
    ),
    Case(
        "http-0.9",
        lambda r: S.raw_reply(b'{"tagline": "You Know, for Search"}'),
        ("not-elasticsearch",),
        "not HTTP: .* a server of a text protocol .*not valid HTTP",
    ),
    Case("random-bytes", lambda r: S.random_bytes(), ("error",), "not valid HTTP"),
    Case("reset-on-accept", lambda r: S.reset_on_accept(), ("error",), "."),
    Case(
        "script-in-server-header",
        lambda r: S.fixed(200, b"{}", {"Server": S.SCRIPT}),
        ("not-elasticsearch",),
        "<script>",
    ),
    Case(
        "tls-found-without-scheme",
        lambda r: S.fixed(401, b"{}", {"WWW-Authenticate": 'Basic realm="security"'}),
        ("secured",),
        "realm 'security'",
        tls=True,
    ),
    Case(
        "tls-scanned-as-http",
        lambda r: S.fixed(401, b"{}", {"WWW-Authenticate": 'Basic realm="security"'}),
        ("error",),
        "not valid HTTP",
        target="http",
        tls=True,
    ),
    Case(
        "plain-scanned-as-https",
        lambda r: S.fixed(401, b"{}", {"WWW-Authenticate": 'Basic realm="security"'}),
        ("error",),
        "TLS handshake failed",
        target="https",
    ),
    Case(
        "many-indices",
        lambda r: FakeElasticsearch(cat_body=r.many_cat),
        ("open",),
        "without credentials",
    ),
    Case("hostile-cluster", _hostile_cluster, ("open",), "without credentials"),
    Case("hostile-numbers", _hostile_numbers, ("open",), "without credentials"),
]
CLOSED = ("closed-1", "closed-2")


@dataclass
class Hostile:
    """Everything one hostile scan produced."""

    exit_status: int
    wall: float
    rss_growth: int
    stdout: str
    stderr: str
    doc: dict[str, Any]
    by_name: dict[str, dict[str, Any]]
    reports: dict[str, str]
    sent: list[net.Request]
    connects: S.ConnectRecorder
    received: list[S.Received]
    db: Path
    report_file: Path
    ports: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    """Start every hostile server, run one scan over all of them, render its reports."""
    tmp = tmp_path_factory.mktemp("hostile")
    parts = S.gzip_parts()
    tls, _, _ = S.self_signed(tmp)
    res = Resources(
        parts, S.nested_gzip_body(parts, 1024**3), tls, S.many_indices_cat(MANY_INDICES)
    )
    db = tmp / "findings.db"
    with S.ServerLoop() as loop:
        targets, ports = [], {}
        for case in CASES:
            port = loop.serve(case.make(res), tls=res.tls if case.tls else None)
            ports[case.name] = port
            prefix = "" if case.target == "auto" else f"{case.target}://"
            targets.append(f"{prefix}127.0.0.1:{port}")
        for name in CLOSED:
            ports[name] = S.closed_port()
            targets.append(f"127.0.0.1:{ports[name]}")
        # The servers imitate Elasticsearch: the other kinds' probes are tried elsewhere.
        argv = [
            "scan",
            *targets,
            "--kinds",
            "elasticsearch",
            "--db",
            str(db),
            "--sample",
            "5",
            "--workers",
            "1",
            "--connect-timeout",
            str(CONNECT),
            "--read-timeout",
            str(READ),
            "--timeout",
            str(TOTAL),
            "--max-indices",
            str(MAX_INDICES),
            "--show-closed",
            "--no-progress",
        ]
        run = audited.measured(argv)
        received = list(loop.received)
    reports = {}
    for fmt in ("json", "terminal", "markdown"):
        code, out, err = audited.cli(["report", "last", "--db", str(db), "--format", fmt])
        assert (code, err) == (0, ""), f"report --format {fmt}: {err} (scan: {run.stderr})"
        reports[fmt] = out
    report_file = tmp / "report.md"
    assert (
        audited.cli(
            ["report", "last", "--db", str(db), "--format", "markdown", "-o", str(report_file)]
        )[0]
        == 0
    )
    doc = orjson.loads(reports["json"])
    names = {port: name for name, port in ports.items()}
    by_name = {names[r["service"]["endpoint"]["port"]]: r for r in doc["results"]}
    yield Hostile(
        run.status,
        run.wall,
        run.growth,
        run.stdout,
        run.stderr,
        doc,
        by_name,
        reports,
        run.sent,
        run.connects,
        received,
        db,
        report_file,
        ports,
    )


# --------------------------------------------------------------------------- the whole scan


def test_scan_finishes_within_bound_and_exits_zero(hostile: Hostile) -> None:
    assert hostile.exit_status == 0, hostile.stderr
    assert hostile.wall < WALL_BOUND
    assert hostile.doc["status"] == "done"


def test_nothing_reaches_stderr(hostile: Hostile) -> None:
    assert "Traceback" not in hostile.stderr
    assert hostile.stderr == ""


def test_every_endpoint_has_exactly_one_verdict(hostile: Hostile) -> None:
    endpoints = [
        f"{r['service']['endpoint']['host']}:{r['service']['endpoint']['port']}"
        for r in hostile.doc["results"]
    ]
    assert len(endpoints) == len(set(endpoints)) == len(CASES) + len(CLOSED)


def test_every_reason_is_one_bounded_line(hostile: Hostile) -> None:
    for name, result in hostile.by_name.items():
        reason = result["service"]["reason"]
        assert reason, name
        assert "\n" not in reason and "\r" not in reason, name
        assert len(reason) <= 600, (name, len(reason))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_server_gets_the_expected_verdict(hostile: Hostile, case: Case) -> None:
    service = hostile.by_name[case.name]["service"]
    assert service["verdict"] in case.verdicts, service["reason"]
    assert re.search(case.reason, service["reason"]), service["reason"]


@pytest.mark.parametrize("name", CLOSED)
def test_closed_port_is_closed(hostile: Hostile, name: str) -> None:
    assert hostile.by_name[name]["service"]["verdict"] == "closed"


def test_memory_growth_is_bounded(hostile: Hostile) -> None:
    assert hostile.rss_growth < MEMORY_BOUND, f"{hostile.rss_growth / 2**20:.0f} MiB"


# --------------------------------------------------------------------------- scope and policy


def test_no_connection_or_lookup_leaves_the_loopback(hostile: Hostile) -> None:
    assert hostile.connects.connects, "the recorder saw no connect at all"
    assert hostile.connects.off_loopback() == set()


def test_redirect_targets_are_never_requested(hostile: Hostile) -> None:
    hosts = {urlsplit(r.url).hostname for r in hostile.sent}
    assert hosts == {"127.0.0.1"}
    ports = {urlsplit(r.url).port for r in hostile.sent}
    assert ports <= set(hostile.ports.values())


WRITE_APIS = re.compile(
    r"/_(?:bulk|doc|create|update|update_by_query|delete_by_query|"
    r"reindex|close|open)(?:/|$)"
)


def test_only_allow_listed_reads_reach_any_server(hostile: Hostile) -> None:
    assert hostile.received
    for got in hostile.received:
        path = urlsplit(got.target).path
        assert ALLOW.allows(got.method, path), got  # what reached the wire, not what was meant
        assert got.method in ("GET", "HEAD", "POST"), got
        assert not WRITE_APIS.search(path), got


# --------------------------------------------------------------------------- caps


def test_gzip_bomb_stops_at_the_cap(hostile: Hostile) -> None:
    reason = hostile.by_name["gzip-bomb"]["service"]["reason"]
    assert f"over the {CAP} byte cap" in reason


def test_many_indices_are_capped_at_max_indices(hostile: Hostile) -> None:
    result = hostile.by_name["many-indices"]
    assert len(result["indices"]) == MAX_INDICES
    assert result["indices_truncated"] == MANY_INDICES - MAX_INDICES > 0
    assert result["inventory_error"] is None


def test_long_parent_name_does_not_multiply_into_field_paths(hostile: Hostile) -> None:
    index = _index(hostile, "hostile-cluster", "long-parent-path")
    assert index["fields"] == []


def test_quadratic_ransom_text_costs_no_time_and_notes_are_still_found(hostile: Hostile) -> None:
    assert not _index(hostile, "hostile-cluster", "ransom-cpu")["compromised"]
    assert _index(hostile, "hostile-cluster", "ransom-note")["compromised"]


# --------------------------------------------------------------------------- hostile content


def test_hostile_index_names_are_kept_or_refused_never_requested_raw(hostile: Hostile) -> None:
    result = hostile.by_name["hostile-cluster"]
    names = {ir["index"]["name"] for ir in result["indices"]}
    assert E_OSC + "escape-title" in names and E_CLEAR + "clear-screen" in names
    assert S.SCRIPT not in names and "n" * 10_000 not in names
    assert result["inventory_error"] == "2 index name(s) refused as invalid"
    port = hostile.ports["hostile-cluster"]
    for got in hostile.received:
        if got.port == port:
            assert got.target.isascii() and got.target.isprintable(), got


def test_wrong_types_and_overflowing_counts_do_not_break_the_store(hostile: Hostile) -> None:
    huge = _index(hostile, "hostile-numbers", "huge-count")
    assert huge["docs"] is None and huge["store_bytes"] is None and huge["health"] is None
    odd = _index(hostile, "hostile-numbers", "odd-status")
    assert odd["docs"] is None and odd["status"] is None and odd["store_bytes"] is None
    assert hostile.by_name["hostile-numbers"]["inventory_error"] is None


def test_invalid_utf8_costs_the_answer_not_the_index(hostile: Hostile) -> None:
    index = _index(hostile, "hostile-cluster", "invalid-utf8")
    assert index["fields"] == [] and index["error"]


def test_dates_that_are_not_dates_are_dropped(hostile: Hostile) -> None:
    index = _index(hostile, "hostile-cluster", E_OSC + "escape-title")
    assert index["date_field"] == "when"
    assert index["date_min"] is None and index["date_max"] is None


def test_terminal_output_carries_no_control_characters_from_targets(hostile: Hostile) -> None:
    for text in (hostile.stdout, hostile.reports["terminal"]):
        assert "127.0.0.1" in text  # the report was rendered: the endpoint is named
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
        assert "\u202e" not in text


def test_markdown_report_escapes_markup(hostile: Hostile) -> None:
    md = hostile.reports["markdown"]
    assert "<script>" not in md
    assert r"\<script\>" in md  # the hostile text did reach the report, escaped
    assert "\x1b" not in md and "\x07" not in md


def test_report_and_database_files_are_private(hostile: Hostile) -> None:
    for path in (hostile.db, hostile.report_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def _index(hostile: Hostile, server: str, name: str) -> dict[str, Any]:
    for ir in hostile.by_name[server]["indices"]:
        if ir["index"]["name"] == name:
            return ir["index"]  # type: ignore[no-any-return]
    raise AssertionError(f"{name!r} not inventoried on {server}")


@pytest.mark.parametrize("name", ["root-guarded", "root-search-guarded", "root-list-guarded"])
def test_a_store_whose_root_alone_asks_for_credentials_is_inventoried(
    hostile: Hostile, name: str
) -> None:
    result = hostile.by_name[name]
    assert result["service"]["closed_apis"][0] == "/"
    if name != "root-list-guarded":  # the listing is open: its index is reported
        assert [ir["index"]["name"] for ir in result["indices"]] == ["cases"]
