"""The Redis reader against a small RESP server on loopback whose SCAN cursor never comes back
to 0: the keys it gives are bounded by the pipeline (the database's keys, for a container the
inventory did not count), the SCAN calls that give none by the reader itself."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from leakhound.models import Container, Endpoint
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import Overrun
from leakhound.probes.redis import read as redis_read
from leakhound.probes.redis.probe import OTHER_KEYS, _other_keys
from leakhound.probes.redis.read import SCAN_GROWTH, SCAN_SLACK, RedisReader


async def _command(reader: asyncio.StreamReader) -> list[bytes] | None:
    head = await reader.readline()
    if not head.startswith(b"*"):
        return None
    args = []
    for _ in range(int(head[1:])):
        size = int((await reader.readline())[1:])
        args.append((await reader.readexactly(size + 2))[:-2])
    return args


def _bulk(raw: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(raw), raw)


class EndlessScan:
    """SELECT, then a SCAN that always answers a new cursor and ``keys(n)`` keys; TYPE says
    a module's type (listed, not read)."""

    def __init__(self, keys: Any) -> None:
        self.keys, self.scans = keys, 0
        self.cursors = itertools.count(1)

    async def __call__(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        try:
            while (args := await _command(r)) is not None:
                name = args[0].upper()
                if name == b"SCAN":
                    self.scans += 1
                    keys = self.keys(self.scans)
                    w.write(
                        b"*2\r\n"
                        + _bulk(str(next(self.cursors)).encode())
                        + b"*%d\r\n" % len(keys)
                        + b"".join(_bulk(k) for k in keys)
                    )
                elif name == b"TYPE":
                    w.write(b"+ReJSON-RL\r\n")
                else:
                    w.write(b"+OK\r\n")
                await w.drain()
        finally:
            w.close()


def _other(database_keys: int | None) -> Container:
    details: dict[str, Any] = {"database": 0, "pattern": None, "other_than": ["user:*"]}
    if database_keys is not None:
        details["database_keys"] = database_keys
    return Container(OTHER_KEYS, None, None, docs_exact=False, details=details)


def _read(server: EndlessScan, container: Container, pages: int) -> tuple[int, BaseException]:
    """Pages read before the reader stopped (or ``pages``), and why it stopped."""

    async def go() -> tuple[int, BaseException]:
        listening = await asyncio.start_server(server, "127.0.0.1", 0)
        port = listening.sockets[0].getsockname()[1]
        scope = Scope()
        scope.add("127.0.0.1", port)
        try:
            async with Transport(Limits(read_timeout=5, total_timeout=10), scope) as transport:
                reader = RedisReader(transport, Endpoint("127.0.0.1", port))
                plan = await reader.open(container, 1)
                part = reader.partition(plan, 0, None, size=10)
                read = 0
                try:
                    while read < pages and await part.next_page() is not None:
                        read += 1
                except Overrun as exc:
                    return read, exc
                finally:
                    await part.close()
                return read, AssertionError("not stopped")
        finally:
            listening.close()

    return asyncio.run(asyncio.wait_for(go(), 30))


def test_a_cursor_that_never_ends_and_gives_no_key_of_the_container_is_stopped() -> None:
    # Every key is of the pattern listed apart: the container of the others never fills a
    # page, and only the SCAN calls can bound it.
    server = EndlessScan(lambda n: [b"user:%d" % (n * 10 + i) for i in range(10)])
    read, why = _read(server, _other(500), 10)
    most = SCAN_GROWTH * (500 // 1000 + 1) + SCAN_SLACK
    assert read == 0 and server.scans == most
    assert str(why) == (
        f"stopped after {most} SCAN calls: more than {SCAN_GROWTH} whole passes over the 500 "
        "keys the database held when the read began take (a keyspace growing this fast, or a "
        "cursor that never comes back to 0)"
    )


def test_the_scan_calls_of_a_resumed_read_count_towards_its_bound() -> None:
    async def go() -> Any:
        scope = Scope()
        async with Transport(Limits(), scope) as transport:
            reader = RedisReader(transport, Endpoint("127.0.0.1", 1))
            plan = await reader.open(_other(500), 1)
            return plan, reader.partition(plan, 0, {"cursor": "77", "scans": 42}, size=10)

    plan, part = asyncio.run(go())
    assert plan.store_total == 500 and plan.total is None
    assert part.scans == 42 and part.cursor == b"77"


def test_without_the_database_s_count_the_reader_leaves_the_bound_to_the_pipeline() -> None:
    server = EndlessScan(lambda n: [b"order:%d" % (n * 10 + i) for i in range(10)])
    read, why = _read(server, _other(None), 3)
    assert read == 3 and isinstance(why, AssertionError)  # pages go on: the pipeline bounds them


def test_without_the_database_s_count_a_cursor_that_gives_no_key_is_stopped_all_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(redis_read, "UNCOUNTED_SCANS", 50)
    server = EndlessScan(lambda n: [b"user:%d" % (n * 10 + i) for i in range(10)])
    read, why = _read(server, _other(None), 10)
    assert read == 0 and server.scans == 50
    assert str(why) == (
        "stopped after 50 SCAN calls, the most a read may make where the database's keys are "
        "not known (a cursor that never comes back to 0)"
    )


def test_the_keys_of_no_listed_pattern_carry_the_database_s_count() -> None:
    kept = [Container("user:*", 150, None, details={"database": 0, "pattern": "user:*"})]
    (other,) = _other_keys(kept, kept, {0: (1000, False)})
    assert other.docs is None and other.details["database_keys"] == 1000
