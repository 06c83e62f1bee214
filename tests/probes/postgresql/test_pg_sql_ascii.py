"""A database of encoding SQL_ASCII holds any bytes: its session reads them as they are
(``client_encoding`` SQL_ASCII: a UTF8 session has the server refuse the first value that is
not UTF-8, the whole sample or page with it), and a byte that is not UTF-8 reads as its
Latin-1 character: two values that differ stay two, never one "\\ufffd"."""

from __future__ import annotations

import asyncio
import re
import struct
from typing import Any

import pytest

from leakhound.errors import ProtocolError
from leakhound.models import Endpoint
from leakhound.net import FrameReader, Limits, Scope, Transport
from leakhound.probes.keyset import digest
from leakhound.probes.postgresql import ALLOW, allow, distinct
from leakhound.probes.postgresql.allow import RAW_ENCODING
from leakhound.probes.postgresql.connection import connect
from leakhound.probes.postgresql.copy import CopyRows
from leakhound.probes.postgresql.wire import STRAY, Result, read_result

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


_STORED = '"email"::pg_catalog.text COLLATE pg_catalog."C"'
_BYTES = f"pg_catalog.convert_to({_STORED}, 'SQL_ASCII')"


_MD5 = f'pg_catalog.md5({_BYTES}) COLLATE pg_catalog."C"'


class _BytePages:
    """A SQL_ASCII database's column listed as its values' bytes (bytea's hex output), each
    beside its MD5, in the order of that, each page after the MD5 of the last; as text, a
    page after a value past ASCII is refused, as PostgreSQL refuses ``E'\\U000000e9'`` in
    such a database."""

    def __init__(self, values: list[bytes]) -> None:
        self.values = sorted(values, key=digest)
        self.asked: list[str] = []

    async def run(self, sql: str, *, width: int | None = None) -> Result:
        assert ALLOW.allows("query", sql), sql
        self.asked.append(sql)
        size = int(sql.rsplit(" LIMIT ", 1)[1])
        after = re.search(r"OPERATOR\(pg_catalog\.>\) '([0-9a-f]{32})'", sql)
        left = [v for v in self.values if after is None or digest(v) > after[1]]
        rows = [["\\x" + v.hex(), digest(v)] for v in left[:size]]
        return Result([("v", 17), ("h", 25)], rows)


def _listed_as_bytes(conn: Any, size: int) -> list[str]:
    async def go() -> list[str]:
        got = distinct.values(conn, "public", "t", "email", size, as_bytes=True)
        return [v async for v in got]

    return asyncio.run(go())


def test_a_sql_ascii_column_is_listed_by_its_bytes_page_after_page() -> None:
    # Latin-1 "jos\xe9" and UTF-8 "josé" read alike (one page held both: as text, "a page
    # that does not move on"), and a page after a value past ASCII (as text: refused by the
    # server, "conversion between UTF8 and SQL_ASCII is not supported").
    utf8 = "josé@x.com".encode()
    conn = _BytePages([JOSE, JOSE_GRAVE, utf8, b"plain@x.com", b"a@x.com"])
    assert sorted(_listed_as_bytes(conn, 2)) == [
        "a@x.com",
        "josè@x.com",
        "josé@x.com",
        "josé@x.com",
        "plain@x.com",
    ]
    assert conn.asked[0].startswith(f"SELECT DISTINCT {_BYTES}, {_MD5} FROM ONLY ")
    assert conn.asked[1].endswith(
        f"WHERE {_MD5} OPERATOR(pg_catalog.>) '{digest(conn.values[1])}' ORDER BY 2 LIMIT 2"
    )


def test_a_listing_by_bytes_goes_on_past_a_value_too_long_to_write_back() -> None:
    # Free text of 5,000 bytes: paged after as its bytes, the listing stopped there ("too
    # long to page after"); after its MD5, it goes on.
    long = [b"note \xe9 " + bytes([97 + n]) * 5000 for n in range(5)]
    conn = _BytePages([*long, b"plain@x.com", JOSE])
    got = _listed_as_bytes(conn, 2)
    assert sorted(got) == sorted(v.decode("utf-8", STRAY) for v in conn.values)
    assert len(conn.asked) == 4 and all(len(s) < 600 for s in conn.asked)


def test_an_answer_that_is_not_bytea_hex_is_one_protocol_error() -> None:
    class Escaped(_BytePages):
        async def run(self, sql: str, *, width: int | None = None) -> Result:
            return Result([("v", 17)], [["jos\\351@x.com"]])  # bytea_output = escape

    with pytest.raises(ProtocolError, match="not bytea's hex"):
        _listed_as_bytes(Escaped([]), 2)


_FIRST = (
    f'SELECT DISTINCT {_BYTES}, {_MD5} FROM ONLY "public"."t" WHERE "email" IS NOT NULL '
    "ORDER BY 2 LIMIT 5"
)
_NEXT = (
    f'SELECT DISTINCT {_BYTES}, {_MD5} FROM ONLY "public"."t" WHERE {_MD5} '
    f"OPERATOR(pg_catalog.>) '{'0a' * 16}' ORDER BY 2 LIMIT 5"
)


@pytest.mark.parametrize("statement", [_FIRST, _NEXT])
def test_a_listing_by_bytes_is_allowed(statement: str) -> None:
    assert ALLOW.allows("query", statement)
    assert distinct.bytes_page_of("public", "t", "email", None, 5) == _FIRST
    assert distinct.bytes_page_of("public", "t", "email", "0a" * 16, 5) == _NEXT


@pytest.mark.parametrize(
    "statement",
    [
        # the server's catalogs; another encoding; a value after which to page but an MD5
        _FIRST.replace('"email"', '"rolpassword"').replace(
            '"public"."t"', '"pg_catalog"."pg_authid"'
        ),
        _FIRST.replace("SQL_ASCII", "UTF8"),
        _NEXT.replace("'0a0a", "'0a' OR pg_sleep(10) IS NULL OR '0a0a"),
        _NEXT.replace("0a" * 16, "0a" * 17),
        _NEXT.replace(f"'{'0a' * 16}'", "pg_catalog.pg_read_binary_file('/etc/passwd')"),
        _NEXT.replace("pg_catalog.md5", "md5"),
        _NEXT.replace("'SQL_ASCII')) COLLATE pg_catalog.\"C\"", "'SQL_ASCII'))"),
    ],
)
def test_no_other_listing_by_bytes_is_allowed(statement: str) -> None:
    assert not ALLOW.allows("query", statement)


def _as_read(raw: bytes) -> bytes:
    """``allow.AS_READ`` as PostgreSQL computes it, its regular expressions run by Python's
    ``re`` on the bytes (one character a byte, as in SQL_ASCII; its alternatives start with
    bytes of their own, so the first that matches is also the longest, as PostgreSQL picks)."""
    utf8 = allow.UTF8_CHAR.encode()
    if re.fullmatch(b"(?:" + utf8 + b")*", raw):
        return raw
    out = b""
    for one, stray in re.findall(b"((?:" + utf8 + b"))|([\\x80-\\xff])", raw):
        out += one or stray.decode("latin-1").encode()
    return out


_SPELLINGS = [
    "jos\xe9@x.com",  # Latin-1
    "jos\xc3\xa9@x.com",  # UTF-8
    "caf\xc3\xa9 \xe9",  # both in one value
    "caf\xe9 \xe9",
    "\xc3",  # a lead byte alone
    "\xc3\x83",  # its Latin-1 character in UTF-8
    "\xe2\x82\xac",  # €
    "\xe2\x82",  # a sequence cut short
    "\xc3\xa2\xc2\x82",
    "\xed\xa0\x80",  # a surrogate: not UTF-8
    "\xf4\x90\x80\x80",  # past U+10FFFF
    "\xc0\xaf",  # an overlong "/"
    "\xf0\x9f\x98\x80 \xff",
    "plain@x.com",
]


@pytest.mark.parametrize("text", _SPELLINGS)
def test_a_sql_ascii_value_is_counted_as_it_is_read(text: str) -> None:
    raw = text.encode("latin-1")
    assert _as_read(raw) == raw.decode("utf-8", STRAY).encode()


def test_the_latin1_and_utf8_spellings_of_one_text_are_counted_once() -> None:
    raws = [t.encode("latin-1") for t in _SPELLINGS]
    read = {r.decode("utf-8", STRAY) for r in raws}
    assert len({_as_read(r) for r in raws}) == len(read) < len(raws)
    # Counted so in a SQL_ASCII database (as stored elsewhere), the statement allowed.
    counted = distinct.count_of("public", "t", "email", raw=True)
    assert ALLOW.allows("query", counted)
    assert counted.startswith(
        "SELECT pg_catalog.count(DISTINCT " + allow.AS_READ.replace("{v}", _STORED)
    )
    assert allow.AS_READ not in distinct.count_of("public", "t", "email")
