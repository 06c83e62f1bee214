"""A probe on a port where a server of another protocol answers decides ``not-<kind>`` well
inside its deadlines, and says what answers instead (``probes/foreign.py``).

Servers that wait for more bytes than a probe sends, as the real ones do: Redis for a line's
end (looked for as ``strchr`` does: never past a NUL), dropping a connection that sends an
HTTP ``Host:`` header; an HTTP server for its request line's end; a server that closes at
any first message (PostgreSQL given bytes that are no startup); a MySQL server that greets
first, and one that greets late (still found). One scan through the CLI a probed kind, every
server of the kind's row at once, under the default read deadline.
"""

from __future__ import annotations

import asyncio
import gc
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from leakhound.models import Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes import foreign
from leakhound.probes.registry import DEFAULT

from . import audited
from . import servers as S
from .audited import Scan
from .mysql import FakeMysql

# A scan of one row ends well inside the read deadline: asking costs ``foreign.QUIET`` (1 s)
# after a late first answer, and a probe that waited for the deadline would take 10 s.
BOUND = Limits().read_timeout / 2


def redis_like() -> S.Handler:
    """Answers every line with an error, as Redis answers an unknown inline command; drops
    the connection at a ``Host:`` or ``POST`` line (Redis's defence against HTTP); waits
    past a NUL byte for ever (up to its 64 KiB inline limit)."""

    async def handle(conn: S.Conn) -> None:
        got = b""
        while True:
            searched = got.split(b"\0", 1)[0]
            if b"\n" in searched:
                line, _, got = got.partition(b"\n")
                if re.match(rb"(?i)(?:host:|post )", line):
                    return
                if line.strip():
                    word = line.split()[0].decode("latin-1")
                    await conn.send(f"-ERR unknown command '{word}'\r\n".encode())
                continue
            if len(got) > 64 * 1024:
                await conn.send(b"-ERR Protocol error: too big inline request\r\n")
                return
            chunk = await conn.reader.read(16 * 1024)
            if not chunk:
                return
            got += chunk

    return handle


def http_line() -> S.Handler:
    """An HTTP server that reads a whole request line before it judges it (Netty, Go's
    net/http): a 400 once a line has ended, nothing before."""
    return S.line_server(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", c_string=False)


def closer(after: float = 0.0) -> S.Handler:
    """Reads the first bytes and closes without a word (PostgreSQL at a length no startup
    packet has, MongoDB at a header's); ``after`` seconds later (a TCP proxy that closes once
    its connect to a backend that is down failed)."""

    async def handle(conn: S.Conn) -> None:
        await conn.reader.read(65536)
        await asyncio.sleep(after)
        conn.writer.close()

    return handle


def late_mysql(delay: float) -> S.Handler:
    """A MySQL server that greets ``delay`` seconds after it accepts (a reverse DNS lookup
    of the client's address), then lets root in."""

    async def handle(conn: S.Conn) -> None:
        await asyncio.sleep(delay)
        await FakeMysql()(conn)

    return handle


@dataclass(frozen=True)
class Row:
    """The servers one kind is probed on: each server's verdict and reason expected."""

    kind: str
    expected: dict[str, tuple[str, str]]  # server name -> (verdict, reason pattern)


SERVERS = {
    "redis-like": redis_like,
    "http-line": http_line,
    "closer": closer,
    "mysql": FakeMysql,
    "late-mysql": lambda: late_mysql(1.5),
}
ROWS = [
    Row(
        "mysql",
        {
            "redis-like": ("not-mysql", r"no greeting .* answers as a Redis server \(.-ERR"),
            "http-line": ("not-mysql", r"answers as an HTTP server \('HTTP/1.1 400"),
            "closer": ("not-mysql", r"closes the connection without a byte"),
            "late-mysql": ("open", r"root with an empty password logs in"),
        },
    ),
    Row(
        "postgresql",
        {
            "redis-like": ("not-postgresql", r"no answer to the startup .* a Redis server"),
            "http-line": ("not-postgresql", r"no answer to the startup .* an HTTP server"),
            "mysql": ("not-postgresql", r"a MySQL or MariaDB server \(greeting '8\.0"),
            "closer": ("not-postgresql", r"closes the connection without an answer"),
        },
    ),
    Row(
        "redis",
        {
            "mysql": ("not-redis", r"a MySQL or MariaDB server \(greeting '8\.0"),
            "closer": ("not-redis", r"closes the connection without an answer"),
        },
    ),
    Row(
        "mongodb",
        {"mysql": ("not-mongodb", r"a MySQL or MariaDB server \(greeting")},
    ),
    Row(
        "elasticsearch",
        {
            "redis-like": ("not-elasticsearch", r"not HTTP: .* a Redis server"),
            "mysql": ("not-elasticsearch", r"not HTTP: .* a MySQL or MariaDB server"),
            # A port that closes at HTTP, at TLS and at the question says nothing of what it
            # is: a TCP proxy whose backend is down may front the very store looked for.
            "closer": ("error", r"nothing says what it is"),
        },
    ),
    Row("kibana", {"redis-like": ("not-kibana", r"not HTTP: .* a Redis server")}),
    Row("couchdb", {"mysql": ("not-couchdb", r"not HTTP: .* a MySQL or MariaDB server")}),
    Row(
        "s3",
        {
            "redis-like": ("not-s3", r"not HTTP: .* a Redis server"),
            "closer": ("error", r"nothing says what it is"),
        },
    ),
    Row("azblob", {"mysql": ("not-azblob", r"not HTTP: .* a MySQL or MariaDB server")}),
]


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Scan]]:
    """Each row's servers scanned in one run of the CLI with ``--kinds`` its kind, as
    host:port (no scheme: the HTTP kinds try http, then https)."""
    tmp = tmp_path_factory.mktemp("hostile-foreign")
    got: dict[str, Scan] = {}
    with S.ServerLoop() as loop:
        for row in ROWS:
            ports = {name: loop.serve(SERVERS[name]()) for name in row.expected}
            targets = [f"127.0.0.1:{port}" for port in ports.values()]
            argv = audited.scan_argv(
                targets, tmp / f"{row.kind}.db", "--kinds", row.kind, "--sample", "0"
            )
            got[row.kind] = audited.scan(argv, ports)
    yield got


@pytest.mark.parametrize("row", ROWS, ids=[r.kind for r in ROWS])
def test_a_server_of_another_protocol_is_named_well_inside_the_deadline(
    scans: dict[str, Scan], row: Row
) -> None:
    scan = scans[row.kind]
    audited.assert_quiet_and_in_time(scan, BOUND)
    for name, (verdict, reason) in row.expected.items():
        service = scan.by_name[name]["service"]
        assert (name, service["verdict"]) == (name, verdict), service["reason"]
        assert re.search(reason, service["reason"]), (name, service["reason"])
        assert "\n" not in service["reason"] and len(service["reason"]) <= 600


def test_every_question_sent_was_on_its_kinds_allow_list(scans: dict[str, Scan]) -> None:
    asked = [r for scan in scans.values() for r in scan.sent]
    assert {r.method for r in asked} >= {"identify", "HEAD", "GET"}
    for request in asked:
        assert DEFAULT.by_kind(request.kind).allow.allows(request.method, request.target), request


@pytest.mark.parametrize("kind", ["elasticsearch", "s3"])
def test_an_http_target_that_closes_at_http_and_at_the_question_is_an_error(kind: str) -> None:
    # http:// named, so TLS is never tried; a TCP proxy that closes once its backend's
    # connect failed (after 1.5 s) closes the first request late and the question alike:
    # no proof of another protocol, and no word on TLS.
    with S.ServerLoop() as loop:
        port = loop.serve(closer(after=1.5))
        service = asyncio.run(_verdict(kind, Endpoint("127.0.0.1", port, scheme="http")))
    assert service.verdict == Verdict.ERROR, service.reason
    assert "nothing says what it is" in service.reason
    assert "TLS" not in service.reason


async def _verdict(kind: str, endpoint: Endpoint, limits: Limits | None = None) -> Service:
    scope = Scope()
    scope.add(endpoint.host, endpoint.port)
    async with Transport(limits or Limits(), scope) as transport:
        return await DEFAULT.by_kind(kind).verdict(transport, endpoint)


def drip_on_asking(interval: float) -> S.Handler:
    """Silent until it is sent a byte, then a printable byte every ``interval`` seconds, never
    a line's end: a server that keeps a question's answer coming."""

    async def handle(conn: S.Conn) -> None:
        if await conn.reader.read(1):
            while True:
                await conn.send(b"a")
                await asyncio.sleep(interval)

    return handle


def test_an_answer_to_the_question_that_never_ends_costs_a_second_more() -> None:
    # MySQL waits for a greeting (the read deadline, 2 s here) and asks after 1 s. The
    # question wants only the first bytes of an answer: those that come within a second of
    # the first, not all a dripping server has until the total deadline (6 s here, past
    # which the verdict would come).
    limits = Limits(read_timeout=2.0, total_timeout=6.0)
    with S.ServerLoop() as loop:
        port = loop.serve(drip_on_asking(0.3))
        start = time.monotonic()
        service = asyncio.run(_verdict("mysql", Endpoint("127.0.0.1", port), limits))
        took = time.monotonic() - start
    assert service.reason and "\n" not in service.reason
    assert took < limits.read_timeout + 2 * foreign.QUIET + 1.0, (took, service.reason)


def test_a_request_abandoned_for_a_faster_answer_leaves_no_connection_open() -> None:
    # On a Redis port, https's TLS handshake waits for ever while the question names Redis:
    # the handshake is abandoned midway, and its socket must be closed then, not whenever a
    # garbage collection finds it (the collector is held off here to show it).
    still_open = [0]
    inner = redis_like()

    async def counted(conn: S.Conn) -> None:
        still_open[0] += 1
        try:
            await inner(conn)
        finally:
            still_open[0] -= 1

    with S.ServerLoop() as loop:
        port = loop.serve(counted)
        gc.disable()
        try:
            service = asyncio.run(_verdict("elasticsearch", Endpoint("127.0.0.1", port)))
            deadline = time.monotonic() + 2
            while still_open[0] and time.monotonic() < deadline:
                time.sleep(0.05)
            left = still_open[0]
        finally:
            gc.enable()
    assert service.verdict == Verdict.not_of("elasticsearch"), service.reason
    assert left == 0


def slow_elasticsearch(delay: float) -> S.Handler:
    """An Elasticsearch that answers every request ``delay`` seconds late (a loaded node),
    the question included: asked who it is, it is an HTTP server, and is waited for."""
    inner = S.FakeElasticsearch()

    async def handle(conn: S.Conn) -> None:
        while (req := await conn.request_or_400()) is not None:
            await asyncio.sleep(delay)
            status, body = inner.route(req)
            await conn.reply(status, body)

    return handle


def test_a_slow_store_of_the_kind_is_still_found() -> None:
    with S.ServerLoop() as loop:
        port = loop.serve(slow_elasticsearch(1.3))
        service = asyncio.run(_verdict("elasticsearch", Endpoint("127.0.0.1", port)))
    assert service.verdict == Verdict.OPEN, service.reason


def test_a_tls_only_store_on_a_bare_port_is_still_found(tmp_path: Path) -> None:
    # Plain http fails, so https is raced with the question at once: the question, sent in
    # clear to a TLS server, is refused or closed, which settles nothing; https answers.
    tls, _, _ = S.self_signed(tmp_path)
    with S.ServerLoop() as loop:
        port = loop.serve(S.FakeElasticsearch(), tls=tls)
        service = asyncio.run(_verdict("elasticsearch", Endpoint("127.0.0.1", port)))
    assert (service.verdict, service.url) == (Verdict.OPEN, f"https://127.0.0.1:{port}")


@pytest.mark.parametrize("kind", ["mysql", "postgresql"])
def test_the_question_never_waits_behind_the_request_it_is_asked_beside(kind: str) -> None:
    # With every concurrency slot held by probes' pending first messages (one here), the
    # question each of them asks must not queue behind them until their read deadline.
    limits = Limits(concurrency=1, read_timeout=5.0)
    with S.ServerLoop() as loop:
        port = loop.serve(redis_like())
        start = time.monotonic()
        service = asyncio.run(_verdict(kind, Endpoint("127.0.0.1", port), limits))
        took = time.monotonic() - start
    assert service.verdict == Verdict.not_of(kind), service.reason
    assert took < limits.read_timeout - 1, (took, service.reason)
