"""Hostile MongoDB servers past hello: answers of the wrong shape to the inventory's commands
(a database list that is a number, a cursor that is not a document). Each costs what it
touches one line of reason, never the collections inventoried beside it, nothing is an
internal error, and only commands of the allow-list are sent.

One scan through the real CLI over every server at once, as ``test_hostile_wire.py`` does.
"""

from __future__ import annotations

import asyncio
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import bson
import pytest

from leakhound.probes.mongodb import ALLOW

from . import audited
from . import servers as S
from .audited import Scan

WALL_BOUND = 60.0  # seconds: a correctness bound, not a benchmark
Answer = Callable[[str, dict[str, Any]], dict[str, Any] | None]  # None: the honest answer


def _op_msg(doc: dict[str, Any]) -> bytes:
    body = struct.pack("<IB", 0, 0) + bson.encode(doc)
    return struct.pack("<iiii", 16 + len(body), 1, 1, 2013) + body


def _batch(key: str, docs: list[Any]) -> dict[str, Any]:
    return {"cursor": {"id": bson.Int64(0), "ns": "shop.c", key: docs}, "ok": 1.0}


def _honest(name: str, cmd: dict[str, Any]) -> dict[str, Any]:
    """An open MongoDB of two collections of three customers each."""
    if name == "find":
        when = datetime(2024, 5, 1, tzinfo=UTC)
        docs = [{"_id": i, "email": f"user{i}@example.com", "created_at": when} for i in (1, 2, 3)]
        return _batch("firstBatch", docs[: int(cmd.get("limit") or 3)])
    replies: dict[str, dict[str, Any]] = {
        "hello": {"isWritablePrimary": True, "maxWireVersion": 21, "ok": 1.0},
        "buildInfo": {"version": "7.0.14", "ok": 1.0},
        "listDatabases": {"databases": [{"name": "shop"}], "ok": 1.0},
        "listCollections": _batch("firstBatch", [{"name": "a"}, {"name": "b"}]),
        "collStats": {"count": 3, "ok": 1.0},
        "listIndexes": _batch("firstBatch", [{"v": 2, "key": {"_id": 1}, "name": "_id_"}]),
    }
    return replies.get(name) or {"ok": 0.0, "code": 59, "errmsg": "no such command"}


def _mongodb(answers: Answer) -> S.Handler:
    async def handle(conn: S.Conn) -> None:
        while True:
            try:
                header = await conn.reader.readexactly(16)
                (length,) = struct.unpack_from("<i", header)
                body = await conn.reader.readexactly(length - 16)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            cmd = bson.decode(body[5:])
            name = next(iter(cmd))
            await conn.send(_op_msg(answers(name, cmd) or _honest(name, cmd)))

    return handle


def _on(command: str, reply: dict[str, Any]) -> Answer:
    return lambda name, cmd: reply if name == command else None


@dataclass(frozen=True)
class Case:
    """One hostile server, and each collection's error (None: the inventory's own error)."""

    name: str
    answers: Answer
    errors: dict[str, str] | None
    inventory: str = ""


CASES = [
    Case(
        "databases-that-are-a-number",
        _on("listDatabases", {"databases": 5, "ok": 1.0}),
        None,
        "^cannot list databases: listDatabases answered without a list of databases$",
    ),
    Case(
        "a-find-cursor-that-is-a-number",
        _on("find", {"cursor": 5, "ok": 1.0}),
        {"shop.a": "^find: find answered without a first batch$", "shop.b": "^find: "},
    ),
    Case(
        # A large collection with a date: its indexes are asked whether the date leads one.
        "an-index-cursor-that-is-a-list",
        lambda name, cmd: {
            "listIndexes": {"cursor": [1], "ok": 1.0},
            "collStats": {"count": 300_000, "ok": 1.0},
        }.get(name),
        {"shop.a": "^$", "shop.b": "^$"},
    ),
]


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scan]:
    """Every hostile server, sampled in one run of the CLI."""
    tmp = tmp_path_factory.mktemp("hostile-mongodb")
    with S.ServerLoop() as loop:
        handlers = {c.name: _mongodb(c.answers) for c in CASES}
        got = audited.scan_servers(loop, handlers, "mongodb", tmp / "f.db")
    yield got


def test_the_scan_ends_in_time_without_a_traceback(scan: Scan) -> None:
    audited.assert_quiet_and_in_time(scan, WALL_BOUND)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_answer_costs_what_it_touches_with_one_line(scan: Scan, case: Case) -> None:
    got = scan.by_name[case.name]
    assert got["service"]["verdict"] == "open"
    inventory_error = got.get("inventory_error") or ""
    assert "internal error" not in inventory_error
    if case.errors is None:
        assert re.search(case.inventory, inventory_error), inventory_error
        assert not got["indices"]
        return
    audited.assert_index_errors(got, case.errors)
    for index in got["indices"]:
        assert "internal error" not in (index["sample"]["error"] or "")


def test_only_allow_listed_commands_were_sent(scan: Scan) -> None:
    assert scan.sent
    for request in scan.sent:
        assert request.kind == "mongodb"
        assert ALLOW.allows(request.method, request.target), request


# Database "a" holding collection "b.c" beside database "a.b" holding "c": MongoDB refuses a
# "." in a database name, a server of its own invention lists one. Each collection holds its
# own documents, as many as its count says; any other (database, collection) is not found.
DOTTED = {("a", "b.c"): 2, ("a.b", "c"): 5}
_ON_A_COLLECTION = ("collStats", "count", "find", "listIndexes", "getMore", "killCursors")


def _dotted(asked: list[tuple[str, Any, Any]]) -> Answer:
    def answer(name: str, cmd: dict[str, Any]) -> dict[str, Any] | None:
        db = cmd.get("$db")
        if name == "listDatabases":
            return {"databases": [{"name": "a"}, {"name": "a.b"}], "ok": 1.0}
        if name == "listCollections":
            listed = [{"name": c, "type": "collection"} for d, c in DOTTED if d == db]
            return _batch("firstBatch", listed)
        if name not in _ON_A_COLLECTION:
            return None
        pair = (db, cmd.get("collection") if name == "getMore" else cmd.get(name))
        asked.append((name, *pair))
        if pair not in DOTTED:
            return {"ok": 0.0, "code": 26, "codeName": "NamespaceNotFound", "errmsg": "no ns"}
        if name in ("collStats", "count"):
            return {"count": DOTTED[pair], "n": DOTTED[pair], "ok": 1.0}
        if name == "find":
            docs = [
                {"_id": i, "email": f"{db}-{pair[1]}-{i}@example.com", "where": "/".join(pair)}
                for i in range(1, DOTTED[pair] + 1)
            ]
            return _batch("firstBatch", docs[: int(cmd.get("limit") or cmd.get("batchSize"))])
        return None

    return answer


@dataclass
class Dotted:
    """The dotted server sampled (one run) and read in full (another), and the (command,
    database, collection) it was asked about a collection."""

    sampled: Scan
    read: Scan
    asked: list[tuple[str, Any, Any]]


@pytest.fixture(scope="module")
def dotted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dotted]:
    """The server of dotted names, inventoried and sampled, then read in full."""
    tmp = tmp_path_factory.mktemp("hostile-mongodb-dotted")
    asked: list[tuple[str, Any, Any]] = []
    with S.ServerLoop() as loop:
        handlers = {"dotted": _mongodb(_dotted(asked))}
        sampled = audited.scan_servers(loop, handlers, "mongodb", tmp / "s.db")
    with S.ServerLoop() as loop:
        handlers = {"dotted": _mongodb(_dotted(asked))}
        read = audited.scan_servers(loop, handlers, "mongodb", tmp / "f.db", "--depth", "full")
    yield Dotted(sampled, read, asked)


@pytest.mark.parametrize("depth", ["sample", "full"])
def test_dotted_names_attribute_every_record_to_its_own_database_and_collection(
    dotted: Dotted, depth: str
) -> None:
    scan = dotted.sampled if depth == "sample" else dotted.read
    audited.assert_quiet_and_in_time(scan, WALL_BOUND)
    got = scan.by_name["dotted"]
    # two containers, neither named like the other, each of its own database and collection
    audited.assert_index_errors(got, {"a.b.c": "^$", '"a.b".c': "^$"})
    pairs = {
        i["index"]["name"]: (i["index"]["database"], i["index"]["collection"])
        for i in got["indices"]
    }
    assert pairs == {"a.b.c": ("a", "b.c"), '"a.b".c': ("a.b", "c")}
    for result in got["indices"]:
        n = DOTTED[pairs[result["index"]["name"]]]
        assert result["index"]["docs"] == n
        read = result[depth]
        assert read["docs"] == n and not read["error"], read
        assert {p["entity_type"]: p["docs"] for p in read["pii"]}.get("EMAIL_ADDRESS") == n


def test_dotted_names_send_every_command_to_its_own_database_and_collection(
    dotted: Dotted,
) -> None:
    assert {(d, c) for _, d, c in dotted.asked} == set(DOTTED)
    assert {name for name, _, _ in dotted.asked} >= {"collStats", "find"}
    for scan in (dotted.sampled, dotted.read):
        assert all(ALLOW.allows(r.method, r.target) for r in scan.sent)
