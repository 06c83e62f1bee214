"""SubjectCounter: exact up to a limit, then HyperLogLog within its bound; merge; checkpoint."""

from __future__ import annotations

import os

import pytest

from leakhound.detect import Hit, SubjectCounter

KEY = b"k" * 32
E = "EMAIL_ADDRESS"


def emails(start: int, stop: int) -> list[str]:
    return [f"user{i}@example.com" for i in range(start, stop)]


def test_exact_count_ignores_duplicates() -> None:
    with SubjectCounter(KEY) as c:
        for v in ["a@x.com", "b@x.com", "a@x.com"]:
            c.add(E, v)
        n = c.count(E)
    assert (n.estimate, n.lower, n.upper, n.exact) == (2, 2, 2, True)


def test_unknown_type_counts_zero() -> None:
    with SubjectCounter(KEY) as c:
        assert c.count("PHONE_NUMBER").estimate == 0
        assert c.counts() == {}


def test_spill_to_disk_keeps_the_count_exact(tmp_path: os.PathLike[str]) -> None:
    with SubjectCounter(KEY, memory_limit=1000, spill_dir=str(tmp_path)) as c:
        for v in emails(0, 5000) + emails(0, 5000):
            c.add(E, v)
        assert os.listdir(tmp_path)  # spilled
        n = c.count(E)
        assert (n.estimate, n.exact) == (5000, True)
    assert os.listdir(tmp_path) == []  # spill file removed on close


def test_beyond_the_limit_the_estimate_holds_within_its_bound() -> None:
    with SubjectCounter(KEY, exact_limit=10_000, memory_limit=4000) as c:
        for v in emails(0, 200_000):
            c.add(E, v)
        n = c.count(E)
    assert not n.exact
    assert n.lower <= 200_000 <= n.upper
    assert abs(n.estimate - 200_000) / 200_000 < 0.03
    assert n.lower < n.estimate < n.upper


def test_merge_of_exact_slices_is_exact_and_deduplicated() -> None:
    with SubjectCounter(KEY) as a, SubjectCounter(KEY, memory_limit=100) as b:
        for v in emails(0, 600):
            a.add(E, v)
        for v in emails(300, 900):
            b.add(E, v)
        a.merge(b)
        n = a.count(E)
    assert (n.estimate, n.exact) == (900, True)


def test_merge_past_the_limit_switches_to_the_estimate() -> None:
    with SubjectCounter(KEY, exact_limit=1000) as a, SubjectCounter(KEY, exact_limit=1000) as b:
        for v in emails(0, 800):
            a.add(E, v)
        for v in emails(800, 1600):
            b.add(E, v)
        a.merge(b)
        n = a.count(E)
    assert not n.exact
    assert n.lower <= 1600 <= n.upper


def test_merge_refuses_a_counter_made_with_another_key() -> None:
    with SubjectCounter(KEY) as a, SubjectCounter(b"other-key") as b:
        b.add(E, "a@x.com")
        with pytest.raises(ValueError, match="different keys"):
            a.merge(b)


def test_checkpoint_round_trip_keeps_counts_and_no_raw_values() -> None:
    with SubjectCounter(KEY, exact_limit=1000) as c:
        for v in emails(0, 500):
            c.add(E, v)
        for v in emails(0, 3000):
            c.add("PERSON", v)
        data = c.to_bytes()
        before = c.counts()
    assert b"example.com" not in data and KEY not in data
    with SubjectCounter.from_bytes(data, KEY) as restored:
        assert restored.counts() == before
        restored.add(E, "user0@example.com")  # already counted
        restored.add(E, "new@example.com")
        assert restored.count(E).estimate == 501


def test_checkpoint_needs_the_same_key_and_intact_bytes() -> None:
    with SubjectCounter(KEY) as c:
        c.add(E, "a@x.com")
        data = c.to_bytes()
    with pytest.raises(ValueError, match="different key"):
        SubjectCounter.from_bytes(data, b"wrong")
    with pytest.raises(ValueError):
        SubjectCounter.from_bytes(data[:-3], KEY)
    with pytest.raises(ValueError):
        SubjectCounter.from_bytes(b"garbage", KEY)


def test_add_hits_uses_normalized_values_only() -> None:
    hits = [
        Hit("a", E, 0, 5, 0.9, "j***@e***.com", "jane@example.com"),
        Hit("b", E, 0, 5, 0.9, "j***@e***.com", "jane@example.com"),
        Hit("c", "PERSON", 0, 5, 0.4, "J***", None),
    ]
    with SubjectCounter(KEY) as c:
        c.add_hits(hits)
        assert c.count(E).estimate == 1
        assert c.count("PERSON").estimate == 0


def test_counter_needs_a_key() -> None:
    with pytest.raises(ValueError):
        SubjectCounter(b"")


def test_memory_limit_counts_all_types_together(tmp_path: os.PathLike[str]) -> None:
    with SubjectCounter(KEY, memory_limit=100, spill_dir=str(tmp_path)) as c:
        for t in ("A", "B", "C"):
            for v in emails(0, 60):
                c.add(t, v)
        assert os.listdir(tmp_path)  # 180 digests held > 100: spilled
        assert {t: n.estimate for t, n in c.counts().items()} == {"A": 60, "B": 60, "C": 60}


def test_add_all_counts_one_value_under_several_keys() -> None:
    with SubjectCounter(KEY) as c:
        c.add_all([E, E + "\tcustomer.email"], "jane@example.com")
        c.add(E, "jane@example.com")
        assert c.count(E).estimate == 1
        assert c.count(E + "\tcustomer.email").estimate == 1
