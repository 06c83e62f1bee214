"""A stored scan to render, built through the real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from leakhound.models import (
    Container,
    ContainerResult,
    Distinct,
    Endpoint,
    FieldInfo,
    Fingerprint,
    FullField,
    FullPii,
    FullRead,
    People,
    PeopleCount,
    PiiField,
    PiiSummary,
    Sample,
    Service,
    TargetResult,
    Verdict,
    YearCount,
)
from leakhound.store import ScanRecord, SqliteStore

HOSTILE = "<script>alert(1)</script>\x1b]0;pwned\x07|x"


@pytest.fixture
def scan(tmp_path: Path) -> ScanRecord:
    """A scan with one open endpoint (hostile index name included) and one closed one."""
    return _scan(tmp_path)


@pytest.fixture
def counted_scan(tmp_path: Path) -> ScanRecord:
    """The same scan, its open store's people counted as a sample scan counts them."""
    people = PeopleCount(
        "EMAIL_ADDRESS",
        812,
        812,
        812,
        True,
        "read",
        "distinct EMAIL_ADDRESS in customer.email, description, read in every one of 1,001 "
        "records of 2 indices, each counted once",
        ("customer.email", "description"),
    )
    return _scan(tmp_path, people)


def _scan(tmp_path: Path, people: PeopleCount | None = None) -> ScanRecord:
    ep = Endpoint("127.0.0.1", 9200)
    fp = Fingerprint(
        product="opensearch", version="2.19.1", distribution="opensearch", cluster_name="lab"
    )
    svc = Service(
        ep,
        "http://127.0.0.1:9200",
        "elasticsearch",
        Verdict.OPEN,
        "_cat/indices, _search answer without credentials",
        fp,
        ("_cat/indices", "_search"),
    )
    pii = PiiSummary(
        "EMAIL_ADDRESS",
        87,
        (PiiField("customer.email", 80), PiiField("description", 12)),
        ("j***@e***.com",),
        80,
    )
    good = Container(
        "support-cases-2019",
        1000,
        4096,
        False,
        False,
        (FieldInfo("created_at", "date"), FieldInfo("customer.email", "keyword")),
        "created_at",
        "2019-01-02T00:00:00.000Z",
        "2019-12-30T00:00:00.000Z",
        details={"health": "green", "status": "open"},
    )
    bad = Container(
        HOSTILE,
        1,
        100,
        False,
        False,
        compromised=True,
        compromise_reasons=("index name looks like a ransom note",),
        details={"health": "yellow", "status": "open"},
    )
    result = TargetResult(
        svc,
        (ContainerResult(good, Sample(100, 100, (pii,))), ContainerResult(bad, Sample(100, 1))),
        people=people,
    )
    closed = TargetResult(
        Service(
            Endpoint("127.0.0.1", 9243),
            "http://127.0.0.1:9243",
            "elasticsearch",
            Verdict.CLOSED,
            "connection refused",
        )
    )
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["127.0.0.1"], {"sample": 100})
        store.record(scan_id, result)
        store.record(scan_id, closed)
        store.finish_scan(scan_id)
        return store.load(scan_id)


@pytest.fixture
def full_scan(tmp_path: Path) -> ScanRecord:
    """A --depth full scan of a Redis-like key pattern: no sample, every key read and dated."""
    return read_in_full(tmp_path)


def read_in_full(tmp_path: Path) -> ScanRecord:
    """One key pattern of 10,000 keys, read in full (no date field: each key's year read),
    296 of them carrying a card number."""
    ep = Endpoint("127.0.0.1", 6379)
    svc = Service(ep, "redis://127.0.0.1:6379", "redis", Verdict.OPEN, "INFO and SCAN answer")
    exact = Distinct(3433, 3433, 3433, True)
    cards = Distinct(296, 296, 296, True)
    full = FullRead(
        "scan",
        1,
        10_000,
        (
            FullPii("EMAIL_ADDRESS", 10_000, exact, (FullField("customer.email", 10_000, exact),)),
            FullPii("CREDIT_CARD", 296, cards, (FullField("internal_notes", 296, cards),)),
        ),
        People("EMAIL_ADDRESS", "customer.email", exact),
        (YearCount(2005, 227), YearCount(2019, 9773)),
    )
    cases = Container("case:*", 10_000, None, False, False)
    with SqliteStore(tmp_path / "full.db") as store:
        scan_id = store.begin_scan(["127.0.0.1"], {"depth": "full"})
        store.record(scan_id, TargetResult(svc, (ContainerResult(cases, None, full),)))
        store.finish_scan(scan_id)
        return store.load(scan_id)
