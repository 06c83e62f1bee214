"""The cursor reader against a MongoDB simulated on loopback: every document read once in
``_id`` order through one cursor, a resumed or retried read exact from the last ``_id``, the
cursor killed on every early exit, and a hostile cursor one ProtocolError."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import bson
import orjson
import pytest

from leakhound.errors import NetError, PolicyError, ProtocolError, TooLargeError
from leakhound.models import Endpoint
from leakhound.net import Limits, Scope, Transport, add_audit_hook, remove_audit_hook
from leakhound.net.policy import Request
from leakhound.probes.base import Page
from leakhound.probes.mongodb import ALLOW, names, read
from leakhound.probes.mongodb.connection import connect
from leakhound.probes.mongodb.read import MongodbReader, SlowSort, _CursorPages

Reply = Callable[["FakeMongo", dict[str, Any]], dict[str, Any] | None]


def _op_msg(doc: dict[str, Any]) -> bytes:
    body = struct.pack("<IB", 0, 0) + bson.encode(doc)
    return struct.pack("<iiii", 16 + len(body), 1, 1, 2013) + body


class FakeMongo:
    """One collection ``db.c`` of documents ``{_id: n}``, answered as MongoDB would: find
    sorted by ``_id`` with a ``$gt`` filter, getMore, killCursors; ``hostile`` replaces the
    answer to getMore."""

    def __init__(self, ids: list[Any], hostile: Reply | None = None) -> None:
        self.docs = [{"_id": i, "name": f"n{i}"} for i in ids]
        self.hostile = hostile
        self.cursors: dict[int, list[dict[str, Any]]] = {}
        self.commands: list[dict[str, Any]] = []
        self.fail_get_more_once = False
        self.find_delay = 0.0
        self._next = 1000

    def answer(self, cmd: dict[str, Any]) -> dict[str, Any] | None:
        self.commands.append(cmd)
        name = next(iter(cmd))
        if name == "find":
            docs = sorted(self.docs, key=lambda d: d["_id"])
            after = (cmd.get("filter") or {}).get("_id", {}).get("$gt")
            if after is not None:
                docs = [d for d in docs if d["_id"] > after]
            first, rest = docs[: cmd["batchSize"]], docs[cmd["batchSize"] :]
            cursor = 0
            if rest:
                self._next += 1
                cursor = self._next
                self.cursors[cursor] = rest
            return {
                "cursor": {"id": bson.Int64(cursor), "ns": "db.c", "firstBatch": first},
                "ok": 1,
            }
        if name == "getMore":
            if self.hostile is not None:
                return self.hostile(self, cmd)
            if self.fail_get_more_once:
                self.fail_get_more_once = False
                return None  # the connection drops
            cursor = int(cmd["getMore"])
            rest = self.cursors.pop(cursor, None)
            if rest is None:
                return {"ok": 0, "code": 43, "codeName": "CursorNotFound", "errmsg": "gone"}
            batch, rest = rest[: cmd["batchSize"]], rest[cmd["batchSize"] :]
            if rest:
                self.cursors[cursor] = rest
            left = bson.Int64(cursor if rest else 0)
            return {"cursor": {"id": left, "ns": "db.c", "nextBatch": batch}, "ok": 1}
        if name == "killCursors":
            for c in cmd["cursors"]:
                self.cursors.pop(int(c), None)
            return {"cursorsKilled": cmd["cursors"], "ok": 1}
        return {"ok": 0, "code": 59, "errmsg": f"no such command {name}"}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                header = await reader.readexactly(16)
                (length,) = struct.unpack_from("<i", header)
                body = await reader.readexactly(length - 16)
                cmd = bson.decode(body[5:])
                if "find" in cmd:
                    await asyncio.sleep(self.find_delay)  # a server sorting a collection first
                reply = self.answer(cmd)
                if reply is None:
                    break
                writer.write(_op_msg(reply))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def _served(fake: FakeMongo, **limits: Any) -> AsyncIterator[MongodbReader]:
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    scope = Scope()
    scope.add("127.0.0.1", port)
    transport = Transport(Limits(**{"read_timeout": 2, "total_timeout": 4, **limits}), scope)
    try:
        yield MongodbReader(transport, Endpoint("127.0.0.1", port))
    finally:
        server.close()
        await transport.aclose()


async def _pages(pages: _CursorPages, stop: int | None = None) -> list[Page]:
    got: list[Page] = []
    try:
        while (stop is None or len(got) < stop) and (page := await pages.next_page()):
            got.append(page)
    finally:
        await pages.close()
    return got


def _read(
    fake: FakeMongo, size: int, after: Any = None, stop: int | None = None, **limits: Any
) -> list[Page]:
    async def go() -> list[Page]:
        async with _served(fake, **limits) as reader:
            pages = reader.partition(_plan(reader), 0, after, size=size)
            assert isinstance(pages, _CursorPages)
            return await _pages(pages, stop)

    return asyncio.run(go())


def _plan(reader: MongodbReader, total: int | None = None) -> Any:
    from leakhound.probes.base import ReadPlan

    return ReadPlan("db.c", 1, reader.method, {"database": "db", "collection": "c"}, total)


def _names(pages: list[Page]) -> list[str]:
    return [d["name"] for p in pages for d in p.docs]


def _sent(fake: FakeMongo) -> list[str]:
    return [next(iter(c)) for c in fake.commands]


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_every_document_is_read_once_in_id_order_through_one_cursor(size: int) -> None:
    fake = FakeMongo(list(range(500, 0, -1)))
    pages = _read(fake, size)
    assert _names(pages) == [f"n{i}" for i in range(1, 501)]
    assert _sent(fake).count("find") == 1
    first = min(size, 16)  # a small first batch sizes the others
    assert _sent(fake).count("getMore") == -(-(500 - first) // size)
    assert "killCursors" not in _sent(fake)  # the cursor ran to its end: nothing to free
    assert fake.commands[0]["sort"] == {"_id": 1}


def test_a_resumed_read_opens_a_cursor_after_the_last_id() -> None:
    fake = FakeMongo(list(range(1, 101)))
    first = _read(fake, 10, stop=3)
    position = first[-1].position
    assert _names(first)[-1] == "n30"
    rest = _read(FakeMongo(list(range(1, 101))), 10, after=position)
    assert _names(rest) == [f"n{i}" for i in range(31, 101)]


def test_a_read_stopped_early_kills_its_cursor() -> None:
    fake = FakeMongo(list(range(1, 101)))
    _read(fake, 10, stop=2)
    assert _sent(fake)[-1] == "killCursors"
    assert fake.commands[-1]["killCursors"] == "c" and not fake.cursors


def test_a_cancelled_read_kills_its_cursor() -> None:
    fake = FakeMongo(list(range(1, 101)))

    async def go() -> None:
        async with _served(fake) as reader:
            pages = reader.partition(_plan(reader), 0, None, size=10)
            assert isinstance(pages, _CursorPages)
            await pages.next_page()
            task = asyncio.create_task(_pages(pages))
            await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(go())
    assert "killCursors" in _sent(fake) and not fake.cursors


def test_a_broken_connection_is_retried_from_the_last_id_on_a_new_cursor() -> None:
    fake = FakeMongo(list(range(1, 51)))

    async def go() -> list[str]:
        async with _served(fake) as reader:
            pages = reader.partition(_plan(reader), 0, None, size=10)
            assert isinstance(pages, _CursorPages)
            got = _names([p for p in [await pages.next_page()] if p])
            fake.fail_get_more_once = True
            with pytest.raises(NetError):
                await pages.next_page()
            got += _names(await _pages(pages))  # as the pipeline's retry asks again
            return got

    assert asyncio.run(go()) == [f"n{i}" for i in range(1, 51)]
    finds = [c for c in fake.commands if "find" in c]
    assert len(finds) == 2 and finds[1]["filter"] == {"_id": {"$gt": 10}}


def test_a_cursor_the_server_forgot_is_reopened_from_the_last_id() -> None:
    fake = FakeMongo(list(range(1, 31)))

    async def go() -> list[str]:
        async with _served(fake) as reader:
            pages = reader.partition(_plan(reader), 0, None, size=10)
            assert isinstance(pages, _CursorPages)
            got = _names([p for p in [await pages.next_page()] if p])
            fake.cursors.clear()
            with pytest.raises(ProtocolError, match="CursorNotFound"):
                await pages.next_page()
            return got + _names(await _pages(pages))

    assert asyncio.run(go()) == [f"n{i}" for i in range(1, 31)]


def _another_cursor(fake: FakeMongo, cmd: dict[str, Any]) -> dict[str, Any]:
    return {"cursor": {"id": bson.Int64(777), "nextBatch": [{"_id": 10**6}]}, "ok": 1}


def _no_cursor_id(fake: FakeMongo, cmd: dict[str, Any]) -> dict[str, Any]:
    return {"cursor": {"id": "x", "nextBatch": []}, "ok": 1}


def _too_many(fake: FakeMongo, cmd: dict[str, Any]) -> dict[str, Any]:
    batch = [{"_id": 10**6 + i} for i in range(cmd["batchSize"] + 1)]
    return {"cursor": {"id": cmd["getMore"], "nextBatch": batch}, "ok": 1}


def _huge(fake: FakeMongo, cmd: dict[str, Any]) -> dict[str, Any]:
    return {
        "cursor": {"id": cmd["getMore"], "nextBatch": [{"_id": 10**6, "x": "y" * 70_000}]},
        "ok": 1,
    }


def _forever_empty(fake: FakeMongo, cmd: dict[str, Any]) -> dict[str, Any]:
    return {"cursor": {"id": cmd["getMore"], "nextBatch": []}, "ok": 1}


def _forever_same(fake: FakeMongo, cmd: dict[str, Any]) -> dict[str, Any]:
    return {"cursor": {"id": cmd["getMore"], "nextBatch": [{"_id": 5, "name": "again"}]}, "ok": 1}


@pytest.mark.parametrize(
    ("hostile", "error", "reason"),
    [
        pytest.param(_another_cursor, ProtocolError, "another cursor", id="bad-cursor-id"),
        pytest.param(_no_cursor_id, ProtocolError, "valid cursor id", id="no-cursor-id"),
        pytest.param(_too_many, ProtocolError, "were asked for", id="more-than-asked"),
        pytest.param(_huge, TooLargeError, "byte cap", id="huge-batch"),
        pytest.param(_forever_empty, ProtocolError, "empty batches", id="infinite-empty"),
        pytest.param(_forever_same, ProtocolError, "went back", id="infinite-repeat"),
    ],
)
def test_a_hostile_get_more_is_one_error_and_the_cursor_is_let_go(
    hostile: Reply, error: type[NetError], reason: str
) -> None:
    fake = FakeMongo(list(range(1, 21)), hostile)
    with pytest.raises(error, match=reason):
        _read(fake, 5, max_body=64 * 1024)
    assert _sent(fake).count("getMore") <= 3


def test_a_batch_of_large_documents_is_asked_small_enough_for_the_reply_cap() -> None:
    fake = FakeMongo(list(range(1, 41)))
    for doc in fake.docs:
        doc["blob"] = "z" * 500
    pages = _read(fake, 100, max_body=16 * 1024)
    assert len(_names(pages)) == 40
    asked = [c["batchSize"] for c in fake.commands if "getMore" in c]
    assert asked and all(a * 500 <= 8 * 1024 for a in asked)


def test_commands_outside_the_allow_list_never_leave() -> None:
    sent: list[Request] = []
    fake = FakeMongo([1])

    async def go() -> None:
        server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        scope = Scope()
        scope.add("127.0.0.1", port)
        transport = Transport(Limits(read_timeout=2, total_timeout=4), scope)
        try:
            conn = await connect(transport, Endpoint("127.0.0.1", port))
            for name in [*sorted(ALLOW.never), "killOp", "getLog", "currentOp", "aggregate"]:
                with pytest.raises(PolicyError):
                    await conn.run("db", {name: "c"})
            await conn.run("db", {"killCursors": "c", "cursors": [bson.Int64(1)]})
            await conn.close()
        finally:
            server.close()

    add_audit_hook(sent.append)
    try:
        asyncio.run(go())
    finally:
        remove_audit_hook(sent.append)
    assert [r.method for r in sent] == ["killCursors"]
    assert _sent(fake) == ["killCursors"]  # nothing else reached the server
    assert ALLOW.allows("getMore", "") and ALLOW.allows("killCursors", "")


def test_a_cursor_not_opened_in_time_is_not_asked_again() -> None:
    fake = FakeMongo(list(range(1, 51)))
    fake.find_delay = 1.5

    async def go() -> None:
        async with _served(fake, read_timeout=0.5, total_timeout=1) as reader:
            pages = reader.partition(_plan(reader), 0, None, size=10)
            assert isinstance(pages, _CursorPages)
            with pytest.raises(SlowSort, match="read-timeout") as caught:
                await pages.next_page()
            assert not pages.retryable(caught.value)
            await pages.close()

    asyncio.run(go())


def test_a_cursor_is_given_the_time_to_sort_the_documents_its_collection_counts() -> None:
    """A server that sorts a counted collection before its first batch (FerretDB) is waited
    for beyond the read deadline, as long as sorting that many documents takes: the read
    ends whole, with one find."""
    fake = FakeMongo(list(range(1, 51)))
    fake.find_delay = 1.5
    counted = int(2.0 * read.SORT_RATE)  # two seconds of sorting

    async def go() -> list[Page]:
        async with _served(fake, read_timeout=0.5, total_timeout=1) as reader:
            pages = reader.partition(_plan(reader, counted), 0, None, size=10)
            assert isinstance(pages, _CursorPages)
            return await _pages(pages)

    assert len(_names(asyncio.run(go()))) == 50
    assert _sent(fake).count("find") == 1


def test_the_wait_for_a_cursor_grows_with_the_count_within_a_ceiling() -> None:
    assert read.opening_wait(10, None) == 10
    assert read.opening_wait(10, 0) == 10
    assert read.opening_wait(10, -5) == 10
    assert read.opening_wait(10, 100_000) == 10 + 100_000 / read.SORT_RATE
    assert read.opening_wait(10, 10**15) == 10 + read.SORT_WAIT_MAX


class WithAView(FakeMongo):
    """The collection beside a view of it, listed as MongoDB lists them (a view's type is
    "view"; FerretDB, the lab's server, has no views, so this reply is written here)."""

    def answer(self, cmd: dict[str, Any]) -> dict[str, Any] | None:
        name = next(iter(cmd))
        if name == "listDatabases":
            return {"databases": [{"name": "db"}], "ok": 1}
        if name == "listCollections":
            listed = [
                {"name": "c", "type": "collection"},
                {"name": "c_by_city", "type": "view"},
                {"name": "system.views", "type": "collection"},
            ]
            return {"cursor": {"id": bson.Int64(0), "ns": "db.$cmd", "firstBatch": listed}, "ok": 1}
        if name in ("collStats", "count"):
            return {"count": len(self.docs), "n": len(self.docs), "ok": 1}
        if name == "listIndexes":
            index = [{"v": 2, "key": {"_id": 1}, "name": "_id_"}]
            return {"cursor": {"id": bson.Int64(0), "ns": "db.c", "firstBatch": index}, "ok": 1}
        return super().answer(cmd)


def test_a_view_is_not_listed_beside_the_collection_it_shows() -> None:
    from leakhound.models import Fingerprint, Service, Verdict
    from leakhound.probes.mongodb.probe import MongodbProbe

    async def go() -> list[tuple[str, int | None]]:
        async with _served(WithAView(list(range(30)))) as reader:
            service = Service(
                reader.endpoint,
                "mongodb://127.0.0.1",
                "mongodb",
                Verdict.OPEN,
                "",
                Fingerprint(),
            )
            got = await MongodbProbe().inventory(reader.transport, service, max_containers=10)
        return [(c.name, c.docs) for c in got.containers]

    assert asyncio.run(go()) == [("db.c", 30)]


class ManyCollections(FakeMongo):
    """A database of ``n`` collections whose listCollections cursor answers two at a time
    (as a server may for a database of many), or never ends (``endless``)."""

    def __init__(self, n: int, *, endless: bool = False) -> None:
        super().__init__([1])
        self.names = [f"c{i:03}" for i in range(n)]
        self.endless = endless
        self.listed = 0
        self.refuse_more = False

    def _page(self, key: str) -> dict[str, Any]:
        if self.endless:
            self.names += [f"x{len(self.names)}", f"x{len(self.names) + 1}"]
        batch = [
            {"name": n, "type": "collection"} for n in self.names[self.listed : self.listed + 2]
        ]
        self.listed += len(batch)
        more = self.endless or self.listed < len(self.names)
        cursor = {"id": bson.Int64(77 if more else 0), "ns": "db.$cmd.listCollections", key: batch}
        return {"cursor": cursor, "ok": 1}

    def answer(self, cmd: dict[str, Any]) -> dict[str, Any] | None:
        name = next(iter(cmd))
        if name == "listDatabases":
            self.commands.append(cmd)
            return {"databases": [{"name": "db"}], "ok": 1}
        if name == "listCollections":
            self.commands.append(cmd)
            return self._page("firstBatch")
        if name == "getMore" and cmd.get("collection") == "$cmd.listCollections":
            self.commands.append(cmd)
            if self.refuse_more:
                return {"ok": 0, "code": 43, "codeName": "CursorNotFound", "errmsg": "gone"}
            return self._page("nextBatch")
        if name in ("collStats", "count"):
            return {"count": 1, "n": 1, "ok": 1}
        if name == "listIndexes":
            index = [{"v": 2, "key": {"_id": 1}, "name": "_id_"}]
            return {"cursor": {"id": bson.Int64(0), "ns": "db.c", "firstBatch": index}, "ok": 1}
        return super().answer(cmd)


def _inventory(fake: FakeMongo, max_containers: int) -> Any:
    from leakhound.models import Fingerprint, Service, Verdict
    from leakhound.probes.mongodb.probe import MongodbProbe

    async def go() -> Any:
        async with _served(fake) as reader:
            service = Service(
                reader.endpoint, "mongodb://127.0.0.1", "mongodb", Verdict.OPEN, "", Fingerprint()
            )
            return await MongodbProbe().inventory(
                reader.transport, service, max_containers=max_containers
            )

    return asyncio.run(go())


def test_collections_listed_in_several_batches_are_all_inventoried() -> None:
    fake = ManyCollections(7)
    got = _inventory(fake, 100)
    assert [c.name for c in got.containers] == [f"db.c{i:03}" for i in range(7)]
    assert _sent(fake).count("getMore") == 3
    assert "killCursors" not in _sent(fake)  # the cursor ended on its own
    assert got.error is None
    # Past --max-indices, the rest is said to be left out, all of it counted.
    fewer = _inventory(ManyCollections(7), 5)
    assert len(fewer.containers) == 5 and fewer.truncated == 2


def test_a_collection_list_that_never_ends_stops_and_its_cursor_is_killed() -> None:
    fake = ManyCollections(3, endless=True)
    got = _inventory(fake, 10)
    assert len(got.containers) == 10
    assert _sent(fake).count("getMore") == names.LIST_BATCHES - 1
    assert _sent(fake)[-1] != "getMore" and "killCursors" in _sent(fake)
    assert got.error is not None and "100 batches, no more" in got.error


def test_a_collection_list_cut_short_keeps_what_it_listed_and_says_so() -> None:
    fake = ManyCollections(7)
    fake.refuse_more = True
    got = _inventory(fake, 100)
    assert [c.name for c in got.containers] == ["db.c000", "db.c001"]
    assert got.error is not None and "collections listed in part" in got.error


@pytest.mark.parametrize(
    ("stats", "size"),
    [
        pytest.param({"totalSize": 2367488, "storageSize": 2330624}, 2367488, id="mongodb-4.4"),
        pytest.param({"storageSize": 4096, "totalIndexSize": 1024}, 5120, id="older"),
        pytest.param({"storageSize": 4096}, 4096, id="no-index-size"),
        pytest.param({"count": 3}, None, id="no-size"),
        pytest.param({"totalSize": -1, "storageSize": "lots"}, None, id="hostile"),
    ],
)
def test_a_collections_bytes_on_disk_with_its_indexes(stats: dict[str, Any], size: int) -> None:
    from leakhound.probes.mongodb.probe import _on_disk

    assert _on_disk(stats) == size


@pytest.mark.parametrize(
    ("db", "collection", "name"),
    [
        pytest.param("shop", "customers", "shop.customers", id="plain"),
        pytest.param("a", "b.c", "a.b.c", id="dotted-collection"),
        pytest.param("a.b", "c", '"a.b".c', id="dotted-database"),
        pytest.param('"a', 'b".c', '"\\"a".b".c', id="database-opening-with-a-quote"),
        pytest.param("", "c", ".c", id="empty-database"),
    ],
)
def test_a_container_is_named_db_dot_collection_unless_its_database_would_mislead(
    db: str, collection: str, name: str
) -> None:
    assert names.container_name(db, collection) == name


def test_no_two_collections_share_a_container_name() -> None:
    pairs = [
        (db, c)
        for db in ("a", "a.b", "a.b.c", '"a', '"a.b"', "", ".", '"', "a.")
        for c in ("b.c", "c", ".c", 'b".c', "", "b", '"a.b".c')
    ]
    shown = [names.container_name(db, c) for db, c in pairs]
    assert len(set(shown)) == len(pairs)


def _on(db: str, collection: str) -> Any:
    from leakhound.models import Container

    where = {"database": db, "collection": collection}
    return Container(names.container_name(db, collection), 3, None, details=where)


def test_a_full_read_asks_the_database_and_collection_its_plan_keeps() -> None:
    from leakhound.probes.base import ReadPlan

    fake = FakeMongo([1, 2, 3])

    async def go() -> list[Page]:
        async with _served(fake) as reader:
            plan = await reader.open(_on("a.b", "c"), 4)
            # what a checkpoint keeps and a resumed scan reads back
            stored = ReadPlan.from_json(orjson.loads(orjson.dumps(plan.to_json())))
            return await _pages(reader.partition(stored, 0, None, size=10))

    assert [d["_id"] for p in asyncio.run(go()) for d in p.docs] == [1, 2, 3]
    (find,) = [c for c in fake.commands if "find" in c]
    assert (find["$db"], find["find"]) == ("a.b", "c")


def test_a_plan_checkpointed_before_the_pair_was_kept_reads_what_it_named() -> None:
    from leakhound.probes.base import ReadPlan

    fake = FakeMongo([1, 2])

    async def go() -> list[Page]:
        async with _served(fake) as reader:
            legacy = ReadPlan("a.b.c", 1, reader.method, None, 2)
            return await _pages(reader.partition(legacy, 0, None, size=10))

    assert len([d for p in asyncio.run(go()) for d in p.docs]) == 2
    (find,) = [c for c in fake.commands if "find" in c]
    assert (find["$db"], find["find"]) == ("a", "b.c")  # as that version read it


@pytest.mark.parametrize(
    "state",
    [{"database": "a"}, {"database": 1, "collection": "c"}, ["a", "c"], "a.c"],
    ids=["no-collection", "database-not-text", "a-list", "text"],
)
def test_a_stored_plan_of_another_shape_is_refused(state: Any) -> None:
    from leakhound.probes.base import ReadPlan

    reader = MongodbReader(Transport(Limits()), Endpoint("127.0.0.1", 1))
    with pytest.raises(ProtocolError, match="not MongoDB's"):
        reader.partition(ReadPlan("a.c", 1, reader.method, state, None), 0, None, size=10)


def test_a_container_without_its_database_and_collection_is_not_read() -> None:
    from leakhound.models import Container

    reader = MongodbReader(Transport(Limits()), Endpoint("127.0.0.1", 1))
    with pytest.raises(ProtocolError, match="not a collection this probe listed"):
        asyncio.run(reader.open(Container("db.c", 1, None), 1))


class DottedNames(FakeMongo):
    """Database ``a`` holding ``b.c`` beside database ``a.b`` holding ``c`` (listed twice)."""

    def answer(self, cmd: dict[str, Any]) -> dict[str, Any] | None:
        name = next(iter(cmd))
        if name == "listDatabases":
            return {"databases": [{"name": "a"}, {"name": "a.b"}, {"name": "a.b"}], "ok": 1}
        if name == "listCollections":
            listed = {"a": ["b.c"], "a.b": ["c", "c"]}[cmd["$db"]]
            batch = [{"name": n, "type": "collection"} for n in listed]
            return {"cursor": {"id": bson.Int64(0), "ns": "x", "firstBatch": batch}, "ok": 1}
        if name in ("collStats", "count"):
            n = {"a": 2, "a.b": 3}[cmd["$db"]]
            return {"count": n, "n": n, "ok": 1}
        return super().answer(cmd)


def test_dotted_database_and_collection_names_are_two_containers_each_its_own() -> None:
    got = _inventory(DottedNames([1]), 10)
    assert [(c.name, c.docs, c.details) for c in got.containers] == [
        ("a.b.c", 2, {"database": "a", "collection": "b.c"}),
        ('"a.b".c', 3, {"database": "a.b", "collection": "c"}),
    ]
