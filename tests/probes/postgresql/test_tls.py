"""PostgreSQL over TLS for the owner's password: a server beyond loopback that takes logins in
clear and over TLS alike (pg_hba.conf's ``host`` lines, ``ssl = on``: most managed clusters)
is asked for TLS first, so the password goes to a trusted certificate, never in clear."""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import threading
from pathlib import Path

import pytest

from hostile import servers as S
from leakhound.errors import PolicyError
from leakhound.models import Endpoint, Service, Verdict
from leakhound.net import Limits, OwnerAuth, Scope, Transport
from leakhound.probes.postgresql import PostgresqlProbe
from leakhound.probes.postgresql.connection import connect, open_connection
from leakhound.probes.postgresql.wire import ServerError

SSL_REQUEST = struct.pack(">ii", 8, 80877103)
ASKS_MD5 = b"R" + struct.pack(">ii", 12, 5) + b"salt"
_REFUSAL = b"SFATAL\0C28P01\0Mpassword authentication failed\0\0"
WRONG_PASSWORD = b"E" + struct.pack(">i", 4 + len(_REFUSAL)) + _REFUSAL


class AsksPassword:
    """A cluster on loopback (taken for another host by the test) that asks every startup for
    an MD5 password, in clear or over TLS (``context``), and records each password message
    with how it came: ``("tls", body)`` or ``("clear", body)``."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.received: list[tuple[str, bytes]] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self._done = threading.Event()
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> AsksPassword:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._done.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            try:
                self._one(conn)
            except (OSError, ssl.SSLError, ConnectionError):
                pass
            finally:
                conn.close()

    def _one(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        sock: socket.socket = conn
        how = "clear"
        first = S.recv_exactly(conn, 8)
        if first == SSL_REQUEST:
            conn.sendall(b"S")
            sock, how = self.context.wrap_socket(conn, server_side=True), "tls"
            first = S.recv_exactly(sock, 8)
        (length,) = struct.unpack(">i", first[:4])
        S.recv_exactly(sock, length - 8)  # the rest of the startup
        sock.sendall(ASKS_MD5)
        kind = S.recv_exactly(sock, 1)
        (length,) = struct.unpack(">i", S.recv_exactly(sock, 4))
        body = S.recv_exactly(sock, length - 4)
        if kind == b"p":
            self.received.append((how, body))
        sock.sendall(WRONG_PASSWORD)


@pytest.fixture(scope="module")
def server_tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    context, cert, _ = S.self_signed(tmp_path_factory.mktemp("pg-tls"))
    return context, cert


@pytest.fixture
def not_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    # The rule for another host, with no byte to any host but loopback.
    monkeypatch.setattr("leakhound.net.transport.is_loopback", lambda host: False)


def _connect(port: int, ca_file: Path | None) -> None:
    limits = Limits(connect_timeout=2, read_timeout=2, total_timeout=5)
    owner = OwnerAuth(("owner", "pw"), ca_file=str(ca_file) if ca_file else None)
    transport = Transport(limits, Scope({("127.0.0.1", port)}), owner)
    asyncio.run(connect(transport, Endpoint("127.0.0.1", port, user="owner")))


@pytest.mark.usefixtures("not_loopback")
def test_the_owner_s_password_goes_over_tls_to_a_trusted_certificate(
    server_tls: tuple[ssl.SSLContext, Path],
) -> None:
    context, cert = server_tls
    with (
        AsksPassword(context) as server,
        pytest.raises(ServerError, match="password authentication failed"),
    ):
        _connect(server.port, cert)
    ((how, body),) = server.received
    assert how == "tls" and body.startswith(b"md5")


@pytest.mark.usefixtures("not_loopback")
def test_a_certificate_not_trusted_gets_no_password_and_says_why(
    server_tls: tuple[ssl.SSLContext, Path],
) -> None:
    context, _ = server_tls
    with (
        AsksPassword(context) as server,
        pytest.raises(PolicyError, match=r"not sent in clear.*certificate is not trusted"),
    ):
        _connect(server.port, None)
    assert server.received == []


def test_a_connection_refused_in_clear_is_closed_when_the_tls_one_is_cancelled() -> None:
    # Refused in clear, then a grant of TLS and no handshake: the scan gives up on the host
    # (cancelled) before the handshake's deadline; neither connection is left open.
    refusal = b"SFATAL\0C28000\0Mno pg_hba.conf entry, no encryption\0\0"

    async def go() -> list[bool]:
        asked_tls = asyncio.Event()
        closed: list[bool] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            first = await reader.read(65536)
            if first == SSL_REQUEST:
                writer.write(b"S")
                asked_tls.set()
            else:
                writer.write(b"E" + struct.pack(">i", 4 + len(refusal)) + refusal)
            await writer.drain()

            async def eof() -> None:
                while await reader.read(65536):  # a TLS hello, then nothing
                    pass

            try:
                await asyncio.wait_for(eof(), 3)
                closed.append(True)
            except TimeoutError:
                closed.append(False)
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        limits = Limits(connect_timeout=30, read_timeout=30, total_timeout=60)
        transport = Transport(limits, Scope({("127.0.0.1", port)}))
        task = asyncio.create_task(open_connection(transport, Endpoint("127.0.0.1", port)))
        await asyncio.wait_for(asked_tls.wait(), 5)
        task.cancel()
        held = None
        try:
            await task
        except asyncio.CancelledError as exc:
            # Held, its frames hold what the client left open: not closed for it by the
            # garbage collector, as a scan that keeps the error (its report) would not be.
            held = exc
        while len(closed) < 2:
            await asyncio.sleep(0.01)
        server.close()
        del held
        return closed

    assert asyncio.run(go()) == [True, True]


# The target URL's sslmode (``Endpoint.tls``).

_NO_ENCRYPTION = b"SFATAL\0C28000\0Mno pg_hba.conf entry, no encryption\0\0"
REFUSED_IN_CLEAR = b"E" + struct.pack(">i", 4 + len(_NO_ENCRYPTION)) + _NO_ENCRYPTION


def _verdict(handler: S.Handler, tls: str) -> Service:
    with S.ServerLoop() as loop:
        port = loop.serve(handler)
        limits = Limits(connect_timeout=2, read_timeout=2, total_timeout=5)
        transport = Transport(limits, Scope({("127.0.0.1", port)}))
        endpoint = Endpoint("127.0.0.1", port, "postgresql", tls=tls)
        return asyncio.run(PostgresqlProbe().verdict(transport, endpoint))


def _answering(to_tls: bytes, to_startup: bytes, seen: list[str]) -> S.Handler:
    """A server that answers a request for TLS with ``to_tls`` and a startup in clear with
    ``to_startup``, noting which it received in ``seen``."""

    async def handle(conn: S.Conn) -> None:
        while True:
            (length,) = struct.unpack(">i", await conn.reader.readexactly(4))
            body = await conn.reader.readexactly(length - 4)
            if length == 8 and body == SSL_REQUEST[4:]:
                seen.append("tls")
                await conn.send(to_tls)
                continue
            seen.append("startup")
            await conn.send(to_startup)
            return

    return handle


def test_sslmode_require_sends_no_startup_in_clear_to_a_server_without_tls() -> None:
    seen: list[str] = []
    service = _verdict(_answering(b"N", REFUSED_IN_CLEAR, seen), "require")
    assert service.verdict == Verdict.ERROR, service
    assert service.reason == "the server grants no TLS, which the target URL requires"
    assert seen == ["tls"]


def test_sslmode_disable_never_asks_for_tls_and_says_so() -> None:
    # Refused in clear for want of encryption: unasked, the scan would try TLS next. Over
    # TLS, not tried, it may let anyone in: not "secured".
    seen: list[str] = []
    service = _verdict(_answering(b"S", REFUSED_IN_CLEAR, seen), "disable")
    assert seen == ["startup"]
    assert service.verdict == Verdict.ERROR, service
    assert service.reason == (
        "the server refuses this connection in clear (TLS not tried: the target URL disables "
        "it): no pg_hba.conf entry, no encryption"
    )


def test_sslmode_disable_to_a_password_refused_in_clear_is_secured_and_says_so() -> None:
    wrong = b'SFATAL\0C28P01\0Mpassword authentication failed for user "app"\0\0'
    refused = b"E" + struct.pack(">i", 4 + len(wrong)) + wrong
    seen: list[str] = []
    service = _verdict(_answering(b"S", refused, seen), "disable")
    assert seen == ["startup"]
    assert service.verdict == Verdict.SECURED, service
    assert "(TLS not tried: the target URL disables it)" in service.reason


def test_sslmode_verify_full_refuses_a_certificate_not_trusted(
    server_tls: tuple[ssl.SSLContext, Path],
) -> None:
    context, _ = server_tls
    with AsksPassword(context) as server:
        limits = Limits(connect_timeout=2, read_timeout=2, total_timeout=5)
        transport = Transport(limits, Scope({("127.0.0.1", server.port)}))
        endpoint = Endpoint("127.0.0.1", server.port, "postgresql", tls="verify-full")
        service = asyncio.run(PostgresqlProbe().verdict(transport, endpoint))
    assert service.verdict == Verdict.ERROR, service
    assert "certificate is not trusted: no CA trusted here signed it" in service.reason
    assert "give its CA with --ca-file" in service.reason and "\n" not in service.reason


def test_a_scan_s_verdict_of_verify_full_trusts_the_ca_file_given_with_the_credentials(
    server_tls: tuple[ssl.SSLContext, Path], tmp_path: Path
) -> None:
    # As watch runs a scan: the owner's --ca-file in their credentials, none in its options.
    # The verdict, decided without the credentials, trusts it as a scan's --ca-file is:
    # else a cluster the owner's CA signed is an error for want of a CA that was given.
    from leakhound import scanner
    from leakhound.scanner.options import ScanOptions
    from leakhound.store import SqliteStore

    context, cert = server_tls
    options = ScanOptions(limits=Limits(connect_timeout=2, read_timeout=2, total_timeout=5))
    owner = OwnerAuth(("app", "pw"), ca_file=str(cert))
    with AsksPassword(context) as server, SqliteStore(tmp_path / "s.db") as store:
        url = f"postgresql://127.0.0.1:{server.port}/?sslmode=verify-full"
        scan_id = asyncio.run(scanner.scan([url], options, store=store, credentials=owner))
        (result,) = store.load(scan_id).results
    assert result.service.verdict == Verdict.SECURED, result.service
    assert "not trusted" not in result.service.reason
