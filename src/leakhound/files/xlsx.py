"""XLSX workbooks: the first sheets' rows as documents, read by a streaming XML parser.

openpyxl (even read-only) loads every shared string before the first row and pads the rows a
sheet skips, so a hostile workbook (a billion-row ``dimension``, a row numbered 10^9, huge
shared strings) costs what its author wants. Here the sheet XML streams through expat: the
``dimension`` is never read, empty rows cost nothing, shared strings are capped in count and
characters, cells in size, columns in number; a DTD or entity declaration is refused
(defusedxml's rule), and every part is decompressed against the object's cap and ratio.

A date is a number in a cell whose style formats it as one (``styles.xml``: the built-in date
formats, or a format code that writes a year or a day): it is read as the ISO date it shows
(``2019-03-04``, ``2019-03-04T10:30:00``), counted from the workbook's epoch (1900, Excel's
phantom 29 February 1900 included, or 1904), as openpyxl reads a date; the same number in
another cell stays a number, and so does a time of day or a duration (``h:mm``, ``[h]:mm``),
which openpyxl reads as a time.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Callable
from typing import Any
from xml.parsers import expat

from .archive import RATIO_SLACK, STEP, Budget
from .base import ROW, SHEET, Doc, Full, Sink, Stop, clip
from .delimited import _is_header, _names

MAX_PARTS = 10_000  # parts of a workbook: real ones have tens
MAX_XML_PART = 8 * 1024 * 1024  # workbook.xml and its relationships, read whole
HEADER_ROWS = 20  # rows read before deciding whether the first one names the columns
_CELL_REF = re.compile(r"([A-Z]{1,3})")
# Built-in number formats that write a date (ECMA-376 18.8.30: m/d/yyyy, d-mmm-yy, d-mmm,
# mmm-yy, m/d/yy h:mm); 18-21 and 45-47 are times of day or durations, not dates.
_DATE_FORMATS = frozenset({14, 15, 16, 17, 22})
# What a format code writes literally or as spacing: quoted text, an escaped character, a
# character's width (_x) or a fill (*x), a [colour] or [$-locale] section (openpyxl's rule);
# what is left of its first section writes a year or a day where it holds a y or a d.
_LITERAL = re.compile(r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]')
_DATE_PART = re.compile(r"[yYdD]")
_EPOCH_1900 = dt.datetime(1899, 12, 30)  # serial 1 is 1900-01-01, 60 the phantom 1900-02-29
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_LAST_SERIAL = {False: 2_958_465, True: 2_957_003}  # 9999-12-31 from each epoch
_EOCD = b"PK\x05\x06"


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _parser() -> expat.XMLParserType:
    """An expat parser that refuses DTDs and entity declarations (no expansion bombs)."""
    p = expat.ParserCreate()
    p.buffer_text = True
    p.buffer_size = 1 << 16

    def refuse(*_: Any) -> None:
        raise Stop("XLSX: XML with a DTD or an entity declaration refused")

    p.StartDoctypeDeclHandler = refuse
    p.EntityDeclHandler = refuse
    p.UnparsedEntityDeclHandler = refuse
    p.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return p


def date_format(code: str) -> bool:
    """Whether a custom number format code writes a date (a year or a day) for a positive
    number (its first section)."""
    return bool(_DATE_PART.search(_LITERAL.sub("", code).split(";")[0]))


def serial_date(serial: float, date1904: bool = False) -> str | None:
    """The ISO date (and time, where it has one, to the second) of a date serial number;
    None for one before the epoch or past 9999."""
    if not 0 < serial <= _LAST_SERIAL[date1904]:
        return None
    if date1904:
        when = _EPOCH_1904 + dt.timedelta(days=serial)
    elif serial < 60:  # before the phantom 29 February 1900, which Excel counts
        when = _EPOCH_1900 + dt.timedelta(days=serial + 1)
    else:
        when = _EPOCH_1900 + dt.timedelta(days=serial)
    when = (when + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
    if when.time() == dt.time() and float(serial).is_integer():
        return when.date().isoformat()
    return when.isoformat()


def _number(text: str) -> int | None:
    """A small whole number written in ASCII digits (a style's index, a format's id)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _column(ref: str | None) -> int | None:
    """0-based column of a cell reference ("B7" -> 1), or None."""
    if not ref:
        return None
    m = _CELL_REF.match(ref)
    if m is None:
        return None
    n = 0
    for ch in m.group(1):
        n = n * 26 + ord(ch) - 64
    return n - 1


class _Workbook:
    def __init__(self, data: bytes, sink: Sink, budget: Budget) -> None:
        self.sink = sink
        self.limits = sink.limits
        self.budget = budget
        _check_parts(data)
        self.zf = zipfile.ZipFile(io.BytesIO(data))
        self.names = set(self.zf.namelist())
        self.styles_path = "xl/styles.xml"
        self.date1904 = False

    def stream(self, name: str, parser: expat.XMLParserType) -> None:
        """Decompress one part into the parser, counted against the cap and the ratio."""
        info = self.zf.getinfo(name)
        out = 0
        ratio = self.limits.max_ratio
        with self.zf.open(info) as f:
            while True:
                chunk = f.read(STEP)
                if not chunk:
                    break
                out += len(chunk)
                self.budget.spend(len(chunk))
                if out > ratio * info.compress_size + RATIO_SLACK:
                    raise Stop(
                        f"XLSX part {name} expands more than {ratio}:1 (a decompression"
                        " bomb?): stopped"
                    )
                parser.Parse(chunk, False)
        parser.Parse(b"", True)

    def small(self, name: str) -> bytes:
        """A small part (workbook, relationships), read whole up to MAX_XML_PART."""
        info = self.zf.getinfo(name)
        if info.file_size > MAX_XML_PART:
            raise Stop(f"XLSX part {name} is over {MAX_XML_PART} bytes")
        with self.zf.open(info) as f:
            data = f.read(MAX_XML_PART + 1)
        self.budget.spend(len(data))
        return data

    def sheets(self) -> list[tuple[str, str]]:
        """(sheet name, part path) in workbook order."""
        rels: dict[str, str] = {}
        shared = "xl/sharedStrings.xml"
        if "xl/_rels/workbook.xml.rels" in self.names:
            p = _parser()

            def rel(name: str, attrs: dict[str, str]) -> None:
                if _local(name) == "Relationship":
                    target = attrs.get("Target", "")
                    path = (
                        target.lstrip("/")
                        if target.startswith("/")
                        else posixpath.normpath(posixpath.join("xl", target))
                    )
                    rels[attrs.get("Id", "")] = path
                    if attrs.get("Type", "").endswith("/styles"):
                        self.styles_path = path

            p.StartElementHandler = rel
            p.Parse(self.small("xl/_rels/workbook.xml.rels"), True)
        found: list[tuple[str, str]] = []
        if "xl/workbook.xml" in self.names:
            p = _parser()

            def sheet(name: str, attrs: dict[str, str]) -> None:
                if _local(name) == "sheet":
                    rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
                    path = rels.get(rid)
                    if path in self.names:
                        found.append((attrs.get("name", path), path))
                elif _local(name) == "workbookPr":
                    self.date1904 = attrs.get("date1904", "").lower() in ("1", "true")

            p.StartElementHandler = sheet
            p.Parse(self.small("xl/workbook.xml"), True)
        if not found:  # no usable workbook part: the worksheets in name order
            found = [
                (posixpath.basename(n).removesuffix(".xml"), n)
                for n in sorted(self.names)
                if n.startswith("xl/worksheets/sheet") and n.endswith(".xml")
            ]
        self.shared_path = next(
            (v for v in rels.values() if v.endswith("sharedStrings.xml")), shared
        )
        return found

    def date_styles(self) -> frozenset[int]:
        """The cell styles (``cellXfs`` indices) whose number format writes a date; none
        where the styles part is missing or broken (the numbers then stay numbers)."""
        if self.styles_path not in self.names:
            return frozenset()
        custom: dict[int, bool] = {}
        formats: list[int] = []
        depth = {"xfs": 0}

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            fmt = _number(attrs.get("numFmtId", ""))
            if local == "numFmt" and fmt is not None:
                custom[fmt] = date_format(attrs.get("formatCode", ""))
            elif local == "cellXfs":
                depth["xfs"] += 1
            elif local == "xf" and depth["xfs"]:
                formats.append(fmt or 0)

        def end(name: str) -> None:
            if _local(name) == "cellXfs":
                depth["xfs"] -= 1

        p = _parser()
        p.StartElementHandler = start
        p.EndElementHandler = end
        try:
            p.Parse(self.small(self.styles_path), True)
        except (Stop, expat.ExpatError) as exc:
            self.sink.skip(f"XLSX styles: {clip(str(exc), 120)}; dates read as numbers")
            return frozenset()
        return frozenset(i for i, f in enumerate(formats) if custom.get(f, f in _DATE_FORMATS))

    def shared_strings(self) -> list[str]:
        """The shared strings, up to the caps; a cell pointing past them is left out."""
        if self.shared_path not in self.names:
            return []
        limits = self.limits
        out: list[str] = []
        parts: list[str] = []
        state = {"chars": 0, "in_t": False, "in_si": False, "skip": 0}
        max_cell = limits.max_cell

        def start(name: str, _attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "si":
                state["in_si"] = True
                parts.clear()
            elif local in ("rPh", "phoneticPr"):
                state["skip"] += 1  # phonetic guides repeat the text in kana
            elif local == "t" and state["in_si"] and not state["skip"]:
                state["in_t"] = True

        def end(name: str) -> None:
            local = _local(name)
            if local == "t":
                state["in_t"] = False
            elif local in ("rPh", "phoneticPr"):
                state["skip"] -= 1
            elif local == "si":
                state["in_si"] = False
                text = "".join(parts)[:max_cell]
                state["chars"] += len(text)
                if (
                    len(out) >= limits.max_shared_strings
                    or state["chars"] > limits.max_shared_chars
                ):
                    raise _SharedFull
                out.append(text)

        def chars(data: str) -> None:
            if state["in_t"] and sum(map(len, parts)) < max_cell:
                parts.append(data)

        p = _parser()
        p.StartElementHandler = start
        p.EndElementHandler = end
        p.CharacterDataHandler = chars
        try:
            self.stream(self.shared_path, p)
        except _SharedFull:
            self.sink.skip(
                f"XLSX: over {len(out)} shared strings or {limits.max_shared_chars} "
                "characters of them; cells using the rest are left out"
            )
        except Full:
            raise
        except (Stop, expat.ExpatError) as exc:
            # The sheets are still read: cells using strings not read are left out.
            self.sink.skip(f"XLSX shared strings: {clip(str(exc), 120)}; read {len(out)} of them")
        return out


class _SharedFull(Exception):
    """The shared-string caps are reached."""


class _SheetReader:
    """One sheet's rows, as expat hands them over, into documents."""

    def __init__(
        self, wb: _Workbook, name: str, shared: list[str], dates: frozenset[int] = frozenset()
    ) -> None:
        self.sink = wb.sink
        self.name = name
        self.shared = shared
        self.dates, self.date1904 = dates, wb.date1904
        self.dated = False  # the cell's style formats it as a date
        self.max_fields = wb.limits.max_fields
        self.max_cell = wb.limits.max_cell
        self.row: dict[int, Any] = {}
        self.row_number = 0
        self.cell_col = 0
        self.cell_type = ""
        self.text: list[str] = []
        self.in_value = False
        self.head: list[tuple[int, dict[int, Any]]] = []  # rows kept until the header is decided
        self.header: list[str] | None = None
        self.decided = False
        self.missing_shared = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "c":
            col = _column(attrs.get("r"))
            self.cell_col = col if col is not None else self.cell_col + 1
            self.cell_type = attrs.get("t", "n")
            self.dated = _number(attrs.get("s", "")) in self.dates
            self.text = []
        elif local in ("v", "t"):
            self.in_value = True
        elif local == "row":
            r = attrs.get("r", "")
            self.row_number = int(r) if r.isdigit() and len(r) < 12 else self.row_number + 1
            self.row = {}
            self.cell_col = -1

    def end(self, name: str) -> None:
        local = _local(name)
        if local in ("v", "t"):
            self.in_value = False
        elif local == "c":
            if 0 <= self.cell_col < self.max_fields and self.text:
                value = self.value("".join(self.text))
                if value is not None and value != "":
                    self.row[self.cell_col] = value
        elif local == "row" and self.row:
            self.emit(self.row_number, self.row)

    def chars(self, data: str) -> None:
        if self.in_value and sum(map(len, self.text)) < self.max_cell:
            self.text.append(data)

    def value(self, text: str) -> Any:
        t = self.cell_type
        text = text[: self.max_cell]
        if t == "s":
            try:
                return self.shared[int(text)]
            except (ValueError, IndexError):
                self.missing_shared = True
                return None
        if t in ("str", "inlineStr", "d"):
            return text
        if t == "b":
            return text == "1"
        if t == "e":
            return None
        try:
            number = float(text)
        except ValueError:
            return text
        if self.dated and (date := serial_date(number, self.date1904)) is not None:
            return date
        # Phone numbers and ids typed in as numbers come back as floats: keep them whole.
        if number.is_integer() and abs(number) < 1e15:
            return int(number)
        return number

    def emit(self, number: int, row: dict[int, Any]) -> None:
        if not self.decided:
            self.head.append((number, row))
            if len(self.head) >= HEADER_ROWS:
                self.decide()
            return
        self.document(number, row)

    def decide(self) -> None:
        self.decided = True
        rows = self.head
        self.head = []
        if rows:
            first = rows[0][1]
            width = max(first) + 1
            cells = [str(first.get(i, "")) for i in range(width)]
            rest = [[str(r.get(i, "")) for i in range(width)] for _, r in rows[1:]]
            if all(isinstance(v, str) for v in first.values()) and _is_header(cells, rest):
                self.header = _names(cells, self.max_fields)
                rows = rows[1:]
        for number, row in rows:
            self.document(number, row)

    def document(self, number: int, row: dict[int, Any]) -> None:
        header = self.header
        doc: Doc = {SHEET: self.name, ROW: number}
        for col, value in row.items():
            doc[header[col] if header is not None and col < len(header) else f"col{col + 1}"] = (
                value
            )
        self.sink.add(doc)


def read_workbook(
    data: bytes, sink: Sink, budget: Budget, note: Callable[[str], None] | None = None
) -> None:
    """Every row of the first sheets of an XLSX workbook, as documents, into the sink."""
    try:
        wb = _Workbook(data, sink, budget)
        sheets = wb.sheets()
        shared = wb.shared_strings()
        dates = wb.date_styles()
        for name, path in sheets[: sink.limits.max_sheets]:
            reader = _SheetReader(wb, clip(name, 100), shared, dates)
            p = _parser()
            p.StartElementHandler = reader.start
            p.EndElementHandler = reader.end
            p.CharacterDataHandler = reader.chars
            try:
                wb.stream(path, p)
            finally:
                if not reader.decided:
                    reader.decide()
            if reader.missing_shared:
                sink.skip(
                    f"XLSX sheet {clip(name, 40)!r}: cells pointing past the shared "
                    "strings kept were left out"
                )
        if len(sheets) > sink.limits.max_sheets and note is not None:
            note(
                f"{len(sheets) - sink.limits.max_sheets} more sheet(s) not read "
                f"(the first {sink.limits.max_sheets} are)"
            )
    except expat.ExpatError as exc:
        raise Stop(f"XLSX: broken XML ({exc})") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, KeyError) as exc:
        raise Stop(f"XLSX: unreadable zip ({clip(str(exc), 80)})") from None
    except RuntimeError as exc:  # zipfile's "File is encrypted, password required"
        if isinstance(exc, RecursionError):
            raise
        raise Stop(f"XLSX: {clip(str(exc), 80)}") from None


def _check_parts(data: bytes) -> None:
    """Refuse a workbook whose directory lists more parts than any real one has.

    zipfile keeps an object for every entry of the directory: a few megabytes of directory
    would be a gigabyte of them.
    """
    at = data.rfind(_EOCD, max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        raise Stop("XLSX: no zip directory at the end (the file is cut, or not a workbook)")
    (entries,) = struct.unpack_from("<H", data, at + 10)
    if entries > MAX_PARTS:
        raise Stop(f"XLSX: its zip lists {entries} parts, over {MAX_PARTS}: refused")
