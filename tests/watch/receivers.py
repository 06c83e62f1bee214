"""Real receivers on loopback for the alert routes: an HTTP server, an SMTP server
(aiosmtpd: STARTTLS with a certificate made here, AUTH required), syslog over UDP and TCP."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Received:
    """One HTTP request as it arrived: raw body bytes, headers lower-cased."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpReceiver:
    """Records every POST; answers the statuses queued in ``fail_with`` first, then 200."""

    port: int = 0
    requests: list[Received] = field(default_factory=list)
    fail_with: list[int] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def http_receiver(fail_with: list[int] | None = None) -> Iterator[HttpReceiver]:
    state = HttpReceiver(fail_with=list(fail_with or []))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with lock:
                state.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = state.fail_with.pop(0) if state.fail_with else 200
                state.statuses.append(status)
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key) PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leakhound test mail")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "mail.pem", folder / "mail.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class MailServer:
    """What the SMTP server saw: messages, and the logins it accepted and refused."""

    port: int
    ca_file: Path
    messages: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str], bool]] = field(default_factory=list)  # tls?
    logins: list[tuple[str, bool]] = field(default_factory=list)


@contextmanager
def smtp_server(
    folder: Path, user: str = "alerts", password: str = "mail-s3cret"
) -> Iterator[MailServer]:
    """aiosmtpd on loopback: STARTTLS required before AUTH, AUTH required before MAIL."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = make_certificate(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    state = MailServer(port, cert)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            state.messages.append(
                message_from_bytes(envelope.original_content, policy=policy.default)
            )
            state.envelopes.append(
                (envelope.mail_from, list(envelope.rcpt_tos), session.ssl is not None)
            )
            return "250 OK"

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        state.logins.append((mechanism, ok))
        # handled=False: aiosmtpd answers 535 itself; True would leave the client hanging.
        return AuthResult(success=ok, handled=False)

    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=authenticator,
    )
    controller.start()
    try:
        yield state
    finally:
        controller.stop()


@dataclass
class SyslogReceiver:
    """Messages as they arrived (one datagram, or one octet-counted TCP frame, each)."""

    port: int = 0
    messages: list[bytes] = field(default_factory=list)


@contextmanager
def syslog_udp() -> Iterator[SyslogReceiver]:
    state = SyslogReceiver()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    state.port = int(sock.getsockname()[1])
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                state.messages.append(sock.recv(65535))
            except TimeoutError:
                continue

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        done.set()
        thread.join(5)
        sock.close()


@contextmanager
def syslog_tcp() -> Iterator[SyslogReceiver]:
    state = SyslogReceiver()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            while True:  # RFC 6587 octet counting: "LEN SP MSG"
                length = b""
                while (c := self.rfile.read(1)) not in (b" ", b""):
                    length += c
                if not length:
                    return
                state.messages.append(self.rfile.read(int(length)))

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
