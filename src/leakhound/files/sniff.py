"""Which format a file is in, from its first bytes, its name and its content type."""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass

# Enough of a file's start to tell its format, and to sniff a CSV dialect from.
HEAD_BYTES = 64 * 1024

COMPRESSED = ("gzip", "bz2", "xz", "zstd")
ARCHIVES = ("zip", "tar")

# Leading bytes of formats that carry no text to read, and what to call them when listed.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF document"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"PAR1", "Parquet file"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 document (old Office: .xls, .doc)"),
    (b"Obj\x01", "Avro file"),
    (b"ORC", "ORC file"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000 image"),
    (b"BM", "BMP image"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
    (b"PGDMP", "PostgreSQL custom-format dump (pg_restore reads it)"),
)
_MP4 = re.compile(rb"^....ftyp")

_NAME_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".sql": "sql",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".txt": "text",
    ".log": "text",
}
_COMPRESSED_SUFFIXES = (".gz", ".gzip", ".bz2", ".xz", ".zst", ".zstd", ".tgz")
_XLSX_TYPES = ("spreadsheetml", "ms-excel.sheet")

# The first statements that SQL dump tools write (mysqldump, mariadb-dump, pg_dump,
# sqlite3 .dump), or that a hand-written dump starts with.
_SQL = re.compile(
    r"^\s*(?:--\s*(?:MySQL|MariaDB|PostgreSQL) database dump|-- MySQL dump|-- MariaDB dump"
    r"|INSERT\s+(?:IGNORE\s+)?INTO\s|REPLACE\s+INTO\s|CREATE\s+TABLE\s|COPY\s+\S+.*\sFROM\s+stdin;"
    r"|/\*!\d{5}|SET\s+\w+\s*=|DROP\s+TABLE\s|LOCK\s+TABLES\s|BEGIN\s+TRANSACTION;|PRAGMA\s)",
    re.IGNORECASE | re.MULTILINE,
)
DELIMITERS = (",", "\t", ";", "|")


@dataclass(frozen=True, slots=True)
class Sniffed:
    """A format decision: the format, the text encoding if text, a label if binary."""

    format: str  # a text format, a COMPRESSED or ARCHIVES name, "xlsx", "binary" or "empty"
    encoding: str | None = None
    label: str | None = None  # for "binary": what it looks like


def sniff(head: bytes, name: str = "", content_type: str | None = None) -> Sniffed:
    """Decide the format of a file from its first bytes (HEAD_BYTES of them), name and type."""
    low = name.lower()
    ctype = (content_type or "").lower()
    if not head:
        return Sniffed("empty")
    if head.startswith(b"\x1f\x8b"):
        return Sniffed("gzip")
    if head.startswith(b"BZh") and head[3:4].isdigit():
        return Sniffed("bz2")
    if head.startswith(b"\xfd7zXZ\x00"):
        return Sniffed("xz")
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return Sniffed("zstd")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        xlsx = (
            low.endswith((".xlsx", ".xlsm"))
            or any(t in ctype for t in _XLSX_TYPES)
            or (b"[Content_Types].xml" in head[:512] and b"xl/" in head)
        )
        return Sniffed("xlsx" if xlsx else "zip")
    if len(head) >= 262 and head[257:262] == b"ustar":
        return Sniffed("tar")
    for magic, label in _MAGIC:
        if head.startswith(magic):
            return Sniffed("binary", label=label)
    if _MP4.match(head):
        return Sniffed("binary", label="MP4/QuickTime media")
    named = name_format(low)
    encoding = text_encoding(head, named_text=named not in (None, "xlsx"))
    if encoding is None:
        return Sniffed("binary", label="unknown binary")
    text = head.decode(encoding, errors="replace")
    return Sniffed(text_format(text, low, ctype), encoding)


def text_encoding(head: bytes, *, named_text: bool = False) -> str | None:
    """The encoding of text that starts with head, or None when it is not text.

    ``named_text``: the name says a text format, so control characters (a dump of binary
    columns) do not make it binary; a NUL early on still does.
    """
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:8192]
    nul = sample.find(b"\x00")
    if nul >= 0 and (nul < 16 or b"\n" not in sample[:nul]):
        return None
    if nul >= 0:
        # Text, then zeros (a log file preallocated, a bomb of zeros after good rows): the
        # text is read, the zeros are one over-long line. A NUL among other bytes is binary
        # (random bytes hold one every 256, and often a newline before it).
        zeros = sample[nul : nul + 256]
        if zeros.count(0) * 10 < len(zeros) * 9:
            return None
        sample = sample[:nul]
    # Control characters other than whitespace and ESC (terminal colours in logs) mean binary.
    controls = sum(1 for b in sample if b < 32 and b not in b"\t\n\r\x0c\x1b")
    if not named_text and controls * 20 > len(sample) + 40:  # over 5%, past a couple
        return None
    text = head if nul < 0 else head[: head.find(b"\x00")]
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the head is still UTF-8.
        if exc.start < len(text) - 3 or exc.reason != "unexpected end of data":
            return "cp1252"  # Windows exports of Excel and older databases
    return "utf-8"


def text_format(text: str, low_name: str = "", ctype: str = "") -> str:
    """The format of a text: json, jsonl, sql, csv, tsv or text (logs and the rest)."""
    body = text.lstrip("\ufeff \t\r\n")
    by_name = name_format(low_name)
    if body.startswith(("{", "[")):
        if _looks_jsonl(body, named=by_name == "jsonl"):
            return "jsonl"
        return "json"
    if _SQL.search(body[:4096]):
        return "sql"
    if by_name in ("csv", "tsv"):
        return _delimited_kind(body) or by_name  # the content's delimiter decides csv or tsv
    if by_name in ("sql", "text"):
        return by_name
    if "csv" in ctype or "tab-separated" in ctype:
        return _delimited_kind(body) or "csv"
    return _delimited_kind(body, strict=True) or "text"


def name_format(low_name: str) -> str | None:
    """The format a (lower-case) file name says, compression suffixes aside."""
    bare = _strip_compressed(low_name)
    return next((f for suffix, f in _NAME_FORMATS.items() if bare.endswith(suffix)), None)


def _strip_compressed(name: str) -> str:
    for suffix in _COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)] + (".tar" if suffix == ".tgz" else "")
    return name


def _looks_jsonl(body: str, *, named: bool) -> bool:
    """JSON lines: the first line is a whole JSON value, and another follows or the name says so."""
    import orjson

    first, _, rest = body.partition("\n")
    if not first.rstrip().endswith(("}", "]")) or not (rest.strip() or named):
        return False
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return True


def _delimited_kind(body: str, *, strict: bool = False) -> str | None:
    """csv or tsv when the first lines split into the same number (>1) of fields."""
    delimiter = sniff_delimiter(body, strict=strict)
    if delimiter is None:
        return None
    return "tsv" if delimiter == "\t" else "csv"


def sniff_delimiter(body: str, *, strict: bool = False) -> str | None:
    """The delimiter that splits the first lines into the most consistent field counts.

    ``strict`` (content with no csv name): at least 3 lines and 3 fields a line, so that
    prose with commas is not taken for a table.
    """
    lines = body.split("\n", 41)[:40]
    if len(lines) > 1:
        lines = lines[:-1]  # the last may be cut mid-record
    best: tuple[float, int, str] | None = None
    for d in DELIMITERS:
        if not any(d in ln for ln in lines):
            continue
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=d) if r]
        except csv.Error:
            continue
        if not counts:
            continue
        fields, seen = Counter(counts).most_common(1)[0]
        share = seen / len(counts)
        if fields < 2 or share < 0.8:
            continue
        if strict and (len(counts) < 3 or fields < 3):
            continue
        score = (share, fields, d)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else None
