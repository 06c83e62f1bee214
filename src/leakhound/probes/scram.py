"""SCRAM-SHA-256 (RFC 5802, RFC 7677), the owner's login for kinds that use it (MongoDB,
PostgreSQL): the password never travels, and the server must prove it knows it too."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from pymongo.saslprep import saslprep

from ..errors import ProtocolError

MECHANISM = "SCRAM-SHA-256"


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _attributes(message: bytes) -> dict[str, str]:
    return dict(
        part.split("=", 1) for part in message.decode("utf-8", "replace").split(",") if "=" in part
    )


class Scram:
    """One SCRAM-SHA-256 conversation: ``first`` -> server-first -> ``final`` -> ``verify``."""

    def __init__(self, user: str, password: str) -> None:
        self._password = password
        name = user.replace("=", "=3D").replace(",", "=2C")
        self._nonce = base64.b64encode(secrets.token_bytes(24)).decode()
        self._first_bare = f"n={name},r={self._nonce}"
        self._expected = ""

    def first(self) -> bytes:
        """The client-first message."""
        return f"n,,{self._first_bare}".encode()

    def final(self, server_first: bytes) -> bytes:
        """The client-final message, with the proof, for the server's challenge."""
        attrs = _attributes(server_first)
        try:
            nonce, salt, rounds = attrs["r"], base64.b64decode(attrs["s"]), int(attrs["i"])
        except (KeyError, ValueError) as exc:
            raise ProtocolError("an unreadable SCRAM challenge") from exc
        if not nonce.startswith(self._nonce) or not 4096 <= rounds <= 1_000_000:
            raise ProtocolError("a SCRAM challenge that does not continue ours")
        salted = hashlib.pbkdf2_hmac("sha256", saslprep(self._password).encode(), salt, rounds)
        client_key = _hmac(salted, b"Client Key")
        without_proof = f"c=biws,r={nonce}"
        auth_message = (
            f"{self._first_bare},{server_first.decode('utf-8', 'replace')},{without_proof}"
        ).encode()
        signature = _hmac(hashlib.sha256(client_key).digest(), auth_message)
        proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature, strict=True)))
        self._expected = base64.b64encode(
            _hmac(_hmac(salted, b"Server Key"), auth_message)
        ).decode()
        return f"{without_proof},p={proof.decode()}".encode()

    def verify(self, server_final: bytes) -> None:
        """ProtocolError unless the server's signature proves it knows the password."""
        if not self._expected or _attributes(server_final).get("v") != self._expected:
            raise ProtocolError("the server did not prove it knows the password (SCRAM)")
