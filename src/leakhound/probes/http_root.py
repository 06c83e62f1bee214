"""The first request of an HTTP store kind: its scheme found (the endpoint's, else http then
https), and what a failed first answer, or one that names no store of the kind, means for the
verdict, said the same way by every HTTP kind."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from ..errors import ConnectError, NetError, TimeoutError_, TooLargeError
from ..models import Endpoint, Fingerprint, Service, Verdict
from ..net import Policy, Response, Transport
from . import foreign

T = TypeVar("T")

# Bytes a first answer may hold: a store's root or status document is a few kilobytes
# (Kibana's /api/status, every plugin's status, under 100 KiB). An endless or flooding body
# is refused after this much, not after the 32 MiB a data API may answer: read and parsed
# 32 times over, on a busy machine it outlasts the deadline and looks like a silent server.
FIRST_ANSWER_CAP = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FirstAnswer:
    """The scheme that answered, its base URL and the answer."""

    scheme: str
    base: str
    response: Response


async def first_answer(
    transport: Transport,
    endpoint: Endpoint,
    kind: str,
    path: str,
    allow: Policy,
    *,
    too_large: Verdict,
    what: str,
) -> FirstAnswer | Service:
    """GET ``path`` on the endpoint's scheme, or http then https when it names none
    (``Endpoint.http_schemes``).

    A refused connection is ``closed``, a silent one ``timeout``, an answer too large (over
    ``FIRST_ANSWER_CAP``) ``too_large`` (the kind's not-<kind>: no store of it answers so) but
    for a refusal (HTTP 401 or 403, with an auth challenge or without), returned with its body
    cut at the cap (``Response.cut``: its status and headers are the evidence, for the kind to
    judge as the same status under the cap), any
    other failure on every scheme ``error`` with each scheme's reason; an http port that asks
    for https is asked again over https. Otherwise the answer, for the kind to classify. A
    verdict no answer decided carries the URL that was tried (``http://`` first on a port that
    names no scheme), as Elasticsearch results always have.
    """
    schemes = endpoint.http_schemes
    reason = ""
    unanswered = False  # plain http failed without an HTTP answer
    for scheme in schemes:
        base = endpoint.url(scheme)
        try:
            got = await asking(
                transport.http.get(base + path, allow, max_body=FIRST_ANSWER_CAP),
                lambda: ask_who(transport, endpoint, path, allow),
                at_once=unanswered,
            )
        except ConnectError as exc:
            verdict = Verdict.CLOSED if "refused" in str(exc) else Verdict.ERROR
            return Service(endpoint, base, kind, verdict, str(exc))
        except TimeoutError_ as exc:
            return Service(endpoint, base, kind, Verdict.TIMEOUT, str(exc))
        except TooLargeError as exc:
            return Service(endpoint, base, kind, too_large, f"{what} too large: {exc}")
        except NetError as exc:
            reason = failures(reason, scheme, exc)
            unanswered = scheme == "http"
            continue
        if isinstance(got, foreign.Named):
            reason, decided = told(got, kind, scheme, reason, last=scheme == schemes[-1])
            if decided is None:
                unanswered = scheme == "http"
                continue
            url = endpoint.url(schemes[0]) if decided is Verdict.ERROR else base
            return Service(endpoint, url, kind, decided, not_http(got, reason))
        resp = got
        if (
            scheme == "http"
            and len(schemes) > 1
            and resp.status == 400
            and b"https" in resp.body[:2000].lower()
        ):
            reason = "http: the server asks for https"
            continue
        return FirstAnswer(scheme, base, resp)
    return Service(endpoint, endpoint.url(schemes[0]), kind, Verdict.ERROR, reason or "no answer")


async def asking(
    attempt: Awaitable[T],
    ask: Callable[[], Awaitable[foreign.Named | None]],
    *,
    at_once: bool,
) -> T | foreign.Named:
    """An HTTP kind's first request raced with ``ask`` (``ask_who``): at once when plain
    http already got no HTTP answer (a Redis or a MongoDB server leaves a TLS handshake
    unanswered until the connect deadline), else once the answer is late by
    ``foreign.QUIET`` (a server that greets first, MySQL, leaves an HTTP client waiting for
    a status line's end). A name other than HTTP or TLS settles it; one that closes at the
    question is returned only once the attempt failed."""
    return await foreign.racing(
        attempt, ask, after=0.0 if at_once else foreign.QUIET, decisive=settles
    )


def told(
    said: foreign.Named, kind: str, scheme: str, reason: str, *, last: bool
) -> tuple[str, Verdict | None]:
    """What an HTTP kind makes of the name its question got in place of an answer on
    ``scheme``: the failures so far (``reason``) with this scheme's, and the verdict, or None
    to try the next scheme. A name that settles it, or any on the last scheme, decides:
    ``not-<kind>``, or ``error`` where the server only closed (``not_http``)."""
    if said.failure:
        reason = failures(reason, scheme, said.failure)
    if not (settles(said) or last):
        return reason, None
    return reason, Verdict.ERROR if said.protocol == foreign.CLOSED else Verdict.not_of(kind)


def failures(reason: str, scheme: str, why: object) -> str:
    """The failures so far (``reason``) with ``scheme``'s, each named by its scheme:
    ``http: …; https: …``."""
    failed = f"{scheme}: {why}"
    return f"{reason}; {failed}" if reason else failed


def settles(said: foreign.Named) -> bool:
    """Whether a name settles it while the kind's own request is still pending: a server of
    a known protocol that is neither HTTP nor TLS (one that closes at the question may be
    a TLS-only server; a line of text, a slow HTTP server's first bytes)."""
    return said.protocol not in (foreign.CLOSED, foreign.TEXT)


async def ask_who(
    transport: Transport, endpoint: Endpoint, path: str, allow: Policy
) -> foreign.Named | None:
    """The endpoint asked who it is, over plain TCP, with ``path`` as an HTTP/1.0 request
    (HEAD where the kind's allow-list admits it, else GET; no Host header, which Redis takes
    for an attack and drops): another protocol named, or None (an HTTP or TLS server)."""
    where = urlsplit(endpoint.url("http") + path).path or "/"
    method = next((m for m in ("HEAD", "GET") if allow.allows(m, where)), None)
    if method is None or any(c in where for c in " \r\n"):
        return None
    return await foreign.identify(
        transport,
        endpoint,
        allow,
        scheme="http",
        command=method,
        path=where,
        ask=f"{method} {where} HTTP/1.0\r\n\r\n".encode(),
        own=_HTTP,
    )


_HTTP = frozenset({"http", "tls"})


def not_http(said: foreign.Named, failures: str) -> str:
    """The reason of an endpoint whose first request failed on every scheme tried: what it
    answered when asked, and each scheme's failure. One that closes at the question too
    said nothing of what it is (its verdict is ``error``, not ``not-<kind>``: a TCP proxy
    whose backend is down, or a TLS-only store named with http://, closes alike)."""
    failed = f" ({failures})" if failures else ""
    if said.protocol == foreign.CLOSED:
        return (
            f"nothing says what it is: no answer{failed}, and a plain HTTP/1.0 request is "
            f"closed without a byte"
        )
    return f"not HTTP: asked over plain TCP, the server answers as {said.said}{failed}"


def not_the_kind(endpoint: Endpoint, base: str, kind: str, resp: Response, why: str) -> Service:
    """The verdict ``not-<kind>`` of a first answer that names no store of the kind: nothing
    known of what answered but its TLS."""
    return Service(endpoint, base, kind, Verdict.not_of(kind), why, Fingerprint(tls=resp.tls))


def redirect(resp: Response, path: str = "") -> str | None:
    """Why a redirect names no store of the kind (never followed: it may point anywhere,
    169.254.169.254 included), or None where ``resp`` is no redirect."""
    if not 300 <= resp.status < 400:
        return None
    where = resp.headers.get("location", "")[:200]
    on = f" on {path}" if path else ""
    return f"HTTP {resp.status} redirect to {where!r}{on} (not followed)"


def not_welcome(resp: Response, what: str) -> str:
    """Why an ``HTTP 200`` on / names no store of the kind: its body is not ``what`` the kind
    answers there; the server it names, if any."""
    server = resp.headers.get("server", "")[:80]
    return f"HTTP 200 on / but not {what}" + (f" (server {server!r})" if server else "")


def cut_said(resp: Response) -> str:
    """What a reason adds of a refusal whose body was cut at the first answer's cap
    (``Response.cut``: judged by its status and headers, its body only a page), else ""."""
    return f", its body over the {FIRST_ANSWER_CAP:,} byte cap not read whole" if resp.cut else ""


_REALM = re.compile(r'realm="([^"]*)"', re.I)


def realm_of(resp: Response) -> str | None:
    """The realm a refusal's ``WWW-Authenticate`` names, if any (200 characters at most)."""
    m = _REALM.search(resp.headers.get("www-authenticate", ""))
    return m.group(1)[:200] if m else None


def answered_over(exc: Exception) -> bool:
    """Whether a request failed only for its answer's size: an HTTP 2xx over the cap
    (``TooLargeError.status``), which the store sent, so it was reached and served it."""
    return isinstance(exc, TooLargeError) and exc.status is not None and 200 <= exc.status < 300


def over_said(exc: TooLargeError) -> str:
    """What a reason says of an answer over the cap: its status, the cap and the bytes read
    (``HTTP 200 over the 33,554,432 byte cap, 33,554,433 bytes read, not parsed``); the
    error's own words where no answer was read."""
    if exc.status is None:
        return str(exc)
    return f"HTTP {exc.status} over the {exc.cap:,} byte cap, {exc.read:,} bytes read, not parsed"


def listing_cut(exc: TooLargeError, api: str, count: int, noun: str) -> str:
    """What an inventory says of a listing (``api``) that answered 2xx over the size cap and
    whose first bytes (``TooLargeError.head``) gave ``count`` whole ``noun``: it was cut at
    the cap, how much was read, and that only those are listed."""
    return (
        f"{api} was cut at the {exc.cap:,} byte cap ({exc.read:,} bytes read): only the "
        f"{count:,} {noun} whole in its first {len(exc.head):,} bytes are listed"
    )
