"""AWS CloudTrail S3 data events: log files (``{"Records":[…]}``, often gzip) or one event a
line (a CloudTrail Lake or ``jq -c '.Records[]'`` export).

From AWS's "CloudTrail record contents": ``eventTime``, ``eventSource`` (``s3.amazonaws.com``),
``eventName`` (GetObject, ListObjects, ListObjectsV2, ListBuckets, PutObject, DeleteObject,
DeleteObjects, DeleteBucket…), ``sourceIPAddress``, ``userAgent``, ``errorCode``,
``requestParameters.bucketName``/``key``, ``additionalEventData.bytesTransferredOut``. Events
of other services are counted as not relevant and left out.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..actions import BULK_READ, CTX_NONE, ENUMERATE, EXACT, NO_RECORDS, PROBE, READ
from ..activity import Activity
from ..reader import Lines
from ..timeparse import BadTime, iso
from .base import ParseOptions, first_lines
from .s3_access import BULK_AGENTS, operation_action

NAME = "cloudtrail"
DOC = "AWS CloudTrail S3 data events (JSON)"
MAX_FILE = 512 * 1024 * 1024  # CloudTrail delivers files of a few MiB; past this, no log file
_EVENTS = {
    "GetObject": b"REST.GET.OBJECT",
    "HeadObject": b"REST.HEAD.OBJECT",
    "PutObject": b"REST.PUT.OBJECT",
    "CopyObject": b"REST.COPY.OBJECT",
    "DeleteObject": b"REST.DELETE.OBJECT",
    "DeleteObjects": b"REST.POST.MULTI_OBJECT_DELETE",
    "DeleteBucket": b"REST.DELETE.BUCKET",
    "CreateMultipartUpload": b"REST.POST.UPLOAD",
}
_LISTS = (
    "ListObjects",
    "ListObjectsV2",
    "ListBuckets",
    "ListObjectVersions",
    "GetBucketAcl",
    "GetBucketPolicy",
    "GetBucketLocation",
)


def sniff(head: bytes) -> bool:
    """``"Records"`` then ``eventVersion``, or lines with ``eventSource`` and ``eventName``."""
    if b'"Records"' in head[:200] and b'"eventVersion"' in head:
        return True
    lines = first_lines(head)
    hits = sum(1 for ln in lines if b'"eventSource"' in ln and b'"eventName"' in ln)
    return bool(lines) and hits * 2 > len(lines)


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Every S3 event into ``sink``."""
    f = sink.file
    if stream.head.lstrip()[:1] == b"{" and b'"Records"' in stream.head[:200]:
        parts: list[bytes] = []
        size = 0
        for chunk in stream.chunks():
            size += len(chunk)
            if size > MAX_FILE:
                f.notes.append(f"a CloudTrail file over {MAX_FILE >> 20} MiB: not read")
                return
            parts.append(chunk)
        try:
            doc = orjson.loads(b"".join(parts))
        except orjson.JSONDecodeError as exc:
            f.lines = 1
            sink.skip(1, b"".join(parts)[:200], f"not valid JSON (truncated or corrupt: {exc})")
            return
        records = doc.get("Records") if isinstance(doc, dict) else None
        if not isinstance(records, list):
            sink.skip(1, b"", "no Records array")
            return
        for n, e in enumerate(records, 1):
            f.lines += 1
            _event(sink, e, n)
        return
    lineno = f.lines
    for batch in stream.batches():
        for line in batch:
            lineno += 1
            if not line.strip():
                continue
            try:
                e = orjson.loads(line)
            except orjson.JSONDecodeError:
                sink.skip(lineno, line, "not valid JSON (truncated or corrupt)")
                continue
            _event(sink, e, lineno)
    f.lines = lineno


_ignored = "events of other services"


def _event(sink: Activity, e: Any, n: int) -> None:
    if not isinstance(e, dict):
        sink.skip(n, str(e)[:200], "not a JSON object")
        return
    if e.get("eventSource") != "s3.amazonaws.com":
        return
    when, ip = e.get("eventTime"), e.get("sourceIPAddress")
    if not isinstance(when, str) or not isinstance(ip, str):
        sink.skip(n, orjson.dumps(e)[:200], "no eventTime or sourceIPAddress")
        return
    try:
        t, _ = iso(when)
    except BadTime as exc:
        sink.skip(n, orjson.dumps(e)[:200], str(exc))
        return
    name = str(e.get("eventName", ""))
    params = e.get("requestParameters") if isinstance(e.get("requestParameters"), dict) else {}
    params = params or {}
    bucket = str(params.get("bucketName") or "") or None
    key = str(params.get("key") or "")
    if name in _LISTS:
        action = ENUMERATE
    elif name in _EVENTS:
        action = operation_action(_EVENTS[name], key.encode())
    else:
        action = PROBE
    agent = str(e.get("userAgent") or "")
    extra = e.get("additionalEventData") if isinstance(e.get("additionalEventData"), dict) else {}
    sent = (extra or {}).get("bytesTransferredOut") or 0
    records, how = (1, EXACT) if action == READ else (0, NO_RECORDS)
    if action == READ and any(a.decode() in agent for a in BULK_AGENTS):
        action = BULK_READ
    sink.add(
        ip,
        t,
        action,
        bucket,
        records,
        how,
        int(sent) if isinstance(sent, (int, float)) else 0,
        not e.get("errorCode"),
        agent or None,
        CTX_NONE,
        orjson.dumps(e).decode(),
        n,
    )
