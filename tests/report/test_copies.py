"""Containers of copies (a PostgreSQL materialized view, ``derived``) in every format: marked
as copies, their rows shown beside the store's records and never added to them, unless the
store holds nothing else."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console

from leakhound.models import (
    Container,
    ContainerResult,
    Documents,
    Endpoint,
    Fingerprint,
    FullRead,
    FullTotals,
    Service,
    TargetResult,
    Verdict,
)
from leakhound.report import json as json_report
from leakhound.report import markdown, sarif, terminal
from leakhound.report.summary import summarise
from leakhound.store import ScanRecord, SqliteStore

VIEW = "materialized view"


def table(name: str, docs: int, derived: str | None = None) -> Container:
    return Container(name, docs, 8192, False, False, derived=derived)


def stored(tmp_path: Path, *containers: Container, full: bool = False) -> ScanRecord:
    ep = Endpoint("127.0.0.1", 5432)
    svc = Service(
        ep,
        "postgresql://127.0.0.1:5432",
        "postgresql",
        Verdict.OPEN,
        "trust: in without a password",
        Fingerprint(product="postgresql", version="15.8"),
    )
    results = tuple(
        ContainerResult(c, None, FullRead("copy", 1, c.docs or 0) if full else None)
        for c in containers
    )
    totals = FullTotals(sum(c.docs or 0 for c in containers)) if full else None
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["127.0.0.1"], {"sample": 100})
        store.record(scan_id, TargetResult(svc, results, full=totals))
        store.finish_scan(scan_id)
        return store.load(scan_id)


def rendered(scan: ScanRecord) -> str:
    buf = io.StringIO()
    terminal.render(scan, Console(file=buf, width=240, force_terminal=False))
    return buf.getvalue()


@pytest.mark.parametrize(
    ("containers", "expected"),
    [
        ((table("cases", 1000), table("cases_by_city", 300, VIEW)), Documents(1000, 300)),
        ((table("cases", 1000), table("payroll", 20)), Documents(1020, 0)),
        # the sources emptied (or unreadable, uncounted) since the view was refreshed: the
        # view's rows are all the store holds
        ((table("cases", 0), table("cases_by_city", 300, VIEW)), Documents(300, 0)),
        ((table("cases_by_city", 300, VIEW),), Documents(300, 0)),
        ((Container("cases", None, None, False, False),), Documents(0, 0, 1)),
    ],
)
def test_a_stores_records_leave_copies_out_unless_they_are_all_it_holds(
    containers: tuple[Container, ...], expected: Documents
) -> None:
    assert Documents.of(containers) == expected


def test_every_format_shows_the_copies_rows_beside_the_records(tmp_path: Path) -> None:
    scan = stored(tmp_path, table("cases", 1000), table("cases_by_city", 300, VIEW), full=True)
    out = rendered(scan)
    assert "1,000 (+300 in copies)" in out  # the store's row and the summary line
    assert "Exposed: 1 endpoint(s), 2 tables, 1,000 (+300 in copies) rows" in out
    assert "copies (materialized view)" in out  # the view's flag
    assert "Full read: 1,000 (+300 in copies) rows" in out
    md = markdown.render(scan)
    assert "- Exposed: 2 tables, 1,000 (+300 in copies) rows" in md
    assert "### Full read: 1,000 (+300 in copies) rows" in md
    assert (
        r"| cases\_by\_city | 300 | 8.0 KB |  | not sampled: read in full \(below\) "
        r"| copies \(materialized view\) |"
    ) in md
    summary = summarise(scan).to_dict()
    assert (summary["exposed_documents"], summary["copied_documents"]) == (1000, 300)
    log = json.loads(sarif.render(scan))
    (opened,) = [r for r in log["runs"][0]["results"] if r["properties"].get("documents")]
    assert opened["properties"]["documents"] == 1000


def test_the_summary_of_a_store_without_copies_is_unchanged(tmp_path: Path) -> None:
    scan = stored(tmp_path, table("cases", 1000))
    summary = summarise(scan).to_dict()
    assert "copied_documents" not in summary  # as every scan without copies wrote it
    assert summary["exposed_documents"] == 1000
    assert "in copies" not in rendered(scan)


def test_copied_documents_is_in_the_schema(tmp_path: Path) -> None:
    text = resources.files("leakhound").joinpath("schema/scan-result.schema.json").read_text()
    validator = jsonschema.Draft202012Validator(json.loads(text))
    scan = stored(tmp_path, table("cases", 1000), table("cases_by_city", 300, VIEW), full=True)
    doc = json.loads(json_report.render(scan))
    assert doc["summary"]["copied_documents"] == 300
    validator.validate(doc)
    doc["summary"]["copied_documents"] = "300"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(doc)
