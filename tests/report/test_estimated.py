"""Records a store estimated (PostgreSQL's reltuples, a listing that counts nested records
too) beside records it counted: every summary says the total holds estimates and how many,
as the container tables mark each one with "~"."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from leakhound.models import (
    Container,
    ContainerResult,
    Documents,
    Endpoint,
    Fingerprint,
    Service,
    TargetResult,
    Verdict,
)
from leakhound.report import markdown, sarif, terminal
from leakhound.report.summary import summarise
from leakhound.store import ScanRecord, SqliteStore


def table(name: str, rows: int, *, exact: bool) -> Container:
    basis = None if exact else "pg_class.reltuples"
    return Container(name, rows, 8192, False, False, docs_exact=exact, docs_basis=basis)


def stored(tmp_path: Path, *containers: Container) -> ScanRecord:
    ep = Endpoint("127.0.0.1", 5432, "postgresql")
    svc = Service(
        ep,
        "postgresql://127.0.0.1:5432",
        "postgresql",
        Verdict.OPEN,
        "the server lets postgres in without a password (trust)",
        Fingerprint(product="postgresql"),
    )
    results = tuple(ContainerResult(c, None, None) for c in containers)
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["127.0.0.1:5432"], {"sample": 0})
        store.record(scan_id, TargetResult(svc, results))
        store.finish_scan(scan_id)
        return store.load(scan_id)


def rendered(scan: ScanRecord) -> str:
    buf = io.StringIO()
    terminal.render(scan, Console(file=buf, width=240, force_terminal=False))
    return buf.getvalue()


MIXED = (
    table("shop.public.orders", 2_400_000, exact=False),
    table("shop.public.people", 10_000, exact=True),
)


def test_a_total_holding_estimates_says_how_much_of_it_was_estimated(tmp_path: Path) -> None:
    scan = stored(tmp_path, *MIXED)
    assert Documents.of(MIXED) == Documents(2_410_000, 0, 0, 2_400_000)
    out = rendered(scan)
    assert "2 tables, ~2,410,000 (2,400,000 of them estimated) rows" in out
    md = markdown.render(scan)
    assert "- Exposed: 2 tables, ~2,410,000 (2,400,000 of them estimated) rows" in md
    summary = summarise(scan).to_dict()
    assert (summary["exposed_documents"], summary["estimated_documents"]) == (2_410_000, 2_400_000)
    log = json.loads(sarif.render(scan))
    (store,) = [r for r in log["runs"][0]["results"] if "documents" in r["properties"]]
    assert store["properties"]["estimated_documents"] == 2_400_000


def test_a_total_of_estimates_alone_is_marked_as_one(tmp_path: Path) -> None:
    scan = stored(tmp_path, table("shop.public.orders", 2_400_000, exact=False))
    out = rendered(scan)
    assert "1 table, ~2,400,000 rows" in out
    assert "of them estimated" not in out


def test_counted_figures_are_shown_as_before(tmp_path: Path) -> None:
    scan = stored(tmp_path, table("shop.public.people", 10_000, exact=True))
    assert "1 table, 10,000 rows" in rendered(scan)
    summary = summarise(scan).to_dict()
    assert "estimated_documents" not in summary
    log = json.loads(sarif.render(scan))
    assert all("estimated_documents" not in r["properties"] for r in log["runs"][0]["results"])


def test_an_estimate_of_a_copy_is_not_an_estimate_of_the_records() -> None:
    view = Container(
        "shop.public.orders_mv", 5_000, 8192, docs_exact=False, derived="materialized view"
    )
    got = Documents.of((table("shop.public.people", 10_000, exact=True), view))
    assert got == Documents(10_000, 5_000, 0, 0)
    # The copies alone: their rows are the store's records, estimates and all.
    assert Documents.of((view,)) == Documents(5_000, 0, 0, 5_000)
