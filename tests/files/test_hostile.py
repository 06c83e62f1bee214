"""Hostile files: one reason each, bounded memory (tracemalloc) and time, nothing found lost.

Every input starts with good records; each test checks that they survive, that reading ends
with one line saying why, and that the peak of memory allocated while reading stays within a
bound set well under the hostile input's own size. Timeouts guard against hangs only.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from leakhound.files import FileDocs, FileReader, Limits, documents

from .xlsxmake import handmade

MiB = 1 << 20
GOOD = b"email,phone\njane@example.com,+44 20 7946 0958\nbob@example.org,555 0100\n"
GOOD_EMAILS = ["jane@example.com", "bob@example.org"]


def _peak(fn: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def _stream(chunks: Iterator[bytes], name: str, limits: Limits | None = None) -> FileDocs:
    reader = FileReader(name, limits=limits)
    docs: list[dict[str, Any]] = []
    for chunk in chunks:
        docs += reader.feed(chunk)
    docs += reader.close()
    r = reader.result()
    return FileDocs(
        r.name,
        r.format,
        tuple(docs),
        r.rows,
        r.skipped,
        r.reasons,
        r.truncated,
        r.stopped,
        r.members,
    )


def _one_line(text: str | None) -> str:
    assert text is not None and "\n" not in text and len(text) < 300
    return text


def _zeros_deflated(size: int, wbits: int) -> bytes:
    """size zero bytes compressed, made in pieces (the zeros are never held whole)."""
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    piece = bytes(MiB)
    return b"".join(c.compress(piece) for _ in range(size // MiB)) + c.flush()


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """Good rows, then a gzip member of 256 MiB of zeros (about 250 KiB on disk)."""
    return gzip.compress(GOOD) + _zeros_deflated(256 * MiB, 16 + zlib.MAX_WBITS)


@pytest.mark.timeout(60)
def test_truncated_gzip_keeps_its_rows_and_says_it_is_truncated() -> None:
    data = gzip.compress(GOOD + b"carol@example.net,1\n" * 1000)
    r, peak = _peak(lambda: documents(data[: len(data) - 30], "x.csv.gz"))
    assert [d["email"] for d in r.docs[:2]] == GOOD_EMAILS
    assert r.truncated
    assert _one_line(r.stopped) == "gzip stream ends early: the file is truncated"
    assert peak < 4 * MiB


@pytest.mark.timeout(120)
def test_gzip_bomb_stops_at_the_ratio_cap(gzip_bomb: bytes) -> None:
    r, peak = _peak(lambda: documents(gzip_bomb, "x.csv.gz"))
    assert [d["email"] for d in r.docs] == GOOD_EMAILS
    assert "expands more than 200:1 (a decompression bomb?)" in _one_line(r.stopped)
    assert peak < 16 * MiB


@pytest.mark.timeout(120)
def test_gzip_bomb_within_the_ratio_stops_at_the_output_cap(gzip_bomb: bytes) -> None:
    limits = Limits(max_ratio=100_000, max_output=64 * MiB)
    r, peak = _peak(lambda: documents(gzip_bomb, "x.csv.gz", limits=limits))
    assert [d["email"] for d in r.docs] == GOOD_EMAILS
    assert _one_line(r.stopped) == "stopped at the cap of 64 MiB of decompressed data"
    assert r.truncated
    assert peak < 16 * MiB


@pytest.mark.timeout(120)
def test_zip_bomb_member_is_stopped_and_the_others_read() -> None:
    raw = _zeros_deflated(256 * MiB, -zlib.MAX_WBITS)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("a.csv", GOOD)
        # A member claiming deflate over the raw bomb: its header as zip writes it.
        info = zipfile.ZipInfo("bomb.csv")
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, b"")  # placeholder, rewritten below
        z.writestr("c.csv", GOOD)
    data = _replace_member(out.getvalue(), "bomb.csv", raw)
    r, peak = _peak(lambda: documents(data, "backup.zip"))
    notes = {m.name: m.note for m in r.members}
    assert "expands more than 200:1" in _one_line(notes["bomb.csv"])
    assert notes["a.csv"] is None and notes["c.csv"] is None
    assert [d["email"] for d in r.docs if d["_member"] != "bomb.csv"] == GOOD_EMAILS * 2
    assert peak < 16 * MiB


def _replace_member(data: bytes, name: str, raw: bytes) -> bytes:
    """The zip with one member's compressed bytes replaced (local header sizes set to match;
    the directory at the end is left as it was: the walk reads local headers)."""
    import struct

    at = data.index(b"PK\x03\x04" + data[4:4], data.index(name.encode()) - 30)
    (csize,) = struct.unpack_from("<I", data, at + 18)
    nlen, xlen = struct.unpack_from("<HH", data, at + 26)
    start = at + 30 + nlen + xlen
    header = bytearray(data[at:start])
    struct.pack_into("<II", header, 18, len(raw), 256 * MiB)
    return data[:at] + bytes(header) + raw + data[start + csize :]


@pytest.mark.timeout(120)
def test_csv_with_a_100_mb_line_skips_that_line_in_bounded_memory() -> None:
    def chunks() -> Iterator[bytes]:
        yield GOOD + b"mallory@example.com,"
        for _ in range(100):
            yield b"x" * MiB
        yield b"\ncarol@example.net,1\n"

    r, peak = _peak(lambda: _stream(chunks(), "x.csv"))
    assert [d["email"] for d in r.docs] == [*GOOD_EMAILS, "carol@example.net"]
    assert r.skipped == 1
    assert _one_line(r.reasons[0]) == "line 4: longer than 1048576 characters, skipped"
    assert peak < 8 * MiB


_DIMENSION = '<dimension ref="A1:XFD1048576000"/>'


@pytest.mark.timeout(60)
def test_xlsx_with_a_billion_row_dimension_reads_its_rows() -> None:
    sheet = (
        f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{_DIMENSION}<sheetData>"
        '<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>jane@example.com</t></is></c></row>'
        '<row r="1000000000"><c r="XFD1000000000" t="inlineStr"><is><t>far</t></is></c>'
        '<c r="A1000000000" t="inlineStr"><is><t>bob@example.org</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    r, peak = _peak(lambda: documents(handmade([sheet]), "x.xlsx"))
    assert [(d["_row"], d["email"]) for d in r.docs] == [
        (2, "jane@example.com"),
        (1000000000, "bob@example.org"),
    ]
    assert peak < 4 * MiB


@pytest.mark.timeout(120)
def test_xlsx_shared_strings_are_capped_in_count_and_size() -> None:
    import base64

    huge = base64.b64encode(os.urandom(15 * MiB)).decode()  # 20 MiB that do not compress
    shared = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>email</t></si><si><t>jane@example.com</t></si>"
        f"<si><t>{huge}</t></si>" + "<si><t>s</t></si>" * 300_000 + "</sst>"
    )
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>2</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>299000</v></c></row>'
    )
    data = handmade([sheet], shared)
    del huge, shared
    r, peak = _peak(lambda: documents(data, "x.xlsx"))
    assert r.docs[0]["email"] == "jane@example.com"
    assert len(r.docs[0]["col2"]) == 64 * 1024  # a cell is kept to max_cell characters
    assert len(r.docs) == 1  # row 3's one cell points past the 262,144 strings kept
    assert _one_line(r.reasons[0]).startswith("XLSX: over 262144 shared strings")
    assert peak < 64 * MiB


@pytest.mark.timeout(60)
def test_xlsx_entity_expansion_is_refused() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    r = documents(handmade([laughs]), "x.xlsx")
    assert r.docs == ()
    assert _one_line(r.stopped) == "XLSX: XML with a DTD or an entity declaration refused"


@pytest.mark.timeout(60)
def test_deeply_nested_json_is_one_skipped_record() -> None:
    data = b'[{"email": "jane@example.com"}, ' + b"[" * 50_000 + b"]" * 50_000 + b"]"
    r, peak = _peak(lambda: documents(data, "x.json"))
    assert [d["email"] for d in r.docs] == ["jane@example.com"]
    assert r.skipped == 1 and "not JSON" in _one_line(r.reasons[0])
    assert peak < 32 * MiB


@pytest.mark.timeout(60)
def test_sql_string_that_never_closes() -> None:
    data = (
        b"INSERT INTO t (email) VALUES ('jane@example.com'), ('"
        + b"z" * (8 * MiB)
        + b"\nINSERT INTO t (email) VALUES ('late@example.com');\n"
    )
    r, peak = _peak(
        lambda: _stream(iter([data[i : i + MiB] for i in range(0, len(data), MiB)]), "x.sql")
    )
    assert r.docs[0]["email"] == "jane@example.com"
    assert "longer than 1048576 characters" in _one_line(r.reasons[0])
    assert peak < 16 * MiB


def test_random_bytes_are_listed_not_parsed() -> None:
    r = documents(os.urandom(64 * 1024), "blob.bin")
    assert (r.format, r.rows) == ("binary", 0)
    assert r.stopped == "listed, not parsed: unknown binary"


@pytest.mark.parametrize("seed", [81, 123, 125, 132, 167, 269])
def test_random_bytes_with_a_newline_before_their_first_nul_are_binary(seed: int) -> None:
    """About 2% of random blobs have a newline before their first NUL and few control
    characters before it: they were read as text, then zeros (these seeds, found so)."""
    blob = random.Random(seed).randbytes(64 * 1024)
    r = documents(blob, "blob.bin")
    assert (r.format, r.rows) == ("binary", 0)


@pytest.mark.timeout(60)
def test_zip_with_too_many_members_stops_at_the_cap() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("first.csv", GOOD)
        for i in range(3000):
            z.writestr(f"m{i}.txt", b"")
    r = documents(out.getvalue(), "x.zip")
    assert [d["email"] for d in r.docs] == GOOD_EMAILS
    assert _one_line(r.stopped) == "zip holds more than 256 members: the rest not read"


@pytest.mark.timeout(60)
def test_document_cap_keeps_exactly_the_cap() -> None:
    data = b"email\n" + b"u@example.com\n" * 5000
    r = documents(data, "x.csv", limits=Limits(max_docs=1000))
    assert r.rows == len(r.docs) == 1000
    assert r.stopped == "stopped at the cap of 1000 documents"
