"""What assess, notify and the HTML report make of the access logs (``LogEvidence``, built by
``leakhound investigate`` from a stored investigation): without them nothing changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scans import Build, Ix

from leakhound.assess import LogEvidence, assess
from leakhound.notify import notify
from leakhound.report import html as html_report
from leakhound.store import ScanRecord

AWARE = datetime(2024, 4, 10, 9, 0, tzinfo=UTC)

READ = LogEvidence(
    confidentiality=(0.5, "access logs (9 lines): 1 unknown source read about 40 records"),
    malicious=(0.5, "access logs: 1 source(s) other than the owner deleted data"),
    article_34="the access logs show it was read: no Art. 34(3)(b) argument",
    sentence="1 unknown source read about 40 records (from the access logs)",
    unknown_readers=1,
    html='<section id="investigation"><h2>Access logs</h2></section>',
)
QUIET = LogEvidence(
    confidentiality=(0.0, "access logs (9 lines): no unknown source read documents"),
    malicious=None,
    article_34="the access logs show no unknown source reading documents",
    sentence="No unknown source read documents (from the access logs)",
    unknown_readers=0,
)


def _scan(build_scan: Build, **kw: Any) -> ScanRecord:
    return build_scan(Ix("orders", docs=500, pii={"EMAIL_ADDRESS": (90, 90)}, **kw))


def test_the_logs_set_confidentiality_malice_and_art_34(build_scan: Build) -> None:
    scan = _scan(build_scan)
    plain = assess(scan, aware_since=AWARE)
    read = assess(scan, aware_since=AWARE, logs=READ)
    assert plain.logs is None and read.logs is READ
    assert read.severity.confidentiality.value == 0.5
    assert read.severity.confidentiality.why == (READ.confidentiality[1],)
    assert read.severity.malicious.value == 0.5 and plain.severity.malicious.value == 0.0
    assert read.severity.score > plain.severity.score
    assert read.subjects.reasons[-1] == READ.article_34
    review = [s for s in plain.next_steps if s.startswith("Review the stores' access")]
    assert review and not any(s.startswith("Review the stores' access") for s in read.next_steps)
    quiet = assess(scan, aware_since=AWARE, logs=QUIET)
    assert quiet.severity.confidentiality.value == 0.0 and quiet.severity.malicious.value == 0.0


def test_a_wipe_the_scan_saw_keeps_its_reason_beside_the_logs(build_scan: Build) -> None:
    scan = _scan(build_scan, compromised=True, reasons=("ransom note index 'read_me'",))
    a = assess(scan, aware_since=AWARE, logs=QUIET)
    why = a.severity.confidentiality.why
    assert len(why) == 2 and why[-1] == QUIET.confidentiality[1]
    # the scan's own wipe sets malicious intent; the logs do not lower it
    assert a.severity.malicious.value == 0.5


def test_the_drafts_and_the_report_quote_the_logs(build_scan: Build) -> None:
    scan = _scan(build_scan)
    a = assess(scan, aware_since=AWARE, logs=READ)
    authority = notify(scan, a, kind="authority", fmt="markdown")
    assert "Access by others:" in authority and READ.sentence in authority
    assert "once the access logs of the exposure window have been reviewed" not in authority
    subjects = notify(scan, a, kind="subjects", fmt="markdown")
    assert "people we do not know read" in subjects
    plain = assess(scan, aware_since=AWARE)
    assert "Access by others:" not in notify(scan, plain, kind="authority", fmt="markdown")
    assert "people we do not know" not in notify(scan, plain, kind="subjects", fmt="markdown")
    assert '<section id="investigation">' in html_report.render(scan, a)
    assert '<section id="investigation">' in html_report.render(scan, logs=READ)
    assert 'id="investigation"' not in html_report.render(scan)
