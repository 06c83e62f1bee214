"""Who counts as a person, and the sample estimate of how many: its range holds."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from leakhound.count.people import (
    IDENTIFYING,
    SampledIdentifiers,
    from_sample,
    halving_sample,
    people_type,
    shlosser,
)


def test_the_most_identifying_kind_present_names_the_people() -> None:
    assert people_type({"PHONE_NUMBER", "EMAIL_ADDRESS", "PERSON"}) == "EMAIL_ADDRESS"
    assert people_type({"PHONE_NUMBER", "IBAN_CODE", "IP_ADDRESS"}) == "PHONE_NUMBER"
    assert people_type({"US_SSN", "LOCATION"}) == "US_SSN"
    # Names repeat across people and addresses are shared: neither counts people.
    assert people_type({"PERSON", "IP_ADDRESS", "LOCATION"}) is None
    assert IDENTIFYING[0] == "EMAIL_ADDRESS"


def test_shlosser_scales_values_seen_once_and_keeps_recurring_ones() -> None:
    # Every value seen once in a 10% sample: each stands for ten.
    assert shlosser({1: 100}, 100, 1000) == pytest.approx(1000)
    # Every value seen ten times: the sample already saw them all (nearly).
    assert shlosser({10: 100}, 1000, 10_000) < 110
    # The whole store read: what was seen.
    assert shlosser({1: 5, 2: 3}, 11, 11) == 8


def _sample(population: list[int], n: int, rng: random.Random) -> SampledIdentifiers:
    ids = SampledIdentifiers("EMAIL_ADDRESS", records=n, per_record=1)
    for value in rng.sample(population, n):
        ids.docs[value.to_bytes(8, "big")] += 1
    return ids


@pytest.mark.parametrize("repeats", [1, 3, 20])
def test_the_range_holds_the_truth_and_the_estimate_is_close(repeats: int) -> None:
    rng = random.Random(repeats)
    people = 2_000
    # Each person writes 1..2*repeats records: a skew like support cases.
    population = [p for p in range(people) for _ in range(rng.randint(1, 2 * repeats))]
    for _ in range(20):
        est = from_sample(_sample(population, 500, rng), len(population))
        assert est.low <= people <= est.high
        assert est.low <= est.value <= est.high
        assert "Shlosser" in est.basis and "halve" in est.basis


def test_values_that_never_recur_are_estimated_closely() -> None:
    rng = random.Random(7)
    population = list(range(20_000))  # one record each: a log of sign-ups
    for _ in range(20):
        est = from_sample(_sample(population, 500, rng), len(population))
        assert abs(est.value - 20_000) / 20_000 < 0.05, est


def test_a_sample_of_everything_is_exact() -> None:
    ids = SampledIdentifiers(
        "EMAIL_ADDRESS", records=3, per_record=1, docs=Counter({b"a": 2, b"b": 1})
    )
    est = from_sample(ids, 3)
    assert (est.value, est.low, est.high) == (2, 2, 2)


def test_values_counted_another_way_are_left_out_of_the_estimate() -> None:
    ids = SampledIdentifiers(
        "EMAIL_ADDRESS", records=10, per_record=1, docs=Counter({b"a": 1, b"b": 1, b"c": 1})
    )
    est = from_sample(ids, 100, leave_out={b"a", b"b"})
    assert est.low == 1 and est.value == 10  # one free-text value seen once in 10% of records


def test_the_sample_that_halves_the_range() -> None:
    # The range's width is what the unread records could hold: halving it halves them.
    assert halving_sample({1: 10}, 100, 1000) == 550
    assert halving_sample({1: 10}, 1000, 1000) is None


def test_the_estimate_extrapolates_over_the_containers_that_hold_such_values() -> None:
    # 10 values seen once in 100 sampled cases of 1,000; beside them 9,000 payroll records
    # that never carry one: the cases' rate, not the store's, makes the estimate.
    ids = SampledIdentifiers(
        "EMAIL_ADDRESS", records=200, per_record=1, docs=Counter({bytes([n]): 1 for n in range(10)})
    )
    everywhere = from_sample(ids, 10_000)
    scoped = from_sample(ids, 10_000, scope=(100, 1_000))
    assert scoped.value == 100 and everywhere.value == 500
    assert (scoped.low, scoped.high) == (everywhere.low, everywhere.high)  # the range holds
    assert "1,000 records of the containers" in scoped.basis
