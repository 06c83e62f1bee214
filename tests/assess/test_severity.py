"""ENISA severity on cases worked by hand from the methodology's definitions.

ENISA (2013): SE = DPC × EI + CB.
DPC basic scores: simple 1, behavioural 2, financial 3, sensitive 4; the highest category wins.
EI: negligible 0.25, limited 0.5, significant 0.75, maximum 1.
CB: confidentiality 0 / +0.25 known recipients / +0.5 unknown recipients; integrity and
availability 0 / +0.25 / +0.5; malicious intent 0 / +0.5.
Levels: SE < 2 low, 2 ≤ SE < 3 medium, 3 ≤ SE < 4 high, SE ≥ 4 very high.
"""

from __future__ import annotations

import pytest
from scans import Build, Ix

from leakhound.assess import Level, assess
from leakhound.assess.severity import level_of


def test_exposed_email_list_is_low(build_scan: Build) -> None:
    # E-mail addresses: simple data, DPC = 1. An e-mail identifies its owner: EI = 1 (maximum).
    # Open store, nothing else known: confidentiality +0.5 (unknown recipients), the rest 0.
    # SE = 1 × 1 + 0.5 = 1.5 -> low.
    a = assess(build_scan(Ix("newsletter", pii={"EMAIL_ADDRESS": (90, 85)})))
    s = a.severity
    assert (s.dpc.value, s.ei.value, s.cb) == (1, 1.0, 0.5)
    assert s.score == 1.5
    assert s.level is Level.LOW
    assert s.formula == "1 × 1 + 0.5 = 1.5"


def test_ip_addresses_alone_are_low(build_scan: Build) -> None:
    # IP addresses in access logs: traffic data, behavioural, DPC = 2.
    # An IP names a subscriber only through the access provider: EI = 0.25 (negligible).
    # SE = 2 × 0.25 + 0.5 = 1.0 -> low.
    a = assess(build_scan(Ix("nginx-access-2024", pii={"IP_ADDRESS": (100, 40)})))
    s = a.severity
    assert (s.dpc.value, s.ei.value, s.cb) == (2, 0.25, 0.5)
    assert s.score == 1.0
    assert s.level is Level.LOW


def test_emails_names_and_cards_are_high(build_scan: Build) -> None:
    # E-mails and names: simple (1); card numbers: financial (3). Highest: DPC = 3.
    # E-mail (and name with e-mail) identifies fully: EI = 1. Open store: CB = 0.5.
    # SE = 3 × 1 + 0.5 = 3.5 -> high.
    a = assess(
        build_scan(
            Ix(
                "shop-orders",
                pii={"EMAIL_ADDRESS": (95, 90), "PERSON": (95, 88), "CREDIT_CARD": (60, 60)},
            )
        )
    )
    s = a.severity
    assert (s.dpc.value, s.ei.value, s.cb) == (3, 1.0, 0.5)
    assert s.score == 3.5
    assert s.level is Level.HIGH
    assert any("CREDIT_CARD" in w and "financial data" in w for w in s.dpc.why)


def test_bank_accounts_without_details_are_lowered_by_one(build_scan: Build) -> None:
    # IBAN: financial (3), ENISA's own example for -1 ("simple bank account numbers without
    # further details"): 2. Names + addresses: simple (1). DPC = max(2, 1) = 2.
    # A name together with an address points at one person: EI = 1. CB = 0.5.
    # SE = 2 × 1 + 0.5 = 2.5 -> medium.
    a = assess(
        build_scan(
            Ix("payouts", pii={"IBAN_CODE": (50, 50), "PERSON": (50, 50), "LOCATION": (50, 48)})
        )
    )
    s = a.severity
    assert (s.dpc.value, s.ei.value) == (2, 1.0)
    assert s.score == 2.5
    assert s.level is Level.MEDIUM
    assert any("3 -1 = 2" in w for w in s.dpc.why)


def test_national_ids_with_names(build_scan: Build) -> None:
    # US SSN: a national identifier, simple data raised by 1 (leakhound's documented
    # choice): DPC = 2. Name with an id number: EI = 1. SE = 2 × 1 + 0.5 = 2.5 -> medium.
    a = assess(build_scan(Ix("hr", pii={"US_SSN": (30, 30), "PERSON": (30, 30)})))
    assert (a.severity.dpc.value, a.severity.ei.value, a.severity.score) == (2, 1.0, 2.5)


def test_names_alone_are_significant(build_scan: Build) -> None:
    # Names alone: simple (1); a full name identifies with little research: EI = 0.75.
    # SE = 1 × 0.75 + 0.5 = 1.25 -> low.
    a = assess(build_scan(Ix("guestbook", pii={"PERSON": (20, 20)})))
    assert (a.severity.dpc.value, a.severity.ei.value, a.severity.score) == (1, 0.75, 1.25)


def test_ransomed_store_adds_availability_and_malice(build_scan: Build) -> None:
    # E-mails: DPC 1, EI 1. A ransom note: someone else wrote to the store, so
    # confidentiality +0.5; data may be deleted: availability +0.25 (temporary, until
    # restored); intentional harm: malicious +0.5; integrity 0 (no altered record known).
    # CB = 0.5 + 0 + 0.25 + 0.5 = 1.25. SE = 1 × 1 + 1.25 = 2.25 -> medium.
    a = assess(
        build_scan(
            Ix("customers", pii={"EMAIL_ADDRESS": (90, 90)}),
            Ix(
                "read_me_to_recover",
                docs=1,
                sampled=1,
                compromised=True,
                reasons=("index name looks like a ransom note",),
            ),
        )
    )
    s = a.severity
    assert (
        s.confidentiality.value,
        s.integrity.value,
        s.availability.value,
        s.malicious.value,
    ) == (0.5, 0.0, 0.25, 0.5)
    assert s.score == 2.25
    assert s.level is Level.MEDIUM
    assert any("ransom" in w for w in s.malicious.why)


def test_signs_of_a_ransom_name_every_container_or_say_how_many_more(build_scan: Build) -> None:
    # The lab: seven containers with a ransom note or a wiper's mark; the reasons named three
    # and said nothing of the other four.
    notes = [
        Ix(f"read_me_{n}", docs=1, sampled=1, compromised=True, reasons=("a ransom note",))
        for n in range(7)
    ]
    s = assess(build_scan(Ix("customers", pii={"EMAIL_ADDRESS": (90, 90)}), *notes)).severity
    for c in (s.confidentiality, s.availability, s.malicious):
        (why,) = c.why
        assert "read_me_2: a ransom note; +4 more)" in why and "read_me_3" not in why


def test_owner_raises_dpc_for_health_context(build_scan: Build) -> None:
    # The owner knows the e-mail list is an online pharmacy's customers: ENISA's example
    # of simple data raised by 2 (assumptions about health). DPC = 1 + 2 = 3.
    # SE = 3 × 1 + 0.5 = 3.5 -> high.
    ctx = {"data_processing_context": {"adjustment": 2, "reason": "online pharmacy customers"}}
    a = assess(build_scan(Ix("customers", pii={"EMAIL_ADDRESS": (90, 90)})), ctx)
    assert a.severity.dpc.value == 3
    assert a.severity.dpc.overridden
    assert "online pharmacy customers" in a.severity.dpc.why[0]
    assert a.severity.score == 3.5


def test_owner_sets_every_input(build_scan: Build) -> None:
    # DPC 4 (sensitive), EI limited 0.5, CB: known recipients 0.25 + permanent loss 0.5
    # + malicious 0.5 = 1.25. SE = 4 × 0.5 + 1.25 = 3.25 -> high.
    ctx = {
        "data_processing_context": 4,
        "ease_of_identification": "limited",
        "circumstances": {
            "confidentiality": "known",
            "availability": "permanent",
            "malicious": True,
            "reason": "forensics report 2024-04",
        },
    }
    a = assess(build_scan(Ix("x", pii={"EMAIL_ADDRESS": (1, 1)})), ctx)
    s = a.severity
    assert (s.dpc.value, s.ei.value, s.cb, s.score) == (4, 0.5, 1.25, 3.25)
    assert all(c.overridden for c in (s.dpc, s.ei, s.confidentiality, s.availability, s.malicious))
    assert not s.integrity.overridden


def test_no_third_party_access_removes_confidentiality_score(build_scan: Build) -> None:
    # Logs show no access but ours: "exposed without evidence of unlawful processing", 0.
    # SE = 1 × 1 + 0 = 1.
    a = assess(build_scan(Ix("c", pii={"EMAIL_ADDRESS": (9, 9)})), {"third_party_access": "none"})
    assert a.severity.confidentiality.value == 0
    assert a.severity.score == 1.0


def test_credentials_are_not_a_data_category(build_scan: Build) -> None:
    # ENISA: credentials are scored by the data they open; alone they give no category.
    a = assess(build_scan(Ix("config", pii={"SECRET": (3, 3)})))
    assert a.severity.dpc.value == 1
    assert not a.personal_data_found
    assert any("credentials" in w for w in a.severity.dpc.why)


def test_private_address_is_pointed_out(build_scan: Build) -> None:
    a = assess(build_scan(Ix("c", pii={"EMAIL_ADDRESS": (9, 9)}), host="10.1.2.3"))
    assert any("not a public address" in w for w in a.severity.confidentiality.why)


@pytest.mark.parametrize(
    ("score", "level"),
    [
        pytest.param(1.99, Level.LOW, id="below-2-low"),
        pytest.param(2.0, Level.MEDIUM, id="2-is-medium"),
        pytest.param(3.0, Level.HIGH, id="3-is-high"),
        pytest.param(3.99, Level.HIGH, id="below-4-high"),
        pytest.param(4.0, Level.VERY_HIGH, id="4-is-very-high"),
        pytest.param(6.0, Level.VERY_HIGH, id="max-very-high"),
    ],
)
def test_severity_level_boundaries(score: float, level: Level) -> None:
    assert level_of(score) is level
