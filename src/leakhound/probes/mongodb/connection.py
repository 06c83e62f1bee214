"""One connection to a MongoDB server: commands out through the allow-list, and the owner's
login (SCRAM-SHA-256, RFC 7677) when their credentials were given."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import bson
from pymongo.saslprep import saslprep

from ...errors import ProtocolError
from ...models import Endpoint
from ...net import FrameReader, TcpStream, Transport
from .allow import ALLOW
from .wire import encode, read_message

AUTH_DATABASE = "admin"


async def _reply(frames: FrameReader) -> dict[str, Any]:
    return await read_message(frames)


class CommandFailed(ProtocolError):
    """The server answered ``ok: 0``: code and message kept for the verdict."""

    def __init__(self, command: str, reply: dict[str, Any]) -> None:
        code = reply.get("code")
        self.code = code if isinstance(code, int) else None
        self.name = str(reply.get("codeName") or "")[:100]
        self.message = str(reply.get("errmsg") or "")[:300]
        super().__init__(f"{command}: {self.name or self.code}: {self.message}"[:300])

    @property
    def refused(self) -> bool:
        """Whether the server asked for credentials (Unauthorized, AuthenticationFailed)."""
        return self.code in (13, 18) or "requires authentication" in self.message.lower()


@dataclass
class Connection:
    """A connection; ``run`` sends one command to a database and returns its reply."""

    stream: TcpStream

    async def run(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        """The command's reply; CommandFailed when it says ``ok: 0``."""
        name = next(iter(command))
        reply = await self.stream.exchange(name, encode({**command, "$db": db}), _reply)
        assert reply is not None
        if reply.get("ok") not in (1, 1.0, True):
            raise CommandFailed(name, reply)
        return reply

    async def close(self) -> None:
        """Close the connection."""
        await self.stream.close()


async def connect(transport: Transport, endpoint: Endpoint) -> Connection:
    """A connection, logged in as the owner when their credentials were given."""
    stream = await transport.tcp(endpoint.host, endpoint.port, ALLOW, scheme="mongodb")
    conn = Connection(stream)
    try:
        login = transport.login(endpoint.host, encrypted=False)
        if login is not None:
            await _scram_sha_256(conn, *login)
    except BaseException:
        await conn.close()
        raise
    return conn


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _attributes(message: bytes) -> dict[str, str]:
    return dict(part.split("=", 1) for part in message.decode().split(",") if "=" in part)


async def _scram_sha_256(conn: Connection, user: str, password: str) -> None:
    """SCRAM-SHA-256: the password never travels; the server's signature is checked."""
    name = user.replace("=", "=3D").replace(",", "=2C")
    nonce = base64.b64encode(secrets.token_bytes(24)).decode()
    first_bare = f"n={name},r={nonce}"
    start = await conn.run(AUTH_DATABASE, {
        "saslStart": 1, "mechanism": "SCRAM-SHA-256",
        "payload": bson.Binary(f"n,,{first_bare}".encode()), "autoAuthorize": 1,
        "options": {"skipEmptyExchange": True}})
    server_first = bytes(start.get("payload") or b"")
    attrs = _attributes(server_first)
    try:
        server_nonce, salt, iterations = attrs["r"], base64.b64decode(attrs["s"]), int(attrs["i"])
    except (KeyError, ValueError) as exc:
        raise ProtocolError("an unreadable SCRAM challenge") from exc
    if not server_nonce.startswith(nonce) or not 4096 <= iterations <= 1_000_000:
        raise ProtocolError("a SCRAM challenge that does not continue ours")
    salted = hashlib.pbkdf2_hmac("sha256", saslprep(password).encode(), salt, iterations)
    client_key = _hmac(salted, b"Client Key")
    without_proof = f"c=biws,r={server_nonce}"
    auth_message = f"{first_bare},{server_first.decode()},{without_proof}".encode()
    signature = _hmac(hashlib.sha256(client_key).digest(), auth_message)
    proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature, strict=True)))
    reply = await conn.run(AUTH_DATABASE, {
        "saslContinue": 1, "conversationId": start.get("conversationId"),
        "payload": bson.Binary(f"{without_proof},p={proof.decode()}".encode())})
    expected = base64.b64encode(_hmac(_hmac(salted, b"Server Key"), auth_message)).decode()
    if _attributes(bytes(reply.get("payload") or b"")).get("v") != expected:
        raise ProtocolError("the server did not prove it knows the password (SCRAM)")
    while not reply.get("done"):
        reply = await conn.run(AUTH_DATABASE, {
            "saslContinue": 1, "conversationId": start.get("conversationId"),
            "payload": bson.Binary(b"")})
