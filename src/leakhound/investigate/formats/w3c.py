"""W3C extended log files (IIS's log, CloudFront's standard log), read by the columns their
``#Fields:`` directive names.

From the W3C's "Extended Log File Format" (WD-logfile-960323): directives (``#Version: 1.0``,
``#Fields: date time c-ip cs-method cs-uri-stem …``, ``#Software``, ``#Date``, ``#Remark``)
head the file, and IIS writes them again after a restart (with other fields, should its
configuration have changed); each line after them holds those fields in that order, separated
by spaces (IIS) or tabs (CloudFront), ``-`` for none. Read: ``date`` and ``time`` (UTC, as the
format defines them: ``--log-time-zone`` does not shift them), ``c-ip``, ``cs-method``,
``cs-uri-stem`` and ``cs-uri-query`` (or ``cs-uri``), ``sc-status``, ``sc-bytes`` and
``cs(User-Agent)``. A ``--log-format`` given reads the lines as it says instead.
"""

from __future__ import annotations

from ..activity import Activity
from ..reader import Lines
from ..timeparse import BadTime, iso
from . import logformat
from .base import ParseOptions, first_lines
from .logformat import UTC_NOTE, W3C_DIRECTIVE

NAME = "w3c"
DOC = "W3C extended log (IIS, CloudFront), by its #Fields directive"
_FIELDS = b"#Fields:"
# What a line needs to be a request: its client, its time and its path
_NEEDED = ("c-ip", "date", "time")


def _columns(line: bytes) -> dict[str, int]:
    """The fields a ``#Fields:`` directive names → their column (names as lower case)."""
    names = line[len(_FIELDS) :].decode("ascii", "replace").lower().split()
    return {name: i for i, name in reversed(list(enumerate(names)))}  # the first of a repeat


def _lacks(cols: dict[str, int]) -> str | None:
    """Why lines of these fields are no request (a field a request needs not named), or None."""
    missing = [n for n in _NEEDED if n not in cols]
    if "cs-uri-stem" not in cols and "cs-uri" not in cols:
        missing.append("cs-uri-stem")
    return f"its #Fields directive names no {', '.join(missing)}" if missing else None


def sniff(head: bytes) -> bool:
    """Directives first (``#Version: 1.0``, ``#Software: …``), a ``#Fields:`` one among them."""
    lines = first_lines(head, 10)
    return (
        bool(lines)
        and W3C_DIRECTIVE.match(lines[0]) is not None
        and any(ln.startswith(_FIELDS) for ln in lines)
    )


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Every request into ``sink``, its columns those the last ``#Fields:`` before it names."""
    if options.log_format:
        logformat.parse(stream, sink, options)
        return
    f = sink.file
    lineno = f.lines
    cols: dict[str, int] = {}
    count = 0  # how many fields #Fields names
    lacks: str | None = "no #Fields directive before it"
    for batch in stream.batches():
        for line in batch:
            lineno += 1
            if W3C_DIRECTIVE.match(line):
                if line.startswith(_FIELDS):
                    cols = _columns(line)
                    count = len(line[len(_FIELDS) :].split())
                    lacks = _lacks(cols)
                continue
            if not line.strip():
                continue
            if lacks:
                sink.skip(lineno, line, lacks)
                continue
            # Tabs separate CloudFront's fields, spaces IIS's (a space in a value is "+")
            values = line.rstrip(b"\r").split(b"\t") if b"\t" in line else line.split()
            if len(values) != count:
                sink.skip(lineno, line, f"{len(values)} fields where #Fields names {count}")
                continue
            v = {name: values[i].decode("utf-8", "replace") for name, i in cols.items()}
            try:
                t, _ = iso(f"{v['date']} {v['time']}")  # UTC by definition
            except BadTime as exc:
                sink.skip(lineno, line, str(exc))
                continue
            if options.log_zone is not None:  # said where it could be thought applied
                sink.note(lineno, UTC_NOTE)
            stem = v.get("cs-uri-stem")
            logformat._record(
                v["c-ip"],
                t,
                None,
                v.get("cs-method"),
                stem if stem is not None else v.get("cs-uri"),
                v.get("cs-uri-query") if stem is not None else None,
                v.get("sc-status"),
                v.get("sc-bytes"),
                v.get("cs(user-agent)"),
                sink,
                line,
                lineno,
            )
    f.lines = lineno
