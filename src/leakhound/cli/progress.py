"""Progress on stderr while a scan runs, only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..redact import neutralize


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
        self._progress = Progress(
            TextColumn(f"scan {scan_id}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("endpoints", total=total)
        self._progress.start()

    def advance(self, done: int, total: int) -> None:
        """One more endpoint finished."""
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total)


class FullProgress:
    """Full-depth progress: documents read, documents/s and ETA overall and per index.

    Silent when disabled or stderr is not a TTY. The overall total is the sum of the
    inventory counts of the indices reached so far, so it grows as indices start.
    """

    def __init__(self, *, enabled: bool = True) -> None:
        self._enabled = enabled and sys.stderr.isatty()
        self._progress: Progress | None = None
        self._overall: Any = None
        self._tasks: dict[str, Any] = {}
        self._read: dict[str, int] = {}
        self._expected: dict[str, int] = {}
        self._started = time.monotonic()

    def __enter__(self) -> FullProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def start(self, scan_id: str, total: int) -> None:
        """Begin showing progress for a full scan of ``total`` endpoints."""
        if not self._enabled:
            return
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._overall = self._progress.add_task(f"scan {scan_id}", total=None, rate="")
        self._progress.start()
        self._started = time.monotonic()

    def docs(self, index: str, read: int, expected: int | None) -> None:
        """``read`` documents of ``index`` (endpoint/name) counted so far."""
        if self._progress is None:
            return
        label = neutralize(index)[-60:]
        if index not in self._tasks:
            self._tasks[index] = self._progress.add_task(label, total=expected, rate="")
        self._read[index] = read
        if expected is not None:
            self._expected[index] = max(expected, read)
        rate = sum(self._read.values()) / max(time.monotonic() - self._started, 1e-6)
        self._progress.update(self._tasks[index], completed=read, total=self._expected.get(index))
        self._progress.update(
            self._overall,
            completed=sum(self._read.values()),
            total=sum(self._expected.values()) or None,
            rate=f"{rate:,.0f} records/s",
        )
