"""The rules every request and every command obeys, whatever carries it.

Scope (no byte to a host or port that was not a target), per-kind read-only allow-lists
checked before anything leaves, limits (deadlines, size caps, concurrency, rate) and the audit
hooks a test uses to record what a whole scan sent. ``Gate`` is the one place a connection or a
request is admitted: HTTP (``http.py``) and raw TCP (``tcp.py``) both pass through it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
from collections.abc import AsyncIterator, Callable, Collection, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from ..errors import PolicyError

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on every request: time, size, rate and concurrency."""

    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_body: int = 32 * MiB  # one HTTP body, one reply of a database protocol
    concurrency: int = 64
    rate: float | None = None  # requests (or commands) per second per host; None: unlimited
    max_redirects: int = 3  # same-origin redirects only


class Policy(Protocol):
    """A read-only allow-list: which requests or commands one store kind may send."""

    @property
    def kind(self) -> str:
        """The store kind the list is for."""

    def allows(self, method: str, path: str, query: str = "") -> bool:
        """Whether this request (HTTP method, path and query string, or a command) is
        read-only."""


@dataclass(frozen=True, slots=True)
class AllowRule:
    """One permitted (method, path) shape; ``path`` is a full-match regular expression.

    ``query``, when given, judges the raw query string as well: for an API whose query says
    what it does (a proxy told which request to forward), the path alone cannot.
    """

    method: str
    path: str
    query: Callable[[str], bool] | None = None

    def matches(self, method: str, path: str, query: str = "") -> bool:
        """Whether a request with this method, path and query string fits the rule."""
        return (
            self.method == method
            and re.fullmatch(self.path, path) is not None
            and (self.query is None or self.query(query))
        )


@dataclass(frozen=True, slots=True)
class AllowList:
    """The read-only HTTP requests one store kind may send."""

    kind: str
    rules: tuple[AllowRule, ...]

    def allows(self, method: str, path: str, query: str = "") -> bool:
        """Whether the request is read-only by this kind's rules."""
        return any(r.matches(method, path, query) for r in self.rules)


@dataclass(frozen=True, slots=True)
class StatementList:
    """The read-only statements a SQL store kind may send: each statement's text must fully
    match one of the patterns (the probe builds every statement; names from the server are
    quoted), so no other statement, and nothing after one, can leave."""

    kind: str
    patterns: tuple[re.Pattern[str], ...]

    def allows(self, method: str, path: str, query: str = "") -> bool:
        """Whether ``path``, a statement, fits a pattern (``method`` names the message: the
        protocol's startup and login messages, its request for TLS, and ``identify``, the
        one fixed question a server that does not answer as the kind is asked,
        ``probes/foreign.ASK``, pass)."""
        return method in ("startup", "tls", "auth", "identify") or (
            method == "query" and any(p.fullmatch(path) for p in self.patterns)
        )


def statements(kind: str, patterns: Iterable[str]) -> StatementList:
    """Build a statement allow-list; a pattern must start with a read verb (SELECT, SHOW,
    SET of a read-only session parameter, BEGIN/START of a read-only transaction, COMMIT),
    be a query's rows copied to the client (``COPY (SELECT …) TO STDOUT``, nothing else), or
    a SELECT's plan (``EXPLAIN (COSTS OFF) SELECT``: planned, never run, as ANALYZE would)."""
    built = []
    for p in patterns:
        copy_out = p.startswith(r"COPY \(SELECT ") and p.endswith(r"\) TO STDOUT")
        verb = (
            r"(?:SELECT|SHOW|SET|BEGIN|START|COMMIT|ROLLBACK"
            r"|EXPLAIN \\\(COSTS OFF\\\) SELECT)\b"
        )
        if not copy_out and not re.match(verb, p):
            raise ValueError(f"{p[:40]!r} is not a read statement")
        built.append(re.compile(p, re.S))
    return StatementList(kind, tuple(built))


@dataclass(frozen=True, slots=True)
class CommandList:
    """The read-only commands one store kind may send over its own protocol.

    A command not named here never leaves: the TCP layer asks before it writes a byte.
    ``never`` lists what must never be sent, for the tests and the reader: a command both
    allowed and never-allowed is refused at construction. A name of two words
    (``CLUSTER NODES``) allows that subcommand alone, of a command that may be on ``never``
    for all its others: the kind names each command it sends by its two words then.
    """

    kind: str
    commands: frozenset[str]
    never: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        both = self.commands & self.never
        if both:
            raise ValueError(f"{self.kind}: allowed and forbidden at once: {sorted(both)}")

    def allows(self, method: str, path: str = "", query: str = "") -> bool:
        """Whether the command (``method``) is on the list; ``path`` is not used."""
        return method in self.commands


READ_METHODS = frozenset({"GET", "HEAD"})
_LITERAL_PATH = re.compile(r"(?:/[A-Za-z0-9_]+)+")


def rules(
    kind: str,
    pairs: Iterable[tuple[str, str] | tuple[str, str, Callable[[str], bool]]],
    *,
    releases: Iterable[str] = (),
) -> AllowList:
    """Build an HTTP allow-list; refuses any method that could write, except POST to read APIs.

    A rule is (method, path pattern) or (method, path pattern, query check): the check is
    handed the raw query string and must accept it too.
    ``releases`` are the paths where DELETE frees a server-side context the scan itself opened
    (a point in time, a scroll): each must be one literal path, never a pattern, so that no
    release rule can reach a container or a record.
    """
    built = []
    for method, path, *query in pairs:
        if method not in READ_METHODS and method != "POST":
            raise ValueError(f"{method} is not a read method")
        built.append(AllowRule(method, path, query[0] if query else None))
    for path in releases:
        if not _LITERAL_PATH.fullmatch(path):
            raise ValueError(f"{path!r} is not one literal release path")
        built.append(AllowRule("DELETE", re.escape(path)))
    return AllowList(kind, tuple(built))


def commands(kind: str, allowed: Collection[str], *, never: Collection[str] = ()) -> CommandList:
    """Build a command allow-list for a store kind that speaks its own protocol."""
    return CommandList(kind, frozenset(allowed), frozenset(never))


@dataclass(frozen=True, slots=True)
class Request:
    """What an audit hook sees of a request (or command) about to be sent."""

    method: str  # HTTP method, or the command's name
    url: str  # http(s)://host:port/path, or <kind>://host:port for a command
    kind: str
    # What the allow-list judged beside the method: the path, or a statement's text.
    target: str = field(default="", compare=False)


AuditHook = Callable[[Request], None]
_audit_hooks: list[AuditHook] = []


def add_audit_hook(hook: AuditHook) -> None:
    """Register a callable that sees every request before it is sent (process-wide)."""
    _audit_hooks.append(hook)


def remove_audit_hook(hook: AuditHook) -> None:
    """Unregister an audit hook."""
    with suppress(ValueError):
        _audit_hooks.remove(hook)


def auditing() -> bool:
    """Whether any audit hook is registered in this process (a worker process then hands
    the requests it sent back to be offered to them)."""
    return bool(_audit_hooks)


def audit(request: Request) -> None:
    """Offer a request to every audit hook (after the checks, before it is sent)."""
    for hook in list(_audit_hooks):
        hook(request)


@dataclass
class Scope:
    """The (host, port) pairs a scan may talk to: exactly its targets."""

    allowed: set[tuple[str, int]] = field(default_factory=set)

    def add(self, host: str, port: int) -> None:
        """Allow one endpoint."""
        self.allowed.add((host.lower().strip("[]"), port))

    def check_endpoint(self, host: str, port: int) -> None:
        """Raise PolicyError unless (host, port) is in scope."""
        host = host.lower().strip("[]")
        if (host, port) not in self.allowed:
            raise PolicyError(f"{host}:{port} is not a target of this scan")

    def check(self, url: str) -> None:
        """Raise PolicyError unless the URL's host and port are in scope."""
        parts = urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise PolicyError(f"bad port in {url!r}") from exc
        self.check_endpoint(parts.hostname or "", port)


class _RateLimiter:
    """Spaces requests to one host at least 1/rate seconds apart."""

    def __init__(self, rate: float | None) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._next: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, host: str) -> None:
        if not self._interval:
            return
        async with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


class Gate:
    """Admits each request or command: in scope, on its kind's allow-list, audited, within the
    rate and the concurrency bound. One per client; HTTP and TCP share the code."""

    def __init__(self, limits: Limits, scope: Scope, *, rate_of: Gate | None = None) -> None:
        """``rate_of``: a gate whose per-host rate this one shares (a transport's HTTP
        client and its TCP connections: a host's rate counts both), not its concurrency."""
        self.limits = limits
        self.scope = scope
        self._sem = asyncio.Semaphore(limits.concurrency)
        self._rate: _RateLimiter = (
            rate_of._rate if rate_of is not None else _RateLimiter(limits.rate)
        )

    def admit(
        self, host: str, port: int, method: str, path: str, allow: Policy, url: str, query: str = ""
    ) -> None:
        """Refuse (PolicyError) what is out of scope or off the allow-list; audit the rest.
        ``query`` is an HTTP request's raw query string (rules that judge it see it)."""
        self.scope.check_endpoint(host, port)
        if not allow.allows(method, path, query):
            what = f"{method} {path}" if path else method
            raise PolicyError(f"{what} is not on the {allow.kind} read-only allow-list")
        audit(Request(method, url, allow.kind, path))

    def with_limits(self, limits: Limits) -> Gate:
        """A gate of other deadlines that shares this one's scope, rate and concurrency."""
        other = Gate(limits, self.scope)
        other._sem, other._rate = self._sem, self._rate
        return other

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Wait for the host's rate, then hold one of the concurrency slots."""
        await self._rate.wait(host.lower())
        async with self._sem:
            yield

    @asynccontextmanager
    async def paced(self, host: str) -> AsyncIterator[None]:
        """Wait for the host's rate only: for a question asked beside a request still pending
        (``probes/foreign.racing``), which holds a slot the question must not wait behind."""
        await self._rate.wait(host.lower())
        yield


def is_loopback(host: str) -> bool:
    """Whether a host is this machine: a loopback address, or the name localhost."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0]).is_loopback
    except ValueError:
        return host.lower() in ("localhost", "localhost.")


def describe(exc: BaseException) -> str:
    """One line of at most 200 characters about an exception."""
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:200]
