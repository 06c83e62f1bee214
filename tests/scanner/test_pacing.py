"""``--docs-rate``: one pace for the whole scan."""

from __future__ import annotations


def test_docs_rate_paces_the_whole_scan() -> None:
    import asyncio
    import time

    from leakhound.scanner.pacing import Pacer

    async def take_three() -> float:
        pacer = Pacer(1000.0)
        t0 = time.monotonic()
        await asyncio.gather(*(pacer.take(200) for _ in range(3)))  # 600 docs at 1000/s
        return time.monotonic() - t0

    assert 0.35 <= asyncio.run(take_three()) < 1.5
