"""Change detection: what a round opens, changes, reminds of and resolves, and what it keeps
quiet about (a second round that sees the same thing, a kind the sample missed once)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from leakhound.models import Endpoint, Sample, Verdict
from leakhound.store.records import ResultRecord
from leakhound.store.watch import IssueChange, IssueRow, stamp
from leakhound.watch import Rules, evaluate
from leakhound.watch.changes import Evaluation

from .records import pii, result, scan

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
RULES = Rules(remind=3600, remind_max=4 * 3600, count_jump=0.5, count_jump_min=100, cert_days=14)


class Issues:
    """The issue table as the store keeps it, applied round after round."""

    def __init__(self) -> None:
        self.rows: dict[str, IssueRow] = {}
        self.resolved: list[str] = []
        self.resolved_at: dict[str, str] = {}
        self.settled: dict[str, dict[str, object]] = {}
        self._next = 1

    def apply(self, changes: list[IssueChange], at: datetime) -> None:
        for c in changes:
            if c.op == "open":
                self.rows[c.key] = IssueRow(
                    self._next,
                    c.key,
                    c.kind,
                    c.endpoint,
                    stamp(at),
                    "scan",
                    c.reminders,
                    c.next_reminder,
                    c.state,
                )
                self._next += 1
            elif c.op == "update":
                old = self.rows[c.key]
                self.rows[c.key] = IssueRow(
                    old.issue_id,
                    c.key,
                    c.kind,
                    c.endpoint,
                    old.opened_at,
                    old.opened_scan,
                    c.reminders,
                    c.next_reminder,
                    c.state,
                )
            else:
                del self.rows[c.key]
                self.resolved.append(c.key)
                self.resolved_at[c.key] = stamp(at)
                self.settled[c.key] = c.state


def run(issues: Issues, *results: object, at: datetime = T0, rules: Rules = RULES) -> Evaluation:
    out = evaluate(
        scan("s", *results),  # type: ignore[arg-type]
        dict(issues.rows),
        at,
        rules,
        resolved=dict(issues.resolved_at),
        settled=dict(issues.settled),
    )
    issues.apply(out.changes, at)
    return out


def events(out: Evaluation) -> list[tuple[str, str]]:
    return [(a.event, a.endpoint) for a in out.alerts]


EMAIL = pii("EMAIL_ADDRESS", "j***@e***.com")
IBAN = pii("IBAN_CODE", "DE** **** **** 3000")


def test_a_store_open_is_one_alert_and_the_next_rounds_say_nothing() -> None:
    issues = Issues()
    first = run(
        issues,
        result(9200, containers={"cases": 500}, kinds={"cases": (EMAIL,)}),
        result(9201, Verdict.SECURED),
    )
    assert events(first) == [("opened", "127.0.0.1:9200")]
    alert = first.alerts[0]
    assert alert.severity == "critical" and alert.issue == "exposed"
    assert "open opensearch store at http://127.0.0.1:9200" in alert.title
    assert alert.evidence["pii"]["EMAIL_ADDRESS"]["examples"] == ["j***@e***.com"]
    assert alert.next_steps == (
        "leakhound report s",
        "leakhound assess s",
        "leakhound notify s --kind authority",
    )
    for minutes in (1, 2, 3):
        again = run(
            issues,
            result(9200, containers={"cases": 500}, kinds={"cases": (EMAIL,)}),
            result(9201, Verdict.SECURED),
            at=T0 + timedelta(minutes=minutes),
        )
        assert again.alerts == []


def test_a_partial_store_opens_an_issue_too_and_going_open_is_a_change() -> None:
    issues = Issues()
    assert events(run(issues, result(9200, Verdict.PARTIAL))) == [("opened", "127.0.0.1:9200")]
    out = run(issues, result(9200, Verdict.OPEN))
    assert events(out) == [("changed", "127.0.0.1:9200")]
    assert "went from partial to open" in out.alerts[0].title
    assert out.alerts[0].severity == "critical"


def test_a_partial_stores_refused_containers_are_evidence_apart() -> None:
    partial = result(9200, Verdict.PARTIAL, containers={"cases": 500, "payroll": 200})
    cases, payroll = partial.containers
    # the payroll was listed, but its read asked for credentials: nothing of it was read
    refused = replace(payroll, sample=Sample(100, 0, (), error="HTTP 401 on _search"))
    partial = replace(partial, containers=(refused, cases))
    alert = run(Issues(), partial).alerts[0]
    ev = alert.evidence
    assert (ev["containers_total"], ev["containers_refused"]) == (1, 1)
    assert [(c["name"], c.get("refused", False)) for c in ev["containers"]] == [
        ("cases", False),
        ("payroll", True),
    ]
    text = "\n".join(alert.lines())
    assert "containers (1, largest first; 1 more listed but not readable, after them):" in text
    assert "payroll: 200 records [not readable]" in text
    assert "1 more listed but not readable" in alert.title


def test_a_listing_cut_short_makes_its_counts_a_floor_and_says_why() -> None:
    cut = result(9200, containers={"cases": 500}, kinds={"cases": (EMAIL,)})
    why = "/_all_dbs was cut at the 33,554,432 byte cap: only the 1 names whole in it are listed"
    cut = replace(cut, inventory_error=why)
    alert = run(Issues(), cut).alerts[0]
    assert alert.evidence["inventory_incomplete"] == why
    assert "at least 1 " in alert.title
    text = "\n".join(alert.lines())
    assert "containers (at least 1, largest first):" in text
    assert f"inventory incomplete: {why}" in text
    # a whole listing's figures stay as they were: no floor, no incomplete line
    whole = run(Issues(), result(9200, containers={"cases": 500})).alerts[0]
    assert "inventory_incomplete" not in whole.evidence and "at least" not in whole.title
    assert "containers (1, largest first):" in "\n".join(whole.lines())


def test_a_note_on_a_whole_listing_is_said_and_its_counts_are_no_floor() -> None:
    # Which indices are hidden is unknown, but every index was listed and counted: the
    # figures are exact, the note is said beside them, never as "inventory incomplete".
    note = "which indices are hidden is unknown (index.hidden settings: read timed out after 1s)"
    whole = result(9200, containers={"cases": 500}, kinds={"cases": (EMAIL,)})
    alert = run(Issues(), replace(whole, inventory_note=note)).alerts[0]
    assert "at least" not in alert.title
    assert "inventory_incomplete" not in alert.evidence
    assert alert.evidence["inventory_note"] == note
    text = "\n".join(alert.lines())
    assert "containers (1, largest first):" in text and "at least" not in text
    assert f"inventory note: {note}" in text and "incomplete" not in text


@pytest.mark.parametrize(
    "closed",
    [Verdict.SECURED, Verdict.CLOSED, Verdict.not_of("elasticsearch")],
    ids=["secured", "closed", "not-the-kind"],
)
def test_a_store_closed_again_is_resolved_once(closed: Verdict) -> None:
    issues = Issues()
    run(issues, result(9200))
    out = run(issues, result(9200, closed))
    assert events(out) == [("resolved", "127.0.0.1:9200")]
    assert out.alerts[0].severity == "info" and str(closed) in out.alerts[0].title
    assert issues.resolved == ["exposed:127.0.0.1:9200"]
    assert run(issues, result(9200, closed)).alerts == []
    # open again later: a new issue, a new alert
    assert events(run(issues, result(9200))) == [("opened", "127.0.0.1:9200")]


def test_a_store_flapping_every_round_is_three_alerts_then_only_reminders() -> None:
    issues = Issues()
    seen = []
    for n in range(12):  # open, secured, open, secured… every 5 min for an hour
        verdict = Verdict.OPEN if n % 2 == 0 else Verdict.SECURED
        out = run(issues, result(9200, verdict), at=T0 + timedelta(minutes=5 * n))
        seen += [a.event for a in out.alerts]
    assert seen == ["opened", "resolved", "opened"]
    # the issue opened at 10 min: its first reminder is an hour later, then they space out
    again = run(issues, result(9200), at=T0 + timedelta(minutes=70))
    assert [a.event for a in again.alerts] == ["reminder"]


def test_a_store_open_again_soon_after_it_was_resolved_says_it_flaps() -> None:
    issues = Issues()
    run(issues, result(9200))
    run(issues, result(9200, Verdict.SECURED), at=T0 + timedelta(minutes=5))
    out = run(issues, result(9200), at=T0 + timedelta(minutes=15))
    (alert,) = out.alerts
    assert alert.event == "opened" and alert.severity == "critical"
    assert "open again 10 min after it was resolved: flapping" in alert.title
    assert alert.evidence["changes"] == [
        f"open again 10 min after it was resolved at {stamp(T0 + timedelta(minutes=5))}"
    ]


def test_a_store_open_again_within_a_minute_says_so_in_seconds() -> None:
    issues = Issues()
    run(issues, result(9200))
    run(issues, result(9200, Verdict.SECURED), at=T0 + timedelta(seconds=20))
    out = run(issues, result(9200), at=T0 + timedelta(seconds=40))
    assert "open again 20 s after it was resolved" in out.alerts[0].title


def test_a_flapping_store_resolves_once_it_stays_shut_for_the_remind_interval() -> None:
    issues = Issues()
    for n, verdict in enumerate([Verdict.OPEN, Verdict.SECURED, Verdict.OPEN]):
        run(issues, result(9200, verdict), at=T0 + timedelta(minutes=5 * n))
    shut = T0 + timedelta(minutes=15)
    for minutes in (0, 20, 40, 59):
        at = shut + timedelta(minutes=minutes)
        assert run(issues, result(9200, Verdict.SECURED), at=at).alerts == []
    # a silent round neither resolves nor restarts the settling time
    assert run(issues, result(9200, Verdict.TIMEOUT), at=shut + timedelta(minutes=59)).alerts == []
    out = run(issues, result(9200, Verdict.SECURED), at=shut + timedelta(minutes=60))
    assert events(out) == [("resolved", "127.0.0.1:9200")]
    assert "exposed:127.0.0.1:9200" not in issues.rows


def test_a_flapping_store_shut_then_open_again_restarts_its_settling_time() -> None:
    issues = Issues()
    for n, verdict in enumerate([Verdict.OPEN, Verdict.SECURED, Verdict.OPEN, Verdict.SECURED]):
        run(issues, result(9200, verdict), at=T0 + timedelta(minutes=5 * n))
    assert run(issues, result(9200), at=T0 + timedelta(minutes=50)).alerts == []
    shut = T0 + timedelta(minutes=55)
    assert run(issues, result(9200, Verdict.SECURED), at=shut).alerts == []
    assert run(issues, result(9200, Verdict.SECURED), at=shut + timedelta(minutes=59)).alerts == []
    assert len(run(issues, result(9200, Verdict.SECURED), at=shut + timedelta(hours=1)).alerts) == 1


def test_a_store_open_again_long_after_it_was_resolved_is_a_plain_opening() -> None:
    issues = Issues()
    run(issues, result(9200))
    run(issues, result(9200, Verdict.SECURED), at=T0 + timedelta(minutes=5))
    out = run(issues, result(9200), at=T0 + timedelta(minutes=5, hours=1))
    assert events(out) == [("opened", "127.0.0.1:9200")]
    assert "flapping" not in out.alerts[0].title
    assert run(issues, result(9200, Verdict.SECURED), at=T0 + timedelta(hours=2)).alerts != []


def test_ransom_signs_on_a_flapping_store_are_not_alerted_again_while_it_is_held() -> None:
    issues = Issues()
    seen = []
    for n in range(8):
        verdict = Verdict.OPEN if n % 2 == 0 else Verdict.SECURED
        r = result(9200, verdict, containers={"read_me": 1}, compromised=("read_me",))
        seen += [a.event for a in run(issues, r, at=T0 + timedelta(minutes=5 * n)).alerts]
    # one compromise, one alert: the store opening again shows the signs already alerted on
    assert seen == ["opened", "compromised", "resolved", "resolved", "opened"]


def test_a_flapping_store_with_the_same_ransom_signs_is_one_compromised_alert() -> None:
    issues = Issues()
    seen = []
    for minutes, verdict in ((0, Verdict.OPEN), (5, Verdict.SECURED), (10, Verdict.OPEN)):
        r = result(9200, verdict, containers={"read_me": 1}, compromised=("read_me",))
        seen += [a.event for a in run(issues, r, at=T0 + timedelta(minutes=minutes)).alerts]
    assert seen.count("compromised") == 1
    # a new sign of compromise on the flapping store is alerted on, and only it
    signs = ("read_me", "how_to_pay")
    r = result(9200, containers={"read_me": 1, "how_to_pay": 1}, compromised=signs)
    out = run(issues, r, at=T0 + timedelta(minutes=15))
    (alert,) = [a for a in out.alerts if a.event == "compromised"]
    assert alert.title.endswith(": how_to_pay")


def test_ransom_signs_seen_again_long_after_they_were_resolved_are_a_new_compromise() -> None:
    issues = Issues()
    r = result(9200, containers={"read_me": 1}, compromised=("read_me",))
    run(issues, r)
    run(issues, result(9200, Verdict.SECURED), at=T0 + timedelta(minutes=5))
    later = [a.event for a in run(issues, r, at=T0 + timedelta(hours=2)).alerts]
    assert later == ["opened", "compromised"]


def account(name: str, verdict: Verdict = Verdict.OPEN) -> ResultRecord:
    """A storage account at the emulator's host:port, one of several there."""
    r = result(10000, verdict)
    ep = replace(r.service.endpoint, base_path=f"/{name}", account=name)
    return replace(r, service=replace(r.service, endpoint=ep, url=f"http://{ep.netloc}/{name}"))


def bucket(port: int, *buckets: str, verdict: Verdict = Verdict.OPEN) -> ResultRecord:
    """An S3 store named by bucket targets (``s3://BUCKET@HOST:PORT``), as the scan keeps it."""
    r = result(port, verdict, containers={f"{b}/exports/": 10 for b in buckets})
    ep = Endpoint("127.0.0.1", port, "s3", containers=buckets)
    return replace(r, service=replace(r.service, endpoint=ep, kind="s3"))


def test_a_bucket_stores_alerts_name_it_as_the_scan_does() -> None:
    # The scan names a store by its service URL (the scheme and host:port that answered, the
    # account for Azure) and keys it by Endpoint.key: the alerts say the same, not the target.
    for r in (bucket(9000, "public-cases", "readable-cases"), account("devstoreaccount1")):
        (alert,) = run(Issues(), r).alerts
        assert (alert.url, alert.endpoint) == (r.service.url, r.service.endpoint.key)
        assert f"store at {r.service.url}:" in alert.title
        assert f"endpoint: {r.service.url} ({r.service.kind})" in alert.text()
    s3 = bucket(9000, "public-cases")
    assert (s3.service.url, s3.service.endpoint.key) == ("http://127.0.0.1:9000", "127.0.0.1:9000")


def test_a_bucket_store_that_closes_is_resolved_under_the_name_it_was_opened_with() -> None:
    issues = Issues()
    opened = bucket(9000, "public-cases")
    bad = replace(
        opened.containers[0],
        container=replace(
            opened.containers[0].container, compromised=True, compromise_reasons=("a ransom note",)
        ),
    )
    opened = replace(opened, containers=(bad,))
    run(issues, opened)
    # refused: no scheme answered, so the scan keeps the target's own s3://host:port
    gone = bucket(9000, "public-cases", verdict=Verdict.CLOSED)
    gone = replace(gone, service=replace(gone.service, url="s3://127.0.0.1:9000"))
    out = run(issues, gone, at=T0 + timedelta(minutes=5))
    assert [(a.event, a.issue) for a in out.alerts] == [
        ("resolved", "exposed"),
        ("resolved", "compromised"),
    ]
    for alert in out.alerts:
        assert alert.url == opened.service.url == "http://127.0.0.1:9000"
        assert "s3://" not in alert.title and "http://127.0.0.1:9000" in alert.title


def test_accounts_of_one_host_port_are_issues_apart() -> None:
    issues = Issues()
    opened = run(issues, account("one"), account("two"))
    assert events(opened) == [
        ("opened", "127.0.0.1:10000/one"),
        ("opened", "127.0.0.1:10000/two"),
    ]
    out = run(issues, account("one", Verdict.SECURED), account("two"))
    assert events(out) == [("resolved", "127.0.0.1:10000/one")]
    assert sorted(issues.rows) == ["exposed:127.0.0.1:10000/two"]


@pytest.mark.parametrize("unknown", [Verdict.TIMEOUT, Verdict.ERROR], ids=["timeout", "error"])
def test_a_store_that_stops_answering_is_not_resolved(unknown: Verdict) -> None:
    issues = Issues()
    run(issues, result(9200))
    assert run(issues, result(9200, unknown)).alerts == []
    assert "exposed:127.0.0.1:9200" in issues.rows
    assert run(issues, result(9200)).alerts == []  # back, still the same issue


def test_a_new_container_is_one_alert_and_one_that_comes_back_is_none() -> None:
    issues = Issues()
    run(issues, result(9200, containers={"cases": 500}))
    out = run(issues, result(9200, containers={"cases": 500, "invoices": 20}))
    assert events(out) == [("new-container", "127.0.0.1:9200")]
    assert "invoices" in out.alerts[0].title
    assert run(issues, result(9200, containers={"cases": 500})).alerts == []
    assert run(issues, result(9200, containers={"cases": 500, "invoices": 20})).alerts == []


def test_a_new_kind_of_personal_data_is_one_alert_and_a_sample_missing_it_once_is_none() -> None:
    issues = Issues()
    run(issues, result(9200, containers={"cases": 500}, kinds={"cases": (EMAIL,)}))
    out = run(issues, result(9200, containers={"cases": 500}, kinds={"cases": (EMAIL, IBAN)}))
    assert events(out) == [("new-pii", "127.0.0.1:9200")]
    assert "IBAN_CODE" in out.alerts[0].title and "EMAIL_ADDRESS" not in out.alerts[0].title
    # the next sample misses the rare IBAN, the one after finds it again: nothing new
    assert (
        run(issues, result(9200, containers={"cases": 500}, kinds={"cases": (EMAIL,)})).alerts == []
    )
    assert (
        run(issues, result(9200, containers={"cases": 500}, kinds={"cases": (EMAIL, IBAN)})).alerts
        == []
    )


JANE, JOHN = "userdb-j***@g***.com #1", "userdb-j***@g***.com #2"


def test_names_masked_alike_numbered_anew_are_one_new_container_and_no_jump() -> None:
    # A per-user database is numbered among those masked alike in the server's order: jack
    # signing up before jane moves jane's to #2 and john's to #3.
    issues = Issues()
    run(issues, result(5984, containers={JANE: 3000, JOHN: 120}))
    after = {JANE: 5, JOHN: 3000, "userdb-j***@g***.com #3": 120}
    out = run(issues, result(5984, containers=after))
    assert events(out) == [("new-container", "127.0.0.1:5984")]
    assert "1 new" in out.alerts[0].title and "#3" in out.alerts[0].title
    assert run(issues, result(5984, containers=after)).alerts == []


def test_a_masked_name_joined_by_another_is_one_new_container() -> None:
    issues = Issues()
    run(issues, result(5984, containers={"userdb-j***@g***.com": 3000}))
    out = run(issues, result(5984, containers={JANE: 3000, JOHN: 7}))
    assert events(out) == [("new-container", "127.0.0.1:5984")]
    assert "1 new" in out.alerts[0].title


def test_a_jump_among_names_masked_alike_renumbered_is_the_group_s() -> None:
    issues = Issues()
    run(issues, result(5984, containers={JANE: 3000, JOHN: 120}))
    out = run(issues, result(5984, containers={JANE: 5, JOHN: 3, "userdb-j***@g***.com #3": 1}))
    assert sorted(e for e, _ in events(out)) == ["count-jump", "new-container"]
    (jump,) = [a for a in out.alerts if a.event == "count-jump"]
    assert "userdb-j***@g***.com (all 3) 3,120 -> 9" in jump.title


@pytest.mark.parametrize(
    ("before", "after", "jumps"),
    [
        pytest.param(1000, 1400, False, id="40%-up-is-not-a-jump"),
        pytest.param(1000, 1600, True, id="60%-up-is-a-jump"),
        pytest.param(5000, 0, True, id="wiped"),
        pytest.param(100, 190, False, id="90%-but-under-100-records"),
        pytest.param(0, 150, True, id="from-empty"),
        pytest.param(1000, None, False, id="count-unknown"),
    ],
)
def test_record_counts_jumping(before: int, after: int | None, jumps: bool) -> None:
    issues = Issues()
    run(issues, result(9200, containers={"cases": before}))
    out = run(issues, result(9200, containers={"cases": after}))
    assert events(out) == ([("count-jump", "127.0.0.1:9200")] if jumps else [])
    if jumps:
        assert f"cases {before:,} -> {after:,}" in out.alerts[0].title


def test_ransom_signs_are_one_alert_and_resolve_when_the_store_closes() -> None:
    issues = Issues()
    out = run(issues, result(9200, containers={"cases": 5, "read_me": 1}, compromised=("read_me",)))
    assert sorted(e for e, _ in events(out)) == ["compromised", "opened"]
    assert (
        run(
            issues, result(9200, containers={"cases": 5, "read_me": 1}, compromised=("read_me",))
        ).alerts
        == []
    )
    out = run(issues, result(9200, Verdict.SECURED))
    assert [a.issue for a in out.alerts] == ["exposed", "compromised"]
    assert {a.event for a in out.alerts} == {"resolved"}


def test_a_certificate_near_expiry_is_one_alert_and_renewal_resolves_it() -> None:
    issues = Issues()
    soon = (T0 + timedelta(days=5)).isoformat()
    out = run(issues, result(9243, Verdict.SECURED, not_after=soon))
    assert events(out) == [("certificate", "127.0.0.1:9243")]
    assert "expires in 5 day(s)" in out.alerts[0].title
    assert (
        run(
            issues, result(9243, Verdict.SECURED, not_after=soon), at=T0 + timedelta(minutes=5)
        ).alerts
        == []
    )
    later = (T0 + timedelta(days=90)).isoformat()
    out = run(issues, result(9243, Verdict.SECURED, not_after=later), at=T0 + timedelta(minutes=10))
    assert events(out) == [("resolved", "127.0.0.1:9243")]
    far = (T0 + timedelta(days=60)).isoformat()
    assert run(Issues(), result(9243, Verdict.SECURED, not_after=far)).alerts == []


def test_reminders_come_at_a_doubling_interval_up_to_the_cap() -> None:
    issues = Issues()
    run(issues, result(9200))
    reminded = []
    for minute in range(0, 20 * 60, 5):  # a round every 5 minutes for 20 hours
        out = run(issues, result(9200), at=T0 + timedelta(minutes=minute))
        reminded += [minute for a in out.alerts if a.event == "reminder"]
    # 1 h, then 2 h, then 4 h (the cap) after each reminder
    assert reminded == [60, 180, 420, 660, 900, 1140]


def test_a_reminder_says_how_long_the_store_has_been_open() -> None:
    issues = Issues()
    run(issues, result(9200))
    out = run(issues, result(9200), at=T0 + timedelta(minutes=61))
    assert events(out) == [("reminder", "127.0.0.1:9200")]
    assert "(for 1 h 1 min, reminder 1)" in out.alerts[0].title


def test_evidence_keeps_masked_examples_only() -> None:
    raw = pii("EMAIL_ADDRESS", "jane.doe@example.com")  # not a masked preview: never sent
    out = run(Issues(), result(9200, containers={"cases": 5}, kinds={"cases": (raw, IBAN)}))
    evidence = out.alerts[0].evidence
    assert evidence["pii"]["EMAIL_ADDRESS"]["examples"] == []
    assert evidence["pii"]["IBAN_CODE"]["examples"] == ["DE** **** **** 3000"]
    assert "jane.doe" not in repr(out.alerts[0].to_dict())


def test_personal_data_figures_say_how_many_records_were_sampled() -> None:
    # 10 records with an e-mail address among the 100 + 50 the samples read, not the 5,050
    # the store holds: an alert saying "10" alone reads as a count of the store.
    out = run(
        Issues(), result(9200, containers={"cases": 5000, "notes": 50}, kinds={"cases": (EMAIL,)})
    )
    alert = out.alerts[0]
    assert alert.evidence["sampled"] == {"records": 150, "containers": 2}
    assert alert.evidence["pii"]["EMAIL_ADDRESS"]["docs"] == 10
    assert alert.evidence["pii"]["EMAIL_ADDRESS"]["of_sampled"] == 150
    text = alert.text()
    assert "150 records read from 2 container(s)" in text
    assert "EMAIL_ADDRESS: 10 of 150 sampled records, e.g. j***@e***.com" in text


def test_text_from_a_target_is_neutralised_in_alerts() -> None:
    out = run(Issues(), result(9200, containers={"evil\x1b[2J\nname": 5}))
    assert "\x1b" not in out.alerts[0].text() and "\nname" not in out.alerts[0].title


def test_an_open_store_whose_records_nobody_counted_is_not_alerted_as_0_records() -> None:
    # containers listed with --sample 0 (as an object store's folders): no count, not 0 records
    out = run(Issues(), result(9000, containers={"exports/": None, "hr/": None}))
    (alert,) = out.alerts
    assert "0 documents" not in alert.title
    assert "2 indices, documents not counted" in alert.title  # the store's words
    out = run(Issues(), result(9000, containers={"exports/": 300, "hr/": None}))
    assert "2 indices, 300 documents (1 index not counted)" in out.alerts[0].title


def test_a_remind_interval_too_long_for_a_date_still_alerts() -> None:
    # --remind 1000000d ("never, really"): a settling time past the calendar is no crash (a
    # crash every round is a watch that alerts nothing).
    rules = replace(RULES, remind=1e6 * 86400, remind_max=1e6 * 86400)
    issues = Issues()
    assert events(run(issues, result(9200), rules=rules)) == [("opened", "127.0.0.1:9200")]
    shut = run(issues, result(9200, Verdict.SECURED), at=T0 + timedelta(minutes=5), rules=rules)
    assert events(shut) == [("resolved", "127.0.0.1:9200")]
    again = run(issues, result(9200), at=T0 + timedelta(minutes=10), rules=rules)
    assert [a.event for a in again.alerts] == ["opened"]
    assert "flapping" in again.alerts[0].title


def test_ransom_signs_back_on_a_store_that_stayed_open_are_a_new_compromise() -> None:
    # Cleaned up (the ransom index dropped) but left open: a bot wiping it again within the
    # settling time, with the same note, is a new compromise, not the one already alerted on.
    issues = Issues()
    bad = result(9200, containers={"read_me": 1}, compromised=("read_me",))
    assert [a.event for a in run(issues, bad).alerts] == ["opened", "compromised"]
    cleaned = run(issues, result(9200, containers={"read_me_not": 1}), at=T0 + timedelta(minutes=5))
    assert [(a.event, a.issue) for a in cleaned.alerts] == [
        ("new-container", "exposed"),
        ("resolved", "compromised"),
    ]
    again = run(issues, bad, at=T0 + timedelta(minutes=10))
    assert [(a.event, a.issue) for a in again.alerts] == [("compromised", "compromised")]


def test_a_ransom_note_a_sample_missed_once_on_a_store_left_open_is_not_a_new_compromise() -> None:
    # The container stayed: its note was read one round, missed the next, read again.
    issues = Issues()
    noted = result(9200, containers={"users": 500}, compromised=("users",))
    assert [a.event for a in run(issues, noted).alerts] == ["opened", "compromised"]
    missed = run(issues, result(9200, containers={"users": 500}), at=T0 + timedelta(minutes=5))
    assert [a.event for a in missed.alerts] == ["resolved"]
    assert run(issues, noted, at=T0 + timedelta(minutes=10)).alerts == []


def test_an_alert_says_which_of_its_records_the_store_estimated() -> None:
    # _cat/indices counts nested documents too: a figure that may be off, marked as the
    # container tables mark it, where the alert's title read as a count.
    got = result(9000, containers={"cases": 5000, "notes": 300})
    cases, notes = got.containers
    estimated = replace(cases, container=replace(cases.container, docs_exact=False))
    out = run(Issues(), replace(got, containers=(estimated, notes)))
    assert "2 indices, ~5,300 (5,000 of them estimated) documents" in out.alerts[0].title
