"""An assessment as terminal text, Markdown and JSON."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from rich.console import Console
from scans import Build, Ix

from leakhound.assess import assess
from leakhound.assess.render import render_json, render_markdown, render_terminal
from leakhound.store import ScanRecord

AWARE = datetime(2024, 4, 10, 9, 0, tzinfo=UTC)
HOSTILE = "evil\x1b]0;pwned\x07<b>|x"


def shop(build_scan: Build) -> ScanRecord:
    return build_scan(
        Ix("shop-orders", pii={"EMAIL_ADDRESS": (95, 90), "CREDIT_CARD": (60, 60)}),
        Ix(HOSTILE, docs=1, sampled=1, compromised=True, reasons=("ransom note",)),
    )


def test_json_carries_every_conclusion_with_its_reasons(build_scan: Build) -> None:
    a = assess(shop(build_scan), None, AWARE, now=AWARE)
    data = json.loads(render_json(a))
    assert data["kind"] == "leakhound-assessment"
    assert data["severity"]["score"] == 4.25  # 3 × 1 + (0.5 + 0.25 + 0.5)
    assert data["severity"]["level"] == "very high"
    assert data["severity"]["circumstances"]["malicious_intent"]["value"] == 0.5
    assert data["gdpr"]["art_33"]["duty"] == "required"
    assert data["gdpr"]["deadline"]["due"] == "2024-04-13T09:00:00+00:00"
    assert data["data_subjects"]["method"] == "estimate"
    assert data["data_subjects"]["low"] == 90
    assert data["records"] == {
        "value": 1000,
        "method": "exact",
        "low": 1000,
        "high": 1000,
        "counts_added": False,
        "shown_as_range": False,  # a records figure is never its range
        "basis": data["records"]["basis"],
    }


def test_markdown_shows_decision_figures_and_steps(build_scan: Build) -> None:
    text = render_markdown(assess(shop(build_scan), None, AWARE, now=AWARE))
    assert "| ENISA severity | very high (SE = DPC × EI + CB = 3 × 1 + 1.25 = 4.25) |" in text
    assert "| Notify the supervisory authority (Art. 33) | required |" in text
    assert "about 900 people (estimate; at least 90)" in text
    assert "## Next steps" in text
    assert "\x1b" not in text and "<b>" not in text


def test_terminal_neutralises_target_strings(build_scan: Build) -> None:
    buf = io.StringIO()
    render_terminal(
        assess(shop(build_scan), None, AWARE, now=AWARE),
        Console(file=buf, width=160, force_terminal=True),
    )
    out = buf.getvalue()
    assert "VERY HIGH" in out
    assert "\x07" not in out and "\x1b]" not in out


def test_an_estimated_count_is_marked_in_the_assessment(build_scan: Build) -> None:
    keyed = "estimated along the key id (sampled windows; 95% bounds)"
    doc = build_scan(
        Ix("orders", docs=1_000, pii={"EMAIL_ADDRESS": (90, 80)}),
        Ix(
            "customers",
            docs=301_000,
            pii={"EMAIL_ADDRESS": (9, 8)},
            estimate=(300_000, 302_500, keyed),
        ),
        Ix("visits", docs=5_000, pii={"PERSON": (60, 50)}, estimate=(None, None, "statistics")),
    )
    a = assess(doc, None, AWARE, now=AWARE)
    text = render_markdown(a)
    assert "| ~301,000 (300,000–302,500) |" in text and "| ~5,000 |" in text
    assert "| 1,000 |" in text
    assert "~: an estimate, not a count" in text
    indices = {i["name"]: i for i in json.loads(render_json(a))["indices"]}
    assert indices["customers"]["documents_exact"] is False
    assert (indices["customers"]["documents_low"], indices["customers"]["documents_high"]) == (
        300_000,
        302_500,
    )
    assert indices["customers"]["documents_basis"] == keyed
    assert indices["visits"]["documents_high"] is None
    assert indices["orders"]["documents_exact"] is True
