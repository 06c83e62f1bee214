"""PostgreSQL server logs: ``csvlog`` (``log_destination = 'csvlog'``) and ``jsonlog`` (15+).

csvlog columns from PostgreSQL's "Error Reporting and Logging" (19.8.4): log_time, user_name,
database_name, process_id, connection_from, session_id, session_line_num, command_tag,
session_start_time, virtual_transaction_id, transaction_id, error_severity, sql_state_code,
message, detail, hint, internal_query, internal_query_pos, context, query, query_pos, location,
application_name (then backend_type, leader_pid, query_id on newer servers). jsonlog keys:
timestamp, user, dbname, remote_host, remote_port, session_id, error_severity, message,
application_name… Statements show with ``log_statement`` (``statement: …``) or
``log_min_duration_statement`` (``duration: … ms  statement: …``); connections with
``log_connections``. A log says nothing of rows returned: no records estimate comes from it.
``COPY … TO STDOUT`` (pg_dump's) is a bulk read; ``COPY … TO 'file'`` and ``TO PROGRAM`` have
the server write a file or feed a command: a file write.
"""

from __future__ import annotations

import csv
import re
from datetime import tzinfo

import orjson

from ..actions import (
    BULK_READ,
    CTX_NONE,
    ENUMERATE,
    FILE_WRITE,
    NO_RECORDS,
    PROBE,
    RANSOM_NOTE,
    READ,
    WIPE,
    WRITE,
)
from ..activity import Activity
from ..reader import Lines
from ..timeparse import BadTime, abbreviated, iso
from .base import ParseOptions, first_lines, host_of
from .http import RANSOM_NAMES

NAME = "postgresql"
DOC = "PostgreSQL csvlog or jsonlog"
DUMP_TOOLS = ("pg_dump", "pg_dumpall")
_STATEMENT = re.compile(r"^(?:duration: [\d.]+ ms\s+)?(?:statement|execute [^:]*): (.*)$", re.S)
_TABLE = re.compile(
    r"(?is)\b(?:from|into|update|table(?:\s+if\s+(?:not\s+)?exists)?|copy|truncate(?:\s+table)?)"
    r"\s+(?:only\s+)?((?:\"[^\"]+\"|[\w$]+)(?:\.(?:\"[^\"]+\"|[\w$]+))?)"
)
# COPY … TO 'file' or TO PROGRAM 'command': the server writes it, not to the client (STDOUT)
_TO_FILE = re.compile(r"\bto\s+(?:e?'|program\b)")
# the zone as an abbreviation (CET) or, for a zone the tz database names by its offset, that
# offset (-03, +0545)
_CSV_HEAD = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? (?:\w+|[+-]\d{2,4}),")


def sniff(head: bytes) -> bool:
    """csvlog rows (a log_time then commas) or jsonlog objects with ``backend_type``/``dbname``."""
    lines = first_lines(head)
    hits = sum(
        1
        for ln in lines
        if _CSV_HEAD.match(ln) or (b'"error_severity"' in ln and b'"timestamp"' in ln)
    )
    return bool(lines) and hits * 2 > len(lines)


def statement_action(sql: str, app: str | None) -> tuple[int, str | None]:
    """The action of one SQL statement and the table it names."""
    text = re.sub(r"^\s*(?:/\*.*?\*/\s*|--[^\n]*\n\s*)*", "", sql, flags=re.S)
    word = text.split(None, 1)[0].upper() if text.split() else ""
    m = _TABLE.search(text)
    table = m.group(1).replace('"', "") if m else None
    low = text.lower()
    if word in ("SELECT", "WITH", "TABLE", "FETCH"):
        if "pg_catalog" in low or "information_schema" in low or re.search(r"\bpg_\w+", low):
            return ENUMERATE, None
        return (BULK_READ if app in DUMP_TOOLS else READ), table
    if word == "COPY":
        if _TO_FILE.search(low):  # a file on the server's disk (or a program's input)
            return FILE_WRITE, table
        return (BULK_READ if re.search(r"\bto\b", low) else WRITE), table
    if word in ("DROP", "TRUNCATE", "DELETE"):
        return WIPE, table
    if word in ("INSERT", "UPDATE", "CREATE", "ALTER", "MERGE"):
        if table and RANSOM_NAMES.match(table.rsplit(".", 1)[-1]):
            return RANSOM_NOTE, table
        return WRITE, table
    return PROBE, None


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Connections and statements into ``sink``, by client address."""
    f = sink.file
    zone = options.log_zone
    pending: list[str] = []  # a csv record spanning lines (a multi-line statement)
    lineno = f.lines
    start = lineno
    for batch in stream.batches():
        for line in batch:
            lineno += 1
            if not pending and line.lstrip()[:1] == b"{":
                _json(sink, line, lineno, zone)
                continue
            if not pending and not line.strip():
                continue
            pending.append(line.decode("utf-8", "replace"))
            if len(pending) == 1:
                start = lineno
            record = "\n".join(pending)
            if record.count('"') % 2:  # inside a quoted field: the record goes on
                if len(pending) > 1000:
                    sink.skip(start, record, "an unterminated quoted field")
                    pending.clear()
                continue
            pending.clear()
            row = next(csv.reader([record]), [])
            _csv(sink, row, record, start, zone)
    if pending:
        sink.skip(start, "\n".join(pending), "truncated: an unterminated quoted field")
    f.lines = lineno


def _csv(sink: Activity, row: list[str], raw: str, lineno: int, zone: tzinfo | None) -> None:
    if len(row) < 23:
        sink.skip(lineno, raw, f"{len(row)} csvlog columns, at least 23 expected")
        return
    _event(
        sink,
        raw,
        lineno,
        when=row[0],
        conn=row[4],
        severity=row[11],
        message=row[13],
        app=row[22],
        query=row[19],
        zone=zone,
    )


def _json(sink: Activity, line: bytes, lineno: int, zone: tzinfo | None) -> None:
    try:
        e = orjson.loads(line)
    except orjson.JSONDecodeError:
        sink.skip(lineno, line, "not valid JSON (truncated or corrupt)")
        return
    if not isinstance(e, dict) or not isinstance(e.get("timestamp"), str):
        sink.skip(lineno, line, "not a jsonlog object with a timestamp")
        return
    _event(
        sink,
        line.decode("utf-8", "replace"),
        lineno,
        when=e["timestamp"],
        conn=str(e.get("remote_host") or ""),
        severity=str(e.get("error_severity") or ""),
        message=str(e.get("message") or ""),
        app=str(e.get("application_name") or ""),
        query=str(e.get("statement") or ""),
        zone=zone,
    )


def _event(
    sink: Activity,
    raw: str,
    lineno: int,
    *,
    when: str,
    conn: str,
    severity: str,
    message: str,
    app: str,
    query: str,
    zone: tzinfo | None,
) -> None:
    if not conn or conn.startswith("[local]"):
        return  # a Unix-socket session: on the host itself, not over the network
    try:
        t, off = iso(when)
    except BadTime:
        # log_timezone other than UTC: the server writes the zone's abbreviation (CET, EDT)
        try:
            t, off = abbreviated(when, zone)
        except BadTime as exc:
            sink.skip(lineno, raw, str(exc))
            return
    sink.file.offsets.add(off)
    addr = host_of(conn)
    ok = severity not in ("FATAL", "ERROR", "PANIC")
    if message.startswith("connection received") or message.startswith("connection authorized"):
        sink.add(addr, t, PROBE, None, 0, NO_RECORDS, 0, True, app or None, CTX_NONE, raw, lineno)
        return
    m = _STATEMENT.match(message)
    sql = m.group(1) if m else (query if not ok and query else "")
    if not sql:
        if not ok:  # a failed login or a refused statement
            sink.add(
                addr, t, PROBE, None, 0, NO_RECORDS, 0, False, app or None, CTX_NONE, raw, lineno
            )
        return
    action, table = statement_action(sql, app or None)
    sink.add(addr, t, action, table, 0, NO_RECORDS, 0, ok, app or None, CTX_NONE, raw, lineno)
