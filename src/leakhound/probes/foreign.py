"""Who answers on a port when it is not the kind a probe asked for: another protocol named
from its first bytes, and a harmless question that makes a silent server say them.

A server that speaks first (MySQL's greeting) or answers a probe's first message (Redis's
``-ERR``, PostgreSQL's ``E``, an HTTP status line) names its protocol at once. One that waits
for more bytes than a probe sends (Redis for a line's end, an HTTP server for its request
line, MongoDB for a whole header) would keep a probe waiting until its read deadline: so a
probe whose answer is late asks again, on a connection of its own, with ``ASK``, an HTTP/1.0
``HEAD /`` and its blank line (no ``Host:``: Redis drops a connection that sends one). It
writes nothing anywhere: an HTTP server answers a status line; Redis an error for an
unknown command; PostgreSQL and MongoDB read a length no message has and close; MySQL has
greeted before it reads a byte. It holds no NUL, so Redis finds its line's end (it looks for
it with ``strchr``), and is longer than MongoDB's 16-byte header.
"""

from __future__ import annotations

import asyncio
import re
import struct
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import NamedTuple, TypeVar

from ..errors import NetError, ProtocolError, TimeoutError_
from ..models import Endpoint
from ..net import FrameReader, Policy, Transport

T = TypeVar("T")

ASK = b"HEAD / HTTP/1.0\r\n\r\n"
# Seconds a probe's first answer may be late before the probe asks who is there: a server of
# its kind answers a handshake within milliseconds; a server of another protocol that waits
# for more bytes never does. The answer is still awaited to its own deadline meanwhile (a
# server of the kind that is only slow is not lost).
QUIET = 1.0
CLOSED = "closed"  # the protocol of a server that closed the connection without a byte
TEXT = "text"  # a line of text of no protocol known here


class Named(NamedTuple):
    """A protocol named from a server's first bytes: a short id and what to tell a user."""

    protocol: str  # http, tls, redis, mysql, postgresql, mongodb, ssh, text, closed
    said: str  # "an HTTP server ('HTTP/1.1 400 Bad Request')"; closed: "it closes…"
    failure: str = ""  # how the probe's own attempt failed, when it did (``racing``)


def _line(data: bytes, limit: int = 80) -> str:
    """The first line of ``data``, printable ASCII only, at most ``limit`` characters."""
    first = data.split(b"\n", 1)[0].rstrip(b"\r")[:limit]
    return "".join(chr(b) if 32 <= b < 127 else "?" for b in first)


_RESP_ERROR = re.compile(rb"[-+][A-Z]{2,20}\b")


def named(first: bytes) -> Named | None:
    """The protocol a server's first bytes belong to, or None when they say nothing known."""
    if not first:
        return Named(CLOSED, "it closes the connection without a byte")
    if first.startswith(b"HTTP/") or b"HTTP/".startswith(first):  # or its first bytes
        return Named("http", f"an HTTP server ({_line(first)!r})")
    if len(first) >= 3 and first[0] in (0x15, 0x16) and first[1] == 3:
        what = "an alert" if first[0] == 0x15 else "a handshake"
        return Named("tls", f"a TLS server ({what})")
    if _RESP_ERROR.match(first):
        return Named("redis", f"a Redis server ({_line(first)!r})")
    if len(first) >= 5 and first[3] == 0 and first[4] in (10, 0xFF):
        # A MySQL packet: 3-byte length, sequence 0, protocol 10 (a greeting) or an error.
        if first[4] == 10:
            version, ends, _ = first[5:].partition(b"\0")
            shown = f" {_line(version, 40).removeprefix('5.5.5-')!r}" if ends else ""
            return Named("mysql", f"a MySQL or MariaDB server (greeting{shown})")
        return Named("mysql", f"a MySQL or MariaDB server ({_line(first[7:])!r})")
    if len(first) >= 5 and first[:1] in (b"E", b"R"):
        (length,) = struct.unpack(">i", first[1:5])
        if 8 <= length <= 65536 and (first[:1] == b"R" or first[5:6] in (b"S", b"V", b"C")):
            message = re.search(rb"\0M([^\0]{1,200})", first)
            shown = f" ({_line(message[1])!r})" if message else ""
            return Named("postgresql", f"a PostgreSQL server{shown}")
    if len(first) >= 16:
        length, _, _, opcode = struct.unpack_from("<iiii", first)
        if 16 <= length <= 48 * 1024 * 1024 and opcode in (1, 2013):
            return Named("mongodb", "a MongoDB server")
    if first.startswith(b"SSH-"):
        return Named("ssh", f"an SSH server ({_line(first)!r})")
    head = first.split(b"\n", 1)[0].rstrip(b"\r")
    if head and all(32 <= b < 127 for b in head):
        return Named(TEXT, f"a server of a text protocol ({_line(first)!r})")
    return None


def named_after(head: bytes, frames: FrameReader) -> Named | None:
    """What a reply names, from the bytes already read of it (``head``) and those received
    after them, without reading more."""
    data, pos = frames.buffered()
    return named(head + data[pos : pos + 512])


async def _first(frames: FrameReader) -> bytes:
    """The first bytes of an answer: up to a line's end or 64 bytes, or what came within
    ``QUIET`` of the first (a server that drips its answer is not waited for, however short
    its pauses: the question costs at most a second beyond the first bytes)."""
    data = await frames.first()
    try:
        async with asyncio.timeout(QUIET):
            while data and b"\n" not in data and len(data) < 64:
                more = await frames.first(64 - len(data))
                if not more:
                    break
                data += more
    except (TimeoutError, TimeoutError_):
        pass
    return data


async def identify(
    transport: Transport,
    endpoint: Endpoint,
    allow: Policy,
    *,
    scheme: str,
    command: str,
    own: frozenset[str],
    ask: bytes = ASK,
    path: str = "",
) -> Named | None:
    """Ask the endpoint who it is on a connection of its own: ``ask`` sent as ``command``
    (``path``: what the allow-list judges beside it), its first bytes named; None when the
    connection fails, or the answer names nothing or one of the ``own`` protocols (those a
    server of the asking kind could answer with). The question counts in the host's rate but
    holds no concurrency slot: the request it is asked beside holds one."""
    try:
        stream = await transport.tcp(endpoint.host, endpoint.port, allow, scheme=scheme)
    except NetError:
        return None
    try:
        first = await stream.exchange(command, ask, _first, statement=path, beside=True)
    except NetError:
        return None
    finally:
        await stream.close()
    said = named(first or b"")
    return None if said is None or said.protocol in own else said


async def racing(
    reply: Awaitable[T],
    ask: Callable[[], Awaitable[Named | None]],
    *,
    after: float = 0.0,
    decisive: Callable[[Named], bool] = lambda said: True,
) -> T | Named:
    """``reply``'s result, or what ``ask`` names.

    ``ask`` starts once ``reply`` has been pending ``after`` seconds (a reply or an error
    before then is returned or raised as it is). A reply that arrives wins. A ``decisive``
    name given while the reply is pending wins over it (the reply is abandoned); any name
    wins over a reply that failed on the network (its ``failure`` says how), unless the
    reply timed out before the name came: then, as otherwise, the reply's own result or
    error.
    """
    main = asyncio.ensure_future(reply)
    side: asyncio.Future[Named | None] | None = None

    def answered() -> bool:  # the reply is in, or failed otherwise than on the network
        return main.done() and not isinstance(main.exception(), NetError)

    try:
        if after > 0:
            await asyncio.wait({main}, timeout=after)
            if main.done():  # not late: its own answer, or its own error
                return await main
        side = asyncio.ensure_future(ask())
        await asyncio.wait({main, side}, return_when=asyncio.FIRST_COMPLETED)
        if side.done() and not main.done():
            said = side.result()
            if said is not None and decisive(said):
                return said
            await asyncio.wait({main})
        if answered():
            return await main
        if isinstance(main.exception(), TimeoutError_) and not side.done():
            # Silent to the kind's own request for the whole deadline: the question, asked
            # later on a server as silent, would only add its own deadline to the verdict.
            return await main
        said = await side
        if said is None:
            return await main
        return said._replace(failure=str(main.exception()))
    finally:
        for task in (main, side):
            if task is not None and not task.done():
                task.cancel()
                with suppress(asyncio.CancelledError, NetError):
                    await task


class Foreign(ProtocolError):
    """A probe's first answer was late, and the server, asked, answered as another
    protocol: the reason says both."""

    def __init__(self, said: Named, waited: str) -> None:
        self.said = said
        then = said.said if said.protocol == CLOSED else f"it answers as {said.said}"
        super().__init__(f"{waited} for {QUIET:g}s; asked again, {then}")
