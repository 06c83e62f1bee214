"""RESP, Redis's wire format: commands written as arrays of bulk strings, replies read bounded.

Replies are read through the network layer's ``FrameReader`` (every read within the deadline,
the whole reply within its byte budget), with limits of our own on what a hostile server could
otherwise make us build: array lengths, nesting, a declared bulk length.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import DeniedError, ProtocolError, TooLargeError
from ...net import FrameReader
from .. import foreign

# Error codes that refuse a command for want of credentials: no login (NOAUTH), an ACL user
# without the right (NOPERM), a wrong password (WRONGPASS), protected mode (DENIED).
REFUSALS = frozenset({"NOAUTH", "NOPERM", "WRONGPASS", "DENIED"})
MAX_ARRAY = 100_000  # elements in one reply array (SCAN COUNT and our reads stay far below)
MAX_DEPTH = 8  # nested arrays (XRANGE: entries of [id, [field, value…]])
MAX_LINE = 64 * 1024  # a simple string, an error, an integer or a length line
# Values in one reply, nested ones included: a 32 MiB reply of empty arrays ("*0\r\n") is 8
# million lists (over 500 MB, and the reply's whole deadline of CPU on the event loop). Our
# largest, 200 stream entries of a few hundred fields each, holds far fewer.
MAX_VALUES = 1_000_000


@dataclass(frozen=True, slots=True)
class RedisError:
    """An error reply (``-ERR …``, ``-NOAUTH …``): a value, not an exception."""

    message: str

    @property
    def code(self) -> str:
        """The first word: ERR, NOAUTH, NOPERM, DENIED, WRONGTYPE…"""
        return self.message.split(" ", 1)[0]

    @property
    def denied(self) -> bool:
        """Whether its code refuses for want of credentials (``REFUSALS``), whatever follows."""
        return self.code in REFUSALS

    def raised(self, what: str) -> ProtocolError:
        """This error as the exception of a command (``what``): ``DeniedError`` when denied."""
        cls = DeniedError if self.denied else ProtocolError
        return cls(f"{what}: {self.message[:200]}")


Reply = bytes | int | str | RedisError | list["Reply"] | None


def encode(*args: str | bytes | int) -> bytes:
    """One command as a RESP array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        raw = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    return b"".join(out)


# The first byte of every RESP2 and RESP3 reply.
_TYPES = frozenset(b"+-:$*_,#!=(%~>|")


async def read_reply(frames: FrameReader) -> Reply:
    """One reply; ProtocolError for anything that is not RESP, TooLargeError past
    ``MAX_VALUES`` values. A reply whose first byte is no RESP type is named at once (a
    MySQL greeting, which holds no line's end, would be read until the peer gives up)."""
    data, pos = frames.buffered()
    if pos >= len(data):
        try:
            await frames.fill(1)
        except ProtocolError as exc:
            raise ProtocolError("the server closes the connection without an answer") from exc
        data, pos = frames.buffered()
    if data[pos] not in _TYPES:
        said = foreign.named_after(b"", frames)
        if said is not None:
            raise ProtocolError(f"not a RESP reply: the server answers as {said.said}")
    return await _reply(frames, 0, [MAX_VALUES])


async def _reply(frames: FrameReader, depth: int, left: list[int]) -> Reply:
    """One value of a reply; ``left``: the values the reply may still hold."""
    left[0] -= 1
    if left[0] < 0:
        raise TooLargeError(f"a reply of over {MAX_VALUES:,} values")
    line = await frames.line(MAX_LINE)
    if not line:
        raise ProtocolError("an empty line where a RESP reply was expected")
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode("utf-8", "replace")
    if kind == b"-":
        return RedisError(" ".join(rest.decode("utf-8", "replace")[:500].split()))  # one line
    if kind == b":":
        return _int(rest, length=False)
    if kind == b"$":
        n = _int(rest)
        if n == -1:
            return None
        data = await frames.exactly(n + 2)
        if data[-2:] != b"\r\n":
            raise ProtocolError("a bulk string without its CRLF")
        return data[:-2]
    if kind == b"*":
        n = _int(rest)
        if n == -1:
            return None
        if n > MAX_ARRAY:
            raise ProtocolError(f"a reply array of {n} elements (over {MAX_ARRAY:,})")
        if depth >= MAX_DEPTH:
            raise ProtocolError("reply arrays nested too deep")
        if n > left[0]:  # refused before its elements are read
            raise TooLargeError(f"a reply of over {MAX_VALUES:,} values")
        return [await _reply(frames, depth + 1, left) for _ in range(n)]
    raise ProtocolError(f"not a RESP reply: {line[:40]!r}")


def _int(text: bytes, *, length: bool = True) -> int:
    """A RESP integer; a length is -1 (null) or more."""
    if not text or len(text) > 20 or not text.removeprefix(b"-").isdigit():
        raise ProtocolError(f"not a RESP integer: {text[:40]!r}")
    value = int(text)
    if not -(2**63) <= value < 2**63 or (length and value < -1):
        raise ProtocolError(f"a RESP {'length' if length else 'integer'} out of range: {value}")
    return value


def text(reply: Reply) -> str | None:
    """A bulk or simple string reply as text; None for anything else."""
    if isinstance(reply, bytes):
        return reply.decode("utf-8", "replace")
    return reply if isinstance(reply, str) else None


def info_fields(reply: Reply) -> dict[str, str]:
    """``INFO``'s "key:value" lines (sections and comments left out)."""
    out: dict[str, str] = {}
    for line in (text(reply) or "").splitlines():
        if line and not line.startswith("#") and ":" in line:
            key, _, value = line.partition(":")
            out[key.strip()[:100]] = value.strip()[:500]
    return out
