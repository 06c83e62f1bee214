"""OpenSearch security plugin audit log (log4j sink or ``audit.log``, one JSON event a line).

Fields from OpenSearch's "Audit log field reference": ``@timestamp``, ``audit_category``
(GRANTED_PRIVILEGES, AUTHENTICATED, FAILED_LOGIN, MISSING_PRIVILEGES…),
``audit_request_layer`` (REST or TRANSPORT), ``audit_request_remote_address``,
``audit_rest_request_method``/``audit_rest_request_path``/``audit_rest_request_params`` on REST
events, ``audit_request_privilege`` (``indices:data/read/search``) and ``audit_trace_indices``
on transport events, ``audit_request_body`` when request bodies are logged. Once a file shows
REST events, its transport events are the same requests seen again and are not counted twice.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from ..actions import CTX_NONE, CTX_PAGE, RANSOM_NOTE, WRITE
from ..activity import Activity, FileState
from ..reader import Lines
from ..timeparse import BadTime, iso
from .base import ParseOptions, host_of, json_lines, sniff_json
from .es_audit import transport_action
from .http import RANSOM_NAMES, classify
from .search_body import searched

NAME = "opensearch-audit"
DOC = "OpenSearch security audit log (JSON)"
DENIED = (
    "FAILED_LOGIN",
    "MISSING_PRIVILEGES",
    "BAD_HEADERS",
    "SSL_EXCEPTION",
    "OPENSEARCH_SECURITY_INDEX_ATTEMPT",
    "OPENDISTRO_SECURITY_INDEX_ATTEMPT",
)


def sniff(head: bytes) -> bool:
    """JSON lines with ``audit_category`` and ``audit_request_remote_address``."""
    return sniff_json(head, (b'"audit_category"', b'"audit_request_remote_address"'), need=2)


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Every audit event into ``sink``; transport duplicates of REST requests folded."""
    rest_seen = False
    # The events folded in each file (by id): its note counts its own, not its rotated set's
    folded: dict[int, tuple[FileState, int]] = {}

    def handle(e: dict[str, Any], lineno: int, line: bytes) -> str | None:
        nonlocal rest_seen
        when = e.get("@timestamp") or e.get("audit_utc_timestamp")
        addr = e.get("audit_request_remote_address")
        if not isinstance(when, str) or not isinstance(addr, str):
            return "no @timestamp or audit_request_remote_address"
        try:
            t, _ = iso(when)
        except BadTime as exc:
            return str(exc)
        category = str(e.get("audit_category", ""))
        ok = category not in DENIED
        layer = str(e.get("audit_request_layer", ""))
        indices = e.get("audit_trace_indices") or e.get("audit_trace_resolved_indices")
        target = ",".join(str(i) for i in indices) if isinstance(indices, list) else None
        body = e.get("audit_request_body")
        path = e.get("audit_rest_request_path")
        if layer == "REST" or isinstance(path, str):
            rest_seen = True
            params = e.get("audit_rest_request_params")
            query = urlencode(params) if isinstance(params, dict) else ""
            action, index, qsize, qhow, ctx = classify(
                str(e.get("audit_rest_request_method", "GET")), f"{path or '/'}?{query}"
            )
            target = index or target
            action, size, how = searched(action, body, (qsize, qhow))
        else:
            if rest_seen:
                f = sink.holding(lineno)
                folded[id(f)] = (f, folded.get(id(f), (f, 0))[1] + 1)
                return None
            name = str(
                e.get("audit_request_privilege") or e.get("audit_transport_request_type") or ""
            )
            action = transport_action(name)
            ctx = CTX_PAGE if "read/scroll" in name else CTX_NONE
            if action == WRITE and target and RANSOM_NAMES.match(target):
                action = RANSOM_NOTE
            action, size, how = searched(action, body)
        user = e.get("audit_request_effective_user")
        sink.add(
            host_of(addr),
            t,
            action,
            target,
            size,
            how,
            0,
            ok,
            f"user {user}" if user else None,
            ctx,
            line,
            lineno,
        )
        return None

    json_lines(stream, sink, handle)
    for f, n in folded.values():
        f.notes.append(
            f"{n:,} transport-layer event(s) not counted again: their REST requests were"
        )
