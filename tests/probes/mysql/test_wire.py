"""MySQL packets written and read bounded: recorded MariaDB bytes, MySQL 8 captures, and what a
hostile server could send."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import pytest

from leakhound.errors import ProtocolError, TimeoutError_, TooLargeError
from leakhound.net import FrameReader, Limits
from leakhound.probes.mysql import wire
from leakhound.probes.mysql.rows import decoded, decoder, documents
from leakhound.probes.mysql.wire import (
    CACHING_SHA2,
    NATIVE,
    Packets,
    ResultSet,
    ServerError,
    handshake_response,
    parse_greeting,
    read_result,
    scramble,
)

from .replay import MYSQL_8_GREETING, err, packet, recorded


def _frames(data: bytes, **limits: Any) -> FrameReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return FrameReader(reader, Limits(**limits))


def _result(data: bytes, decode: Any = None, **limits: Any) -> ResultSet | ServerError:
    async def go() -> ResultSet | ServerError:
        packets = Packets()
        packets.seq = 1  # the answer to a command sent as packet 0
        return await read_result(packets, _frames(data, **limits), decode)

    return asyncio.run(go())


def _payload(data: bytes, **limits: Any) -> bytes:
    async def go() -> bytes:
        return await Packets().read(_frames(data, **limits))

    return asyncio.run(go())


def test_mariadb_greeting_is_read() -> None:
    greeting = parse_greeting(recorded("mariadb-10.11-greeting")[4:])
    assert greeting.version == "5.5.5-10.11.19-MariaDB-0+deb12u1"
    assert greeting.plugin == NATIVE and len(greeting.nonce) == 20
    assert greeting.capabilities & wire.CLIENT_PROTOCOL_41
    assert greeting.capabilities & wire.CLIENT_PLUGIN_AUTH


def test_mysql_8_greeting_is_read() -> None:
    greeting = parse_greeting(MYSQL_8_GREETING[4:])
    assert (greeting.version, greeting.connection_id, greeting.plugin) == (
        "8.0.20",
        11,
        CACHING_SHA2,
    )
    assert greeting.nonce == b"\x05?r66p\x029" + b"\x1e\\<PRz\\\x03pNcr"


# Vectors from go-sql-driver/mysql's auth tests (nonce, password, expected auth response).
@pytest.mark.parametrize(
    ("plugin", "nonce", "password", "expected"),
    [
        pytest.param(
            NATIVE,
            bytes(
                [
                    70,
                    114,
                    92,
                    94,
                    1,
                    38,
                    11,
                    116,
                    63,
                    114,
                    23,
                    101,
                    126,
                    103,
                    26,
                    95,
                    81,
                    17,
                    24,
                    21,
                ]
            ),
            "secret",
            bytes(
                [
                    53,
                    177,
                    140,
                    159,
                    251,
                    189,
                    127,
                    53,
                    109,
                    252,
                    172,
                    50,
                    211,
                    192,
                    240,
                    164,
                    26,
                    48,
                    207,
                    45,
                ]
            ),
            id="native",
        ),
        pytest.param(
            CACHING_SHA2,
            bytes(
                [
                    90,
                    105,
                    74,
                    126,
                    30,
                    48,
                    37,
                    56,
                    3,
                    23,
                    115,
                    127,
                    69,
                    22,
                    41,
                    84,
                    32,
                    123,
                    43,
                    118,
                ]
            ),
            "secret",
            bytes(
                [
                    102,
                    32,
                    5,
                    35,
                    143,
                    161,
                    140,
                    241,
                    171,
                    232,
                    56,
                    139,
                    43,
                    14,
                    107,
                    196,
                    249,
                    170,
                    147,
                    60,
                    220,
                    204,
                    120,
                    178,
                    214,
                    15,
                    184,
                    150,
                    26,
                    61,
                    57,
                    235,
                ]
            ),
            id="caching-sha2",
        ),
        pytest.param(
            CACHING_SHA2,
            bytes([10, 47, 74, 111, 75, 73, 34, 48, 88, 76, 114, 74, 37, 13, 3, 80, 82, 2, 23, 21]),
            "secret2",
            bytes.fromhex("abc3934a012cf342e876071c8ee202de51785b430258a7a0138bc79c4d800bc6"),
            id="caching-sha2-2",
        ),
        pytest.param(NATIVE, b"x" * 20, "", b"", id="empty-password-native"),
        pytest.param(CACHING_SHA2, b"x" * 20, "", b"", id="empty-password-caching-sha2"),
    ],
)
def test_scrambles_match_the_reference_vectors(
    plugin: str, nonce: bytes, password: str, expected: bytes
) -> None:
    assert scramble(plugin, password, nonce) == expected


def test_an_unknown_login_plugin_is_refused() -> None:
    with pytest.raises(ProtocolError, match="client_ed25519"):
        scramble("client_ed25519", "pw", b"x" * 20)


def test_the_handshake_response_asks_for_no_multi_statements_and_no_local_files() -> None:
    greeting = parse_greeting(recorded("mariadb-10.11-greeting")[4:])
    raw = handshake_response(greeting, "root", "")
    flags, max_packet, charset = struct.unpack_from("<IIB", raw)
    assert flags & wire.CLIENT_PROTOCOL_41 and flags & wire.CLIENT_PLUGIN_AUTH
    for never in (
        wire.CLIENT_MULTI_STATEMENTS,
        wire.CLIENT_LOCAL_FILES,
        wire.CLIENT_SSL,
        wire.CLIENT_CONNECT_WITH_DB,
    ):
        assert not flags & never
    assert (max_packet, charset) == (1 << 24, wire.UTF8MB4_GENERAL_CI)
    assert raw[32:] == b"root\0" + b"\0" + b"mysql_native_password\0"  # empty auth response


def test_a_command_is_one_packet_of_sequence_zero() -> None:
    packets = Packets()
    assert packets.encode(wire.query("SELECT 1")) == b"\x09\x00\x00\x00\x03SELECT 1"
    assert packets.seq == 1


def test_a_payload_of_16_mib_goes_in_parts_ending_with_an_empty_one() -> None:
    payload = b"a" * wire.MAX_PART
    out = Packets().encode(payload)
    assert out[:4] == b"\xff\xff\xff\x00" and out[-4:] == b"\x00\x00\x00\x01"
    assert len(out) == wire.MAX_PART + 8
    assert _payload(out) == payload


def test_parts_are_joined_on_the_way_in() -> None:
    big = b"b" * (wire.MAX_PART + 10)
    assert _payload(Packets().encode(big)) == big


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(packet(b"x", 3), id="out-of-sequence"),
        pytest.param(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", id="ssh-banner"),
        pytest.param(b"HTTP/1.1 400 Bad Request\r\n\r\n", id="http"),
        pytest.param(b"\x05\x00\x00\x00ab", id="truncated"),
    ],
)
def test_what_is_not_a_packet_is_one_protocol_error(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        _payload(data)


def test_a_declared_16_mib_part_is_refused_before_it_is_read() -> None:
    # Only the 4-byte header is there: a reader that waited for the body would time out.
    with pytest.raises(TooLargeError):
        _payload(b"\xff\xff\xff\x00", max_body=1024 * 1024, read_timeout=0.2)


def test_parts_adding_up_to_2_gb_stop_at_the_budget() -> None:
    part = b"\xff\xff\xff\x00" + b"z" * wire.MAX_PART
    data = b"".join(part[:3] + bytes([n]) + part[4:] for n in range(3))
    with pytest.raises(TooLargeError):
        _payload(data, max_body=40 * 1024 * 1024)


def test_a_silent_server_is_a_timeout() -> None:
    async def go() -> bytes:
        reader = asyncio.StreamReader()  # never fed, never closed
        return await Packets().read(FrameReader(reader, Limits(read_timeout=0.1)))

    with pytest.raises(TimeoutError_):
        asyncio.run(go())


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        pytest.param(b"\x09", "protocol version 9", id="protocol-9"),
        pytest.param(b"\x0a5.7.1", "NUL", id="version-without-nul"),
        pytest.param(b"\x0a\x00rest", "version", id="empty-version"),
        pytest.param(b"\x0ahello\x00" + bytes(20), "version", id="not-a-version"),
        pytest.param(b"\x0a5.7.1\x00\x01\x00", "shorter", id="truncated"),
        pytest.param(b"\x0a4.0.1\x00" + bytes(4) + b"12345678\x00\x00\x00", "4.1", id="pre-4.1"),
        pytest.param(b"", "empty", id="empty"),
    ],
)
def test_what_is_not_a_greeting_is_refused(payload: bytes, why: str) -> None:
    with pytest.raises(ProtocolError, match=why):
        parse_greeting(payload)


def test_an_error_before_the_handshake_is_the_servers_refusal() -> None:
    # 1130 comes before the client says it speaks 4.1: no SQL state.
    raw = err(1130, "Host '10.0.0.5' is not allowed to connect to this MySQL server", 0, state=None)
    with pytest.raises(ServerError) as caught:
        parse_greeting(raw[4:])
    assert (caught.value.code, caught.value.state) == (1130, "")
    assert "not allowed" in caught.value.message


def test_recorded_login_answers() -> None:
    denied = wire.parse_error(recorded("mariadb-10.11-login-denied")[4:])
    assert (denied.code, denied.state) == (1045, "28000")
    assert "Access denied for user 'root'" in denied.message
    assert recorded("mariadb-10.11-login-ok")[4:5] == b"\x00"


def test_a_recorded_result_set_is_read() -> None:
    got = _result(recorded("mariadb-10.11-who"))
    assert isinstance(got, ResultSet)
    assert [c.name for c in got.columns] == ["VERSION()", "CURRENT_USER()", "@@version_comment"]
    assert got.rows == [(b"10.11.19-MariaDB-0+deb12u1", b"root@127.0.0.1", b"Debian 12")]


def test_an_ok_answer_has_no_columns() -> None:
    assert _result(recorded("mariadb-10.11-set-read-only")) == ResultSet(())


def test_a_refused_statement_is_an_error_value() -> None:
    got = _result(recorded("mariadb-10.11-no-such-table"))
    assert isinstance(got, ServerError) and got.code == 1146


def test_values_of_every_type_read_as_detection_reads_them() -> None:
    # CREATE TABLE t1.types (id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(50), price
    # DECIMAL(8,2), ratio DOUBLE, born DATE, seen DATETIME(3), zero DATETIME, flag BIT(3),
    # raw VARBINARY(8), note TEXT, doc JSON, ip INET6, y YEAR, n INT), one row.
    got = _result(recorded("mariadb-10.11-types"))
    assert isinstance(got, ResultSet)
    (doc,) = documents(got, json_columns=["doc"])
    assert doc == {
        "id": 18446744073709551615,
        "name": "Zoë",
        "price": "12.50",
        "ratio": 0.25,
        "born": "1990-05-01",
        "seen": "2019-01-02T03:04:05.678",
        "zero": None,
        "flag": 5,
        "raw": None,
        "note": "a note",
        "doc": {"city": "Köln", "tags": [1, 2]},
        "ip": "::1",
        "y": 2021,
        "n": None,
    }


def _column(name: bytes = b"c") -> bytes:
    return (
        b"\x03def\x00\x00\x00"
        + bytes([len(name)])
        + name
        + bytes([len(name)])
        + name
        + b"\x0c\x21\x00\x10\x00\x00\x00\xfd\x00\x00\x00\x00\x00"
    )


EOF = b"\xfe\x00\x00\x02\x00"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(packet(b"\xfb/etc/passwd", 1), id="local-infile-request"),
        pytest.param(packet(b"\x02", 1) + packet(_column(), 2), id="fewer-columns-than-said"),
        pytest.param(
            packet(b"\x01", 1) + packet(_column(), 2) + packet(b"\x01x", 3),
            id="no-eof-after-columns",
        ),
        pytest.param(
            packet(b"\x01", 1) + packet(_column(), 2) + packet(EOF, 3) + packet(b"\x05ab", 4),
            id="value-past-the-row",
        ),
        pytest.param(
            packet(b"\x01", 1) + packet(_column(), 2) + packet(EOF, 3) + packet(b"\x01a\x01b", 4),
            id="row-longer-than-its-columns",
        ),
        pytest.param(
            packet(b"\x01", 1)
            + packet(_column(), 2)
            + packet(EOF, 3)
            + packet(b"\xfe\xff\xff\xff\xff\xff\xff\xff\x7f", 4),
            id="2-gb-value-length",
        ),
        pytest.param(
            packet(b"\x01", 1) + packet(_column(), 2) + packet(EOF, 3) + packet(b"\x01a", 4),
            id="rows-without-their-eof",
        ),
        pytest.param(packet(b"\xfc\x00\x10", 1), id="4096-columns-announced-none-sent"),
        pytest.param(packet(b"\xfd\x00\x00\x01", 1), id="65536-columns"),
        pytest.param(packet(b"\x01", 1) + packet(b"\x03def", 2), id="truncated-column"),
        pytest.param(packet(b"", 1), id="empty-answer"),
    ],
)
def test_hostile_result_sets_are_one_protocol_error(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        _result(data)


def test_a_local_file_request_is_refused_by_name() -> None:
    with pytest.raises(ProtocolError, match="local file"):
        _result(packet(b"\xfb/etc/passwd", 1))


def test_an_error_after_some_rows_is_the_answer() -> None:
    data = (
        packet(b"\x01", 1)
        + packet(_column(), 2)
        + packet(EOF, 3)
        + packet(b"\x01a", 4)
        + err(1317, "Query execution was interrupted", 5, "70100")
    )
    got = _result(data)
    assert isinstance(got, ServerError) and got.code == 1317


def test_a_row_whose_first_value_is_long_is_not_mistaken_for_eof() -> None:
    value = b"v" * 300
    data = (
        packet(b"\x01", 1)
        + packet(_column(), 2)
        + packet(EOF, 3)
        + packet(b"\xfc\x2c\x01" + value, 4)
        + packet(EOF, 5)
    )
    got = _result(data)
    assert isinstance(got, ResultSet) and got.rows == [(value,)]


def test_a_null_value_reads_as_none() -> None:
    data = (
        packet(b"\x01", 1)
        + packet(_column(), 2)
        + packet(EOF, 3)
        + packet(b"\xfb", 4)
        + packet(EOF, 5)
    )
    got = _result(data)
    assert isinstance(got, ResultSet) and got.rows == [(None,)]


def test_values_decoded_as_they_are_read_are_the_careful_documents() -> None:
    data = recorded("mariadb-10.11-types")
    raw, fast = _result(data), _result(data, decoder(["doc"]))
    assert isinstance(raw, ResultSet) and isinstance(fast, ResultSet)
    assert decoded(fast) == documents(raw, ["doc"])
    assert fast.last == raw.rows[-1]


def _rows(*payloads: bytes) -> bytes:
    out = packet(b"\x02", 1) + packet(_column(b"a"), 2) + packet(_column(b"b"), 3)
    out += packet(EOF, 4)
    for n, payload in enumerate(payloads):
        out += packet(payload, 5 + n)
    return out + packet(EOF, 5 + len(payloads))


def test_a_row_the_fast_decoding_refuses_is_decoded_the_careful_way() -> None:
    data = _rows(b"\x03abc\x02\xff\xfe", b"\x01x\xfb", b"\x01y\x01z")
    got = _result(data, decoder())
    assert isinstance(got, ResultSet)
    assert decoded(got) == [
        {"a": "abc", "b": "\ufffd\ufffd"},
        {"a": "x", "b": None},
        {"a": "y", "b": "z"},
    ]
    assert got.last == (b"y", b"z")


def test_rows_split_anywhere_across_reads_are_read_alike() -> None:
    data = _rows(*(bytes([5]) + b"v%04d" % n + b"\xfc\x2c\x01" + b"w" * 300 for n in range(50)))
    whole = _result(data)

    async def go(step: int) -> ResultSet | ServerError:
        reader = asyncio.StreamReader()
        for at in range(0, len(data), step):
            reader.feed_data(data[at : at + step])
        reader.feed_eof()
        frames = FrameReader(reader, Limits())
        frames.CHUNK = step
        packets = Packets()
        packets.seq = 1
        return await read_result(packets, frames)

    for step in (1, 3, 7, 300, 4096):
        assert asyncio.run(go(step)) == whole
    assert isinstance(whole, ResultSet) and len(whole.rows) == 50


def test_a_row_longer_than_the_budget_is_refused_before_it_is_read() -> None:
    # The header of a row of 1 MiB, and nothing after it: waiting for its body would time out.
    data = _rows()[: -len(packet(EOF, 5))] + b"\x00\x00\x10\x05"
    with pytest.raises(TooLargeError):
        _result(data, max_body=64 * 1024, read_timeout=0.2)


@pytest.mark.parametrize("chunks", [1, 4, 50])
def test_a_result_set_read_in_parts_gives_every_row_once_then_its_end(chunks: int) -> None:
    """Each part holds at least the rows asked for (or the rest); the bytes received past a
    part are the next part's (``pending``, as a connection hands them on)."""
    from .replay import result_set

    rows = [(f"n{n}", f"p{n}@example.net") for n in range(23)]
    data = result_set(["note", "contact"], rows)

    async def go() -> list[tuple[int, bool]]:
        reader = asyncio.StreamReader()
        step = max(1, len(data) // chunks)
        for at in range(0, len(data), step):
            reader.feed_data(data[at : at + step])
        reader.feed_eof()
        packets = wire.Packets()
        packets.seq = 1
        frames = FrameReader(reader, Limits())  # type: ignore[arg-type]
        header = await wire.read_header(packets, frames)
        assert isinstance(header, wire.Streamed)
        got: list[tuple[bytes, bytes]] = []
        parts: list[tuple[int, bool]] = []
        while not header.ended:
            part, error = await wire.read_rows(packets, frames, header, None, 5)
            assert error is None
            got += [(r[0], r[1]) for r in part]
            parts.append((len(part), header.ended))
            frames = FrameReader(reader, Limits(), frames.pending)  # type: ignore[arg-type]
        assert got == [(a.encode(), b.encode()) for a, b in rows]
        return parts

    parts = asyncio.run(go())
    assert all(n >= 5 for n, _ in parts[:-1]) and [e for _, e in parts].count(True) == 1


def test_a_result_set_of_rows_wider_than_a_part_s_budget_is_read_in_parts_that_fit_it() -> None:
    """Rows of 220 bytes, a part of 100 asked for, a reply's budget of 1,000 bytes: each part
    ends before the row that would take it past its budget."""
    from .replay import result_set

    rows = [("x" * 200, f"p{n}@example.net") for n in range(10)]
    data = result_set(["note", "contact"], rows)

    async def go() -> list[int]:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        packets = wire.Packets()
        packets.seq = 1
        frames = FrameReader(reader, Limits(max_body=1000))  # type: ignore[arg-type]
        header = await wire.read_header(packets, frames)
        assert isinstance(header, wire.Streamed)
        got: list[tuple[bytes, bytes]] = []
        sizes: list[int] = []
        while not header.ended:
            frames = FrameReader(reader, Limits(max_body=1000), frames.pending)  # type: ignore[arg-type]
            part, error = await wire.read_rows(packets, frames, header, None, 100)
            assert error is None
            got += [(r[0], r[1]) for r in part]
            sizes.append(len(part))
        assert got == [(a.encode(), b.encode()) for a, b in rows]
        return sizes

    sizes = asyncio.run(go())
    assert len(sizes) >= 3 and all(0 < n <= 4 for n in sizes[:-1])
