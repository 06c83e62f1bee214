"""Samples spread over a collection's ``_id`` range, against a MongoDB simulated on loopback:
one document at a random place of each span of the range (runs of neighbours on FerretDB),
found with index-backed finds only (never ``aggregate``), gaps made up, exactly the sample's
size; a small collection, or ``_id`` values without a scale, read from the start and said to
be."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta
from typing import Any

import bson
import pytest

from leakhound.models import Container, Fingerprint, Service, Verdict
from leakhound.net.policy import Request, add_audit_hook, remove_audit_hook
from leakhound.probes.base import SampleDocs
from leakhound.probes.mongodb import ALLOW
from leakhound.probes.mongodb.probe import MongodbProbe
from leakhound.probes.mongodb.sample import (
    FERRETDB_SPREAD_MAX,
    RUNS,
    SPREAD_FROM,
    id_starts,
    spreads,
)

from .test_read import FakeMongo, _served

# BSON's comparison order of the types these tests use: numbers, text, ObjectId, dates.
_BRACKET = {int: 1, float: 1, bson.Int64: 1, str: 2, bson.ObjectId: 7, datetime: 9}


def _key(value: Any) -> tuple[int, Any]:
    return _BRACKET[type(value)], value


def _matches(value: Any, cond: dict[str, Any]) -> bool:
    """A ``$gte``/``$gt``/``$lt`` range, as MongoDB applies it: within one type bracket."""
    for op, bound in cond.items():
        if _BRACKET[type(bound)] != _BRACKET[type(value)]:
            return False
        if not {"$gte": value >= bound, "$gt": value > bound, "$lt": value < bound}[op]:
            return False
    return True


class RangeMongo(FakeMongo):
    """One collection ``db.c`` in insertion (natural) order; ``find`` with an ``_id`` range,
    a sort on ``_id`` and a limit, in one batch, as MongoDB answers them from the ``_id``
    index."""

    def answer(self, cmd: dict[str, Any]) -> dict[str, Any] | None:
        if next(iter(cmd)) != "find":
            return super().answer(cmd)
        self.commands.append(cmd)
        docs = list(self.docs)
        cond = (cmd.get("filter") or {}).get("_id")
        if cond is not None:
            docs = [d for d in docs if _matches(d["_id"], cond)]
        order = (cmd.get("sort") or {}).get("_id")
        if order:
            docs.sort(key=lambda d: _key(d["_id"]), reverse=order < 0)
        docs = docs[: cmd["limit"]]
        if cmd.get("projection"):
            docs = [{"_id": d["_id"]} for d in docs]
        return {"cursor": {"id": bson.Int64(0), "ns": "db.c", "firstBatch": docs}, "ok": 1}


_DB_C = {"database": "db", "collection": "c"}


def _sample(
    fake: FakeMongo, size: int = 100, docs: int | None = -1, ferretdb: bool = False
) -> tuple[SampleDocs, list[Request]]:
    """The probe's sample of ``fake``'s collection, counted as ``docs`` (-1: its own
    documents; None: uncounted), and the commands it sent."""
    sent: list[Request] = []
    details = {"ferretdb_version": "v1.24.2"} if ferretdb else {}

    async def go() -> SampleDocs:
        async with _served(fake) as reader:
            service = Service(
                reader.endpoint,
                "mongodb://127.0.0.1",
                "mongodb",
                Verdict.OPEN,
                "",
                Fingerprint(product="mongodb", details=details),
            )
            counted = len(fake.docs) if docs == -1 else docs
            container = Container("db.c", counted, None, details=_DB_C)
            return await MongodbProbe().sample(reader.transport, service, container, size)

    add_audit_hook(sent.append)
    try:
        return asyncio.run(go()), sent
    finally:
        remove_audit_hook(sent.append)


def _ids(sample: SampleDocs) -> list[Any]:
    return [d["_id"] for d in sample.docs]


def _object_ids(n: int) -> list[bson.ObjectId]:
    """ObjectIds as one driver makes them over 20 years of inserts: the timestamp first."""
    start = datetime(2005, 1, 1)
    made = []
    for i in range(n):
        stamp = bson.ObjectId.from_datetime(start + timedelta(days=i * 7300 / n)).binary[:4]
        made.append(bson.ObjectId(stamp + b"\x11\x22\x33\x44\x55" + i.to_bytes(3, "big")))
    return made


def test_a_collection_of_object_ids_is_sampled_one_document_a_place_over_its_range() -> None:
    ids = _object_ids(5_000)
    fake = RangeMongo(ids)
    sample, sent = _sample(fake)
    assert sample.drawn == "spread" and sample.error is None
    got = _ids(sample)
    assert len(got) == 100 and len(set(got)) == 100
    # nearly every hundredth of the collection (and of its 20 years) holds one document
    places = sorted([str(i) for i in ids].index(i) for i in got)  # sampled as text
    assert len({p * 100 // 5_000 for p in places}) >= 90
    assert min(places) < 50 and max(places) > 4_900
    # only finds, all on the _id index: its two ends, then one a span (a few made up)
    assert {r.method for r in sent} == {"find"} and 2 + 100 <= len(sent) <= 2 + 110
    assert all(ALLOW.allows(r.method) for r in sent)
    finds = fake.commands
    assert [c["sort"] for c in finds[:3]] == [{"_id": 1}, {"_id": -1}, {"_id": 1}]
    assert all(set(c["filter"]) <= {"_id"} and c["limit"] <= 100 for c in finds)
    spans = [c["filter"]["_id"] for c in finds[2:]]
    assert all(s.get("$gte", s.get("$gt")) >= ids[0] for s in spans)
    assert all(s.get("$gte", s.get("$gt")) < s["$lt"] for s in spans if "$lt" in s)
    assert len([s for s in spans if "$gte" in s and "$lt" not in s]) == 1  # the last span


@pytest.mark.parametrize("shuffled", [False, True], ids=["in-id-order", "shuffled"])
def test_ferretdb_is_sampled_in_runs_of_neighbours_fewer_finds(shuffled: bool) -> None:
    ids = _object_ids(5_000)
    stored = list(ids)
    if shuffled:  # natural order not the _id order: a run is the span's first stored
        random.Random(2).shuffle(stored)
    fake = RangeMongo(stored)
    sample, sent = _sample(fake, ferretdb=True)
    assert sample.drawn == "runs" and len(sample.docs) == 100
    assert len(set(_ids(sample))) == 100
    places = sorted([str(i) for i in ids].index(i) for i in _ids(sample))
    assert {p * 10 // 5_000 for p in places} == set(range(10))  # every tenth holds a run
    assert len(sent) <= 2 + 2 * RUNS and fake.commands[2]["limit"] == 100 // RUNS
    # FerretDB sorts the collection for a sorted find: only the two ends are asked sorted
    assert [c.get("sort") for c in fake.commands[2:]] == [None] * (len(fake.commands) - 2)


def test_the_same_documents_every_time() -> None:
    ids = _object_ids(2_000)
    assert _ids(_sample(RangeMongo(ids))[0]) == _ids(_sample(RangeMongo(ids))[0])


def test_spans_a_gap_leaves_short_are_made_up_from_the_others_and_said_to_be() -> None:
    # integer ids with a hole in the middle: half the spans hold nothing
    ids = [*range(1_000), *range(1_000_000, 1_001_000)]
    fake = RangeMongo(ids)
    sample, _ = _sample(fake)
    got = _ids(sample)
    assert len(got) == 100 and len(set(got)) == 100
    assert any(i < 1_000 for i in got) and any(i >= 1_000_000 for i in got)
    made_up = [c for c in fake.commands if "$gt" in (c.get("filter") or {}).get("_id", {})]
    assert made_up and all(c["limit"] <= 100 for c in fake.commands)
    assert sample.drawn == "runs"  # half the sample is neighbours of the other half


def test_text_ids_are_spread_by_their_first_characters_after_a_shared_prefix() -> None:
    ids = [f"CS-2019-{n:06}" for n in range(1, 1_133)]
    sample, _ = _sample(RangeMongo(ids))
    got = _ids(sample)
    assert sample.drawn == "spread" and len(got) == 100 and len(set(got)) == 100
    assert got == sorted(got)
    numbers = [int(i[-6:]) for i in got]
    assert min(numbers) < 20 and max(numbers) > 1_100
    assert len({n * 50 // 1_132 for n in numbers}) == 50  # every fiftieth of the range


@pytest.mark.parametrize(
    ("size", "docs"),
    [
        pytest.param(100, SPREAD_FROM * 100, id="a-few-samples-worth"),
        pytest.param(100, None, id="uncounted"),
        pytest.param(0, 10_000, id="no-sample"),
    ],
)
def test_a_small_or_uncounted_collection_is_read_from_its_start(
    size: int, docs: int | None
) -> None:
    ids = _object_ids(500)
    fake = RangeMongo(ids)
    sample, sent = _sample(fake, size=size, docs=docs)
    assert sample.drawn == "first" and _ids(sample) == [str(i) for i in ids[:size]]
    assert len(sent) == 1 and "sort" not in fake.commands[0]


def test_ids_of_mixed_types_are_read_from_the_start_and_said_to_be() -> None:
    ids: list[Any] = [*range(300), *(f"k{n}" for n in range(300))]
    fake = RangeMongo(ids)
    sample, _ = _sample(fake)
    assert sample.drawn == "first" and _ids(sample) == ids[:100]
    # the two ends asked, then the start: no sample of one type bracket passed off as spread
    assert [c.get("sort") for c in fake.commands] == [{"_id": 1}, {"_id": -1}, None]


def test_ferretdb_is_spread_only_where_a_pass_over_the_collection_is_cheap() -> None:
    assert spreads(FERRETDB_SPREAD_MAX, 100, ferretdb=True)
    assert not spreads(FERRETDB_SPREAD_MAX + 1, 100, ferretdb=True)
    assert spreads(10 * FERRETDB_SPREAD_MAX, 100)  # MongoDB walks its _id index
    sample, _ = _sample(RangeMongo(_object_ids(500)), docs=FERRETDB_SPREAD_MAX + 1, ferretdb=True)
    assert sample.drawn == "first"


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        pytest.param(0, 1000, [0, 250, 500, 750], id="integers"),
        pytest.param(bson.Int64(0), 1000, [0, 250, 500, 750], id="int64"),
        pytest.param(0, 1.0, [0, 0.25, 0.5, 0.75], id="floats"),
        pytest.param(
            datetime(2000, 1, 1),
            datetime(2000, 1, 5),
            [datetime(2000, 1, d) for d in (1, 2, 3, 4)],
            id="dates",
        ),
        pytest.param(
            bson.ObjectId("00000000" + "0" * 16),
            bson.ObjectId("00000004" + "0" * 16),
            [bson.ObjectId(f"0000000{d}" + "0" * 16) for d in range(4)],
            id="object-ids-by-timestamp",
        ),
        pytest.param("a0", "a4", ["a0", "a1", "a2", "a3"], id="text-after-prefix"),
        pytest.param(
            "CS-2019-000001",
            "CS-2019-000801",
            ["CS-2019-000001", "CS-2019-000201", "CS-2019-000401", "CS-2019-000601"],
            id="zero-padded-numbers",
        ),
        pytest.param("k-00", "k-c0", ["k-00", "k-30", "k-60", "k-90"], id="hexadecimal"),
        pytest.param("é", "z", None, id="text-past-ascii"),
        pytest.param(1, "a", None, id="mixed-types"),
        pytest.param(False, True, None, id="booleans"),
        pytest.param({"a": 1}, {"a": 2}, None, id="documents"),
    ],
)
def test_id_values_are_spaced_evenly_in_their_own_type(
    low: Any, high: Any, expected: list[Any] | None
) -> None:
    assert id_starts(low, high, 4) == expected


class LimitlessMongo(RangeMongo):
    """Answers every find with its whole collection, whatever the limit."""

    def answer(self, cmd: dict[str, Any]) -> dict[str, Any] | None:
        if next(iter(cmd)) != "find":
            return super().answer(cmd)
        self.commands.append(cmd)
        return {"cursor": {"id": bson.Int64(0), "ns": "db.c", "firstBatch": self.docs}, "ok": 1}


def test_a_find_answered_with_more_documents_than_its_limit_is_no_sample() -> None:
    # A sample of 100 must not report the 5,000 documents of an answer to some other question.
    sample, _ = _sample(LimitlessMongo(list(range(5000))), size=100, docs=300)
    assert sample.docs == ()
    assert sample.error == "a batch of 5,000 documents where 100 were asked for"
