"""Elasticsearch security audit log (``<cluster>_audit.json``, one JSON event a line, 7.x/8.x).

Fields from Elastic's "Elasticsearch audit events" reference: ``timestamp`` (log4j, ``2020-12-30
T22:30:06,949+0200``), ``event.type`` (rest, transport…), ``event.action`` (access_granted,
access_denied, anonymous_access_denied, authentication_failed…), ``origin.address``
(``[::1]:52434``), ``url.path``/``url.query``/``request.method`` on REST events, ``action``
(``indices:data/read/search``) and ``indices`` on transport events, ``request.id`` shared by
the events of one request (counted once), ``request.body`` when ``emit_request_body`` is on.
The time is log4j's ``%d{ISO8601_OFFSET_DATE_TIME_HHCMM}`` in ``log4j2.properties``; one edited
to write no zone (``%d{ISO8601}``) is the node's local time, read in ``--log-time-zone`` (else
as UTC) and said in the file's notes.
"""

from __future__ import annotations

from typing import Any

from ..actions import (
    BULK_READ,
    CTX_NONE,
    CTX_PAGE,
    ENUMERATE,
    PROBE,
    RANSOM_NOTE,
    READ,
    WIPE,
    WRITE,
)
from ..activity import Activity
from ..reader import Lines
from ..timeparse import BadTime, iso_or_local
from .base import ParseOptions, host_of, json_lines, local_time_note, sniff_json
from .http import RANSOM_NAMES, classify
from .search_body import searched

NAME = "es-audit"
DOC = "Elasticsearch audit log (JSON)"
DENIED = (
    "access_denied",
    "anonymous_access_denied",
    "authentication_failed",
    "realm_authentication_failed",
    "connection_denied",
    "run_as_denied",
    "tampered_request",
)

# Transport actions (privilege names) → action, most specific prefix first.
TRANSPORT = (
    ("indices:data/read/scroll/clear", PROBE),
    ("indices:data/read/scroll", BULK_READ),
    ("indices:data/read/open_point_in_time", BULK_READ),
    ("indices:data/read/close_point_in_time", PROBE),
    ("indices:data/read/", READ),
    ("indices:data/write/delete/byquery", WIPE),
    ("indices:data/write/", WRITE),
    ("indices:admin/delete", WIPE),
    ("indices:admin/create", WRITE),
    ("indices:admin/auto_create", WRITE),
    ("indices:admin/mapping/put", WRITE),
    ("indices:admin/", ENUMERATE),
    ("indices:monitor/", ENUMERATE),
    ("cluster:monitor/state", ENUMERATE),
    ("cluster:monitor/", PROBE),
    ("cluster:admin/", WRITE),
)


def transport_action(name: str) -> int:
    """The action of a transport action / privilege name."""
    for prefix, action in TRANSPORT:
        if name.startswith(prefix):
            return action
    return PROBE


def sniff(head: bytes) -> bool:
    """JSON lines with ``"type":"audit"`` and ``origin.address`` or ``event.action``."""
    return sniff_json(head, (b'"origin.address"', b'"event.action"', b'"audit"'), need=2)


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Every audit event into ``sink``, one per request."""
    seen: dict[str, None] = {}
    local_note = local_time_note(options.log_zone)

    def handle(e: dict[str, Any], lineno: int, line: bytes) -> str | None:
        when = e.get("timestamp") or e.get("@timestamp")
        addr = e.get("origin.address")
        if not isinstance(when, str) or not isinstance(addr, str):
            return "no timestamp or origin.address"
        rid = e.get("request.id")
        if isinstance(rid, str):
            if rid in seen:
                return None  # another event of a request already counted
            seen[rid] = None
            if len(seen) > 8192:
                for k in list(seen)[:4096]:
                    del seen[k]
        try:
            t, local = iso_or_local(when, options.log_zone)
        except BadTime as exc:
            return str(exc)
        if local:
            sink.note(lineno, local_note)
        event = str(e.get("event.action", ""))
        ok = event not in DENIED
        path = e.get("url.path")
        indices = e.get("indices")
        target = ",".join(str(i) for i in indices) if isinstance(indices, list) else None
        body = e.get("request.body")
        if isinstance(path, str):
            query = e.get("url.query")
            url = path + ("?" + query if isinstance(query, str) and query else "")
            action, index, qsize, qhow, ctx = classify(str(e.get("request.method", "GET")), url)
            target = index or target
            action, size, how = searched(action, body, (qsize, qhow))
        else:
            name = str(e.get("action", ""))
            action = transport_action(name)
            ctx = CTX_PAGE if name.startswith("indices:data/read/scroll") else CTX_NONE
            if action == WRITE and target and RANSOM_NAMES.match(target):
                action = RANSOM_NOTE
            action, size, how = searched(action, body)
        sink.add(
            host_of(addr),
            t,
            action,
            target,
            size,
            how,
            0,
            ok,
            (e.get("user.name") and f"user {e['user.name']}") or None,
            ctx,
            line,
            lineno,
        )
        return None

    json_lines(stream, sink, handle)
