"""The contract every log format meets: a name, a sniff of the first bytes, a parse into an
``Activity``; and the options they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, Protocol

import orjson

from ..activity import Activity
from ..reader import Lines

DEFAULT_BULK_BYTES = 10 * 1024 * 1024  # a flow that sent this much out is a bulk read


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """What a parser may need beyond the lines."""

    log_format: str | None = None  # GoAccess-style --log-format (access logs)
    bulk_bytes: int = DEFAULT_BULK_BYTES
    # The server's zone, for logs that write its local time with none (--log-time-zone)
    log_zone: tzinfo | None = None


class LogFormat(Protocol):
    """One log format: ``NAME``, ``sniff(head)`` and ``parse(stream, sink, options)``."""

    NAME: str
    DOC: str

    def sniff(self, head: bytes) -> bool:
        """Whether the first bytes of a file look like this format."""
        ...

    def parse(self, stream: Lines, sink: Activity, options: ParseOptions) -> None:
        """Feed every line of ``stream`` to ``sink``; bad lines are ``sink.skip``ped."""
        ...


def first_lines(head: bytes, n: int = 5) -> list[bytes]:
    """The first non-empty lines of a head (the last may be cut: it is dropped if so)."""
    lines = head.split(b"\n")
    if len(lines) > 1:
        lines = lines[:-1]
    return [ln.rstrip(b"\r") for ln in lines if ln.strip()][:n]


def local_time_note(zone: tzinfo | None) -> str:
    """The note of a file whose times are the server's local time, with no zone written."""
    if zone is None:
        return (
            "times are the server's local time, with no zone in the log: read as UTC "
            "(--log-time-zone names the server's)"
        )
    return f"times are the server's local time, read in {zone} (--log-time-zone)"


def host_of(addr: str) -> str:
    """The address without its port: ``1.2.3.4:5678`` → ``1.2.3.4``, ``[::1]:80`` → ``::1``;
    a source is an address, not a connection."""
    a = addr.strip()
    if a.startswith("["):
        return a[1:].split("]", 1)[0]
    if a.count(":") == 1:
        return a.split(":", 1)[0]
    if a.startswith("/"):  # Java's InetSocketAddress: /1.2.3.4:5678
        return host_of(a[1:])
    return a


def json_lines(
    stream: Lines,
    sink: Activity,
    handle: Callable[[Any, int, bytes], str | None],
    *,
    prefix: bytes = b"",
) -> None:
    """Feed each JSON line to ``handle``; a line that is no JSON object, or that ``handle``
    returns a reason for, is skipped with that reason. ``prefix``: text before the JSON (log4j
    or syslog headers) is cut at the first ``{``."""
    f = sink.file
    lineno = f.lines
    loads = orjson.loads
    for batch in stream.batches():
        for line in batch:
            lineno += 1
            if not line.strip():
                continue
            start = line.find(b"{")
            if start < 0:
                sink.skip(lineno, line, "no JSON object on the line")
                continue
            try:
                obj = loads(line[start:])
            except orjson.JSONDecodeError:
                sink.skip(lineno, line, "not valid JSON (truncated or corrupt)")
                continue
            if not isinstance(obj, dict):
                sink.skip(lineno, line, "not a JSON object")
                continue
            why = handle(obj, lineno, line)
            if why:
                sink.skip(lineno, line, why)
    f.lines = lineno


def sniff_json(head: bytes, keys: tuple[bytes, ...], need: int = 1) -> bool:
    """Most first lines are JSON objects carrying at least ``need`` of ``keys``."""
    lines = first_lines(head)
    if not lines:
        return False
    hits = sum(
        1
        for ln in lines
        if ln.lstrip()[:1] == b"{" or b"{" in ln[:80]
        if sum(1 for k in keys if k in ln) >= need
    )
    return hits * 2 > len(lines)
