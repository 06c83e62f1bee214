"""The MySQL client/server protocol as leakhound speaks it: the handshake, logins and text queries.

A packet is a 3-byte length, a sequence id and a payload; a payload of 16 MiB - 1 bytes or more
is sent in parts, each part's length checked against the reply's byte budget (``FrameReader``)
before a byte of it is read, and the parts joined. Everything a server sends is parsed from
bounds-checked bytes: a length that points past the packet, an unknown first byte or a
sequence id out of order is one ``ProtocolError``.

The client asks for as little as it can: no ``CLIENT_MULTI_STATEMENTS`` (a ``;`` cannot start a
second statement even if one got past the allow-list), no ``CLIENT_LOCAL_FILES`` (a server
that answers a query with a request for one of our files is refused), no database; TLS
where the server offers it (``ssl_request``), as MySQL's own client does by default.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...errors import ProtocolError
from ...net import FrameReader

MAX_PART = 0xFFFFFF  # a packet part's largest payload; a payload this long continues
MAX_COLUMNS = 4096  # MySQL's own limit on a table's columns
# Capability flags (protocol::CapabilityFlags).
CLIENT_LONG_PASSWORD = 0x1
CLIENT_LONG_FLAG = 0x4
CLIENT_CONNECT_WITH_DB = 0x8
CLIENT_LOCAL_FILES = 0x80
CLIENT_PROTOCOL_41 = 0x200
CLIENT_SSL = 0x800
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_MULTI_STATEMENTS = 0x10000
CLIENT_MULTI_RESULTS = 0x20000
CLIENT_PLUGIN_AUTH = 0x80000
# What leakhound asks for; never MULTI_STATEMENTS, LOCAL_FILES, CONNECT_WITH_DB.
CLIENT_FLAGS = (
    CLIENT_LONG_PASSWORD
    | CLIENT_LONG_FLAG
    | CLIENT_PROTOCOL_41
    | CLIENT_TRANSACTIONS
    | CLIENT_SECURE_CONNECTION
    | CLIENT_MULTI_RESULTS
    | CLIENT_PLUGIN_AUTH
)
UTF8MB4_GENERAL_CI = 45
BINARY_CHARSET = 63
COM_QUERY = 0x03
NATIVE = "mysql_native_password"
CACHING_SHA2 = "caching_sha2_password"
# Column types (enum_field_types) read as numbers, and as binary data when their charset is 63.
INTEGER_TYPES = frozenset({1, 2, 3, 8, 9, 13})  # TINY, SHORT, LONG, LONGLONG, INT24, YEAR
FLOAT_TYPES = frozenset({4, 5})  # FLOAT, DOUBLE
DATE_TYPES = frozenset({7, 10, 12, 14, 17, 18})  # TIMESTAMP, DATE, DATETIME (and their v2)
JSON_TYPE = 245
BIT_TYPE = 16


# Error codes that refuse a statement or a login for want of credentials or privileges:
# ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_ERROR, ER_TABLEACCESS_DENIED_ERROR,
# ER_COLUMNACCESS_DENIED_ERROR, ER_SPECIFIC_ACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR.
DENIED_CODES = frozenset({1044, 1045, 1142, 1143, 1227, 1698})


class ServerError(ProtocolError):
    """An ERR packet: the server's error code, SQL state and message."""

    def __init__(self, code: int, state: str, message: str) -> None:
        self.code, self.state, self.message = code, state, message[:300]
        super().__init__(f"{code} ({state or '-'}): {self.message}"[:300])

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its fields: a worker process hands it back to the scan.
        return (type(self), (self.code, self.state, self.message))

    @property
    def denied(self) -> bool:
        """Whether its code refuses for want of credentials or privileges (``DENIED_CODES``)."""
        return self.code in DENIED_CODES


@dataclass(frozen=True, slots=True)
class Greeting:
    """What the server says first (Protocol::HandshakeV10)."""

    version: str
    connection_id: int
    capabilities: int
    nonce: bytes
    plugin: str


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a result set: its name, type and character set."""

    name: str
    type: int
    charset: int
    flags: int = 0


class Cursor:
    """Bounds-checked reads of one payload."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        """The next ``n`` bytes; ProtocolError past the end."""
        if n < 0 or self.at + n > len(self.data):
            raise ProtocolError(
                f"a MySQL packet shorter than it says ({n} bytes at {self.at} of {len(self.data)})"
            )
        out = self.data[self.at : self.at + n]
        self.at += n
        return out

    def uint(self, n: int) -> int:
        """A little-endian unsigned integer of ``n`` bytes."""
        return int.from_bytes(self.take(n), "little")

    def lenenc(self) -> int | None:
        """A length-encoded integer (None for 0xFB, NULL in a row)."""
        first = self.uint(1)
        if first < 0xFB:
            return first
        if first == 0xFB:
            return None
        if first == 0xFC:
            return self.uint(2)
        if first == 0xFD:
            return self.uint(3)
        if first == 0xFE:
            return self.uint(8)
        raise ProtocolError("0xFF where a length-encoded integer was expected")

    def lenenc_bytes(self) -> bytes | None:
        """A length-encoded string (None for NULL)."""
        n = self.lenenc()
        return None if n is None else self.take(n)

    def nul(self) -> bytes:
        """Bytes up to a NUL (which is consumed); ProtocolError without one."""
        end = self.data.find(b"\0", self.at)
        if end < 0:
            raise ProtocolError("a MySQL string without its NUL")
        out = self.data[self.at : end]
        self.at = end + 1
        return out

    def rest(self) -> bytes:
        """Every byte left."""
        out = self.data[self.at :]
        self.at = len(self.data)
        return out

    @property
    def left(self) -> int:
        """Bytes not read yet."""
        return len(self.data) - self.at


def text(raw: bytes, limit: int = 300) -> str:
    """Server text for a reason or a name: UTF-8 (replacement characters where it is not),
    at most ``limit`` characters."""
    return raw.decode("utf-8", "replace")[:limit]


class Packets:
    """The packets of one connection: sequence ids out and in, parts joined on the way in."""

    def __init__(self) -> None:
        self.seq = 0

    def reset(self) -> None:
        """A new command starts a new sequence."""
        self.seq = 0

    def encode(self, payload: bytes) -> bytes:
        """The payload as packets (in parts of 16 MiB - 1 bytes; an empty one ends a payload
        of an exact multiple)."""
        out = bytearray()
        start = 0
        while True:
            part = payload[start : start + MAX_PART]
            out += struct.pack("<I", len(part))[:3] + bytes([self.seq & 0xFF]) + part
            self.seq = (self.seq + 1) & 0xFF
            start += MAX_PART
            if len(part) < MAX_PART:
                return bytes(out)

    async def read(self, frames: FrameReader) -> bytes:
        """One payload, its parts joined; every part's length is spent from the reply's
        budget before it is read."""
        parts: list[bytes] = []
        while True:
            header = await frames.exactly(4)
            length = header[0] | header[1] << 8 | header[2] << 16
            if header[3] != self.seq:
                raise ProtocolError(
                    f"a MySQL packet out of sequence ({header[3]}, expected {self.seq})"
                )
            self.seq = (self.seq + 1) & 0xFF
            parts.append(await frames.exactly(length))
            if length < MAX_PART:
                return b"".join(parts)


def parse_error(payload: bytes) -> ServerError:
    """An ERR packet (0xFF, code, ``#`` and the SQL state when the server knows we speak 4.1)."""
    cur = Cursor(payload)
    if cur.uint(1) != 0xFF or cur.left < 2:
        raise ProtocolError("not a MySQL error packet")
    code = cur.uint(2)
    state = ""
    if cur.data[cur.at : cur.at + 1] == b"#" and cur.left >= 6:
        cur.take(1)
        state = text(cur.take(5), 5)
    return ServerError(code, state, " ".join(text(cur.rest()).split()))


def parse_greeting(payload: bytes) -> Greeting:
    """The server's HandshakeV10; ProtocolError for anything else, ServerError when the server
    refuses us before the handshake (1130 host not allowed, 1040 too many connections)."""
    if not payload:
        raise ProtocolError("an empty packet where a MySQL greeting was expected")
    if payload[0] == 0xFF:
        raise parse_error(payload)
    if payload[0] != 10:
        raise ProtocolError(f"protocol version {payload[0]}, not MySQL's 10")
    cur = Cursor(payload)
    cur.take(1)
    version = cur.nul()
    if not version or len(version) > 100 or not version.isascii() or not version[:1].isdigit():
        raise ProtocolError(f"not a MySQL server version: {version[:40]!r}")
    connection_id = cur.uint(4)
    nonce = cur.take(8)
    cur.take(1)  # filler
    capabilities = cur.uint(2)
    plugin = ""
    if cur.left:
        cur.take(3)  # character set, status flags
        capabilities |= cur.uint(2) << 16
        data_length = cur.uint(1)
        cur.take(10)  # reserved (MariaDB keeps its extended capabilities in the last 4)
        if capabilities & CLIENT_SECURE_CONNECTION:
            more = cur.take(max(13, data_length - 8))
            nonce += more.rstrip(b"\0") if len(more) == 13 else more[:-1]
        if capabilities & CLIENT_PLUGIN_AUTH and cur.left:
            # MySQL 5.5.7-5.5.9 and some proxies end the name at the packet's end, no NUL.
            rest = cur.rest()
            plugin = text(rest.split(b"\0", 1)[0], 64)
    if not capabilities & CLIENT_PROTOCOL_41:
        raise ProtocolError("a server older than MySQL 4.1 (no protocol 4.1): not spoken")
    return Greeting(text(version, 100), connection_id, capabilities, nonce, plugin)


def scramble(plugin: str, password: str, nonce: bytes) -> bytes:
    """The auth response of ``plugin`` for the password (empty for an empty password)."""
    if not password:
        return b""
    secret = password.encode()
    nonce = nonce[:20]
    if plugin == NATIVE:
        # SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password)))
        stage1 = hashlib.sha1(secret).digest()  # noqa: S324 - the protocol's own hash
        stage2 = hashlib.sha1(stage1).digest()  # noqa: S324
        mask = hashlib.sha1(nonce + stage2).digest()  # noqa: S324
        return bytes(a ^ b for a, b in zip(stage1, mask, strict=True))
    if plugin == CACHING_SHA2:
        # SHA256(password) XOR SHA256(SHA256(SHA256(password)) + nonce)
        stage1 = hashlib.sha256(secret).digest()
        stage2 = hashlib.sha256(stage1).digest()
        mask = hashlib.sha256(stage2 + nonce).digest()
        return bytes(a ^ b for a, b in zip(stage1, mask, strict=True))
    raise ProtocolError(
        f"the server asks for the {plugin[:40]!r} login, which leakhound does not speak"
    )


def _flags(greeting: Greeting, tls: bool) -> int:
    flags = CLIENT_FLAGS & (greeting.capabilities | CLIENT_PROTOCOL_41)
    return flags | CLIENT_SSL if tls else flags


def ssl_request(greeting: Greeting) -> bytes:
    """SSLRequest: a HandshakeResponse41 cut after its fixed part, CLIENT_SSL among its
    capabilities; the TLS handshake follows at once, then the whole response over TLS."""
    return struct.pack("<IIB", _flags(greeting, True), 1 << 24, UTF8MB4_GENERAL_CI) + bytes(23)


def handshake_response(greeting: Greeting, user: str, password: str, *, tls: bool = False) -> bytes:
    """HandshakeResponse41: our capabilities (CLIENT_SSL over ``tls``), the user and the
    auth response of the server's plugin (mysql_native_password when it named none or one we
    do not speak)."""
    plugin = greeting.plugin if greeting.plugin in (NATIVE, CACHING_SHA2) else NATIVE
    flags = _flags(greeting, tls)
    auth = scramble(plugin, password, greeting.nonce)
    out = struct.pack("<IIB", flags, 1 << 24, UTF8MB4_GENERAL_CI) + bytes(23)
    out += user.encode() + b"\0" + bytes([len(auth)]) + auth
    if flags & CLIENT_PLUGIN_AUTH:
        out += plugin.encode() + b"\0"
    return out


def query(sql: str) -> bytes:
    """A COM_QUERY payload."""
    return bytes([COM_QUERY]) + sql.encode()


def is_eof(payload: bytes) -> bool:
    """An EOF packet (0xFE and under 9 bytes: a row whose first value is 2**64 long is not)."""
    return payload[:1] == b"\xfe" and len(payload) < 9


Row = tuple[bytes | None, ...]


@dataclass(frozen=True, slots=True)
class Decoder:
    """What a result set's rows become as they are cut from the packets: a dict a row, with
    one key and one function a column (``fields``), the function applied to each value that
    is not NULL; a row where one of them raised ValueError is handed whole (its raw values)
    to ``careful`` instead."""

    fields: tuple[tuple[Any, Callable[[bytes], Any]], ...]
    careful: Callable[[Row], dict[Any, Any]]


def raw(columns: tuple[Column, ...]) -> Decoder:
    """Values as the server sent them: bytes, None for NULL, keyed by their column's place."""
    return Decoder(tuple((n, bytes) for n in range(len(columns))), _places)


def _places(row: Row) -> dict[Any, Any]:
    return dict(enumerate(row))


@dataclass(frozen=True, slots=True)
class ResultSet:
    """A text result set: its columns and rows of values (raw: bytes, None for NULL; else what
    the ``Decoder`` made of them), and the raw values of its last row."""

    columns: tuple[Column, ...]
    rows: list[Any] = field(default_factory=list)
    last: Row = ()


async def read_result(
    packets: Packets,
    frames: FrameReader,
    decoder: Callable[[tuple[Column, ...]], Decoder] | None = None,
    most: int | None = None,
) -> ResultSet | ServerError:
    """The reply to a COM_QUERY: an OK (no columns), a text result set, or the server's error
    (a value: the connection stays usable after a complete ERR packet). Rows are tuples of
    raw values, or the dicts ``decoder``, given the columns, makes of them; more than
    ``most`` rows are one ProtocolError, as soon as they are received."""
    got = await read_header(packets, frames, decoder)
    if not isinstance(got, Streamed):
        return got
    rows, error = await read_rows(packets, frames, got, most)
    if error is not None:
        return error
    if decoder is None:
        rows = [tuple(r.values()) for r in rows]
    return ResultSet(got.columns, rows, parse_row(got.last, len(got.columns)) if got.last else ())


@dataclass
class Streamed:
    """A result set whose rows are being read: its columns, how a row is decoded, the raw
    payload of the last row read, and whether its end was read."""

    columns: tuple[Column, ...]
    decode: Decoder
    last: bytes = b""
    ended: bool = False


async def read_header(
    packets: Packets,
    frames: FrameReader,
    decoder: Callable[[tuple[Column, ...]], Decoder] | None = None,
) -> Streamed | ResultSet | ServerError:
    """The start of the reply to a COM_QUERY: a result set's columns, their EOF read (its rows
    are ``read_rows``'s), or a whole reply that holds no rows (an OK, the server's error)."""
    first = await packets.read(frames)
    if not first:
        raise ProtocolError("an empty packet where a query's answer was expected")
    if first[0] == 0xFF:
        return parse_error(first)
    if first[0] == 0x00:
        return ResultSet(())
    if first[0] == 0xFB:
        # LOAD DATA LOCAL: the server asks for one of the client's files. Never sent.
        raise ProtocolError("the server asked for a local file (LOAD DATA LOCAL): refused")
    cur = Cursor(first)
    count = cur.lenenc()
    if count is None or not 0 < count <= MAX_COLUMNS or cur.left:
        raise ProtocolError(f"not a MySQL result set header: {first[:20]!r}")
    columns = tuple([parse_column(await packets.read(frames)) for _ in range(count)])
    end = await packets.read(frames)
    if not is_eof(end):
        raise ProtocolError("a result set's columns not followed by EOF")
    return Streamed(columns, (decoder or raw)(columns))


async def read_rows(
    packets: Packets,
    frames: FrameReader,
    result: Streamed,
    most: int | None = None,
    upto: int | None = None,
) -> tuple[list[Any], ServerError | None]:
    """A result set's rows, decoded, up to its end (``result.ended``) or the server's error in
    their place; with ``upto``, a part of them: once it holds ``upto`` rows (or a few more:
    the rest of the bytes received), or fewer where the next would not fit the reply's byte
    budget, the rest left for the next part. More than ``most`` rows
    are one ProtocolError, as soon as they are received."""
    count, decode = len(result.columns), result.decode
    rows: list[Any] = []
    while True:
        # The rows already received are cut in one loop; the socket is awaited only for
        # the packet the buffer ends in the middle of.
        data, start = frames.buffered()
        at, packets.seq, stop, cut = scan_rows(
            data, start, decode, packets.seq, rows, start + frames.budget
        )
        frames.advance(at - start)
        if most is not None and len(rows) > most:
            raise ProtocolError(f"more rows than the {most:,} the statement asks for")
        result.last = cut or result.last
        if stop is _LONG:  # a row of 16 MiB or more: its parts joined the careful way
            result.last = await packets.read(frames)
            rows.append(decode.careful(parse_row(result.last, count)))
            if most is not None and len(rows) > most:
                raise ProtocolError(f"more rows than the {most:,} the statement asks for")
        elif stop is not None:
            result.ended = True
            return rows, None if is_eof(stop) else parse_error(stop)
        elif upto is not None and len(rows) >= upto:
            return rows, None
        else:
            have = len(data) - at
            need = 4 if have < 4 else 4 + (data[at] | data[at + 1] << 8 | data[at + 2] << 16)
            if upto is not None and rows and need > frames.budget:
                # A row past the reply's budget: the next part's, with a budget of its own.
                return rows, None
            await frames.fill(need)


_LONG = b"long"  # scan_rows stopped at a packet in parts


def parse_row(payload: bytes, width: int) -> Row:
    """One text row of ``width`` values (None for NULL), from a payload read on its own."""
    cur = Cursor(payload)
    row = tuple([cur.lenenc_bytes() for _ in range(width)])
    if cur.left:
        raise ProtocolError("a result row longer than its columns")
    return row


def scan_rows(
    data: bytes, at: int, decode: Decoder, seq: int, rows: list[Any], limit: int | None = None
) -> tuple[int, int, bytes | None, bytes]:
    """The complete row packets of ``data`` from ``at`` (ending before ``limit``: the reply's
    budget), each appended to ``rows`` as the dict
    of its values decoded. Returns where the packets read end, the next sequence id, the
    payload of the packet that ended the rows (EOF or ERR, read too; ``_LONG`` before a
    packet in parts, not read; None where ``data`` ends before a packet does), and the
    payload of the last row appended (empty if none).

    One loop over the bytes already received, without an object a packet: every length is
    checked by where it ends (a value running past its packet leaves the row's end
    elsewhere than the packet's end: one check a row, not one a value)."""
    end = len(data) if limit is None else min(len(data), limit)
    fields, careful = decode.fields, decode.careful
    append = rows.append
    row_at = row_end = 0
    stop: bytes | None = None
    try:
        while at + 4 <= end:
            length = data[at] | data[at + 1] << 8 | data[at + 2] << 16
            if data[at + 3] != seq:
                raise ProtocolError(
                    f"a MySQL packet out of sequence ({data[at + 3]}, expected {seq})"
                )
            if length >= MAX_PART:
                stop = _LONG
                break
            p = at + 4
            if p + length > end:
                break
            seq = (seq + 1) & 0xFF
            at = p + length
            first = data[p] if length else -1
            if first == 0xFF or (first == 0xFE and length < 9):
                stop = data[p:at]
                break
            row: dict[Any, Any] = {}
            try:
                for key, f in fields:
                    n = data[p]
                    if n < 0xFB:
                        s = p + 1
                        p = s + n
                        row[key] = f(data[s:p])
                    elif n == 0xFB:
                        p += 1
                        row[key] = None
                    else:
                        if n == 0xFC:
                            s = p + 3
                            n = data[p + 1] | data[p + 2] << 8
                        elif n == 0xFD:
                            s = p + 4
                            n = data[p + 1] | data[p + 2] << 8 | data[p + 3] << 16
                        elif n == 0xFE:
                            s = p + 9
                            n = int.from_bytes(data[p + 1 : s], "little")
                        else:
                            raise ProtocolError("0xFF where a length-encoded integer was expected")
                        p = s + n
                        row[key] = f(data[s:p])
            except ValueError:  # a value the fast conversion does not take: the careful one
                row, p = careful(parse_row(data[at - length : at], len(fields))), at
            if p != at:
                raise ProtocolError(
                    "a result row longer than its columns"
                    if p < at
                    else "a MySQL packet shorter than it says"
                )
            append(row)
            row_at, row_end = at - length, at
    except IndexError:
        raise ProtocolError("a MySQL packet shorter than it says") from None
    return at, seq, stop, data[row_at:row_end]


def parse_column(payload: bytes) -> Column:
    """A ColumnDefinition41 packet."""
    cur = Cursor(payload)
    for _ in range(4):  # catalog, schema, table, original table
        cur.lenenc_bytes()
    name = cur.lenenc_bytes()
    cur.lenenc_bytes()  # original name
    if name is None or cur.lenenc() is None:  # the fixed part's length (0x0c)
        raise ProtocolError("a column definition with a NULL name")
    charset, _length, kind, flags = cur.uint(2), cur.uint(4), cur.uint(1), cur.uint(2)
    return Column(text(name, 256), kind, charset, flags)
