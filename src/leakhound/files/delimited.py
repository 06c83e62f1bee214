"""CSV and TSV: the delimiter and the header sniffed, each row a document keyed by column name."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

from ..detect.hints import field_for
from .base import LINE, Doc, LineSplitter, Sink, clip
from .sniff import sniff_delimiter

# Lines read before deciding the delimiter and whether the first row is a header.
SNIFF_LINES = 50
# A header cell is a name: no e-mail sign, not mostly digits, not long.
_DATA_CELL = re.compile(r"@|^[\d\s.,:/+()-]*\d[\d\s.,:/+()-]*$")
_HAS_DATA = re.compile(r"[\d@]")


class _Lines:
    """Iterate a list of lines for csv.reader, knowing how many it took and if it ran out."""

    __slots__ = ("lines", "ran_out", "taken")

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.taken = 0
        self.ran_out = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.taken >= len(self.lines):
            self.ran_out = True
            raise StopIteration
        self.taken += 1
        return self.lines[self.taken - 1]


class DelimitedParser:
    """Rows of a CSV or TSV file as documents ``{"_line": n, column: value, …}``."""

    def __init__(self, sink: Sink, delimiter: str | None = None) -> None:
        self._sink = sink
        self._split = LineSplitter(sink, "line")
        self._delimiter = delimiter
        self._header: list[str] | None = None
        self._decided = False
        self._pending: list[str] = []  # lines not parsed yet: a record still open, or the head
        self._first = 1  # line number of _pending[0]
        self._max = sink.limits.max_record
        self._max_fields = sink.limits.max_fields
        self.format = "tsv" if delimiter == "\t" else "csv"

    def feed(self, data: str) -> None:
        """Read the next piece of text."""
        self._pending += self._split.feed(data)
        if not self._decided and len(self._pending) < SNIFF_LINES:
            return
        self._parse(final=False, cut=False)

    def close(self, cut: bool) -> None:
        """End of input; a last row cut by the byte cap is dropped."""
        self._pending += self._split.close(cut)
        self._parse(final=True, cut=cut)

    def _decide(self) -> None:
        sample = "".join(self._pending[:SNIFF_LINES])
        if self._delimiter is None:
            self._delimiter = sniff_delimiter(sample) or ","
            self.format = "tsv" if self._delimiter == "\t" else "csv"
        rows = [r for r in self._reader(self._pending[:SNIFF_LINES]) if r]
        if rows and _is_header(rows[0], rows[1:]):
            self._header = _names(rows[0], self._max_fields)
            # The header row is read again by _parse; skip it there.
            while self._pending and not self._pending[0].strip():
                self._pending.pop(0)
                self._first += 1
            self._pending.pop(0)
            self._first += 1
        self._decided = True

    def _reader(self, lines: list[str] | _Lines) -> Iterator[list[str]]:
        return csv.reader(lines, delimiter=self._delimiter or ",")

    def _parse(self, *, final: bool, cut: bool) -> None:
        if not self._decided:
            self._decide()
        while True:
            lines = _Lines(self._pending)
            reader = self._reader(lines)
            restart = False
            while True:
                start = lines.taken
                try:
                    row = next(reader)
                except StopIteration:
                    self._consume(len(self._pending))
                    return
                except csv.Error as exc:
                    self._sink.skip(f"line {self._first + start}: {clip(str(exc))}")
                    continue
                if lines.ran_out:  # the record is still open at the end of what we have
                    if final:
                        if cut:
                            self._sink.skip(
                                f"line {self._first + start}: row cut by the byte cap, dropped"
                            )
                        else:
                            self._row(row, self._first + start)
                        self._consume(len(self._pending))
                        return
                    self._consume(start)
                    if sum(map(len, self._pending)) > self._max:
                        # A quote that never closes: give up its first line and read on.
                        self._sink.skip(
                            f"line {self._first}: record longer than {self._max} "
                            "characters (an unclosed quote?), skipped"
                        )
                        self._consume(1)
                        restart = True
                    break
                if row:
                    self._row(row, self._first + start)
            if not restart:
                return

    def _consume(self, n: int) -> None:
        del self._pending[:n]
        self._first += n

    def _row(self, row: list[str], line: int) -> None:
        header = self._header
        doc: Doc = {LINE: line}
        if len(row) > self._max_fields:
            row = row[: self._max_fields]
        if header is not None and len(row) <= len(header):
            for name, value in zip(header, row, strict=False):
                if value:
                    doc[name] = value
        else:
            for i, value in enumerate(row):
                if value:
                    doc[header[i] if header is not None and i < len(header) else f"col{i + 1}"] = (
                        value
                    )
        if len(doc) > 1:  # a row of empty cells carries nothing
            self._sink.add(doc)


def _is_header(first: list[str], rest: list[list[str]]) -> bool:
    """Whether the first row names the columns: names, unique, and hinting or unlike the data."""
    # Blank names are allowed (an index column), repeated ones are not: data repeats, names don't.
    cells = [c.strip() for c in first]
    named = [c for c in cells if c]
    if not named or any(len(c) > 64 or _DATA_CELL.search(c) for c in named):
        return False
    if len({c.lower() for c in named}) != len(named):
        return False
    if any(field_for(c.lower(), None).hints for c in cells):
        return True
    # A column whose values carry digits or an e-mail sign under a name that carries neither.
    for i, cell in enumerate(cells):
        if not cell:
            continue
        values = [r[i] for r in rest if i < len(r) and r[i]]
        looks_like_data = sum(1 for v in values if _HAS_DATA.search(v)) * 2 >= len(values)
        if values and looks_like_data and not _HAS_DATA.search(cell):
            return True
    return False


def _names(row: list[str], max_fields: int) -> list[str]:
    """Column names from a header row: blanks numbered, duplicates suffixed."""
    names: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(row[:max_fields]):
        name = cell.strip() or f"col{i + 1}"
        base, n = name, 2
        while name in seen:
            name = f"{base}_{n}"
            n += 1
        seen.add(name)
        names.append(name)
    return names
