"""Small misbehaving servers on 127.0.0.1, for what no real server does.

Every server runs on one asyncio loop in a daemon thread (``ServerLoop``), listens on an
ephemeral loopback port and bounds its own life: no connection lasts longer than
``CONN_LIFETIME`` seconds and the whole loop shuts itself down after ``LOOP_LIFETIME`` even if a
test forgets to stop it. The handlers below are what a hostile or broken peer does on one
connection; ``FakeElasticsearch`` answers like a cluster but with hostile content.

``ConnectRecorder`` watches the process's own socket connects (a ``sys.addaudithook``), so a
test can prove that no connection was even attempted to an address outside the loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import random
import re
import socket
import ssl
import struct
import sys
import threading
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

import orjson

CONN_LIFETIME = 30.0  # seconds one connection may live, whatever its handler does
LOOP_LIFETIME = 300.0  # seconds the whole server loop lives if nobody stops it
HEAD_LIMIT = 64 * 1024  # request head bytes a server reads before giving up on the client

Handler = Callable[["Conn"], Awaitable[None]]

TERMINAL_ESCAPES = ("\x1b]0;pwned\x07", "\x1b[2J")
SCRIPT = "<script>alert(1)</script>"


# --------------------------------------------------------------------------- the loop


@dataclass
class Received:
    """One request a fake server received: what actually reached the wire."""

    port: int
    method: str
    target: str


class ServerLoop:
    """An asyncio loop in a daemon thread hosting any number of small servers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        # A client that hangs up mid-handshake is the point of these servers, not an error.
        self.loop.set_exception_handler(lambda _loop, _ctx: None)
        self.received: list[Received] = []
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._thread = threading.Thread(target=self._run, name="hostile-servers", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._watchdog(), self.loop)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    async def _watchdog(self) -> None:
        await asyncio.sleep(LOOP_LIFETIME)
        await self._shutdown()
        self.loop.stop()

    def serve(self, handler: Handler, *, tls: ssl.SSLContext | None = None) -> int:
        """Start one server on 127.0.0.1 and return its port."""
        fut = asyncio.run_coroutine_threadsafe(self._serve(handler, tls), self.loop)
        return fut.result(timeout=10)

    async def _serve(self, handler: Handler, tls: ssl.SSLContext | None) -> int:
        port_box: list[int] = []

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            self._tasks.add(task)
            try:
                async with asyncio.timeout(CONN_LIFETIME):
                    await handler(Conn(reader, writer, port_box[0], self.received))
            except (Exception, TimeoutError):
                pass  # a broken client is what these servers expect
            finally:
                self._tasks.discard(task)
                with contextlib.suppress(Exception):
                    writer.transport.abort()

        server = await asyncio.start_server(
            on_connect,
            "127.0.0.1",
            0,
            ssl=tls,
            ssl_handshake_timeout=5 if tls else None,
            limit=HEAD_LIMIT,
        )
        port_box.append(server.sockets[0].getsockname()[1])
        self._servers.append(server)
        return port_box[0]

    async def _shutdown(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def stop(self) -> None:
        """Close every server and connection, stop the loop and join its thread."""
        if not self.loop.is_running():
            return
        fut = asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop)
        with contextlib.suppress(Exception):
            fut.result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> ServerLoop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def closed_port() -> int:
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- one connection


class NotHttp(Exception):
    """The client did not send an HTTP/1.x request head (e.g. a TLS ClientHello)."""


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        """The target's path, without the query."""
        return urlsplit(self.target).path

    def json(self) -> Any:
        """The body as JSON (None when empty or invalid)."""
        try:
            return orjson.loads(self.body) if self.body else None
        except orjson.JSONDecodeError:
            return None


_REQUEST_LINE = re.compile(rb"([A-Z]{1,16}) (\S{1,8000}) HTTP/1\.[01]")


@dataclass
class Conn:
    """One accepted connection, with a buffer for what was read past a request head."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    port: int
    log: list[Received]
    buf: bytes = b""

    async def request(self) -> Request | None:
        """The next request on the connection; None at EOF; NotHttp for anything else."""
        while b"\r\n\r\n" not in self.buf:
            if self.buf and not re.match(rb"[A-Z]{1,16}(?: |$)", self.buf[:17]):
                raise NotHttp
            if len(self.buf) > HEAD_LIMIT:
                raise NotHttp
            chunk = await self.reader.read(65536)
            if not chunk:
                return None
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        first, *lines = head.split(b"\r\n")
        m = _REQUEST_LINE.fullmatch(first)
        if not m:
            raise NotHttp
        headers = {}
        for line in lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        size = int(headers.get("content-length", "0") or 0)
        while len(self.buf) < size:
            chunk = await self.reader.read(65536)
            if not chunk:
                return None
            self.buf += chunk
        body, self.buf = self.buf[:size], self.buf[size:]
        req = Request(m[1].decode(), m[2].decode("latin-1"), headers, body)
        self.log.append(Received(self.port, req.method, req.target))
        return req

    async def request_or_400(self) -> Request | None:
        """The next request; a non-HTTP client gets a 400 and None, as nginx would answer."""
        try:
            return await self.request()
        except NotHttp:
            await self.send(response(400, b"not an HTTP request", close=True))
            return None

    async def send(self, data: bytes) -> None:
        """Write and wait until the peer took it, 256 KiB at a time.

        In small slices so the transport never copies a whole large body into its buffer:
        the servers' own memory must not blur what the scan's memory test measures.
        """
        view = memoryview(data)
        for start in range(0, len(view), 256 * 1024):
            self.writer.write(view[start : start + 256 * 1024])
            await self.writer.drain()

    async def reply(self, status: int, body: bytes = b"", **kw: Any) -> None:
        """Send a response; head and body apart, so a large body is never copied."""
        await self.send(response(status, **kw, length=len(body)))
        await self.send(body)

    async def hold(self) -> None:
        """Keep the connection open, saying nothing, until the lifetime bound ends it."""
        await asyncio.sleep(CONN_LIFETIME + 1)


_REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    307: "Temporary Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
}


def response(
    status: int,
    body: bytes = b"",
    *,
    headers: dict[str, str] | None = None,
    close: bool = False,
    content_type: str = "application/json",
    length: int | None = None,
) -> bytes:
    """A complete HTTP/1.1 response with a correct Content-Length (or just its head)."""
    size = len(body) if length is None else length
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Whatever')}",
        f"Content-Type: {content_type}",
        f"Content-Length: {size}",
    ]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# --------------------------------------------------------------------------- behaviours


def silent() -> Handler:
    """Accepts, reads, never answers."""

    async def handle(conn: Conn) -> None:
        await conn.hold()

    return handle


def line_server(
    reply: bytes, *, c_string: bool, limit: int | None = None, hang_up: bool = True
) -> Handler:
    """A server of a line protocol: answers ``reply`` once a line has ended, or past ``limit``
    bytes without one, then hangs up (or, not ``hang_up``, waits for the next line).
    ``c_string``: a line's end looked for as Redis does (strchr: never past a NUL byte), else
    anywhere (memchr: HTTP servers, memcached)."""

    async def handle(conn: Conn) -> None:
        got = b""
        while True:
            searched = got.split(b"\0", 1)[0] if c_string else got
            if b"\n" in searched or (limit is not None and len(got) > limit):
                await conn.send(reply)
                if not hang_up:
                    await asyncio.sleep(30)
                return
            chunk = await conn.reader.read(16 * 1024)
            if not chunk:
                return
            got += chunk

    return handle


def drip(interval: float = 1.0) -> Handler:
    """Answers a well-formed response one byte per ``interval`` seconds."""

    async def handle(conn: Conn) -> None:
        if await conn.request_or_400() is None:
            return
        for byte in response(200, b'{"tagline": "You Know, for Search"}' * 100):
            await conn.send(bytes([byte]))
            await asyncio.sleep(interval)

    return handle


def endless_chunked() -> Handler:
    """200 with a chunked body that never ends."""
    chunk = b"%x\r\n%s\r\n" % (65536, b"[" * 65536)

    async def handle(conn: Conn) -> None:
        if await conn.request_or_400() is None:
            return
        await conn.send(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        while True:
            await conn.send(chunk)

    return handle


def short_body(declared: int, then: str) -> Handler:
    """Declares ``declared`` body bytes, sends a few, then ``then``: 'stall' or 'close'."""

    async def handle(conn: Conn) -> None:
        if await conn.request_or_400() is None:
            return
        await conn.send(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {declared}\r\n\r\n".encode()
            + b'{"name": "x"'
        )
        if then == "stall":
            await conn.hold()

    return handle


def fixed(
    status: int,
    body: bytes,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Handler:
    """Answers every request with the same response."""

    async def handle(conn: Conn) -> None:
        while (await conn.request_or_400()) is not None:
            await conn.reply(status, body, headers=headers, content_type=content_type)

    return handle


def raw_reply(data: bytes, *, greet: bool = False) -> Handler:
    """Writes ``data`` (not HTTP) and hangs up; ``greet``: at once, before any request."""

    async def handle(conn: Conn) -> None:
        if greet:
            await conn.send(data)
            await conn.reader.read(65536)
        else:
            await conn.reader.read(65536)
            await conn.send(data)
        await asyncio.sleep(0.2)

    return handle


def reset_on_accept() -> Handler:
    """Closes with a TCP RST right after accepting."""

    async def handle(conn: Conn) -> None:
        reset(conn)

    return handle


def recv_exactly(sock: socket.socket, n: int) -> bytes:
    """``n`` bytes from a blocking socket (a server that must read no further than one
    message, as one that then takes a TLS handshake on the same socket)."""
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("closed")
        out += chunk
    return out


def reset(conn: Conn) -> None:
    """Close the connection with a TCP RST."""
    sock = conn.writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.writer.transport.abort()


def random_bytes(seed: int = 1, size: int = 8192) -> Handler:
    """Answers a request with random bytes that are not HTTP."""
    rng = random.Random(seed)
    data = b"\x00" + bytes(rng.randrange(256) for _ in range(size))
    return raw_reply(data)


def endless_informational() -> Handler:
    """Sends '100 Continue' interim responses for ever, never the final one."""

    async def handle(conn: Conn) -> None:
        if await conn.request_or_400() is None:
            return
        while True:
            await conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            await asyncio.sleep(0.01)

    return handle


def huge_headers(size: int = 1024 * 1024) -> Handler:
    """A status line, then a header block of ``size`` bytes."""

    async def handle(conn: Conn) -> None:
        if await conn.request_or_400() is None:
            return
        await conn.send(
            b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * size + b"\r\nContent-Length: 2\r\n\r\n{}"
        )

    return handle


def many_headers(count: int = 100_000) -> Handler:
    """A header block of ``count`` short headers."""

    async def handle(conn: Conn) -> None:
        if await conn.request_or_400() is None:
            return
        block = b"".join(b"X-H%d: v\r\n" % i for i in range(count))
        await conn.send(b"HTTP/1.1 200 OK\r\n" + block + b"Content-Length: 2\r\n\r\n{}")

    return handle


def redirect(location: str, status: int = 302) -> Handler:
    """Redirects every request to ``location``."""
    return fixed(status, b"", headers={"Location": location})


# --------------------------------------------------------------------------- compression bombs

_ZERO_BLOCK = bytes(16 * 1024 * 1024)


@dataclass(frozen=True)
class GzipParts:
    """A gzip stream of zeros that can be made as long as wanted by repeating ``block``.

    After a full flush deflate starts afresh, so compressing the same 16 MiB of zeros again
    gives the same bytes: head + block * n is a valid (unterminated) gzip stream of
    (n + 1) * 16 MiB zeros, and a server can send it for ever at no cost.
    """

    head: bytes
    block: bytes
    block_plain: int = len(_ZERO_BLOCK)


def gzip_parts() -> GzipParts:
    """Build the repeating gzip stream of zeros (~16 KB per 16 MiB)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = c.compress(_ZERO_BLOCK) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(_ZERO_BLOCK) + c.flush(zlib.Z_FULL_FLUSH)
    return GzipParts(head, block)


def gzip_bomb(parts: GzipParts, *, plain_bytes: int = 16 * 1024**3) -> Handler:
    """200, Content-Encoding: gzip, ~16 GiB of zeros once decompressed, sent chunked."""

    async def handle(conn: Conn) -> None:
        if await conn.request_or_400() is None:
            return
        await conn.send(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        await conn.send(b"%x\r\n%s\r\n" % (len(parts.head), parts.head))
        for _ in range(plain_bytes // parts.block_plain):
            await conn.send(b"%x\r\n%s\r\n" % (len(parts.block), parts.block))
        await conn.send(b"0\r\n\r\n")

    return handle


def nested_gzip_body(parts: GzipParts, plain_bytes: int) -> bytes:
    """gzip(gzip(zeros)): a few KB on the wire, ``plain_bytes`` after both layers."""
    inner = parts.head + parts.block * (plain_bytes // parts.block_plain - 1)
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(inner) + c.flush()


def nested_gzip_bomb(body: bytes, encoding: str = "gzip, gzip") -> Handler:
    """200 with a body compressed twice and labelled ``Content-Encoding: gzip, gzip``."""
    return fixed(200, body, headers={"Content-Encoding": encoding})


# --------------------------------------------------------------------------- TLS


def self_signed(
    folder: Path, *, host: str = "127.0.0.1", expired: bool = False
) -> tuple[ssl.SSLContext, Path, Path]:
    """A server TLS context with a fresh self-signed certificate for ``host`` (an address or
    a name), valid for 30 days, or expired yesterday."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hostile.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30 if expired else 1))
        .not_valid_after(now + dt.timedelta(days=-1 if expired else 30))
        .add_extension(x509.SubjectAlternativeName([_san(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    return ctx, cert_path, key_path


def _san(host: str) -> Any:
    from cryptography import x509

    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


# --------------------------------------------------------------------------- fake Elasticsearch

ES_ROOT = {
    "name": "node-1",
    "cluster_name": "hostile",
    "cluster_uuid": "abc",
    "version": {"number": "7.17.0", "build_flavor": "default", "lucene_version": "8.11.1"},
    "tagline": "You Know, for Search",
}


@dataclass
class FakeIndex:
    """What a fake cluster answers about one index. Raw bytes are sent as they are."""

    name: str
    count: Any = 3
    mappings: Any = field(default_factory=lambda: {"properties": {"a": {"type": "keyword"}}})
    docs: list[Any] = field(default_factory=lambda: [{"a": "x"}])
    date_min: Any = None
    date_max: Any = None
    raw_mapping: bytes | None = None  # sent instead of the JSON of ``mappings``
    raw_search: bytes | None = None  # sent instead of the JSON hits of ``docs``
    row: dict[str, Any] = field(default_factory=dict)  # extra _cat/indices columns


class FakeElasticsearch:
    """An open 7.17 'cluster' whose content is hostile; every request is logged."""

    def __init__(
        self,
        indices: list[FakeIndex] | None = None,
        *,
        root: dict[str, Any] | None = None,
        cat_body: bytes | None = None,
        headers: dict[str, str] | None = None,
        guarded: frozenset[str] = frozenset(),
        data_body: bytes | None = None,
        failing: dict[str, str] | None = None,
    ) -> None:
        self.indices = {i.name: i for i in indices or []}
        # A path's failure in place of its answer: "stall" (silent past the read deadline),
        # "reset" (a TCP RST) or "500" (an error no refusal).
        self.failing = failing or {}
        # "/", "/_cat/indices", "/_search": answered 401 (a proxy guarding some paths only).
        self.guarded = guarded
        self.data_body = data_body  # sent for the list and search APIs instead of real ones
        self.root = orjson.dumps(root or ES_ROOT)
        self.headers = headers
        if cat_body is None:
            rows = [
                {
                    "health": "green",
                    "status": "open",
                    "index": i.name,
                    "docs.count": "3",
                    "store.size": "1000",
                    **i.row,
                }
                for i in self.indices.values()
            ]
            cat_body = orjson.dumps(rows)
        self.cat_body = cat_body

    async def __call__(self, conn: Conn) -> None:
        while (req := await conn.request_or_400()) is not None:
            failure = self.failing.get(req.path.rstrip("/") or "/")
            if failure == "stall":
                await conn.hold()
                return
            if failure == "reset":
                reset(conn)
                return
            status, body = self.route(req)
            if failure == "500":
                status, body = 500, b'{"error": "internal", "status": 500}'

            headers = self.headers
            if status == 401:
                headers = {**(headers or {}), "WWW-Authenticate": 'Basic realm="hostile"'}
            await conn.reply(status, body, headers=headers)

    def route(self, req: Request) -> tuple[int, bytes]:
        """The status and body for one request."""
        path = req.path.rstrip("/") or "/"
        if path in self.guarded:
            return 401, b'{"error": "security_exception", "status": 401}'
        if self.data_body is not None and path in ("/_cat/indices", "/_search"):
            return 200, self.data_body
        if path == "/":
            return 200, self.root
        if path == "/_cat/indices":
            return 200, self.cat_body
        if path == "/_search":
            return 200, b'{"hits": {"total": {"value": 0}, "hits": []}}'
        if path == "/_all/_settings/index.hidden":
            return 200, b"{}"
        parts = path.strip("/").split("/")
        if len(parts) != 2:
            return 404, b'{"error": "no handler", "status": 404}'
        name, api = unquote(parts[0]), parts[1]
        index = self.indices.get(name) or FakeIndex(name)
        if api == "_count":
            return 200, orjson.dumps({"count": index.count})
        if api == "_mapping":
            if index.raw_mapping is not None:
                return 200, index.raw_mapping
            return 200, orjson.dumps({name: {"mappings": index.mappings}})
        if api == "_search" and req.method == "POST":
            query = req.json() or {}
            if "aggs" in query:
                return 200, orjson.dumps(
                    {
                        "aggregations": {
                            "min": {"value": 0, "value_as_string": index.date_min},
                            "max": {"value": 0, "value_as_string": index.date_max},
                        }
                    }
                )
            if index.raw_search is not None:
                return 200, index.raw_search
            hits = [{"_index": name, "_id": str(i), "_source": d} for i, d in enumerate(index.docs)]
            return 200, orjson.dumps({"hits": {"total": {"value": len(hits)}, "hits": hits}})
        return 404, b'{"error": "no handler", "status": 404}'


def many_indices_cat(count: int) -> bytes:
    """A _cat/indices answer listing ``count`` indices."""
    return orjson.dumps(
        [
            {
                "health": "green",
                "status": "open",
                "index": f"logs-{i:07d}",
                "docs.count": "3",
                "store.size": "1000",
            }
            for i in range(count)
        ]
    )


# --------------------------------------------------------------------------- connect recorder


class ConnectRecorder:
    """Every socket connect and name lookup this process attempts, while recording.

    Built on ``sys.addaudithook`` ("socket.connect", "socket.getaddrinfo"), which sees the
    attempt before the kernel does: an address that appears nowhere here was never contacted.
    Audit hooks cannot be removed, so one hook is installed for the process and switched on
    and off.
    """

    _installed: ClassVar[bool] = False
    _active: ClassVar[list[ConnectRecorder]] = []

    def __init__(self) -> None:
        self.connects: list[Any] = []
        self.lookups: list[Any] = []

    @classmethod
    def _hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if not cls._active or event not in ("socket.connect", "socket.getaddrinfo"):
            return
        for rec in cls._active:
            if event == "socket.connect":
                rec.connects.append(args[1])
            else:
                rec.lookups.append(args[0])

    @contextlib.contextmanager
    def recording(self) -> Iterator[ConnectRecorder]:
        """Record while the block runs."""
        if not ConnectRecorder._installed:
            sys.addaudithook(ConnectRecorder._hook)
            ConnectRecorder._installed = True
        ConnectRecorder._active.append(self)
        try:
            yield self
        finally:
            ConnectRecorder._active.remove(self)

    def hosts(self) -> set[str]:
        """Every host connected to or looked up."""
        out = set()
        for addr in self.connects:
            if isinstance(addr, tuple) and addr:
                out.add(str(addr[0]))
            else:
                out.add(str(addr))
        for host in self.lookups:
            out.add(host.decode() if isinstance(host, bytes) else str(host))
        return out

    def off_loopback(self) -> set[str]:
        """Hosts contacted or looked up that are not loopback addresses."""
        return {h for h in self.hosts() if not is_loopback(h)}


def is_loopback(host: str) -> bool:
    """127.0.0.0/8 or ::1 (names never count: a test must use addresses)."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0]).is_loopback
    except ValueError:
        return False
