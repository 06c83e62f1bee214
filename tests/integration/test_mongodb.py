"""What only the MongoDB kind shows, against the lab's open FerretDB: samples spread over a
collection's ``_id`` range, not its first documents (runs of neighbours on FerretDB, one
document a place as on MongoDB).

What every database kind shares (verdicts, exact counts, PII where seeded, people, full reads
with the owner's credentials, kill -9 and resume) is in ``test_databases.py``. Here: a
collection of twenty years of records in insertion order, as an application writes them, with
ObjectIds a driver made at the time (their timestamp first), in a scratch database made with
pymongo and dropped afterwards; and the seeded collections, whose ``_id`` is the case number
as text (``CS-2019-000123``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from probing import probed

from leakhound.models import Container, Endpoint, Service
from leakhound.net import Limits, Scope, Transport
from leakhound.net.policy import Request, add_audit_hook, remove_audit_hook
from leakhound.probes.base import SampleDocs
from leakhound.probes.mongodb.probe import MongodbProbe
from leakhound.probes.mongodb.sample import RUNS

SCRATCH = "lh_spread"
RECORDS, YEARS = 10_000, range(2005, 2025)


@pytest.fixture(scope="module")
def history(lab: Any) -> Iterator[Any]:
    """The open server, with ``lh_spread.history``: 10,000 records over 2005-2024 in the
    order they were written (dropped at the end)."""
    from bson import ObjectId
    from pymongo import MongoClient

    target = lab.status.target("open", kind="mongodb")
    client: Any = MongoClient(f"mongodb://127.0.0.1:{target.port}", serverSelectionTimeoutMS=30_000)
    try:
        client.drop_database(SCRATCH)
        start, span = dt.datetime(YEARS[0], 1, 1), dt.timedelta(days=365.2425 * len(YEARS))
        docs = []
        for n in range(RECORDS):
            when = start + span * n / RECORDS
            # one process's ObjectIds: its timestamp, then the same 5 bytes, then a counter
            made = ObjectId.from_datetime(when).binary[:4] + b"spred" + n.to_bytes(3, "big")
            docs.append(
                {"_id": ObjectId(made), "created_at": when, "email": f"c{n % 3000}@example.org"}
            )
        client[SCRATCH]["history"].insert_many(docs)
        yield target
    finally:
        client.drop_database(SCRATCH)
        client.close()


def _sample(
    target: Any, name: str, docs: int, *, as_mongodb: bool = False
) -> tuple[SampleDocs, list[Request]]:
    """The probe's sample of 100 of one collection (counted ``docs``), and what it sent;
    ``as_mongodb``: sampled as from a MongoDB server (its fingerprint without FerretDB's
    version), one document a place."""
    sent: list[Request] = []

    async def go() -> SampleDocs:
        scope = Scope()
        scope.add("127.0.0.1", target.port)
        transport = Transport(Limits(read_timeout=60, total_timeout=300), scope)
        probe = MongodbProbe()
        try:
            service: Service = await probe.verdict(transport, Endpoint("127.0.0.1", target.port))
            assert "ferretdb_version" in service.fingerprint.details
            if as_mongodb:
                fp = service.fingerprint
                details = {k: v for k, v in fp.details.items() if k != "ferretdb_version"}
                service = replace(service, fingerprint=replace(fp, details=details))
            db, collection = name.split(".", 1)
            where = {"database": db, "collection": collection}
            container = Container(name, docs, None, details=where)
            return await probe.sample(transport, service, container, 100)
        finally:
            await transport.aclose()

    add_audit_hook(sent.append)
    try:
        return asyncio.run(go()), sent
    finally:
        remove_audit_hook(sent.append)


def test_a_sample_spans_the_years_of_a_collection_in_insertion_order(history: Any) -> None:
    sample, sent = _sample(history, f"{SCRATCH}.history", RECORDS)
    assert sample.drawn == "runs" and sample.error is None
    assert len(sample.docs) == 100 and len({d["_id"] for d in sample.docs}) == 100
    years = {int(d["created_at"][:4]) for d in sample.docs}
    # the first 100 records are all of 2005; runs at ten evenly spaced places of the _id
    # range (the ObjectIds' timestamps) put some of the sample in every two years of twenty
    assert {(y - YEARS[0]) // 2 for y in years} == set(range(len(YEARS) // 2)), years
    finds = [r.method for r in sent if r.method == "find"]
    assert len(finds) <= 2 + 2 * RUNS and "aggregate" not in {r.method for r in sent}


def test_a_seeded_collection_of_text_ids_is_sampled_over_its_whole_range(lab: Any) -> None:
    target = lab.status.target("open", kind="mongodb")
    cases = lab.truth_of("mongodb").containers["support.cases_2019"].documents
    sample, _ = _sample(target, "support.cases_2019", cases)
    assert sample.drawn == "runs" and len(sample.docs) == 100
    numbers = sorted(int(d["_id"][-6:]) for d in sample.docs)  # CS-2019-000123
    assert numbers[0] < 0.1 * cases and numbers[-1] > 0.85 * cases
    assert len({n * 10 // cases for n in numbers}) >= 9  # nine tenths of it or more


def test_as_on_mongodb_a_sample_is_one_document_at_a_place_of_each_span(lab: Any) -> None:
    # FerretDB reads the whole collection for each of the ~102 finds: a small collection
    target = lab.status.target("open", kind="mongodb")
    cases = lab.truth_of("mongodb").containers["support.cases_2019"].documents
    sample, sent = _sample(target, "support.cases_2019", cases, as_mongodb=True)
    assert sample.drawn == "spread" and len(sample.docs) == 100
    numbers = sorted(int(d["_id"][-6:]) for d in sample.docs)
    assert len(set(numbers)) == 100 and numbers[-1] > 0.95 * cases
    assert len({n * 50 // cases for n in numbers}) >= 45  # nearly every fiftieth of it
    # the verdict's commands, then finds alone: one a span, a few more where a span was short
    assert {r.method for r in sent} == {"hello", "buildInfo", "listDatabases", "find"}
    assert 102 <= len([r for r in sent if r.method == "find"]) <= 2 + 2 * 100


# Collections whose names hold dots (MongoDB allows them; database names it refuses), beside a
# collection named as their first part, and a database named as a collection's prefix.
DOTTED = {("lh", "orders"): 2, ("lh", "orders.2019"): 3, ("lh", "orders.2019.eu"): 4}


@pytest.fixture(scope="module")
def own_ferretdb(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A FerretDB of this module's own (the lab's build, a scratch folder, a free port: the
    shared lab's servers are never written to) holding ``DOTTED``; stopped at the end."""
    from pymongo import MongoClient

    from leakhound.lab import mongodb
    from leakhound.lab.servers import exchange
    from leakhound.lab.state import cache_dir, free_ports

    binary = mongodb.cached_binary(cache_dir())
    assert binary is not None, "the lab's FerretDB build"
    home: Path = tmp_path_factory.mktemp("own-ferretdb")
    (home / "data").mkdir()
    (port,) = free_ports(1)
    argv = [
        str(binary), "--handler=sqlite", f"--sqlite-url=file:{home / 'data'}/",
        f"--state-dir={home}", f"--listen-addr=127.0.0.1:{port}", "--debug-addr=-",
        "--telemetry=disable", "--log-level=warn",
    ]  # fmt: skip
    with (home / "log").open("wb") as log:
        server = subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not mongodb.hello_ok(_asked(exchange, port)):
            assert server.poll() is None and time.monotonic() < deadline, (home / "log").read_text()
            time.sleep(0.2)
        client: Any = MongoClient(f"mongodb://127.0.0.1:{port}", serverSelectionTimeoutMS=30_000)
        try:
            for (db, collection), n in DOTTED.items():
                docs = [
                    {"_id": i, "email": f"{collection}-{i}@example.org", "where": collection}
                    for i in range(n)
                ]
                client[db][collection].insert_many(docs)
        finally:
            client.close()
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _asked(exchange: Any, port: int) -> bytes:
    from leakhound.lab import mongodb

    try:
        return bytes(exchange(port, mongodb.HELLO))
    except OSError:
        return b""


def test_collections_whose_names_hold_dots_are_read_each_as_itself(own_ferretdb: int) -> None:
    async def go() -> dict[str, tuple[Any, ...]]:
        got: dict[str, tuple[Any, ...]] = {}
        probe = MongodbProbe()
        async with probed(probe, f"mongodb://127.0.0.1:{own_ferretdb}") as found:
            assert found.inventory.error is None
            reader = probe.reader(found.transport, found.service)
            for c in found.inventory.containers:
                sample = await probe.sample(found.transport, found.service, c, 100)
                plan = await reader.open(c, 1)
                pages = reader.partition(plan, 0, None, size=2)
                read: list[Any] = []
                try:
                    while page := await pages.next_page():
                        read += page.docs
                finally:
                    await pages.close()
                pair = (c.details["database"], c.details["collection"])
                wheres = {d["where"] for d in (*sample.docs, *read)}
                got[c.name] = (pair, c.docs, len(sample.docs), len(read), wheres)
        return got

    assert asyncio.run(go()) == {
        f"{db}.{collection}": ((db, collection), n, n, n, {collection})
        for (db, collection), n in DOTTED.items()
    }


def _verdict(port: int, probe: MongodbProbe | None = None) -> tuple[float, Service]:
    """The probe's verdict of 127.0.0.1:PORT at the default deadlines, and its seconds."""

    async def go() -> tuple[float, Service]:
        scope = Scope()
        scope.add("127.0.0.1", port)
        transport = Transport(Limits(), scope)
        start = time.monotonic()
        try:
            service = await (probe or MongodbProbe()).verdict(
                transport, Endpoint("127.0.0.1", port)
            )
        finally:
            await transport.aclose()
        return time.monotonic() - start, service

    return asyncio.run(go())


@pytest.mark.parametrize("own_port", [False, True], ids=["padded", "on-its-own-port"])
@pytest.mark.parametrize(("role", "verdict"), [("open", "open"), ("secured", "secured")])
def test_ferretdb_answers_the_hello_with_its_comment(
    lab: Any, role: str, verdict: str, own_port: bool
) -> None:
    port = lab.status.target(role, kind="mongodb").port
    probe = MongodbProbe()
    if own_port:  # the unpadded hello, as on 27017
        probe.default_ports = (port,)  # type: ignore[misc]
    sent: list[Request] = []
    add_audit_hook(sent.append)
    try:
        _, service = _verdict(port, probe)
    finally:
        remove_audit_hook(sent.append)
    assert service.verdict.value == verdict, service.reason
    assert service.fingerprint.details.get("ferretdb_version")
    assert [r.method for r in sent][:2] == ["hello", "buildInfo"]  # asked once, answered


@pytest.mark.parametrize(
    ("kind", "role"),
    [("redis", "open"), ("redis", "secured"), ("elasticsearch", "open")],
    ids=["redis-open", "redis-secured", "opensearch"],
)
def test_a_server_of_a_line_protocol_is_not_mongodb_at_once(lab: Any, kind: str, role: str) -> None:
    # Redis and OpenSearch's own HTTP port waited for a line's end until the read deadline
    # (10 s, then "timeout"); they answer the hello at once now.
    port = lab.status.target(role, kind=kind).port
    took, service = _verdict(port)
    assert service.verdict.value == "not-mongodb", service.reason
    assert took < 3.0, took  # the read deadline is 10 s
