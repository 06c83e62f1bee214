"""MySQL over TLS where the server offers it (CLIENT_SSL), as MySQL's own client connects by
default: the SSLRequest, the handshake, the login over it (caching_sha2_password's full
authentication with it); and in clear on a new connection where the handshake fails."""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import threading
import time
from pathlib import Path

import pytest

from hostile import servers as S
from leakhound.models import Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.mysql import wire
from leakhound.probes.mysql.connection import greet, log_in
from leakhound.probes.mysql.probe import MysqlProbe

from .replay import MYSQL_8_GREETING_TLS, err, ok, packet, recorded

PROBE = MysqlProbe()
FAST_AUTH_OK = packet(b"\x01\x03", 3) + ok(4)
FULL_AUTH = packet(b"\x01\x04", 3)


@pytest.fixture(scope="module")
def server_tls(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    context, _, _ = S.self_signed(tmp_path_factory.mktemp("mysql-tls"))
    return context


def _transport(port: int, credentials: tuple[str, str] | None = None) -> Transport:
    limits = Limits(connect_timeout=2, read_timeout=2, total_timeout=5)
    return Transport(limits, Scope({("127.0.0.1", port)}), credentials)


class TlsReplay:
    """A server on loopback that sends ``first``, reads the client's SSLRequest, takes the TLS
    handshake (``context``) and then answers each packet the client writes over TLS with the
    next reply, recording every packet. Blocking sockets in a thread: each read takes
    exactly a packet's bytes, so the client's TLS hello, sent at once after its SSLRequest,
    is left for the handshake (as a real server reads it)."""

    def __init__(self, first: bytes, replies: list[bytes], context: ssl.SSLContext) -> None:
        self.first, self.replies, self.context = first, replies, context
        self.received: list[bytes] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> TlsReplay:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()
        self._thread.join(5)

    def _serve(self) -> None:
        conn, _ = self._sock.accept()
        with conn:
            conn.sendall(self.first)
            self.received.append(_packet(conn))
            try:
                tls = self.context.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                return  # a client that does not trust the certificate hangs up
            with tls:
                for reply in self.replies:
                    self.received.append(_packet(tls))
                    tls.sendall(reply)
                time.sleep(0.2)


def _packet(sock: socket.socket) -> bytes:
    header = S.recv_exactly(sock, 4)
    return S.recv_exactly(sock, int.from_bytes(header[:3], "little"))


def _login(
    replies: list[bytes], password: str, tls: ssl.SSLContext
) -> tuple[object, list[bytes], bool]:
    async def go(port: int) -> tuple[object, bool]:
        transport = _transport(port)
        stream, greeting, packets = await greet(transport, Endpoint("127.0.0.1", port))
        try:
            refused = await log_in(stream, greeting, packets, "root", password)
            return refused, stream.tls is not None
        finally:
            await stream.close()

    with TlsReplay(MYSQL_8_GREETING_TLS, replies, tls) as server:
        refused, encrypted = asyncio.run(go(server.port))
    return refused, server.received, encrypted


def test_a_server_offering_tls_is_logged_in_to_over_it(server_tls: ssl.SSLContext) -> None:
    refused, received, encrypted = _login([FAST_AUTH_OK], "secret", server_tls)
    assert refused is None and encrypted
    request, response = received
    # The SSLRequest: the response's fixed part alone, CLIENT_SSL among its capabilities.
    (flags,) = struct.unpack_from("<I", request)
    assert len(request) == 32 and flags & wire.CLIENT_SSL
    (flags,) = struct.unpack_from("<I", response)
    assert flags & wire.CLIENT_SSL and response[32:].startswith(b"root\0")
    assert not flags & (wire.CLIENT_MULTI_STATEMENTS | wire.CLIENT_LOCAL_FILES)


def test_caching_sha2_full_authentication_sends_the_password_over_tls_alone(
    server_tls: ssl.SSLContext,
) -> None:
    refused, received, encrypted = _login([FULL_AUTH, ok(5)], "secret", server_tls)
    assert refused is None and encrypted
    assert received[-1] == b"secret\0"


def _verdict(handler: S.Handler) -> Service:
    async def go(port: int) -> Service:
        return await PROBE.verdict(_transport(port), Endpoint("127.0.0.1", port))

    with S.ServerLoop() as loop:
        port = loop.serve(handler)
        return asyncio.run(go(port))


def _tls_then_clear(after_request: bytes, in_clear: bytes) -> S.Handler:
    """A server that offers TLS, answers the SSLRequest with ``after_request`` instead of a
    handshake and hangs up; on a connection that logs in at once (in clear), ``in_clear``."""

    async def handle(conn: S.Conn) -> None:
        await conn.send(MYSQL_8_GREETING_TLS)
        header = await conn.reader.readexactly(4)
        body = await conn.reader.readexactly(int.from_bytes(header[:3], "little"))
        if len(body) == 32:  # the SSLRequest
            await conn.send(after_request)
            return
        await conn.send(in_clear)

    return handle


def test_a_failed_handshake_is_followed_by_a_login_in_clear() -> None:
    # A server whose TLS cannot be spoken (TLS 1.0 alone, a broken setup): read in clear,
    # as it would be without its offer; the refusal says what happened to TLS.
    service = _verdict(
        _tls_then_clear(b"HTTP/1.1 400 Bad Request\r\n\r\n", err(3159, "secure transport", 2))
    )
    assert service.verdict == Verdict.ERROR, service
    assert "takes logins over TLS only, and TLS failed here (TLS handshake failed" in (
        service.reason
    )
    assert service.fingerprint.tls is None


def test_a_denied_login_in_clear_after_a_failed_handshake_is_secured() -> None:
    service = _verdict(
        _tls_then_clear(b"\x15\x03\x01\x00\x02\x02\x28", err(1045, "Access denied", 2))
    )
    assert service.verdict == Verdict.SECURED and "Access denied" in service.reason, service


def _tls_cut_then_let_in(after_request: bytes, replies: list[bytes]) -> S.Handler:
    """A server that offers TLS and cuts its handshake (``after_request`` instead of one); on
    the connection in clear, each packet the client writes answered with the next reply."""

    async def read_packet(conn: S.Conn) -> bytes:
        header = await conn.reader.readexactly(4)
        return await conn.reader.readexactly(int.from_bytes(header[:3], "little"))

    async def handle(conn: S.Conn) -> None:
        await conn.send(MYSQL_8_GREETING_TLS)
        if len(await read_packet(conn)) == 32:  # the SSLRequest
            await conn.send(after_request)
            return
        for n, reply in enumerate(replies):
            if n:
                await read_packet(conn)
            await conn.send(reply)
        await asyncio.sleep(0.2)

    return handle


def test_a_server_read_in_clear_after_its_tls_failed_says_so() -> None:
    # The server offered TLS; its handshake was cut (a broken setup, or a man in the middle
    # stripping it) and root got in on a connection in clear: open, and the reason says the
    # reading went in clear, and why, where before it read as any server without TLS.
    read_only = recorded("mariadb-10.11-set-read-only")
    start = read_only[:3] + b"\x01" + read_only[4:]
    replies = [recorded("mariadb-10.11-login-ok"), read_only, start, start]
    service = _verdict(
        _tls_cut_then_let_in(
            b"HTTP/1.1 400 Bad Request\r\n\r\n", [*replies, recorded("mariadb-10.11-who")]
        )
    )
    assert service.verdict == Verdict.OPEN, service
    assert "; in clear: the TLS it offered failed (TLS handshake failed" in service.reason
    assert service.fingerprint.details["tls_failed"].startswith("TLS handshake failed")
    assert service.fingerprint.tls is None


def test_the_certificate_of_a_connection_over_tls_is_in_the_fingerprint(
    server_tls: ssl.SSLContext, tmp_path: Path
) -> None:
    with TlsReplay(MYSQL_8_GREETING_TLS, [err(1045, "Access denied", 3)], server_tls) as p:
        service = asyncio.run(PROBE.verdict(_transport(p.port), Endpoint("127.0.0.1", p.port)))
    assert service.verdict == Verdict.SECURED, service
    assert service.fingerprint.tls is not None
    assert service.fingerprint.tls.subject == "CN=hostile.test"


# The target URL's ssl-mode (``Endpoint.tls``).


def _verdict_of(port: int, tls: str) -> Service:
    return asyncio.run(PROBE.verdict(_transport(port), Endpoint("127.0.0.1", port, tls=tls)))


def test_ssl_mode_disabled_logs_in_in_clear_to_a_server_offering_tls() -> None:
    logins: list[bytes] = []

    async def handle(conn: S.Conn) -> None:
        await conn.send(MYSQL_8_GREETING_TLS)
        header = await conn.reader.readexactly(4)
        logins.append(await conn.reader.readexactly(int.from_bytes(header[:3], "little")))
        await conn.send(err(1045, "Access denied", 2))

    with S.ServerLoop() as loop:
        service = _verdict_of(loop.serve(handle), "disable")
    (login,) = logins  # no SSLRequest: the login itself, in clear
    (flags,) = struct.unpack_from("<I", login)
    assert not flags & wire.CLIENT_SSL and login[32:].startswith(b"root\0")
    assert service.verdict == Verdict.SECURED, service
    assert "in clear (TLS not tried: the target URL disables it)" in service.reason


def test_ssl_mode_required_to_a_server_offering_no_tls_sends_no_login() -> None:
    from hostile.mysql import FakeMysql

    fake = FakeMysql()
    with S.ServerLoop() as loop:
        service = _verdict_of(loop.serve(fake), "require")
    assert service.verdict == Verdict.ERROR, service
    assert service.reason == "the server offers no TLS, which the target URL requires"
    assert fake.statements == []


def test_ssl_mode_verify_identity_refuses_a_certificate_not_trusted(
    server_tls: ssl.SSLContext,
) -> None:
    with TlsReplay(MYSQL_8_GREETING_TLS, [], server_tls) as server:
        service = _verdict_of(server.port, "verify-full")
    # Not read in clear on another connection: the URL asks for a verified certificate.
    assert service.verdict == Verdict.ERROR, service
    assert "certificate is not trusted: no CA trusted here signed it" in service.reason
    assert "--ca-file" in service.reason and "\n" not in service.reason
    assert len(server.received) == 1  # the SSLRequest alone


def test_ssl_mode_disabled_to_a_server_of_tls_alone_says_tls_was_not_tried() -> None:
    async def handle(conn: S.Conn) -> None:
        await conn.send(MYSQL_8_GREETING_TLS)
        header = await conn.reader.readexactly(4)
        await conn.reader.readexactly(int.from_bytes(header[:3], "little"))
        await conn.send(err(3159, "secure transport", 2))

    with S.ServerLoop() as loop:
        service = _verdict_of(loop.serve(handle), "disable")
    assert service.verdict == Verdict.ERROR, service
    assert service.reason.startswith(
        "the server takes logins over TLS only (TLS not tried: the target URL disables it): "
    )
