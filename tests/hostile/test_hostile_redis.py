"""Hostile Redis servers past INFO: a keyspace line no Redis writes, a SCAN cursor that never
ends while it lists nothing, a cluster node whose CLUSTER NODES is garbage or refused, a
replica whose master's address is no address. Each costs what it touches one line of reason,
in time, nothing is an internal error, only commands of the allow-list are sent, and only to
the servers scanned (never to a node a listing names).

One scan through the real CLI over every server at once, as ``test_hostile_wire.py`` does.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from leakhound.probes.redis import ALLOW

from . import audited
from . import servers as S
from .audited import Scan

WALL_BOUND = 60.0  # seconds: a correctness bound, not a benchmark
Answer = Callable[[list[bytes]], bytes | None]  # None: the honest answer


def _bulk(value: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(value), value)


def _array(*items: bytes) -> bytes:
    return b"*%d\r\n" % len(items) + b"".join(items)


def _info(keyspace: bytes = b"db0:keys=2,expires=0,avg_ttl=0") -> bytes:
    return _bulk(b"# Server\r\nredis_version:7.0.15\r\n\r\n# Keyspace\r\n" + keyspace + b"\r\n")


def _honest(command: list[bytes]) -> bytes:
    """An open Redis of two keys, customer:1 and customer:2, each an e-mail address."""
    name = command[0].upper()
    if name == b"INFO":
        return _info()
    if name == b"SELECT":
        return b"+OK\r\n"
    if name == b"SCAN":
        return _array(_bulk(b"0"), _array(_bulk(b"customer:1"), _bulk(b"customer:2")))
    if name == b"TYPE":
        return b"+string\r\n"
    if name == b"GETRANGE":
        return _bulk(b"user" + command[1][-1:] + b"@example.com")
    return b"-ERR unknown command\r\n"


async def _command(reader: asyncio.StreamReader) -> list[bytes] | None:
    """One RESP command (an array of bulk strings), None at its end."""
    try:
        head = await reader.readline()
        if not head.startswith(b"*"):
            return None
        args = []
        for _ in range(int(head[1:])):
            size = int((await reader.readline())[1:])
            args.append((await reader.readexactly(size + 2))[:-2])
        return args
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        return None


def _redis(answers: Answer) -> S.Handler:
    async def handle(conn: S.Conn) -> None:
        while (command := await _command(conn.reader)) is not None:
            await conn.send(answers(command) or _honest(command))

    return handle


def _on(name: bytes, reply: bytes) -> Answer:
    return lambda command: reply if command[0].upper() == name else None


def _section(section: bytes, reply: bytes, then: Answer | None = None) -> Answer:
    """``reply`` to INFO of ``section``; ``then`` (or the honest server) to the rest."""

    def answer(command: list[bytes]) -> bytes | None:
        if command[0].upper() == b"INFO" and command[1:2] == [section]:
            return reply
        return then(command) if then else None

    return answer


def _cluster_node(nodes: bytes) -> Answer:
    """A node of a Redis Cluster (INFO server says so) whose CLUSTER NODES answers ``nodes``
    (READONLY is never asked of a master)."""
    server = _bulk(b"# Server\r\nredis_version:7.0.15\r\nredis_mode:cluster\r\n")
    return _section(b"server", server, _on(b"CLUSTER", nodes))


@dataclass(frozen=True)
class Case:
    """One hostile server, the inventory error expected and the patterns kept."""

    name: str
    answers: Answer
    inventory: str
    patterns: tuple[str, ...]
    note: str = "^$"  # the inventory note
    reason: str = "^INFO and SCAN answer without credentials$"


CASES = [
    Case(
        "keyspace-of-a-padded-database-number",
        _on(b"INFO", _info(b"db0:keys=2\r\ndb01:keys=5")),
        "^$",
        ("customer:*",),
    ),
    Case(
        "a-cursor-that-lists-nothing-for-ever",
        _on(b"SCAN", _array(_bulk(b"7"), _array())),
        "^db0: keys listed in 1,000 SCAN calls, no more$",
        (),
    ),
    Case(
        "a-cluster-node-whose-listing-is-garbage",
        _cluster_node(_bulk(bytes(range(256)) * 64)),
        "^$",
        ("customer:*",),
        r"^one node of a Redis Cluster: its figures are the keys of its own hash slots, not "
        r"the cluster's \(CLUSTER NODES did not name it, so which nodes hold the others is "
        r"not known\)$",
        "; a node of a Redis Cluster, holding its own hash slots' keys only$",
    ),
    Case(
        "a-cluster-node-refused-its-listing",
        _cluster_node(
            b"-NOPERM this user has no permissions to run the 'cluster|nodes' command\r\n"
        ),
        "^$",
        ("customer:*",),
        r"\(CLUSTER NODES: NOPERM this user has no permissions .*; which nodes hold the "
        r"others is not known\)$",
        "; a node of a Redis Cluster",
    ),
    Case(
        "a-cluster-node-naming-nodes-elsewhere",
        _cluster_node(
            _bulk(
                b"a" * 40
                + b" 127.0.0.1:1@1 myself,master - 0 0 1 connected 0-100\n"
                + b"b" * 40
                + b" 192.0.2.1:6379@16379 master - 0 0 1 connected 101-16383\n"
            )
        ),
        "^$",
        ("customer:*",),
        r"^one shard of a Redis Cluster: .* held by 192\.0\.2\.1:6379 \(slots 101-16383\): "
        r"scan them for the rest$",
        "; a node of a Redis Cluster",
    ),
    Case(
        "a-replica-of-a-master-at-no-address",
        _section(
            b"replication",
            _bulk(
                b"role:slave\r\nmaster_host:\x1b[31mevil\r\nmaster_port:6379\r\n"
                b"master_link_status:up\r\nmaster_replid:" + b"e" * 40 + b"\r\n"
            ),
        ),
        "^$",
        ("customer:*",),
        reason="^INFO and SCAN answer without credentials; a replica$",
    ),
]


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scan]:
    """Every hostile server, sampled in one run of the CLI."""
    tmp = tmp_path_factory.mktemp("hostile-redis")
    with S.ServerLoop() as loop:
        handlers = {c.name: _redis(c.answers) for c in CASES}
        got = audited.scan_servers(loop, handlers, "redis", tmp / "f.db")
    yield got


def test_the_scan_ends_in_time_without_a_traceback(scan: Scan) -> None:
    audited.assert_quiet_and_in_time(scan, WALL_BOUND)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_answer_costs_what_it_touches_with_one_line(scan: Scan, case: Case) -> None:
    got = scan.by_name[case.name]
    assert got["service"]["verdict"] == "open"
    inventory_error = got.get("inventory_error") or ""
    assert re.search(case.inventory, inventory_error), inventory_error
    note = got.get("inventory_note") or ""
    assert re.search(case.note, note), note
    assert re.search(case.reason, got["service"]["reason"]), got["service"]["reason"]
    patterns = tuple(
        i["index"]["name"] for i in got["indices"] if i["index"]["name"] != "(other keys)"
    )
    assert patterns == case.patterns


def test_only_allow_listed_commands_were_sent(scan: Scan) -> None:
    assert scan.sent
    ports = {f"redis://127.0.0.1:{p}" for p in scan.ports.values()}
    for request in scan.sent:
        assert request.kind == "redis"
        assert ALLOW.allows(request.method, request.target), request
        assert request.url in ports, request  # never a node a cluster listing names
    assert any(r.method == "CLUSTER NODES" for r in scan.sent)
