"""MongoDB's wire protocol as leakhound speaks it: OP_MSG only, one command document a message.

Legacy OP_QUERY is refused by MongoDB 5.1 and later for everything but the handshake (the nmap
scripts and older public checks still send it and find nothing on a modern server). A reply
is read under the network layer's budget: its declared length is checked against the cap before
a byte of the body is read, and the BSON is decoded by pymongo's ``bson`` (C extension), whose
errors become one ProtocolError.
"""

from __future__ import annotations

import datetime as dt
import itertools
import struct
import uuid
from decimal import Decimal
from typing import Any

import bson
from bson.codec_options import CodecOptions
from bson.errors import BSONError

from ...errors import ProtocolError
from ...net import FrameReader
from .. import foreign

OP_MSG, OP_REPLY = 2013, 1
_HEADER = struct.Struct("<iiii")  # messageLength, requestID, responseTo, opCode
# A date outside Python's years 1-9999 (MongoDB keeps any 64-bit count of milliseconds:
# JavaScript's largest date, year 275760, is a common "never" sentinel) is decoded as a
# DatetimeMS, not refused: refused, it cost the whole reply it came in.
_OPTIONS: CodecOptions[dict[str, Any]] = CodecOptions(
    tz_aware=True,
    unicode_decode_error_handler="replace",
    datetime_conversion=bson.DatetimeConversion.DATETIME_AUTO,
)
_ids = itertools.count(1)


def encode(command: dict[str, Any]) -> bytes:
    """One OP_MSG holding the command document (section kind 0)."""
    body = struct.pack("<I", 0) + b"\x00" + bson.encode(command)
    return _HEADER.pack(_HEADER.size + len(body), next(_ids) & 0x7FFFFFFF, 0, OP_MSG) + body


async def read_message(frames: FrameReader) -> dict[str, Any]:
    """One reply's command document; ProtocolError for anything else. Its length is judged
    as soon as its 4 bytes are in: a server of another protocol may answer fewer than a
    header's 16 (memcached's ``ERROR``) and wait."""
    first = await frames.exactly(4)
    (length,) = struct.unpack("<i", first)
    if length < _HEADER.size + 5 or length > 48 * 1024 * 1024:
        raise ProtocolError(f"not a MongoDB message: {_described(first, length)}")
    header = first + await frames.exactly(_HEADER.size - 4)
    length, _request, _response_to, opcode = _HEADER.unpack(header)
    if opcode == OP_REPLY:
        raise ProtocolError("the server answers with legacy OP_REPLY: a MongoDB before 3.6")
    if opcode != OP_MSG:
        said = foreign.named_after(header, frames)
        shown = f"the server answers as {said.said}" if said else f"opcode {opcode}"
        raise ProtocolError(f"not a MongoDB message: {shown}")
    body = await frames.exactly(length - _HEADER.size)
    flags, kind = struct.unpack_from("<IB", body)
    if kind != 0:
        raise ProtocolError(f"an OP_MSG whose first section is of kind {kind}")
    end = len(body) - (4 if flags & 1 else 0)  # checksumPresent: a CRC-32C follows
    try:
        (doc,) = bson.decode_all(body[5:end], _OPTIONS)
    except (BSONError, ValueError, IndexError, OverflowError) as exc:
        raise ProtocolError(f"invalid BSON in a MongoDB reply: {exc}"[:200]) from exc
    if not isinstance(doc, dict):
        raise ProtocolError("a MongoDB reply that is not a document")
    return doc


def _described(first: bytes, length: int) -> str:
    """What a reply's first 4 bytes say when they are no MongoDB length: a text protocol's
    words (``HTTP``, Redis's ``-ERR``) where they are printable, else the length read."""
    if all(32 <= b < 127 for b in first):
        return f"a reply starting {first.decode()!r}"
    return f"length {length}"


# Values detection reads as they are: the common case, kept without a call.
_AS_IS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any, depth: int = 0) -> Any:
    """A BSON value as JSON-like data detection reads: dates as ISO text, ids as text, binary
    data left out."""
    if depth > 64:
        return None
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is dict or isinstance(value, dict):
        if depth == 64:  # what lies below is past the depth read
            return {str(k): None for k in value}
        return {
            (k if type(k) is str else str(k)): (v if type(v) in _AS_IS else plain(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        if depth == 64:
            return [None] * len(value)
        return [v if type(v) in _AS_IS else plain(v, depth + 1) for v in value]
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, bson.DatetimeMS):
        return far_date(int(value))
    if isinstance(value, bson.ObjectId | uuid.UUID | Decimal | bson.Decimal128 | bson.Int64):
        return str(value)
    if isinstance(value, bytes | bson.Binary):
        return None  # attachments, hashes: listed, not read
    return str(value)[:1000]


def far_date(ms: int) -> str:
    """Milliseconds since 1970 as ISO 8601 text in UTC for any year, past 9999 or before 1
    too, with its sign and years of more than four digits (``+275760-09-13T00:00:00Z``):
    the days counted to a civil date by H. Hinnant's ``civil_from_days``."""
    days, rest = divmod(ms, 86_400_000)
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (month <= 2)
    seconds, millis = divmod(rest, 1000)
    clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    sign = "-" if year < 0 else "+" if year > 9999 else ""
    return f"{sign}{abs(year):04d}-{month:02d}-{day:02d}T{clock}.{millis:03d}Z"
