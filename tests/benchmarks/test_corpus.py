"""The labelled corpus the detector benchmarks score against: right labels, same by seed."""

from __future__ import annotations

import ipaddress
import itertools
from collections import Counter

import pytest
from corpus import EMAIL_VARIANTS, LOCALES, TYPES, Ticket, tickets
from detect_accuracy import overlaps_enough
from stdnum import iban, luhn

from leakhound.detect.ssn import valid_ssn

N = 140  # twenty tickets per locale


@pytest.fixture(scope="module")
def corpus() -> list[Ticket]:
    return list(tickets(N, seed=7))


def test_the_same_seed_gives_the_same_tickets(corpus: list[Ticket]) -> None:
    assert list(tickets(N, seed=7)) == corpus
    assert list(tickets(N, seed=8)) != corpus


def test_every_label_points_at_its_text(corpus: list[Ticket]) -> None:
    for t in corpus:
        for lab in (*t.labels, *t.negatives):
            assert t.text[lab.start : lab.end] == lab.text
            assert lab.type in TYPES or lab.type == "NONE"


def test_labels_do_not_overlap(corpus: list[Ticket]) -> None:
    for t in corpus:
        spans = sorted((lab.start, lab.end) for lab in (*t.labels, *t.negatives))
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_tickets_are_support_ticket_sized_and_cover_every_locale(corpus: list[Ticket]) -> None:
    sizes = [len(t.text.encode()) for t in corpus]
    assert 650 <= sum(sizes) / len(sizes) <= 950
    assert Counter(t.locale for t in corpus) == {loc: N // len(LOCALES) for loc in LOCALES}


def test_every_email_variant_and_type_is_present(corpus: list[Ticket]) -> None:
    labels = [lab for t in corpus for lab in t.labels]
    assert {lab.type for lab in labels} == set(TYPES)
    variants = Counter(lab.variant for lab in labels if lab.type == "EMAIL_ADDRESS")
    assert set(variants) == set(EMAIL_VARIANTS)
    assert max(variants.values()) - min(variants.values()) <= 1  # each gets the same share


def test_checksummed_values_are_valid(corpus: list[Ticket]) -> None:
    for lab in (lab for t in corpus for lab in t.labels):
        digits = "".join(c for c in lab.text if c.isdigit())
        if lab.type == "CREDIT_CARD":
            assert luhn.is_valid(digits), lab
        elif lab.type == "IBAN_CODE":
            assert iban.is_valid(lab.text), lab
        elif lab.type == "US_SSN":
            assert valid_ssn(digits[:3], digits[3:5], digits[5:]), lab
        elif lab.type == "IP_ADDRESS":
            assert ipaddress.ip_address(lab.text).is_global, lab


def test_hard_negatives_are_what_they_claim(corpus: list[Ticket]) -> None:
    negatives = [lab for t in corpus for lab in t.negatives]
    kinds = Counter(lab.variant for lab in negatives)
    assert set(kinds) >= {"windows-build", "kb-id", "hex-error", "non-luhn-16", "prose"}
    for lab in negatives:
        if lab.variant == "non-luhn-16":
            assert len(lab.text) == 16 and not luhn.is_valid(lab.text)
        elif lab.variant == "kb-id":
            assert lab.text.startswith("KB")


def test_mailto_labels_exclude_the_scheme(corpus: list[Ticket]) -> None:
    for t in corpus:
        for lab in t.labels:
            if lab.variant == "mailto":
                assert t.text[lab.start - 7 : lab.start] == "mailto:"
                assert "@" in lab.text and not lab.text.startswith("mailto")


@pytest.mark.parametrize(
    ("a", "b", "matched"),
    [
        pytest.param((0, 10), (0, 10), True, id="same"),
        pytest.param((0, 10), (2, 10), True, id="most-of-both"),
        pytest.param((0, 10), (0, 4), False, id="less-than-half-of-the-label"),
        pytest.param((0, 4), (0, 10), False, id="less-than-half-of-the-report"),
        pytest.param((0, 10), (10, 20), False, id="touching"),
    ],
)
def test_matching_rule_needs_half_of_each_span(
    a: tuple[int, int], b: tuple[int, int], matched: bool
) -> None:
    assert overlaps_enough(*a, *b) is matched
