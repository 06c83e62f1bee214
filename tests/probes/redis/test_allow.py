"""The Redis allow-list by subcommand: of CLUSTER, NODES alone leaves; every other
subcommand (most write: RESET, FAILOVER, ADDSLOTS, FORGET, MEET…) is refused before a byte is
sent, whatever its case."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from leakhound.errors import PolicyError
from leakhound.models import Endpoint
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.redis import ALLOW, allow
from leakhound.probes.redis.allow import name_of
from leakhound.probes.redis.connection import Connection, connect
from leakhound.probes.redis.resp import Reply

# Every CLUSTER subcommand redis-server 7.0.15 knows (COMMAND DOCS CLUSTER), and those of
# later releases (MYSHARDID 7.2) and none (a made-up one).
CLUSTER = [
    "DELSLOTS",
    "ADDSLOTS",
    "SETSLOT",
    "FLUSHSLOTS",
    "KEYSLOT",
    "NODES",
    "SLOTS",
    "SAVECONFIG",
    "BUMPEPOCH",
    "INFO",
    "DELSLOTSRANGE",
    "REPLICATE",
    "GETKEYSINSLOT",
    "HELP",
    "MEET",
    "SHARDS",
    "COUNT-FAILURE-REPORTS",
    "LINKS",
    "MYID",
    "RESET",
    "FAILOVER",
    "SET-CONFIG-EPOCH",
    "COUNTKEYSINSLOT",
    "REPLICAS",
    "ADDSLOTSRANGE",
    "SLAVES",
    "FORGET",
    "MYSHARDID",
    "NODESX",
]


async def _recorder() -> tuple[asyncio.Server, int, bytearray]:
    """A server on loopback that records what it receives and answers +OK to each chunk."""
    got = bytearray()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            got.extend(data)
            writer.write(b"+OK\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], got


def _sent(*args: str | bytes) -> tuple[Reply | PolicyError, bytes]:
    """What ``Connection.call(*args)`` gave (a reply or the refusal) and the bytes sent."""

    async def go() -> tuple[Reply | PolicyError, bytes]:
        server, port, got = await _recorder()
        scope = Scope()
        scope.add("127.0.0.1", port)
        endpoint = Endpoint("127.0.0.1", port)
        conn: Connection = await connect(Transport(Limits(), scope), endpoint)
        try:
            reply: Reply | PolicyError = await conn.call(*args)
        except PolicyError as exc:
            reply = exc
        finally:
            await conn.close()
            server.close()
            await server.wait_closed()
        return reply, bytes(got)

    return asyncio.run(go())


def test_cluster_nodes_is_sent() -> None:
    reply, sent = _sent("CLUSTER", "NODES")
    assert reply == "OK" and sent == b"*2\r\n$7\r\nCLUSTER\r\n$5\r\nNODES\r\n"


@pytest.mark.parametrize("sub", [s for s in CLUSTER if s != "NODES"])
@pytest.mark.parametrize("case", [str.upper, str.lower, str.title])
def test_every_other_cluster_subcommand_is_refused_before_a_byte_leaves(
    sub: str, case: Callable[[str], str]
) -> None:
    reply, sent = _sent(case("CLUSTER"), case(sub), "127.0.0.1", "7000")
    assert isinstance(reply, PolicyError)
    assert f"CLUSTER {sub} is not on the redis read-only allow-list" in str(reply)
    assert sent == b""


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("CLUSTER",), id="alone"),
        pytest.param((b"CLUSTER", b"NODES\x00"), id="nul"),
        pytest.param(("CLUSTER", "NODES "), id="space"),
        pytest.param(("CLUSTER NODES",), id="one-argument"),  # the server reads one word
        pytest.param(("cluſter", "nodes"), id="long-s"),  # str.upper() makes it an S
    ],
)
def test_no_other_spelling_passes_as_cluster_nodes(args: tuple[str | bytes, ...]) -> None:
    reply, sent = _sent(*args)
    assert isinstance(reply, PolicyError) and sent == b""


def test_cluster_stays_on_the_never_list_and_nodes_alone_is_allowed() -> None:
    assert "CLUSTER" in ALLOW.never and not ALLOW.allows("CLUSTER")
    assert sorted(c for c in ALLOW.commands if c.startswith("CLUSTER")) == ["CLUSTER NODES"]


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("INFO", "replication"), "INFO"),
        (("info",), "INFO"),
        ((b"scan", 0), "SCAN"),
        (("cluster", "nodes"), "CLUSTER NODES"),
        (("Cluster", b"Reset", "HARD"), "CLUSTER RESET"),
        (("READONLY",), "READONLY"),
        ((), ""),
    ],
)
def test_a_command_is_judged_by_the_name_the_server_reads(
    args: tuple[str | bytes | int, ...], name: str
) -> None:
    assert name_of(args) == name


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("TYPE", b"user 1"), id="type"),
        pytest.param(("GETRANGE", b"session of jane", "0", "1023"), id="getrange"),
        pytest.param(("HSCAN", b"cart 42", "0", "COUNT", "100"), id="hscan"),
    ],
)
def test_a_key_holding_a_space_is_read(args: tuple[str | bytes, ...]) -> None:
    """Only a command's name is judged: a key of a command of one word is its argument,
    and a space in it (keys often hold one) refuses nothing."""
    reply, sent = _sent(*args)
    assert reply == "OK" and sent.startswith(b"*%d\r\n$" % len(args))


def _words_in_code() -> set[str]:
    """Every string the Redis probe's code holds whole (its allow-list aside): each command
    it sends is named there, as a literal (``conn.call("INFO", …)``, ``keys.reads``)."""
    folder = Path(allow.__file__).parent
    words: set[str] = set()
    for path in folder.glob("*.py"):
        if path.name != "allow.py":
            tree = ast.parse(path.read_text(encoding="utf-8"))
            words |= {
                n.value
                for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            }
    return words


def test_every_allowed_command_is_one_the_probe_s_code_names() -> None:
    # The list is no wider than what is sent: a command the code never names (STRLEN, HLEN…
    # were listed and never sent) would be one more a bug could send unnoticed.
    words = _words_in_code()
    unnamed = sorted(c for c in ALLOW.commands if not all(w in words for w in c.split(" ")))
    assert unnamed == []
