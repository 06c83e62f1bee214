"""Members of a MongoDB replica set: one store however many of its members answer (the set's
``replicaSetId``, else its name and members), each member's role said, and a secondary read
as its primary is (a read preference on the reads it answers only so).

The members are fakes on loopback (``replset.py``): FerretDB, the lab's MongoDB-wire server,
has no replica sets.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bson
import pytest

from hostile import audited
from hostile import servers as S
from leakhound.cli import main
from leakhound.models import Endpoint, Service
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.mongodb import ALLOW, MongodbProbe
from leakhound.probes.mongodb.connection import CommandFailed
from leakhound.probes.mongodb.replset import member_role, set_identity

from .replset import OPT_IN, Member, ReplicaSet, customers, handler

DOCS = 30
SET = ReplicaSet(
    "rs0",
    ("mongo1.corp.example:27017", "mongo2.corp.example:27017"),
    ("mongo3.corp.example:27017",),
    bson.ObjectId("65f0a1b2c3d4e5f601234567"),
)
# Another company's set of the same (default) name, deployed from the same tutorial.
OTHER = ReplicaSet(
    "rs0",
    ("db-a.shop.example:27017", "db-b.shop.example:27017"),
    (),
    bson.ObjectId("66aa00bb11cc22dd33ee44ff"),
)


def _members() -> dict[str, Member]:
    primary, secondary = SET.hosts
    return {
        "primary": Member(SET, primary, "primary", customers(DOCS)),
        "secondary": Member(SET, secondary, "secondary", customers(DOCS)),
        "arbiter": Member(SET, SET.arbiters[0], "arbiter", None),
        "other-set": Member(OTHER, OTHER.hosts[0], "primary", customers(3)),
        "other-secured": Member(OTHER, OTHER.hosts[0], "primary", None, secured=True),
        "standalone": Member(None, "", "primary", customers(3)),
    }


@dataclass
class Fakes:
    """The members served, by name, and their ports."""

    loop: S.ServerLoop
    members: dict[str, Member]
    ports: dict[str, int]

    def verdict(self, name: str) -> Service:
        """The probe's verdict on one member."""
        port = self.ports[name]

        async def go() -> Service:
            limits = Limits(read_timeout=2, total_timeout=4)
            transport = Transport(limits, Scope({("127.0.0.1", port)}))
            try:
                return await MongodbProbe().verdict(transport, Endpoint("127.0.0.1", port))
            finally:
                await transport.aclose()

        return asyncio.run(go())


@pytest.fixture(scope="module")
def fakes() -> Iterator[Fakes]:
    members = _members()
    with S.ServerLoop() as loop:
        ports = {name: loop.serve(handler(m)) for name, m in members.items()}
        yield Fakes(loop, members, ports)


def test_a_secondary_is_open_as_its_primary_is_and_says_what_it_is(fakes: Fakes) -> None:
    primary, secondary = fakes.verdict("primary"), fakes.verdict("secondary")
    assert (primary.verdict.value, secondary.verdict.value) == ("open", "open"), secondary.reason
    assert primary.reason.endswith("; the primary of replica set rs0")
    assert secondary.reason.endswith("; a secondary of replica set rs0")
    assert secondary.fingerprint.details["member"] == "secondary"
    assert secondary.fingerprint.cluster_name == "rs0"


def test_the_members_of_one_set_are_one_store_by_its_replica_set_id(fakes: Fakes) -> None:
    got = [fakes.verdict(name) for name in ("primary", "secondary", "arbiter")]
    assert {s.fingerprint.cluster_uuid for s in got} == {str(SET.set_id)}
    assert len({s.store_id for s in got}) == 1
    # The same name and another id: another store.
    other = fakes.verdict("other-set")
    assert other.fingerprint.cluster_name == "rs0"
    assert other.store_id != got[0].store_id


def _served(members: dict[str, Member], hosts: Callable[[dict[str, int]], tuple[str, ...]]) -> Any:
    """``members`` served on loopback, each then made a member of a set named rs0 whose hosts
    are ``hosts(ports)``: their verdicts by name."""
    with S.ServerLoop() as loop:
        ports = {name: loop.serve(handler(m)) for name, m in members.items()}
        rs = ReplicaSet("rs0", hosts(ports), (), bson.ObjectId())
        for m in members.values():
            m.rs = rs
        return {name: Fakes(loop, members, ports).verdict(name) for name in members}


def test_secured_members_are_one_store_by_their_set_name_and_hosts(fakes: Fakes) -> None:
    # replSetGetConfig asks for credentials: the set's name and the hosts hello lists, each
    # member reached at one of them.
    got = _served(
        {
            "primary": Member(None, "", "primary", None, secured=True),
            "secondary": Member(None, "", "secondary", None, secured=True),
        },
        lambda ports: tuple(f"127.0.0.1:{p}" for p in ports.values()),
    )
    primary, secondary = got["primary"], got["secondary"]
    other = fakes.verdict("other-secured")
    assert {primary.verdict.value, secondary.verdict.value, other.verdict.value} == {"secured"}
    assert primary.fingerprint.cluster_uuid == secondary.fingerprint.cluster_uuid
    assert str(primary.fingerprint.cluster_uuid).startswith("rs0/")
    assert primary.store_id == secondary.store_id
    assert other.fingerprint.cluster_uuid != primary.fingerprint.cluster_uuid
    assert secondary.reason.endswith("; a secondary of replica set rs0")


def test_sets_of_the_default_name_and_hosts_on_two_machines_are_two_stores() -> None:
    # Two single-member sets as every tutorial makes them (rs0 of "localhost:27017"), on two
    # machines, asking for credentials: nothing says they are one set.
    got = _served(
        {
            "here": Member(None, "localhost:27017", "primary", None, secured=True),
            "there": Member(None, "localhost:27017", "primary", None, secured=True),
        },
        lambda ports: ("localhost:27017",),
    )
    here, there = got["here"], got["there"]
    assert {here.verdict.value, there.verdict.value} == {"secured"}
    assert here.fingerprint.cluster_uuid is None and there.fingerprint.cluster_uuid is None
    assert here.store_id != there.store_id
    assert here.fingerprint.cluster_name == there.fingerprint.cluster_name == "rs0"


def test_an_arbiter_says_it_holds_no_data(fakes: Fakes) -> None:
    arbiter = fakes.verdict("arbiter")
    assert arbiter.verdict.value == "error"
    assert arbiter.fingerprint.details["member"] == "arbiter"
    assert "NotPrimaryOrSecondary" in arbiter.reason
    assert arbiter.reason.endswith("; an arbiter (it holds no data) of replica set rs0")


def test_a_standalone_server_is_sent_no_read_preference(fakes: Fakes) -> None:
    service = fakes.verdict("standalone")
    assert service.verdict.value == "open"
    assert service.fingerprint.cluster_uuid is None and "member" not in service.fingerprint.details
    assert service.store_id == f"mongodb@{service.endpoint.key}"
    sent = fakes.members["standalone"].sent
    assert "listDatabases" in {next(iter(c)) for c in sent}
    assert not any("$readPreference" in c for c in sent)
    assert "replSetGetConfig" not in {next(iter(c)) for c in sent}


@pytest.mark.parametrize(
    ("hello", "role"),
    [
        ({"setName": "rs0", "isWritablePrimary": True, "secondary": False}, "primary"),
        ({"setName": "rs0", "ismaster": True, "secondary": False}, "primary"),  # isMaster
        ({"setName": "rs0", "isWritablePrimary": False, "secondary": True}, "secondary"),
        ({"setName": "rs0", "secondary": False, "arbiterOnly": True}, "arbiter"),
        ({"setName": "rs0", "isWritablePrimary": False, "secondary": False}, "other"),
    ],
    ids=["primary", "legacy-primary", "secondary", "arbiter", "recovering"],
)
def test_a_members_role_is_read_from_its_hello(hello: dict[str, Any], role: str) -> None:
    assert member_role(hello) == role


class _Refusing:
    """A connection whose every command is refused (a member asking for credentials)."""

    async def run(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        raise CommandFailed(next(iter(command)), {"ok": 0, "code": 13, "errmsg": "auth"})


def _identity(hosts: list[str], at: str) -> str | None:
    """The identity of a set rs0 of ``hosts`` whose replSetGetConfig is refused, at ``at``."""
    host, port = at.rsplit(":", 1)
    hello = {"setName": "rs0", "hosts": hosts}
    return asyncio.run(set_identity(_Refusing(), hello, Endpoint(host, int(port))))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (["x:1", "y:1"], ["y:1", "x:1"], True),  # listed in another order
        (["X.example:1"], ["x.example:1"], True),  # host names are not case-sensitive
        (["x:1", "y:1"], ["x:1", "z:1"], False),
        (["x:1"], ["x:2"], False),
    ],
    ids=["order", "case", "another-host", "another-port"],
)
def test_without_its_id_a_set_is_known_by_its_name_and_hosts(
    a: list[str], b: list[str], same: bool
) -> None:
    # each reached at the first host it lists
    one, other = _identity(a, a[0].lower()), _identity(b, b[0].lower())
    assert one is not None and other is not None
    assert (one == other) is same


def test_a_set_whose_hello_lists_no_host_has_no_identity() -> None:
    assert _identity([], "x:1") is None


@pytest.mark.parametrize(
    ("hosts", "at"),
    [
        (["localhost:27017"], "203.0.113.5:27017"),
        (["mongo1:27017", "mongo2:27017"], "198.51.100.7:27017"),
        (["10.0.0.4:27017", "10.0.0.5:27017"], "203.0.113.5:27017"),
        (["localhost:27017"], "127.0.0.1:27018"),
    ],
    ids=["loopback", "unqualified", "private", "another-port"],
)
def test_a_set_reached_at_none_of_its_hosts_is_known_by_its_endpoint(
    hosts: list[str], at: str
) -> None:
    # The hosts a set lists are its own machine's names for its members: two sets on two
    # machines list the same ones, and one reached elsewhere tells nothing of the other.
    assert _identity(hosts, at) is None


def _sent_names(member: Member) -> list[str]:
    return [next(iter(c)) for c in member.sent]


def test_a_members_reads_carry_primary_preferred(fakes: Fakes, tmp_path: Path) -> None:
    secondary = fakes.members["secondary"]
    secondary.sent.clear()
    status, _out, err = audited.cli(
        audited.scan_argv(
            [f"mongodb://127.0.0.1:{fakes.ports['secondary']}"],
            tmp_path / "f.db",
            "--depth",
            "full",
            *audited.SHORT,
        )
    )
    assert status == 0, err
    reads = [c for c in secondary.sent if next(iter(c)) in OPT_IN]
    assert {next(iter(c)) for c in reads} >= {"listDatabases", "collStats", "find"}
    assert all(c.get("$readPreference") == {"mode": "primaryPreferred"} for c in reads)
    # getMore follows its cursor: no read preference (as the drivers send it)
    assert all("$readPreference" not in c for c in secondary.sent if "getMore" in c)
    assert "getMore" in _sent_names(secondary)


def _scan(fakes: Fakes, tmp: Path, names: list[str], *more: str) -> dict[str, Any]:
    """``leakhound scan`` of the named members into ``tmp``: the JSON report, with the
    findings database's path under ``_db``."""
    db = tmp / "findings.db"
    targets = [f"mongodb://127.0.0.1:{fakes.ports[n]}" for n in names]
    status, out, err = audited.cli(audited.scan_argv(targets, db, *more, *audited.SHORT))
    assert status == 0, err
    doc: dict[str, Any] = json.loads(out)
    doc["_db"] = str(db)
    return doc


def _assessed(doc: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["assess", doc["scan_id"], "--db", doc["_db"], "--format", "json"]) == 0
    got: dict[str, Any] = json.loads(capsys.readouterr().out)
    return got


@pytest.mark.parametrize("depth", ["sample", "full"])
def test_a_set_scanned_at_every_member_is_one_store_counted_once(
    fakes: Fakes, tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: str
) -> None:
    doc = _scan(fakes, tmp_path, ["primary", "secondary", "arbiter"], "--depth", depth)
    by_port = {r["service"]["endpoint"]["port"]: r for r in doc["results"]}
    secondary = by_port[fakes.ports["secondary"]]
    assert secondary["service"]["verdict"] == "open"
    (customers_,) = secondary["indices"]
    read = customers_[depth]
    assert read["docs"] == DOCS and not read["error"], read
    if depth == "full":
        assert read["complete"]
    assessed = _assessed(doc, capsys)
    (store,) = assessed["stores"]
    assert store["documents"] == DOCS
    assert store["other_endpoints"] == [f"127.0.0.1:{fakes.ports['secondary']}"]
    assert store["url"] == f"mongodb://127.0.0.1:{fakes.ports['primary']}"
    assert assessed["records"]["value"] == DOCS


def test_every_command_sent_to_a_member_is_on_the_allow_list(fakes: Fakes) -> None:
    for member in fakes.members.values():
        for command in member.sent:
            assert ALLOW.allows(next(iter(command))), command


def test_a_replica_set_id_that_is_no_object_id_is_not_taken() -> None:
    class Lying:
        async def run(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
            return {"config": {"settings": {"replicaSetId": "everyone"}}, "ok": 1}

    hello = {"setName": "rs0", "hosts": ["x:1"]}
    got = asyncio.run(set_identity(Lying(), hello, Endpoint("x", 1)))  # type: ignore[arg-type]
    assert got is not None and got.startswith("rs0/")
