"""Databases and collections a server named after a person (``jane.doe@gmail.com.orders``, a
collection a customer): shown and stored masked, counted and read as their own."""

from __future__ import annotations

import asyncio
from typing import Any

import bson
import pytest

from leakhound.models import Container, Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import Inventory, ReadPlan, SampleDocs
from leakhound.probes.mongodb.names import shown_names
from leakhound.probes.mongodb.probe import MongodbProbe

from .test_read import FakeMongo

SHELVES = {
    ("shop", "orders"): [1, 2, 3, 4],
    ("shop", "cart_jane.doe@gmail.com"): [10, 11],
    ("shop", "cart_john.roe@gmail.com"): [20, 21, 22],
    ("shop", "cart_jdoe"): [30],
    ("+33612345678", "calls"): [40],
}
SECRETS = [b"jane.doe", b"john.roe", b"12345678", b"612345"]


class Shelves(FakeMongo):
    """Several databases of collections of ``{_id: n}``, listed and read as MongoDB does."""

    def __init__(self) -> None:
        super().__init__([])

    def answer(self, cmd: dict[str, Any]) -> dict[str, Any] | None:
        name, db = next(iter(cmd)), cmd.get("$db")
        if name == "listDatabases":
            return {"databases": [{"name": d} for d in sorted({d for d, _ in SHELVES})], "ok": 1}
        if name == "listCollections":
            batch = [{"name": c, "type": "collection"} for d, c in SHELVES if d == db]
            ns = f"{db}.$cmd.listCollections"
            return {"cursor": {"id": bson.Int64(0), "ns": ns, "firstBatch": batch}, "ok": 1}
        if name == "collStats":
            return {"count": len(SHELVES[(db, cmd["collStats"])]), "ok": 1}
        if name == "find":
            self.docs = [{"_id": i, "in": cmd["find"][:5]} for i in SHELVES[(db, cmd["find"])]]
        return super().answer(cmd)


def test_names_holding_personal_data_are_masked_and_numbered_where_they_collide() -> None:
    assert shown_names(list(SHELVES)) == {
        ("shop", "cart_jane.doe@gmail.com"): "shop.c***@g***.com #1",
        ("shop", "cart_john.roe@gmail.com"): "shop.c***@g***.com #2",
        ("+33612345678", "calls"): "+33 ***78.calls",
    }


def run(go: Any, fake: Shelves | None = None) -> Any:
    async def main() -> Any:
        nonlocal fake
        fake = fake or Shelves()
        server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        scope = Scope()
        scope.add("127.0.0.1", port)
        transport = Transport(Limits(read_timeout=2, total_timeout=10), scope)
        ep = Endpoint("127.0.0.1", port)
        try:
            return await go(transport, Service(ep, ep.url("mongodb"), "mongodb", Verdict.OPEN, ""))
        finally:
            server.close()
            await transport.aclose()

    return asyncio.run(main())


def test_collections_named_by_personal_data_are_listed_masked_with_their_own_counts() -> None:
    async def go(transport: Transport, service: Service) -> Inventory:
        return await MongodbProbe().inventory(transport, service, max_containers=100)

    inv = run(go)
    assert {c.name: c.docs for c in inv.containers} == {
        "+33 ***78.calls": 1,
        "shop.c***@g***.com #1": 2,
        "shop.c***@g***.com #2": 3,
        "shop.cart_jdoe": 1,  # no personal data in "jdoe": as the server named it
        "shop.orders": 4,
    }
    assert not [s for s in SECRETS if s in repr(inv).encode()]


@pytest.mark.parametrize("inventoried", [True, False], ids=["after-inventory", "fresh-probe"])
def test_a_masked_collection_is_sampled_and_read_by_its_own_name(inventoried: bool) -> None:
    async def go(transport: Transport, service: Service) -> Any:
        probe = MongodbProbe()
        inv = await probe.inventory(transport, service, max_containers=100)
        (john,) = [c for c in inv.containers if c.name.endswith("#2")]
        if not inventoried:  # a stored scan read again (export-subjects), another process
            probe = MongodbProbe()
        sample = await probe.sample(transport, service, john, 10)
        reader = probe.reader(transport, service)
        plan = await reader.open(john, 1)
        if not inventoried:  # a partition read by a worker process: the plan alone
            reader = MongodbProbe().reader(transport, service)
        part = reader.partition(ReadPlan.from_json(plan.to_json()), 0, None, size=2)
        read: list[int] = []
        while (page := await part.next_page()) is not None:
            read += [d["_id"] for d in page.docs]
        return sample, plan, read

    sample, plan, read = run(go)
    assert isinstance(sample, SampleDocs) and sample.error is None
    assert sorted(d["_id"] for d in sample.docs) == read == [20, 21, 22]
    # The plan is checkpointed: the collection's own name is not in it.
    assert not [s for s in SECRETS if s in repr(plan.to_json()).encode()]


def test_a_masked_name_no_longer_listed_is_one_line_of_error() -> None:
    async def go(transport: Transport, service: Service) -> SampleDocs:
        gone = Container("shop.x***@e***.org", 3, None, details={"masked_name": True})
        return await MongodbProbe().sample(transport, service, gone, 10)

    sample = run(go)
    assert sample.docs == () and sample.error is not None
    assert sample.error.endswith("no collection of that name is listed any more")


class Refusing(Shelves):
    """Shelves whose reads are refused in MongoDB's own words, which name the collection."""

    def answer(self, cmd: dict[str, Any]) -> dict[str, Any] | None:
        if next(iter(cmd)) == "find":
            said = f'not authorized on {cmd["$db"]} to execute command {{ find: "{cmd["find"]}" }}'
            return {"ok": 0, "code": 13, "codeName": "Unauthorized", "errmsg": said}
        return super().answer(cmd)


def test_a_refusal_naming_a_masked_collection_is_said_masked() -> None:
    async def go(transport: Transport, service: Service) -> SampleDocs:
        probe = MongodbProbe()
        inv = await probe.inventory(transport, service, max_containers=100)
        (jane,) = [c for c in inv.containers if c.name.endswith("#1")]
        return await probe.sample(transport, service, jane, 10)

    sample = run(go, Refusing())
    assert sample.error is not None and "not authorized on shop" in sample.error
    assert "c***@g***.com" in sample.error
    assert not [s for s in SECRETS if s in sample.error.encode()]


def test_a_collection_named_like_a_masked_one_never_shares_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "*" is allowed in a collection's name: one named as jane's would be shown masked.
    monkeypatch.delitem(SHELVES, ("shop", "cart_john.roe@gmail.com"))
    monkeypatch.setitem(SHELVES, ("shop", "c***@g***.com"), [50, 51, 52, 53, 54])

    async def go(transport: Transport, service: Service) -> Any:
        probe = MongodbProbe()
        inv = await probe.inventory(transport, service, max_containers=100)
        (jane,) = [c for c in inv.containers if c.name == "shop.c***@g***.com #1"]
        return inv, await MongodbProbe().sample(transport, service, jane, 10)

    inv, sample = run(go)
    names = [c.name for c in inv.containers]
    assert len(names) == len(set(names)) == len(SHELVES)
    assert {c.name: c.docs for c in inv.containers if c.name.startswith("shop.c*")} == {
        "shop.c***@g***.com": 5,  # as the server named it
        "shop.c***@g***.com #1": 2,  # jane's
    }
    assert sorted(d["_id"] for d in sample.docs) == [10, 11]


def test_a_collection_named_like_a_numbered_masked_one_never_shares_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A hostile server names a collection as jane's masked and numbered name would be.
    monkeypatch.setitem(SHELVES, ("shop", "c***@g***.com #1"), [50, 51, 52, 53, 54])

    async def go(transport: Transport, service: Service) -> Any:
        inv = await MongodbProbe().inventory(transport, service, max_containers=100)
        fresh = MongodbProbe()  # another process: found again in the listing
        named = {c.name: c for c in inv.containers}
        masked = [n for n, c in named.items() if c.details.get("masked_name")]
        samples = {n: await fresh.sample(transport, service, named[n], 10) for n in masked}
        return inv, samples

    inv, samples = run(go)
    names = [c.name for c in inv.containers]
    assert len(names) == len(set(names)) == len(SHELVES)
    assert {c.name: c.docs for c in inv.containers if c.name.startswith("shop.c*")} == {
        "shop.c***@g***.com #1": 5,  # as the server named it
        "shop.c***@g***.com #2": 2,  # jane's
        "shop.c***@g***.com #3": 3,  # john's
    }
    assert sorted(d["_id"] for d in samples["shop.c***@g***.com #2"].docs) == [10, 11]
    assert sorted(d["_id"] for d in samples["shop.c***@g***.com #3"].docs) == [20, 21, 22]


class Unlisting(Shelves):
    """Shelves whose listCollections of database ``failing`` fails (set after the inventory)."""

    failing: str | None = None

    def answer(self, cmd: dict[str, Any]) -> dict[str, Any] | None:
        if next(iter(cmd)) == "listCollections" and cmd["$db"] == self.failing:
            return {"ok": 0, "code": 1, "codeName": "InternalError", "errmsg": "boom"}
        return super().answer(cmd)


def test_a_database_not_listed_again_never_moves_a_masked_name_to_another_collection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two customers' databases: their "orders" mask alike, jane's "#1", john's "#2".
    monkeypatch.setitem(SHELVES, ("jane.doe@gmail.com", "orders"), [60, 61])
    monkeypatch.setitem(SHELVES, ("john.roe@gmail.com", "orders"), [70, 71, 72])
    fake = Unlisting()

    async def go(transport: Transport, service: Service) -> Any:
        inv = await MongodbProbe().inventory(transport, service, max_containers=100)
        (jane,) = [c for c in inv.containers if c.name == '"j***@g***.com".orders #1']
        fake.failing = "jane.doe@gmail.com"  # listed no more: john's would be the first
        return await MongodbProbe().sample(transport, service, jane, 10)  # a new process

    sample = run(go, fake)
    assert not [d for d in sample.docs if d["_id"] >= 70]  # never john's as jane's
    assert sample.docs == () and sample.error is not None
    assert "could not be listed whole" in sample.error and "scan again" in sample.error
    assert not [s for s in SECRETS if s in sample.error.encode()]


def test_a_reader_names_the_collection_behind_a_masked_name_for_a_resume_to_check() -> None:
    async def go(transport: Transport, service: Service) -> list[str | None]:
        inv = await MongodbProbe().inventory(transport, service, max_containers=100)
        reader = MongodbProbe().reader(transport, service)  # another process: nothing kept
        named = {c.name: c for c in inv.containers}
        return [await reader.own_name(named[n]) for n in ("shop.orders", "shop.c***@g***.com #2")]

    assert run(go) == [None, '["shop", "cart_john.roe@gmail.com"]']
