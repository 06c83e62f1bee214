"""TLS as the network layer speaks it, for HTTP and for the kinds that speak their own
protocol: which certificates a connection trusts, and what the report says of the one it saw.

Scanning trusts no certificate (it must see self-signed servers); a client that sends an
owner's credentials verifies the server's certificate and host name (the system's CAs, or
``--ca-file``), unless told otherwise (``--insecure-auth``).
"""

from __future__ import annotations

import ssl
import weakref
from datetime import UTC, datetime
from typing import Any

from ..errors import UsageError
from ..models import TlsInfo
from .policy import describe


def insecure_context() -> ssl.SSLContext:
    """A context that inspects certificates without trusting them: a client's defaults
    (``create_default_context``'s) without the system's CAs, which it never asks (loading
    them took 40-120 ms a context here, one every HTTP client)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def verifying_context(ca_file: str | None) -> ssl.SSLContext:
    """A context for a client that sends credentials: the system's CAs (or the owner's),
    host names checked."""
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"--ca-file {ca_file}: {describe(exc)}") from exc


# The verifying contexts made for the owner's credentials (``credentials_context``).
_FOR_CREDENTIALS: weakref.WeakSet[ssl.SSLContext] = weakref.WeakSet()


def credentials_context(ca_file: str | None) -> ssl.SSLContext:
    """A verifying context for a kind that sends the owner's credentials over its own
    protocol: a certificate it fails suggests ``--insecure-auth`` too (``for_credentials``)."""
    ctx = verifying_context(ca_file)
    _FOR_CREDENTIALS.add(ctx)
    return ctx


def for_credentials(ctx: ssl.SSLContext) -> bool:
    """Whether ``ctx`` verifies for the owner's credentials alone (``credentials_context``),
    not for a target URL's ``verify-*``."""
    return ctx in _FOR_CREDENTIALS


def checking_ca(ca_file: str | None) -> ssl.SSLContext:
    """A context that verifies the certificate's CA (the system's, or the owner's) but not
    the host name it names: libpq's ``sslmode=verify-ca``, MySQL's ``VERIFY_CA``."""
    ctx = verifying_context(ca_file)
    ctx.check_hostname = False
    return ctx


# OpenSSL's X509_V_ERR_* codes a scan meets, by what the user can do about them.
_NO_CA = frozenset({2, 18, 19, 20, 21})  # unknown issuer, self-signed (leaf or chain)
_OTHER_HOST = frozenset({62, 64})  # host name, IP address mismatch
_EXPIRED, _NOT_YET = 10, 9


def untrusted(exc: ssl.SSLCertVerificationError, hint: str = "give its CA with --ca-file") -> str:
    """One line saying why a verified certificate was not trusted, by its cause (an unknown
    CA, another host's name, expired) and what to do; ``hint``: how to trust an unknown CA."""
    code, said = exc.verify_code, exc.verify_message or describe(exc)
    if code in _OTHER_HOST:
        return f"the server's certificate is for another host name ({said})"
    if code == _EXPIRED:
        return f"the server's certificate has expired ({said})"
    if code == _NOT_YET:
        return f"the server's certificate is not valid yet ({said})"
    if code in _NO_CA:
        return (
            f"the server's certificate is not trusted: no CA trusted here signed it ({said}): "
            f"{hint}"
        )
    return f"the server's certificate is not trusted ({said}): {hint}"


def tls_info(stream: Any) -> TlsInfo | None:
    """The peer certificate of a connection (anything with ``get_extra_info``, as asyncio's
    and httpcore's streams have), None when it is not encrypted."""
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    if not der:
        return TlsInfo()
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return TlsInfo(subject="(unparseable certificate)")
    not_after = cert.not_valid_after_utc
    return TlsInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_after=not_after.isoformat(),
        expired=not_after < datetime.now(UTC),
    )
