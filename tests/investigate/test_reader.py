"""Reading logs: compressed and rotated sets, globs, and input that must not stop the run."""

from __future__ import annotations

import bz2
import gzip
import os
from pathlib import Path

import pytest
import zstandard
from investigate_helpers import SAMPLES, Run, by_address

from leakhound.investigate import reader
from leakhound.investigate.reader import LogStream, expand

LINE = (
    b'203.0.113.66 - - [05/Mar/2019:04:00:00 +0000] "GET /_cat/indices HTTP/1.1" 200 420 "-" "-"\n'
)


@pytest.mark.parametrize("codec", ["gzip", "bz2", "zstd"])
def test_compressed_logs_are_read_like_plain_ones(tmp_path: Path, run: Run, codec: str) -> None:
    data = (SAMPLES / "nginx-combined.log").read_bytes()
    packed = {
        "gzip": gzip.compress,
        "bz2": bz2.compress,
        "zstd": zstandard.ZstdCompressor().compress,
    }[codec](data)
    path = tmp_path / "access.log.1.x"
    path.write_bytes(packed)
    plain = run(SAMPLES / "nginx-combined.log")
    inv = run(path)
    assert f"{codec}-compressed" in inv.files[0].notes
    assert inv.files[0].lines == plain.files[0].lines
    assert [s.address for s in inv.sources] == [s.address for s in plain.sources]


def test_a_rotated_set_is_read_oldest_first(tmp_path: Path) -> None:
    for name in ("access.log", "access.log.1", "access.log.2.gz", "access.log.10.gz"):
        (tmp_path / name).write_bytes(b"")
    paths, problems, _ = expand([str(tmp_path / "access.log*")])
    assert [Path(p).name for p in paths] == [
        "access.log.10.gz",
        "access.log.2.gz",
        "access.log.1",
        "access.log",
    ]
    assert problems == []


def test_missing_files_and_folders_are_problems_not_failures(tmp_path: Path, run: Run) -> None:
    inv = run(tmp_path / "nope.log", tmp_path, str(tmp_path / "*.none"), SAMPLES / "mongodb.log")
    assert len(inv.problems) == 3
    assert [f.format for f in inv.files] == ["mongodb"]


@pytest.mark.parametrize(
    ("empty", "others", "content"),
    [
        pytest.param("access.log", (), b"", id="alone"),
        # logrotate's create (or copytruncate) leaves the live file at size 0 after .1
        pytest.param("access.log", ("access.log.1",), b"", id="just-rotated"),
        pytest.param("access.log.1.gz", ("access.log",), gzip.compress(b""), id="gzip-of-nothing"),
    ],
)
def test_an_empty_file_is_passed_over_as_empty_and_the_others_read(
    tmp_path: Path, run: Run, empty: str, others: tuple[str, ...], content: bytes
) -> None:
    (tmp_path / empty).write_bytes(content)
    for name in others:
        (tmp_path / name).write_bytes(LINE)
    inv = run(tmp_path, SAMPLES / "mongodb.log")
    assert inv.problems == ()
    assert inv.passed_over == (f"{tmp_path / empty}: empty: nothing to read",)
    read = [(Path(f.path).name, f.format, f.parsed) for f in inv.files]
    assert read[:-1] == [(name, "nginx", 1) for name in others]
    assert read[-1][:2] == ("mongodb.log", "mongodb")


def test_an_empty_file_is_passed_over_whatever_format_is_given(tmp_path: Path, run: Run) -> None:
    (tmp_path / "access.log.1").write_bytes(LINE)
    (tmp_path / "access.log").write_bytes(b"")
    inv = run(tmp_path, format="nginx")
    assert inv.passed_over == (f"{tmp_path / 'access.log'}: empty: nothing to read",)
    assert [(Path(f.path).name, f.parsed) for f in inv.files] == [("access.log.1", 1)]


@pytest.mark.parametrize("fmt", ["auto", "nginx"])
def test_a_file_of_blank_lines_is_passed_over_as_empty(tmp_path: Path, run: Run, fmt: str) -> None:
    # not "format not recognised (give --format)": no format reads a line of it
    (tmp_path / "access.log.1").write_bytes(LINE)
    (tmp_path / "access.log").write_bytes(b"\n\r\n  \n")
    inv = run(tmp_path, format=fmt)
    assert inv.problems == ()
    assert inv.passed_over == (
        f"{tmp_path / 'access.log'}: empty (blank lines only): nothing to read",
    )
    assert [(Path(f.path).name, f.parsed) for f in inv.files] == [("access.log.1", 1)]


PACK = {
    "plain": lambda data: data,
    "gzip": gzip.compress,
    "bz2": bz2.compress,
    "zstd": zstandard.ZstdCompressor().compress,
}


@pytest.mark.parametrize("codec", list(PACK))
@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\n" * (reader.CHUNK + 10), id="over-a-chunk"),
        pytest.param(b" \n" * (reader.CHUNK // 2), id="exactly-a-chunk"),
        pytest.param(b"\r\n" * 100 + b" " * (reader.MAX_LINE * 2) + b"\n\t\n", id="overlong"),
        pytest.param(b" \t" * reader.MAX_LINE, id="overlong-no-line-end"),
    ],
)
def test_a_large_file_of_blank_lines_is_passed_over_as_empty(
    tmp_path: Path, run: Run, codec: str, content: bytes
) -> None:
    # Only a file under one read chunk was seen to be blank: a larger one was "format not
    # recognised (give --format)", or with --format read to its end for no line.
    path = tmp_path / "access.log"
    path.write_bytes(PACK[codec](content))
    for fmt in ("auto", "nginx"):
        inv = run(path, format=fmt)
        assert (inv.problems, inv.files) == ((), ())
        assert inv.passed_over == (f"{path}: empty (blank lines only): nothing to read",)


@pytest.mark.parametrize("codec", ["plain", "gzip"])
def test_text_after_a_chunk_of_blank_lines_is_recognised_and_numbered(
    tmp_path: Path, run: Run, codec: str
) -> None:
    # The blank lines are read past a chunk at a time (never held) to the first lines with
    # text, which the file is recognised by; they still count as lines.
    blank = b"\n" * (reader.CHUNK + 10) + b"  \r\n" * 5
    path = tmp_path / "access.log"
    path.write_bytes(PACK[codec](blank + REQUEST.format(n=1).encode() + LINE))
    inv = run(path)
    assert inv.problems == () and inv.passed_over == ()
    f = inv.files[0]
    first = reader.CHUNK + 10 + 5 + 1
    assert (f.format, f.parsed, f.lines) == ("nginx", 2, first + 1)
    assert by_address(inv)["203.0.113.66"].actions[0].examples[0].line == first + 1


def test_text_after_an_overlong_line_and_a_chunk_of_blank_lines_is_recognised(
    tmp_path: Path, run: Run
) -> None:
    # The overlong line left the blank lines after it as the head: "format not recognised"
    overlong = b"x" * (reader.MAX_LINE + 1) + b"\n"
    path = tmp_path / "access.log"
    path.write_bytes(overlong + b"\n" * (reader.CHUNK + 10) + REQUEST.format(n=1).encode() + LINE)
    inv = run(path)
    assert inv.problems == () and inv.passed_over == ()
    f = inv.files[0]
    first = 1 + reader.CHUNK + 10 + 1
    assert (f.format, f.parsed, f.lines, f.skipped) == ("nginx", 2, first + 1, 1)
    assert by_address(inv)["203.0.113.66"].actions[0].examples[0].line == first + 1


@pytest.mark.parametrize(
    "spaces", [b"\t ", b"\t" * (reader.MAX_LINE * 2)], ids=["short", "overlong"]
)
def test_the_line_the_text_begins_on_after_blank_ones_is_kept_whole(
    tmp_path: Path, spaces: bytes
) -> None:
    # The spaces before the text go with it (a continuation line's indent), and past
    # MAX_LINE the line is cut out as any overlong one, in its place an empty line.
    path = tmp_path / "a.log"
    path.write_bytes(b" \n" * reader.CHUNK + spaces + b"x\ny")
    with LogStream(str(path)) as stream:
        assert not stream.blank
        lines = [ln for batch in stream.batches() for ln in batch]
        overlong = stream.stats.overlong
    assert len(lines) == reader.CHUNK + 2
    assert not any(ln.strip() for ln in lines[: reader.CHUNK])  # each blank line, as a line
    assert lines[-2:] == [spaces + b"x" if len(spaces) < reader.MAX_LINE else b"", b"y"]
    assert overlong == (len(spaces) > reader.MAX_LINE)


def test_an_overlong_first_line_with_text_before_blank_lines_is_not_blank(
    tmp_path: Path, run: Run
) -> None:
    # Cut out unread, but not nothing: "give --format" still stands
    path = tmp_path / "access.log"
    path.write_bytes(b" " * reader.MAX_LINE + b"x" + b"\n" * (reader.CHUNK + 10))
    inv = run(path)
    assert inv.passed_over == ()
    assert inv.problems == (f"{path}: format not recognised from its first lines (give --format)",)


def test_a_file_of_lines_too_long_to_sniff_is_not_passed_over_as_empty(
    tmp_path: Path, run: Run
) -> None:
    # Lines of 64 KiB to 1 MiB (a scanner's long query strings) are left out of what is
    # sniffed, so nothing is seen of the file's first chunk: it is not empty for all that
    q = b"a" * 70_000
    long = LINE.replace(b"/_cat/indices", b"/cases/_search?q=" + q)
    (tmp_path / "access.log").write_bytes(long * 2)
    given = run(tmp_path / "access.log", format="nginx")
    assert given.passed_over == ()
    assert [(f.format, f.parsed) for f in given.files] == [("nginx", 2)]
    auto = run(tmp_path / "access.log")
    assert auto.passed_over == ()
    assert auto.problems == (
        f"{tmp_path / 'access.log'}: format not recognised from its first lines (give --format)",
    )


def test_binary_garbage_is_not_recognised(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "garbage.bin"
    path.write_bytes(os.urandom(200_000))
    inv = run(path)
    assert inv.files == ()
    assert "format not recognised" in inv.problems[0]


def test_binary_garbage_in_a_given_format_is_counted_and_skipped(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "mixed.log"
    path.write_bytes(LINE + os.urandom(5000).replace(b"\n", b" ") + b"\n" + LINE)
    inv = run(path, format="nginx")
    f = inv.files[0]
    assert f.parsed == 2 and f.skipped == 1
    assert by_address(inv)["203.0.113.66"].requests == 2


def test_an_overlong_line_is_cut_out_without_being_held(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "long.log"
    with path.open("wb") as fh:
        fh.write(LINE)
        fh.write(b"x" * (reader.MAX_LINE * 3 + 7) + b"\n")  # three chunks and more
        fh.write(LINE)
    inv = run(path, format="nginx")
    f = inv.files[0]
    assert f.parsed == 2
    assert f.skipped == 1
    assert any("over 1 MiB" in n for n in f.notes)


def test_a_truncated_compressed_file_keeps_what_was_read(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "cut.log.gz"
    packed = gzip.compress(LINE * 50_000)
    path.write_bytes(packed[: len(packed) // 2])
    inv = run(path)
    f = inv.files[0]
    assert 0 < f.parsed < 50_000
    assert any("corrupt or truncated" in n for n in f.notes)


def test_a_small_truncated_gzip_keeps_the_lines_before_the_cut(tmp_path: Path, run: Run) -> None:
    # Under one read chunk: the codec's error used to drop all it had inflated, and the file
    # was called "format not recognised" (a copy taken while logrotate compressed it).
    path = tmp_path / "access.log.1.gz"
    packed = gzip.compress(LINE * 2000)
    path.write_bytes(packed[: len(packed) // 2])
    inv = run(path)
    assert inv.problems == ()
    f = inv.files[0]
    assert f.format == "nginx" and 0 < f.parsed < 2000
    assert any("corrupt or truncated" in n for n in f.notes)


@pytest.mark.parametrize("cut", [0.5, 0.99], ids=["half", "last-bytes"])
def test_a_truncated_zstd_file_says_so(tmp_path: Path, run: Run, cut: float) -> None:
    # zstd's reader ends quietly where the file was cut: the lines before it were read and
    # nothing said that the rest was missing.
    path = tmp_path / "access.log.1.zst"
    packed = zstandard.ZstdCompressor(write_checksum=True).compress(LINE * 50_000)
    path.write_bytes(packed[: int(len(packed) * cut)])
    f = run(path).files[0]
    assert 0 < f.parsed < 50_000
    assert any("corrupt or truncated (a frame cut short" in n for n in f.notes)


def test_whole_zstd_frames_are_no_cut(tmp_path: Path) -> None:
    path = tmp_path / "access.log.zst"
    one = zstandard.ZstdCompressor(write_content_size=False).compress(LINE * 1000)
    rle = zstandard.ZstdCompressor(write_checksum=True).compress(b"\0" * 1_000_000)
    skippable = (0x184D2A50).to_bytes(4, "little") + (3).to_bytes(4, "little") + b"abc"
    path.write_bytes(one + skippable + rle)
    assert reader.zstd_cut(str(path)) is None
    path.write_bytes(one + skippable + rle[:-1])
    assert reader.zstd_cut(str(path)) == f"a frame cut short at byte {path.stat().st_size:,}"


# a format given reads nothing more of it: still a problem, not a file of no line (nor, as a
# compressed file of nothing would be, passed over as empty)
@pytest.mark.parametrize("fmt", ["auto", "nginx"])
def test_a_corrupt_gzip_says_so_not_that_its_format_is_unknown(
    tmp_path: Path, run: Run, fmt: str
) -> None:
    path = tmp_path / "access.log.2.gz"
    path.write_bytes(gzip.compress(LINE * 100)[:12] + b"\xff" * 200)
    inv = run(path, format=fmt)
    assert inv.files == ()
    assert inv.passed_over == ()
    (problem,) = inv.problems
    assert problem.startswith(
        f"{path}: nothing read: the compressed stream is corrupt or truncated"
    )


def test_a_file_of_zeros_is_not_read_to_its_end_for_a_line(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /var/log/lastlog is sparse: hundreds of GB of zeros where UIDs run high, no newline.
    monkeypatch.setattr(reader, "FIRST_LINE_SCAN", 4 << 20, raising=False)
    path = tmp_path / "lastlog"
    with path.open("wb") as fh:
        fh.truncate(64 << 20)
    with LogStream(str(path)) as stream:
        assert stream.stats.inflated_bytes <= 6 << 20
        assert stream.stats.stopped == "no line end in its first 4 MiB: no text log"
    inv = run(tmp_path)
    assert inv.problems == (f"{path}: nothing read: no line end in its first 4 MiB: no text log",)


def test_a_decompression_bomb_is_stopped(tmp_path: Path, run: Run) -> None:
    # 1.25 GiB of zeros in a few hundred KiB of zstd: past the 1 GiB floor at over 1000x.
    path = tmp_path / "bomb.log.zst"
    cctx = zstandard.ZstdCompressor(level=3)
    with path.open("wb") as fh, cctx.stream_writer(fh) as w:
        w.write(LINE * 10)
        block = b"\0" * (1 << 24)
        for _ in range(80):
            w.write(block)
    inv = run(path, format="nginx")
    f = inv.files[0]
    assert f.parsed == 10
    assert any("decompression bomb" in n for n in f.notes)


def test_stdin_is_a_log(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "leakhound", "investigate", "-", "--format-out", "json"],
        input=(SAMPLES / "mongodb.log").read_bytes(),
        capture_output=True,
        check=True,
    )
    assert b'"mongodb"' in out.stdout and b"45.227.254.8" in out.stdout


def test_the_head_is_there_before_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    path.write_bytes(LINE * 3)
    with LogStream(str(path)) as s:
        assert s.head == LINE * 3
        assert sum(len(b) for b in s.batches()) == 3


def test_clock_skew_between_files_is_noted(tmp_path: Path, run: Run) -> None:
    a, b = tmp_path / "web1.log", tmp_path / "web2.log"
    a.write_bytes(LINE.replace(b"04:00:00", b"05:00:00"))
    b.write_bytes(LINE)  # an hour earlier than the end of web1: a host with a skewed clock
    inv = run(a, b)
    assert any("clock skew" in n for n in inv.files[1].notes)
    assert not any("clock skew" in n for n in inv.files[0].notes)


REQUEST = (
    '203.0.113.{n} - - [06/Dec/2026:10:00:0{n} +0000] "GET /cust/_search HTTP/1.1" 200 5000 '
    '"-" "curl/8.5.0"\n'
)


@pytest.mark.parametrize("size", [100_000, reader.MAX_LINE * 3], ids=["over-head", "over-max"])
def test_a_huge_first_line_does_not_hide_the_file(tmp_path: Path, run: Run, size: int) -> None:
    # A request with a huge query string first: the lines after it are what the file is
    # recognised by, and they are read.
    path = tmp_path / "access.log"
    huge = REQUEST.format(n=1).replace("_search", "_search?q=" + "A" * size)
    path.write_text(huge + REQUEST.format(n=2) + REQUEST.format(n=3))
    inv = run(path)
    assert not inv.problems
    f = inv.files[0]
    assert f.format == "nginx" and f.lines == 3
    got = by_address(inv)
    assert set(got) == {"203.0.113.2", "203.0.113.3"} | ({"203.0.113.1"} if size < 2**20 else set())
    assert got["203.0.113.3"].actions[0].examples[0].line == 3


def test_lines_after_an_overlong_one_keep_their_numbers(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "access.log"
    huge = REQUEST.format(n=1).replace("_search", "_search?q=" + "A" * (reader.MAX_LINE * 2))
    path.write_text(REQUEST.format(n=1) + huge + REQUEST.format(n=3))
    inv = run(path)
    f = inv.files[0]
    assert (f.lines, f.skipped) == (3, 1)
    assert by_address(inv)["203.0.113.3"].actions[0].examples[0].line == 3


MYSQL_LINE = b"2019-12-05T10:00:00.000000Z\t    3 Connect\troot@203.0.113.66 on shop using TCP/IP\n"


@pytest.mark.parametrize("first", [b"BZh", b"BZh9 started", b"\x1f\x8bX"])
def test_a_log_that_starts_like_a_compressed_magic_is_read_as_lines(
    tmp_path: Path, run: Run, first: bytes
) -> None:
    # A file whose first bytes were "BZh" (or gzip's two) was taken for a bzip2 (gzip) stream,
    # then refused as corrupt: nothing of it read. A compressed stream's header is longer.
    path = tmp_path / "general.log"
    path.write_bytes(first + b"\n" + MYSQL_LINE)
    inv = run(path, format="mysql")
    assert inv.problems == () and inv.files[0].lines == 2


@pytest.mark.parametrize(
    "packed", [bz2.compress(MYSQL_LINE), bz2.compress(b""), gzip.compress(MYSQL_LINE, mtime=0)]
)
def test_a_compressed_log_is_still_recognised_by_its_header(
    tmp_path: Path, run: Run, packed: bytes
) -> None:
    path = tmp_path / "general.log"  # no .gz/.bz2 name: the header alone says
    path.write_bytes(packed)
    inv = run(path, format="mysql")
    assert inv.problems == ()
    assert not inv.files or inv.files[0].lines == 1


@pytest.mark.parametrize(
    "blank",
    [b"\n" * 3, b" \r\n\t\n" * 3, b"\n" * (reader.HEAD + 10), b"\n" * (reader.CHUNK + 10)],
    ids=["blank-lines", "spaces", "more-than-sniffed", "chunks-of-blank-lines"],
)
@pytest.mark.parametrize("size", [100_000, reader.MAX_LINE * 2], ids=["over-head", "over-max"])
def test_a_huge_first_line_after_blank_ones_does_not_hide_the_file(
    tmp_path: Path, run: Run, blank: bytes, size: int
) -> None:
    # Blank lines, then a line longer than what is sniffed: the head was the blank lines and
    # the start of that line, "format not recognised from its first lines"
    path = tmp_path / "access.log"
    huge = REQUEST.format(n=1).replace("_search", "_search?q=" + "A" * size).encode()
    path.write_bytes(blank + huge + REQUEST.format(n=2).encode() + REQUEST.format(n=3).encode())
    inv = run(path)
    assert inv.problems == () and inv.passed_over == ()
    (f,) = inv.files
    before = blank.count(b"\n")
    overlong = size > reader.MAX_LINE
    assert (f.format, f.lines, f.skipped) == ("nginx", before + 3, int(overlong))
    got = by_address(inv)
    assert ("203.0.113.1" in got) is not overlong  # cut out unread, as one unreadable line
    assert got["203.0.113.3"].actions[0].examples[0].line == before + 3


def test_an_overlong_line_ended_in_the_next_chunk_is_cut_out(tmp_path: Path, run: Run) -> None:
    # Begun in one chunk and ended in the next, a line up to two chunks long was read whole
    # (a request read as any other) where one over MAX_LINE is cut out unread.
    path = tmp_path / "access.log"
    huge = REQUEST.format(n=2).replace("_search", "_search?q=" + "A" * (reader.MAX_LINE + 99))
    path.write_text(REQUEST.format(n=1) + huge + REQUEST.format(n=3))
    inv = run(path)
    (f,) = inv.files
    assert (f.lines, f.skipped) == (3, 1)
    assert any("over 1 MiB" in n for n in f.notes)
    assert set(by_address(inv)) == {"203.0.113.1", "203.0.113.3"}


@pytest.mark.parametrize(
    "blank", [reader.HEAD + 10, reader.CHUNK // 2], ids=["head", "half-a-chunk"]
)
def test_more_blank_lines_than_are_sniffed_do_not_hide_the_file(
    tmp_path: Path, run: Run, blank: int
) -> None:
    # Over 64 KiB of blank lines but under a chunk: what was sniffed was blank lines alone,
    # "format not recognised from its first lines"
    path = tmp_path / "access.log"
    path.write_text("\n" * blank + REQUEST.format(n=1) + REQUEST.format(n=2))
    inv = run(path)
    assert inv.problems == ()
    (f,) = inv.files
    assert (f.format, f.lines, f.skipped) == ("nginx", blank + 2, 0)
    assert by_address(inv)["203.0.113.2"].actions[0].examples[0].line == blank + 2


BOM = b"\xef\xbb\xbf"
W3C_LOG = (
    b"#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
    b"#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    b"cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n"
    b"2019-03-05 04:00:00 10.0.0.5 GET /cust/_search - 443 - 203.0.113.66 curl/8.5.0 - 200 0 0 5\n"
)
JSON_LINE = (
    b'{"time_local": "05/Mar/2019:04:00:00 +0000", "remote_addr": "203.0.113.66", '
    b'"request": "GET /_cat/indices HTTP/1.1", "status": 200}\n'
)


@pytest.mark.parametrize(
    ("text", "fmt", "found"),
    [
        pytest.param(W3C_LOG, "auto", "w3c", id="w3c-its-version-directive"),
        pytest.param(W3C_LOG, "w3c", "w3c", id="w3c-given"),
        pytest.param(JSON_LINE, "auto", "json", id="nginx-json"),
        pytest.param(JSON_LINE, "json", "json", id="nginx-json-given"),
        pytest.param(LINE, "auto", "nginx", id="clf"),
        pytest.param(LINE, "nginx", "nginx", id="clf-given"),
    ],
)
@pytest.mark.parametrize("codec", ["plain", "gzip"])
def test_a_byte_order_mark_before_the_first_line_is_read_as_absent(
    tmp_path: Path, run: Run, text: bytes, fmt: str, found: str, codec: str
) -> None:
    # IIS and Windows tools begin a UTF-8 file with one: a W3C or JSON log was "format not
    # recognised", and a CLF line's client was "\ufeff203.0.113.66"
    last = text.splitlines(keepends=True)[-1]
    data = BOM + text + last.replace(b".66", b".67")
    path = tmp_path / "access.log"
    path.write_bytes(gzip.compress(data) if codec == "gzip" else data)
    inv = run(path, format=fmt)
    assert inv.problems == ()
    (f,) = inv.files
    assert (f.format, f.lines, f.skipped) == (found, data.count(b"\n"), 0)
    assert sorted(by_address(inv)) == ["203.0.113.66", "203.0.113.67"]
    assert by_address(inv)["203.0.113.66"].first_seen == "2019-03-05T04:00:00Z"


def test_a_byte_order_mark_only_begins_a_file(tmp_path: Path) -> None:
    # Left out where the file begins, not where a line does: the second line keeps its bytes
    path = tmp_path / "access.log"
    path.write_bytes(BOM + LINE + BOM + LINE)
    with LogStream(str(path)) as stream:
        lines = [ln for batch in stream.batches() for ln in batch]
    assert lines == [LINE.rstrip(b"\n"), BOM + LINE.rstrip(b"\n")]
