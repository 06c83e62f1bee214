"""Hostile MongoDB cursors on a full read: a server that answers everything as MongoDB does
until ``getMore``, then lies (another cursor's id, a reply over the byte cap, a cursor that
never ends, one of ever new ``_id`` values). Each costs that collection's read one line of
reason; the scan ends in time, with no traceback, having sent only commands of the
allow-list, and what was counted before the stop is in the report."""

from __future__ import annotations

import asyncio
import itertools
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import bson
import orjson
import pytest

from leakhound.probes.mongodb import ALLOW
from leakhound.probes.mongodb.read import EMPTY_BATCHES
from leakhound.scanner.full import GROWTH, RETRIES, SLACK_PAGES

from . import audited
from . import servers as S
from .audited import Scan

DOCS = 50
WALL_BOUND = 60.0  # seconds: a correctness bound, not a benchmark
GetMore = Callable[[dict[str, Any]], bytes]


def _op_msg(doc: dict[str, Any], length: int | None = None) -> bytes:
    body = struct.pack("<IB", 0, 0) + bson.encode(doc)
    return struct.pack("<iiii", length or 16 + len(body), 1, 1, 2013) + body


def _docs(start: int, n: int) -> list[dict[str, Any]]:
    return [{"_id": i, "email": f"user{i}@example.com"} for i in range(start, start + n)]


def _batch(cursor: int, key: str, docs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"cursor": {"id": bson.Int64(cursor), "ns": "shop.customers", key: docs}, "ok": 1.0}


def _answer(cmd: dict[str, Any], get_more: GetMore) -> bytes:
    """MongoDB's answer to every command a scan sends, ``get_more`` for getMore."""
    name = next(iter(cmd))
    if name == "getMore":
        return get_more(cmd)
    if name == "find":
        after = ((cmd.get("filter") or {}).get("_id") or {}).get("$gt", -1)
        first = _docs(after + 1, min(int(cmd.get("batchSize") or 1), DOCS - after - 1))
        return _op_msg(_batch(0 if cmd.get("singleBatch") else 42, "firstBatch", first))
    replies: dict[str, dict[str, Any]] = {
        "hello": {"isWritablePrimary": True, "maxWireVersion": 21, "ok": 1.0},
        "buildInfo": {"version": "7.0.14", "ok": 1.0},
        "listDatabases": {"databases": [{"name": "shop"}], "ok": 1.0},
        "listCollections": _batch(0, "firstBatch", [{"name": "customers", "type": "collection"}]),
        "collStats": {"count": DOCS, "ok": 1.0},
        "listIndexes": _batch(0, "firstBatch", [{"v": 2, "key": {"_id": 1}, "name": "_id_"}]),
        "killCursors": {"cursorsKilled": cmd.get("cursors", []), "ok": 1.0},
    }
    return _op_msg(replies.get(name) or {"ok": 0.0, "code": 59, "errmsg": "no such command"})


def _mongodb(get_more: GetMore) -> S.Handler:
    async def handle(conn: S.Conn) -> None:
        while True:
            try:
                header = await conn.reader.readexactly(16)
                (length,) = struct.unpack_from("<i", header)
                body = await conn.reader.readexactly(length - 16)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            await conn.send(_answer(bson.decode(body[5:]), get_more))

    return handle


def _endless() -> GetMore:
    """A cursor that never ends: every getMore a full batch of new, ever greater ``_id``s."""
    after = itertools.count(1000)

    def get_more(cmd: dict[str, Any]) -> bytes:
        start = next(after) * 10_000
        return _op_msg(_batch(42, "nextBatch", _docs(start, int(cmd["batchSize"]))))

    return get_more


ENDLESS = "endless-increasing-ids"
BATCH = 1000  # the full read's default page


@dataclass(frozen=True)
class Case:
    """One hostile getMore and the reason the read stops with."""

    name: str
    get_more: GetMore
    reason: str


CASES = [
    Case(
        "another-cursor-id",
        lambda cmd: _op_msg(_batch(43, "nextBatch", _docs(16, 5))),
        "another cursor's id",
    ),
    Case(
        "batch-over-the-byte-cap",  # a 40 MiB reply declared: refused before its body is read
        lambda cmd: _op_msg(_batch(42, "nextBatch", []), length=40 * 1024 * 1024),
        "byte cap",
    ),
    Case(
        "more-documents-than-asked",
        lambda cmd: _op_msg(_batch(42, "nextBatch", _docs(16, int(cmd["batchSize"]) + 1))),
        "were asked for",
    ),
    Case(
        "endless-empty-batches",
        lambda cmd: _op_msg(_batch(42, "nextBatch", [])),
        "empty batches",
    ),
    Case(
        "endless-same-batch",
        lambda cmd: _op_msg(_batch(42, "nextBatch", _docs(0, 5))),
        "went back",
    ),
    Case(ENDLESS, _endless(), f"more than twice the {DOCS} the server counted"),
]


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scan]:
    """Every hostile server, read in full in one run of the CLI."""
    tmp = tmp_path_factory.mktemp("hostile-cursor")
    with S.ServerLoop() as loop:
        handlers = {c.name: _mongodb(c.get_more) for c in CASES}
        got = audited.scan_servers(loop, handlers, "mongodb", tmp / "f.db", "--depth", "full")
    yield got


def test_the_full_scan_ends_in_time_without_a_traceback(scan: Scan) -> None:
    assert scan.exit_status in (0, 1), scan.stderr
    assert "Traceback" not in scan.stderr
    assert scan.wall < WALL_BOUND


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_cursor_stops_its_read_with_one_line(scan: Scan, case: Case) -> None:
    result = scan.by_name[case.name]
    assert result["service"]["verdict"] == "open"
    text = orjson.dumps(result).decode()
    assert case.reason in text, text[:2000]


def test_a_cursor_that_never_ends_stops_past_twice_its_count_and_keeps_what_it_counted(
    scan: Scan,
) -> None:
    (index,) = scan.by_name[ENDLESS]["indices"]
    full = index["full"]
    # Every record counted before the stop is in the report, and the figures are its own.
    counted = audited.stopped_after(full, DOCS)
    assert (
        GROWTH * DOCS + SLACK_PAGES * BATCH < counted <= (GROWTH * DOCS + (SLACK_PAGES + 1) * BATCH)
    )
    assert {p["entity_type"]: p["docs"] for p in full["pii"]}.get("EMAIL_ADDRESS") == counted


def test_only_allowed_commands_were_sent_and_each_bad_cursor_was_asked_once(scan: Scan) -> None:
    assert scan.sent
    assert all(ALLOW.allows(r.method, r.target) for r in scan.sent if r.kind == "mongodb")
    endless = f"mongodb://127.0.0.1:{scan.ports[ENDLESS]}"
    get_mores = [r for r in scan.sent if r.method == "getMore" and r.url != endless]
    # Empty batches: asked a few times; a reply over the cap: asked again, on smaller
    # batches (it may have been a batch of large documents); every other lie: once.
    assert len(get_mores) <= len(CASES) - 3 + EMPTY_BATCHES + 1 + RETRIES
