"""A database of encoding SQL_ASCII holds any bytes: its session reads them as they are
(``client_encoding`` SQL_ASCII: a UTF8 session has the server refuse the first value that is
not UTF-8, the whole sample or page with it), and a byte that is not UTF-8 reads as its
Latin-1 character: two values that differ stay two, never one "\\ufffd"."""

from __future__ import annotations

import asyncio
import struct

import pytest

from leakhound.models import Endpoint
from leakhound.net import FrameReader, Limits, Scope, Transport
from leakhound.probes.postgresql import ALLOW
from leakhound.probes.postgresql.allow import RAW_ENCODING
from leakhound.probes.postgresql.connection import connect
from leakhound.probes.postgresql.copy import CopyRows
from leakhound.probes.postgresql.wire import read_result

JOSE, JOSE_GRAVE = b"jos\xe9@x.com", b"jos\xe8@x.com"  # Latin-1, as SQL_ASCII keeps them


def _msg(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack(">i", len(body) + 4) + body


READY = _msg(b"Z", b"I")


def _result(*values: bytes) -> bytes:
    out = _msg(
        b"T", struct.pack(">h", 1) + b"email\0" + struct.pack(">ihihih", 0, 0, 25, -1, -1, 0)
    )
    for v in values:
        out += _msg(b"D", struct.pack(">hi", 1, len(v)) + v)
    return out + _msg(b"C", b"SELECT 1\0") + READY


def _rows(data: bytes) -> list[list[str | None]]:
    async def go() -> list[list[str | None]]:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return (await read_result(FrameReader(reader, Limits()))).rows  # type: ignore[arg-type]

    return asyncio.run(go())


def test_values_that_differ_in_a_byte_that_is_not_utf8_stay_two() -> None:
    rows = _rows(_result(JOSE, JOSE_GRAVE, "josé@x.com".encode()))
    assert rows == [["josé@x.com"], ["josè@x.com"], ["josé@x.com"]]
    docs, _ = CopyRows([("email", 25)]).documents(
        [JOSE + b"\n", JOSE_GRAVE + b"\n", b"a\xff\xfe\n"], positioned=False
    )
    assert [d["email"] for d in docs] == ["josé@x.com", "josè@x.com", "aÿþ"]


@pytest.mark.parametrize(
    ("encoding", "raw"), [("SQL_ASCII", True), ("sql_ascii", True), ("UTF8", False)]
)
def test_a_sql_ascii_database_is_read_as_its_bytes(encoding: str, raw: bool) -> None:
    sent: list[bytes] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        (length,) = struct.unpack(">i", await reader.readexactly(4))
        await reader.readexactly(length - 4)  # the startup
        status = b"server_encoding\0" + encoding.encode() + b"\0"
        writer.write(_msg(b"R", struct.pack(">i", 0)) + _msg(b"S", status) + READY)
        try:
            while (kind := await reader.readexactly(1)) != b"X":
                (length,) = struct.unpack(">i", await reader.readexactly(4))
                sent.append(kind + (await reader.readexactly(length - 4)).rstrip(b"\0"))
                writer.write(_msg(b"C", b"SET\0") + READY)
        except asyncio.IncompleteReadError:
            pass
        writer.close()

    async def go() -> None:
        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            transport = Transport(Limits(), Scope({("127.0.0.1", port)}), None)
            conn = await connect(transport, Endpoint("127.0.0.1", port, "postgresql"))
            await conn.close()

    asyncio.run(go())
    assert (b"Q" + RAW_ENCODING.encode() in sent) is raw
    assert ALLOW.allows("query", RAW_ENCODING)
