"""What a probe is handed to reach endpoints: HTTP and TCP under one policy.

A probe never builds a client: it asks its ``Transport`` for the HTTP client or a TCP
connection, both bound to the scan's scope, limits and audit hooks, and — for an owner's
re-check — the owner's credentials with the rules for sending them.
"""

from __future__ import annotations

import ssl
from dataclasses import replace

from ..errors import PolicyError
from .http import Credentials, Http, OwnerAuth
from .policy import Gate, Limits, Policy, Scope, is_loopback
from .tcp import TcpStream, connect
from .tls import checking_ca, credentials_context, insecure_context, verifying_context


class Transport:
    """HTTP and TCP to in-scope endpoints; ``credentials`` are the owner's, or None;
    ``ca_file``: the CA certificates (PEM) a target URL's verify-* TLS trusts without them
    (``--ca-file`` alone; the owner's own ``ca_file`` where they are given, which alone is
    trusted where their credentials are sent over TLS)."""

    def __init__(
        self,
        limits: Limits | None = None,
        scope: Scope | None = None,
        credentials: Credentials | None = None,
        *,
        ca_file: str | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.scope = scope or Scope()
        if credentials is not None and not isinstance(credentials, OwnerAuth):
            credentials = OwnerAuth(credentials)
        self.credentials: OwnerAuth | None = credentials
        self.ca_file = ca_file or (credentials.ca_file if credentials is not None else None)
        self._http: Http | None = None
        self._gate: Gate | None = None
        self._verifying: ssl.SSLContext | None = None
        self._inspecting: ssl.SSLContext | None = None
        self._checking: dict[str, ssl.SSLContext] = {}  # a target URL's verify-*
        # Endpoints that refused a connection in clear and took one over TLS: their next
        # connections ask for TLS first (``asks_tls_first``).
        self.tls_first: set[tuple[str, int]] = set()

    @property
    def http(self) -> Http:
        """The HTTP client (created on first use; it sends the credentials, if any)."""
        if self._http is None:
            self._http = Http(
                self.limits, self.scope, auth=self.credentials, rate_of=self._tcp_gate()
            )
        return self._http

    def _tcp_gate(self) -> Gate:
        """The gate of the TCP connections, whose per-host rate the HTTP client shares."""
        if self._gate is None:
            self._gate = Gate(self.limits, self.scope)
        return self._gate

    async def tcp(
        self, host: str, port: int, allow: Policy, *, scheme: str, tls: ssl.SSLContext | None = None
    ) -> TcpStream:
        """A TCP connection to an in-scope endpoint; its commands pass ``allow``."""
        return await connect(self._tcp_gate(), host, port, allow, scheme=scheme, tls=tls)

    def hurried(self, read_timeout: float) -> Transport:
        """This transport with a read deadline of at most ``read_timeout`` for its TCP
        connections, under the same scope, rate and concurrency bounds, without credentials
        (a verdict's): for a raw-TCP kind tried on a port that is not its own. Its HTTP
        client, if asked for, would be its own, outside those bounds: not for HTTP kinds."""
        limits = replace(self.limits, read_timeout=min(self.limits.read_timeout, read_timeout))
        other = Transport(limits, self.scope, ca_file=self.ca_file)
        other._gate = self._tcp_gate().with_limits(limits)
        return other

    def asks_tls_first(self, host: str, port: int) -> bool:
        """Whether connections to the endpoint ask for TLS first (``tls_first``)."""
        return (host.lower(), port) in self.tls_first

    def ask_tls_first(self, host: str, port: int) -> None:
        """From now on, connections to the endpoint ask for TLS first: it refused one in
        clear and took one over TLS."""
        self.tls_first.add((host.lower(), port))

    def tls_context(self, verify: str | None = None) -> ssl.SSLContext:
        """The TLS context of a kind that speaks its own protocol: verifying where the
        owner's credentials may be sent over it (``net.tls``), or where the target URL asks
        (``verify``: ``Endpoint.tls``, "verify-full" its CA and host name, "verify-ca" its CA
        alone; ``--ca-file``, else the system's CAs), else trusting none."""
        owner = self.credentials
        verifies = owner is not None and isinstance(owner.auth, tuple) and not owner.insecure
        # Where the owner's credentials are sent over it, their own CAs alone: never a
        # --ca-file given for the target URLs' verify-* only (``ScanOptions.ca_file``).
        ca_file = owner.ca_file if owner is not None and verifies else self.ca_file
        if verify in ("verify-full", "verify-ca"):
            # Not the owner's context, whose failure suggests --insecure-auth: that would
            # not lift the URL's verification. Its host name checked where the owner's
            # credentials need it.
            verify = "verify-full" if verifies else verify
            if verify not in self._checking:
                full = verify == "verify-full"
                self._checking[verify] = (
                    verifying_context(ca_file) if full else checking_ca(ca_file)
                )
            return self._checking[verify]
        if verifies:
            if self._verifying is None:
                # What a certificate's failure suggests (``tcp._hint``): --insecure-auth too.
                self._verifying = credentials_context(ca_file)
            return self._verifying
        if self._inspecting is None:
            self._inspecting = insecure_context()
        return self._inspecting

    def login(self, host: str, *, encrypted: bool) -> tuple[str, str] | None:
        """The owner's user name and password for a kind that logs in over its own protocol,
        under the same rule as HTTP: only encrypted, or to loopback, unless ``insecure``.
        None without credentials (or with per-host ones from netrc, which name HTTP hosts)."""
        owner = self.credentials
        if owner is None or not isinstance(owner.auth, tuple):
            return None
        if not (encrypted or owner.insecure or is_loopback(host)):
            raise PolicyError(
                f"credentials are not sent in clear to {host}: use TLS, or --insecure-auth"
            )
        return owner.auth

    async def __aenter__(self) -> Transport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client's pooled connections (TCP streams are closed by their user)."""
        if self._http is not None:
            await self._http.aclose()
