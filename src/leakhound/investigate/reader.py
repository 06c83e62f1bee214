"""Log files as batches of raw lines: globs, folders, rotated sets, gzip/bz2/zstd, stdin; bounded
always.

A line longer than ``MAX_LINE`` is cut out whole (counted, never held: a 1 GB single line
costs one chunk of memory), and a compressed file that inflates beyond ``BOMB_RATIO`` times its
own size past ``BOMB_FLOOR`` bytes is stopped as a decompression bomb. Lines come in batches
(one read chunk each) so the parsers' loops run without a generator step per line.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

CHUNK = 1 << 20
MAX_LINE = 1 << 20  # 1 MiB: no access, audit or flow log line is near it
FIRST_LINE_SCAN = 64 << 20  # a file whose first line runs past this is no log
# gzip reaches ~20x on access logs and zstd ~50x; 1000x past 1 GiB is no log anyone wrote.
BOMB_RATIO = 1000
BOMB_FLOOR = 1 << 30

# A compressed stream's first bytes: gzip's magic and deflate (its one method); bzip2's "BZh",
# its block size and the magic of its first block (or of its end, when empty); zstd's magic.
# Not "BZh" alone: a log whose first line starts so is a log, not a corrupt bzip2 stream.
_MAGIC = (
    (re.compile(rb"\x1f\x8b\x08"), "gzip"),
    (re.compile(rb"BZh[1-9](?:1AY&SY|\x17rE8P\x90)"), "bz2"),
    (re.compile(rb"\x28\xb5\x2f\xfd"), "zstd"),
)
MAGIC_BYTES = 10  # the longest of them
UTF8_BOM = b"\xef\xbb\xbf"
_ROTATED = re.compile(r"\.(\d+)(?:\.(?:gz|bz2|zst))?$")


class InputProblem(Exception):
    """A file that cannot be read as a whole (missing, unreadable, a bomb): one line why."""


@dataclass
class ReadStats:
    """What the reader had to drop from one file, with why."""

    overlong: int = 0
    compressed_bytes: int = 0
    inflated_bytes: int = 0
    stopped: str | None = None
    notes: list[str] = field(default_factory=list)


def expand(specs: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Paths for LOG arguments (files, globs, folders, ``-``), oldest rotation first; the
    problems (what cannot be read); and what a folder holds besides its files, passed over.

    ``access.log.2.gz, access.log.1, access.log`` is the order nginx/logrotate wrote them in;
    a folder is its files (not those of the folders in it, nor of a folder a glob matches), in
    that order, set by set.
    """
    paths: list[str] = []
    problems: list[str] = []
    passed: list[str] = []
    for spec in specs:
        if spec == "-":
            paths.append("-")
            continue
        matches = glob.glob(spec) if glob.has_magic(spec) else [spec]
        if not matches:
            problems.append(f"{spec}: no file matches")
            continue
        found: list[str] = []
        for m in matches:
            if not os.path.isdir(m):
                found.append(m)
            elif m == spec:
                found += _folder(m, problems, passed)
            else:  # as inside a folder given: its files are not below a glob's
                passed.append(f"{m}: a folder matched by {spec}: not read (give it as a LOG)")
        for m in sorted(found, key=_rotation_key):
            if m not in paths:
                paths.append(m)
    return _once(paths, passed), problems, passed


def _once(paths: list[str], passed: list[str]) -> list[str]:
    """Each file once, however many names reach it (a symlink beside its target in a folder,
    a folder and one of its files both given): under its own name rather than a link's, with
    a line for each other name. Read twice, its requests and records would count twice."""
    names: dict[tuple[int, int], list[str]] = {}
    for p in paths:
        try:
            st = os.stat(p) if p != "-" else None
        except OSError:
            continue  # opening it says why it cannot be read
        if st is not None:
            names.setdefault((st.st_dev, st.st_ino), []).append(p)
    other: dict[str, str] = {}
    for group in names.values():
        kept = min(group, key=os.path.islink)  # the first name that is no link, else the first
        other.update((p, kept) for p in group if p != kept)
    for p, kept in other.items():
        passed.append(f"{p}: the same file as {kept}: read once")
    return [p for p in paths if p not in other]


def _folder(path: str, problems: list[str], passed: list[str]) -> list[str]:
    """The files of a folder (not below it), and a line for each other entry."""
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        problems.append(f"{path}: cannot list the folder: {exc.strerror or exc}")
        return []
    files = []
    inside = os.path.realpath(path)
    for entry in entries:
        try:
            folder, regular = entry.is_dir(), entry.is_file()
        except OSError as exc:  # a symlink loop, a link into a folder it may not enter
            passed.append(f"{entry.path}: cannot tell what it is ({exc.strerror or exc}): not read")
            continue
        if regular and entry.is_symlink():
            # A folder of logs handed over (an archive) may link to this machine's own files
            # (~/.ssh/id_rsa): their lines would show in the report as unreadable examples.
            target = os.path.realpath(entry.path)
            if os.path.dirname(target) != inside:
                passed.append(
                    f"{entry.path}: a link to {target}, not in {path}: not read (give it as "
                    "a LOG to read it)"
                )
                continue
        if folder:
            passed.append(f"{entry.path}: a folder inside {path}: not read (give it as a LOG)")
        elif regular:
            files.append(entry.path)
        else:
            passed.append(f"{entry.path}: not a regular file: not read")
    if not files:
        problems.append(f"{path}: a folder with no file in it")
    return files


# The date a file was rotated on, as its name ends: logrotate's dateext (-20261201,
# -2026120103, or -2026-12-01 by a dateformat), MongoDB's logRotate (.2026-12-06T10-00-00)
_DATED = re.compile(
    r"[-.](\d{4})-?(\d\d)-?(\d\d)(?:[T_-]?(\d\d)(?:-?(\d\d))?(?:-?(\d\d))?)?"
    r"(?:\.(?:gz|bz2|zst))?$"
)


# Eight digits after a dot are a date (dateext with dateformat .%Y%m%d), not a count
_YYYYMMDD = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


# A file named by its host's address (a syslog server's /var/log/remote/10.0.0.1): its last
# number is of the name, not a rotation; 10.0.0.2 is another host's log, not 10.0.0.1's older
_ADDRESS = re.compile(r"(?:^|[/\\])\d{1,3}(?:\.\d{1,3}){3}(?:\.(?:gz|bz2|zst))?$")


def _rotation_key(path: str) -> tuple[str, int]:
    m = _ROTATED.search(path)
    if m and _ADDRESS.search(path):
        return (re.sub(r"\.(gz|bz2|zst)$", "", path), 0)
    if m and _YYYYMMDD.fullmatch(m.group(1)):
        m = None  # read as the date it is, below: a newer date is a higher number
    if m and len(m.group(1)) < 9:  # higher rotation numbers are older: read them first
        return (path[: m.start()], -int(m.group(1)))
    if m:  # Apache's rotatelogs: the time the file was started (epoch seconds), no count
        return (path[: m.start()], int(m.group(1)) - 10**15)
    m = _DATED.search(path)
    if m:  # older dates first, all before the file still written (0)
        stamp = "".join(g or "00" for g in m.groups())  # YYYYMMDDhhmmss
        return (path[: m.start()], int(stamp) - 10**14)
    base = re.sub(r"\.(gz|bz2|zst)$", "", path)
    return (base, 0)


def rotated_sets(paths: list[str]) -> list[list[str]]:
    """``paths`` as the rotated sets they make, each oldest first, in the order the sets
    first appear: ``access.log`` given before ``access.log.1`` is still read after it, and
    the files of one set are read as one stream (a connection open across a rotation is
    one). Stdin is a set of its own."""
    sets: dict[str | int, list[tuple[int, str]]] = {}
    for i, p in enumerate(paths):
        # Stdin given twice is read to its end the first time: one set, both would be
        # opened (their first lines read) before either is read, losing those lines
        name, place = (i, 0) if p == "-" else _set_of(p)
        sets.setdefault(name, []).append((place, p))
    return [[p for _, p in sorted(group, key=lambda e: e[0])] for group in sets.values()]


def _set_of(path: str) -> tuple[str, int]:
    """The log a file is of, however its folder is named (``./a/x.log.1``, ``a//x.log``, a
    link to the folder), and its place in that set; a link to a file is of its target's."""
    base, place = _rotation_key(os.path.realpath(path) if os.path.islink(path) else path)
    return os.path.join(os.path.realpath(os.path.dirname(base)), os.path.basename(base)), place


def _open(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputProblem(f"{path}: cannot read: {exc.strerror or exc}") from exc


class _Counting:
    """A raw file that counts the bytes read from it (for the bomb ratio)."""

    def __init__(self, raw: Any, stats: ReadStats) -> None:
        self._raw = raw
        self._stats = stats

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self._stats.compressed_bytes += len(data)
        return data

    def readinto(self, b: bytearray | memoryview) -> int:  # gzip/bz2 use it
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()


def _decompressed(raw: BinaryIO, head: bytes, stats: ReadStats) -> tuple[Any, str | None]:
    """A stream of the file's content and its compression (None when plain)."""
    counted: Any = _Counting(_Prefixed(raw, head), stats)  # a readable file to the codecs
    for magic, kind in _MAGIC:
        if magic.match(head):
            if kind == "gzip":
                return gzip.GzipFile(fileobj=counted), kind
            if kind == "bz2":
                return bz2.BZ2File(counted), kind
            import zstandard

            reader = zstandard.ZstdDecompressor().stream_reader(counted, read_across_frames=True)
            return cast(BinaryIO, reader), kind
    return counted, None


class _Prefixed:
    """A stream whose first bytes were already read (to sniff the compression)."""

    def __init__(self, raw: BinaryIO, head: bytes) -> None:
        self._raw = raw
        self._head = head

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n < 0:
                data, self._head = self._head + self._raw.read(), b""
                return data
            data, self._head = self._head[:n], self._head[n:]
            if len(data) < n:
                data += self._raw.read(n - len(data))
            return data
        return self._raw.read(n)

    def close(self) -> None:
        self._raw.close()


class Lines(Protocol):
    """What a parser reads: one file (``LogStream``), or the files of a rotated set read as
    one stream (``rotated.RotatedSet``)."""

    @property
    def head(self) -> bytes:
        """The first lines, to sniff (of the first file of a set)."""
        ...

    def batches(self) -> Iterator[list[bytes]]:
        """The lines, a chunk's worth at a time."""
        ...

    def chunks(self) -> Iterator[bytes]:
        """The content, a chunk at a time (formats that are not line-based)."""
        ...


class LogStream:
    """One log file opened once: its first bytes for sniffing, then all of it, bounded."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.stats = ReadStats()
        self._raw = _open(path)
        try:
            magic = self._raw.read(MAGIC_BYTES)
            self._stream, self.compression = _decompressed(self._raw, magic, self.stats)
        except Exception:
            self.close()
            raise
        if self.compression:
            self.stats.notes.append(f"{self.compression}-compressed")
        self._unread_text = False  # an overlong first line cut out held more than spaces
        self._blank_ends = 0  # line ends of blank lines read past, given back by chunks()
        self._blank_tail = b""  # the spaces the first line with text begins with
        self._first = self._first_lines()
        # Nothing at all in it (a log just rotated, a .gz of nothing): not the same as an
        # empty head, which lines too long to sniff by also leave
        self.empty = not self._first
        # Blank lines after an overlong first line too: the lines with text after them are
        # what it is recognised by (not blank, though: that line held more than spaces)
        if not self.empty and not self._first.strip():
            self._first = self._past_blank(self._first)
        # The first line with text may run past the chunk it starts in (blank lines, even
        # chunks of them, before a 2 MiB line): read to its end, and cut out if it is overlong
        self._first = self._whole_first_text(self._first)
        # Read to its end, and nothing but line ends and spaces in it (however large): no
        # line for any format either
        self.blank = (
            not self.empty and not self._first and not self._unread_text and not self.stats.stopped
        )
        self.head = _sniffable(self._blank_tail + self._first)

    def _past_blank(self, chunk: bytes) -> bytes:
        """From a first chunk of nothing but blank lines, the first chunk with text in it (b""
        when there is none to the file's end), read a chunk at a time and never held: the
        blank lines are counted (``_blank_ends``, those over ``MAX_LINE`` as overlong, as
        ``batches`` would) and the spaces that begin the line the text is on kept
        (``_blank_tail``, at most ``MAX_LINE`` and one: longer, that line is cut out
        whatever it holds). ``chunks`` gives them back first, so line numbers stay right
        and the file's first lines with text in them are what it is sniffed by."""
        ends, tail = 0, b""
        while chunk and not chunk.strip():
            cut = chunk.rfind(b"\n")
            if cut < 0:
                tail += chunk
            else:
                if len(tail) + chunk.find(b"\n") > MAX_LINE:
                    self.stats.overlong += 1
                ends += chunk.count(b"\n")
                tail = chunk[cut + 1 :]
            tail = tail[: MAX_LINE + 1]
            chunk = self._read()
        self._blank_ends, self._blank_tail = ends, tail
        return chunk

    def _whole_first_text(self, chunk: bytes) -> bytes:
        """``chunk`` with the line its text begins on whole: read on to that line's end when
        it runs past the chunk, and put an empty line in its place (counted as ``batches``
        counts one) when it is over ``MAX_LINE``, the spaces before it in ``_blank_tail``
        included; the lines after it are what the file is recognised by."""
        text = len(chunk) - len(chunk.lstrip())
        if text == len(chunk) or b"\n" in chunk[text:]:
            return chunk  # no text, or its line ends in the chunk
        start = chunk.rfind(b"\n", 0, text) + 1
        size = len(chunk) - start + (len(self._blank_tail) if start == 0 else 0)
        parts = [chunk[start:]] if size <= MAX_LINE else []  # never held past MAX_LINE
        while True:
            more = self._read()
            cut = more.find(b"\n")
            size += cut if cut >= 0 else len(more)
            if size > MAX_LINE:
                parts = []
            elif more:
                parts.append(more if cut < 0 else more[: cut + 1])
            if cut >= 0 or not more:
                break
            if size > FIRST_LINE_SCAN:  # a sparse file of zeros after blank lines
                self.stats.stopped = (
                    f"no line end in its first {FIRST_LINE_SCAN >> 20} MiB: no text log"
                )
                break
        rest = more[cut + 1 :] if cut >= 0 else b""
        if size <= MAX_LINE:
            return chunk[:start] + b"".join(parts) + rest
        self.stats.overlong += 1
        self._unread_text = True
        if start == 0:
            self._blank_tail = b""  # the spaces it began with: cut out with it
        return chunk[:start] + b"\n" + rest

    def _first_lines(self) -> bytes:
        """The first chunk, past a first line over ``MAX_LINE`` (cut out and counted here as
        ``batches`` would): the lines after it are what the format is recognised from, or
        one huge first line would hide a whole file. A UTF-8 byte-order mark it begins with
        (IIS and Windows tools write one) is left out: the first line is read as if it were
        absent (a ``#Version:`` directive, a JSON object, the client address of a CLF line)."""
        first = self._read()
        if first[:3] == UTF8_BOM:
            first = first[3:]
        if not first or b"\n" in first:
            return first
        parts, size = [first], len(first)
        text = bool(first.strip())  # whether it is more than spaces, should it be cut out
        while True:
            chunk = self._read()
            if not chunk:  # no newline at all: one line, kept unless it is overlong
                if size > MAX_LINE:
                    self.stats.overlong += 1
                    self._unread_text = text
                    return b"\n"
                return b"".join(parts)
            cut = chunk.find(b"\n")
            text = text or bool((chunk if cut < 0 else chunk[:cut]).strip())
            if cut < 0 and size + len(chunk) > FIRST_LINE_SCAN:
                # A sparse file of zeros (/var/log/lastlog: hundreds of GB with high UIDs)
                # would be read to its end looking for a line.
                self.stats.overlong += 1
                self.stats.stopped = (
                    f"no line end in its first {FIRST_LINE_SCAN >> 20} MiB: no text log"
                )
                return b"\n"
            if size + (cut if cut >= 0 else len(chunk)) > MAX_LINE:
                parts = []  # never held: only its length is counted
            elif parts:
                parts.append(chunk if cut < 0 else chunk[: cut + 1])
            size += len(chunk) if cut < 0 else cut
            if cut >= 0:
                if parts:
                    return b"".join(parts) + chunk[cut + 1 :]
                self.stats.overlong += 1
                self._unread_text = text
                return b"\n" + chunk[cut + 1 :]  # an empty line in its place (numbering)

    def close(self) -> None:
        """Close the file (never stdin)."""
        if self.path != "-":
            self._raw.close()

    def __enter__(self) -> LogStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self) -> bytes:
        stats = self.stats
        if stats.stopped:
            return b""
        # A piece at a time: a codec that fails mid-read (a truncated .gz) drops what that
        # read inflated, so what came before the damage is kept here.
        read = getattr(self._stream, "read1", self._stream.read)
        parts: list[bytes] = []
        size = 0
        try:
            while size < CHUNK:
                piece = read(CHUNK - size)
                if not piece:
                    break
                parts.append(piece)
                size += len(piece)
        except Exception as exc:  # OSError, EOFError, zstandard.ZstdError…
            stats.stopped = f"the compressed stream is corrupt or truncated ({_why(exc)})"
        chunk = b"".join(parts)
        if not chunk and not stats.stopped and self.compression == "zstd" and self.path != "-":
            # zstd's reader ends quietly where a file was cut: its frames say whether it was
            cut = zstd_cut(self.path)
            if cut:
                stats.stopped = f"the compressed stream is corrupt or truncated ({cut})"
        stats.inflated_bytes += len(chunk)
        if (
            self.compression
            and stats.inflated_bytes > BOMB_FLOOR
            and stats.inflated_bytes > BOMB_RATIO * max(stats.compressed_bytes, 1)
        ):
            stats.stopped = (
                f"decompression bomb suspected: {stats.inflated_bytes:,} bytes out of "
                f"{stats.compressed_bytes:,} compressed (over {BOMB_RATIO}x); the rest is skipped"
            )
            return b""
        return chunk

    def chunks(self) -> Iterator[bytes]:
        """The decompressed content, a chunk at a time (formats that are not line-based)."""
        while self._blank_ends:  # blank lines read past to the first text: as line ends
            n = min(self._blank_ends, CHUNK)
            self._blank_ends -= n
            yield b"\n" * n
        tail, self._blank_tail = self._blank_tail, b""
        if tail:
            yield tail
        chunk, self._first = self._first, b""
        while chunk:
            yield chunk
            chunk = self._read()

    def batches(self) -> Iterator[list[bytes]]:
        """The lines (without newline), a chunk's worth at a time; overlong ones cut out."""
        stats = self.stats
        tail = b""
        skipping = False  # inside an overlong line: drop up to the next newline
        for chunk in self.chunks():
            if skipping:
                cut = chunk.find(b"\n")
                if cut < 0:
                    continue
                chunk = chunk[cut + 1 :]
                skipping = False
            lines = (tail + chunk).split(b"\n") if tail else chunk.split(b"\n")
            tail = lines.pop()
            # A line whole in a chunk is shorter than the chunk (CHUNK is MAX_LINE): only the
            # one the last chunk's tail began can be over it, ended in this one
            if len(lines) > 0 and len(lines[0]) > MAX_LINE:
                stats.overlong += 1
                lines[0] = b""
            if len(tail) > MAX_LINE:
                stats.overlong += 1
                tail = b""
                skipping = True
                lines.append(b"")  # in its place: the lines after it keep their numbers
            if lines:
                yield lines
        if tail and not skipping:
            yield [tail]


HEAD = 65536  # what sniffing sees: the first lines, those over it left out


def _sniffable(first: bytes) -> bytes:
    """The first lines of a file for sniffing, leaving out lines too long to judge by (a
    1 MiB query string first would leave no whole line in a plain cut, and so would blank lines
    before a 100 KiB one)."""
    # From the line its text begins on: blank lines before it (64 KiB of them, under the
    # chunk that _past_blank reads past) would be all the cut held
    text = len(first) - len(first.lstrip())
    first = first[first.rfind(b"\n", 0, text) + 1 :]
    if b"\n" in first[:HEAD]:  # the first line with text is whole in the cut
        return first[:HEAD]
    lines = first.split(b"\n")
    kept = [ln for ln in lines[:-1] if len(ln) < HEAD]
    return b"\n".join([*kept, lines[-1][:HEAD]])[:HEAD]


_ZSTD_MAGIC = 0xFD2FB528


def zstd_cut(path: str) -> str | None:
    """Why a zstd file ends inside a frame, None when its frames are whole: their headers and
    block headers walked (RFC 8878), nothing inflated."""
    try:
        with open(path, "rb") as fh:
            end = os.fstat(fh.fileno()).st_size
            pos = 0
            while pos < end:
                fh.seek(pos)
                head = fh.read(14)  # the magic and the longest frame header
                if len(head) < 8:
                    return f"a frame cut short at byte {end:,}"
                magic = int.from_bytes(head[:4], "little")
                if magic & 0xFFFFFFF0 == 0x184D2A50:  # a skippable frame
                    pos += 8 + int.from_bytes(head[4:8], "little")
                    continue
                if magic != _ZSTD_MAGIC:
                    return f"no zstd frame at byte {pos:,}"
                fhd = head[4]
                single = fhd >> 5 & 1
                fcs = (0, 2, 4, 8)[fhd >> 6] or single
                pos += 5 + (not single) + (0, 1, 2, 4)[fhd & 3] + fcs
                while True:  # blocks: a 3-byte header, then its content
                    fh.seek(pos)
                    block = fh.read(3)
                    if len(block) < 3:
                        return f"a frame cut short at byte {end:,}"
                    bh = int.from_bytes(block, "little")
                    pos += 3 + (1 if bh >> 1 & 3 == 1 else bh >> 3)  # RLE: one byte
                    if bh & 1:
                        break
                pos += 4 if fhd >> 2 & 1 else 0  # the content checksum
            return f"a frame cut short at byte {end:,}" if pos > end else None
    except OSError:
        return None  # the read itself said what went wrong, if anything


def _why(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:120]


def display(path: str) -> str:
    """The path as shown to a person."""
    return "(stdin)" if path == "-" else str(Path(path))
