"""HTTP through the policy: every request of an HTTP store kind passes here.

The policy (``policy.Gate``) admits each request: in scope (redirects included), on the kind's
read-only allow-list, audited, within rate and concurrency. This layer adds what is HTTP's own:
connect/read/total timeouts, a response-size cap applied after decompression (a gzip bomb stops
at the cap), same-origin redirects only, and credentials only where they cannot be read.
"""

from __future__ import annotations

import asyncio
import base64
import http.cookiejar
import ssl
import zlib
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
import orjson

from ..errors import (
    ConnectError,
    NetError,
    PolicyError,
    ProtocolError,
    TimeoutError_,
    TooLargeError,
)
from ..models import TlsInfo
from .policy import Gate, Limits, Policy, Scope, describe, is_loopback
from .tls import insecure_context as _insecure_context
from .tls import tls_info as _tls_info
from .tls import verifying_context as _verifying_context


@dataclass(frozen=True, slots=True)
class OwnerAuth:
    """An owner's credentials and how they may travel.

    Scanning trusts no certificate (it must see self-signed servers), but credentials are
    another matter: a client that sends them verifies the server's certificate and host
    name (system CAs, or ``ca_file``), and refuses plain http to anything but loopback,
    where a man in the middle would read them; ``insecure`` lifts both, knowingly.
    """

    auth: tuple[str, str] | httpx.Auth
    ca_file: str | None = None
    insecure: bool = False


# Basic credentials (user, password), or an httpx.Auth such as NetRCAuth (per-host, from
# netrc), or either with the rules for sending them (plain ones are sent by the rules'
# defaults).
Credentials = tuple[str, str] | httpx.Auth | OwnerAuth


def secrets_of(credentials: Credentials | None) -> frozenset[str]:
    """What of ``credentials`` must never be written: each password, and the Basic header
    value (``base64(user:password)``) a server might echo; a netrc file's, every host's."""
    auth = credentials.auth if isinstance(credentials, OwnerAuth) else credentials
    pairs: list[tuple[str, str]] = []
    if isinstance(auth, tuple):
        pairs.append(auth)
    elif auth is not None:  # NetRCAuth keeps the parsed file; another Auth, nothing known
        hosts = getattr(getattr(auth, "_netrc_info", None), "hosts", None) or {}
        for entry in hosts.values():
            login, _account, password = entry
            pairs.append((login or "", password or ""))
    found: set[str] = set()
    for user, password in pairs:
        if password:
            found.add(password)
            found.add(base64.b64encode(f"{user}:{password}".encode()).decode())
    return frozenset(found)


# Parsing allocates 30-130 bytes per JSON value: a 32 MiB body of "{}," is 11 million dicts
# (1.5 GB, seconds of CPU on the event loop). Bodies that could hold more values are refused.
MAX_JSON_VALUES = 2_000_000
# Bytes of an answer over its cap kept in the error (``TooLargeError.head``): what answered,
# and a listing's first names (a CouchDB's /_all_dbs).
OVER_HEAD = 64 * 1024
OVER_HEAD_WAIT = 1.0  # seconds its first bytes are waited for where it declared too many
# What every request says it is: the store's owner finds leakhound's scans in its logs by it
# (``leakhound investigate`` tells the owner's own from anyone else's).
USER_AGENT = "leakhound (read-only exposure scanner)"


@dataclass(frozen=True, slots=True)
class Response:
    """A complete, size-capped HTTP response."""

    status: int
    headers: Mapping[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes
    url: str
    tls: TlsInfo | None = None
    # The body was cut at its cap, not read whole: a refusal (401, 403) over the cap, judged
    # by its status and headers, its body only a page (``Http.request``).
    cut: bool = False

    @property
    def denied(self) -> bool:
        """Whether the status refuses the request for want of credentials (401, 403)."""
        return self.status in (401, 403)

    @property
    def challenge(self) -> bool:
        """Whether it refuses for want of credentials with an auth challenge: HTTP 401 or 403
        with a ``WWW-Authenticate`` header (its scheme, realm or none, said there)."""
        return _challenges(self.status, self.headers)

    def json(self) -> Any:
        """The body parsed as JSON; ProtocolError when it is not, TooLargeError when huge."""
        # Every value or key but the first follows "[", "{" or ",": a cheap upper bound.
        values = self.body.count(b",") + self.body.count(b"[") + self.body.count(b"{")
        if values > MAX_JSON_VALUES:
            raise TooLargeError(
                f"response to {urlsplit(self.url).path} holds over {MAX_JSON_VALUES:,} JSON values"
            )
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            raise ProtocolError(f"invalid JSON in response to {urlsplit(self.url).path}") from exc

    def json_or_none(self) -> Any:
        """``json``, or None where the body is no JSON or too much of it: an answer whose
        failure to parse only says it is not the one asked for."""
        try:
            return self.json()
        except (ProtocolError, TooLargeError):
            return None


def _challenges(status: int, headers: Mapping[str, str]) -> bool:
    """``Response.challenge`` of a status and its headers (lower-cased names)."""
    return status in (401, 403) and bool(headers.get("www-authenticate", "").strip())


class Http:
    """An async HTTP client bound to a scope, limits and per-kind allow-lists."""

    def __init__(
        self,
        limits: Limits | None = None,
        scope: Scope | None = None,
        auth: Credentials | None = None,
        *,
        rate_of: Gate | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.scope = scope or Scope()
        # ``rate_of``: the gate of the transport's TCP connections, whose per-host rate the
        # requests share (an HTTP kind asks who is there over raw TCP beside its request).
        self._gate = Gate(self.limits, self.scope, rate_of=rate_of)
        if auth is not None and not isinstance(auth, OwnerAuth):
            auth = OwnerAuth(auth)
        self._owner = auth
        verify = _insecure_context()
        if auth is not None and not auth.insecure:
            verify = _verifying_context(auth.ca_file)
        transport = httpx.AsyncHTTPTransport(
            verify=verify,
            trust_env=False,
            limits=httpx.Limits(
                max_connections=self.limits.concurrency,
                max_keepalive_connections=self.limits.concurrency,
            ),
        )
        _close_abandoned_handshakes(transport)
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            # A scanner keeps no cookie: a target's Set-Cookie is never sent back (nor to
            # another endpoint of the same host), and one httpx cannot encode never breaks a
            # later request.
            cookies=http.cookiejar.CookieJar(
                http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
            ),
            auth=auth.auth if auth is not None else None,
            trust_env=False,  # never route scans through a proxy from the environment
            timeout=httpx.Timeout(self.limits.read_timeout, connect=self.limits.connect_timeout),
            headers={
                "User-Agent": USER_AGENT,
                "Accept-Encoding": "gzip, deflate",
            },
        )

    async def __aenter__(self) -> Http:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._client.aclose()

    async def get(self, url: str, allow: Policy, **kw: Any) -> Response:
        """A GET request through the policy."""
        return await self.request("GET", url, allow, **kw)

    async def request(
        self,
        method: str,
        url: str,
        allow: Policy,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        max_body: int | None = None,
        headers: Mapping[str, str] | None = None,
        decode: bool = True,
    ) -> Response:
        """Send one request after the scope and allow-list checks; follow same-origin redirects.
        ``headers``: a few the API asks for (Kibana's ``kbn-xsrf``), never credentials.
        ``decode=False``: the body as stored (an object's own gzip is its content, and a
        ranged read cuts an encoded stream anywhere), no content coding asked for or undone.
        A refusal (HTTP 401 or 403, with an auth challenge or without) whose body is over the
        cap is returned with its body cut (``Response.cut``), not refused as too large, for
        every request: its status says what it is, whatever its size, and its body is only a
        login page (or a flood), judged as the same status under the cap is (a caller that
        reads a 401/403's words finds them in its first bytes, or none). One that declares a
        length over the cap is cut at its first bytes (``OVER_HEAD`` at most), as many as come
        within ``OVER_HEAD_WAIT`` (never read on to the cap, nor waited for)."""
        if params:
            try:
                url = str(httpx.URL(url, params=params))
            except httpx.InvalidURL as exc:  # not an HTTPError: one of this request's own
                raise NetError(f"the request cannot be sent: {exc}") from exc
        for _hop in range(self.limits.max_redirects + 1):
            response = await self._send(method, url, allow, json, max_body, headers, decode)
            location = response.headers.get("location")
            if response.status not in (301, 302, 303, 307, 308) or not location:
                return response
            try:
                target = urljoin(url, location)
            except ValueError:  # httpx accepts some Locations urljoin refuses ("http://]/")
                return response
            if not _same_origin(url, target):
                return response  # never followed: the prober reports it
            if response.status == 303:
                method, json = "GET", None
            url = target
        return response

    def _check(self, method: str, url: str, allow: Policy) -> str:
        """The request's host once the gate admits it (scope, allow-list, audit)."""
        parts = urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise PolicyError(f"bad port in {url!r}") from exc
        host = (parts.hostname or "").lower()
        self.scope.check_endpoint(host, port)
        if (
            self._owner is not None
            and not self._owner.insecure
            and parts.scheme == "http"
            and not is_loopback(host)
        ):
            raise PolicyError(
                f"credentials are not sent in clear (http) to {parts.hostname}: use "
                "https, or --insecure-auth"
            )
        self._gate.admit(host, port, method, parts.path or "/", allow, url, parts.query)
        return host

    async def _send(
        self,
        method: str,
        url: str,
        allow: Policy,
        json: Any,
        max_body: int | None,
        headers: Mapping[str, str] | None = None,
        decode: bool = True,
    ) -> Response:
        host = self._check(method, url, allow)
        cap = min(max_body or self.limits.max_body, self.limits.max_body)
        async with self._gate.slot(host):
            try:
                async with asyncio.timeout(self.limits.total_timeout):
                    return await self._exchange(method, url, json, cap, headers, decode)
            except TimeoutError as exc:
                raise TimeoutError_(
                    f"no complete answer within {self.limits.total_timeout:g}s"
                ) from exc
            except httpx.ConnectTimeout as exc:
                raise TimeoutError_(
                    f"connect timed out after {self.limits.connect_timeout:g}s"
                ) from exc
            except httpx.TimeoutException as exc:
                raise TimeoutError_(f"read timed out after {self.limits.read_timeout:g}s") from exc
            except httpx.ConnectError as exc:
                raise _connect_error(exc) from exc
            except (
                httpx.RemoteProtocolError,
                httpx.LocalProtocolError,
                httpx.DecodingError,
            ) as exc:
                raise ProtocolError(f"not valid HTTP: {describe(exc)}") from exc
            except httpx.ReadError as exc:
                raise ProtocolError(f"connection broken: {describe(exc)}") from exc
            except httpx.HTTPError as exc:
                raise ProtocolError(describe(exc)) from exc
            except httpx.InvalidURL as exc:  # a URL over httpx's 65,536 characters, say
                raise NetError(f"the request cannot be sent: {exc}") from exc
            except (ssl.SSLError, OSError) as exc:
                raise ProtocolError(describe(exc)) from exc

    async def _exchange(
        self,
        method: str,
        url: str,
        json: Any,
        cap: int,
        extra: Mapping[str, str] | None = None,
        decode: bool = True,
    ) -> Response:
        content = orjson.dumps(json) if json is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else {}
        headers.update(extra or {})
        if not decode:
            headers["Accept-Encoding"] = "identity"
        request = self._client.build_request(method, url, content=content, headers=headers or None)
        response = await self._client.send(request, stream=True)
        chunks: list[bytes] = []
        size = 0

        def _over(message: str) -> TooLargeError:
            """An answer over the cap, with its status, the bytes read and the first of them."""
            head = b""
            for chunk in chunks:
                if len(head) >= OVER_HEAD:
                    break
                head += chunk[: OVER_HEAD - len(head)]
            return TooLargeError(
                message,
                status=response.status_code,
                read=size,
                head=head,
                cap=cap,
                headers={k.lower(): v for k, v in response.headers.items()},
            )

        try:
            headers_out = {
                k.lower(): ", ".join(response.headers.get_list(k)) for k in response.headers
            }
            # A refusal is judged by its status and headers, whatever its size: a body over
            # the cap (a proxy's login page, or a flood) is cut there, not fatal.
            cut_ok = response.status_code in (401, 403)
            declared = response.headers.get("content-length")
            length = int(declared) if declared and declared.isdigit() else 0
            declared_over = length > cap and method != "HEAD"
            tls = _tls_info(response.extensions.get("network_stream"))
            inflater = _inflater(response.headers.get("content-encoding", "")) if decode else None
            # Raw bytes, decompressed here in bounded steps: httpx would inflate each network
            # read in one unbounded call (64 KiB of gzip hold 64 MiB; "gzip, gzip" 64 GiB).
            if declared_over:
                # Declared over the cap: its first bytes only, to say what answered, as many
                # as come at once (a server that declares much and sends little is not
                # waited for, nor one that closes, or sends a body that does not inflate:
                # it answered over the cap all the same).
                with suppress(TimeoutError, httpx.TransportError, ProtocolError):
                    async with asyncio.timeout(OVER_HEAD_WAIT):
                        want = max(1, min(OVER_HEAD, cap))  # inflated no further
                        async for raw in response.aiter_raw():
                            chunk = inflater.feed(raw, want - size) if inflater else raw
                            size += len(chunk)
                            chunks.append(chunk)
                            if size >= want:
                                break
                if cut_ok:  # a refusal: its first bytes are all a page of it can tell
                    return Response(
                        response.status_code,
                        headers_out,
                        b"".join(chunks)[: min(OVER_HEAD, cap)],
                        str(response.url),
                        tls,
                        cut=True,
                    )
                raise _over(f"response of {length} bytes is over the {cap} byte cap")
            async for raw in response.aiter_raw():
                chunk = inflater.feed(raw, cap - size + 1) if inflater else raw
                size += len(chunk)
                if size > cap and cut_ok:
                    chunks.append(chunk[: len(chunk) - (size - cap)])
                    return Response(
                        response.status_code,
                        headers_out,
                        b"".join(chunks),
                        str(response.url),
                        tls,
                        cut=True,
                    )
                if size > cap:
                    chunks.append(chunk)
                    raise _over(f"response body over the {cap} byte cap")
                chunks.append(chunk)
            return Response(
                response.status_code, headers_out, b"".join(chunks), str(response.url), tls
            )
        finally:
            await response.aclose()


class _ClosingStream(httpcore.AsyncNetworkStream):
    """A connection whose TLS handshake, abandoned midway (its task cancelled), closes its
    socket: httpcore closes it on an error only, and a request given up for a faster answer
    (``probes/foreign.racing``) would hold it open until a garbage collection found it."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            return await self._inner.start_tls(ssl_context, server_hostname, timeout)
        except BaseException:
            with suppress(BaseException):  # already cancelled: closing is all that is left
                await self._inner.aclose()
            raise

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _ClosingBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend, its TCP connections wrapped in ``_ClosingStream``."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _ClosingStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _close_abandoned_handshakes(transport: httpx.AsyncHTTPTransport) -> None:
    """Have the transport's connections close a TLS handshake abandoned midway
    (``_ClosingStream``; httpx offers no public way to pick its network backend, so its
    pool's is wrapped, and a test proves it still is)."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.AsyncNetworkBackend):
        pool._network_backend = _ClosingBackend(backend)  # type: ignore[union-attr]


# Content codings decoded here, as zlib window bits; any other single coding passes through.
_ZLIB_WBITS = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": zlib.MAX_WBITS,
}


class _Inflater:
    """Decompresses one gzip or deflate body, never producing more than the caller has room for."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._z = zlib.decompressobj(_ZLIB_WBITS[coding])
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        """At most ``room`` (> 0) bytes decompressed from ``data``."""
        try:
            try:
                out = self._z.decompress(data, room)
            except zlib.error:
                if self._coding != "deflate" or self._started:
                    raise
                # Some servers send raw deflate without the zlib header; httpx tolerates it too.
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                out = self._z.decompress(data, room)
        except zlib.error as exc:
            raise ProtocolError(f"bad {self._coding} body: {describe(exc)}") from exc
        self._started = True
        return out


def _inflater(header: str) -> _Inflater | None:
    codings = [c.strip().lower() for c in header.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > 1:  # we never ask for stacked codings; they only serve to nest bombs
        raise ProtocolError(f"stacked content codings refused: {header[:60]!r}")
    return _Inflater(codings[0]) if codings and codings[0] in _ZLIB_WBITS else None


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    try:
        return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)
    except ValueError:
        return False


def _connect_error(exc: httpx.ConnectError) -> NetError:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return ProtocolError(f"TLS handshake failed: {describe(cause)}")
        if isinstance(cause, ConnectionRefusedError):
            return ConnectError("connection refused")
        cause = cause.__cause__ or cause.__context__
    text = describe(exc)
    if "refused" in text.lower():
        return ConnectError("connection refused")
    if "name or service not known" in text.lower() or "nodename" in text.lower():
        return ConnectError("host name does not resolve")
    return ConnectError(text)
