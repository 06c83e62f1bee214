"""Raw TCP through the policy, for store kinds that speak their own protocol.

A ``TcpStream`` is one connection to one in-scope endpoint. A command leaves only through
``exchange``: the gate checks it against the kind's command allow-list and audits it before
the first byte is written; the reply is read within the read and total deadlines and under a
byte budget (``Limits.max_body``), so a peer that stalls, lies about a length or sends a
2 GB frame costs one bounded error, never memory or time beyond the limits.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import TypeVar

from ..errors import (
    ClosedError,
    ConnectError,
    ConnectionLost,
    ProtocolError,
    TimeoutError_,
    TlsError,
    TooLargeError,
)
from ..models import TlsInfo
from .policy import Gate, Limits, Policy, describe
from .tls import for_credentials, tls_info, untrusted

T = TypeVar("T")


class FrameReader:
    """Reads one reply: every read within the read deadline, all of it within a byte budget.

    Bytes are taken from the socket in chunks and the reply is cut from them in memory: a
    deadline is armed only when more bytes must be awaited, not for every line and length of
    a reply (a Redis page of 1,000 hashes is ~50,000 of them, and one timer each cost more
    than everything else the read did). ``pending`` is what was received beyond the reply,
    handed to the connection's next reader.
    """

    CHUNK = 256 * 1024  # bytes asked of the socket at once

    def __init__(
        self,
        reader: asyncio.StreamReader,
        limits: Limits,
        pending: bytes = b"",
        *,
        first_wait: float | None = None,
        every_wait: float | None = None,
    ) -> None:
        self._reader = reader
        self._limits = limits
        self.budget = limits.max_body
        self._data = pending
        self._pos = 0
        # Seconds the reply's first bytes may take, where longer than the read deadline (a
        # server that computes over a whole collection before it answers); every later
        # read is held to the read deadline again.
        self._first_wait = first_wait
        # Seconds any read of the reply may take, where longer than the read deadline (a
        # server that passes over rows it does not send anywhere in a part of a stream).
        self._every_wait = every_wait
        # Seconds the reads waited past the read deadline, all together: the server's silence
        # that only a longer wait allowed (not the time the reply took to arrive).
        self.silent = 0.0

    @property
    def pending(self) -> bytes:
        """Bytes received and not yet read: the start of whatever the peer sends next."""
        return self._data[self._pos :]

    def _spend(self, n: int) -> None:
        if n < 0:
            raise ProtocolError(f"negative length {n} in the reply")
        if n > self.budget:
            raise TooLargeError(f"reply over the {self._limits.max_body} byte cap")
        self.budget -= n

    async def _receive(self, closed: str) -> bytes:
        """The next bytes from the socket, within the read deadline; ProtocolError(closed)
        when the peer closed the connection instead."""
        timeout = self._limits.read_timeout
        if self._every_wait is not None:
            timeout = max(timeout, self._every_wait)
        if self._first_wait is not None:
            timeout, self._first_wait = max(timeout, self._first_wait), None
        began = time.monotonic() if timeout > self._limits.read_timeout else None
        try:
            async with asyncio.timeout(timeout):
                chunk = await self._reader.read(self.CHUNK)
        except TimeoutError as exc:
            raise TimeoutError_(f"read timed out after {timeout:g}s") from exc
        finally:
            if began is not None:
                self.silent += max(0.0, time.monotonic() - began - self._limits.read_timeout)
        if not chunk:
            raise ConnectionLost(closed)
        return chunk

    async def first(self, limit: int = 512) -> bytes:
        """Whatever the peer sends first, up to ``limit`` bytes (what is buffered, else the
        next chunk received); b"" when it closes without a byte."""
        if self._pos >= len(self._data):
            try:
                self._data, self._pos = await self._receive(""), 0
            except ProtocolError:
                return b""
        out = self._data[self._pos : self._pos + limit]
        self.advance(len(out))
        return out

    async def exactly(self, n: int) -> bytes:
        """``n`` bytes, or ProtocolError if the peer closes first."""
        self._spend(n)
        end = self._pos + n
        if end <= len(self._data):
            out = self._data[self._pos : end]
            self._pos = end
            return out
        parts = [self._data[self._pos :]]
        have = len(parts[0])
        self._data, self._pos = b"", 0
        while have < n:  # chunks joined once: a long value is not copied at every read
            chunk = await self._receive(f"connection closed after {have} of {n} bytes")
            parts.append(chunk)
            have += len(chunk)
        joined = b"".join(parts)
        self._data = joined[n:]
        return joined[:n]

    def buffered(self) -> tuple[bytes, int]:
        """The bytes received and not read yet, without a copy: the buffer and the offset in
        it where they start (a parser that walks many frames at once reads them in place)."""
        return self._data, self._pos

    def advance(self, n: int) -> None:
        """Mark ``n`` of the buffered bytes as read (spent from the budget)."""
        if n > len(self._data) - self._pos:
            raise ProtocolError(f"{n} bytes read of a buffer that holds fewer")
        self._spend(n)
        self._pos += n

    async def fill(self, n: int) -> None:
        """Receive until ``n`` bytes are buffered unread; those ``n`` are checked against the
        budget before any is read (TooLargeError), ProtocolError if the peer closes first."""
        if n > self.budget:
            raise TooLargeError(f"reply over the {self._limits.max_body} byte cap")
        parts = [self._data[self._pos :]]
        have = len(parts[0])
        while have < n:
            chunk = await self._receive(f"connection closed after {have} of {n} bytes")
            parts.append(chunk)
            have += len(chunk)
        self._data, self._pos = b"".join(parts), 0

    async def line(self, limit: int = 64 * 1024) -> bytes:
        """One line ending in CRLF (returned without it); ProtocolError past ``limit`` bytes."""
        while True:
            end = self._data.find(b"\r\n", self._pos)
            if end >= 0:
                size = end + 2 - self._pos
                if size > limit:
                    break
                self._spend(size)
                out = self._data[self._pos : end]
                self._pos = end + 2
                return out
            if len(self._data) - self._pos >= limit:
                break
            chunk = await self._receive("connection closed in the middle of a line")
            self._data = self._data[self._pos :] + chunk
            self._pos = 0
        self._spend(limit)
        raise ProtocolError(f"a line longer than {limit} bytes")


class TcpStream:
    """One connection of a kind that speaks its own protocol; commands leave only through
    ``exchange``, after the gate admitted them."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        gate: Gate,
        host: str,
        port: int,
        allow: Policy,
        url: str,
    ) -> None:
        self._reader, self._writer = reader, writer
        self._gate, self._host, self._port = gate, host, port
        self._allow = allow
        self.url = url
        self.closed = False
        self._pending = b""  # received beyond the last reply read
        # Encrypted with the server's certificate and name checked (``start_tls``): what
        # lets an owner's password travel (``Transport.login``).
        self.verified = False
        # Why a connection whose server offered TLS is in clear: the handshake that failed
        # on the connection before it (set by the kind, which asked).
        self.tls_failed: str | None = None
        # Seconds the server was silent past the read deadline in the last reply or part
        # read, however it ended (``FrameReader.silent``): what a longer ``wait`` allowed.
        self.silent = 0.0

    def certificate(self) -> TlsInfo | None:
        """What the report says of the connection's TLS: its peer's certificate (None in
        clear)."""
        return tls_info(self._writer)

    @property
    def tls(self) -> ssl.SSLObject | None:
        """The TLS session, when the connection is encrypted."""
        obj = self._writer.get_extra_info("ssl_object")
        return obj if isinstance(obj, ssl.SSLObject) else None

    async def start_tls(self, context: ssl.SSLContext) -> None:
        """Encrypt the connection, once the protocol's own request for TLS was granted
        (PostgreSQL's SSLRequest, MySQL's SSL request). Bytes the server sent after its
        grant, before the handshake, would be read as if they had come encrypted: a man in
        the middle's injection (CVE-2021-23214 in libpq), so the connection is refused."""
        if self.closed:
            raise ClosedError("the connection was closed after an error")
        buffered = getattr(self._reader, "_buffer", b"")  # asyncio's, not yet read
        if self._pending or buffered:
            await self.close()
            raise ProtocolError("the server sent more than its grant of TLS before the handshake")
        try:
            async with asyncio.timeout(self._gate.limits.connect_timeout):
                await self._writer.start_tls(context, server_hostname=self._host)
        except TimeoutError as exc:
            await self.close()
            limit = self._gate.limits.connect_timeout
            raise TimeoutError_(f"TLS handshake timed out after {limit:g}s") from exc
        except ssl.SSLCertVerificationError as exc:
            await self.close()
            raise TlsError(untrusted(exc, _hint(context))) from exc
        except ssl.SSLError as exc:
            await self.close()
            raise ProtocolError(f"TLS handshake failed: {describe(exc)}") from exc
        except (ConnectionError, OSError) as exc:
            await self.close()
            raise ProtocolError(f"connection broken in the TLS handshake: {describe(exc)}") from exc
        self.verified = context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname

    async def exchange(
        self,
        command: str,
        payload: bytes,
        read_reply: Callable[[FrameReader], Awaitable[T]] | None,
        *,
        statement: str = "",
        wait: float | None = None,
        beside: bool = False,
        quiet: bool = False,
    ) -> T | None:
        """Send one command's bytes and read its reply with ``read_reply`` (None: no reply).

        ``command`` is the name the allow-list knows it by (``statement``: the text of a SQL
        statement, judged too); nothing is written unless it is allowed. A connection that
        failed midway is closed: its framing can no longer be trusted. ``wait``: seconds the
        server may take before its reply when that is longer than the read deadline (a reply
        it must compute over a whole collection first); the reply's total deadline grows by
        as much. ``beside``: a question asked beside a request of the same probe still pending
        (``probes/foreign.racing``): paced by the host's rate, it takes no concurrency slot,
        which that request holds (with every slot so held, it would wait for their deadline).
        ``quiet``: ``wait`` holds for every read of the reply, not its first bytes alone.
        """
        replies = await self._send(
            [(command, payload)], read_reply, statement, wait, beside, quiet=quiet
        )
        return replies[0] if replies else None

    async def more(
        self, read_reply: Callable[[FrameReader], Awaitable[T]], *, wait: float | None = None
    ) -> T:
        """Read on in a reply that ``exchange`` left unfinished (its reader returned at a part
        of it): nothing is written, so there is nothing for the allow-list to judge; the
        part is held to a reply's budget and deadlines, as a reply is. ``wait``: seconds
        the server may be silent before any bytes of the part, and between any of them,
        when longer than the read deadline (rows it passes over without sending); the
        part's total deadline grows by what ``wait`` adds to the read deadline, once."""
        replies = await self._send([], read_reply, wait=wait, reading_on=True, quiet=True)
        return replies[0]

    async def pipeline(
        self,
        requests: Sequence[tuple[str, bytes]],
        read_reply: Callable[[FrameReader], Awaitable[T]],
    ) -> list[T]:
        """Send several commands at once and read their replies in order: every command is
        admitted before the first byte is written; the replies together are within one
        budget and one total deadline."""
        return await self._send(requests, read_reply)

    async def _send(
        self,
        requests: Sequence[tuple[str, bytes]],
        read_reply: Callable[[FrameReader], Awaitable[T]] | None,
        statement: str = "",
        wait: float | None = None,
        beside: bool = False,
        reading_on: bool = False,
        quiet: bool = False,
    ) -> list[T]:
        self.silent = 0.0
        if self.closed:
            raise ClosedError("the connection was closed after an error")
        for command, _ in requests:
            self._gate.admit(self._host, self._port, command, statement, self._allow, self.url)
        limits = _waiting(self._gate.limits, wait)
        async with (self._gate.paced if beside else self._gate.slot)(self._host):
            try:
                async with asyncio.timeout(limits.total_timeout):
                    if requests:
                        self._writer.write(b"".join(payload for _, payload in requests))
                        await self._writer.drain()
                    if read_reply is None:
                        return []
                    frames = FrameReader(
                        self._reader,
                        limits,
                        self._pending,
                        first_wait=None if quiet else wait,
                        every_wait=wait if quiet else None,
                    )
                    count = 1 if reading_on else len(requests)
                    try:
                        replies = [await read_reply(frames) for _ in range(count)]
                    finally:
                        self.silent = frames.silent
                    self._pending = frames.pending
                    return replies
            except TimeoutError as exc:
                await self.close()
                raise TimeoutError_(f"no complete answer within {limits.total_timeout:g}s") from exc
            except (ConnectionError, OSError) as exc:
                await self.close()
                raise ConnectionLost(f"connection broken: {describe(exc)}") from exc
            except BaseException:
                await self.close()
                raise

    async def close(self) -> None:
        """Close the connection (idempotent, never raises)."""
        if self.closed:
            return
        self.closed = True
        self._writer.close()
        try:
            async with asyncio.timeout(1.0):
                await self._writer.wait_closed()
        except (TimeoutError, ConnectionError, OSError, ssl.SSLError):
            pass


def _hint(context: ssl.SSLContext) -> str:
    """How to have a certificate of an unknown CA trusted: its CA, and where the context
    verifies for the owner's credentials alone (not for a target URL's ``verify-*``), the
    choice of sending them all the same."""
    if for_credentials(context):
        return "give its CA with --ca-file, or --insecure-auth to send the credentials all the same"
    return "give its CA with --ca-file"


def _waiting(limits: Limits, wait: float | None) -> Limits:
    """``limits`` with a total deadline longer by what waiting ``wait`` seconds for the
    reply's first bytes adds to the read deadline (the wait itself is the FrameReader's,
    for those first bytes alone, or for every read of a ``quiet`` reply: once, all the
    same, so a peer silent for nearly ``wait`` before each byte is cut off at that
    deadline)."""
    if wait is None or wait <= limits.read_timeout:
        return limits
    return replace(limits, total_timeout=limits.total_timeout + wait - limits.read_timeout)


async def connect(
    gate: Gate,
    host: str,
    port: int,
    allow: Policy,
    *,
    scheme: str,
    tls: ssl.SSLContext | None = None,
) -> TcpStream:
    """A connection to an in-scope endpoint, within the connect deadline."""
    gate.scope.check_endpoint(host, port)
    limits = gate.limits
    try:
        async with asyncio.timeout(limits.connect_timeout):
            reader, writer = await asyncio.open_connection(
                host, port, ssl=tls, server_hostname=host if tls else None, limit=256 * 1024
            )
    except TimeoutError as exc:
        raise TimeoutError_(f"connect timed out after {limits.connect_timeout:g}s") from exc
    except ConnectionRefusedError as exc:
        raise ConnectError("connection refused") from exc
    except ssl.SSLCertVerificationError as exc:
        assert tls is not None
        raise TlsError(untrusted(exc, _hint(tls))) from exc
    except ssl.SSLError as exc:
        raise ProtocolError(f"TLS handshake failed: {describe(exc)}") from exc
    except OSError as exc:
        text = describe(exc)
        if "name or service not known" in text.lower():
            raise ConnectError("host name does not resolve") from exc
        raise ConnectError(text) from exc
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    stream = TcpStream(reader, writer, gate, host.lower(), port, allow, f"{scheme}://{netloc}")
    stream.verified = (
        tls is not None and tls.verify_mode == ssl.CERT_REQUIRED and tls.check_hostname
    )
    return stream
