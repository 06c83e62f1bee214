"""Azure Storage Analytics logs (classic ``$logs``, versions 1.0 and 2.0; ``;``-separated).

From Microsoft's "Storage Analytics log format": version, request-start-time, operation-type
(GetBlob, ListBlobs, PutBlob, DeleteBlob…), request-status (AnonymousSuccess…),
http-status-code, end-to-end latency, server latency, authentication-type (anonymous…),
requester-account-name, owner-account-name, service-type, ``"request-url"``,
``"requested-object-key"`` (``/account/container/blob``), request-id, operation-count,
requester-ip-address (``ip:port``), request-version-header, request-header-size,
request-packet-size, response-header-size, response-packet-size, request-content-length,
request-md5, server-md5, etag, last-modified-time, conditions-used, ``"user-agent"``,
``"referrer"``, client-request-id (2.0 adds identity fields after). A blob read is one record.
"""

from __future__ import annotations

import csv

from ..actions import (
    BULK_READ,
    CTX_NONE,
    ENUMERATE,
    EXACT,
    NO_RECORDS,
    PROBE,
    RANSOM_NOTE,
    READ,
    WIPE,
    WRITE,
)
from ..activity import Activity
from ..reader import Lines
from ..timeparse import BadTime, iso
from .base import ParseOptions, first_lines, host_of
from .http import RANSOM_NAMES

NAME = "azure-storage"
DOC = "Azure Storage Analytics log (1.0/2.0)"
OPERATIONS = {
    "GetBlob": READ,
    "GetBlobProperties": PROBE,
    "GetBlobMetadata": PROBE,
    "ListBlobs": ENUMERATE,
    "ListContainers": ENUMERATE,
    "GetContainerProperties": ENUMERATE,
    "GetContainerACL": ENUMERATE,
    "PutBlob": WRITE,
    "PutBlock": WRITE,
    "PutBlockList": WRITE,
    "CopyBlob": WRITE,
    "SetBlobMetadata": WRITE,
    "CreateContainer": WRITE,
    "DeleteBlob": WIPE,
    "DeleteContainer": WIPE,
}
BULK_AGENTS = ("AzCopy", "rclone", "Azure-Storage-Explorer")


def sniff(head: bytes) -> bool:
    """Lines starting ``1.0;``/``2.0;`` then an ISO time."""
    lines = first_lines(head)
    hits = sum(1 for ln in lines if ln[:4] in (b"1.0;", b"2.0;") and ln[8:9] == b"-")
    return bool(lines) and hits * 2 > len(lines)


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Every request into ``sink``; a GetBlob is one record read."""
    f = sink.file
    lineno = f.lines
    for batch in stream.batches():
        for line in batch:
            lineno += 1
            if not line.strip():
                continue
            text = line.decode("utf-8", "replace")
            row = next(csv.reader([text], delimiter=";"), [])
            if len(row) < 30 or row[0] not in ("1.0", "2.0"):
                sink.skip(lineno, line, f"{len(row)} fields, at least 30 expected")
                continue
            try:
                t, _ = iso(row[1])
            except BadTime as exc:
                sink.skip(lineno, line, str(exc))
                continue
            op = row[2]
            action = OPERATIONS.get(op, PROBE)
            key = row[12].strip("/").split("/")
            container = key[1] if len(key) > 1 else (key[0] or None)
            if action == WRITE and RANSOM_NAMES.match(key[-1].rsplit(".", 1)[0]):
                action = RANSOM_NOTE
            agent = row[27]
            if action == READ and any(a in agent for a in BULK_AGENTS):
                action = BULK_READ
            sent = sum(int(x) for x in (row[19], row[20]) if x.isdigit())
            records, how = (1, EXACT) if action in (READ, BULK_READ) else (0, NO_RECORDS)
            sink.add(
                host_of(row[15]),
                t,
                action,
                container,
                records,
                how,
                sent,
                row[4][:1] in ("2", "3"),
                agent or None,
                CTX_NONE,
                line,
                lineno,
            )
    f.lines = lineno
