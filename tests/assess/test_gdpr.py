"""The GDPR decision aid on clear cases, and the 72-hour clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scans import Build, Ix

from leakhound.assess import Duty, assess
from leakhound.models import Failure, Verdict

AWARE = datetime(2024, 4, 10, 9, 0, tzinfo=UTC)
SHOP = Ix(
    "shop-orders", pii={"EMAIL_ADDRESS": (95, 90), "PERSON": (95, 88), "CREDIT_CARD": (60, 60)}
)


def test_emails_names_and_cards_open_to_the_internet_need_art_33_and_34(build_scan: Build) -> None:
    # SE = 3 × 1 + 0.5 = 3.5: high -> notify the authority and the people.
    a = assess(build_scan(SHOP), None, AWARE, now=AWARE + timedelta(hours=5))
    assert a.authority.duty is Duty.REQUIRED
    assert a.subjects.duty is Duty.REQUIRED
    assert any("2024-04-13 09:00" in r for r in a.authority.reasons)
    assert any("Art. 34(2)" in r for r in a.subjects.reasons)
    assert not a.deadline.overdue
    assert a.deadline.hours_left == 67


def test_encrypted_data_needs_no_art_34(build_scan: Build) -> None:
    # Art. 34(3)(a): unintelligible data. Confidentiality only, so Art. 33 is likely not
    # required either.
    a = assess(build_scan(SHOP), {"data_encrypted": True}, AWARE, now=AWARE)
    assert a.authority.duty is Duty.LIKELY_NOT_REQUIRED
    assert any("encrypted" in r for r in a.authority.reasons)
    assert a.subjects.duty is Duty.NOT_REQUIRED
    assert any("34(3)(a)" in r for r in a.subjects.reasons)


def test_encrypted_data_lost_to_ransom_still_notifiable_but_no_art_34(build_scan: Build) -> None:
    # A ransom adds availability (0.25) and malice (0.5): SE = 3 × 1 + 1.25 = 4.25, very high.
    # Encrypted data: Art. 33 still due (availability is lost), Art. 34(3)(a) applies.
    doc = build_scan(
        SHOP, Ix("how_to_recover", docs=1, sampled=1, compromised=True, reasons=("ransom note",))
    )
    a = assess(doc, {"data_encrypted": True}, AWARE, now=AWARE)
    assert a.severity.score == 4.25
    assert a.authority.duty is Duty.REQUIRED
    assert a.subjects.duty is Duty.NOT_REQUIRED
    assert any("34(3)(a)" in r for r in a.subjects.reasons)


def test_measures_that_remove_the_high_risk_art_34_3_b(build_scan: Build) -> None:
    ctx = {
        "high_risk_mitigated": True,
        "measures_taken": ["all exposed cards cancelled and reissued by the issuer"],
    }
    a = assess(build_scan(SHOP), ctx, AWARE, now=AWARE)
    assert a.authority.duty is Duty.REQUIRED
    assert a.subjects.duty is Duty.NOT_REQUIRED
    assert any("34(3)(b)" in r and "reissued" in r for r in a.subjects.reasons)


def test_disproportionate_effort_means_public_communication(build_scan: Build) -> None:
    a = assess(build_scan(SHOP), {"disproportionate_effort": True}, AWARE, now=AWARE)
    assert a.subjects.duty is Duty.PUBLIC_COMMUNICATION
    assert any("34(3)(c)" in r for r in a.subjects.reasons)


def test_ip_addresses_with_low_identifiability_may_not_be_notifiable(build_scan: Build) -> None:
    # SE = 2 × 0.25 + 0.5 = 1.0: low -> Art. 33's "unlikely to result in a risk" exception
    # may apply; the controller must document it.
    a = assess(build_scan(Ix("access-logs", pii={"IP_ADDRESS": (100, 12)})), None, AWARE, now=AWARE)
    assert a.authority.duty is Duty.LIKELY_NOT_REQUIRED
    assert a.subjects.duty is Duty.NOT_REQUIRED
    assert any("33(5)" in r for r in a.authority.reasons)


def test_medium_severity_notifies_the_authority_only(build_scan: Build) -> None:
    a = assess(
        build_scan(
            Ix("payouts", pii={"IBAN_CODE": (50, 50), "PERSON": (50, 50), "LOCATION": (50, 48)})
        ),
        None,
        AWARE,
        now=AWARE,
    )
    assert a.severity.score == 2.5
    assert a.authority.duty is Duty.REQUIRED
    assert a.subjects.duty is Duty.NOT_REQUIRED


def test_no_personal_data_in_samples_is_likely_not_a_breach(build_scan: Build) -> None:
    a = assess(build_scan(Ix("metrics", pii={})), None, AWARE, now=AWARE)
    assert not a.personal_data_found
    assert a.authority.duty is Duty.LIKELY_NOT_REQUIRED
    assert any("Art. 4(12)" in r for r in a.authority.reasons)


def test_unsampled_indices_leave_the_decision_open(build_scan: Build) -> None:
    a = assess(build_scan(Ix("metrics", sampled=0)), None, AWARE, now=AWARE)
    assert a.authority.duty is Duty.UNDETERMINED
    assert a.subjects.duty is Duty.UNDETERMINED
    assert any("--sample" in s for s in a.next_steps)


def test_a_partial_store_that_let_nothing_be_read_exposed_names_not_records(
    build_scan: Build,
) -> None:
    # Its listing answers, every index's read asks for credentials: nothing to sample again.
    refused = [
        Ix(n, sample_error="HTTP 401 on _search", failure=Failure.CREDENTIALS)
        for n in ("crm", "orders")
    ]
    a = assess(build_scan(*refused, verdict=Verdict.PARTIAL), None, AWARE, now=AWARE)
    assert a.authority.duty is Duty.LIKELY_NOT_REQUIRED
    (reason,) = a.authority.reasons
    assert reason.startswith("2 listed indices asked for credentials to be read")
    assert "names and record counts were exposed, not their records" in reason
    assert not any("--sample" in s for s in a.next_steps)
    assert any("--auth" in s for s in a.next_steps)


def test_an_index_refused_beside_a_readable_one_is_named_with_the_decision(
    build_scan: Build,
) -> None:
    both = (
        Ix("metrics", pii={}),
        Ix("crm", sample_error="HTTP 403 on _search", failure=Failure.CREDENTIALS),
    )
    a = assess(build_scan(*both, verdict=Verdict.PARTIAL), None, AWARE, now=AWARE)
    assert a.authority.duty is Duty.LIKELY_NOT_REQUIRED  # was undetermined: crm "unmeasured"
    assert any("Art. 4(12)" in r for r in a.authority.reasons)
    assert any(r.startswith("1 listed index asked for credentials") for r in a.authority.reasons)


def test_indices_whose_read_failed_otherwise_leave_the_decision_open(build_scan: Build) -> None:
    # A partial store whose reads timed out: the records may well be readable by anyone.
    failed = [
        Ix(n, sample_error="timed out after 30 s", failure=Failure.OTHER) for n in ("crm", "orders")
    ]
    a = assess(build_scan(*failed, verdict=Verdict.PARTIAL), None, AWARE, now=AWARE)
    assert a.authority.duty is Duty.UNDETERMINED
    assert not any("credentials to be read" in r for r in a.authority.reasons)


def test_an_error_whose_words_say_403_is_no_refusal_without_the_mark(build_scan: Build) -> None:
    # A hostile server answers 500 with "403 Forbidden" in its error: the probe marked the
    # read as failed otherwise, so the records may be readable: undetermined, as a timeout.
    hostile = [
        Ix(n, sample_error="_search: HTTP 500: 403 Forbidden", failure=Failure.OTHER)
        for n in ("crm", "orders")
    ]
    a = assess(build_scan(*hostile, verdict=Verdict.PARTIAL), None, AWARE, now=AWARE)
    assert a.authority.duty is Duty.UNDETERMINED
    assert not any("credentials to be read" in r for r in a.authority.reasons)


def test_a_refusal_marked_whatever_its_words_excuses_the_index(build_scan: Build) -> None:
    refused = Ix("crm", sample_error="HTTP 418 on _search", failure=Failure.CREDENTIALS)
    a = assess(build_scan(refused, verdict=Verdict.PARTIAL), None, AWARE, now=AWARE)
    assert a.authority.duty is Duty.LIKELY_NOT_REQUIRED
    assert a.authority.reasons[0].startswith("1 listed index asked for credentials")


def test_results_stored_before_the_mark_are_read_by_their_errors_words(
    build_scan: Build,
) -> None:
    # No mark beside the error (a scan stored by an older leakhound): the decisions it had.
    asked = [Ix(n, sample_error="HTTP 401 (credentials needed)") for n in ("crm", "orders")]
    a = assess(build_scan(*asked, verdict=Verdict.PARTIAL), None, AWARE, now=AWARE)
    assert a.authority.duty is Duty.LIKELY_NOT_REQUIRED
    assert a.authority.reasons[0].startswith("2 listed indices asked for credentials")
    failed = [Ix(n, sample_error="timed out after 30 s") for n in ("crm", "orders")]
    a = assess(build_scan(*failed, verdict=Verdict.PARTIAL), None, AWARE, now=AWARE)
    assert a.authority.duty is Duty.UNDETERMINED


def test_an_open_store_with_no_index_names_none_refused(build_scan: Build) -> None:
    a = assess(build_scan(), None, AWARE, now=AWARE)
    assert not any("listed ind" in r for r in a.authority.reasons)


def test_secured_store_is_not_a_breach(build_scan: Build) -> None:
    a = assess(build_scan(SHOP, verdict=Verdict.SECURED), None, AWARE, now=AWARE)
    assert a.stores == ()
    assert a.authority.duty is Duty.NOT_REQUIRED


def test_overdue_notification_is_flagged(build_scan: Build) -> None:
    a = assess(build_scan(SHOP), None, AWARE, now=AWARE + timedelta(hours=80))
    assert a.deadline.due == AWARE + timedelta(hours=72)
    assert a.deadline.overdue
    assert a.deadline.hours_left == -8
    assert any("reasons for the delay" in r for r in a.authority.reasons)


def test_awareness_defaults_to_the_end_of_the_scan(build_scan: Build) -> None:
    doc = build_scan(SHOP)
    a = assess(doc)
    assert a.deadline.aware_since == datetime.fromisoformat(doc.finished_at)
    assert a.deadline.aware_since_basis.startswith("assumed")


def test_awareness_from_the_context_file(build_scan: Build) -> None:
    a = assess(build_scan(SHOP), {"aware_since": "2024-04-10T11:00:00+02:00"}, now=AWARE)
    assert a.deadline.aware_since == AWARE
    assert a.deadline.due == datetime(2024, 4, 13, 9, 0, tzinfo=UTC)
