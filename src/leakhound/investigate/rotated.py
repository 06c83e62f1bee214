"""The files of one rotated log (``redis.log.1``, ``redis.log``) read by one parser as one
stream, oldest first: a connection or session open across a rotation is one, whatever the
format, each file still counted as itself (its lines, what was skipped in it, its notes)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .activity import Activity, FileState
from .reader import InputProblem, LogStream, ReadStats, display


class RotatedSet:
    """The stream a parser reads for a set: the first file already open, the rest opened in
    turn (each with the notes of how its format was chosen); each file begins its own count
    in ``activity`` as its first line comes by."""

    def __init__(
        self,
        first: LogStream,
        rest: list[tuple[str, list[str]]],
        fmt: str,
        activity: Activity,
        problems: list[str],
        on_file: Callable[[str, str], None] | None = None,
    ) -> None:
        self.head = first.head
        self._first: LogStream | None = first
        self._rest = rest
        self._fmt = fmt
        self._activity = activity
        self._problems = problems
        self._on_file = on_file
        # (file, what the reader dropped of it, its lines), as each is read
        self.files: list[tuple[FileState, ReadStats, int]] = []
        self._lines = 0
        self._next = self._begin(first.path)  # a parser takes sink.file before it reads

    def _begin(self, path: str) -> FileState:
        if self._on_file:
            self._on_file(display(path), self._fmt)
        return self._activity.begin(display(path), self._fmt, self._lines)

    def _streams(self) -> Iterator[tuple[FileState, LogStream]]:
        if self._first is not None:
            first, self._first = self._first, None
            yield self._next, first
        for path, notes in self._rest:
            try:
                stream = LogStream(path)  # its format was recognised on a first opening
            except InputProblem as exc:
                self._problems.append(str(exc))
                continue
            stream.stats.notes[:0] = notes  # how its format was chosen, if not from it
            yield self._begin(path), stream

    def batches(self) -> Iterator[list[bytes]]:
        """The lines of every file, oldest first, a chunk's worth at a time."""
        for f, stream in self._streams():
            n = 0
            with stream:
                for batch in stream.batches():
                    n += len(batch)
                    yield batch
            self._lines += n
            self.files.append((f, stream.stats, n))

    def chunks(self) -> Iterator[bytes]:
        """The content of a set of one file (a format that reads a whole document a file is
        never given more than one)."""
        if self._rest:
            raise TypeError("a whole-document format read across files")
        for f, stream in self._streams():
            with stream:
                yield from stream.chunks()
            self.files.append((f, stream.stats, f.lines))
