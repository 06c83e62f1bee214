"""A connection over TLS from its first byte to a certificate that fails verification: one
line naming why (no CA trusted here signed it, another host's name, expired), never the
handshake's generic failure."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from hostile import servers as S  # tests/ is on sys.path, as for every test folder
from leakhound import net
from leakhound.errors import TlsError
from leakhound.net import Limits, Scope, Transport
from leakhound.net.http import OwnerAuth
from leakhound.net.tls import checking_ca, verifying_context

ALLOW = net.commands("test", {"PING"})


async def _quiet(conn: S.Conn) -> None:
    await conn.reader.read(1)


def _refusal(
    folder: Path, *, host: str = "127.0.0.1", expired: bool = False, trusted: bool = False
) -> str:
    """Why a verified connection fails to a server whose certificate is for ``host``
    (``expired``), its own CA ``trusted`` or not."""
    with S.ServerLoop() as loop:
        context, cert_path, _ = S.self_signed(folder, host=host, expired=expired)
        port = loop.serve(_quiet, tls=context)
        tls = verifying_context(str(cert_path) if trusted else None)
        transport = Transport(Limits(connect_timeout=2), Scope({("127.0.0.1", port)}))
        with pytest.raises(TlsError) as caught:
            asyncio.run(transport.tcp("127.0.0.1", port, ALLOW, scheme="test", tls=tls))
    text = str(caught.value)
    assert "\n" not in text
    return text


def test_a_certificate_no_trusted_ca_signed_says_so_and_how_to_trust_it(tmp_path: Path) -> None:
    text = _refusal(tmp_path)
    assert text.startswith("the server's certificate is not trusted: no CA trusted here signed")
    assert text.endswith("give its CA with --ca-file")


def test_a_certificate_for_another_host_says_so(tmp_path: Path) -> None:
    text = _refusal(tmp_path, host="db.other.test", trusted=True)
    assert text.startswith("the server's certificate is for another host name (")


def test_an_expired_certificate_says_so(tmp_path: Path) -> None:
    text = _refusal(tmp_path, expired=True, trusted=True)
    assert text.startswith("the server's certificate has expired (")


def test_verify_ca_takes_a_trusted_certificate_for_another_host(tmp_path: Path) -> None:
    # sslmode=verify-ca, VERIFY_CA: the CA checked, not the name.
    with S.ServerLoop() as loop:
        context, cert_path, _ = S.self_signed(tmp_path, host="db.other.test")
        port = loop.serve(_quiet, tls=context)
        transport = Transport(Limits(connect_timeout=2), Scope({("127.0.0.1", port)}))

        async def go() -> bool:
            stream = await transport.tcp(
                "127.0.0.1", port, ALLOW, scheme="test", tls=checking_ca(str(cert_path))
            )
            try:
                return stream.tls is not None and not stream.verified
            finally:
                await stream.close()

        assert asyncio.run(go())


def _refused_through(
    folder: Path, transport_of: Callable[[int], Transport], verify: str | None
) -> str:
    """Why a connection fails whose context is the transport's for ``verify``."""
    with S.ServerLoop() as loop:
        context, _, _ = S.self_signed(folder)
        port = loop.serve(_quiet, tls=context)
        transport = transport_of(port)
        with pytest.raises(TlsError) as caught:
            asyncio.run(
                transport.tcp(
                    "127.0.0.1", port, ALLOW, scheme="test", tls=transport.tls_context(verify)
                )
            )
    return str(caught.value)


def test_a_certificate_refused_for_the_owner_s_credentials_suggests_insecure_auth(
    tmp_path: Path,
) -> None:
    def owner(port: int) -> Transport:
        return Transport(
            Limits(connect_timeout=2), Scope({("127.0.0.1", port)}), OwnerAuth(("app", "pw"))
        )

    text = _refused_through(tmp_path, owner, None)
    assert text.endswith("--insecure-auth to send the credentials all the same")


def test_a_certificate_refused_for_a_url_s_verify_full_does_not_suggest_insecure_auth(
    tmp_path: Path,
) -> None:
    def anyone(port: int) -> Transport:
        return Transport(Limits(connect_timeout=2), Scope({("127.0.0.1", port)}))

    text = _refused_through(tmp_path, anyone, "verify-full")
    assert text.endswith("give its CA with --ca-file")


def test_a_url_s_verify_full_refused_beside_the_owner_s_credentials_does_not_suggest_insecure_auth(
    tmp_path: Path,
) -> None:
    # --insecure-auth would not lift what the target URL asks: not suggested.
    def owner(port: int) -> Transport:
        return Transport(
            Limits(connect_timeout=2), Scope({("127.0.0.1", port)}), OwnerAuth(("app", "pw"))
        )

    text = _refused_through(tmp_path, owner, "verify-full")
    assert text.endswith("give its CA with --ca-file")


def test_a_url_s_verify_ca_beside_the_owner_s_credentials_checks_the_host_name_too() -> None:
    owner = Transport(Limits(), Scope(), OwnerAuth(("app", "pw")))
    assert owner.tls_context("verify-ca").check_hostname
    assert not Transport(Limits(), Scope()).tls_context("verify-ca").check_hostname


def test_a_ca_file_for_the_urls_verify_alone_is_not_trusted_for_the_owner_s_credentials(
    tmp_path: Path,
) -> None:
    # ScanOptions.ca_file (--ca-file without --auth) beside an owner's credentials of the
    # system's CAs: the credentials go only where their own CAs trust, never to a
    # certificate the other file's CA signed (it is trusted for a URL's verify-* alone).
    with S.ServerLoop() as loop:
        context, cert_path, _ = S.self_signed(tmp_path)
        port = loop.serve(_quiet, tls=context)
        scope = Scope({("127.0.0.1", port)})
        owner = Transport(
            Limits(connect_timeout=2), scope, OwnerAuth(("app", "pw")), ca_file=str(cert_path)
        )
        anyone = Transport(Limits(connect_timeout=2), scope, ca_file=str(cert_path))

        async def go(transport: Transport, verify: str | None) -> None:
            stream = await transport.tcp(
                "127.0.0.1", port, ALLOW, scheme="test", tls=transport.tls_context(verify)
            )
            await stream.close()

        asyncio.run(go(anyone, "verify-full"))  # what the file is for
        for verify in (None, "verify-full"):
            with pytest.raises(TlsError):
                asyncio.run(go(owner, verify))
