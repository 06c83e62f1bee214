"""Records a store estimated (PostgreSQL's reltuples, a listing that counts nested records
too) beside records it counted: every summary says the total holds estimates and how many,
as the container tables mark each one with "~"."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from leakhound.models import (
    Container,
    ContainerResult,
    Documents,
    Endpoint,
    Fingerprint,
    PiiField,
    PiiSummary,
    Sample,
    Service,
    TargetResult,
    Verdict,
)
from leakhound.report import html, markdown, sarif, terminal, text
from leakhound.report.summary import summarise
from leakhound.store import ScanRecord, SqliteStore


def table(name: str, rows: int, *, exact: bool) -> Container:
    basis = None if exact else "pg_class.reltuples"
    return Container(name, rows, 8192, False, False, docs_exact=exact, docs_basis=basis)


def stored(
    tmp_path: Path,
    *containers: Container,
    verdict: Verdict = Verdict.OPEN,
    sample: Sample | None = None,
) -> ScanRecord:
    ep = Endpoint("127.0.0.1", 5432, "postgresql")
    svc = Service(
        ep,
        "postgresql://127.0.0.1:5432",
        "postgresql",
        verdict,
        "the server lets postgres in without a password (trust)",
        Fingerprint(product="postgresql"),
    )
    results = tuple(ContainerResult(c, sample, None) for c in containers)
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
    assert got == Documents(10_000, 5_000, 0, 0, 5_000)
    # The copies alone: their rows are the store's records, estimates and all.
    assert Documents.of((view,)) == Documents(5_000, 0, 0, 5_000)


def test_the_records_of_refused_tables_the_store_estimated_are_marked_so(tmp_path: Path) -> None:
    # A partial store lists a table its login may not read (permission denied): its rows are
    # pg_class's estimate, not a count, and the figure of what was listed but not readable
    # says so as the exposed one does.
    refused = replace(table("shop.public.payroll", 90_000, exact=False), denied=True)
    scan = stored(
        tmp_path,
        table("shop.public.people", 10_000, exact=True),
        refused,
        Container("shop.public.salaries", 1_000, 8192, denied=True),
        verdict=Verdict.PARTIAL,
    )
    held = "holding ~91,000 (90,000 of them estimated) rows"
    assert held in rendered(scan)
    assert held in markdown.render(scan)
    assert held in " ".join(html.render(scan).split())
    summary = summarise(scan).to_dict()
    assert (summary["refused_documents"], summary["refused_estimated_documents"]) == (
        91_000,
        90_000,
    )
    assert "estimated_documents" not in summary  # the exposed table was counted


def test_a_sarif_finding_gives_its_tables_estimate_as_one(tmp_path: Path) -> None:
    email = PiiSummary("EMAIL_ADDRESS", 40, (PiiField("email", 40),), ("j***@e***.com",), 40)
    scan = stored(
        tmp_path,
        table("shop.public.orders", 2_400_000, exact=False),
        sample=Sample(100, 100, (email,)),
    )
    log = json.loads(sarif.render(scan))
    (found,) = [r for r in log["runs"][0]["results"] if "EMAIL_ADDRESS" in r["message"]["text"]]
    assert "table 'shop.public.orders' (~2,400,000 rows)" in found["message"]["text"]


def test_the_rows_of_copies_the_store_estimated_are_marked_so(tmp_path: Path) -> None:
    # A materialized view's rows (pg_class's estimate) beside the table they copy: not added
    # to its records, and shown beside them as an estimate, where they read as a count.
    view = Container(
        "shop.public.orders_mv", 5_000, 8192, docs_exact=False, derived="materialized view"
    )
    scan = stored(tmp_path, table("shop.public.people", 10_000, exact=True), view)
    assert "2 tables, 10,000 (+~5,000 in copies) rows" in rendered(scan)
    assert "- Exposed: 2 tables, 10,000 (+~5,000 in copies) rows" in markdown.render(scan)
    summary = summarise(scan).to_dict()
    assert (summary["copied_documents"], summary["copied_estimated_documents"]) == (5_000, 5_000)
    assert "estimated_documents" not in summary
    other = table("shop.public.orders_by_day", 300, exact=True)
    counted = Documents.of(
        (
            table("shop.public.people", 10_000, exact=True),
            view,
            replace(other, derived="materialized view"),
        )
    )
    assert text.documents(counted) == "10,000 (+~5,300 in copies, 5,000 of them estimated)"
