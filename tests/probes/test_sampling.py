"""Samples spread over a table: places drawn at random from a fixed seed, asked in rounds until
the sample is full, a round bounded, the same places every time."""

from __future__ import annotations

import asyncio
from collections.abc import Collection

from leakhound.probes import sampling


def _draw(holds: Collection[int], population: int, size: int) -> tuple[list[int], list[int]]:
    """The sample drawn where the places in ``holds`` hold a record (the record: its place),
    and how many places each round asked for."""
    rounds: list[int] = []

    async def ask(places: list[int]) -> list[int]:
        assert places == sorted(places) and len(set(places)) == len(places)
        rounds.append(len(places))
        return [p for p in places if p in holds]

    return asyncio.run(sampling.draw(ask, population, size)), rounds


def test_a_full_table_is_sampled_in_one_round_over_its_whole_range() -> None:
    got, rounds = _draw(range(10_000), 10_000, 100)
    assert len(got) == 100 and len(set(got)) == 100 and len(rounds) == 1
    # spread over the range, not its start: every tenth of it holds some of the sample
    assert {p * 10 // 10_000 for p in got} == set(range(10))
    assert min(got) < 1_000 and max(got) > 9_000


def test_the_same_places_every_time() -> None:
    assert _draw(range(10_000), 10_000, 100) == _draw(range(10_000), 10_000, 100)
    assert sampling.places(1_000_000, 5) == sampling.places(1_000_000, 5)
    assert sampling.places(1_000_000, 5, seed=2) != sampling.places(1_000_000, 5)


def test_places_without_a_record_are_made_up_for_in_more_rounds() -> None:
    holds = set(range(0, 10_000, 3))  # a third of the places hold a record (gaps in a key)
    got, rounds = _draw(holds, 10_000, 100)
    assert len(got) == 100 and len(set(got)) == 100 and set(got) <= holds
    assert 1 < len(rounds) <= sampling.ROUNDS


def test_rounds_and_their_places_are_bounded_where_places_seldom_hold_a_record() -> None:
    holds = set(range(0, 10_000_000, 100_000))  # 100 records in ten million places
    got, rounds = _draw(holds, 10_000_000, 100)
    assert len(rounds) == sampling.ROUNDS
    assert all(n <= 4 * 100 for n in rounds)  # a reply stays the size of a sample's
    assert len(got) < 50  # the caller reads otherwise


def test_a_range_smaller_than_the_sample_is_asked_whole() -> None:
    got, rounds = _draw(range(30), 30, 100)
    assert sorted(got) == list(range(30)) and rounds == [30]
    assert _draw(range(10), 0, 100) == ([], [])  # an empty table asks nothing
    assert _draw(range(10), 10, 0) == ([], [])


def test_a_round_that_finds_more_than_needed_keeps_records_evenly_spaced() -> None:
    assert sampling.evenly(list(range(10)), 5) == [0, 2, 4, 6, 8]
    assert sampling.evenly([1, 2], 5) == [1, 2]
    assert sampling.evenly([1, 2], 0) == []
