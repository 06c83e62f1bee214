"""The scan's worker pool: jobs run in worker processes, and closing the pool lets each worker
end on its own (it sees its socket end), not by a terminate after a deadline."""

from __future__ import annotations

import asyncio

import pytest

from leakhound.scanner import workers as workers_module
from leakhound.scanner.workers import Workers


def test_closed_workers_end_on_their_own_and_are_not_terminated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A deadline no loaded machine reaches: a worker that never saw its socket end would be
    # terminated after it (exit code -15), one that did has ended by itself long before.
    monkeypatch.setattr(workers_module, "CLOSE_DEADLINE", 60.0)

    async def go() -> list[object]:
        workers = Workers(2)
        assert await asyncio.gather(workers.run(len, [1, 2]), workers.run(len, [3])) == [2, 1]
        processes = [proc.process for proc in workers._procs]
        workers.close()
        return processes

    processes = asyncio.run(go())
    assert len(processes) == 2
    # 0: the worker returned from its loop when its socket ended; -15 would be the
    # terminate that follows a worker that never saw it (the deadline waited out).
    assert [p.exitcode for p in processes] == [0, 0]  # type: ignore[attr-defined]


def test_a_closed_pool_starts_anew_on_its_next_job() -> None:
    async def go() -> int:
        workers = Workers(1)
        await workers.run(len, [1])
        workers.close()
        try:
            return await workers.run(len, [1, 2, 3])
        finally:
            workers.close()

    assert asyncio.run(go()) == 3
