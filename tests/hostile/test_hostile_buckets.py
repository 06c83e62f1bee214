"""One scan over misbehaving object stores: one verdict and one line each, bounded time and
memory, nothing read beyond the caps, nothing sent beyond the loopback or the allow-lists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest

from leakhound import net
from leakhound.probes.azblob import ALLOW as AZ_ALLOW
from leakhound.probes.s3 import ALLOW as S3_ALLOW

from . import audited
from . import servers as S
from .buckets import BIG, FakeAzure, FakeS3

CONNECT, READ, TOTAL = 1, 2, 5
MAX_OBJECTS = 3000
MAX_BYTES = 64 * 1024
WALL_BOUND = 120.0  # seconds: a correctness bound on a loaded machine, not a benchmark
MEMORY_BOUND = 300 * 2**20


@dataclass(frozen=True)
class Case:
    """One misbehaving store and what the scan must make of it."""

    name: str
    kind: str  # s3 or azblob
    verdict: str  # "|" between verdicts that are equally right (a cap or a deadline first)
    reason: str = ""  # a regular expression the verdict's reason must contain
    inventory: str = ""  # a regular expression the inventory error must contain
    sample: str = ""  # a regular expression some sample error must contain
    also: tuple[str, ...] = ()  # more buckets named at the same store, after ``b``


CASES = [
    # 16 MiB at the cap, or the total deadline first on a loaded machine: both bound it
    Case(
        "endless-listing",
        "s3",
        "error|timeout",
        reason=r"over the \d+ byte cap|no complete answer within",
    ),
    Case("lying-truncation", "s3", "open", inventory=r"gives the same page token again"),
    Case("endless-pages", "s3", "open", inventory=r"listed up to --max-objects \(3,000\)"),
    Case("empty-pages", "s3", "open", inventory=r"listing stopped after \d+ pages"),
    Case("backwards", "s3", "open", inventory=r"goes back to a key it passed"),
    Case("redirect-elsewhere", "s3", "open", sample=r"redirects to http://10\.255\.255\.1"),
    Case("gzip-bomb", "s3", "open", sample=r"expands more than 200:1|cap of \d+ MiB"),
    Case("cut-gzip", "s3", "open"),
    Case("ignores-range", "s3", "open", sample=r"ignores ranges"),
    Case("billion-laughs", "s3", "error", reason=r"DTD refused"),
    Case("huge-page", "s3", "error", reason=r"over 10,000 objects"),
    Case("slow-listing", "s3", "timeout", reason=r"timed out|no complete answer"),
    Case("hostile-keys", "s3", "open"),
    # One bucket refuses everything, the other fails: the store is not shown secured.
    Case(
        "one-secured-one-failing",
        "s3",
        "error",
        reason=r"^broken: listing it answers HTTP 500.*; b: listing and reading refused ",
        also=("broken",),
    ),
    # Many refused buckets named before the failing one: the reason names the bucket that
    # makes the verdict first, a few refused ones, and counts the rest. (Nine refused buckets
    # are enough to be summed up; more only stretch the store's 5 s deadline on a loaded
    # machine.)
    Case(
        "many-secured-one-failing",
        "s3",
        "error",
        reason=r"^broken: listing it answers HTTP 500.*; 5 more buckets checked \(5 secured\)$",
        also=(*(f"private-bucket-{i:02}" for i in range(8)), "broken"),
    ),
    # Listing refused, reading answers HTTP 500: nothing refused the reads, so not secured.
    Case(
        "refused-listing-failing-reads",
        "s3",
        "error",
        reason=r"^b: listing refused \(AccessDenied\); reading '.*' answers HTTP 500 InternalError",
    ),
    Case("endless-markers", "azblob", "open", inventory=r"listing stopped after \d+ pages"),
    Case("redirect-elsewhere-azure", "azblob", "error", reason=r"redirects to https://evil"),
]


@dataclass
class Run:
    """Everything the one scan produced."""

    status: int
    wall: float
    growth: int
    stderr: str
    by_name: dict[str, dict[str, Any]]
    terminal: str
    sent: list[net.Request]
    received: list[S.Received]
    connects: S.ConnectRecorder
    ports: dict[str, int]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Start every store, scan them all at once, render the terminal report."""
    db = tmp_path_factory.mktemp("hostile-buckets") / "findings.db"
    with S.ServerLoop() as loop:
        ports, targets = {}, []
        for case in CASES:
            if case.kind == "s3":
                port = loop.serve(FakeS3(case.name).handler())
                targets.append(f"s3://b@127.0.0.1:{port}")
                targets.extend(f"s3://{b}@127.0.0.1:{port}" for b in case.also)
            else:
                behaviour = "redirect-elsewhere" if "redirect" in case.name else case.name
                port = loop.serve(FakeAzure(behaviour).handler())
                targets.append(f"azblob://127.0.0.1:{port}/acct/c")
            ports[case.name] = port
        argv = [
            "scan",
            *targets,
            "--db",
            str(db),
            "--format",
            "json",
            "--sample",
            "20",
            "--workers",
            "1",
            "--connect-timeout",
            str(CONNECT),
            "--read-timeout",
            str(READ),
            "--timeout",
            str(TOTAL),
            "--max-objects",
            str(MAX_OBJECTS),
            "--max-bytes",
            str(MAX_BYTES),
            "--max-indices",
            "50",
            "--no-progress",
        ]
        run = audited.measured(argv)
        received = list(loop.received)
    names = {port: name for name, port in ports.items()}
    doc = orjson.loads(run.stdout)
    by_name = {names[r["service"]["endpoint"]["port"]]: r for r in doc["results"]}
    code, terminal, report_err = audited.cli(["report", "last", "--db", str(db)])
    assert (code, report_err) == (0, "")
    yield Run(
        run.status,
        run.wall,
        run.growth,
        run.stderr,
        by_name,
        terminal,
        run.sent,
        received,
        run.connects,
        ports,
    )


def test_the_scan_ends_within_its_bounds(scanned: Run) -> None:
    assert scanned.status == 0, scanned.stderr
    assert scanned.stderr == ""
    assert scanned.wall < WALL_BOUND
    assert scanned.growth < MEMORY_BOUND, f"{scanned.growth / 2**20:.0f} MiB"


def test_every_store_has_one_verdict_and_one_line(scanned: Run) -> None:
    assert set(scanned.by_name) == {c.name for c in CASES}
    for name, result in scanned.by_name.items():
        reason = result["service"]["reason"]
        assert reason and "\n" not in reason and len(reason) <= 600, name
        for line in (
            result["inventory_error"] or "",
            *((ir["sample"] or {}).get("error") or "" for ir in result["indices"]),
        ):
            assert "\n" not in line and len(line) <= 600, name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_store_gets_its_verdict_and_its_reason(scanned: Run, case: Case) -> None:
    result = scanned.by_name[case.name]
    service = result["service"]
    assert service["verdict"] in case.verdict.split("|"), service["reason"]
    assert re.search(case.reason, service["reason"]), service["reason"]
    if case.inventory:
        assert re.search(case.inventory, result["inventory_error"] or ""), result
    if case.sample:
        errors = [ir["sample"]["error"] or "" for ir in result["indices"] if ir["sample"]]
        assert any(re.search(case.sample, e) for e in errors), errors


def test_what_was_listed_before_a_listing_lied_is_kept(scanned: Run) -> None:
    for name in ("lying-truncation", "backwards"):
        assert scanned.by_name[name]["indices"], name
    lying = scanned.by_name["lying-truncation"]["indices"]
    assert [ir["index"]["name"] for ir in lying] == ["b/cases/"]
    assert lying[0]["sample"]["docs"] == 20
    endless = scanned.by_name["endless-pages"]
    assert sum(ir["index"]["objects"] for ir in endless["indices"]) >= MAX_OBJECTS
    assert len(endless["indices"]) <= 50


def test_a_cut_gzip_gives_the_rows_before_the_cut(scanned: Run) -> None:
    (ir,) = scanned.by_name["cut-gzip"]["indices"]
    assert ir["sample"]["docs"] == 20 and ir["sample"]["error"] is None
    assert "EMAIL_ADDRESS" in {p["entity_type"] for p in ir["sample"]["pii"]}


def test_no_connection_leaves_the_loopback_and_no_redirect_is_followed(scanned: Run) -> None:
    assert scanned.connects.connects
    assert scanned.connects.off_loopback() == set()
    assert {urlsplit(r.url).hostname for r in scanned.sent} == {"127.0.0.1"}
    assert {urlsplit(r.url).port for r in scanned.sent} <= set(scanned.ports.values())


def test_only_allow_listed_reads_reached_any_store(scanned: Run) -> None:
    azure = {scanned.ports[c.name] for c in CASES if c.kind == "azblob"}
    assert scanned.received
    for got in scanned.received:
        parts = urlsplit(got.target)
        allow = AZ_ALLOW if got.port in azure else S3_ALLOW
        assert got.method in ("GET", "HEAD"), got
        assert allow.allows(got.method, parts.path, parts.query), got


def test_hostile_keys_are_requested_encoded_and_shown_inert(scanned: Run) -> None:
    port = scanned.ports["hostile-keys"]
    paths = [urlsplit(r.target).path for r in scanned.received if r.port == port]
    assert paths and not any("/../" in p or "/./" in p or "\x1b" in p for p in paths)
    assert any("%2E%2E" in p for p in paths)  # the "../" key was asked for as a name
    assert any("%1B" in p for p in paths)
    assert "\x1b" not in scanned.terminal and "\x07" not in scanned.terminal


def test_a_store_that_ignores_ranges_costs_no_more_than_the_cap(scanned: Run) -> None:
    (ir,) = scanned.by_name["ignores-range"]["indices"]
    assert ir["index"]["store_bytes"] < BIG  # it listed a small object, then answered 64 MiB
    assert "not read" in ir["sample"]["error"]
