"""Notification drafts: every Art. 33(3) item for the authority, plain words and scam advice
for the people, blanks for what only the owner knows, target strings made inert."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scans import READ_AND_REFUSED, Build, Ix, builder

from leakhound.assess import assess
from leakhound.models import (
    Container,
    ContainerResult,
    Distinct,
    Endpoint,
    Failure,
    FullField,
    FullPii,
    FullRead,
    People,
    Service,
    TargetResult,
    Verdict,
    YearCount,
)
from leakhound.notify import notify
from leakhound.store import ScanRecord, SqliteStore

AWARE = datetime(2024, 4, 10, 9, 0, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script>|[x](http://evil)\x1b]0;t\x07"
FULL_CONTEXT = {
    "controller": "Example Shop SAS, 1 rue de la Paix, Paris",
    "dpo_contact": "Jane Doe, dpo@example.com, +33 1 23 45 67 89",
    "data_subject_categories": "customers of the web shop",
    "system_description": "the order search index of our web shop",
    "supervisory_authority": "CNIL, www.cnil.fr",
    "exposure_started": "2024-03-01",
    "exposure_ended": "2024-04-10T10:00:00Z",
    "third_party_access": "unknown",
    "measures_taken": ["port 9200 closed to the internet on 2024-04-10"],
}


@pytest.fixture
def shop(build_scan: Build) -> ScanRecord:
    return build_scan(
        Ix(
            "shop-orders",
            docs=48210,
            pii={"EMAIL_ADDRESS": (95, 90), "PERSON": (95, 88), "CREDIT_CARD": (60, 60)},
            date_min="2019-03-01",
            date_max="2021-02-01",
        ),
        Ix(HOSTILE, docs=5, sampled=5, pii={"PHONE_NUMBER": (5, 5)}),
    )


def draft(
    doc: ScanRecord,
    ctx: dict[str, Any] | None = None,
    kind: str = "authority",
    fmt: str = "markdown",
    hours: float = 5,
) -> str:
    a = assess(doc, ctx, AWARE, now=AWARE + timedelta(hours=hours))
    return notify(doc, a, kind=kind, fmt=fmt)


def test_authority_draft_has_every_art_33_3_item(shop: ScanRecord) -> None:
    text = draft(shop)
    for heading in (
        "(a) Nature of the breach",
        "(b) Data protection officer or other contact point",
        "(c) Likely consequences of the breach",
        "(d) Measures taken or proposed",
    ):
        assert f"## {heading}" in text
    # (a): categories and approximate numbers of people and of records
    assert "**Categories of data subjects:**" in text
    assert "payment card numbers (financial data; `CREDIT_CARD`)" in text
    assert "about 43,394 people (estimate; at least 90)" in text  # 43,389 + 5 phone owners
    assert "48,215 records (exact)" in text
    # exposure window, date range, stores and indices
    assert "Exposure began" in text and "Exposure ended" in text
    assert "from 2019-03-01 to 2021-02-01" in text
    assert "| http://198.51.100.7:9200 | shop-orders | 48,210 |" in text
    # (c) consequences with the severity and its reasoning
    assert "fraudulent card payments" in text
    assert "SE = DPC × EI + CB = 3 × 1 + 0.5 = 3.5" in text
    assert "| Notification due (72 hours) | 2024-04-13 09:00 UTC (67 h left) |" in text


def test_what_only_the_owner_knows_is_left_blank(shop: ScanRecord) -> None:
    text = draft(shop)
    for blank in (
        "name and address of the controller",
        "name and contact details (e-mail, phone) of the DPO",
        "who the people are",
        "measures already taken",
        "when the store became reachable",
    ):
        assert f"[[TO FILL: {blank}" in text
    assert "Reasons for the delay" not in text


def test_context_fills_the_blanks(shop: ScanRecord) -> None:
    text = draft(shop, FULL_CONTEXT)
    assert "Jane Doe, dpo@example.com" in text
    assert "customers of the web shop" in text
    assert "port 9200 closed to the internet on 2024-04-10" in text
    assert "| Exposure began | 2024-03-01 |" in text
    blanks = re.findall(r"\[\[TO FILL: ([^\]]*)\]\]", text)
    assert not any("DPO" in b or "controller" in b or "measures already" in b for b in blanks)


def test_late_notification_asks_for_the_reasons_of_delay(shop: ScanRecord) -> None:
    text = draft(shop, hours=80)
    assert "Reasons for the delay (Art. 33(1))" in text
    assert "overdue by 8 h" in text


def test_subjects_notice_is_plain_and_warns_of_scams(shop: ScanRecord) -> None:
    text = draft(shop, FULL_CONTEXT, kind="subjects")
    assert "your payment card number" in text and "your e-mail address" in text
    assert "Between 2024-03-01 and 2024-04-10" in text
    # Art. 34(2): contact point, consequences, measures
    assert "Jane Doe, dpo@example.com" in text
    assert "payments made with your card without your consent" in text
    assert "port 9200 closed" in text
    # anti-scam advice
    assert "quote real details of this incident" in text
    assert "We will never call you first about this incident." in text
    assert "never ask for your password" in text
    assert "remote access" in text
    # the complaint right, and no server-chosen text at all
    assert "CNIL, www.cnil.fr" in text
    assert "script" not in text and "shop-orders" not in text and "198.51.100.7" not in text
    assert "Art. 33" not in text and "ENISA" not in text  # no jargon for the people


def test_public_communication_is_flagged_to_the_editor(shop: ScanRecord) -> None:
    text = draft(shop, {"disproportionate_effort": True}, kind="subjects")
    assert "public communication (Art. 34(3)(c))" in text


@pytest.mark.parametrize("kind", ["authority", "subjects"])
def test_markdown_drafts_neutralise_hostile_names(shop: ScanRecord, kind: str) -> None:
    text = draft(shop, kind=kind)
    lines = text.splitlines()
    cells = 0
    for n, line in enumerate(lines):
        pipes = len(re.findall(r"(?<!\\)\|", line))
        if n + 1 < len(lines) and lines[n + 1].startswith("|---"):
            cells = pipes  # a table's header row
        if "alert" in line and line.startswith("|"):
            assert pipes == cells  # the name opens no extra cell
    assert "<script>" not in text
    assert not re.search(r"(?<!\\)\[x(?<!\\)\]\(", text)  # no live link from an index name
    assert "\x1b" not in text and "\x07" not in text


@pytest.mark.parametrize("kind", ["authority", "subjects"])
def test_html_drafts_are_escaped_and_script_free(shop: ScanRecord, kind: str) -> None:
    page = draft(shop, kind=kind, fmt="html")
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page
    assert "<script" not in page
    assert "\x1b" not in page and "\x07" not in page
    if kind == "authority":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert '<mark class="fill">[[TO FILL: name and address of the controller]]</mark>' in page


def test_unknown_kind_or_format_is_refused(shop: ScanRecord) -> None:
    a = assess(shop)
    with pytest.raises(ValueError, match="kind"):
        notify(shop, a, kind="press")
    with pytest.raises(ValueError, match="fmt"):
        notify(shop, a, fmt="pdf")


def test_a_partial_stores_indices_that_asked_for_credentials_are_not_said_readable(
    build_scan: Build,
) -> None:
    # support-cases-2018 listed, not readable: neither in the store's indices nor documents
    doc = build_scan(*READ_AND_REFUSED, verdict=Verdict.PARTIAL)
    text = draft(doc).replace("\\", "")
    assert "could read the 1,132 documents held in 1 index;" in text
    assert "1 more index was listed, but reading them asked for credentials." in text
    steps = assess(doc).next_steps
    assert not any("were not sampled" in s for s in steps)
    assert any(
        "1 index listed but not readable (HTTP 401 on _search): to measure their personal "
        "data, scan again with the owner's credentials (--auth)" in s
        for s in steps
    )
    assert not any("could not be read" in s for s in steps)


def test_the_stores_own_indices_left_unsampled_ask_for_include_system(build_scan: Build) -> None:
    # CouchDB's _users, skipped by default: --sample alone would skip it again
    doc = build_scan(
        Ix("support-cases-2019", docs=1132, pii={"EMAIL_ADDRESS": (100, 90)}),
        Ix("_users", docs=3, sampled=0, system=True),
        Ix("notes", docs=50, sampled=0),
    )
    steps = assess(doc).next_steps
    assert any(
        s.startswith("1 exposed index was not sampled: scan again with --sample") for s in steps
    )
    assert any(
        s.startswith(
            "1 of the stores' own indices (_users) was not sampled, as by default: scan "
            "again with --include-system"
        )
        for s in steps
    )


def test_a_partial_stores_index_whose_read_failed_is_not_sent_for_credentials(
    build_scan: Build,
) -> None:
    doc = build_scan(
        READ_AND_REFUSED[0],
        Ix("support-cases-2017", docs=900, sample_error="read timed out after 10s",
           failure=Failure.OTHER),
        verdict=Verdict.PARTIAL,
    )  # fmt: skip
    steps = assess(doc).next_steps
    assert any(
        "1 index listed but whose read failed (read timed out after 10s): scan again" in s
        for s in steps
    )
    assert not any("--auth" in s for s in steps)


def test_an_index_never_read_but_refused_at_inventory_says_why(build_scan: Build) -> None:
    # --sample 0: nothing read; the inventory's _count and _mapping answered 401
    doc = build_scan(
        READ_AND_REFUSED[0],
        Ix("support-cases-2018", docs=10_000, sampled=0, denied=True),
        verdict=Verdict.PARTIAL,
    )
    steps = assess(doc).next_steps
    assert any(
        "1 index listed but not readable (the store asked for credentials): to measure" in s
        for s in steps
    )


def test_an_unknown_figure_says_why_once_in_the_authority_draft(build_scan: Build) -> None:
    # --sample 0: neither the people nor the records are known; each says why, once.
    doc = build_scan(Ix("cases", docs=10000, sampled=0))
    text = draft(doc)
    line = next(x for x in text.splitlines() if "number of personal data records" in x)
    assert "unknown (1 exposed index was not sampled" in line
    assert line.count("was not sampled") == 1
    people = next(x for x in text.splitlines() if "number of data subjects" in x)
    assert people.count("not sampled") <= 1
    assert "(exact)" not in line


KEYED = "estimated along the key id (sampled windows; 95% bounds)"
STATS = "the database's statistics (pg_class.reltuples): no bounds"


def _estimated_scan(build_scan: Build) -> ScanRecord:
    return build_scan(
        Ix("orders", docs=1_000, pii={"EMAIL_ADDRESS": (90, 80)}),
        Ix(
            "customers",
            docs=301_000,
            pii={"EMAIL_ADDRESS": (90, 80)},
            estimate=(300_000, 302_500, KEYED),
        ),
        Ix("visits", docs=5_000_000, pii={"PERSON": (60, 50)}, estimate=(None, None, STATS)),
    )


def _row(text: str, name: str) -> str:
    return next(x for x in text.splitlines() if x.startswith("|") and f"| {name} |" in x)


def test_an_estimated_count_is_marked_in_the_authority_drafts_table(build_scan: Build) -> None:
    text = draft(_estimated_scan(build_scan))
    assert "| 1,000 |" in _row(text, "orders")  # counted: as it was
    assert "| ~301,000 (300,000–302,500) |" in _row(text, "customers")  # with its bounds
    assert "| ~5,000,000 |" in _row(text, "visits")  # no bounds known
    note = next(x for x in text.splitlines() if x.startswith("~: an estimate, not a count"))
    assert "estimated along the key id" in note and "the database's statistics" in note


def test_the_records_anyone_could_read_say_they_include_an_estimate(build_scan: Build) -> None:
    text = draft(_estimated_scan(build_scan))
    line = next(x for x in text.splitlines() if "What happened" in x)
    # no upper bound: the statistics' estimate has none; the counted and bounded ones add up
    assert "could read about 5,302,000 documents (estimate; at least 301,000) held in" in line
    assert "the 5,302,000" not in line
    records = next(x for x in text.splitlines() if "number of personal data records" in x)
    assert "about 5,302,000 records (estimate" in records and "(exact)" not in records


def test_bounds_are_given_where_every_estimate_has_them(build_scan: Build) -> None:
    doc = build_scan(
        Ix("orders", docs=1_000, pii={"EMAIL_ADDRESS": (90, 80)}),
        Ix(
            "customers",
            docs=301_000,
            pii={"EMAIL_ADDRESS": (90, 80)},
            estimate=(300_000, 302_500, KEYED),
        ),
    )
    text = draft(doc)
    line = next(x for x in text.splitlines() if "What happened" in x)
    assert (
        "could read about 302,000 documents (estimate; between 301,000 and 303,500) held in" in line
    )
    for fmt in ("html", "markdown"):
        assert "~301,000" in draft(doc, fmt=fmt)


def test_counted_stores_keep_their_plain_figures(shop: ScanRecord) -> None:
    text = draft(shop)
    assert "could read the 48,215 documents held in" in text
    assert "~" not in text and "an estimate, not a count" not in text


def test_the_drafts_table_says_read_in_full_not_found_in_a_sample(tmp_path: Path) -> None:
    # A --depth full scan: "Personal data found in a sample" over "(10000/10000)", no date.
    ep = Endpoint("127.0.0.1", 6379)
    svc = Service(ep, "redis://127.0.0.1:6379", "redis", Verdict.OPEN, "INFO and SCAN answer")
    exact = Distinct(3433, 3433, 3433, True)
    full = FullRead(
        "scan",
        1,
        10_000,
        (FullPii("EMAIL_ADDRESS", 10_000, exact, (FullField("email", 10_000, exact),)),),
        People("EMAIL_ADDRESS", "email", exact),
        (YearCount(2005, 227), YearCount(2019, 9773)),
    )
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["127.0.0.1"], {"depth": "full"})
        store.record(
            scan_id,
            TargetResult(
                svc, (ContainerResult(Container("case:*", 10_000, None, False, False), None, full),)
            ),
        )
        scan = store.load(scan_id)
    text = draft(scan)
    assert "| Store | Key pattern | Keys | Personal data found | Dates |" in text
    assert "| e-mail addresses (10,000/10,000 read) | 2005 – 2019 (years read) |" in text
    sampled = builder(tmp_path)(Ix("shop-orders", pii={"EMAIL_ADDRESS": (95, 90)}))
    assert "| e-mail addresses (95/100 sampled) |" in draft(sampled)


def test_the_letter_to_the_people_says_how_many_databases_were_open(tmp_path: Path) -> None:
    # The lab's six stores (a database, its cache, two buckets…): "one of our databases".
    build = builder(tmp_path)
    one = build(Ix("shop-orders", pii={"EMAIL_ADDRESS": (95, 90)}))
    assert ", one of our databases (" in draft(one, kind="subjects")
    assert "the information it held" in draft(one, kind="subjects")
    with SqliteStore(tmp_path / "two.db") as store:
        scan_id = store.begin_scan(["x"], {})
        for scan in (one, build(Ix("crm", pii={"EMAIL_ADDRESS": (9, 9)}), host="198.51.100.8")):
            for r in scan.results:
                store.record(scan_id, r)
        two = store.load(scan_id)
    text = draft(two, kind="subjects")
    assert ", two of our databases (" in text and "one of our databases" not in text
    assert "what the databases are used for" in text and "the information they held" in text


def test_an_inventory_note_is_said_beside_the_authority_drafts_figures(tmp_path: Path) -> None:
    # assess said "Inventory notes" beside its figures; the 72-hour draft, built on the same
    # figures, said nothing of what the inventory could not learn.
    note = "which indices are hidden is unknown (index.hidden settings: HTTP 403)"
    build = builder(tmp_path)
    (result,) = build(Ix("shop-orders", docs=48210, pii={"EMAIL_ADDRESS": (95, 90)})).results
    with SqliteStore(tmp_path / "noted.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(scan_id, replace(result, inventory_note=note))
        noted = store.load(scan_id)
    text = draft(noted)
    records = text.index("**Approximate number of personal data records:**")
    said = text.index(
        "**Inventory notes:** what the stores' inventories could not learn of the containers "
        "they listed, every one of them counted in these figures all the same: "
        f"{result.service.url}: {note}."
    )
    assert records < said < text.index("**Date range of the records:**")
    assert "Not counted" not in text
    page = draft(noted, fmt="html")
    assert "<strong>Inventory notes: </strong>" in page and note in page
    # a whole inventory with nothing to note says nothing of it
    assert "Inventory notes" not in draft(build(Ix("shop-orders", docs=48210)))
