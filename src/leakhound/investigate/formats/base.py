"""The contract every log format meets: a name, a sniff of the first bytes, a parse into an
``Activity``; and the options they share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..activity import Activity
from ..reader import LogStream

DEFAULT_BULK_BYTES = 10 * 1024 * 1024  # a flow that sent this much out is a bulk read


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """What a parser may need beyond the lines."""

    log_format: str | None = None  # GoAccess-style --log-format (access logs)
    bulk_bytes: int = DEFAULT_BULK_BYTES


class LogFormat(Protocol):
    """One log format: ``NAME``, ``sniff(head)`` and ``parse(stream, sink, options)``."""

    NAME: str
    DOC: str

    def sniff(self, head: bytes) -> bool:
        """Whether the first bytes of a file look like this format."""
        ...

    def parse(self, stream: LogStream, sink: Activity, options: ParseOptions) -> None:
        """Feed every line of ``stream`` to ``sink``; bad lines are ``sink.skip``ped."""
        ...


def first_lines(head: bytes, n: int = 5) -> list[bytes]:
    """The first non-empty lines of a head (the last may be cut: it is dropped if so)."""
    lines = head.split(b"\n")
    if len(lines) > 1:
        lines = lines[:-1]
    return [ln.rstrip(b"\r") for ln in lines if ln.strip()][:n]
