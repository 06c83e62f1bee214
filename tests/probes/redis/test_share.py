"""A key pattern's keys in a database larger than the inventory's SCAN, with bounds."""

from __future__ import annotations

import random

from leakhound.probes.redis.probe import _share


def test_the_bounds_hold_the_truth_nineteen_times_in_twenty() -> None:
    total, seen, truth = 1_000_000, 200_000, 123_456
    keys = [1] * truth + [0] * (total - truth)
    inside = 0
    for seed in range(40):
        listed = sum(random.Random(seed).sample(keys, seen))
        got = _share(listed, seen, total)
        assert got["docs_low"] <= got["docs"] <= got["docs_high"]
        inside += got["docs_low"] <= truth <= got["docs_high"]
        assert abs(got["docs"] - truth) < 0.02 * truth
    assert inside >= 36


def test_the_hard_bounds_the_keys_listed_and_those_of_other_patterns() -> None:
    got = _share(listed=10, seen=10, total=12)  # every key seen but two is of the pattern
    assert (got["docs_low"], got["docs_high"]) == (10, 12)
    got = _share(listed=0, seen=1000, total=1_000_000)
    assert got["docs_low"] == 0 and got["docs_high"] <= 1_000_000 - 1000
    assert "SCAN listed" in got["docs_basis"]


def test_a_keyspace_count_smaller_than_the_listing_gives_sane_bounds() -> None:
    """INFO's keys= older than the SCAN (or a hostile one): never a negative or inverted
    figure."""
    got = _share(listed=1, seen=1000, total=5)
    assert 1 <= got["docs_low"] <= got["docs"] <= got["docs_high"]
