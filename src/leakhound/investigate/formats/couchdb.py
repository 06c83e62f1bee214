"""CouchDB's own log (``[log] file``): its request lines.

A request is logged at ``notice`` level as ``[notice] TIME NODE <PID> REQUEST_ID HOST PEER
USER METHOD PATH CODE STATUS MILLISECONDS`` (CouchDB 2.x and 3.x; ``USER`` is ``undefined``
for an anonymous request). The peer is the client's address. Other lines (the server's own
notices, multi-line error reports) are not requests and are left out; a line in the request
shape whose time or request does not parse is skipped with the reason. No byte count is
logged: records come from the pages' ``limit=`` where a request names one.
"""

from __future__ import annotations

import re

from ..activity import Activity
from ..reader import Lines
from ..timeparse import BadTime, iso
from .base import ParseOptions, first_lines
from .http import classify

NAME = "couchdb"
DOC = "CouchDB log (request lines)"
_PREFIX = re.compile(rb"^\[(\w+)\] (\d{4}-\d\d-\d\dT\S+) \S+ <[^>]*> ")
# A request's line has a request id (ten hex digits) where the server's own say "--------".
_REQUEST_START = re.compile(rb"^\[\w+\] \S+ \S+ <[^>]*> [0-9a-f]{10} ")
_REQUEST = re.compile(
    rb"^\[\w+\] (\S+) \S+ <[^>]*> \S+ \S+ (\S+) (\S+) ([A-Z]+) (\S+) (\d{3}) \S+ \d+\s*$"
)


def sniff(head: bytes) -> bool:
    """Most first lines are CouchDB log lines (``[level] time node <pid> …``)."""
    lines = first_lines(head)
    return bool(lines) and sum(1 for ln in lines if _PREFIX.match(ln)) * 2 > len(lines)


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Every request line into ``sink``, by peer address."""
    f = sink.file
    lineno = f.lines
    for batch in stream.batches():
        for line in batch:
            lineno += 1
            m = _REQUEST.match(line)
            if m is None:
                if _REQUEST_START.match(line):
                    sink.skip(lineno, line, "a request line cut short or malformed")
                elif line.strip() and not _PREFIX.match(line) and not line[:1].isspace():
                    sink.skip(lineno, line, "not a CouchDB log line")
                continue
            when, peer, _user, method, target, code = (
                g.decode("utf-8", "replace") for g in m.groups()
            )
            try:
                t, _ = iso(when)
            except BadTime as exc:
                sink.skip(lineno, line, str(exc))
                continue
            if not target.startswith("/"):
                sink.skip(lineno, line, "not an HTTP request path")
                continue
            action, db, records, how, ctx = classify(method, target)
            sink.add(
                peer,
                t,
                action,
                db,
                records,
                how,
                0,
                code[0] in "23",
                None,
                ctx,
                line,
                lineno,
            )
    f.lines = lineno
