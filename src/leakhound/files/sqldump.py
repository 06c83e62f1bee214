"""SQL dumps: rows of INSERT statements (mysqldump, pg_dump --inserts, sqlite3 .dump) and of
pg_dump's COPY blocks, each a document with its table's column names and the table's name."""

from __future__ import annotations

import re
from typing import Any

from .base import LINE, TABLE, Doc, Sink, Stop, clip

# Identifiers as the dump tools quote them: `mysql`, "postgres", [sqlserver], or bare.
_IDENT = r'(?:`(?:[^`]|``)+`|"(?:[^"]|"")+"|\[[^\]\n]+\]|[A-Za-z_][\w$]*)'
_NAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
_HEADER = re.compile(
    rf"""(?P<insert>(?:INSERT|REPLACE)(?:\s+(?:IGNORE|LOW_PRIORITY|DELAYED|HIGH_PRIORITY))*
            \s+INTO\s+(?P<itable>{_NAME})\s*(?:\((?P<icols>[^()]*)\))?\s*VALUES?\s*)
       |(?P<copy>COPY\s+(?P<ctable>{_NAME})\s*(?:\((?P<ccols>[^()]*)\))?\s+FROM\s+stdin
            \s*;[^\n]*\n)
       |(?P<create>CREATE\s+(?:(?:GLOBAL\s+|LOCAL\s+)?TEMP(?:ORARY)?\s+|UNLOGGED\s+)?TABLE
            \s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<ttable>{_NAME})\s*\()""",
    re.IGNORECASE | re.VERBOSE,
)
_IDENT_RE = re.compile(_IDENT)
# mysqldump escapes with backslashes; PostgreSQL and SQLite double the quote only.
# Possessive quantifiers: a string of megabytes that never closes fails without the regex
# engine keeping a backtracking point per character (hundreds of megabytes).
_MY_STRING = r"'(?P<s>(?:[^'\\]++|\\.|'')*+)'"
_STD_STRING = r"'(?P<s>(?:[^']++|'')*+)'"
_VALUE = r"""\s*(?:
    (?P<pre>_[A-Za-z0-9]+\s*|[NnXxBbEe](?='))?{string}(?P<cast>::[\w ]+(?:\[\])?)?
   |(?P<null>NULL)(?![\w])
   |(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)(?![\w.])
   |(?P<other>[A-Za-z_][\w.]*\s*\([^()']*\)|0x[0-9A-Fa-f]+|[A-Za-z_]\w*)
)\s*(?P<sep>[,)])"""
_MY_STRING_RE = re.compile(_MY_STRING, re.DOTALL)
_STD_STRING_RE = re.compile(_STD_STRING, re.DOTALL)
_MY_VALUE = re.compile(_VALUE.format(string=_MY_STRING), re.VERBOSE | re.DOTALL)
_STD_VALUE = re.compile(_VALUE.format(string=_STD_STRING), re.VERBOSE | re.DOTALL)
# Group numbers (both patterns come from one template, so they share them): m.group(number)
# is the fastest access.
_S, _PRE, _SEP = (_MY_VALUE.groupindex[g] for g in ("s", "pre", "sep"))
_BACKSLASH = re.compile(r"\\(.)", re.DOTALL)
_MY_ESCAPES = {"0": "\x00", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
# Where a statement we do not read could end, or hide a ';': quotes, comments, dollar quotes.
_STD_SKIP = re.compile(r"[;'\"`$]|--|/\*")
_MY_SKIP = re.compile(r"[;'\"`$]|--|/\*|#")
_DOLLAR = re.compile(r"\$([A-Za-z_]\w*)?\$")
_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)
_COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_NOT_COLUMNS = frozenset(
    [
        "PRIMARY",
        "KEY",
        "UNIQUE",
        "CONSTRAINT",
        "INDEX",
        "FOREIGN",
        "CHECK",
        "FULLTEXT",
        "SPATIAL",
        "EXCLUDE",
        "LIKE",
        "PERIOD",
    ]
)
# mysqldump's and mariadb-dump's signatures: their strings use backslash escapes (so do
# dumps whose table names are `quoted`, see _begin).
_MYSQL_SIGNS = ("-- MySQL dump", "-- MariaDB dump", "/*!40")
_NEED_MORE = -1


def _unquote(ident: str) -> str:
    if ident[:1] in '`"[':
        inner = ident[1:-1]
        return inner.replace("``", "`") if ident[0] == "`" else inner.replace('""', '"')
    return ident


def table_name(text: str) -> str:
    """A table's name as written in a dump, quotes removed: `db`.`t` -> db.t."""
    return ".".join(_unquote(m.group()) for m in _IDENT_RE.finditer(text))


def _columns(text: str) -> list[str]:
    return [_unquote(m.group()) for m in _IDENT_RE.finditer(text)]


class SqlDumpParser:
    """Rows of a SQL dump as documents ``{"_table": t, "_line": n, column: value, …}``."""

    format = "sql"

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._max = sink.limits.max_record
        self._max_fields = sink.limits.max_fields
        self._buf = ""
        self._pos = 0
        self._line = 1  # line number at _buf[_line_pos]
        self._line_pos = 0
        self._mysql: bool | None = None  # backslash escapes in strings
        self._tables: dict[str, list[str]] = {}  # CREATE TABLE column names, by table name
        self._mode = "statement"  # or "values", "copy", "discard"
        self._table = ""
        self._cols: list[str] = []
        self._final = False
        self._cut = False
        self._discard_to = ";\n"  # what ends the text skipped in "discard" mode
        self._resume = "statement"  # the mode after it

    def feed(self, data: str) -> None:
        """Read the next piece of the dump."""
        if self._mysql is None:
            self._mysql = any(s in data[:8192] for s in _MYSQL_SIGNS)
        self._buf += data
        self._run()

    def close(self, cut: bool) -> None:
        """End of input; a row cut by the byte cap is dropped."""
        self._final, self._cut = True, cut
        self._run()
        rest = self._buf[self._pos :].strip()
        if rest and self._mode in ("values", "copy"):
            line = self._line_of(self._pos)
            why = "cut by the byte cap, dropped" if cut else "not closed at the end of the dump"
            self._sink.skip(f"line {line}: row of {clip(self._table, 40)} {why}")

    # ------------------------------------------------------------------ positions

    def _line_of(self, offset: int) -> int:
        self._line += self._buf.count("\n", self._line_pos, offset)
        self._line_pos = offset
        return self._line

    def _trim(self) -> None:
        if self._pos > 1 << 16:
            self._line_of(self._pos)
            self._buf = self._buf[self._pos :]
            self._line_pos -= self._pos
            self._pos = 0

    # ------------------------------------------------------------------ statements

    def _run(self) -> None:
        while True:
            step = {
                "statement": self._statement,
                "values": self._values,
                "copy": self._copy,
                "discard": self._discard,
            }[self._mode]()
            if not step:
                break
        self._trim()
        if not self._final and len(self._buf) - self._pos > self._max:
            self._too_long()

    def _too_long(self) -> None:
        line = self._line_of(self._pos)
        what = (
            f"row of {clip(self._table, 40)}" if self._mode in ("values", "copy") else "statement"
        )
        self._sink.skip(f"line {line}: {what} longer than {self._max} characters, skipped")
        if self._mode == "copy":
            self._discard_to = "\n"
        else:
            self._discard_to = ";\n"
        self._resume = "copy" if self._mode == "copy" else "statement"
        self._mode = "discard"
        self._pos = len(self._buf)
        self._run()

    def _discard(self) -> bool:
        i = self._buf.find(self._discard_to, self._pos)
        if i < 0:
            self._pos = max(self._pos, len(self._buf) - len(self._discard_to) + 1)
            return False
        self._pos = i + len(self._discard_to)
        self._mode = self._resume
        return True

    def _statement(self) -> bool:
        buf, n = self._buf, len(self._buf)
        pos = self._pos
        while pos < n and buf[pos] in " \t\r\n;":
            pos += 1
        self._pos = pos
        if pos >= n:
            return False
        if buf.startswith("--", pos) or (self._mysql and buf.startswith("#", pos)):
            end = buf.find("\n", pos)
            if end < 0:
                if self._final:
                    self._pos = n
                return False
            self._pos = end + 1
            return True
        if buf.startswith("/*", pos):
            end = buf.find("*/", pos + 2)
            if end < 0:
                if self._final:
                    self._pos = n
                return False
            self._pos = end + 2
            return True
        m = _HEADER.match(buf, pos)
        if m is not None:
            if m["insert"]:
                self._begin(m["itable"], m["icols"], "values")
            elif m["copy"]:
                self._begin(m["ctable"], m["ccols"], "copy")
            else:
                end = self._create(m)
                if end == _NEED_MORE:
                    return False
                self._pos = end
                return True
            self._pos = m.end()
            return True
        end = self._statement_end(pos)
        if end == _NEED_MORE:
            if self._final:
                self._pos = n
            return False
        self._pos = end
        return True

    def _begin(self, table: str, cols: str | None, mode: str) -> None:
        self._table = table_name(table)
        if "`" in table:
            self._mysql = True
        if cols is not None:
            self._cols = _columns(cols)
        else:
            found = self._tables.get(self._table)
            if found is None:
                found = self._tables.get(self._table.rsplit(".", 1)[-1], [])
            self._cols = found
        self._mode = mode

    def _statement_end(self, pos: int) -> int:
        """Offset just past the ';' ending the statement at pos, or _NEED_MORE."""
        buf = self._buf
        string = _MY_STRING_RE if self._mysql else _STD_STRING_RE
        skip = _MY_SKIP.search if self._mysql else _STD_SKIP.search
        while True:
            m = skip(buf, pos)
            if m is None:
                return _NEED_MORE
            c = m.group()
            if c == ";":
                return m.end()
            if c == "'":
                s = string.match(buf, m.start())
                if s is None:
                    return _NEED_MORE
                pos = s.end()
            elif c in '"`':
                end = buf.find(c, m.end())
                if end < 0:
                    return _NEED_MORE
                pos = end + 1
            elif c == "$":
                d = _DOLLAR.match(buf, m.start())
                if d is None:
                    pos = m.end()
                    continue
                end = buf.find(d.group(), d.end())
                if end < 0:
                    return _NEED_MORE
                pos = end + len(d.group())
            elif c == "/*":
                end = buf.find("*/", m.end())
                if end < 0:
                    return _NEED_MORE
                pos = end + 2
            else:  # -- or # comment
                end = buf.find("\n", m.end())
                if end < 0:
                    return _NEED_MORE
                pos = end + 1

    def _create(self, m: re.Match[str]) -> int:
        """Keep a CREATE TABLE's column names; the offset past its ';', or _NEED_MORE."""
        buf = self._buf
        depth, pos, start = 1, m.end(), m.end()
        items: list[str] = []
        item_start = start
        while depth:
            k = _PARENS.search(buf, pos)
            if k is None:
                return _NEED_MORE
            c = k.group()
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif c == "," and depth == 1:
                items.append(buf[item_start : k.start()])
                item_start = k.end()
            elif c in "'\"`":
                end = buf.find(c, k.end())
                if end < 0:
                    return _NEED_MORE
                pos = end + 1
                continue
            pos = k.end()
        items.append(buf[item_start : pos - 1])
        end = self._statement_end(pos)
        if end == _NEED_MORE:
            return _NEED_MORE
        cols = []
        for item in items:
            first = _IDENT_RE.match(item.strip())
            if first and first.group().upper() not in _NOT_COLUMNS:
                cols.append(_unquote(first.group()))
        self._tables[table_name(m["ttable"])] = cols
        return end

    # ------------------------------------------------------------------ rows

    def _values(self) -> bool:
        buf, n = self._buf, len(self._buf)
        value = _MY_VALUE.match if self._mysql else _STD_VALUE.match
        pos = self._pos
        while True:
            while pos < n and buf[pos] in " \t\r\n":
                pos += 1
            if pos >= n:
                break
            c = buf[pos]
            if c == ",":
                pos += 1
                continue
            if c == ";":
                self._pos = pos + 1
                self._mode = "statement"
                return True
            if c != "(":
                # ON DUPLICATE KEY UPDATE, RETURNING…: the rows are all read.
                self._pos = pos
                self._mode = "statement"
                end = self._statement_end(pos)
                if end == _NEED_MORE:
                    break
                self._pos = end
                return True
            start = pos
            pos += 1
            row: list[Any] = []
            closed = False
            while not closed:
                m = value(buf, pos)
                if m is None:
                    break
                # The common case inline: a plain string with nothing to unescape.
                s, pre, sep = m.group(_S, _PRE, _SEP)
                if s is not None and pre is None and "\\" not in s and "'" not in s:
                    row.append(s)
                else:
                    row.append(self._convert(m))
                pos = m.end()
                closed = sep == ")"
            if not closed:
                if (self._final or n - start > self._max) and not (self._final and self._cut):
                    line = self._line_of(start)
                    why = (
                        f"longer than {self._max} characters (a string that never closes?)"
                        if n - start > self._max
                        else f"unreadable near {clip(buf[pos : pos + 30], 30)!r}"
                    )
                    self._sink.skip(
                        f"line {line}: row of {clip(self._table, 40)} {why}; rest of the "
                        "statement skipped"
                    )
                    self._pos = start
                    self._mode = "statement"
                    end = self._statement_end(start)
                    self._pos = n if end == _NEED_MORE else end
                    return end != _NEED_MORE
                self._pos = start
                return False
            self._pos = pos
            if pos - start > self._max:
                self._long(start)
            else:
                self._emit(row, start)
        self._pos = pos
        return False

    def _long(self, start: int) -> None:
        line = self._line_of(start)
        self._sink.skip(
            f"line {line}: row of {clip(self._table, 40)} longer than {self._max} characters, "
            "skipped"
        )

    def _convert(self, m: re.Match[str]) -> Any:
        s = m["s"]
        if s is not None:
            pre = (m["pre"] or "").strip().upper()
            if pre in ("X", "B"):
                return f"{pre}'{s}'"
            if "'" in s:
                s = s.replace("''", "'")
            if "\\" in s and (self._mysql or pre == "E"):
                s = _BACKSLASH.sub(lambda e: _MY_ESCAPES.get(e[1], e[1]), s)
            return s
        if m["null"]:
            return None
        num = m["num"]
        if num is not None:
            if len(num) < 19 and num.lstrip("+-").isdigit():
                return int(num)
            return num
        return m["other"]

    def _emit(self, row: list[Any], start: int) -> None:
        cols = self._cols
        doc: Doc = {TABLE: self._table, LINE: self._line_of(start)}
        if len(row) > self._max_fields:
            row = row[: self._max_fields]
        if len(row) <= len(cols):
            doc.update({c: v for c, v in zip(cols, row, strict=False) if v is not None and v != ""})
        else:
            for i, v in enumerate(row):
                if v is not None and v != "":
                    doc[cols[i] if i < len(cols) else f"col{i + 1}"] = v
        self._sink.add(doc)

    def _copy(self) -> bool:
        buf, n = self._buf, len(self._buf)
        pos = self._pos
        while True:
            end = buf.find("\n", pos)
            if end < 0:
                if self._final and pos < n and not self._cut:
                    end = n
                else:
                    self._pos = pos
                    return False
            line = buf[pos:end].rstrip("\r")
            if line == "\\.":
                self._pos = end + 1
                self._mode = "statement"
                return True
            if len(line) > self._max:
                self._long(pos)
            elif line:
                row = [None if f == "\\N" else _copy_unescape(f) for f in line.split("\t")]
                self._emit(row, pos)
            pos = end + 1
            if pos > n:
                self._pos = n
                return False


_PARENS = re.compile(r"[(),'\"`]")


def _copy_unescape(field: str) -> str:
    """A COPY text-format field: backslash escapes of pg's COPY, octal and hex included."""
    if "\\" not in field:
        return field

    def one(m: re.Match[str]) -> str:
        if m[1]:
            return chr(int(m[1], 8))
        if m[2]:
            return chr(int(m[2], 16))
        return _COPY_ESCAPES.get(m[3], m[3])

    return _COPY_ESCAPE.sub(one, field)


__all__ = ["SqlDumpParser", "Stop", "table_name"]
