"""MySQL and MariaDB server logs: the slow query log, the general query log and MariaDB's
audit log (the ``server_audit`` plugin), one parser for the three.

- **Slow query log** (``slow_query_log``; every statement with ``long_query_time = 0``): an
  entry is ``# Time:`` (not always), ``# User@Host: user[user] @ host [address]`` (MySQL adds
  ``Id: n``), ``# Query_time: … Rows_sent: n Rows_examined: n`` (MariaDB then ``# Rows_affected:
  … Bytes_sent: n``), ``SET timestamp=epoch;``, then the statement up to the next ``#`` line.
  The only one of the three that says how many rows a statement returned: a read's records
  are its ``Rows_sent``, exact; a ``SELECT … INTO OUTFILE``/``DUMPFILE``'s are the rows it
  wrote into the file, MariaDB's (and Percona Server's) ``Rows_affected``. MySQL writes no
  ``Rows_affected``: its ``Rows_sent`` is the rows an OUTFILE wrote (the export sets the
  sent-row count to them when it ends, before the slow log is written) and 0 for a DUMPFILE,
  whose one row may fold a whole table: such a file write took records the log does not count.
- **General query log** (``general_log``): ``time id command argument``, tab-separated;
  MariaDB writes the time (``YYMMDD H:MM:SS``) on the first line of each second only, MySQL
  an ISO time on every line. A session's address is on its ``Connect`` line; a statement
  runs on until the next line that starts a command.
- **MariaDB audit log** (``server_audit``, ``server_audit_events=CONNECT,QUERY,TABLE``):
  ``YYYYMMDD HH:MM:SS,serverhost,user,host,connection,query id,operation,database,object,
  retcode``; a QUERY's object is the statement, quoted. TABLE events (READ, WRITE, CREATE,
  DROP, ALTER, RENAME of one table) stand for their statement only where that statement's
  QUERY event is not in the log.

The general and audit logs write the server's local time with no zone: read as UTC, said in
the file's notes. So do MariaDB's and older MySQL's slow logs in ``# Time: YYMMDD H:MM:SS``
(MySQL 5.7+ writes ISO with its zone; an ISO time with none, ``2019-12-05T10:11:12.123456``,
is a local one too, in either log), said where an entry's time is that line's: an entry's
``SET timestamp=`` (epoch seconds) is its time where it has one. Sessions over the Unix
socket (``localhost`` with no address) are the host's own and left out, as for PostgreSQL.
What each statement does is ``mysql_statements``'s to say.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo

from ..actions import (
    CTX_NONE,
    ENUMERATE,
    EXACT,
    FILE_WRITE,
    NO_RECORDS,
    PROBE,
    RANSOM_NOTE,
    READ,
    READS,
    ROWS_READ,
    UNCOUNTED,
    WIPE,
    WRITE,
)
from ..activity import Activity
from ..reader import Lines
from ..timeparse import BadTime, iso_or_local, local_time
from .base import ParseOptions, first_lines, local_time_note
from .mysql_statements import (
    SYSTEM_SCHEMAS,
    folds_records,
    into_dumpfile,
    ransom_table,
    statement_action,
    statements,
    unquote,
)

NAME = "mysql"
DOC = "MySQL/MariaDB slow query log, general query log or MariaDB audit log"

_AUDIT = re.compile(
    rb"^(\d{8} \d\d:\d\d:\d\d),([^,]*),([^,]*),([^,]*),(\d+),(\d+),([A-Z_]+),([^,]*),(.*)$"
)
# MariaDB: "261206 14:47:05\t     3 Connect\t…" or "\t\t     3 Query\t…"; MySQL: ISO time.
_GENERAL = re.compile(
    rb"^(?:(\d{6}\s+\d{1,2}:\d\d:\d\d)\t|\t\t|(\d{4}-\d\d-\d\dT\S+)\s)"
    rb"\s*(\d+) ([A-Z][a-z]+(?: [A-Za-z]+)?)\t(.*)$"
)
_HEADER = re.compile(rb"^(?:\S+, Version: .*started with:|Tcp port: |Time\s+Id Command\s+Argument)")
_USER_HOST = re.compile(rb"^# User@Host: .*?@\s*(\S*)\s*\[([^\]]*)\]")
# Counts of at most 18 digits: a larger one is no server's (and past 64 bits, refused below).
_ROWS_SENT = re.compile(rb"Rows_sent: (\d{1,18})\b")
_ROWS_EXAMINED = re.compile(rb"Rows_examined: (\d{1,18})\b")
_ROWS_AFFECTED = re.compile(rb"Rows_affected: (\d{1,18})\b")
_BYTES_SENT = re.compile(rb"Bytes_sent: (\d{1,18})\b")
_TIMESTAMP = re.compile(rb"^SET timestamp=(\d+)(?:\.\d+)?;$")
_SLOW_TIME = re.compile(rb"^# Time: (.*)$")
_SCHEMA = re.compile(rb"Schema: (\S+)")
_THREAD = re.compile(rb"(?:\bId|Thread_id):\s*(\d+)")
_USE = re.compile(rb"^use (`(?:[^`]|``)+`|\S+);$", re.I)
_SHORT_TIME = re.compile(r"^(\d\d)(\d\d)(\d\d)\s+(\d{1,2}):(\d\d):(\d\d)$")
_AUDIT_TIME = re.compile(r"^(\d{4})(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)$")
_DENIED = re.compile(r"Access denied for user '[^']*'@'([^']*)'")

# The audit log's TABLE events and the action each stands for.
_TABLE_EVENTS = {
    "READ": READ,
    "WRITE": WRITE,
    "CREATE": WRITE,
    "ALTER": WRITE,
    "RENAME": WRITE,
    "DROP": WIPE,
}


def sniff(head: bytes) -> bool:
    """Slow-log entries, general-log commands or audit-log rows (or their servers' headers)."""
    lines = first_lines(head, 8)
    hits = sum(
        1
        for ln in lines
        if ln.startswith((b"# Time: ", b"# User@Host: ", b"# Thread_id: ", b"# Query_time: "))
        or ln.startswith((b"# Rows_affected: ", b"SET timestamp="))
        or _HEADER.match(ln)
        or _GENERAL.match(ln)
        or _AUDIT.match(ln)
    )
    return bool(lines) and hits * 2 > len(lines)


_TableEvent = tuple[int, str, float, str, int]  # action, table, time, address, line number


@dataclass(slots=True)
class _Statement:
    """One statement waiting for the line that shows it ended."""

    addr: str
    t: float
    sql: list[str]
    lineno: int
    raw: str
    database: str | None = None  # the session's current database
    ok: bool = True
    rows: int | None = None
    examined: int | None = None  # the rows the server read for it (slow log)
    affected: int | None = None  # the rows it changed, or wrote into a file (MariaDB's slow log)
    nbytes: int = 0
    local: bool = False  # its time is a local one with no zone (a slow log's short # Time:)


LAST_EPOCH = 253402300800  # 10000-01-01: no log line is later
MAX_LINES = 1000  # of one statement: the first ones and the last are kept


def _keep(sql: list[str], line: bytes) -> None:
    """A statement's next line, its first lines and its last one kept."""
    text = line.decode("utf-8", "replace")
    if len(sql) < MAX_LINES:
        sql.append(text)
    else:
        sql[-1] = text


def _emit(sink: Activity, s: _Statement) -> None:
    """Each statement of a logged query into ``sink``: the rows the log counted go to the
    first read (a log counts one query's); a row that folds many records (GROUP_CONCAT)
    makes the rows it read an upper bound, not the records.

    A file write's records are the rows it wrote into the file: MariaDB's ``Rows_affected``
    (``Rows_sent`` is the same for INTO OUTFILE but 0 for INTO DUMPFILE; ``Rows_examined``
    counts the rows a WHERE passed over too). Without ``Rows_affected`` (MySQL), an OUTFILE's
    ``Rows_sent`` where it is not 0; else the log does not count them: uncounted, no bound."""
    rows, nbytes = s.rows, s.nbytes
    for sql in statements("\n".join(s.sql)):
        action, table = statement_action(sql, rows, s.database)
        records, how = 0, NO_RECORDS
        if action == FILE_WRITE and rows is not None:
            if s.affected is not None:
                rows = s.affected
            elif (not rows or into_dumpfile(sql)) and not (folds_records(sql) and s.examined):
                # a DUMPFILE's Rows_sent is 0 whatever it wrote; an OUTFILE's 0 is not taken
                # for none written (a folding row's rows read bound it below)
                records, how, rows = 0, UNCOUNTED, None
        if rows is not None and action in READS:
            if folds_records(sql):
                records, how = (s.examined, ROWS_READ) if s.examined else (0, NO_RECORDS)
            else:
                records, how = rows, EXACT
            rows = None
        sink.add(
            s.addr, s.t, action, table, records, how, nbytes, s.ok, None, CTX_NONE, s.raw, s.lineno
        )
        nbytes = 0


def _probe(sink: Activity, addr: str, t: float, ok: bool, raw: bytes, lineno: int) -> None:
    sink.add(addr, t, PROBE, None, 0, NO_RECORDS, 0, ok, None, CTX_NONE, raw, lineno)


def _short_time(text: str, zone: tzinfo | None) -> float:
    """MariaDB's ``YYMMDD H:MM:SS`` (this century), the server's local time."""
    m = _SHORT_TIME.match(text.strip())
    if not m:
        raise BadTime(f"not a MariaDB log time: {text[:40]!r}")
    y, mo, d, hh, mi, ss = (int(g) for g in m.groups())
    return local_time((2000 + y, mo, d, hh, mi, ss), zone)


def _audit_time(text: str, zone: tzinfo | None) -> float:
    m = _AUDIT_TIME.match(text)
    if not m:
        raise BadTime(f"not an audit log time: {text[:40]!r}")
    y, mo, d, hh, mi, ss = (int(g) for g in m.groups())
    return local_time((y, mo, d, hh, mi, ss), zone)


def _address(host: str, ip: str) -> str | None:
    """A session's client address; None for the host's own (the Unix socket)."""
    addr = ip.strip() or host.strip()
    if not addr or addr == "localhost":
        return None
    return addr


class _Parser:
    """The state of one file: open sessions, the statement being read, the pending table
    events of the audit log."""

    def __init__(self, sink: Activity, zone: tzinfo | None = None) -> None:
        self.sink = sink
        self.zone = zone  # the server's, for the times it wrote without one
        # general log: thread id → its address (None: the host's own) and current database
        self.sessions: dict[str, tuple[str | None, str | None]] = {}
        self.t: float | None = None  # general log: MariaDB's time, written once a second
        self.t_local = False  # self.t is the server's local time, written with no zone
        # general log: the Connect lines whose login is not yet known to have succeeded
        self.connecting: dict[str, tuple[str, float, bool, bytes, int]] = {}
        self.held: _Statement | None = None
        self.slow: _Statement | None = None  # slow log: the entry being read
        self.thread: str | None = None  # slow log: the entry's thread
        self.databases: dict[str, str] = {}  # slow log: thread → the database it last used
        # audit log: connection → (query id, its table events) until the QUERY shows or not
        self.tables: dict[str, tuple[str, list[_TableEvent]]] = {}
        self.raw: dict[int, bytes] = {}  # audit log: the lines of the pending table events
        self.local = local_time_note(zone)  # said by each file with a line in local time
        self.lineno = 0

    def flush(self) -> None:
        if self.held is not None:
            _emit(self.sink, self.held)
            self.held = None

    def line(self, line: bytes, lineno: int) -> None:
        self.lineno = lineno
        if line.startswith(b"# "):
            self._slow_comment(line, lineno)
            return
        if self.slow is not None:
            self._slow_body(line)
            return
        m = _AUDIT.match(line)
        if m:
            self.flush()
            self._audit(m, line, lineno)
            return
        m = _GENERAL.match(line)
        if m:
            self.flush()
            self._general(m, line, lineno)
            return
        if _HEADER.match(line):
            self.flush()
            return
        if self.held is not None:  # a statement's next line
            _keep(self.held.sql, line)
            return
        if line.startswith(b"use ") or _TIMESTAMP.match(line):
            return
        self.sink.skip(lineno, line, "not a MySQL/MariaDB slow, general or audit log line")

    # slow log
    def _slow_comment(self, line: bytes, lineno: int) -> None:
        if line.startswith(b"# User@Host: "):
            self._end_slow()
            m = _USER_HOST.match(line)
            addr = _address(m.group(1).decode(), m.group(2).decode()) if m else None
            # -1: no time yet (the entry's SET timestamp gives it)
            t = -1.0 if self.t is None else self.t
            self.slow = _Statement(addr or "", t, [], lineno, "", local=self.t_local)
            self._thread(line)
            return
        if line.startswith(b"# Time: "):
            self._end_slow()
            when = _SLOW_TIME.match(line)
            stamp = when.group(1).decode().strip() if when else ""
            try:
                if (
                    "T" in stamp or stamp[4:5] == "-"
                ):  # MySQL 5.7+: ISO, with its Z or offset (MariaDB's: none)
                    self.t, self.t_local = iso_or_local(stamp, self.zone)
                else:  # MariaDB's and older MySQL's YYMMDD H:MM:SS: local, no zone
                    self.t, self.t_local = _short_time(stamp, self.zone), True
            except BadTime as exc:
                # the time before it is another moment's: the entries under it have none
                # but their own SET timestamp
                self.t, self.t_local = None, False
                self.sink.skip(lineno, line, str(exc))
            return
        s = self.slow
        if s is None:
            return
        if s.sql:  # a comment after the statement: the entry is over
            self._end_slow()
            return
        self._thread(line)
        if (schema := _SCHEMA.search(line)) is not None:
            s.database = schema.group(1).decode("utf-8", "replace")
        if (rows := _ROWS_SENT.search(line)) is not None:
            s.rows = int(rows.group(1))
        if (examined := _ROWS_EXAMINED.search(line)) is not None:
            s.examined = int(examined.group(1))
        if (affected := _ROWS_AFFECTED.search(line)) is not None:
            s.affected = int(affected.group(1))
        if (sent := _BYTES_SENT.search(line)) is not None:
            s.nbytes = int(sent.group(1))

    def _slow_body(self, line: bytes) -> None:
        s = self.slow
        assert s is not None
        if not s.sql:
            stamp = _TIMESTAMP.match(line)
            if stamp:
                if int(stamp.group(1)) < LAST_EPOCH:
                    s.t, s.local = float(stamp.group(1)), False  # epoch seconds: no zone to guess
                else:
                    self.sink.skip(self.lineno, line, "a SET timestamp past the year 9999")
                return
            if (use := _USE.match(line)) is not None:
                s.database = unquote(use.group(1).decode("utf-8", "replace"))
                if self.thread is not None:  # MySQL writes it when the database changed
                    self.databases[self.thread] = s.database
                return
        if _HEADER.match(line):  # a server restart's header: the entry is over
            self._end_slow()
            return
        if not s.sql:  # the evidence: the statement's first line
            s.raw, s.lineno = line.decode("utf-8", "replace"), self.lineno
        _keep(s.sql, line)

    def _thread(self, line: bytes) -> None:
        """The slow-log entry's thread, and the database it last used where the entry
        names none."""
        m = _THREAD.search(line)
        s = self.slow
        if m is None or s is None:
            return
        self.thread = m.group(1).decode()
        if s.database is None:
            s.database = self.databases.get(self.thread)
        if len(self.databases) > 100_000:
            self.databases.pop(next(iter(self.databases)))

    def _end_slow(self) -> None:
        self.thread = None
        s, self.slow = self.slow, None
        if s is None or not s.sql or not s.addr:
            return  # no statement, or a session of the host's own
        if s.t < 0:
            self.sink.skip(s.lineno, s.raw, "a slow-log entry without a time")
            return
        if s.local:  # no SET timestamp: its time is the # Time: line's local one
            self.sink.note(s.lineno, self.local)
        _emit(self.sink, s)

    # general log
    def _general(self, m: re.Match[bytes], line: bytes, lineno: int) -> None:
        short, iso_time, thread, command, argument = m.groups()
        try:
            if short:
                self.t, self.t_local = _short_time(short.decode(), self.zone), True
            elif iso_time:
                self.t, self.t_local = iso_or_local(iso_time.decode(), self.zone)
        except BadTime as exc:
            # MariaDB's lines after it with no time are of its second, not the last one read
            self.t, self.t_local = None, False
            self.sink.skip(lineno, line, str(exc))
            return
        if self.t is None:
            self.sink.skip(lineno, line, "a general-log line with no readable time before it")
            return
        if self.t_local:  # its own short time, or one before it (in the file before, even)
            self.sink.note(lineno, self.local)
        tid, arg = thread.decode(), argument.decode("utf-8", "replace")
        raw = line.decode("utf-8", "replace")
        # A session's Connect line is written before its login is decided: the attempt is
        # counted at its thread's next line, refused when that line is "Access denied".
        attempt = self.connecting.pop(tid, None)
        if command == b"Connect":
            denied = _DENIED.search(arg)
            if denied:
                addr = _address(denied.group(1), "")
                if addr:
                    _probe(self.sink, addr, self.t, False, line, lineno)
                self.sessions.pop(tid, None)
                return
            if attempt is not None:
                _probe(self.sink, *attempt)
            user_host, _, rest = arg.partition(" on ")
            # "user@host as account" where the account matched differs (an anonymous one)
            user_host = user_host.split(" as ", 1)[0].strip()
            addr = _address(user_host.rsplit("@", 1)[-1], "") if "@" in user_host else None
            database = rest.split(" using ", 1)[0].strip() or None
            self.sessions[tid] = (addr, database)
            if len(self.sessions) > 100_000:  # sessions that never logged their end
                self.sessions.pop(next(iter(self.sessions)))
            if addr:
                self.connecting[tid] = (addr, self.t, True, line, lineno)
            return
        if attempt is not None:
            _probe(self.sink, *attempt)
        if command == b"Quit":
            self.sessions.pop(tid, None)
            return
        addr, database = self.sessions.get(tid, (None, None))
        if addr is None:
            return  # the host's own session, or one opened before the log began
        if command in (b"Query", b"Execute"):
            self.held = _Statement(addr, self.t, [arg], lineno, raw, database)
            if (use := _USE.match(argument.rstrip() + b";")) is not None:
                self.sessions[tid] = (addr, unquote(use.group(1).decode("utf-8", "replace")))
        elif command == b"Init DB":
            self.sessions[tid] = (addr, arg.strip() or None)
            _probe(self.sink, addr, self.t, True, line, lineno)
        elif command == b"Field List":
            self.sink.add(
                addr, self.t, ENUMERATE, None, 0, NO_RECORDS, 0, True, None, CTX_NONE, line, lineno
            )

    # audit log
    def _audit(self, m: re.Match[bytes], line: bytes, lineno: int) -> None:
        when, _server, _user, host, conn, qid, operation, database, rest = (
            g.decode("utf-8", "replace") for g in m.groups()
        )
        try:
            t = _audit_time(when, self.zone)
        except BadTime as exc:
            self.sink.skip(lineno, line, str(exc))
            return
        self.sink.note(lineno, self.local)
        addr = _address(host, "")
        pending = self.tables.get(conn)
        if pending is not None and (pending[0] != qid or operation == "QUERY"):
            del self.tables[conn]
            if pending[0] != qid:  # their statement's QUERY is not in the log
                self._tables(pending[1])
            else:  # the QUERY stands for them: their lines are not needed
                for event in pending[1]:
                    self.raw.pop(event[4], None)
        if addr is None:
            return
        if operation == "CONNECT":
            _probe(self.sink, addr, t, rest.rsplit(",", 1)[-1] in ("", "0"), line, lineno)
        elif operation == "FAILED_CONNECT":
            _probe(self.sink, addr, t, False, line, lineno)
        elif operation in ("QUERY", "QUERY_DDL", "QUERY_DML", "QUERY_DCL", "QUERY_DML_NO_SELECT"):
            sql, _, code = rest.rpartition(",")
            if sql.startswith("'") and sql.endswith("'"):
                sql = sql[1:-1]
            sql = re.sub(r"\\(.)", lambda e: {"n": "\n", "t": "\t", "r": "\r"}.get(e[1], e[1]), sql)
            raw = line.decode("utf-8", "replace")
            ok = code.strip() in ("", "0")
            _emit(self.sink, _Statement(addr, t, [sql], lineno, raw, database or None, ok))
        elif operation in _TABLE_EVENTS:
            table = f"{database}.{rest.rstrip(',')}" if database else rest.rstrip(",")
            if database.lower() in SYSTEM_SCHEMAS:
                return  # the server's own statistics tables, read and written on the way
            event = (_TABLE_EVENTS[operation], table, t, addr, lineno)
            if conn in self.tables:
                self.tables[conn][1].append(event)
            else:
                self.tables[conn] = (qid, [event])
            self.raw[lineno] = line
            if len(self.tables) > 100_000:
                self._tables(self.tables.pop(next(iter(self.tables)))[1])

    def _tables(self, events: list[_TableEvent]) -> None:
        for action, table, t, addr, lineno in events:
            if action == WRITE and ransom_table(table):
                action = RANSOM_NOTE
            raw = self.raw.pop(lineno, b"")
            self.sink.add(
                addr, t, action, table, 0, NO_RECORDS, 0, True, None, CTX_NONE, raw, lineno
            )

    def end(self) -> None:
        self.flush()
        for attempt in self.connecting.values():
            _probe(self.sink, *attempt)
        self.connecting.clear()
        self._end_slow()
        for _, events in self.tables.values():
            self._tables(events)
        self.tables.clear()


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Sessions and statements into ``sink``, by client address."""
    f = sink.file
    parser = _Parser(sink, options.log_zone)
    lineno = f.lines
    handle: Callable[[bytes, int], None] = parser.line
    for batch in stream.batches():
        for line in batch:
            lineno += 1
            line = line.rstrip(b"\r")
            if not line.strip():
                continue
            handle(line, lineno)
    parser.end()
    f.lines = lineno
