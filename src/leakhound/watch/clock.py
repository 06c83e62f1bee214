"""Time as the watch sees it: wall time for records and quiet hours, a monotonic clock for
intervals, and sleeping. Injected, so that backoff, reminders and jitter are tested without
waiting (``FakeClock``)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What the watch asks of time."""

    def now(self) -> datetime:
        """The wall time, aware, in UTC."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""


class SystemClock:
    """The machine's clocks."""

    def now(self) -> datetime:
        """The wall time, aware, in UTC."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that moves only when told (``advance``); sleepers wake in deadline order."""

    def __init__(self, start: datetime | None = None) -> None:
        self.start = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
        self.elapsed = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> datetime:
        """The start time plus what has elapsed."""
        return self.start + timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        """Seconds elapsed since the start."""
        return self.elapsed

    async def sleep(self, seconds: float) -> None:
        """Wait until ``advance`` has moved the clock ``seconds`` on."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.elapsed + seconds, next(self._seq), future))
        await future

    @property
    def sleepers(self) -> int:
        """How many coroutines wait on this clock."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    async def advance(self, seconds: float) -> None:
        """Move the clock on, waking each sleeper at its deadline and letting it run."""
        target = self.elapsed + seconds
        await _settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            self.elapsed = max(self.elapsed, deadline)
            if not future.done():
                future.set_result(None)
            await _settle()
        self.elapsed = target
        await _settle()


async def _settle(rounds: int = 20) -> None:
    """Let every ready task run until each waits again (on the clock, or on I/O)."""
    for _ in range(rounds):
        await asyncio.sleep(0)
