"""Hostile servers for the kinds with a protocol of their own (Redis, MongoDB, PostgreSQL):
each gets one verdict with a one-line reason within the deadlines, and the scan goes on.

One scan through the real CLI over every server at once, as ``test_hostile.py`` does for HTTP.
"""

from __future__ import annotations

import asyncio
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import bson
import pytest

from . import audited
from . import servers as S
from .audited import Scan

CONNECT, READ, TOTAL = 1, 2, 4
WALL_BOUND = 90.0  # seconds: a correctness bound, not a benchmark


def _greets_then(data: bytes, then: Callable[[S.Conn], Any] | None = None) -> S.Handler:
    """Reads the first message, answers ``data``, then ``then`` (default: stays silent)."""

    async def handle(conn: S.Conn) -> None:
        await conn.reader.read(65536)
        await conn.send(data)
        if then is not None:
            await then(conn)
        else:
            await asyncio.sleep(30)

    return handle


def _answers(*replies: bytes) -> S.Handler:
    """Answers each message it reads with the next reply, then hangs up."""

    async def handle(conn: S.Conn) -> None:
        for reply in replies:
            if not await conn.reader.read(65536):
                return
            await conn.send(reply)
        await asyncio.sleep(0.2)

    return handle


def _op_msg(doc: dict[str, Any] | bytes, length: int | None = None) -> bytes:
    raw = doc if isinstance(doc, bytes) else bson.encode(doc)
    body = struct.pack("<IB", 0, 0) + raw
    return struct.pack("<iiii", length or 16 + len(body), 1, 1, 2013) + body


def _pg(kind: bytes, body: bytes, length: int | None = None) -> bytes:
    return kind + struct.pack(">i", length or len(body) + 4) + body


REFUSED_IN_CLEAR = _pg(b"E", b"SFATAL\0C28000\0Mno pg_hba.conf entry, no encryption\0\0")
SSL_REQUEST = struct.pack(">ii", 8, 80877103)


def _pg_tls(granted: bytes, after: bytes | None = None) -> S.Handler:
    """A PostgreSQL that refuses a startup in clear (pg_hba.conf's ``hostssl`` lines alone)
    and answers a request for TLS with ``granted``; then, to what the client sends next (its
    TLS hello), ``after`` (default: nothing, silent)."""

    async def handle(conn: S.Conn) -> None:
        first = await conn.reader.read(65536)
        if first != SSL_REQUEST:
            await conn.send(REFUSED_IN_CLEAR)
            return
        await conn.send(granted)
        if after is not None and await conn.reader.read(65536):
            await conn.send(after)
        await asyncio.sleep(30)

    return handle


def _bulk(text: str) -> bytes:
    raw = text.encode()
    return b"$%d\r\n%s\r\n" % (len(raw), raw)


HELLO = {"ok": 1.0, "isWritablePrimary": True, "maxWireVersion": 21}
INFO = _bulk("# Server\r\nredis_version:7.0.15\r\nrun_id:x\r\n")
# A BSON document whose own length says 50 bytes more than it holds.
HALF_BSON = struct.pack("<i", len(bson.encode(HELLO)) + 50) + bson.encode(HELLO)[4:]


@dataclass(frozen=True)
class Case:
    """One hostile server: its kind, what it does, the verdict and reason expected."""

    name: str
    scheme: str
    make: Callable[[], S.Handler]
    verdicts: tuple[str, ...]
    reason: str


CASES = [
    # Redis
    Case("redis-silent", "redis", S.silent, ("timeout",), "read timed out"),
    Case("redis-reset", "redis", S.reset_on_accept, ("error", "not-redis"), "."),
    Case(
        "redis-http",
        "redis",
        lambda: S.raw_reply(b"HTTP/1.1 400 Bad Request\r\n\r\n"),
        ("not-redis",),
        "not the Redis protocol",
    ),
    Case(
        "redis-2gb-bulk", "redis", lambda: _greets_then(b"$2147483648\r\n"), ("error",), "byte cap"
    ),
    Case(
        "redis-array-that-stops",
        "redis",
        lambda: _greets_then(b"*3\r\n$1\r\na\r\n"),
        ("timeout",),
        "timed out",
    ),
    Case(
        "redis-info-without-version",
        "redis",
        lambda: _answers(_bulk("hello")),
        ("not-redis",),
        "without a version",
    ),
    Case(
        "redis-sentinel",
        "redis",
        lambda: _answers(_bulk("redis_version:7.0.15\r\nredis_mode:sentinel\r\n")),
        ("not-redis",),
        "Sentinel",
    ),
    Case(
        "redis-scan-garbage",
        "redis",
        # INFO replication and SCAN are asked in one round trip: both answered at once.
        lambda: _answers(INFO, _bulk("# Replication\r\nrole:master\r\n") + b"*2\r\n:5\r\n:6\r\n"),
        ("open",),
        "INFO and SCAN",
    ),  # a broken listing costs the inventory, not the verdict
    # MongoDB
    Case("mongodb-silent", "mongodb", S.silent, ("timeout",), "read timed out"),
    Case(
        "mongodb-http",
        "mongodb",
        lambda: S.raw_reply(b"HTTP/1.1 400 Bad Request\r\n\r\n"),
        ("not-mongodb",),
        "not the MongoDB wire protocol",
    ),
    # Servers of line protocols that wait for a line's end, as Redis's inline commands and an
    # HTTP server's request line do: the hello ends a line, and is longer than Redis's limit.
    Case(
        "mongodb-redis-inline",
        "mongodb",
        lambda: S.line_server(
            b"-ERR Protocol error: too big inline request\r\n", c_string=True, limit=64 * 1024
        ),
        ("not-mongodb",),
        "a reply starting '-ERR'",
    ),
    Case(
        "mongodb-http-request-line",
        "mongodb",
        lambda: S.line_server(b"HTTP/1.1 400 Bad Request\r\n\r\n", c_string=False),
        ("not-mongodb",),
        "a reply starting 'HTTP'",
    ),
    Case(
        "mongodb-memcached-error",  # fewer bytes than a header, the connection left open
        "mongodb",
        lambda: S.line_server(b"ERROR\r\n", c_string=False, hang_up=False),
        ("not-mongodb",),
        "a reply starting 'ERRO'",
    ),
    Case(
        "mongodb-2gb-message",
        "mongodb",
        lambda: _greets_then(_op_msg(HELLO, 2**31 - 1)),
        ("not-mongodb", "error"),
        "length|byte cap",
    ),
    Case(
        "mongodb-half-bson",
        "mongodb",
        lambda: _greets_then(_op_msg(HALF_BSON)),
        ("not-mongodb",),
        "BSON",
    ),
    Case(
        "mongodb-legacy-reply",
        "mongodb",
        lambda: _greets_then(struct.pack("<iiii", 36, 1, 1, 1) + b"\x00" * 20),
        ("not-mongodb",),
        "OP_REPLY",
    ),
    Case(
        "mongodb-hello-without-wire-version",
        "mongodb",
        lambda: _answers(_op_msg({"ok": 1.0})),
        ("not-mongodb",),
        "wire version",
    ),
    # PostgreSQL
    Case("postgresql-silent", "postgresql", S.silent, ("timeout",), "read timed out"),
    Case(
        "postgresql-http",
        "postgresql",
        lambda: S.raw_reply(b"HTTP/1.1 400 Bad Request\r\n\r\n"),
        ("not-postgresql",),
        "not the PostgreSQL protocol",
    ),
    Case(
        "postgresql-2gb-message",
        "postgresql",
        lambda: _greets_then(_pg(b"R", b"\0\0\0\0", 2**31 - 1)),
        ("error", "not-postgresql"),
        "byte cap",
    ),
    Case(
        "postgresql-greeting-that-stops",
        "postgresql",
        lambda: _greets_then(_pg(b"R", b"\0\0\0\0") + _pg(b"S", b"server_version\x0015")),
        ("timeout",),
        "timed out",
    ),
    # A server's error text of several lines is one line of reason.
    Case(
        "postgresql-error-of-two-lines",
        "postgresql",
        lambda: _greets_then(_pg(b"E", b"SFATAL\0C28000\0Mno pg_hba.conf entry\nfor you\0\0")),
        ("secured",),
        "no pg_hba.conf entry for you",
    ),
    Case(
        "mongodb-error-of-two-lines",
        "mongodb",
        lambda: _answers(
            _op_msg(HELLO),
            _op_msg({"ok": 1.0, "version": "7.0.14"}),
            _op_msg({"ok": 0.0, "code": 13, "errmsg": "requires\nauthentication"}),
        ),
        ("secured",),
        "requires authentication",
    ),
    Case(
        "redis-error-of-two-lines",
        "redis",
        lambda: _answers(b"-NOAUTH Authentication\nrequired.\r\n"),
        ("secured",),
        "Authentication required",
    ),
    # Refused in clear, then TLS: a grant followed at once by a welcome in clear (a man in
    # the middle's injection, read as if it came encrypted) is refused, never "open".
    Case(
        "postgresql-tls-grant-with-bytes-after-it",
        "postgresql",
        lambda: _pg_tls(b"S" + _pg(b"R", b"\0\0\0\0") + _pg(b"Z", b"I")),
        ("secured",),
        r"over TLS: the server sent more than its grant of TLS.*no encryption",
    ),
    Case(
        "postgresql-tls-granted-then-no-tls",
        "postgresql",
        lambda: _pg_tls(b"S", after=b"HTTP/1.1 400 Bad Request\r\n\r\n"),
        ("secured",),
        r"over TLS: TLS handshake failed",
    ),
    Case(
        "postgresql-tls-granted-then-silent",
        "postgresql",
        lambda: _pg_tls(b"S"),
        ("secured",),
        r"over TLS: TLS handshake timed out after 1s.*no encryption",
    ),
    Case(
        "postgresql-tls-answered-neither-s-nor-n",
        "postgresql",
        lambda: _pg_tls(b"X"),
        ("secured",),
        r"over TLS: an answer to the request for TLS that is neither S nor N",
    ),
    # No TLS here (N, or an error as a server without it may answer): the refusal in clear.
    Case(
        "postgresql-tls-not-granted",
        "postgresql",
        lambda: _pg_tls(b"N"),
        ("secured",),
        r"^the server refuses the login: no pg_hba.conf entry, no encryption$",
    ),
    Case(
        "postgresql-tls-answered-with-an-error",
        "postgresql",
        lambda: _pg_tls(_pg(b"E", b"SFATAL\0C08P01\0Munsupported frontend protocol\0\0")),
        ("secured",),
        r"^the server refuses the login: no pg_hba.conf entry, no encryption$",
    ),
    Case(
        "postgresql-endless-notices",
        "postgresql",
        lambda: _greets_then(_pg(b"N", b"Mhi\0\0") * 2000),
        ("timeout", "not-postgresql", "error"),
        ".",
    ),
]


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scan]:
    """Start every server, scan them all in one run of the CLI."""
    tmp = tmp_path_factory.mktemp("hostile-wire")
    with S.ServerLoop() as loop:
        ports = {c.name: loop.serve(c.make()) for c in CASES}
        targets = [f"{c.scheme}://127.0.0.1:{ports[c.name]}" for c in CASES]
        deadlines = ["--connect-timeout", str(CONNECT), "--read-timeout", str(READ)]
        argv = audited.scan_argv(targets, tmp / "f.db", *deadlines, "--timeout", str(TOTAL))
        got = audited.scan(argv, ports)
    yield got


def test_the_scan_ends_in_time_and_exits_zero(scan: Scan) -> None:
    assert scan.exit_status == 0, scan.stderr
    assert scan.stderr == ""
    assert scan.wall < WALL_BOUND


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_server_gets_one_verdict_and_one_line(scan: Scan, case: Case) -> None:
    service = scan.by_name[case.name]["service"]
    assert service["kind"] == case.scheme
    assert service["verdict"] in case.verdicts, service["reason"]
    assert re.search(case.reason, service["reason"]), service["reason"]
    assert service["reason"] and "\n" not in service["reason"] and len(service["reason"]) <= 600


def test_every_command_sent_was_on_its_kinds_allow_list(scan: Scan) -> None:
    from leakhound.probes.registry import DEFAULT

    assert scan.sent
    for request in scan.sent:
        allow = DEFAULT.by_kind(request.kind).allow
        assert allow.allows(request.method, request.target), request
