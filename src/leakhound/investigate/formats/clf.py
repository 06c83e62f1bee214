"""nginx and Apache access logs: the combined and common formats (the defaults of both).

nginx ``log_format combined``: ``$remote_addr - $remote_user [$time_local] "$request" $status
$body_bytes_sent "$http_referer" "$http_user_agent"`` (nginx.org, ngx_http_log_module); Apache
``LogFormat "%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-agent}i\\"" combined`` and
``common`` without the last two (httpd.apache.org, mod_log_config). Fields appended after the
user agent (``$request_time``, ``$http_x_forwarded_for``) are allowed and ignored, and so is
``$time_iso8601`` in the brackets in place of ``$time_local``. A time there with no zone
(Apache's ``%{%d/%b/%Y:%H:%M:%S}t``) is the server's local time, read in ``--log-time-zone``
(else as UTC) and said in the file's notes; one with its zone's abbreviation (Apache's
``%{%d/%b/%Y:%H:%M:%S %Z}t``: ``CET``, ``CEST``) is read by ``timeparse.ABBREVIATIONS`` where
the abbreviation has one meaning, else in a ``--log-time-zone`` that uses it, else skipped
saying why; one with its offset before it (``%{%d/%b/%Y:%H:%M:%S %z %Z}t``: ``+0530 IST``)
at that offset, the abbreviation checked to mean it then.
"""

from __future__ import annotations

import re
from datetime import tzinfo

from ..actions import BULK_READ, READ
from ..activity import Activity
from ..reader import Lines
from ..timeparse import (
    ZONE_DECIDES,
    BadTime,
    abbreviated,
    clf,
    clf_like,
    clf_named,
    has_zone,
    iso,
    offset_and_letters,
    wall_in,
)
from .base import ParseOptions, first_lines, local_time_note
from .http import DUMP_AGENTS, classify_line

NAME = "nginx"
DOC = "nginx/Apache combined or common access log"

# The quoted fields use the unrolled-loop idiom: a backslash escapes a quote (nginx writes \x22).
_Q = rb'"([^"\\]*(?:\\.[^"\\]*)*)"'
LINE = re.compile(
    rb"(\S+) \S+ (\S+) \[([^\]]+)\] " + _Q + rb" (\d{3}) (\d+|-)(?: " + _Q + rb" " + _Q + rb")?"
)


def sniff(head: bytes) -> bool:
    """Most of the first lines match the combined/common shape."""
    lines = first_lines(head)
    return bool(lines) and sum(1 for ln in lines if LINE.match(ln)) * 2 > len(lines)


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Every request line into ``sink`` (a ``--log-format`` goes to ``logformat``)."""
    if options.log_format:
        from . import logformat

        logformat.parse(stream, sink, options)
        return
    feed(stream, sink, LINE, 1, 2, 3, 4, 5, 6, 8, options.log_zone)


def _other_time(stamp: bytes, zone: tzinfo | None, why: BadTime) -> tuple[float, bytes]:
    """A time in the brackets that ``clf`` does not read (``why``): nginx's ``$time_iso8601``
    in place of ``$time_local`` (a common log_format), an ISO time with its zone's
    abbreviation (Apache's ``%{%Y-%m-%d %H:%M:%S %Z}t``), or a CLF time with an abbreviation
    of several meanings (IST) that ``zone`` (--log-time-zone) uses; BadTime saying why not."""
    try:
        text = stamp.decode("ascii")
    except UnicodeDecodeError:
        raise why from None
    if text[-1:].isalpha() and (both := offset_and_letters(text)) is not None:
        return both, text.split()[-2].encode()  # +0530 IST: the offset says which IST
    if text[-1:].isalpha() and text[-1:] != "Z" and text[-3:] not in ("UTC", "GMT"):
        if clf_like(text):  # a CLF time: clf read its zone by the table
            if zone is None:
                raise why
            return clf_named(stamp, zone)
        t, abbr = abbreviated(text, zone)
        return t, abbr.encode()
    try:
        t, written = iso(text)
    except BadTime:
        raise why from None
    return t, written.encode() if has_zone(text) else b""


def _last_word(stamp: bytes) -> bytes:
    return stamp.rpartition(b" ")[2]


def feed(
    stream: Lines,
    sink: Activity,
    pattern: re.Pattern[bytes],
    g_src: int,
    g_user: int,
    g_time: int,
    g_req: int,
    g_status: int,
    g_bytes: int,
    g_agent: int,
    zone: tzinfo | None = None,
) -> None:
    """The hot loop shared by CLF-shaped formats: one regex match and cached lookups a line.
    A time written with no zone (Apache's ``%{%Y-%m-%d %H:%M:%S}t``) is read in ``zone``
    (--log-time-zone), else as UTC, and noted."""
    local = local_time_note(zone)
    f = sink.file
    match = pattern.match
    add = sink.add
    skip = sink.skip
    last_off = None
    lineno = f.lines
    offsets = f.offsets
    for batch in stream.batches():
        if sink.file.offsets is not offsets:  # the next file of a rotated set: its own zones
            offsets, last_off = sink.file.offsets, None
        for line in batch:
            lineno += 1
            m = match(line)
            if m is None:
                if line.strip():
                    skip(lineno, line, "not in the access-log shape")
                continue
            g = m.groups()
            stamp = g[g_time - 1]
            try:
                # BST: London's, or Bougainville's, as the zone decides, straight away (clf
                # refuses it where it names two, a BadTime a line)
                if zone is not None and stamp[-1:].isalpha() and _last_word(stamp) in ZONE_DECIDES:
                    t, off = clf_named(stamp, zone)
                else:
                    t, off = clf(stamp)
                    if zone is not None and off in ZONE_DECIDES:  # glued on: 10:00:00BST
                        t, off = clf_named(stamp, zone)
            except BadTime as exc:
                try:
                    t, off = _other_time(g[g_time - 1], zone, exc)
                except BadTime as why:
                    skip(lineno, line, str(why))
                    continue
            if not off:  # no zone written: the server's local time
                t = wall_in(t, zone)
            if off is not last_off:
                if off:
                    offsets.add(off.decode())
                else:
                    sink.note(lineno, local)
                last_off = off
            req = g[g_req - 1]
            c = classify_line(req)
            if c is None:
                skip(lineno, line, "not an HTTP request line")
                continue
            status = g[g_status - 1]
            size = g[g_bytes - 1]
            agent = g[g_agent - 1] if g_agent else None
            action = c[0]
            if action == READ and agent and DUMP_AGENTS.search(agent):
                action = BULK_READ
            add(
                g[g_src - 1].decode("ascii", "replace"),
                t,
                action,
                c[1],
                c[2],
                c[3],
                int(size) if size != b"-" else 0,
                status[0] in b"23",
                agent.decode("utf-8", "replace") if agent and agent != b"-" else None,
                c[4],
                line,
                lineno,
            )
    f.lines = lineno
