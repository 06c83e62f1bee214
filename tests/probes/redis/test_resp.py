"""RESP replies read bounded: every reply type, and what a hostile server could send."""

from __future__ import annotations

import asyncio

import pytest

from leakhound.errors import ProtocolError, TimeoutError_, TooLargeError
from leakhound.net import FrameReader, Limits
from leakhound.probes.redis.resp import RedisError, encode, info_fields, read_reply


def _read(data: bytes, **limits: float) -> object:
    async def go() -> object:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return await read_reply(FrameReader(reader, Limits(**limits)))  # type: ignore[arg-type]

    return asyncio.run(go())


def test_commands_are_arrays_of_bulk_strings() -> None:
    assert encode("SCAN", 0, "MATCH", b"case:*") == (
        b"*4\r\n$4\r\nSCAN\r\n$1\r\n0\r\n$5\r\nMATCH\r\n$6\r\ncase:*\r\n"
    )


@pytest.mark.parametrize(
    ("data", "value"),
    [
        pytest.param(b"+OK\r\n", "OK", id="simple"),
        pytest.param(
            b"-NOAUTH Authentication required.\r\n",
            RedisError("NOAUTH Authentication required."),
            id="error",
        ),
        pytest.param(b":-2\r\n", -2, id="negative-integer"),
        pytest.param(b"$5\r\nhello\r\n", b"hello", id="bulk"),
        pytest.param(b"$-1\r\n", None, id="null-bulk"),
        pytest.param(b"*2\r\n$1\r\n0\r\n*1\r\n$3\r\nkey\r\n", [b"0", [b"key"]], id="scan-page"),
        pytest.param(b"*-1\r\n", None, id="null-array"),
    ],
)
def test_replies_are_read(data: bytes, value: object) -> None:
    assert _read(data) == value


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"HTTP/1.1 400 Bad Request\r\n", id="http"),
        pytest.param(b"$5\r\nhel", id="truncated-bulk"),
        pytest.param(b"$5\r\nhelloXX", id="bulk-without-crlf"),
        pytest.param(b"*x\r\n", id="not-a-length"),
        pytest.param(b"$-7\r\n", id="negative-length"),
        pytest.param(b"*99999999\r\n", id="huge-array"),
        pytest.param(b"*1\r\n" * 20, id="nested-too-deep"),
        pytest.param(b"\r\n", id="empty-line"),
        pytest.param(b":" + b"9" * 30 + b"\r\n", id="integer-too-long"),
    ],
)
def test_what_is_not_resp_is_one_protocol_error(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        _read(data)


def test_a_declared_2gb_bulk_is_refused_before_it_is_read() -> None:
    with pytest.raises(TooLargeError):
        _read(b"$2147483648\r\n" + b"x" * 100, max_body=1 << 20)


def test_a_reply_of_millions_of_tiny_values_is_refused_within_the_byte_cap() -> None:
    # 8 MB of empty arrays: far under the byte cap, over two million lists to build.
    data = b"*20\r\n" + (b"*100000\r\n" + b"*0\r\n" * 100_000) * 20
    with pytest.raises(TooLargeError, match="values"):
        _read(data)


def test_an_array_declaring_more_than_the_reply_may_hold_is_refused_before_it_is_read() -> None:
    # Nine arrays of 100,000 values, then a tenth declared whose values are never sent: it
    # would take the reply past a million, and is refused on its length alone.
    whole = b"*100000\r\n" + b":1\r\n" * 100_000
    with pytest.raises(TooLargeError, match="values"):
        _read(b"*10\r\n" + whole * 9 + b"*100000\r\n")


def test_a_reply_that_stops_is_a_timeout() -> None:
    async def go() -> object:
        reader = asyncio.StreamReader()
        reader.feed_data(b"$10\r\nabc")  # and then nothing, connection kept open
        return await read_reply(FrameReader(reader, Limits(read_timeout=0.2)))

    with pytest.raises(TimeoutError_):
        asyncio.run(go())


def test_info_lines_become_fields() -> None:
    info = b"# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n\r\nrun_id:abc\r\n"
    assert info_fields(info) == {
        "redis_version": "7.0.15",
        "redis_mode": "standalone",
        "run_id": "abc",
    }
