"""A full read of a container shown under a masked, numbered name (``probes/shown.py``), resumed
after names that mask alike were added: its checkpoint is never read on as another's."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote

import pytest

from hostile.recorded import Answer, RecordedServer, Seen, as_json
from leakhound.models import (
    Container,
    ContainerResult,
    Endpoint,
    FullRead,
    FullTotals,
    Service,
    Verdict,
)
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.couchdb.probe import CouchdbProbe
from leakhound.scanner import scan
from leakhound.scanner.checkpoints import TallySink
from leakhound.scanner.export import ExportOptions, export_subjects
from leakhound.scanner.full import LocalExecutor, ReadContext, read_container
from leakhound.scanner.options import ScanOptions
from leakhound.scanner.owned import ANOTHER, UNMARKED, not_the_same, own_mark
from leakhound.scanner.pacing import Pacer
from leakhound.scanner.workers import Workers
from leakhound.store.sqlite import SqliteStore


def userdb(user: str) -> str:
    return "userdb-" + user.encode().hex()


JACK, JANE, JOHN = userdb("jack@gmail.com"), userdb("jane@gmail.com"), userdb("john@gmail.com")


class Couch:
    """A CouchDB 3 of per-user databases, open; the read of ``failing``'s second page fails."""

    def __init__(self) -> None:
        self.databases = {JANE: ["a1", "a2", "a3"], JOHN: ["o1", "o2"]}
        self.failing: str | None = JOHN

    @staticmethod
    def doc(i: str) -> dict[str, str]:
        """Record ``i``: its own customer's address."""
        return {"_id": i, "n": i, "mail": f"customer.{i}@example.org"}

    def route(self, seen: Seen) -> Answer:
        parts = [unquote(p) for p in seen.path.strip("/").split("/")] if seen.path != "/" else []
        if not parts:
            return as_json(200, {"couchdb": "Welcome", "version": "3.4.2", "vendor": {}})
        if parts == ["_all_dbs"]:
            return as_json(200, sorted(self.databases))
        if parts[0] not in self.databases:
            return as_json(404, {"error": "not_found", "reason": "missing"})
        ids = sorted(self.databases[parts[0]])
        if len(parts) == 1:
            return as_json(200, {"db_name": parts[0], "doc_count": len(ids), "doc_del_count": 0})
        p = seen.params
        if p.get("startkey") == '"_design/"':
            ids = []
        elif "startkey" in p:
            if parts[0] == self.failing:
                return as_json(500, {"error": "unknown_error", "reason": "timeout"})
            ids = [i for i in ids if i >= json.loads(p["startkey"])]
        ids = ids[: int(p.get("limit", len(ids)))]
        rows = [{"id": i, "key": i, "value": {}, "doc": self.doc(i)} for i in ids]
        return as_json(200, {"total_rows": len(ids), "offset": 0, "rows": rows})


def _read(store: SqliteStore, scan_id: str, port: int, number: str) -> tuple[str, FullRead]:
    """Inventory the server, then read its container numbered ``number`` in full, resumed
    from the checkpoints ``scan_id`` holds."""
    read, _totals = _read_each(store, scan_id, port, [number])
    return read[0]


def _read_each(
    store: SqliteStore, scan_id: str, port: int, numbers: list[str]
) -> tuple[list[tuple[str, FullRead]], FullTotals]:
    """Inventory the server, then read its containers numbered ``numbers`` in full, in
    turn, resumed from the checkpoints ``scan_id`` holds; and the endpoint's totals."""

    async def go() -> tuple[list[tuple[str, FullRead]], FullTotals]:
        scope = Scope()
        scope.add("127.0.0.1", port)
        async with Transport(Limits(read_timeout=5, total_timeout=30), scope) as transport:
            ep = Endpoint("127.0.0.1", port)
            service = Service(ep, ep.url("http"), "couchdb", Verdict.OPEN, "open")
            probe = CouchdbProbe()  # a new process: nothing kept of the last one
            inv = await probe.inventory(transport, service, max_containers=100)
            sink = TallySink(store, scan_id, ep.key, field_types=lambda c: {}, min_score=0.5)
            reader = probe.reader(transport, service)
            ctx = ReadContext(probe, service, reader, sink, Workers(0), Pacer(None), batch=1)
            read = []
            try:
                for number in numbers:
                    (container,) = [c for c in inv.containers if c.name.endswith(number)]
                    stop = await read_container(ctx, container, LocalExecutor(), partitions=1)
                    read.append((container.name, sink.finish(container, reader.method, stop)))
                return read, sink.totals()
            finally:
                sink.close()

    return asyncio.run(go())


def test_a_resumed_read_of_a_database_numbered_anew_is_not_read_on_as_another(
    tmp_path: Path,
) -> None:
    couch = Couch()
    with SqliteStore(tmp_path / "f.db") as store, RecordedServer(couch.route) as server:
        scan_id = store.begin_scan(["x"], {"depth": "full"})
        name, first = _read(store, scan_id, server.port, "#2")  # john's: stopped after o1
        assert name == "userdb-j***@g***.com #2" and not first.complete and first.docs == 1
        # Before the resume, jack signs up: "#2" is jane's now, and john's "#3".
        couch.databases[JACK] = ["k1"]
        couch.failing = None
        name, resumed = _read(store, scan_id, server.port, "#2")
    assert name == "userdb-j***@g***.com #2"
    # Not john's first record with what of jane's sorts after it, as jane's whole database.
    assert not resumed.complete and resumed.docs == 0
    assert resumed.error is not None and "without --resume" in resumed.error


def test_a_resumed_read_of_a_masked_database_still_so_named_reads_on(tmp_path: Path) -> None:
    couch = Couch()
    with SqliteStore(tmp_path / "f.db") as store, RecordedServer(couch.route) as server:
        scan_id = store.begin_scan(["x"], {"depth": "full"})
        _name, first = _read(store, scan_id, server.port, "#2")
        assert not first.complete and first.docs == 1
        kept = store._db.execute("SELECT plan FROM full_partitions").fetchall()
        couch.failing = None
        _name, resumed = _read(store, scan_id, server.port, "#2")
    assert resumed.complete and resumed.docs == 2  # o1 kept, o2 read on: john's two
    # The checkpoint knows john's database by a keyed digest of its name, not by the name.
    assert kept and all(b"john" not in row[0].encode() for row in kept)
    assert all(JOHN not in row[0] and '"own"' in row[0] for row in kept)


def test_a_finished_read_is_not_taken_back_for_a_database_numbered_anew(tmp_path: Path) -> None:
    couch = Couch()
    couch.failing = None
    with SqliteStore(tmp_path / "f.db") as store, RecordedServer(couch.route) as server:
        scan_id = store.begin_scan(["x"], {"depth": "full"})
        _name, first = _read(store, scan_id, server.port, "#2")  # john's, read to its end
        assert first.complete and first.docs == 2
        couch.databases[JACK] = ["k1"]
        _name, resumed = _read(store, scan_id, server.port, "#2")  # jane's now
    # Not john's figures given as jane's, her database never read.
    assert not resumed.complete and resumed.docs == 0


def test_a_finished_read_numbered_anew_counts_once_in_the_endpoint_s_total(
    tmp_path: Path,
) -> None:
    couch = Couch()
    couch.failing = None
    with SqliteStore(tmp_path / "f.db") as store, RecordedServer(couch.route) as server:
        scan_id = store.begin_scan(["x"], {"depth": "full"})
        _name, first = _read(store, scan_id, server.port, "#1")  # jane's, read to its end
        assert first.complete and first.docs == 3
        # Before the resume, jack signs up: "#1" is jack's now, jane's "#2".
        couch.databases[JACK] = ["k1"]
        read, totals = _read_each(store, scan_id, server.port, ["#1", "#2"])
    (_, jack), (_, jane) = read
    assert not jack.complete and jack.error is not None and "without --resume" in jack.error
    # Jane's figures taken back by the digest of her database's name, her records not read
    # again: in the endpoint's total once.
    assert jane.complete and jane.docs == 3
    assert totals.docs == 3


def _export(store: SqliteStore, scan_id: str) -> tuple[list[str], str]:
    """export-subjects of ``scan_id``: its error lines and its output."""
    errors: list[str] = []
    out = io.StringIO()

    @contextmanager
    def output() -> Iterator[IO[str]]:
        yield out

    options = ExportOptions(types=("EMAIL_ADDRESS",), reveal=True, partitions=1)
    fresh = [CouchdbProbe()]  # another process: nothing kept of the scan's names
    asyncio.run(
        export_subjects(store, scan_id, output, options, probes=fresh, on_error=errors.append)
    )
    return errors, out.getvalue()


def test_export_subjects_reads_no_masked_database_that_stands_for_another_now(
    tmp_path: Path,
) -> None:
    couch = Couch()
    couch.failing = None
    couch.databases["orders"] = ["r1"]
    with SqliteStore(tmp_path / "f.db") as store, RecordedServer(couch.route) as server:
        options = ScanOptions(workers=0, kinds=("couchdb",))
        scan_id = asyncio.run(scan([f"127.0.0.1:{server.port}"], options, store=store, yes=True))
        errors, same = _export(store, scan_id)
        assert errors == [] and "customer.a1@" in same and "customer.o1@" in same
        # Jack signs up: "#1" is jack's now, "#2" jane's; the scan's were jane's and john's.
        couch.databases[JACK] = ["k1"]
        errors, moved = _export(store, scan_id)
    assert len(errors) == 2
    assert all("stands for another container now" in e for e in errors)
    assert "customer.r1@" in moved  # as named: read
    assert not [i for i in ("k1", "a1", "o1") if f"customer.{i}@" in moved]


class _Named:
    """A reader that names the container behind a masked name ``own`` (None: shown as named)."""

    def __init__(self, own: str | None) -> None:
        self.own = own

    async def own_name(self, container: Container) -> str | None:
        return self.own


@pytest.mark.parametrize(
    ("today", "kept", "said"),
    [
        pytest.param("jane", "jane", None, id="the-same"),
        pytest.param("jack", "jane", ANOTHER, id="another-now"),
        pytest.param("jane", None, UNMARKED, id="stored-without-a-digest"),
        pytest.param(None, None, None, id="shown-as-named"),
    ],
)
def test_a_masked_container_is_read_again_only_where_it_is_the_same(
    today: str | None, kept: str | None, said: str | None
) -> None:
    key = b"k" * 32
    stored = ContainerResult(
        Container("userdb-j***@g***.com #1", 3, None),
        own=own_mark(key, kept) if kept is not None else None,
    )
    reader: Any = _Named(today)
    assert asyncio.run(not_the_same(reader, key, stored)) == said
