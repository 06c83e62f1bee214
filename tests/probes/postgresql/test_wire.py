"""PostgreSQL messages read bounded, and the statement allow-list against hostile names."""

from __future__ import annotations

import asyncio
import struct
import tracemalloc

import pytest

from leakhound.errors import ProtocolError, TooLargeError
from leakhound.net import FrameReader, Limits
from leakhound.probes.postgresql import ALLOW
from leakhound.probes.postgresql.allow import quote
from leakhound.probes.postgresql.connection import cell
from leakhound.probes.postgresql.copy import CopyRows
from leakhound.probes.postgresql.wire import (
    ServerError,
    read_copy,
    read_copy_part,
    read_result,
    startup,
)


def _msg(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack(">i", len(body) + 4) + body


def _columns(*names: tuple[str, int]) -> bytes:
    body = struct.pack(">h", len(names))
    for name, oid in names:
        body += name.encode() + b"\0" + struct.pack(">ihihih", 0, 0, oid, -1, -1, 0)
    return _msg(b"T", body)


def _row(*values: bytes | None) -> bytes:
    body = struct.pack(">h", len(values))
    for v in values:
        body += struct.pack(">i", -1) if v is None else struct.pack(">i", len(v)) + v
    return _msg(b"D", body)


READY = _msg(b"Z", b"I")


def _read(data: bytes, **limits: float) -> object:
    async def go() -> object:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return await read_result(FrameReader(reader, Limits(**limits)))  # type: ignore[arg-type]

    return asyncio.run(go())


def test_the_startup_names_the_user_and_the_database() -> None:
    raw = startup("postgres", "support")
    (length, protocol) = struct.unpack_from(">ii", raw)
    assert length == len(raw) and protocol == 196608
    assert b"user\0postgres\0database\0support\0" in raw and raw.endswith(b"\0\0")
    assert b"TimeZone\0UTC\0" in raw  # the session's zone, asked without a statement


def test_a_result_is_read_with_its_columns() -> None:
    got = _read(
        _columns(("email", 25), ("n", 23))
        + _row(b"j@x.org", b"5")
        + _row(None, b"7")
        + _msg(b"C", b"SELECT 2\0")
        + READY
    )
    assert got.columns == [("email", 25), ("n", 23)]  # type: ignore[attr-defined]
    assert got.rows == [["j@x.org", "5"], [None, "7"]]  # type: ignore[attr-defined]


def test_an_error_response_is_raised_after_ready() -> None:
    error = _msg(b"E", b"SERROR\0C42501\0Mpermission denied for table cases\0\0")
    with pytest.raises(ServerError) as info:
        _read(error + READY)
    assert info.value.code == "42501" and "permission denied" in str(info.value)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"HTTP/1.1 400 Bad Request\r\n\r\n", id="http"),
        pytest.param(b"T\x00\x00\x00\x02", id="length-under-four"),
        pytest.param(_columns(("a", 25)) + _row(b"x", b"y") + READY, id="more-values-than-columns"),
        pytest.param(
            _columns(("a", 25)) + b"D" + struct.pack(">ih", 10, 1) + struct.pack(">i", 1000),
            id="value-longer-than-its-row",
        ),
        pytest.param(_columns(("a", 25)), id="no-ready"),
    ],
)
def test_what_is_not_a_result_is_one_protocol_error(data: bytes) -> None:
    with pytest.raises((ProtocolError, struct.error, ValueError, IndexError)):
        _read(data)


def test_a_declared_2gb_message_is_refused_before_it_is_read() -> None:
    with pytest.raises(TooLargeError):
        _read(b"D" + struct.pack(">i", 2**31 - 1) + b"x" * 100, max_body=1 << 20)


def test_json_and_integers_read_as_values() -> None:
    assert cell('{"city": "Paris"}', 3802) == {"city": "Paris"}
    assert cell("42", 23) == 42 and cell("x", 23) == "x" and cell(None, 25) is None


@pytest.mark.parametrize(
    "name",
    [
        'weird";drop table x;--',
        'a"."b',
        "semi;colon",
        'quote"',
        "new\nline",
        "/* c */",
    ],
)
def test_a_hostile_name_stays_one_quoted_identifier(name: str) -> None:
    statement = f"SELECT * FROM ONLY {quote('public')}.{quote(name)} LIMIT 10"
    assert ALLOW.allows("query", statement)
    # whatever follows a name cannot pass as another statement
    assert not ALLOW.allows("query", statement + "; DROP TABLE x")


@pytest.mark.parametrize(
    "statement",
    [
        "COPY cases TO PROGRAM 'sh'",
        "COPY cases TO '/tmp/x'",
        "COPY cases TO STDOUT",
        'COPY (SELECT *, ctid::text AS "?ctid" FROM ONLY "public"."t" WHERE ctid > \'(0,0)\'::tid '
        "ORDER BY ctid LIMIT 10) TO PROGRAM 'sh'",
        'COPY (SELECT *, ctid::text AS "?ctid" FROM ONLY "public"."t" WHERE ctid > \'(0,0)\'::tid '
        "ORDER BY ctid LIMIT 10) TO STDOUT; COPY cases FROM PROGRAM 'sh'",
        'COPY "public"."t" FROM STDIN',
        "SELECT pg_read_file('/etc/passwd')",
        "DROP TABLE cases",
        "INSERT INTO cases VALUES (1)",
        "UPDATE cases SET a = 1",
        "SET default_transaction_read_only = off",
        "SELECT * FROM cases",
        'SELECT * FROM "public"."cases" LIMIT 10; DELETE FROM cases',
        "SELECT lo_import('/etc/passwd')",
        "CREATE EXTENSION dblink",
        # the server's catalogs, whatever a listing said: pg_authid holds password hashes
        'SELECT * FROM ONLY "pg_catalog"."pg_authid" LIMIT 5',
        'SELECT count(*) FROM ONLY "pg_catalog"."pg_shadow"',
        'COPY (SELECT * FROM ONLY "pg_catalog"."pg_authid" WHERE ctid > \'(0,0)\'::tid '
        "AND ctid < '(9,0)'::tid LIMIT 10) TO STDOUT",
        'SELECT * FROM ONLY "information_schema"."tables" LIMIT 5',
        'SELECT * FROM ONLY "pg_toast"."pg_toast_1260" LIMIT 5',
        # the range plan's question: planned, never run, of a user's table alone
        'EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM ONLY "public"."t" '
        "WHERE ctid > '(0,0)'::tid AND ctid < '(8,0)'::tid",
        'EXPLAIN (COSTS OFF) SELECT * FROM ONLY "public"."t" '
        "WHERE ctid > '(0,0)'::tid AND ctid < '(8,0)'::tid; DELETE FROM t",
        'EXPLAIN (COSTS OFF) DELETE FROM ONLY "public"."t" '
        "WHERE ctid > '(0,0)'::tid AND ctid < '(8,0)'::tid",
        'EXPLAIN (COSTS OFF) SELECT * FROM ONLY "pg_catalog"."pg_authid" '
        "WHERE ctid > '(0,0)'::tid AND ctid < '(8,0)'::tid",
        # a stream: a user's table whole, to the client, nothing after it
        'COPY (SELECT *, ctid::text AS "?ctid" FROM ONLY "pg_catalog"."pg_authid") TO STDOUT',
        'COPY (SELECT *, ctid::text AS "?ctid" FROM ONLY "public"."t") TO PROGRAM \'sh\'',
        'COPY (SELECT *, ctid::text AS "?ctid" FROM ONLY "public"."t") TO STDOUT; '
        "COPY t FROM PROGRAM 'sh'",
        "SET synchronize_seqscans = off; DROP TABLE t",
    ],
)
def test_no_other_statement_is_allowed(statement: str) -> None:
    assert not ALLOW.allows("query", statement)


def test_a_name_cannot_hold_a_nul() -> None:
    with pytest.raises(ValueError):
        quote("a\0b")


def _copy(data: bytes, chunks: int = 1, **limits: float) -> list[bytes]:
    """read_copy over ``data`` arriving in ``chunks`` pieces."""

    async def go() -> list[bytes]:
        reader = asyncio.StreamReader()
        step = max(1, len(data) // chunks)
        pieces = [data[at : at + step] for at in range(0, len(data), step)]
        loop = asyncio.get_running_loop()
        for n, piece in enumerate(pieces):
            loop.call_later(0.001 * n, reader.feed_data, piece)
        loop.call_later(0.001 * (len(pieces) + 2), reader.feed_eof)
        return await read_copy(FrameReader(reader, Limits(**limits)))  # type: ignore[arg-type]

    return asyncio.run(go())


def _copy_reply(*lines: bytes) -> bytes:
    out = _msg(b"H", struct.pack(">bh", 0, 2) + struct.pack(">hh", 0, 0))
    out += b"".join(_msg(b"d", line) for line in lines)
    return out + _msg(b"c", b"") + _msg(b"C", b"COPY 2\0") + READY


@pytest.mark.parametrize("chunks", [1, 3, 17, 200])
def test_copy_rows_are_read_whole_however_they_arrive(chunks: int) -> None:
    lines = [b"a@x.org\t(0,1)\n", b"b\\nc\t(0,2)\n"] * 20
    assert _copy(_copy_reply(*lines), chunks) == lines


def test_a_copy_row_longer_than_a_chunk_is_read_whole() -> None:
    long = b"x" * 700_000 + b"\t(0,1)\n"
    assert _copy(_copy_reply(long, b"y\t(0,2)\n"), 9) == [long, b"y\t(0,2)\n"]


def test_a_copy_error_is_raised_after_ready() -> None:
    error = _msg(b"E", b"SERROR\0C25006\0Mcannot execute COPY in a read-only transaction\0\0")
    with pytest.raises(ServerError) as info:
        _copy(error + READY)
    assert info.value.code == "25006"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_msg(b"D", b"\0\0") + READY, id="a-data-row-in-a-copy"),
        pytest.param(b"d\x00\x00\x00\x02" + READY, id="length-under-four"),
        pytest.param(_msg(b"d", b"x\t(0,1)\n"), id="no-ready"),
        pytest.param(b"HTTP/1.1 200 OK\r\n\r\n", id="http"),
    ],
)
def test_what_is_not_a_copy_is_one_protocol_error(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        _copy(data)


def test_a_declared_2gb_copy_row_is_refused_before_it_is_read() -> None:
    with pytest.raises(TooLargeError):
        _copy(b"d" + struct.pack(">i", 2**31 - 1) + b"x" * 100, max_body=1 << 20)


def test_copy_rows_past_the_budget_are_refused() -> None:
    with pytest.raises(TooLargeError):
        _copy(_copy_reply(*[b"x" * 1000 + b"\t(0,1)\n"] * 100), 4, max_body=50_000)


_COLUMNS = [("email", 25), ("n", 23), ("location", 3802), ("notes", 25)]


def test_copy_text_reads_as_the_query_protocol_s_values() -> None:
    docs, last = CopyRows(_COLUMNS).documents(
        [
            b'a@x.org\t5\t{"city": "Paris"}\tline one\\nline two\\ttabbed\t(0,1)\n',
            b"\\N\t\\N\t\\N\tback\\\\nslash \\\\ \\r \\v\\b\\f \\q\t(3,12)\n",
        ]
    )
    assert docs == [
        {
            "email": "a@x.org",
            "n": 5,
            "location": {"city": "Paris"},
            "notes": "line one\nline two\ttabbed",
        },
        {"email": None, "n": None, "location": None, "notes": "back\\nslash \\ \r \v\b\f q"},
    ]
    assert last == "(3,12)"


def test_a_window_s_rows_come_without_positions_even_of_no_columns() -> None:
    docs, last = CopyRows(_COLUMNS[:2]).documents([b"a@x.org\t5\n"], positioned=False)
    assert (docs, last) == ([{"email": "a@x.org", "n": 5}], "")
    assert CopyRows([]).documents([b"\n", b"\n"], positioned=False) == ([{}, {}], "")
    with pytest.raises(ProtocolError):
        CopyRows([]).documents([b"x\n"], positioned=False)


def test_copy_text_is_utf8_and_a_byte_that_is_not_reads_as_latin1() -> None:
    # Only a database of encoding SQL_ASCII sends one (test_pg_sql_ascii.py).
    docs, _ = CopyRows(_COLUMNS[:1]).documents(["Zoë Ärger".encode() + b"\xff\t(0,1)\n"])
    assert docs == [{"email": "Zoë Ärgerÿ"}]


def test_a_window_s_page_of_many_escapes_is_read_in_a_few_copies_of_its_bytes() -> None:
    # Text of short lines (an address, a log): an escape every few bytes. Undoing them by
    # an object each held ~70 times the page at once: 2 GB for a page at the reply's cap.
    value = b"\\nab" * 50_000
    lines = [value + b"\t\\N\n"] * 5
    page = sum(map(len, lines))
    tracemalloc.start()
    try:
        docs, _ = CopyRows([("notes", 25), ("n", 23)]).documents(lines, positioned=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert docs == [{"notes": "\nab" * 50_000, "n": None}] * 5
    assert peak < 6 * page, f"{peak / page:.0f} times the page"


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param([b"only-one-value\n"], id="too-few-values"),
        pytest.param([b"a\t1\t{}\tn\textra\t(0,1)\n"], id="too-many-values"),
        pytest.param([b"a\t1\t{}\tn\t(0,1)"], id="no-line-end"),
        pytest.param([b"a\t1\t{}\tn\t(0,1)\na\t1\t{}\tn\t(0,2)\n"], id="two-rows-in-one"),
        pytest.param([b"a\t1\t{}\tn\t\\N\n"], id="no-position"),
    ],
)
def test_a_copy_row_of_the_wrong_shape_is_one_protocol_error(lines: list[bytes]) -> None:
    with pytest.raises(ProtocolError):
        CopyRows(_COLUMNS).documents(lines)


@pytest.mark.parametrize("chunks", [1, 5, 60])
def test_a_copy_read_in_parts_gives_every_row_once_and_then_its_end(chunks: int) -> None:
    """Each part holds at least the rows asked for (or the rest); the bytes received past a
    part are the next part's (``pending``, as a connection hands them on)."""
    lines = [f"{n}@x.org\t(0,{n})\n".encode() for n in range(1, 101)]

    async def go() -> list[tuple[int, bool]]:
        reader = asyncio.StreamReader()
        data = _copy_reply(*lines)
        step = max(1, len(data) // chunks)
        for at in range(0, len(data), step):
            reader.feed_data(data[at : at + step])
        reader.feed_eof()
        pending, parts, got = b"", [], []
        while True:
            frames = FrameReader(reader, Limits(), pending)  # type: ignore[arg-type]
            part, ended = await read_copy_part(frames, None, 30)
            pending = frames.pending
            got += part
            parts.append((len(part), ended))
            if ended:
                assert got == lines
                return parts

    parts = asyncio.run(go())
    assert all(n >= 30 for n, _ in parts[:-1]) and parts[-1][1]
    assert [ended for _, ended in parts].count(True) == 1


def test_a_copy_of_rows_wider_than_a_part_s_budget_is_read_in_parts_that_fit_it() -> None:
    """Rows of 300 bytes, a part of 100 asked for, a reply's budget of 1,000 bytes: each part
    ends before the row that would take it past its budget (a part of rows as wide as a
    table of documents holds, a page of them over the budget, is not refused on every try)."""
    lines = [b"x" * 290 + b"\t(0,%d)\n" % n for n in range(1, 11)]

    async def go() -> list[int]:
        reader = asyncio.StreamReader()
        reader.feed_data(_copy_reply(*lines))
        reader.feed_eof()
        pending, sizes, got = b"", [], []
        while True:
            frames = FrameReader(reader, Limits(max_body=1000), pending)  # type: ignore[arg-type]
            part, ended = await read_copy_part(frames, None, 100)
            pending = frames.pending
            got += part
            sizes.append(len(part))
            if ended:
                assert got == lines
                return sizes

    sizes = asyncio.run(go())
    assert len(sizes) > 3 and all(0 < n <= 3 for n in sizes[:-1])
