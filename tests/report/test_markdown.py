"""The Markdown report: readable figures, target strings made inert."""

from __future__ import annotations

from leakhound.report import markdown
from leakhound.store import ScanRecord


def test_markdown_shows_key_figures(scan: ScanRecord) -> None:
    text = markdown.render(scan)
    assert f"# leakhound scan {scan.scan_id}" in text
    assert "support-cases-2019" in text.replace("\\", "")
    assert "1,000" in text
    assert "2019-01-02 – 2019-12-30" in text
    assert "EMAIL\\_ADDRESS 87/100" in text
    assert "COMPROMISED" in text


def test_markdown_neutralises_hostile_index_names(scan: ScanRecord) -> None:
    text = markdown.render(scan)
    assert "<script>" not in text
    assert "\x1b" not in text and "\x07" not in text
    # the pipe in the name cannot open a new table cell
    row = next(line for line in text.splitlines() if "alert" in line)
    assert row.count(" | ") == 5


def test_markdown_prints_a_sample_scans_people_with_how_they_were_counted(
    counted_scan: ScanRecord,
) -> None:
    text = markdown.render(counted_scan).replace("\\", "")
    assert "People: 812 (exact): distinct EMAIL_ADDRESS in customer.email" in text


def test_markdown_gives_every_endpoints_verdicts_beside_all_of_them_not_the_exposed(
    scan: ScanRecord,
) -> None:
    # One open endpoint and one closed: "exposed: 1 (closed 1, open 1)" read as if the closed
    # one were exposed.
    text = markdown.render(scan)
    assert "- Endpoints: 2 (closed 1, open 1); exposed: 1\n" in text
