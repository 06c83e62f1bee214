"""Amazon S3 server access logs (space-separated, quoted and bracketed fields).

From AWS's "Amazon S3 server access log format": bucket owner, bucket, ``[06/Feb/2019:00:00:38
+0000]``, remote IP, requester (``-`` when anonymous), request ID, operation
(``REST.GET.OBJECT``, ``REST.GET.BUCKET``…), key, ``"request-URI"``, HTTP status, error code,
bytes sent, object size, total time, turn-around time, ``"referer"``, ``"user-agent"``, version
ID, host ID, signature version, cipher suite, authentication type, host header, TLS version,
access point ARN, ACL required. One object read is one record.
"""

from __future__ import annotations

import re

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
from ..timeparse import BadTime, clf
from .base import ParseOptions, first_lines
from .http import RANSOM_NAMES

NAME = "s3-access"
DOC = "Amazon S3 server access log"
_Q = rb'"((?:[^"\\]|\\.)*)"'
LINE = re.compile(
    rb"(\S+) (\S+) \[([^\]]+)\] (\S+) (\S+) (\S+) (\S+) (\S+) (?:" + _Q + rb"|-) (\S+) (\S+) "
    rb"(\S+) (\S+) (\S+) (\S+) (?:" + _Q + rb"|-) (?:" + _Q + rb"|-)"
)
# Tools that copy a whole bucket: the AWS CLI says which of its commands it runs.
BULK_AGENTS = (b"command/s3.sync", b"command/s3.cp", b"rclone", b"s3cmd", b"aws-sdk-go")


def sniff(head: bytes) -> bool:
    """Most first lines match the access-log shape with a ``REST.``/``WEBSITE.`` operation."""
    lines = first_lines(head)
    hits = sum(
        1
        for ln in lines
        if (m := LINE.match(ln))
        and m.group(7).startswith((b"REST.", b"WEBSITE.", b"BATCH.", b"S3."))
    )
    return bool(lines) and hits * 2 > len(lines)


def operation_action(op: bytes, key: bytes) -> int:
    """The action of an S3 operation name."""
    parts = op.split(b".")
    verb = parts[1] if len(parts) > 1 else b""
    what = parts[2] if len(parts) > 2 else b""
    if verb == b"GET" and what in (b"OBJECT", b"OBJECT_TORRENT"):
        return READ
    if verb == b"GET" or (what in (b"BUCKET",) and verb == b"HEAD"):
        return ENUMERATE if what.startswith(b"BUCKET") or what in (b"ACL", b"POLICY") else PROBE
    if verb == b"HEAD":
        return PROBE
    if verb == b"DELETE" or what == b"MULTI_OBJECT_DELETE":
        return WIPE
    if verb in (b"PUT", b"POST", b"COPY"):
        name = key.decode("utf-8", "replace").rsplit("/", 1)[-1].rsplit(".", 1)[0]
        return RANSOM_NOTE if RANSOM_NAMES.match(name) else WRITE
    return PROBE


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Every request into ``sink``; an object GET is one record read."""
    f = sink.file
    lineno = f.lines
    for batch in stream.batches():
        for line in batch:
            lineno += 1
            m = LINE.match(line)
            if m is None:
                if line.strip():
                    sink.skip(lineno, line, "not in the S3 access-log shape")
                continue
            g = m.groups()
            try:
                t, _ = clf(g[2])
            except BadTime as exc:
                sink.skip(lineno, line, str(exc))
                continue
            op, key, status, sent, agent = g[6], g[7], g[9], g[11], g[16] or b""
            action = operation_action(op, key)
            records, how = (1, EXACT) if action == READ else (0, NO_RECORDS)
            if action == READ and any(a in agent for a in BULK_AGENTS):
                action = BULK_READ
            sink.add(
                g[3].decode(),
                t,
                action,
                g[1].decode("utf-8", "replace"),
                records,
                how,
                int(sent) if sent.isdigit() else 0,
                status[:1] in (b"2", b"3"),
                agent.decode("utf-8", "replace") or None,
                CTX_NONE,
                line,
                lineno,
            )
    f.lines = lineno
