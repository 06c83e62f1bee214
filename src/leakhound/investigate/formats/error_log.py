"""Web servers' error logs: no request lines to read, recognised so that a folder's error logs
(``/var/log/nginx/error.log*``) are passed over with that reason, not called unreadable.

nginx writes ``2026/12/06 10:00:00 [error] 1234#1234: *5 open() … failed``; Apache 2.4
``[Sun Dec 06 10:00:00.123456 2026] [core:error] [pid 42] …`` (2.2: ``[error]`` alone).
"""

from __future__ import annotations

import re

from .base import first_lines

_LEVELS = rb"(?:emerg|alert|crit|error|warn|notice|info|debug|trace\d)"
_KINDS = (
    (re.compile(rb"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[" + _LEVELS + rb"\] \d+#\d+: "), "nginx"),
    (
        re.compile(
            rb"^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \d{4}\] "
            rb"\[(?:[\w-]+:)?" + _LEVELS + rb"\] "
        ),
        "Apache",
    ),
)


def others(head: bytes) -> bytes:
    """The lines of a head that are no web server's error line: an access log that shares the
    file (``docker logs`` of nginx, its startup notices first; ``error_log`` and
    ``access_log`` set to one file) is recognised by them."""
    lines = head.split(b"\n")
    if len(lines) > 1:
        lines = lines[:-1]  # the last may be cut
    kept = [ln for ln in lines if ln.strip() and not any(p.match(ln) for p, _ in _KINDS)]
    return b"\n".join(kept) + b"\n" if kept else b""


def recognise(head: bytes) -> str | None:
    """``an nginx error log`` when most first lines are one server's error lines, else None."""
    lines = first_lines(head)
    for pattern, server in _KINDS:
        if lines and sum(1 for ln in lines if pattern.match(ln)) * 2 > len(lines):
            return f"an {server} error log"
    return None
