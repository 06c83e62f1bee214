"""``--docs-rate``: a token bucket over records for a whole scan."""

from __future__ import annotations

import asyncio
import time


class Pacer:
    """Spaces pages so that the scan reads at most ``rate`` records per second."""

    def __init__(self, rate: float | None) -> None:
        self._rate = rate
        self._next = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self, docs: int) -> None:
        """Wait until ``docs`` more records fit the rate."""
        if not self._rate:
            return
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + docs / self._rate
        if start > now:
            await asyncio.sleep(start - now)
