"""Custom access logs: GoAccess's ``--log-format`` notation (text or a JSON template), and JSON
access logs with the usual key names when no format is given.

The specifiers follow GoAccess's manual ("CUSTOM LOG/DATE FORMATS"): ``%h`` client, ``%d`` date,
``%t`` time, ``%x`` date and time, ``%r`` request line, ``%m`` method, ``%U`` path, ``%q`` query,
``%H`` protocol, ``%s`` status, ``%b`` bytes sent, ``%R`` referer, ``%u`` user agent, ``%v``/
``%e``/``%D``/``%T``/``%L``/``%^`` read and ignored, ``%~`` spaces; the predefined ``COMBINED``,
``COMMON``, ``VCOMBINED``, ``W3C`` and ``CLOUDFRONT`` (whose times are UTC, as are those of a
file with W3C directives, ``#Fields: …``: never read in ``--log-time-zone``). A JSON template
maps keys to specifiers, as GoAccess's does (``{"remote_addr": "%h", "time_local": "%d:%t %^",
"request": "%r", …}``); nested keys work.
Times: CLF (``10/Oct/2000:13:55:36 -0700``, or ``…13:55:36-0700`` with the zone glued on), ISO
8601 (a ``%x`` before a space reads one with a space for its T whole, ``2024-03-01
10:00:00``), or epoch seconds/milliseconds. The field a text format ignores right after the time
(``%t %^``, as in ``COMBINED``) is its zone when it reads as one, and the request's method
when it is one and the format reads no other (``%t %^ %U``); a ``%z`` (GoAccess has none:
its zone is in ``--datetime-format``) is the time's zone, applied, or its line refused saying
why (no zone, or another than the time's own); a time with no zone is the server's local time,
read in ``--log-time-zone`` (else as UTC) and said in the file's notes.
"""

from __future__ import annotations

import re
from datetime import tzinfo
from typing import Any

import orjson

from ..actions import BULK_READ, CTX_NONE, READ
from ..activity import Activity
from ..reader import Lines
from ..timeparse import (
    ABBREVIATIONS,
    AMBIGUOUS,
    ZONE_DECIDES,
    BadTime,
    abbreviated,
    at_offset,
    clf,
    clf_like,
    clf_named,
    has_zone,
    iso_or_local,
    offset_and_letters,
    wall_in,
)
from .base import ParseOptions, first_lines, local_time_note
from .http import DUMP_AGENTS, classify, classify_line

NAME = "json"
DOC = "custom (--log-format) or JSON access log"
PREDEFINED = {
    "COMBINED": '%h %^[%d:%t %^] "%r" %s %b "%R" "%u"',
    "COMMON": '%h %^[%d:%t %^] "%r" %s %b',
    "VCOMBINED": '%v:%^ %h %^[%d:%t %^] "%r" %s %b "%R" "%u"',
    # GoAccess's: IIS's default W3C fields (date time s-ip cs-method cs-uri-stem cs-uri-query
    # s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status …), and CloudFront's
    # standard log (date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem
    # sc-status cs(Referer) cs(User-Agent) cs-uri-query …), tab-separated
    "W3C": "%d %t %^ %m %U %q %^ %^ %h %u %R %s %^ %^ %L",
    "CLOUDFRONT": "%d\t%t\t%^\t%b\t%h\t%m\t%v\t%U\t%s\t%R\t%u\t%q\t%^",
}
# Formats whose times are UTC by definition (the W3C extended log's "All times are specified
# in GMT"; CloudFront's "in Coordinated Universal Time"): written with no zone, they are not
# the server's local time, and --log-time-zone does not shift them.
UTC_FORMATS = frozenset(("W3C", "CLOUDFRONT"))
# A W3C extended log's directives (#Version: 1.0, #Fields: date time …), which IIS writes at
# the top of a file and again after each restart: no request, and they make its times UTC
# whatever --log-format reads its lines.
W3C_DIRECTIVE = re.compile(rb"#(?:Version|Fields|Software|Date|Remark|Start-Date|End-Date):")
UTC_NOTE = (
    "times are UTC, as a W3C extended or CloudFront log writes them: --log-time-zone not applied"
)
# Key names of JSON access logs seen in nginx/Apache/Caddy/Traefik configurations.
GUESS = {
    "h": (
        "remote_addr",
        "client_ip",
        "remote_ip",
        "clientip",
        "ip",
        "client",
        "ClientHost",
        "request.remote_ip",
    ),
    "x": ("time_iso8601", "time_local", "@timestamp", "timestamp", "time", "ts", "StartUTC"),
    "r": ("request", "request_line"),
    "m": ("request_method", "method", "RequestMethod", "request.method"),
    "U": ("request_uri", "uri", "path", "RequestPath", "request.uri"),
    "q": ("args", "query_string", "query"),
    "s": ("status", "status_code", "DownstreamStatus", "response.status"),
    "b": ("body_bytes_sent", "bytes_sent", "size", "bytes", "DownstreamContentSize"),
    "u": (
        "http_user_agent",
        "user_agent",
        "agent",
        "request_User-Agent",
        "request.headers.User-Agent",
    ),
}


def sniff(head: bytes) -> bool:
    """JSON lines carrying a client address key and a request or path key."""
    lines = first_lines(head)
    hits = 0
    for ln in lines:
        if ln.lstrip()[:1] != b"{":
            continue
        try:
            obj = orjson.loads(ln)
        except orjson.JSONDecodeError:
            continue
        if (
            isinstance(obj, dict)
            and _lookup(obj, GUESS["h"]) is not None
            and (_lookup(obj, GUESS["r"]) is not None or _lookup(obj, GUESS["U"]) is not None)
        ):
            hits += 1
    return bool(lines) and hits * 2 > len(lines)


def _get(obj: Any, key: str) -> Any:
    if key in obj:
        return obj[key]
    cur = obj
    for part in key.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _lookup(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        v = _get(obj, k)
        if v is not None:
            return v
    return None


def when(text: Any, zone: tzinfo | None = None) -> tuple[float, bool]:
    """A time as access logs write it: CLF, ISO 8601, epoch seconds or milliseconds → (epoch,
    whether it is a local time written with no zone: read in ``zone``, else as UTC)."""
    if isinstance(text, (int, float)):
        return float(text) / (1000 if text > 1e11 else 1), False
    s = str(text).strip().strip("[]")
    if s.replace(".", "", 1).isdigit():
        v = float(s)
        return v / (1000 if v > 1e11 else 1), False
    lettered = s[-1:].isalpha() and s[-1:] != "Z" and s[-3:] not in ("UTC", "GMT")
    # +0530 IST: the offset says which IST (a sign in the tail, or it is no offset); +0000 UTC
    if s[-1:].isalpha() and s[-1:] != "Z" and ("+" in s[-14:] or "-" in s[-14:]):
        both = offset_and_letters(s)
        if both is not None:
            return both, False
    if zone is not None and lettered and s.rpartition(" ")[2].encode() in ZONE_DECIDES:
        return clf_named(s.encode(), zone)[0] if clf_like(s) else abbreviated(s, zone)[0], False
    if len(s) > 10 and clf_like(s):  # 7/Dec/2026:10:00:00 too, as clf reads it
        try:
            t, off = clf(s.encode())
        except BadTime:
            if zone is None or not s[-1:].isalpha():
                raise
            return clf_named(s.encode(), zone)[0], False  # IST, where --log-time-zone uses it
        if zone is not None and off in ZONE_DECIDES:  # BST: London's, or Bougainville's
            return clf_named(s.encode(), zone)[0], False
        if off:
            return t, False
        return wall_in(t, zone), True  # no zone: its wall clock, as UTC, then in the zone
    if lettered:
        return abbreviated(s, zone)[0], False  # 2026-12-07 10:00:00 CET
    return iso_or_local(s, zone)


# An ISO 8601 time with a space for its T (nginx's "$time_local" in a custom log_format with a
# strftime-like time, Apache's %{%Y-%m-%d %H:%M:%S}t), its fraction and a zone glued on: what
# a "%x" followed by a space reads whole ("[%x %^]" with [2024-03-01 10:00:00 +0100]), where a
# word alone cut it at the date
_ISO_SPACED = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d(?::?\d\d)?)?"


def compile_text(fmt: str) -> re.Pattern[bytes]:
    """A regex for a GoAccess text format: one named group per kept specifier."""
    if "%" not in fmt and fmt.strip().upper() not in PREDEFINED:
        raise ValueError(
            f"a --log-format names no format known: {fmt.strip()[:40]!r} (give "
            f"{', '.join(PREDEFINED)}, or the format in GoAccess's % specifiers)"
        )
    fmt = PREDEFINED.get(fmt.strip().upper(), fmt)
    out = ["^"]
    i = 0
    used: set[str] = set()
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and i + 1 < len(fmt):
            spec = fmt[i + 1]
            i += 2
            nxt = fmt[i] if i < len(fmt) else ""
            stop = re.escape(nxt) if nxt and nxt != "%" else r"\s"
            if spec == "~":
                out.append(r"\s*")
                continue
            group = spec if spec in "hdtxrmUqHsbRu" and spec not in used else None
            if spec == "^" and fmt[max(i - 5, 0) : i - 2] in ("%t ", "%x ") and "z" not in used:
                group = "z"  # what follows the time (COMBINED's "%t %^]") is its zone
            if spec == "z" and "Z" not in used:
                group = "Z"  # the time's zone, said so: applied, or its line refused
            body = f"[^{stop}]*" if nxt else ".*"
            if nxt == " " and spec not in "rRu":
                body = r"\S*"
                if spec == "x":  # an ISO time with a space in it, whole, else a word
                    body = rf"(?:{_ISO_SPACED}|\S*)"
            if group in ("z", "Z") and nxt == "]" and out[-1] == re.escape(" "):
                # COMBINED's "[%d:%t %^]" with nginx's $time_iso8601 in the brackets,
                # [2026-12-07T10:00:00+01:00]: its zone in the time, no space, no field after it
                out[-1] = rf"(?:\ (?P<{group}>{body}))?"
                used.add(group)
                continue
            out.append(f"(?P<{group}>{body})" if group else f"(?:{body})")
            if group:
                used.add(group)
        else:
            out.append(re.escape(c))
            i += 1
    _needed(used)
    return re.compile("".join(out).encode())


def _needed(letters: set[str]) -> None:
    """Raise unless a format has what reading a line needs: the client, the request, a time
    (every line was skipped, exit 0, where one was missing)."""
    if "h" not in letters or not letters & {"r", "U"}:
        raise ValueError("a --log-format needs %h and %r (or %U)")
    if not letters & {"d", "t", "x"}:
        raise ValueError("a --log-format needs a time: %d and %t, or %x")


def compile_json(fmt: str) -> dict[str, str]:
    """A JSON template → {key path: specifier letters}."""
    try:
        template = orjson.loads(fmt)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"the JSON --log-format is not JSON: {exc}") from None
    out: dict[str, str] = {}
    if not isinstance(template, dict):
        raise ValueError("the JSON --log-format must be an object")
    # Depth first, in the order written, with no recursion: JSON nests deeper than Python's
    # stack (a template of 1,000 objects one in another was a RecursionError)
    stack = [("", iter(template.items()))]
    while stack:
        prefix, items = stack[-1]
        for k, v in items:
            path = f"{prefix}{k}"
            if isinstance(v, dict):
                stack.append((path + ".", iter(v.items())))
                break
            if isinstance(v, str):
                out[path] = v
        else:
            stack.pop()
    # As a text format: with keys given (none guessed), no line is read without these
    letters = set(re.findall(r"%([a-zA-Z])", " ".join(out.values())))
    if out:
        _needed(letters)
    return out


def _record(
    src: Any,
    t: float,
    req: str | None,
    method: str | None,
    path: str | None,
    query: str | None,
    status: Any,
    size: Any,
    agent: Any,
    sink: Activity,
    line: bytes,
    lineno: int,
) -> None:
    if req:
        c = classify_line(req.encode("utf-8", "replace"))
        if c is None:
            sink.skip(lineno, line, "not an HTTP request line")
            return
    elif path:
        # "-": no query, as W3C and CloudFront logs write an empty field
        c = classify(method or "GET", path + (f"?{query}" if query and query != "-" else ""))
    else:
        sink.skip(lineno, line, "no request")
        return
    try:
        nbytes = int(size) if size not in (None, "-", "") else 0
        ok = str(status)[:1] in "23"
    except (TypeError, ValueError):
        sink.skip(lineno, line, "unreadable status or size")
        return
    action = c[0]
    if action == READ and agent and DUMP_AGENTS.search(str(agent).encode("utf-8", "replace")):
        action = BULK_READ
    sink.add(
        str(src),
        t,
        action,
        c[1],
        c[2],
        c[3],
        nbytes,
        ok,
        str(agent) if agent not in (None, "-", "") else None,
        c[4] or CTX_NONE,
        line,
        lineno,
    )


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Every request of a custom or JSON access log into ``sink``."""
    fmt = options.log_format
    if fmt and not fmt.lstrip().startswith("{"):
        utc = fmt.strip().upper() in UTC_FORMATS
        _parse_text(stream, sink, compile_text(fmt), options.log_zone, utc)
        return
    keys = compile_json(fmt) if fmt else None
    # The date and the time under keys of their own ({"date": "%d", "time": "%t"}), not one
    # key's whole time ("time_local": "%d:%t %^")
    held: dict[str, str] = {}
    for k, spec in (keys or {}).items():
        for letter in re.findall(r"%([a-zA-Z])", spec):
            held.setdefault(letter, k)
    apart = "d" in held and "t" in held and held["d"] != held["t"]
    # A zone under a key of its own ({"time": "%x", "tz": "%z"}); under the time's key
    # ("time_local": "%d:%t %z") it is in the time already
    zoned = "z" in held and held["z"] not in (held.get("x"), held.get("d"), held.get("t"))
    f = sink.file
    lineno = f.lines
    local_note = local_time_note(options.log_zone)  # once, not a string a line
    for batch in stream.batches():
        for line in batch:
            lineno += 1
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                sink.skip(lineno, line, "not valid JSON (truncated or corrupt)")
                continue
            if not isinstance(obj, dict):
                sink.skip(lineno, line, "not a JSON object")
                continue
            v: dict[str, Any] = {}
            if keys:
                for k, spec in keys.items():
                    val = _get(obj, k)
                    for letter in re.findall(r"%([a-zA-Z])", spec):
                        v.setdefault(letter, val)
                if "d" in v and "x" not in v:
                    date, clock = v["d"], v.get("t")
                    if apart and isinstance(date, str) and isinstance(clock, str):
                        v["x"] = _date_time(date, clock)
                    else:
                        v["x"] = date
            else:
                v = {letter: _lookup(obj, names) for letter, names in GUESS.items()}
            if v.get("h") is None or v.get("x") is None:
                sink.skip(lineno, line, "no client address or time")
                continue
            try:
                stamp = v["x"]
                written = v.get("z") if zoned else None  # its zone, said so
                if isinstance(stamp, str) and written not in (None, "", "-"):
                    stamp = _with_zone(stamp, str(written), options.log_zone)
                t, local = when(stamp, options.log_zone)
            except (BadTime, ValueError) as exc:
                sink.skip(lineno, line, str(exc))
                continue
            if local:
                sink.note(lineno, local_note)
            _record(
                v["h"],
                t,
                v.get("r"),
                v.get("m"),
                v.get("U"),
                v.get("q"),
                v.get("s"),
                v.get("b"),
                v.get("u"),
                sink,
                line,
                lineno,
            )
    f.lines = lineno


# An offset of hours alone (+02) too: ISO 8601's ±hh, which ``iso`` and ``clf`` read
_ZONE = re.compile(r"[+-]\d\d(?::?\d\d)?|Z")
# A word as strftime's %Z writes a zone's abbreviation (upper case, 3 to 5 letters: HKT):
# a zone, read where --log-time-zone uses it, else its line unreadable saying why, never its
# time taken as local. But not the words a format may put after its time that are no zone: a
# log level (log4j's, syslog's, Serilog's), a method, a protocol.
_ZONE_WORD = re.compile(r"[A-Z]{3,5}")
# HTTP's methods (RFC 9110's, WebDAV's and its kin's in the IANA registry, and the caches'
# PURGE and BAN): a field right after the time holding one is the request's method (a "%t %^
# %U" skipping it), never a zone, and the method of a format that reads no other
_HTTP_METHODS = frozenset(
    (
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
        "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "REPORT",
        "MERGE", "LINK", "UNLINK", "BIND", "REBIND", "UNBIND", "ACL", "LABEL", "QUERY",
        "PURGE", "BAN",
    )
)  # fmt: skip
_NOT_ZONES = _HTTP_METHODS | frozenset(
    (
        "INFO", "WARN", "ERROR", "ERR", "DEBUG", "TRACE", "FATAL", "CRIT", "ALERT", "EMERG",
        "FINE", "VRB", "DBG", "INF", "WRN", "FTL", "TRC", "LOG", "NOTE",
        "HTTP", "HTTPS", "TCP", "UDP", "TLS",
    )
)  # fmt: skip


def _zone_field(z: str, utc: bool) -> str | None:
    """The zone a field after ``%t`` writes, as ``when`` reads it after the time, None when it
    is none: an offset, ``Z``; except in a format whose times are UTC (its field there an
    s-ip, an IIS s-computername: ``CAT``, ``SST`` too), an abbreviation the tables know, as
    they spell it (``CET``, ``IST``: ``cet`` or ``west`` is a word, no zone), and an
    upper-case word of 3 to 5 letters that is no level or method (an abbreviation they do
    not know)."""
    if _ZONE.fullmatch(z):
        return z
    if utc:
        return None
    if z in ABBREVIATIONS or z in AMBIGUOUS:
        return z
    if _ZONE_WORD.fullmatch(z) and z not in _NOT_ZONES:
        return z
    if _OFFSET_AND_WORD.fullmatch(z):  # "+0530 IST" in COMBINED's "[%d:%t %^]": both
        return z
    return None


# An offset and a zone's abbreviation, as Apache's %{… %z %Z}t writes them after the time
_OFFSET_AND_WORD = re.compile(r"[+-]\d\d(?::?\d\d)?\s+[A-Z][A-Za-z]{1,5}")


# The zone at the end of a time, whatever its shape: what ``_with_zone`` takes off to put the
# %z field's in its place (a time that has one: ``has_zone``, or a word after it)
_OWN_ZONE = re.compile(r"\s*(?:Z|[+-]\d\d(?::?\d\d)?|UTC|GMT|[A-Za-z]{2,6})\s*$")


def _with_zone(stamp: str, field: str, zone: tzinfo | None) -> str:
    """A time and the zone a ``%z`` field wrote beside it (``[%x %z]`` reading ``[2024-03-01
    10:00:00 +0100]``), as one time for ``when``: the field's zone applied, never dropped;
    BadTime when the field is no zone, or when the time's own zone says another instant.
    GoAccess has no ``%z`` in a --log-format (it skips a specifier it does not know, and the
    zone with it): its zone is its ``--datetime-format``'s ``%z``, read with ``%x``."""
    z = _zone_field(field.strip(), False)
    if z is None:
        raise BadTime(f"the %z field is no zone: {field[:40]!r}")
    if stamp.replace(".", "", 1).isdigit():  # epoch seconds: the same instant in any zone
        return stamp
    own = _OWN_ZONE.search(stamp) if has_zone(stamp) or stamp[-1:].isalpha() else None
    if own is None:
        return f"{stamp} {z}"
    # An offset on one side and an abbreviation on the other (IST, +0530): the offset says
    # which IST, and the abbreviation is checked to mean it then, else the line is refused
    base, written = stamp[: own.start()], own.group().strip()
    if _is_offset(z) and _is_letters(written):
        at_offset(base, z, written)
        return f"{base} {z}"
    if _is_offset(written) and _is_letters(z):
        at_offset(base, written, z)
        return stamp
    if when(stamp, zone)[0] != when(f"{stamp[: own.start()]} {z}", zone)[0]:
        raise BadTime(
            f"the time's own zone and the %z field's are not one: {stamp[-40:]!r} and {z!r}"
        )
    return stamp


def _is_offset(zone: str) -> bool:
    return zone[:1] in ("+", "-") and _ZONE.fullmatch(zone) is not None


def _is_letters(zone: str) -> bool:
    return zone.isalpha() and zone not in ("Z", "UTC", "GMT")


# An ISO 8601 date and hour: what "%d:" reads of an ISO time (COMBINED's "[%d:%t %^]" with
# nginx's $time_iso8601, 2026-12-07T10:00:00+01:00, its %d ending at the first colon)
_ISO_DATE_HOUR = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d")


def _date_time(date: str, clock: str) -> str:
    """A ``%d`` and a ``%t`` as one time: a CLF date joined as CLF writes it
    (``10/Oct/2000:13:55:36``), an ISO one as ISO 8601 (``2000-10-10 13:55:36``: GoAccess's
    ``CLOUDFRONT`` and ``W3C`` formats, ``%d %t`` under a ``%Y-%m-%d`` date-format), and an
    ISO time that ``%d:%t`` cut at its first colon (``2026-12-07T10`` and ``00:00+01:00``)
    whole again."""
    if "/" in date or _ISO_DATE_HOUR.fullmatch(date):
        return f"{date}:{clock}"
    return f"{date} {clock}"


def _parse_text(
    stream: Lines,
    sink: Activity,
    pattern: re.Pattern[bytes],
    zone: tzinfo | None,
    utc: bool = False,
) -> None:
    """The lines of a text ``--log-format``; ``utc``: of a format whose times are UTC (a W3C
    extended log's directives say so too), not read in ``zone``."""
    f = sink.file
    lineno = f.lines
    groups = pattern.groupindex
    local_note = local_time_note(zone)
    for batch in stream.batches():
        for line in batch:
            lineno += 1
            # Before the format: a #Fields line of as many words as it has fields matches it
            if W3C_DIRECTIVE.match(line):
                utc = True
                continue
            m = pattern.match(line)
            if m is None:
                if line.strip():
                    sink.skip(lineno, line, "does not match --log-format")
                continue
            d = {k: (m.group(k) or b"").decode("utf-8", "replace") for k in groups}
            stamp = d.get("x") or (
                _date_time(d["d"], d["t"]) if "d" in d and "t" in d else d.get("d")
            )
            z = d.get("z")
            if z in _HTTP_METHODS and not d.get("m") and not d.get("r"):
                d["m"] = z  # "%t %^ %U": the field skipped was the method, not a zone
            if (
                z
                and stamp
                and (z := _zone_field(z, utc))
                and not has_zone(stamp)  # an ISO %x with its own
                and not stamp.replace(".", "", 1).isdigit()  # epoch seconds: UTC already
            ):
                stamp += " " + z
            try:
                if stamp and d.get("Z", "-") not in ("", "-"):  # a %z, written: "-" is none
                    stamp = _with_zone(stamp, d["Z"], zone)
                t, local = when(stamp, None if utc else zone)
            except (BadTime, ValueError) as exc:
                sink.skip(lineno, line, str(exc))
                continue
            if local and utc:
                if zone is not None:  # said where it could be thought applied
                    sink.note(lineno, UTC_NOTE)
            elif local:
                sink.note(lineno, local_note)
            _record(
                d["h"],
                t,
                d.get("r"),
                d.get("m"),
                d.get("U"),
                d.get("q"),
                d.get("s"),
                d.get("b"),
                d.get("u"),
                sink,
                line,
                lineno,
            )
    f.lines = lineno
