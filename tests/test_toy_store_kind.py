"""A store kind written here, in this file alone, goes the whole way: verdict, inventory,
sample, full read, resume after an interruption, report.

``toykv`` is an in-process TCP key-value server and its probe (~150 lines). Nothing outside
this file knows it: it reaches leakhound through the public entry points and the store-kind
contract only, which is what a new kind (MongoDB, Redis…) does.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

import leakhound
from leakhound.cli import main
from leakhound.errors import ConnectError, NetError, TimeoutError_
from leakhound.models import Container, Endpoint, Service, Verdict
from leakhound.net import FrameReader, Transport, commands
from leakhound.probes.base import (
    FullReader,
    Inventory,
    Page,
    PartitionReader,
    Probe,
    ReadPlan,
    SampleDocs,
)
from leakhound.scanner.options import FullOptions, ScanOptions

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "src/leakhound/schema/scan-result.schema.json").read_text()
)
PEOPLE = [{"name": f"Person {n}", "email": f"person{n}@example.org"} for n in range(25)]
NOTES = [{"text": f"ticket {n} closed"} for n in range(7)]

# -- the server: one line a command, JSON lines back --------------------------------------


class ToyServer:
    """``HELLO`` -> ``TOYKV 1 <mode>``; ``LIST`` -> ``BUCKET name count`` lines, ``END``;
    ``READ bucket offset limit`` -> JSON lines, ``END``. ``auth`` mode refuses LIST and READ."""

    def __init__(
        self, buckets: dict[str, list[dict[str, Any]]], auth: bool = False, delay: float = 0.0
    ) -> None:
        self.buckets, self.auth, self.delay = buckets, auth, delay
        self.commands: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.port = 0

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := (await reader.readline()).decode().strip():
            verb, *args = line.split()
            self.commands.append(verb)
            if verb == "HELLO":
                out = [f"TOYKV 1 {'auth' if self.auth else 'open'}"]
            elif self.auth:
                out = ["ERR authentication required"]
            elif verb == "LIST":
                out = [f"BUCKET {n} {len(v)}" for n, v in self.buckets.items()] + ["END"]
            else:  # READ
                await asyncio.sleep(self.delay)
                start, limit = int(args[1]), int(args[2])
                rows = self.buckets[args[0]][start : start + limit]
                out = [orjson.dumps(r).decode() for r in rows] + ["END"]
            writer.write("".join(o + "\r\n" for o in out).encode())
            await writer.drain()
        writer.close()

    def __enter__(self) -> ToyServer:
        ready = threading.Event()

        async def serve() -> None:
            server = await asyncio.start_server(self._client, "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            self.stop = asyncio.Event()
            ready.set()
            async with server:
                await self.stop.wait()

        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(serve(),), daemon=True
        )
        self.thread.start()
        ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(5)


# -- the probe: the four questions of the contract ----------------------------------------

ALLOW = commands("toykv", {"HELLO", "LIST", "READ"}, never={"FLUSH", "SET"})


async def _ask(transport: Transport, ep: Endpoint, *lines: str) -> list[list[str]]:
    async def until_end(frames: FrameReader) -> list[str]:
        out = []
        while (line := (await frames.line()).decode()) != "END":
            out.append(line)
            if line.startswith(("TOYKV", "ERR")):
                break
        return out

    stream = await transport.tcp(ep.host, ep.port, ALLOW, scheme="toykv")
    try:
        return [
            await stream.exchange(line.split()[0], (line + "\r\n").encode(), until_end) or []
            for line in lines
        ]
    finally:
        await stream.close()


class ToyProbe(Probe):
    kind, default_ports, schemes, allow = "toykv", (7777,), ("toykv",), ALLOW

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        url = endpoint.url("toykv")
        try:
            (hello,) = await _ask(transport, endpoint, "HELLO")
        except (ConnectError, TimeoutError_) as exc:
            closed = isinstance(exc, ConnectError) and "refused" in str(exc)
            return Service(
                endpoint, url, self.kind, Verdict.CLOSED if closed else Verdict.TIMEOUT, str(exc)
            )
        except NetError as exc:
            return Service(endpoint, url, self.kind, Verdict.not_of(self.kind), str(exc))
        if not hello or not hello[0].startswith("TOYKV"):
            return Service(endpoint, url, self.kind, Verdict.not_of(self.kind), "no TOYKV hello")
        if hello[0].endswith("auth"):
            return Service(endpoint, url, self.kind, Verdict.SECURED, "LIST needs credentials")
        return Service(endpoint, url, self.kind, Verdict.OPEN, "LIST answers without credentials")

    async def inventory(
        self, transport: Transport, service: Service, *, max_containers: int
    ) -> Inventory:
        (rows,) = await _ask(transport, service.endpoint, "LIST")
        found = [r.split() for r in rows if r.startswith("BUCKET ")]
        return Inventory(tuple(Container(name, int(n), None) for _, name, n in found))

    async def sample(
        self, transport: Transport, service: Service, container: Container, size: int
    ) -> SampleDocs:
        (rows,) = await _ask(transport, service.endpoint, f"READ {container.name} 0 {size}")
        return SampleDocs(tuple(orjson.loads(r) for r in rows))

    def reader(self, transport: Transport, service: Service) -> FullReader:
        return ToyReader(transport, service.endpoint)


class ToyReader(FullReader):
    """Partition n of N reads the offsets n, n+N, n+2N… page by page: a position is an offset."""

    method = "offsets"

    def __init__(self, transport: Transport, ep: Endpoint) -> None:
        self.transport, self.ep = transport, ep

    async def open(self, container: Container, partitions: int) -> ReadPlan:
        return ReadPlan(container.name, partitions, self.method, total=container.docs)

    async def reopen(self, plan: ReadPlan) -> ReadPlan:
        return plan

    def partition(
        self, plan: ReadPlan, number: int, position: Any, *, size: int
    ) -> PartitionReader:
        return ToyPartition(self, plan, number, position or 0, size)


class ToyPartition(PartitionReader):
    def __init__(
        self, reader: ToyReader, plan: ReadPlan, number: int, page: int, size: int
    ) -> None:
        self.reader, self.plan, self.number, self.page, self.size = (
            reader,
            plan,
            number,
            page,
            size,
        )

    async def next_page(self) -> Page | None:
        # Page p of partition n holds records [(p*N + n)*size, …+size).
        start = (self.page * self.plan.partitions + self.number) * self.size
        (rows,) = await _ask(
            self.reader.transport, self.reader.ep, f"READ {self.plan.container} {start} {self.size}"
        )
        if not rows:
            return None
        self.page += 1
        return Page(tuple(orjson.loads(r) for r in rows), self.page)


# -- the whole way ------------------------------------------------------------------------


@pytest.fixture
def servers() -> Iterator[tuple[ToyServer, ToyServer]]:
    with (
        ToyServer({"people": PEOPLE, "notes": NOTES}, delay=0.02) as open_,
        ToyServer({"people": PEOPLE}, auth=True) as secured,
    ):
        yield open_, secured


def _report(db: Path, scan_id: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["report", scan_id, "--db", str(db), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    return doc


def test_a_toy_kind_is_sampled_and_reported(
    servers: tuple[ToyServer, ToyServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    open_, secured = servers
    db = tmp_path / "f.db"
    with leakhound.SqliteStore(db) as store:
        scan_id = asyncio.run(
            leakhound.scan(
                [f"toykv://127.0.0.1:{open_.port}", f"127.0.0.1:{secured.port}"],
                ScanOptions(sample=10, kinds=("toykv",)),
                store=store,
                probes=[ToyProbe()],
            )
        )
    doc = _report(db, scan_id, capsys)
    by_port = {r["service"]["endpoint"]["port"]: r for r in doc["results"]}
    opened, refused = by_port[open_.port], by_port[secured.port]
    assert (opened["service"]["kind"], opened["service"]["verdict"]) == ("toykv", "open")
    assert refused["service"]["verdict"] == "secured" and refused["indices"] == []
    counts = {ir["index"]["name"]: ir["index"]["docs"] for ir in opened["indices"]}
    assert counts == {"people": 25, "notes": 7}
    people = next(ir for ir in opened["indices"] if ir["index"]["name"] == "people")
    emails = next(p for p in people["sample"]["pii"] if p["entity_type"] == "EMAIL_ADDRESS")
    assert emails["docs"] == 10 and emails["fields"] == [{"path": "email", "docs": 10}]
    assert "LIST" not in secured.commands and set(open_.commands) <= {"HELLO", "LIST", "READ"}


def test_a_toy_kind_is_read_in_full_and_resumed_after_an_interruption(
    servers: tuple[ToyServer, ToyServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    open_, _ = servers
    db = tmp_path / "f.db"
    options = ScanOptions(workers=0, full=FullOptions(partitions=2, batch=2))

    async def interrupted() -> str:
        with leakhound.SqliteStore(db) as store:
            task = asyncio.create_task(
                leakhound.scan(
                    [f"toykv://127.0.0.1:{open_.port}"], options, store=store, probes=[ToyProbe()]
                )
            )
            while _counted(db) < 8:  # stop it part-way, checkpoints written
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return store.scan_ids()[0]

    scan_id = asyncio.run(interrupted())
    assert 8 <= _counted(db) < len(PEOPLE) + len(NOTES)
    with leakhound.SqliteStore(db) as store:
        assert store.load(scan_id).status == "interrupted"
        asyncio.run(leakhound.resume(scan_id, store=store, probes=[ToyProbe()]))
    result = _report(db, scan_id, capsys)["results"][0]
    reads = {ir["index"]["name"]: ir["full"] for ir in result["indices"]}
    assert {n: (f["docs"], f["complete"], f["method"]) for n, f in reads.items()} == {
        "people": (25, True, "offsets"),
        "notes": (7, True, "offsets"),
    }
    assert result["full"]["docs"] == 32
    people = result["full"]["people"]
    assert (people["entity_type"], people["fields"]) == ("EMAIL_ADDRESS", ["email"])
    assert people["distinct"] == {"estimate": 25, "lower": 25, "upper": 25, "exact": True}


def _counted(db: Path) -> int:
    """Records checkpointed so far, as another connection sees them."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(
                conn.execute("SELECT COALESCE(SUM(docs), 0) FROM full_partitions").fetchone()[0]
            )
    except sqlite3.OperationalError:
        return 0


def _recorded(db: Path) -> int:
    """Results recorded so far, as another connection sees them."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


@pytest.mark.parametrize("depth", ["sample", "full"])
def test_a_resumed_scan_counts_people_across_the_stores_it_had_finished(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: str
) -> None:
    """Interrupted once the first store is recorded, resumed: its people still count in the
    figure across stores (persons 0-24 and 15-39: 40 people, not the second store's 25)."""
    others = [{"name": f"Person {n}", "email": f"person{n}@example.org"} for n in range(15, 40)]
    db = tmp_path / "f.db"
    full = FullOptions(partitions=1, batch=5) if depth == "full" else None
    options = ScanOptions(workers=0, full=full)
    with ToyServer({"people": PEOPLE}) as first, ToyServer({"people": others}, delay=0.5) as slow:
        targets = [f"toykv://127.0.0.1:{first.port}", f"toykv://127.0.0.1:{slow.port}"]

        async def interrupted() -> str:
            with leakhound.SqliteStore(db) as store:
                task = asyncio.create_task(
                    leakhound.scan(targets, options, store=store, probes=[ToyProbe()])
                )
                while _recorded(db) < 1:  # the first store done, the slow one not
                    await asyncio.sleep(0.01)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                return store.scan_ids()[0]

        scan_id = asyncio.run(interrupted())
        assert _recorded(db) == 1
        with leakhound.SqliteStore(db) as store:
            asyncio.run(leakhound.resume(scan_id, store=store, probes=[ToyProbe()]))
    doc = _report(db, scan_id, capsys)
    assert doc["status"] == "done" and len(doc["results"]) == 2
    (across,) = doc["people_across"]
    assert across["endpoints"] == sorted(f"127.0.0.1:{s.port}" for s in (first, slow))
    assert across["distinct"] == {"estimate": 40, "lower": 40, "upper": 40, "exact": True}
    with sqlite3.connect(db) as conn:  # kept only until the scan was done
        assert conn.execute("SELECT COUNT(*) FROM scan_identifiers").fetchone()[0] == 0
    # Resumed once done: nothing left to read, and the figure stands (not 0 across stores
    # whose identifiers went with the checkpoints).
    with leakhound.SqliteStore(db) as store:
        asyncio.run(leakhound.resume(scan_id, store=store, probes=[ToyProbe()]))
    assert _report(db, scan_id, capsys)["people_across"] == [across]
