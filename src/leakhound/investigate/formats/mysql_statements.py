"""MySQL and MariaDB statements: what one does (probe, list, read, bulk read, file write,
write, wipe, ransom note) and the table it names. The log parsers of ``mysql.py`` ask here for
every statement they read, whichever of the three logs it came from.

mysqldump's statements (``SELECT /*!40001 SQL_NO_CACHE */``) and reads of ``BULK_SIZE`` rows or
more are bulk reads. ``SELECT … INTO OUTFILE`` and ``INTO DUMPFILE`` have the server write the
rows into a file on its own disk, where no client read them: a file write, of whatever table
(``mysql.user`` too), or of no table at all (a web shell). Reads of the server's own schemas
(``mysql``, ``information_schema``…) and selects of aggregates alone (``COUNT(*)``, ``MIN(d)``)
list what the store holds, returning no record.
"""

from __future__ import annotations

import re

from ..actions import BULK_READ, ENUMERATE, FILE_WRITE, PROBE, RANSOM_NOTE, READ, WIPE, WRITE
from .http import BULK_SIZE, RANSOM_NAMES

_NAME = r"(?:`(?:[^`]|``)+`|[\w$]+)"
_TABLE = re.compile(
    r"(?is)\b(?:from|into(?!\s+(?:outfile|dumpfile|@))|update|join|table(?:\s+if\s+(?:not\s+)?exists)?|truncate(?:\s+table)?"
    rf"|database(?:\s+if\s+(?:not\s+)?exists)?|schema(?:\s+if\s+(?:not\s+)?exists)?)\s+({_NAME}(?:\s*\.\s*{_NAME})?)"
)
_SYSTEM = re.compile(r"(?i)\b(?:information_schema|performance_schema|mysql|sys)\s*\.")
_EXECUTABLE = re.compile(r"^/\*M?!\d*\s*(.*?)\s*\*/\s*;?\s*$", re.S)  # /*!40101 SET … */
_COMMENT = re.compile(r"^\s*(?:/\*(?![M!]).*?\*/\s*|--[^\n]*\n\s*|#[^\n]*\n\s*)*", re.S)
DUMP_MARKER = "SQL_NO_CACHE"  # mysqldump's /*!40001 SQL_NO_CACHE */ on every table it reads
# Into a file on the server (not INTO @variable): before FROM, after it, or at the end
_INTO_FILE = re.compile(r"(?i)\bINTO\s+(?:OUTFILE|DUMPFILE)\b")
_DUMPFILE = re.compile(r"(?i)\bINTO\s+DUMPFILE\b")
# A select list of aggregates (COUNT(*), MIN(d), MAX(d)…) and a date's parts alone: figures
# about the records, not the records (a GROUP BY of any other column returns its values).
_AGGREGATE = (
    r"(?:COUNT|MIN|MAX|SUM|AVG|STD\w*|VAR\w*|BIT_\w+|YEAR|MONTH|DAY|DATE|EXTRACT)"
    r"\s*\([^()]*\)(?:\s+(?:AS\s+)?\w+)?"
)
# ... matched whole against the statement's top level (a UNION's second select is a read)
_COUNTING = re.compile(
    rf"(?is)SELECT\s+{_AGGREGATE}(?:\s*,\s*{_AGGREGATE})*\s+FROM\b(?:(?!\bUNION\b).)*"
)
SYSTEM_SCHEMAS = frozenset(("mysql", "information_schema", "performance_schema", "sys"))
_QUOTED = re.compile(r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"", re.S)
_WORD = re.compile(r"[A-Za-z]+")
# Functions that fold many rows into one: the row a log counts is many records
_FOLDING = re.compile(r"(?i)\b(?:GROUP_CONCAT|JSON_ARRAYAGG|JSON_OBJECTAGG)\s*\(")


def _unwrap(sql: str) -> str:
    text = _COMMENT.sub("", sql, count=1).strip()
    m = _EXECUTABLE.match(text)
    return m.group(1) if m else text


def unquote(text: str) -> str:
    """A table or database name as written (```a``b`.c``) → as it is (``a`b.c``)."""
    return ".".join(p.strip().strip("`").replace("``", "`") for p in text.split("."))


def ransom_table(table: str | None) -> bool:
    """Whether a table's (or its database's) name is one a ransom note is left under."""
    if not table:
        return False
    return any(RANSOM_NAMES.match(part) for part in table.split("."))


def folds_records(sql: str) -> bool:
    """Whether the statement folds many rows into one (``GROUP_CONCAT``): each row a log
    counts may then be many records."""
    return _FOLDING.search(sql) is not None


def into_dumpfile(sql: str) -> bool:
    """Whether the statement writes into a DUMPFILE (one row, raw), not an OUTFILE."""
    return _DUMPFILE.search(_blank(_unwrap(sql), _QUOTED)) is not None


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    """The text with what ``pattern`` matches replaced by spaces (its offsets kept)."""
    return pattern.sub(lambda m: " " * len(m[0]), text)


def _top_level(text: str) -> str:
    """The text with what lies inside parentheses blanked: the statement's own clauses
    (``EXTRACT(YEAR FROM d)`` names no table)."""
    out, depth = [], 0
    for ch in text:
        if ch == ")" and depth:
            depth -= 1
        out.append(ch if depth == 0 else " ")
        if ch == "(":
            depth += 1
    return "".join(out)


def statements(sql: str) -> list[str]:
    """The statements of one logged query (several where the client sent them together),
    split at the semicolons outside quotes."""
    blanked = _blank(sql, _QUOTED)
    out, start = [], 0
    for i, ch in enumerate(blanked):
        if ch == ";":
            out.append(sql[start:i])
            start = i + 1
    out.append(sql[start:])
    return [x for x in (o.strip() for o in out) if x] or [sql]


def statement_action(
    sql: str, rows: int | None = None, database: str | None = None
) -> tuple[int, str | None]:
    """The action of one MySQL statement and the table (or database) it names, qualified
    with the session's ``database`` where it names none; ``rows``: the rows it sent, where
    the log says."""
    text = _unwrap(sql).lstrip("( \t\n")
    first = _WORD.match(text)
    word = first[0].upper() if first else ""
    bare = _blank(text, _QUOTED)  # names and keywords, never a string's content
    top = _top_level(bare)
    m = _TABLE.search(top) or _TABLE.search(bare)
    table = unquote(text[m.start(1) : m.end(1)]) if m else None
    if m and table and "." not in table and database and not re.match(r"(?i)(?:data|sche)", m[0]):
        table = f"{database}.{table}"
    if word in ("SELECT", "WITH", "TABLE", "HANDLER"):
        if _INTO_FILE.search(bare):  # a file on the server's disk, whatever it holds
            return FILE_WRITE, table
        if table and table.split(".")[0].lower() in SYSTEM_SCHEMAS:
            return ENUMERATE, None
        if _SYSTEM.search(bare) and not re.search(r"(?i)\bunion\b", bare):
            return ENUMERATE, None
        if table is None:
            return PROBE, None  # SELECT 1, SELECT VERSION(), SELECT @@…
        if _COUNTING.fullmatch(top.strip()):
            return ENUMERATE, table  # counts, ranges, totals a year: no record comes back
        if DUMP_MARKER in bare.upper():
            return BULK_READ, table
        return (BULK_READ if rows is not None and rows >= BULK_SIZE else READ), table
    if word in ("SHOW", "DESCRIBE", "DESC", "EXPLAIN"):
        return ENUMERATE, None
    if word in ("DROP", "TRUNCATE", "DELETE"):
        return WIPE, table
    if word in ("INSERT", "UPDATE", "REPLACE", "CREATE", "ALTER", "RENAME", "LOAD"):
        if ransom_table(table):
            return RANSOM_NOTE, table
        return WRITE, table
    return PROBE, None
