"""One connection to a MySQL or MariaDB server: the greeting, one login, statements out through
the allow-list, and the read-only transaction every read happens in.

The login is ``root`` (or the URL's user: ``mysql://reader@host``) with an empty password, or
the owner's credentials when they were given (``--auth``): never a guessed password. The
server speaks first, so reading its greeting is an exchange that writes nothing
(``startup``); the login's packets go out as ``auth``; every statement as ``query``, its text
judged by the allow-list before a byte is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...errors import NetError, PolicyError, ProtocolError, TlsError
from ...models import Endpoint
from ...net import FrameReader, TcpStream, Transport
from .. import foreign
from ..tls import TLS_DISABLED, tls_context
from .allow import ALLOW
from .sql import (
    READ_ONLY_SESSION,
    START,
    START_READ_ONLY,
    UTC_SESSION,
    rows_at_most,
    stream_session,
)
from .wire import (
    CACHING_SHA2,
    CLIENT_SSL,
    NATIVE,
    Column,
    Cursor,
    Decoder,
    Greeting,
    Packets,
    ResultSet,
    ServerError,
    Streamed,
    handshake_response,
    parse_error,
    parse_greeting,
    query,
    read_header,
    read_result,
    read_rows,
    scramble,
    ssl_request,
    text,
)

Decode = Callable[[tuple[Column, ...]], Decoder]
ROOT = "root"
CLEAR = "mysql_clear_password"
_ER_PARSE = 1064  # a statement the server does not know (READ ONLY before MySQL 5.6.5)
_MAX_AUTH_ROUNDS = 4  # switch, more data, fast-auth result, OK
_MYSQL = frozenset({"mysql"})  # a slow MySQL greets the question too: not another protocol


@dataclass
class Connection:
    """A logged-in connection; ``query`` sends one statement and returns its result set."""

    stream: TcpStream
    greeting: Greeting
    user: str
    packets: Packets = field(default_factory=Packets)
    read_only: bool = False  # the session refuses writes (False: a plain transaction)
    utc: bool = False  # TIMESTAMPs read in UTC (the session took time_zone = +00:00)
    streamed: Streamed | None = None  # the result set ``rows_part`` is reading

    async def run(self, sql: str, decoder: Decode | None = None) -> ResultSet | ServerError:
        """One statement's result (rows of raw values, or decoded by ``decoder``), or the
        server's error as a value."""
        self._idle()
        self.packets.reset()

        most = rows_at_most(sql)

        async def reply(frames: FrameReader) -> ResultSet | ServerError:
            return await read_result(self.packets, frames, decoder, most)

        got = await self.stream.exchange(
            "query", self.packets.encode(query(sql)), reply, statement=sql
        )
        assert got is not None
        return got

    async def query(
        self, sql: str, decoder: Decode | None = None, *, width: int | None = None
    ) -> ResultSet:
        """One statement's result; ServerError when the server refuses it. ``width``: the
        columns the statement asks for, where it names them (ProtocolError for a result of
        another width: a server answering some other question)."""
        got = await self.run(sql, decoder)
        if isinstance(got, ServerError):
            raise got
        if width is not None and len(got.columns) != width:
            raise ProtocolError(
                f"an answer of {len(got.columns)} columns where the statement asks for {width}"
            )
        return got

    async def rows_part(
        self, sql: str | None, decoder: Decode, upto: int, *, wait: float | None = None
    ) -> tuple[tuple[Column, ...], list[Any], bool]:
        """The first part of a statement's rows (``sql``), or with None the next part of the
        one under way: its columns, at least ``upto`` rows decoded (fewer at its end), and
        whether it ended; ServerError when the server refuses it or stops midway. Until it
        ends the connection asks nothing else. ``wait``: seconds the server may take before
        its answer, when longer than the read deadline (rows it passes over first)."""

        async def first(frames: FrameReader) -> tuple[list[Any], ServerError | None]:
            got = await read_header(self.packets, frames, decoder)
            if isinstance(got, ServerError):
                return [], got
            if not isinstance(got, Streamed):
                raise ProtocolError("an answer without rows where a table's rows were asked for")
            self.streamed = got
            return await read_rows(self.packets, frames, got, None, upto)

        async def more(frames: FrameReader) -> tuple[list[Any], ServerError | None]:
            assert self.streamed is not None
            return await read_rows(self.packets, frames, self.streamed, None, upto)

        if sql is not None:
            self._idle()
            self.packets.reset()
            got = await self.stream.exchange(
                "query", self.packets.encode(query(sql)), first, statement=sql, wait=wait
            )
            assert got is not None
        elif self.streamed is None or self.streamed.ended:
            raise ProtocolError("no result set under way to read on")
        else:
            got = await self.stream.more(more)
        rows, error = got
        if error is not None:
            raise error
        assert self.streamed is not None
        return self.streamed.columns, rows, self.streamed.ended

    def _idle(self) -> None:
        """ProtocolError, before a byte is written, while a result set is still being read
        (``rows_part``): the server sends its rows until their end, and a statement written
        meanwhile would have its answer read as rows of the first (or the rows as its
        answer)."""
        if self.streamed is not None and not self.streamed.ended:
            raise ProtocolError(
                "a statement on a connection whose result set is still being read: refused "
                "(the answers would be read out of step)"
            )

    async def begin(self) -> None:
        """A read-only session and transaction (a plain one where the server knows neither)."""
        got = await self.run(READ_ONLY_SESSION)
        if isinstance(got, ServerError) and got.code != _ER_PARSE:
            raise got
        self.read_only = not isinstance(got, ServerError)
        # A server that refuses the zone keeps its own: TIMESTAMPs then read in it.
        self.utc = not isinstance(await self.run(UTC_SESSION), ServerError)
        await self.query(START_READ_ONLY if self.read_only else START)

    async def streaming(self, *, mariadb: bool) -> None:
        """The session made fit to read a table in one statement (``sql.stream_session``:
        the server waits for a slow reader, and no statement timeout stops the read); a
        setting the server does not have (a statement timeout before MySQL 5.7.8 or MariaDB
        10.1) is left as it is."""
        for statement in stream_session(mariadb=mariadb):
            await self.run(statement)  # an error is a value: the setting is left alone

    async def close(self) -> None:
        """Close the connection (an open transaction is rolled back by the server)."""
        await self.stream.close()


async def greet(
    transport: Transport, endpoint: Endpoint, *, ask: bool = False
) -> tuple[TcpStream, Greeting, Packets]:
    """A TCP connection and the server's greeting; ServerError when the server refuses us
    before any login (1130: host not allowed), ProtocolError when it is not MySQL.

    Over TLS where the server offers it (CLIENT_SSL), as MySQL's own client connects by
    default (``--ssl-mode=PREFERRED``): a server that takes logins over TLS alone
    (``require_secure_transport``, an account ``REQUIRE SSL``) is let in as it would let
    anyone in. Where the handshake fails (a server of TLS 1.0 alone, a certificate the
    owner's password may not go to), in clear on a new connection, ``TcpStream.tls_failed``
    saying why. The target URL's ``ssl-mode`` (``Endpoint.tls``): ``REQUIRED`` and
    ``VERIFY_*`` take TLS only (TlsError where the server offers none; its failure raised);
    ``DISABLED`` never asks for it.

    ``ask`` (a verdict): a greeting late by ``foreign.QUIET`` seconds has the server asked
    who it is on another connection; one that answers as another protocol is not MySQL
    (``foreign.Foreign``), without waiting for a greeting until the read deadline."""
    stream, greeting, packets = await _greet(transport, endpoint, ask=ask)
    if endpoint.tls == "disable":
        stream.tls_failed = TLS_DISABLED
        return stream, greeting, packets
    if not greeting.capabilities & CLIENT_SSL:
        if endpoint.tls_required:
            await stream.close()
            raise TlsError("the server offers no TLS, which the target URL requires")
        return stream, greeting, packets
    try:
        # No answer: the TLS handshake follows at once.
        await stream.exchange("tls", packets.encode(ssl_request(greeting)), None)
        await stream.start_tls(tls_context(transport, endpoint))
    except NetError as exc:
        await stream.close()
        if endpoint.tls_required:
            if isinstance(exc, TlsError):
                raise
            raise TlsError(f"TLS, which the target URL requires, failed: {exc}") from exc
        stream, greeting, packets = await _greet(transport, endpoint)
        stream.tls_failed = str(exc)
    return stream, greeting, packets


async def _greet(
    transport: Transport, endpoint: Endpoint, *, ask: bool = False
) -> tuple[TcpStream, Greeting, Packets]:
    stream = await transport.tcp(endpoint.host, endpoint.port, ALLOW, scheme="mysql")
    packets = Packets()

    async def first(frames: FrameReader) -> Greeting:
        return parse_greeting(await packets.read(frames))

    async def who() -> foreign.Named | None:
        return await foreign.identify(
            transport, endpoint, ALLOW, scheme="mysql", command="identify", own=_MYSQL
        )

    try:
        reply = stream.exchange("startup", b"", first)
        greeting = await (foreign.racing(reply, who, after=foreign.QUIET) if ask else reply)
        if isinstance(greeting, foreign.Named):
            raise foreign.Foreign(greeting, "no greeting")
    except BaseException:
        await stream.close()
        raise
    assert greeting is not None
    return stream, greeting, packets


def credentials(
    transport: Transport, endpoint: Endpoint, stream: TcpStream | None = None
) -> tuple[str, str]:
    """The owner's user (else the URL's, else root) and password (PolicyError where they may
    not travel over ``stream``: in clear, or over TLS to a certificate not trusted); without
    credentials, the URL's user or root with an empty password."""
    try:
        login = transport.login(endpoint.host, encrypted=stream is not None and stream.verified)
    except PolicyError as exc:
        if stream is not None and stream.tls_failed:
            raise PolicyError(f"{exc} (its TLS failed: {stream.tls_failed})") from None
        raise
    if login is not None:
        return login[0] or endpoint.user or ROOT, login[1]
    return endpoint.user or ROOT, ""


async def log_in(
    stream: TcpStream, greeting: Greeting, packets: Packets, user: str, password: str
) -> ServerError | None:
    """The login's exchange to its end: None once the server says OK, its error otherwise."""

    async def reply(frames: FrameReader) -> bytes:
        return await packets.read(frames)

    async def send(payload: bytes) -> bytes:
        got = await stream.exchange("auth", packets.encode(payload), reply)
        assert got is not None
        return got

    plugin = greeting.plugin if greeting.plugin in (NATIVE, CACHING_SHA2) else NATIVE
    tls = stream.tls is not None
    answer = await send(handshake_response(greeting, user, password, tls=tls))
    for _ in range(_MAX_AUTH_ROUNDS):
        head = answer[:1]
        if head == b"\x00":
            return None
        if head == b"\xff":
            return parse_error(answer)
        if head == b"\xfe":  # AuthSwitchRequest: another plugin, another nonce
            cur = Cursor(answer[1:])
            if not cur.left:
                raise ProtocolError("the server asks for the pre-4.1 password hash: refused")
            plugin = text(cur.nul(), 64)
            nonce = cur.rest().rstrip(b"\0")
            answer = await send(_switch(plugin, password, nonce))
        elif head == b"\x01" and plugin == CACHING_SHA2:
            if answer[1:] == b"\x03":  # fast authentication succeeded: an OK follows
                answer = await _next(stream, packets)
            elif answer[1:] == b"\x04" and tls:
                # Full authentication over TLS: the password itself, as MySQL's client sends
                # it there (it may travel: ``credentials`` said so for this connection).
                answer = await send(password.encode() + b"\0")
            elif answer[1:] == b"\x04":
                raise ProtocolError(
                    "caching_sha2_password asks for full authentication (the "
                    "password is not in the server's cache): that needs TLS "
                    "or the server's RSA key, which leakhound does not use"
                )
            else:
                raise ProtocolError("an unexpected caching_sha2_password message")
        else:
            raise ProtocolError(f"not a MySQL login answer: {answer[:20]!r}")
    raise ProtocolError("a login that never ends")


def _switch(plugin: str, password: str, nonce: bytes) -> bytes:
    """The auth response for the plugin the server switched to."""
    if plugin == CLEAR:  # LDAP/PAM accounts: the password itself, where it may travel
        return password.encode() + b"\0"
    return scramble(plugin, password, nonce)


async def _next(stream: TcpStream, packets: Packets) -> bytes:
    """One more packet of the login, which the server sends without being asked."""

    async def reply(frames: FrameReader) -> bytes:
        return await packets.read(frames)

    # Nothing is written: the server goes on by itself (its OK after fast authentication).
    got = await stream.exchange("auth", b"", reply)
    assert got is not None
    return got


async def connect(transport: Transport, endpoint: Endpoint) -> Connection:
    """A connection logged in (the owner's credentials, else root without a password) and in
    a read-only transaction; ServerError when the login or the transaction is refused."""
    stream, greeting, packets = await greet(transport, endpoint)
    try:
        user, password = credentials(transport, endpoint, stream)
    except BaseException:
        await stream.close()
        raise
    conn = Connection(stream, greeting, user, packets)
    try:
        refused = await log_in(stream, greeting, packets, user, password)
        if refused is not None:
            raise refused
        await conn.begin()
    except BaseException:
        await conn.close()
        raise
    return conn
