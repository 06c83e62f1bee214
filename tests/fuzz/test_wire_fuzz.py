"""The database kinds' wire parsers over arbitrary bytes: a value or one NetError, nothing else,
within the reply budget."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Awaitable, Callable
from itertools import pairwise
from typing import Any

import bson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from leakhound.errors import NetError, ProtocolError
from leakhound.net import FrameReader, Limits
from leakhound.probes.mongodb.wire import read_message as read_op_msg
from leakhound.probes.postgresql.connection import _greeted, _result, json_value
from leakhound.probes.postgresql.copy import CopyRows
from leakhound.probes.postgresql.wire import read_copy, read_copy_part
from leakhound.probes.redis.resp import read_reply

from .budget import budget

FAST = budget(1000)
LIMITS = Limits(read_timeout=0.5, max_body=64 * 1024)


def _parse(reader: Callable[[FrameReader], Awaitable[Any]], data: bytes) -> Any:
    async def go() -> Any:
        stream = asyncio.StreamReader()
        stream.feed_data(data)
        stream.feed_eof()
        return await reader(FrameReader(stream, LIMITS))

    try:
        return asyncio.run(go())
    except NetError as exc:
        assert str(exc) and "\n" not in str(exc)
        return exc


def _resp_like() -> st.SearchStrategy[bytes]:
    line = st.sampled_from([b"+", b"-", b":", b"$", b"*"]).flatmap(
        lambda k: st.one_of(
            st.integers(-3, 10**6).map(lambda n: k + str(n).encode()),
            st.binary(max_size=12).map(lambda b: k + b),
        )
    )
    return st.lists(st.one_of(line, st.binary(max_size=20)), max_size=8).map(
        lambda parts: b"\r\n".join(parts) + b"\r\n"
    )


@FAST
@given(data=st.one_of(st.binary(max_size=300), _resp_like()))
@example(data=b"*1\r\n" * 50)
@example(data=b"$9223372036854775807\r\n")
def test_resp_gives_a_value_or_one_net_error(data: bytes) -> None:
    _parse(read_reply, data)


def _op_msg(doc: bytes, opcode: int, length_delta: int, flags: int) -> bytes:
    body = struct.pack("<IB", flags, 0) + doc
    return struct.pack("<iiii", 16 + len(body) + length_delta, 1, 1, opcode) + body


@FAST
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.builds(
            _op_msg,
            st.one_of(
                st.binary(max_size=80), st.just(bson.encode({"ok": 1, "x": [1, {"y": "z"}]}))
            ),
            st.sampled_from([2013, 1, 2004, 0]),
            st.integers(-20, 20),
            st.sampled_from([0, 1, 2, 2**31]),
        ),
    )
)
def test_op_msg_gives_a_document_or_one_net_error(data: bytes) -> None:
    got = _parse(read_op_msg, data)
    assert isinstance(got, NetError | dict)


def _pg_messages() -> st.SearchStrategy[bytes]:
    one = st.tuples(
        st.sampled_from(list(b"REASKZTDCINHXdc")), st.binary(max_size=40), st.integers(-8, 8)
    ).map(lambda t: bytes([t[0]]) + struct.pack(">i", max(0, len(t[1]) + 4 + t[2])) + t[1])
    return st.lists(one, max_size=8).map(b"".join)


@FAST
@given(data=st.one_of(st.binary(max_size=300), _pg_messages()))
def test_postgresql_answers_give_a_value_or_one_net_error(data: bytes) -> None:
    _parse(_greeted, data)
    _parse(_result, data)


@FAST
@given(data=st.one_of(st.binary(max_size=300), _pg_messages()))
def test_a_postgresql_copy_gives_its_rows_or_one_net_error(data: bytes) -> None:
    got = _parse(read_copy, data)
    assert isinstance(got, NetError | list)


class _Chunks:
    """A socket that hands its bytes out in the given chunks, then the end."""

    def __init__(self, data: bytes, cuts: list[int]) -> None:
        bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
        self.chunks = [data[a:b] for a, b in pairwise(bounds)]

    async def read(self, n: int) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""


def _copy_in_parts(data: bytes, cuts: list[int], upto: int) -> tuple[list[list[bytes]], Any]:
    """A COPY's answer read a part of ``upto`` rows at a time, each part with a reader of its
    own (as ``TcpStream.more`` reads on): the parts, then True (ended) or the error."""

    async def go() -> tuple[list[list[bytes]], Any]:
        sock: Any = _Chunks(data, cuts)
        pending, parts = b"", []
        while True:
            frames = FrameReader(sock, LIMITS, pending)
            try:
                lines, ended = await read_copy_part(frames, None, upto)
            except NetError as exc:
                assert str(exc) and "\n" not in str(exc)
                return parts, exc
            pending = frames.pending
            parts.append(lines)
            if ended:
                return parts, True

    return asyncio.run(go())


def _copy_answer(rows: list[bytes], tail: bytes) -> bytes:
    def msg(kind: bytes, body: bytes) -> bytes:
        return kind + struct.pack(">i", len(body) + 4) + body

    head = msg(b"H", b"\x00\x00\x01\x00\x00")
    return head + b"".join(msg(b"d", r) for r in rows) + tail


_COPY_TAILS = st.sampled_from(
    [
        b"c\x00\x00\x00\x04C\x00\x00\x00\x0bCOPY 3\x00Z\x00\x00\x00\x05I",
        b"E\x00\x00\x00\x0fSERROR\x00Mno\x00\x00Z\x00\x00\x00\x05I",
        b"c\x00\x00\x00\x04",
        b"",
        b"Q\x00\x00\x00\x04",
    ]
)


@FAST
@given(
    data=st.one_of(
        st.binary(max_size=300),
        _pg_messages(),
        st.builds(_copy_answer, st.lists(st.binary(max_size=12), max_size=12), _COPY_TAILS),
    ),
    cuts=st.lists(st.integers(0, 400), max_size=6),
    upto=st.integers(1, 5),
)
def test_a_postgresql_copy_read_in_parts_is_the_copy_read_whole(
    data: bytes, cuts: list[int], upto: int
) -> None:
    whole = _parse(read_copy, data)
    parts, end = _copy_in_parts(data, cuts, upto)
    # Every part but the last holds at least ``upto`` rows (the budget, far larger, cuts none).
    assert all(len(p) >= upto for p in (parts if end is not True else parts[:-1]))
    if isinstance(whole, list):
        assert end is True and [line for p in parts for line in p] == whole
    else:
        assert type(end) is type(whole) and str(end) == str(whole)


_COPY_TEXT = st.lists(
    st.text(alphabet=st.sampled_from(list("ab\\\t\nNnrtx\u00e9")), max_size=30).map(
        lambda t: t.encode() + b"\n"
    ),
    max_size=5,
)


@FAST
@given(lines=st.one_of(_COPY_TEXT, st.lists(st.binary(max_size=40), max_size=5)))
def test_copy_text_gives_documents_or_one_protocol_error(lines: list[bytes]) -> None:
    rows = CopyRows([("a", 25), ("b", 23), ("c", 3802)])
    try:
        docs, last = rows.documents(lines)
    except ProtocolError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert len(docs) == len(lines) and all(set(d) == {"a", "b", "c"} for d in docs)
    assert isinstance(last, str)


_COPY_COLUMNS = [("a", 25), ("b", 23), ("c", 3802)]


def _copy_escaped(value: str | None) -> str:
    """A value as COPY TO writes it (PostgreSQL's CopyAttributeOutText)."""
    if value is None:
        return "\\N"
    out = value.replace("\\", "\\\\")
    for char, letter in (("\b", "b"), ("\f", "f"), ("\n", "n"), ("\r", "r"), ("\t", "t")):
        out = out.replace(char, "\\" + letter)
    return out.replace("\v", "\\v")


# Text as a table holds it: any character but NUL (and surrogates, which UTF-8 cannot hold),
# the escaped ones and NULL-like text often.
_CELL = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=12),
    st.text(alphabet=st.sampled_from(list("aN\\\t\n\r\b\f\v\u00e9\u4e2d")), max_size=8),
)


@FAST
@given(
    table=st.integers(1, 4).flatmap(
        lambda width: st.lists(st.lists(_CELL, min_size=width, max_size=width), max_size=6)
    )
)
def test_copy_text_reads_back_the_values_it_was_written_from(
    table: list[list[str | None]],
) -> None:
    if not table:
        return
    names = [f"c{i}" for i in range(len(table[0]))]
    lines = [("\t".join(map(_copy_escaped, row)) + "\n").encode() for row in table]
    docs, last = CopyRows([(name, 25) for name in names]).documents(lines, positioned=False)
    assert last == "" and docs == [dict(zip(names, row, strict=True)) for row in table]


@pytest.mark.parametrize(
    "value",
    ['{"city": "Paris"}', "not json", None, "[1, 2]", "\\N", "a\\tb"],
)
def test_a_json_column_of_a_window_reads_as_json_value(value: str | None) -> None:
    rows = CopyRows(_COPY_COLUMNS)
    lines = [f"x\t5\t{_copy_escaped(value)}\n".encode(), b'y\t\\N\t{"k": 1}\n']
    docs, _ = rows.documents(lines, positioned=False)
    assert docs[0]["c"] == json_value(value) and docs[1] == {"a": "y", "b": None, "c": {"k": 1}}
