"""CPU work off the event loop: detection and counting run here, never on the loop itself."""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")


def _ignore_sigint() -> None:
    # Ctrl-C goes to the whole process group: the scan (parent) decides, workers carry on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Workers:
    """Worker processes (``workers`` of them), or a thread of this process when 0.

    The one CPU pool of a scan: samples, full reads and subject exports all run their
    detection here. Processes are spawned, not forked: forking a process that runs an event
    loop and threads is unsafe.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: Executor | None = None

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` in a worker; its arguments and result must pickle."""
        call = partial(fn, *args, **kwargs)
        if self.workers <= 0:
            return await asyncio.to_thread(call)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_ignore_sigint)
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    def close(self) -> None:
        """Stop the workers; work still queued is dropped."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
