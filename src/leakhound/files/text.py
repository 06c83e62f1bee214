"""Plain text and logs: each non-blank line a document ``{"_line": n, "text": line}``."""

from __future__ import annotations

from .base import LINE, LineSplitter, Sink


class TextParser:
    """Lines of a text or log file as documents; the detector reads the line as free text."""

    format = "text"

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._split = LineSplitter(sink, "line")

    def feed(self, data: str) -> None:
        """Read the next piece of text."""
        self._lines(self._split.line, self._split.feed(data))

    def close(self, cut: bool) -> None:
        """End of input; a last line cut by the byte cap is dropped."""
        self._lines(self._split.line, self._split.close(cut))

    def _lines(self, first: int, lines: list[str]) -> None:
        add = self._sink.add
        for i, line in enumerate(lines):
            text = line.rstrip("\r\n")
            if text.strip():
                add({LINE: first + i, "text": text})
