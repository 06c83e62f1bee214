"""Elasticsearch security audit log (``<cluster>_audit.json``, one JSON event a line, 7.x/8.x).

Fields from Elastic's "Elasticsearch audit events" reference: ``timestamp`` (log4j, ``2020-12-30
T22:30:06,949+0200``), ``event.type`` (rest, transport…), ``event.action`` (access_granted,
access_denied, anonymous_access_denied, authentication_failed…), ``origin.address``
(``[::1]:52434``), ``url.path``/``url.query``/``request.method`` on REST events, ``action``
(``indices:data/read/search``) and ``indices`` on transport events, ``request.id`` shared by
the events of one request (counted once), ``request.body`` when ``emit_request_body`` is on.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from ..actions import (
    AGGREGATE,
    BULK_READ,
    CTX_NONE,
    CTX_PAGE,
    ENUMERATE,
    NO_RECORDS,
    PAGE_SIZE,
    PROBE,
    RANSOM_NOTE,
    READ,
    WIPE,
    WRITE,
)
from ..activity import Activity
from ..reader import LogStream
from ..timeparse import BadTime, iso
from .base import ParseOptions, host_of, json_lines, sniff_json
from .http import BULK_SIZE, RANSOM_NAMES, classify

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
_SIZE = re.compile(r'"size"\s*:\s*(\d+)')

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


def _parsed(body: Any) -> dict[str, Any] | list[dict[str, Any]] | str | None:
    """A logged search body as a JSON object; an ``_msearch``'s (header and search lines, one
    JSON object each) as its searches; else its text (cut short), else None."""
    if isinstance(body, dict):
        return body
    if not isinstance(body, str):
        return None
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        lines = [ln for ln in body.splitlines() if ln.strip()]
        try:
            objects = [orjson.loads(ln) for ln in lines]
        except orjson.JSONDecodeError:
            return body
        if len(objects) < 2 or len(objects) % 2 or not all(isinstance(o, dict) for o in objects):
            return body
        return objects[1::2]  # header, search, header, search…
    return parsed if isinstance(parsed, dict) else None


def _size(search: dict[str, Any]) -> int | None:
    size = search.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        return size
    if isinstance(size, str) and size.isdigit():
        return int(size)
    return None


def body_size(body: Any) -> int | None:
    """``size`` in a logged search body, None when absent: the top-level one (a terms
    aggregation's own ``size`` is how many values it lists, no page); of an ``_msearch``, the
    sum of its searches' (None when one names none); in a body cut short, the first one
    written, unless 0: which search, or aggregation, that one belongs to is unknown, so it is
    not taken for a search that returned no document."""
    if isinstance(body, str) and "size" not in body:
        return None
    parsed = _parsed(body)
    if isinstance(parsed, str):
        m = _SIZE.search(parsed)
        return (int(m.group(1)) or None) if m else None
    if isinstance(parsed, list):
        sizes = [_size(search) for search in parsed]
        return None if None in sizes else sum(s for s in sizes if s is not None)
    return None if parsed is None else _size(parsed)


# Aggregations whose answer holds documents or a field's values, not figures about them (from
# the aggregations reference): top_hits returns the hits themselves, top_metrics and a
# scripted_metric the fields or whatever the script collects, and the bucketing ones keyed by
# a field's values list them (a terms aggregation on ``email`` returns the addresses).
_VALUE_AGGS = frozenset(
    (
        "top_hits",
        "top_metrics",
        "scripted_metric",
        "terms",
        "multi_terms",
        "rare_terms",
        "significant_terms",
        "significant_text",
        "composite",
        "categorize_text",
        "frequent_item_sets",
    )
)
_VALUE_AGG_TEXT = re.compile(r'"(?:' + "|".join(sorted(_VALUE_AGGS)) + r')"\s*:')


def returns_values(body: Any) -> bool:
    """Whether a logged search body's aggregations send back documents or a field's values
    (at any depth); in a body that is no JSON object, whether one of them is named in it."""
    parsed = _parsed(body)
    if isinstance(parsed, str):
        return bool(_VALUE_AGG_TEXT.search(parsed))
    searches = parsed if isinstance(parsed, list) else [parsed] if parsed else []
    stack: list[Any] = [s.get(k) for s in searches for k in ("aggs", "aggregations")]
    while stack:  # a loop, not recursion: a logged body may nest deeper than Python's stack
        aggs = stack.pop()
        if not isinstance(aggs, dict):
            continue
        for spec in aggs.values():
            if isinstance(spec, dict):
                if not _VALUE_AGGS.isdisjoint(spec):
                    return True
                stack += [spec.get("aggs"), spec.get("aggregations")]
    return False


def search_action(action: int, size: int | None, body: Any = None) -> int:
    """A search's action by the page size and body it asks for: size 0 returns no hit, only
    counts and aggregations (an ``aggregate``), unless its aggregations return documents or a
    field's values (a ``read``); a page of ``BULK_SIZE`` or more is a dump."""
    if action == AGGREGATE or (action == READ and size == 0):
        return READ if returns_values(body) else AGGREGATE
    if action == READ and size is not None and size >= BULK_SIZE:
        return BULK_READ
    return action


def parse(stream: LogStream, sink: Activity, options: ParseOptions) -> None:
    """Every audit event into ``sink``, one per request."""
    seen: dict[str, None] = {}

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
            t, _ = iso(when)
        except BadTime as exc:
            return str(exc)
        event = str(e.get("event.action", ""))
        ok = event not in DENIED
        path = e.get("url.path")
        indices = e.get("indices")
        target = ",".join(str(i) for i in indices) if isinstance(indices, list) else None
        body = e.get("request.body")
        asked = body_size(body)
        size = asked or 0
        if isinstance(path, str):
            query = e.get("url.query")
            url = path + ("?" + query if isinstance(query, str) and query else "")
            action, index, qsize, qhow, ctx = classify(str(e.get("request.method", "GET")), url)
            target = index or target
            size = qsize or size
            how = qhow if qsize else (PAGE_SIZE if size else NO_RECORDS)
            if qsize:
                asked = qsize
        else:
            name = str(e.get("action", ""))
            action = transport_action(name)
            how = PAGE_SIZE if size else NO_RECORDS
            ctx = CTX_PAGE if name.startswith("indices:data/read/scroll") else CTX_NONE
            if action == WRITE and target and RANSOM_NAMES.match(target):
                action = RANSOM_NOTE
        action = search_action(action, asked, body)
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
