"""PostgreSQL's frontend/backend protocol (3.0), the part leakhound speaks: a startup message,
the owner's login, simple queries and their text results, and ``COPY … TO STDOUT``'s rows.

Every backend message is a type byte and a length; the length is checked against the reply
budget before its body is read (``FrameReader``), so a server that declares 2 GB costs one
error, not memory.
"""

from __future__ import annotations

import codecs
import struct
from dataclasses import dataclass, field
from typing import Any

from ...errors import ProtocolError
from ...net import FrameReader
from .. import foreign

PROTOCOL = 196608  # 3.0
MAX_MESSAGES = 2_000_000  # messages in one reply (rows of a page, and their framing)
# The backend messages our startup, logins and simple queries can bring (no extended
# protocol): anything else is not a PostgreSQL server answering us.
_EXPECTED = frozenset(b"REASKZTDCIN"[i : i + 1] for i in range(11))
# What the answer to a COPY … TO STDOUT brings: CopyOutResponse, CopyData, CopyDone, then as a
# query's end (CommandComplete, ErrorResponse, notices, ReadyForQuery).
_COPY_EXPECTED = frozenset(b"HdcCENSAZ")
_MAX_OTHER = 1 << 20  # bytes of any message but a row: the server's are tens of bytes
_LENGTH = struct.Struct(">i").unpack_from  # a message's length, after its type byte


# A database of encoding SQL_ASCII holds whatever bytes were written to it: its session
# reads them as they are (``allow.RAW_ENCODING``; a UTF8 session would have the server refuse
# the first value that is not UTF-8), and they are read here as UTF-8 where they are, each
# byte that is not as the character of its number (Latin-1, the most common encoding such
# text was written in: "jos\xe9@x.com" is "josé@x.com", as its UTF-8 spelling is). Two
# values that differ stay two but where they spell the same text, never one "\ufffd".
STRAY = "leakhound-latin1"


def _stray_bytes(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error(STRAY, _stray_bytes)


def startup(user: str, database: str) -> bytes:
    """The StartupMessage: who we are, which database, and our name for the server's logs.
    The session's time zone is UTC (no statement sent: a startup parameter): timestamps
    with a zone are printed, ranged and counted a year in UTC, as the other stores' are."""
    params = b"".join(
        f"{k}\0{v}\0".encode()
        for k, v in (
            ("user", user),
            ("database", database),
            ("application_name", "leakhound"),
            ("client_encoding", "UTF8"),
            ("TimeZone", "UTC"),
        )
    )
    body = struct.pack(">i", PROTOCOL) + params + b"\0"
    return struct.pack(">i", len(body) + 4) + body


def message(kind: bytes, body: bytes) -> bytes:
    """One frontend message: its type byte, length and body."""
    return kind + struct.pack(">i", len(body) + 4) + body


def query(sql: str) -> bytes:
    """A simple Query message."""
    return message(b"Q", sql.encode() + b"\0")


async def read_message(frames: FrameReader) -> tuple[bytes, bytes]:
    """One backend message: (type, body)."""
    head = await frames.exactly(5)
    kind, (length,) = head[:1], struct.unpack(">i", head[1:])
    if length < 4:
        raise ProtocolError(f"a PostgreSQL message with length {length}")
    if kind not in _EXPECTED:
        said = foreign.named_after(head, frames)
        shown = f"the server answers as {said.said}" if said else repr(head[:5])
        raise ProtocolError(f"not a PostgreSQL message: {shown}")
    return kind, await frames.exactly(length - 4)


def error_fields(body: bytes) -> dict[str, str]:
    """An ErrorResponse's fields: S severity, C SQLSTATE, M message…"""
    out: dict[str, str] = {}
    for part in body.split(b"\0"):
        if part:
            out[chr(part[0])] = part[1:].decode("utf-8", "replace")[:300]
    return out


class ServerError(ProtocolError):
    """The server answered an ErrorResponse: its SQLSTATE and message kept."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.code = fields.get("C", "")
        self.text = " ".join(fields.get("M", "").split())  # one line, whatever the server wrote
        super().__init__(f"{self.code}: {self.text}"[:300])

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its fields: a worker process hands it back to the scan.
        return (type(self), ({"C": self.code, "M": self.text},))

    @property
    def denied(self) -> bool:
        """Whether its SQLSTATE refuses for want of credentials or privileges: class 28
        (invalid authorization: pg_hba, a wrong password) or 42501 (insufficient_privilege)."""
        return self.code.startswith("28") or self.code == "42501"


@dataclass
class Result:
    """What a simple query returned: columns (name, type oid), rows of text values."""

    columns: list[tuple[str, int]] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)


def _too_many(most: int) -> ProtocolError:
    return ProtocolError(f"more rows than the {most:,} the statement asks for")


async def read_result(frames: FrameReader, most: int | None = None) -> Result:
    """Messages up to ReadyForQuery: the result, or ServerError; more than ``most`` rows
    are one ProtocolError, as soon as they arrive."""
    result = Result()
    error: ServerError | None = None
    for _ in range(MAX_MESSAGES):
        kind, body = await read_message(frames)
        if kind == b"T":
            result.columns = _row_description(body)
        elif kind == b"D":
            result.rows.append(_data_row(body, len(result.columns)))
            if most is not None and len(result.rows) > most:
                raise _too_many(most)
        elif kind == b"E":
            error = ServerError(error_fields(body))
        elif kind == b"Z":
            if error is not None:
                raise error
            return result
        # C (complete), I (empty), N (notice), S (parameter), A (notification): nothing to keep
    raise ProtocolError(f"over {MAX_MESSAGES:,} messages in one reply")


async def read_copy(frames: FrameReader, most: int | None = None) -> list[bytes]:
    """The answer to a ``COPY … TO STDOUT``, up to ReadyForQuery: one line a row (CopyData,
    ``\\n`` included), or ServerError; more than ``most`` rows are one ProtocolError."""
    lines, _ = await read_copy_part(frames, most)
    return lines


async def read_copy_part(
    frames: FrameReader, most: int | None = None, upto: int | None = None
) -> tuple[list[bytes], bool]:
    """The answer to a ``COPY … TO STDOUT`` as ``read_copy`` reads it, or with ``upto`` its
    next part: once it holds ``upto`` rows (or a few more: the rest of the bytes received),
    or fewer where the next would not fit the reply's byte budget, the lines so far and
    False; the rest stays unread, for the next part. True: the answer ended (ReadyForQuery).

    A page is thousands of small messages: they are cut in place from the bytes already
    received, in one loop, not awaited one by one (two awaits a row cost more than the rest
    of the read); the socket is awaited only for the message the buffer ends in the middle
    of, whose declared length is held to the reply's budget first."""
    lines: list[bytes] = []
    append = lines.append
    error: ServerError | None = None
    messages = 0  # other than rows
    while True:
        data, start = frames.buffered()
        # Messages are cut up to the reply's budget: one past it is left for ``fill``.
        at, size, need = start, min(len(data), start + frames.budget), 5
        while size - at >= 5:
            kind = data[at]
            (length,) = _LENGTH(data, at + 1)
            if kind == 0x64 and length >= 4:  # d: CopyData, one row (all but a few)
                end = at + 1 + length
                if end > size:
                    need = 1 + length
                    break
                append(data[at + 5 : end])
                at = end
                continue
            if kind not in _COPY_EXPECTED:
                raise ProtocolError(f"not a PostgreSQL message: {data[at : at + 5]!r}")
            if length < 4 or (kind != 0x64 and length > _MAX_OTHER):
                raise ProtocolError(f"a PostgreSQL message with length {length}")
            end = at + 1 + length
            if end > size:
                need = 1 + length
                break
            if kind == 0x5A:  # Z: ReadyForQuery
                frames.advance(end - start)
                if error is not None:
                    raise error
                if most is not None and len(lines) > most:
                    raise _too_many(most)
                return lines, True
            elif kind == 0x45:  # E
                error = ServerError(error_fields(data[at + 5 : end]))
            at = end
            messages += 1
        if messages + len(lines) > MAX_MESSAGES:
            raise ProtocolError(f"over {MAX_MESSAGES:,} messages in one reply")
        frames.advance(at - start)
        if most is not None and len(lines) > most:
            raise _too_many(most)
        # A part ends at its rows, or before a row past the reply's budget: that row is the
        # next part's, which has a budget of its own.
        if (
            upto is not None
            and lines
            and error is None
            and (len(lines) >= upto or need > frames.budget)
        ):
            return lines, False
        await frames.fill(need)


def _row_description(body: bytes) -> list[tuple[str, int]]:
    (count,) = struct.unpack_from(">h", body)
    columns, at = [], 2
    for _ in range(count):
        end = body.index(b"\0", at)
        name = body[at:end].decode("utf-8", "replace")
        _table, _attr, type_oid = struct.unpack_from(">ihi", body, end + 1)
        columns.append((name, type_oid))
        at = end + 1 + 18
    return columns


def _data_row(body: bytes, expected: int) -> list[str | None]:
    (count,) = struct.unpack_from(">h", body)
    if count != expected:
        raise ProtocolError(f"a row of {count} values for {expected} columns")
    values: list[str | None] = []
    at = 2
    for _ in range(count):
        (size,) = struct.unpack_from(">i", body, at)
        at += 4
        if size < 0:
            values.append(None)
            continue
        if at + size > len(body):
            raise ProtocolError("a value longer than its row")
        values.append(body[at : at + size].decode("utf-8", STRAY))
        at += size
    return values


def parse_failures() -> tuple[type[Exception], ...]:
    """What a malformed message raises while being read, to become one ProtocolError."""
    return (struct.error, ValueError, IndexError)
