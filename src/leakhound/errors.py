"""leakhound's one exception tree.

    LeakhoundError                 base; ``str(e)`` is one line fit for a user
    ├── UsageError                 the user's mistake (bad option, bad target, bad file): exit 2
    │   ├── TargetError            a target specification that cannot be parsed
    │   └── ScopeError             a target outside the authorised scope, or too large without --yes
    ├── StoreError                 the findings database cannot be opened, written or read: exit 3
    ├── LabError                   (leakhound.lab) the demo lab cannot start, seed or stop: exit 3
    └── NetError                   one request failed; the engine makes it a Verdict, never exit
        ├── ConnectError           nothing listens (refused) or the host is unreachable
        ├── TimeoutError_          connect/read/total deadline passed
        ├── ProtocolError          not HTTP, broken HTTP, TLS mismatch, reset, an error answered
        │   └── DeniedError        the store refused the request for want of credentials
        ├── TlsError               TLS the target asked for failed, or a certificate verified
        │                          and not trusted (unknown CA, another host's, expired)
        ├── TooLargeError          body or headers over the cap
        └── PolicyError            the request would leave the scope or the read-only allow-list

Outcomes of scanning (a host that times out, a 401) are values, not exceptions: see
``leakhound.models.Verdict``. Exceptions are for the user's mistakes and for our own bugs.

``NetError.denied`` says whether the store refused a request for want of credentials (or of
the rights its user lacks), as its protocol's own code says it: ``DeniedError`` (HTTP 401/403),
and the kinds' own errors that carry a code (MongoDB's, Redis's, PostgreSQL's SQLSTATE, MySQL's,
an object store's). Never from an error's words: a server writes what it likes there.
"""

from __future__ import annotations

from collections.abc import Mapping


class LeakhoundError(Exception):
    """Base of every error leakhound raises on purpose."""

    exit_status = 3


class UsageError(LeakhoundError):
    """A mistake in what the user asked for."""

    exit_status = 2


class TargetError(UsageError):
    """A target specification that cannot be parsed."""


class ScopeError(UsageError):
    """A target outside the authorised scope, or a range too large without confirmation."""


class StoreError(LeakhoundError):
    """The findings database cannot be opened, written or read."""


class NetError(LeakhoundError):
    """One request failed; carries a one-line reason."""

    @property
    def denied(self) -> bool:
        """Whether the store refused the request for want of credentials, by its protocol's
        own code (an error that carries one says so; the rest did not refuse)."""
        return False


class ConnectError(NetError):
    """Nothing listens on the port, or the host cannot be reached."""


class TimeoutError_(NetError):  # trailing "_": the builtin TimeoutError stays usable
    """A connect, read or total deadline passed."""


class ProtocolError(NetError):
    """The peer does not speak (valid) HTTP, or TLS does not match."""


class TlsError(NetError):
    """TLS failed where it could not be done without: a certificate verified and not
    trusted, a handshake failed, a server without the TLS its target URL asks for."""


class ConnectionLost(ProtocolError):
    """The peer reset or closed the connection instead of answering in full (a server of
    TLS alone does so to a connection in clear)."""


class ClosedError(ProtocolError):
    """A command on a connection an earlier error (a reply over its cap, a deadline) closed:
    its framing could no longer be trusted."""


class DeniedError(ProtocolError):
    """The store refused the request for want of credentials: HTTP 401 or 403."""

    @property
    def denied(self) -> bool:
        """Always: the status said so."""
        return True


class TooLargeError(NetError):
    """A response body or header block exceeds its cap.

    An HTTP answer over its cap carries what was read of it: its ``status`` (None where no
    answer was, or for another protocol), the bytes of its body ``read`` before it was given
    up, the first of them (``head``: what the answer looks like), its ``headers`` and the
    ``cap``: an answer was given, and the verdict may weigh it (a 200 of a data API is the
    store answering)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        read: int = 0,
        head: bytes = b"",
        cap: int = 0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.read, self.head, self.cap = status, read, head, cap
        self.headers: Mapping[str, str] = headers or {}

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only fields: pickled (a worker process's error) with them, not positionally.
        fields = (self.status, self.read, self.head, self.cap, dict(self.headers))
        return (_too_large, (str(self), *fields))


def _too_large(
    message: str,
    status: int | None,
    read: int,
    head: bytes,
    cap: int,
    headers: dict[str, str],
) -> TooLargeError:
    return TooLargeError(message, status=status, read=read, head=head, cap=cap, headers=headers)


class PolicyError(NetError):
    """The request would leave the target scope or the read-only allow-list."""
