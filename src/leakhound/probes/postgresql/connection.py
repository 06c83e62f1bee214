"""One connection to PostgreSQL: the startup, how the server lets us in (or does not), the
owner's login (md5 or SCRAM-SHA-256), then read-only queries through the statement list."""

from __future__ import annotations

import contextlib
import hashlib
import re
import struct
from dataclasses import dataclass, field
from typing import Any

import orjson

from ...errors import DeniedError, NetError, PolicyError, ProtocolError, TlsError
from ...models import Endpoint
from ...net import FrameReader, TcpStream, Transport
from .. import foreign
from ..scram import MECHANISM, Scram
from ..tls import TLS_DISABLED, tls_context, tls_from_start
from .allow import ALLOW, OWN_NAMES, RAW_ENCODING, READ_ONLY
from .wire import (
    Result,
    ServerError,
    error_fields,
    message,
    parse_failures,
    query,
    read_copy,
    read_copy_part,
    read_message,
    read_result,
    startup,
)

DEFAULT_USER = "postgres"
DEFAULT_DATABASE = "postgres"
# What a PostgreSQL server answers the question of probes/foreign.py: it reads a length no
# startup packet has and closes.
_POSTGRESQL = frozenset({"postgresql", foreign.CLOSED})
# Authentication request codes: what the server asks for instead of letting us in.
ASKS = {
    2: "Kerberos",
    3: "a cleartext password",
    5: "an MD5 password",
    7: "GSSAPI",
    9: "SSPI",
    10: "SASL (SCRAM)",
}


@dataclass
class Greeting:
    """How the server answered the startup: in (``ok``), or what it asks for, or its error."""

    ok: bool = False
    asks: int | None = None  # an authentication request code
    salt: bytes = b""  # MD5's
    mechanisms: list[str] = field(default_factory=list)  # SASL's
    error: ServerError | None = None
    params: dict[str, str] = field(default_factory=dict)  # ParameterStatus: server_version…
    tls_failed: str | None = None  # why a startup refused in clear was not asked over TLS


async def _greeting(frames: FrameReader) -> Greeting:
    """Messages after a startup or a password, up to a decision."""
    got = Greeting()
    for _ in range(1000):
        kind, body = await read_message(frames)
        if kind == b"E":
            got.error = ServerError(error_fields(body))
            return got
        if kind == b"R":
            (code,) = struct.unpack_from(">i", body)
            if code == 0:
                got.ok = True
                continue
            if code in (11, 12):  # SASL continue / final: the caller reads its data
                got.asks, got.salt = code, body[4:]
                return got
            got.asks = code
            if code == 5:
                got.salt = body[4:8]
            elif code == 10:
                got.mechanisms = [m.decode() for m in body[4:].split(b"\0") if m]
            return got
        if kind == b"S":
            name, _, value = body.rstrip(b"\0").partition(b"\0")
            got.params[name.decode("utf-8", "replace")[:64]] = value.decode("utf-8", "replace")[
                :200
            ]
        elif kind == b"Z":
            return got
        # K (backend key), N (notice): nothing to keep
    raise ProtocolError("the server never finished its greeting")


async def _greeted(frames: FrameReader) -> Greeting:
    data, pos = frames.buffered()
    if pos >= len(data):
        try:
            await frames.fill(1)
        except ProtocolError as exc:  # the one failure of fill before a byte: a close
            raise ProtocolError("the server closes the connection without an answer") from exc
    try:
        return await _greeting(frames)
    except parse_failures() as exc:
        raise ProtocolError(f"not a PostgreSQL answer: {exc}") from exc


async def _result(frames: FrameReader, most: int | None = None) -> Result:
    try:
        return await read_result(frames, most)
    except parse_failures() as exc:
        raise ProtocolError(f"an unreadable PostgreSQL result: {exc}") from exc


_LIMIT = re.compile(r" LIMIT (\d+)(?:\) TO STDOUT)?$")


def rows_at_most(sql: str) -> int | None:
    """The most rows an honest answer to a statement of the allow-list holds: its LIMIT, one
    a ctid it asks for (``at_ctids``; counted from its text, never fewer), else None (the
    catalog's lists: as long as the cluster is large, held to the reply's byte cap)."""
    if m := _LIMIT.search(sql):
        return int(m[1])
    if "WHERE ctid = ANY ('{" in sql:
        return sql.count('"(')
    return None


@dataclass
class Connection:
    """A connection logged in to one database."""

    stream: TcpStream
    greeting: Greeting
    copying: bool = False  # a COPY ``copy_part`` reads is under way (its end not read yet)

    def _idle(self) -> None:
        """ProtocolError, before a byte is written, while a COPY is still being read
        (``copy_part``): the server sends its rows until their end, and a statement written
        meanwhile would have its answer read as rows of the COPY (or the rows as its
        answer)."""
        if self.copying:
            raise ProtocolError(
                "a statement on a connection whose COPY is still being read: refused (the "
                "answers would be read out of step)"
            )

    async def run(self, sql: str, *, width: int | None = None, wait: float | None = None) -> Result:
        """One statement (which must be on the allow-list) and its result. ``width``: the
        columns the statement asks for, where it names them (ProtocolError for a result of
        another width: a server answering some other question); ``wait``: seconds the server
        may compute before it answers, when longer than the read deadline."""
        self._idle()
        most = rows_at_most(sql)

        async def result(frames: FrameReader) -> Result:
            return await _result(frames, most)

        got = await self.stream.exchange("query", query(sql), result, statement=sql, wait=wait)
        assert got is not None
        if width is not None and len(got.columns) != width:
            raise ProtocolError(
                f"an answer of {len(got.columns)} columns where the statement asks for {width}"
            )
        return got

    async def copy(self, sql: str) -> list[bytes]:
        """One ``COPY (SELECT …) TO STDOUT`` (on the allow-list) and its rows' lines."""
        self._idle()
        most = rows_at_most(sql)

        async def lines(frames: FrameReader) -> list[bytes]:
            try:
                return await read_copy(frames, most)
            except parse_failures() as exc:
                raise ProtocolError(f"an unreadable PostgreSQL COPY: {exc}") from exc

        got = await self.stream.exchange("query", query(sql), lines, statement=sql)
        assert got is not None
        return got

    async def copy_part(
        self, sql: str | None, upto: int, *, wait: float | None = None
    ) -> tuple[list[bytes], bool]:
        """The first part of a ``COPY (SELECT …) TO STDOUT`` (``sql``, on the allow-list), or
        with None the next part of the one under way: at least ``upto`` rows' lines (fewer
        at its end), and whether it ended. Until it ends the connection asks nothing else
        (ProtocolError, nothing written). ``wait``: seconds the server may be silent
        anywhere in the part, when longer than the read deadline (rows it passes over
        without sending: before the position it starts after, dead rows, a filter's)."""

        async def part(frames: FrameReader) -> tuple[list[bytes], bool]:
            try:
                return await read_copy_part(frames, None, upto)
            except parse_failures() as exc:
                raise ProtocolError(f"an unreadable PostgreSQL COPY: {exc}") from exc

        got: tuple[list[bytes], bool] | None
        if sql is None:
            if not self.copying:
                raise ProtocolError("no COPY under way to read on")
            got = await self.stream.more(part, wait=wait)
        else:
            self._idle()
            got = await self.stream.exchange(
                "query", query(sql), part, statement=sql, wait=wait, quiet=True
            )
        assert got is not None
        self.copying = not got[1]
        return got

    @property
    def silent(self) -> float:
        """Seconds the server was silent past the read deadline in the last part read,
        however it ended (``TcpStream.silent``)."""
        return self.stream.silent

    async def close(self) -> None:
        """Say goodbye (Terminate) and close."""
        if not self.stream.closed:
            with contextlib.suppress(ProtocolError):
                await self.stream.exchange("startup", message(b"X", b""), None)
        await self.stream.close()


# SSLRequest: the length and the code a client sends, before its startup, to ask for TLS.
SSL_REQUEST = struct.pack(">ii", 8, 80877103)


async def _tls_granted(frames: FrameReader) -> bool:
    """The answer to SSLRequest: one byte, S (TLS follows) or N (stay in clear); an error
    (E) is how a server that knows no TLS may say no."""
    answer = await frames.exactly(1)
    if answer not in (b"S", b"N", b"E"):
        raise ProtocolError(f"an answer to the request for TLS that is neither S nor N: {answer!r}")
    return answer == b"S"


async def open_connection(
    transport: Transport, endpoint: Endpoint, database: str | None = None, *, ask: bool = False
) -> tuple[TcpStream, Greeting]:
    """A connection and the server's answer to our startup (no password sent yet).

    In clear first; a startup refused in clear for this host (``28…``, as pg_hba.conf
    refuses one without a ``host`` line that takes it: a cluster of ``hostssl`` lines alone
    says "no encryption") is asked again over TLS, where the server grants it, and the
    endpoint's next connections ask for TLS first (``Transport.tls_first``). As psql's
    ``sslmode=prefer`` would find it, in the other order. Where the owner's password may not
    go to the host in clear, TLS is asked first, as psql does; in clear where it is not
    granted or fails (``TcpStream.tls_failed`` saying why), and no password then.

    The target URL's ``sslmode`` (``Endpoint.tls``): ``require`` and ``verify-*`` ask for
    TLS first and only (TlsError where the server grants none, or its certificate fails the
    verification asked for); ``disable`` never asks for it (``TLS_DISABLED`` saying so).

    ``ask`` (a verdict): an answer late by ``foreign.QUIET`` seconds has the server asked
    who it is on another connection; one that answers as another protocol is not PostgreSQL
    (``foreign.Foreign``), without waiting until the read deadline (a Redis or an HTTP
    server given the startup packet waits for a line's end that never comes)."""
    disabled = endpoint.tls == "disable"  # the target URL's sslmode=disable: never TLS
    remembered = tls_from_start(transport, endpoint)  # the URL's sslmode=require, verify-*
    failed = TLS_DISABLED if disabled else None  # why TLS, asked first, failed
    first = remembered or (not disabled and _barred_in_clear(transport, endpoint.host))
    if first:
        try:
            encrypted = await _open_over_tls(transport, endpoint, database)
        except NetError as exc:
            if remembered:
                raise
            failed = str(exc)
        else:
            if encrypted is not None:
                return encrypted
            if endpoint.tls_required:
                raise TlsError("the server grants no TLS, which the target URL requires")
    stream, greeting = await _open_in_clear(transport, endpoint, database, ask)
    stream.tls_failed = failed
    error = greeting.error
    if first or disabled or error is None or not error.code.startswith("28"):  # asked, or never
        greeting.tls_failed = failed
        return stream, greeting
    try:
        encrypted = await _open_over_tls(transport, endpoint, database)
    except NetError as exc:
        greeting.tls_failed = str(exc)
        return stream, greeting
    except BaseException:  # cancelled: the connection refused in clear is not left open
        await stream.close()
        raise
    if encrypted is None:  # no TLS here: the refusal in clear stands
        return stream, greeting
    await stream.close()
    if encrypted[1].error is None:
        transport.ask_tls_first(endpoint.host, endpoint.port)
    return encrypted


def _barred_in_clear(transport: Transport, host: str) -> bool:
    """Whether the owner's password may not go to ``host`` in clear (``Transport.login``):
    its connections ask for TLS first, as psql's ``sslmode=prefer`` does, so that a server
    taking logins in clear and over TLS alike gets it over TLS."""
    try:
        transport.login(host, encrypted=False)
    except PolicyError:
        return True
    return False


async def _open_in_clear(
    transport: Transport, endpoint: Endpoint, database: str | None, ask: bool
) -> tuple[TcpStream, Greeting]:
    stream = await transport.tcp(endpoint.host, endpoint.port, ALLOW, scheme="postgresql")

    async def who() -> foreign.Named | None:
        return await foreign.identify(
            transport, endpoint, ALLOW, scheme="postgresql", command="identify", own=_POSTGRESQL
        )

    try:
        reply = stream.exchange("startup", _startup(endpoint, database), _greeted)
        greeting = await (foreign.racing(reply, who, after=foreign.QUIET) if ask else reply)
        if isinstance(greeting, foreign.Named):
            raise foreign.Foreign(greeting, "no answer to the startup")
        assert greeting is not None
    except BaseException:
        await stream.close()
        raise
    return stream, greeting


async def _open_over_tls(
    transport: Transport, endpoint: Endpoint, database: str | None
) -> tuple[TcpStream, Greeting] | None:
    """A connection over TLS and the server's answer to our startup; None where the server
    does not grant TLS."""
    stream = await transport.tcp(endpoint.host, endpoint.port, ALLOW, scheme="postgresql")
    try:
        if not await stream.exchange("tls", SSL_REQUEST, _tls_granted):
            await stream.close()
            return None
        await stream.start_tls(tls_context(transport, endpoint))
        greeting = await stream.exchange("startup", _startup(endpoint, database), _greeted)
        assert greeting is not None
    except BaseException:
        await stream.close()
        raise
    return stream, greeting


def _startup(endpoint: Endpoint, database: str | None) -> bytes:
    user = endpoint.user or DEFAULT_USER
    return startup(user, database or endpoint.base_path.strip("/") or DEFAULT_DATABASE)


async def connect(
    transport: Transport, endpoint: Endpoint, database: str | None = None
) -> Connection:
    """A connection to ``database`` we may read from: let in (trust), or logged in with the
        owner's credentials; the session made read-only, and its unqualified names the server's
    own (``OWN_NAMES``), before anything else is asked."""
    stream, greeting = await open_connection(transport, endpoint, database)
    try:
        if not greeting.ok and greeting.error is None and greeting.asks is not None:
            greeting = await _login(transport, endpoint, stream, greeting)
        if greeting.error is not None and greeting.tls_failed:
            raise DeniedError(
                f"refused in clear ({greeting.error.text}), and over TLS: {greeting.tls_failed}"
            )
        if greeting.error is not None:
            raise greeting.error
        if not greeting.ok:
            asks = f"the server asks for {ASKS.get(greeting.asks or -1, 'a login')}"
            if greeting.asks is not None:
                # An AuthenticationRequest we had no credentials for: the protocol's refusal.
                raise DeniedError(asks)
            raise ProtocolError(asks)
        return await session(stream, greeting)
    except BaseException:
        await stream.close()
        raise


async def session(stream: TcpStream, greeting: Greeting) -> Connection:
    """The connection of a server that let us in (``greeting``), its session made read-only
    and its unqualified names the server's own, before anything else is asked."""
    conn = Connection(stream, greeting)
    await conn.run(READ_ONLY)
    await conn.run(OWN_NAMES)
    if greeting.params.get("server_encoding", "").upper() == "SQL_ASCII":
        await conn.run(RAW_ENCODING)
    return conn


async def _login(
    transport: Transport, endpoint: Endpoint, stream: TcpStream, greeting: Greeting
) -> Greeting:
    """The owner's password, the way the server asks for it (MD5 or SCRAM-SHA-256; a
    cleartext password only where the net layer allows credentials to travel)."""
    try:
        login = transport.login(endpoint.host, encrypted=stream.verified)
    except PolicyError as exc:
        if stream.tls_failed:
            raise PolicyError(f"{exc} (its TLS failed: {stream.tls_failed})") from None
        raise
    if login is None:
        return greeting
    user, password = endpoint.user or login[0] or DEFAULT_USER, login[1]

    async def send(body: bytes) -> Greeting:
        got = await stream.exchange("auth", message(b"p", body), _greeted)
        assert got is not None
        return got

    if greeting.asks == 3:
        return await send(password.encode() + b"\0")
    if greeting.asks == 5:
        inner = hashlib.md5((password + user).encode()).hexdigest()  # noqa: S324 - the protocol
        return await send(
            b"md5"
            + hashlib.md5(  # noqa: S324 - the protocol's own hash
                inner.encode() + greeting.salt
            )
            .hexdigest()
            .encode()
            + b"\0"
        )
    if greeting.asks == 10 and MECHANISM in greeting.mechanisms:
        scram = Scram("", password)  # the user is the startup's; SCRAM's name is left empty
        first = scram.first()
        challenge = await send(MECHANISM.encode() + b"\0" + struct.pack(">i", len(first)) + first)
        if challenge.asks != 11:
            return challenge
        final = await send(scram.final(challenge.salt))
        if final.asks != 12:
            return final
        scram.verify(final.salt)
        return await _finish(stream)
    return greeting


async def _finish(stream: TcpStream) -> Greeting:
    """After SASL's final message: AuthenticationOk and the rest of the greeting."""

    async def rest(frames: FrameReader) -> Greeting:
        return await _greeted(frames)

    # Nothing is sent: read what the server already sent after its final message.
    got = await stream.exchange("auth", b"", rest)
    assert got is not None
    return got


JSON_TYPES = frozenset({114, 3802})  # json, jsonb
INTEGER_TYPES = frozenset({20, 21, 23})  # int8, int2, int4
TYPED = JSON_TYPES | INTEGER_TYPES  # the types whose text ``cell`` reads into a value


def json_value(value: str | None) -> Any:
    """A json or jsonb column's text parsed (text that does not parse stays text)."""
    if value is None:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value


def cell(value: str | None, type_oid: int) -> Any:
    """A text value as detection reads it: JSON parsed, integers as numbers."""
    if value is None:
        return None
    if type_oid in JSON_TYPES:
        return json_value(value)
    if type_oid in INTEGER_TYPES and len(value) < 20:
        try:
            return int(value)
        except ValueError:
            return value
    return value
