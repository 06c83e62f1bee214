"""How long a scan of 256 addresses x 2 ports takes when nothing listens, beside a bare sweep.

The peer is the floor: a bare asyncio TCP connect to every endpoint with the same concurrency.
Run: .venv/bin/python benchmarks/scan_closed_range.py [CIDR]   (loopback ranges only)
"""

from __future__ import annotations

import asyncio
import ipaddress
import sys
import tempfile
import time
from pathlib import Path

import leakhound
from leakhound.store import SqliteStore

PORTS = (9200, 9243)


async def bare_sweep(hosts: list[str], concurrency: int) -> int:
    gate = asyncio.Semaphore(concurrency)

    async def one(host: str, port: int) -> bool:
        async with gate:
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 3)
            except (OSError, TimeoutError):
                return False
            writer.close()
            return True

    results = await asyncio.gather(*(one(h, p) for h in hosts for p in PORTS))
    return sum(results)


def main() -> None:
    cidr = sys.argv[1] if len(sys.argv) > 1 else "127.77.0.0/24"
    net = ipaddress.ip_network(cidr)
    if not net.is_loopback:
        sys.exit("benchmarks send traffic to loopback only")
    hosts = [str(h) for h in net]
    t0 = time.perf_counter()
    asyncio.run(bare_sweep(hosts, 128))
    bare = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp, SqliteStore(Path(tmp) / "f.db") as store:
        t0 = time.perf_counter()
        scan_id = asyncio.run(leakhound.scan([cidr], store=store))
        ours = time.perf_counter() - t0
        n = len(store.load(scan_id).results)
    print(f"{'endpoints':<28}{n}")
    print(f"{'bare TCP connect sweep':<28}{bare:8.2f} s")
    print(f"{'leakhound scan (recorded)':<28}{ours:8.2f} s   ratio {ours / bare:.1f}x")


if __name__ == "__main__":
    main()
