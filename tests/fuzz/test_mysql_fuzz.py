"""The MySQL packet reader and statement builder over arbitrary input: a packet reader that
raises only ProtocolError or TooLargeError, and names that never leave their backticks."""

from __future__ import annotations

import asyncio
import struct
import time
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from leakhound.errors import ProtocolError, TooLargeError
from leakhound.net import FrameReader, Limits
from leakhound.probes.mysql import ALLOW, sql
from leakhound.probes.mysql.rows import decoded, decoder, documents, value
from leakhound.probes.mysql.wire import (
    Column,
    Packets,
    ResultSet,
    ServerError,
    Streamed,
    parse_greeting,
    read_header,
    read_result,
    read_rows,
)
from probes.mysql.lexer import idents, tokens

from .budget import budget

FAST = budget(1000)
CAP = 256 * 1024


def _packet(payload: bytes, seq: int) -> bytes:
    return len(payload).to_bytes(3, "little") + bytes([seq]) + payload


async def _feed(data: bytes) -> FrameReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return FrameReader(reader, Limits(max_body=CAP, read_timeout=1.0))


def _answer(data: bytes, decode: Any = None) -> Any:
    async def go() -> Any:
        packets = Packets()
        packets.seq = 1
        return await read_result(packets, await _feed(data), decode)

    try:
        return asyncio.run(go())
    except (ProtocolError, TooLargeError) as exc:
        return exc


# Bytes that look like packets often enough to reach past the header: real first bytes,
# length-encoded integers and EOF/ERR markers.
PIECES = st.sampled_from(
    [
        b"\x00",
        b"\x01",
        b"\x02",
        b"\xfb",
        b"\xfc",
        b"\xfd",
        b"\xfe",
        b"\xff",
        b"\x03def",
        b"\x0c",
        b"\x21\x00",
        b"\xfe\x00\x00\x02\x00",
        b"\x0a",
        b"5.7.1\x00",
        b"#28000",
    ]
)
PAYLOADS = st.lists(PIECES | st.binary(max_size=12), max_size=12).map(b"".join)
ANSWERS = st.lists(PAYLOADS, min_size=1, max_size=8).map(
    lambda ps: b"".join(_packet(p, n + 1) for n, p in enumerate(ps))
)


@FAST
@given(ANSWERS | st.binary(max_size=300))
@example(_packet(b"\x01", 1) + _packet(b"\x03def" + bytes(40), 2))
@example(_packet(b"\xfe\xff\xff\xff\xff\xff\xff\xff\x7f", 1))
@example(b"\xff\xff\xff\x01" + b"a" * 1000)
def test_an_answer_is_a_result_an_error_or_one_protocol_error(data: bytes) -> None:
    got = _answer(data)
    assert isinstance(got, ResultSet | ServerError | ProtocolError | TooLargeError), got
    if isinstance(got, ResultSet):
        for doc in documents(got, [c.name for c in got.columns[:1]]):
            assert set(doc) <= {c.name for c in got.columns}
    if isinstance(got, ServerError):
        assert "\n" not in str(got) and len(str(got)) <= 300
    # Decoded as read, the same answer: the same documents, the same error.
    fast = _answer(
        data, decoder([c.name for c in got.columns[:1]] if isinstance(got, ResultSet) else [])
    )
    assert type(fast) is type(got)
    if isinstance(got, ResultSet):
        assert repr(decoded(fast)) == repr(
            documents(got, [c.name for c in got.columns[:1]])
        )  # NaN is not NaN
        assert fast.last == (got.rows[-1] if got.rows else ())


# Column types as the server names them (enum_field_types): text, blobs, numbers, dates, JSON,
# BIT, GEOMETRY, ENUM; each with a text or the binary charset, maybe read as JSON.
TYPES = st.sampled_from([253, 252, 254, 1, 3, 8, 4, 5, 246, 7, 10, 12, 245, 16, 255])
COLUMNS = st.lists(
    st.tuples(TYPES, st.sampled_from([45, 63]), st.booleans()), min_size=1, max_size=6
)
# Values a column of any type may hold, its own and others': text (some not UTF-8), numbers,
# dates (MySQL's zero date too), JSON that parses and JSON that does not, long values.
RAW = (
    st.none()
    | st.sampled_from(
        [
            b"",
            b"Zo\xc3\xab",
            b"\xff\xfe",
            b"12",
            b" 7 ",
            b"\x1c5",
            b"0.25",
            b"nan",
            b"1e400",
            b"2019-01-02 03:04:05.678",
            b"1990-05-01",
            b"0000-00-00 00:00:00",
            b"2019-01-02  03:04:05",
            b'{"city": "K\xc3\xb6ln", "geo": {"lat": 1.5}}',
            b"[1, 2",
            b"\x05",
            b"x" * 300,
            "\u00e9".encode() * 200,
        ]
    )
    | st.binary(max_size=20)
)


def _lenenc(raw: bytes | None, form: int) -> bytes:
    """A value as a row carries it, its length in the shortest form or a longer one."""
    if raw is None:
        return b"\xfb"
    n = len(raw)
    if n < 251 and form == 0:
        return bytes([n]) + raw
    if n < 1 << 16 and form <= 1:
        return b"\xfc" + n.to_bytes(2, "little") + raw
    if form <= 2:
        return b"\xfd" + n.to_bytes(3, "little") + raw
    return b"\xfe" + n.to_bytes(8, "little") + raw


def _definition(name: bytes, kind: int, charset: int) -> bytes:
    field = b"\x0c" + struct.pack("<HIBHB", charset, 100, kind, 0, 0) + b"\x00\x00"
    return b"\x03def\x00\x00\x00" + bytes([len(name)]) + name + bytes([len(name)]) + name + field


@FAST
@given(
    COLUMNS,
    st.lists(st.lists(st.tuples(RAW, st.integers(0, 3)), min_size=6, max_size=6), max_size=8),
    st.sampled_from([1, 5, 64, 4096, 1 << 20]),
)
def test_rows_decoded_as_read_are_each_value_as_value_makes_it(
    columns: list[tuple[int, int, bool]], rows: list[list[tuple[bytes | None, int]]], step: int
) -> None:
    names = [f"c{n}" for n in range(len(columns))]
    cols = [
        Column(name, kind, charset) for name, (kind, charset, _) in zip(names, columns, strict=True)
    ]
    json = [name for name, (_, _, j) in zip(names, columns, strict=True) if j]
    data = _packet(bytes([len(cols)]), 1)
    for n, (kind, charset, _) in enumerate(columns):
        data += _packet(_definition(names[n].encode(), kind, charset), 2 + n)
    seq = 2 + len(cols)
    data += _packet(b"\xfe\x00\x00\x02\x00", seq)
    for n, row in enumerate(rows):
        payload = b"".join(_lenenc(raw, form) for raw, form in row[: len(cols)])
        data += _packet(payload, (seq + 1 + n) & 0xFF)
    data += _packet(b"\xfe\x00\x00\x02\x00", (seq + 1 + len(rows)) & 0xFF)

    async def go() -> Any:
        reader = asyncio.StreamReader()
        for at in range(0, len(data), step):  # delivered in pieces: rows split anywhere
            reader.feed_data(data[at : at + step])
        reader.feed_eof()
        frames = FrameReader(reader, Limits(max_body=4 << 20, read_timeout=1.0))
        frames.CHUNK = step
        packets = Packets()
        packets.seq = 1
        return await read_result(packets, frames, decoder(json))

    got = asyncio.run(go())
    assert isinstance(got, ResultSet)
    expected = [
        {
            c.name: value(c, raw, c.name in json)
            for c, (raw, _) in zip(cols, row[: len(cols)], strict=True)
        }
        for row in rows
    ]
    assert repr(decoded(got)) == repr(expected)  # value for value, type for type; NaN too
    last = tuple(raw for raw, _ in rows[-1][: len(cols)]) if rows else ()
    assert got.last == last


def _in_parts(data: bytes, step: int, upto: int) -> tuple[list[list[Any]], Any]:
    """An answer read as ``Connection.rows_part`` reads it: its header, then parts of ``upto``
    rows, each with a reader of its own (what one received beyond its part handed on), the
    socket's bytes arriving ``step`` at a time: the parts' rows, then True (ended), the
    server's error or the ProtocolError/TooLargeError."""

    async def go() -> tuple[list[list[Any]], Any]:
        reader = asyncio.StreamReader()
        for at in range(0, len(data), step):
            reader.feed_data(data[at : at + step])
        reader.feed_eof()
        packets, parts, pending = Packets(), [], b""
        packets.seq = 1
        frames = FrameReader(reader, Limits(max_body=CAP, read_timeout=1.0))
        frames.CHUNK = step
        head = await read_header(packets, frames)
        if not isinstance(head, Streamed):
            return parts, head
        while True:
            pending = frames.pending
            frames = FrameReader(reader, Limits(max_body=CAP, read_timeout=1.0), pending)
            frames.CHUNK = step
            rows, error = await read_rows(packets, frames, head, None, upto)
            parts.append([tuple(r.values()) for r in rows])
            if error is not None:
                return parts, error
            if head.ended:
                return parts, True

    try:
        return asyncio.run(go())
    except (ProtocolError, TooLargeError) as exc:
        return [], exc


@FAST
@given(
    ANSWERS | st.binary(max_size=300),
    st.sampled_from([1, 3, 7, 64, 4096]),
    st.integers(1, 4),
)
@example(
    _packet(b"\x01", 1)
    + _packet(_definition(b"a", 253, 45), 2)
    + _packet(b"\xfe\x00\x00\x02\x00", 3)
    + b"".join(_packet(b"\x01" + bytes([48 + n]), 4 + n) for n in range(5))
    + _packet(b"\xfe\x00\x00\x02\x00", 9),
    3,
    2,
)
def test_an_answer_read_in_parts_is_the_answer_read_whole(
    data: bytes, step: int, upto: int
) -> None:
    whole = _answer(data)
    parts, end = _in_parts(data, step, upto)
    if isinstance(end, ResultSet):  # an answer without rows (an OK): no parts to read
        assert end == whole
    elif isinstance(whole, ResultSet):
        assert end is True, end
        assert [row for part in parts for row in part] == whole.rows
    elif isinstance(whole, ServerError) and not parts:
        assert isinstance(end, ServerError) and str(end) == str(whole)
    else:
        assert type(end) is type(whole), (end, whole)
    # Every part but the last holds at least ``upto`` rows (the budget, far larger, cuts none).
    assert all(len(part) >= upto for part in parts[:-1])


GREETINGS = st.builds(
    lambda version, rest: b"\x0a" + version + b"\x00" + rest,
    st.sampled_from([b"5.7.44", b"8.0.36", b"5.5.5-10.11.19-MariaDB", b"", b"x"])
    | st.binary(max_size=20),
    st.binary(max_size=60),
)


@FAST
@given(GREETINGS | st.binary(max_size=100))
def test_a_greeting_parses_or_is_one_protocol_error(payload: bytes) -> None:
    try:
        greeting = parse_greeting(payload)
    except ProtocolError:
        return
    assert greeting.version and len(greeting.version) <= 100
    assert len(greeting.plugin) <= 64 and isinstance(greeting.nonce, bytes)


NAMES = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=40,
)
HOSTILE = st.sampled_from(
    [
        "`",
        "``",
        "'",
        '"',
        ";",
        "/*",
        "*/",
        "--",
        "#",
        "\\",
        "\n",
        " UNION SELECT ",
        "mysql",
        "`.`",
        "X'",
        "_binary",
    ]
)
ODD_NAMES = NAMES | st.lists(HOSTILE | NAMES, min_size=1, max_size=6).map("".join)


@FAST
@given(ODD_NAMES, ODD_NAMES, ODD_NAMES, st.binary(max_size=30), st.integers(1, 10**6))
@example("mysql_data", "user", "id", b"x", 5)
def test_any_name_stays_inside_its_backticks(
    db: str, table: str, column: str, value: bytes, limit: int
) -> None:
    built = [
        sql.count(db, table),
        sql.first_rows(db, table, limit),
        sql.date_range(db, table, column),
        sql.from_offset(db, table, limit),
        sql.after_key(db, table, [column, "id"], ["text", "number"], [value, b"7"], limit),
        sql.columns_of(db, table),
        sql.keys_of(db, table),
    ]
    system = db.lower() in sql.SYSTEM_SCHEMAS
    for statement in built[:5]:
        start = time.monotonic()
        assert ALLOW.allows("query", statement) is not system, statement
        assert time.monotonic() - start < 0.2
        found = tokens(statement)
        assert not {k for k, _ in found} & {"comment", "semicolon", "string"}, statement
    for statement in built[5:]:
        assert ALLOW.allows("query", statement)
    assert idents(built[1]) == [db, table]
    assert idents(built[4]) == [db, table, column, column, "id", column, "id"]


@FAST
@given(
    ODD_NAMES,
    st.sampled_from(["; SELECT 1", " INTO OUTFILE '/x'", " -- x", "/**/", " UNION SELECT 1"]),
)
def test_nothing_appended_to_a_built_statement_passes(name: str, suffix: str) -> None:
    assert not ALLOW.allows("query", sql.first_rows(name, name, 5) + suffix)
