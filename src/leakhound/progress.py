"""Progress on stderr while a scan runs, only when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


class ScanProgress:
    """A progress bar over endpoints; silent when disabled or stderr is not a TTY."""

    def __init__(self, *, enabled: bool = True) -> None:
        self._enabled = enabled and sys.stderr.isatty()
        self._progress: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> ScanProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def start(self, scan_id: str, total: int) -> None:
        """Begin showing progress for a scan of ``total`` endpoints."""
        if not self._enabled:
            return
        self._progress = Progress(TextColumn(f"scan {scan_id}"), BarColumn(),
                                  MofNCompleteColumn(), TimeRemainingColumn(),
                                  console=Console(stderr=True), transient=True)
        self._task = self._progress.add_task("endpoints", total=total)
        self._progress.start()

    def advance(self, done: int, total: int) -> None:
        """One more endpoint finished."""
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total)
