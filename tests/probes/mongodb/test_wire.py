"""OP_MSG written and read bounded; BSON values as detection reads them; the allow-list."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import struct

import bson
import pytest

from leakhound.errors import ProtocolError, TooLargeError
from leakhound.net import FrameReader, Limits
from leakhound.probes.mongodb import ALLOW
from leakhound.probes.mongodb.probe import _fields, _main_date
from leakhound.probes.mongodb.wire import OP_MSG, OP_REPLY, encode, plain, read_message


def _message(doc: bytes, opcode: int = OP_MSG, length: int | None = None, kind: int = 0) -> bytes:
    body = struct.pack("<IB", 0, kind) + doc
    size = 16 + len(body) if length is None else length
    return struct.pack("<iiii", size, 7, 1, opcode) + body


def _read(data: bytes, **limits: float) -> object:
    async def go() -> object:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return await read_message(FrameReader(reader, Limits(**limits)))  # type: ignore[arg-type]

    return asyncio.run(go())


def test_a_command_is_one_op_msg() -> None:
    raw = encode({"hello": 1, "$db": "admin"})
    length, _, response_to, opcode = struct.unpack_from("<iiii", raw)
    assert (length, response_to, opcode) == (len(raw), 0, OP_MSG)
    assert bson.decode(raw[21:]) == {"hello": 1, "$db": "admin"}


def test_a_reply_is_read() -> None:
    assert _read(_message(bson.encode({"ok": 1.0, "maxWireVersion": 21}))) == {
        "ok": 1.0,
        "maxWireVersion": 21,
    }


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"HTTP/1.1 400 Bad Request\r\n\r\n", id="http"),
        pytest.param(_message(bson.encode({"ok": 1}), opcode=OP_REPLY), id="legacy-op-reply"),
        pytest.param(_message(bson.encode({"ok": 1}), opcode=2004), id="other-opcode"),
        pytest.param(_message(bson.encode({"ok": 1}), kind=1), id="document-sequence-first"),
        pytest.param(_message(b"\x05\x00\x00\x00\x01"), id="invalid-bson"),
        pytest.param(_message(bson.encode({"ok": 1}))[:-3], id="truncated"),
        pytest.param(_message(bson.encode({"ok": 1}), length=3), id="length-too-short"),
    ],
)
def test_what_is_not_an_op_msg_reply_is_one_protocol_error(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        _read(data)


def test_a_declared_huge_message_is_refused_before_its_body_is_read() -> None:
    with pytest.raises((ProtocolError, TooLargeError)):
        _read(_message(bson.encode({"ok": 1}), length=2**31 - 1))
    with pytest.raises(TooLargeError):
        _read(_message(bson.encode({"x": "y" * 5000})), max_body=1024)


def test_bson_values_read_as_detection_reads_them() -> None:
    when = dt.datetime(2019, 5, 1, 12, 0, tzinfo=dt.UTC)
    oid = bson.ObjectId("65f0c0ffee0000000000beef")
    doc = {
        "_id": oid,
        "created_at": when,
        "blob": bson.Binary(b"\x00\x01"),
        "n": bson.Int64(5),
        "price": bson.Decimal128("1.50"),
        "tags": ["a", {"b": when}],
    }
    assert plain(doc) == {
        "_id": str(oid),
        "created_at": when.isoformat(),
        "blob": None,
        "n": 5,
        "price": "1.50",
        "tags": ["a", {"b": when.isoformat()}],
    }


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        pytest.param(8_640_000_000_000_000, "+275760-09-13T00:00:00.000Z", id="javascript-max"),
        pytest.param(-8_640_000_000_000_000, "-271821-04-20T00:00:00.000Z", id="javascript-min"),
        pytest.param(253_402_300_800_000, "+10000-01-01T00:00:00.000Z", id="year-10000"),
        pytest.param(-62_135_596_800_001, "0000-12-31T23:59:59.999Z", id="year-0"),
    ],
)
def test_a_date_past_pythons_years_is_read_with_the_rest_of_its_reply(ms: int, text: str) -> None:
    reply = {
        "ok": 1.0,
        "cursor": {"firstBatch": [{"a": "x@example.com", "t": bson.DatetimeMS(ms)}]},
    }
    got = _read(_message(bson.encode(reply)))
    assert isinstance(got, dict)
    doc = got["cursor"]["firstBatch"][0]
    assert plain(doc) == {"a": "x@example.com", "t": text}
    assert _fields(doc) == {"a": "string", "t": "date"}


def test_a_date_within_pythons_years_is_still_a_datetime() -> None:
    when = dt.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=dt.UTC)
    got = _read(_message(bson.encode({"ok": 1.0, "t": when})))
    assert got == {"ok": 1.0, "t": when}


def test_fields_and_the_main_date_come_from_a_document() -> None:
    doc = {
        "_id": "CS-1",
        "created_at": dt.datetime(2019, 1, 1),
        "customer": {"email": "x"},
        "updated_at": dt.datetime(2020, 1, 1),
    }
    fields = _fields(doc)
    assert fields == {
        "_id": "string",
        "created_at": "date",
        "customer.email": "string",
        "updated_at": "date",
    }
    assert _main_date(fields) == "created_at"


@pytest.mark.parametrize(
    "command",
    [
        "eval",
        "mapReduce",
        "aggregate",
        "insert",
        "update",
        "delete",
        "drop",
        "dropDatabase",
        "createUser",
        "setParameter",
        "shutdown",
        "findAndModify",
    ],
)
def test_no_write_or_code_running_command_is_allowed(command: str) -> None:
    assert not ALLOW.allows(command, "") and command in ALLOW.never


@pytest.mark.parametrize(
    ("data", "said"),
    [
        pytest.param(b"ERROR\r\n", "a reply starting 'ERRO'", id="memcached"),
        pytest.param(b"-ERR unknown\r\n", "a reply starting '-ERR'", id="redis"),
        pytest.param(b"\xff\xff\xff\xff", "length -1", id="binary"),
    ],
)
def test_a_reply_shorter_than_a_header_is_judged_by_its_length_without_waiting(
    data: bytes, said: str
) -> None:
    async def go() -> object:
        reader = asyncio.StreamReader()
        reader.feed_data(data)  # and the connection left open
        return await read_message(FrameReader(reader, Limits(read_timeout=5)))

    with pytest.raises(ProtocolError, match=re.escape(said)):
        asyncio.run(asyncio.wait_for(go(), 1))
