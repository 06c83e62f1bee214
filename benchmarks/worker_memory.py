"""What a full scan's worker process holds as it counts more documents (issue #16).

This process does what one ``scan --depth full`` worker does with every page, without the
store: a page of 1,000 support cases is parsed from JSON lines (``orjson``, as the reader
parses the store's answer) and counted by the full scan's sink work (``TallySink.work``:
``count.tally.count_batch`` with the support-case mapping's field types, the date field and
the default ``min_score``) in a thread, as ``partition.pump`` runs it. At each volume it prints
the process's RSS (now and peak), the fill of every per-value cache of the detectors (each
``functools.lru_cache`` and ``@cache`` in ``leakhound.detect``, and ``scan.py``'s memo of
short values), and with ``--trace`` the Python memory tracemalloc sees, its top allocation
sites and, at the end, the bytes each cache holds (the traced memory freed by clearing it).

The documents: the lab seeder's support cases, generated in a child process (a fresh seed
every ``--chunk`` cases, so that distinct people grow with the documents, a quarter of the
cases as in the lab), or a JSON-lines export (``--jsonl``, e.g. the one ``full_speed.py``
writes in its lab directory).

``--maxsize N`` runs it with the IP and phone caches (``detect.base.VALUE_CACHE_ENTRIES``) at N
entries; ``--speed N`` instead measures ``detect_speed.py``'s paged pattern figure on N
corpus tickets with those caches at their size and at ``--maxsize`` (65,536), alternated: the
speed a cache size costs, in the same run.

Run: PYTHONPATH=src .venv/bin/python benchmarks/worker_memory.py
     [--marks 20000,50000,100000,200000,400000] [--jsonl PATH] [--trace] [--top 8]
     [--maxsize N] [--speed N]
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import datetime as dt
import gc
import importlib
import os
import pkgutil
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from pathlib import Path
from typing import IO, Any

import orjson

import leakhound.detect
from leakhound.count.tally import count_batch
from leakhound.detect import scan as detect_scan
from leakhound.detect import scan_batch
from leakhound.detect.base import VALUE_CACHE_ENTRIES
from leakhound.detect.scan import clear_caches
from leakhound.lab.seeder import _CASE_MAPPING
from leakhound.probes.elasticsearch.probe import (
    ElasticsearchProbe,
    flatten_mapping,
    main_date_field,
)
from leakhound.scanner.options import ScanOptions

PAGE = 1000
PAGESIZE = os.sysconf("SC_PAGESIZE")
GENERATOR = """
import sys, orjson
from leakhound.lab.seeder import SUPPORT_PREFIX, generate
chunk, seed, total = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
out, n = sys.stdout.buffer, 0
while n < total:
    docs = [d for d in generate(chunk, seed).docs if d.index.startswith(SUPPORT_PREFIX)]
    for d in docs[: total - n]:
        out.write(orjson.dumps(d.source) + b"\\n")
    n += min(len(docs), total - n)
    seed += 1
"""


def rss_mib() -> tuple[float, float]:
    """(RSS now, peak RSS) of this process in MiB."""
    with open("/proc/self/statm") as f:
        now = int(f.read().split()[1]) * PAGESIZE
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return now / 2**20, peak / 2**20


_MALLINFO2 = ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks")
_MALLINFO2 += ("uordblks", "fordblks", "keepcost")


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in _MALLINFO2]


def malloc_mib() -> tuple[float, float] | None:
    """(in use, free but kept) by glibc's malloc in MiB, all arenas; None elsewhere."""
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except (AttributeError, OSError):
        return None
    mallinfo2.restype = _Mallinfo2
    m = mallinfo2()
    return (m.uordblks + m.hblkhd) / 2**20, m.fordblks / 2**20


def caches() -> dict[str, Callable[..., Any]]:
    """Every cached function of ``leakhound.detect``, by ``module.name``."""
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.iter_modules(leakhound.detect.__path__, "leakhound.detect."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if callable(obj) and hasattr(obj, "cache_info") and obj.__module__ == module.__name__:
                found[f"{info.name.rsplit('.', 1)[1]}.{name}"] = obj
    return found


# The caches sized by detect.base.VALUE_CACHE_ENTRIES: what --maxsize and --speed resize.
SIZED = ("ip._judge_v4", "ip._judge_v6", "phone._numbers_in")


def resize(cached: dict[str, Callable[..., Any]], maxsize: int) -> None:
    """The ``SIZED`` caches made again, empty, at ``maxsize`` entries (an experiment: what
    another size costs in hits and memory), wherever leakhound refers to them."""
    for name in SIZED:
        fn = cached[name]
        new = lru_cache(maxsize=maxsize)(fn.__wrapped__)  # type: ignore[attr-defined]
        for module in list(sys.modules.values()):
            if getattr(module, "__name__", "").startswith("leakhound"):
                for attr, value in list(vars(module).items()):
                    if value is fn:
                        setattr(module, attr, new)
        cached[name] = new


def speed(cached: dict[str, Callable[..., Any]], n: int, other: int, repeat: int = 5) -> None:
    """``detect_speed.py``'s "leakhound, patterns (all 18 types)" figure (its corpus, pages
    of 256, caches cleared after a warm-up, one pinned CPU, CPU time) with the ``SIZED``
    caches at ``VALUE_CACHE_ENTRIES`` and at ``other`` entries, alternated ``repeat`` times."""
    sys.path.insert(0, str(Path(__file__).parent))
    from corpus import tickets

    texts = [t.text for t in tickets(n, seed=1)]
    warm = [t.text for t in tickets(200, seed=2)][:50]
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    def paged(ts: list[str]) -> None:
        for i in range(0, len(ts), 256):
            scan_batch([{"text": t} for t in ts[i : i + 256]])

    rates: dict[int, list[float]] = {VALUE_CACHE_ENTRIES: [], other: []}
    for _ in range(repeat):
        for size in rates:
            resize(cached, size)
            paged(warm)
            clear_caches()
            start = time.process_time()
            paged(texts)
            rates[size].append(n / (time.process_time() - start))
            hits = cached["phone._numbers_in"].cache_info()  # type: ignore[attr-defined]
            print(f"  caches of {size:>6,}: {rates[size][-1]:6,.0f} docs/CPU-s  (phone {hits})")
    for size, r in rates.items():
        print(f"caches of {size:>6,}: best {max(r):,.0f}, median {sorted(r)[len(r) // 2]:,.0f}")


def fill(cached: dict[str, Callable[..., Any]]) -> dict[str, tuple[int, int | None, float]]:
    """(entries, maxsize, hit ratio) of each cache, and of the memo of short values (its hit
    ratio not kept: -1)."""
    out = {}
    for name, fn in cached.items():
        info = fn.cache_info()  # type: ignore[attr-defined]
        asked = info.hits + info.misses
        out[name] = (info.currsize, info.maxsize, info.hits / asked if asked else 0.0)
    memo = sum(len(s.memo) for s in detect_scan._SELECTIONS.values())
    cap = detect_scan.MEMO_ENTRIES * max(1, len(detect_scan._SELECTIONS))
    out["scan.memo"] = (memo, cap, -1.0)
    return out


def lines(args: argparse.Namespace, total: int) -> Iterator[bytes]:
    """``total`` support cases as JSON lines, from ``--jsonl`` or the seeder's child."""
    if args.jsonl:
        with args.jsonl.open("rb") as f:
            for n, line in enumerate(f):
                if n == total:
                    return
                yield line
        return
    cmd = [sys.executable, "-c", GENERATOR, str(args.chunk), str(args.seed), str(total)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env) as child:
        out: IO[bytes] = child.stdout  # type: ignore[assignment]
        yield from out
    if child.returncode:
        raise SystemExit(f"the seeder's child failed ({child.returncode})")


def pages(source: Iterator[bytes]) -> Iterator[list[Any]]:
    page: list[Any] = []
    for line in source:
        page.append(orjson.loads(line))
        if len(page) == PAGE:
            yield page
            page = []
    if page:
        yield page


def report(docs: int, cpu: float, cached: dict[str, Callable[..., Any]], top: int) -> None:
    gc.collect()
    now, peak = rss_mib()
    blocks = sys.getallocatedblocks()
    heap = malloc_mib()
    held = f", malloc {heap[0]:6.1f} in use + {heap[1]:5.1f} free" if heap else ""
    traced = ""
    if tracemalloc.is_tracing():
        traced = f", traced {tracemalloc.get_traced_memory()[0] / 2**20:6.1f} MiB"
    print(
        f"{docs:>9,} docs  RSS {now:6.1f} MiB (peak {peak:6.1f}){held}{traced}; "
        f"{blocks:,} Python blocks; cpu {cpu:6.1f} s ({cpu / docs * 1e6:,.0f} us/doc)"
    )
    parts = []
    for name, (n, cap, hits) in sorted(fill(cached).items()):
        if n:
            ratio = f" ({hits:.0%} hits)" if hits >= 0 else ""
            parts.append(f"{name} {n:,}/{cap:,}{ratio}" if cap else f"{name} {n:,}{ratio}")
    print("     caches: " + ", ".join(parts))
    if tracemalloc.is_tracing() and top:
        stats = tracemalloc.take_snapshot().statistics("lineno")
        for s in stats[:top]:
            frame = s.traceback[0]
            where = frame.filename.split("site-packages/")[-1].split("/src/")[-1]
            print(f"       {s.size / 2**20:6.1f} MiB {s.count:>8,} blocks  {where}:{frame.lineno}")
    sys.stdout.flush()


def cache_bytes(cached: dict[str, Callable[..., Any]]) -> None:
    """The traced bytes each cache holds: what clearing it frees, per entry."""
    print("bytes held by each cache (traced memory freed by clearing it):")
    sizes = fill(cached)
    for name in sorted(sizes):
        n = sizes[name][0]
        if not n:
            continue
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        if name == "scan.memo":
            for sel in detect_scan._SELECTIONS.values():
                sel.memo.clear()
        else:
            cached[name].cache_clear()  # type: ignore[attr-defined]
        gc.collect()
        freed = before - tracemalloc.get_traced_memory()[0]
        print(f"  {name:<28} {n:>7,} entries  {freed / 2**20:6.2f} MiB  {freed / n:6.0f} B each")


def sink_work() -> Callable[[list[Any]], Any]:
    """What a ``--depth full`` worker runs on a page of support cases (``TallySink.work``):
    ``count_batch`` with the lab mapping's field types, its date field, the default
    ``min_score`` and a key of this run."""
    fields = flatten_mapping(_CASE_MAPPING)
    probe = ElasticsearchProbe()
    return partial(
        count_batch,
        field_types={f.path: probe.field_type(f.type).value for f in fields},
        date_field=main_date_field(fields),
        min_score=ScanOptions().min_score,
        key=os.urandom(32),
    )


async def run(args: argparse.Namespace) -> None:
    marks = sorted(int(m) for m in args.marks.split(","))
    work = sink_work()
    cached = caches()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    if args.speed:
        print(f"# detect_speed's paged pattern figure, {args.speed:,} corpus tickets, load {load}")
        speed(cached, args.speed, args.maxsize or 65_536)
        return
    if args.maxsize:
        resize(cached, args.maxsize)
    if args.trace:
        tracemalloc.start()
    now, _ = rss_mib()
    source = (
        f"export {args.jsonl}" if args.jsonl else f"seeder, a new seed every {args.chunk:,} cases"
    )
    print(
        f"# worker memory, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, load {load}; {source}; pages of {PAGE:,}; "
        f"RSS before the first page {now:.1f} MiB{'; tracemalloc on' if args.trace else ''}"
        f"{f'; {len(SIZED)} caches of {args.maxsize:,}' if args.maxsize else ''}"
    )
    docs, start = 0, time.process_time()
    want = iter(marks)
    mark = next(want)
    for page in pages(lines(args, marks[-1])):
        await asyncio.to_thread(work, page)  # as partition.pump runs it
        docs += len(page)
        if docs >= mark:
            report(docs, time.process_time() - start, cached, args.top)
            mark = next(want, 0)
            if not mark:
                break
    if args.trace:
        cache_bytes(cached)
        gc.collect()
        left = tracemalloc.get_traced_memory()[0] / 2**20
        print(f"traced after clearing every cache: {left:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marks", default="20000,50000,100000,200000,400000")
    parser.add_argument("--jsonl", type=Path, help="support cases as JSON lines (an export)")
    parser.add_argument("--chunk", type=int, default=20_000, help="cases per seed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trace", action="store_true", help="tracemalloc (about 2x slower)")
    parser.add_argument("--maxsize", type=int, help=f"{', '.join(SIZED)} at this size")
    parser.add_argument(
        "--speed",
        type=int,
        metavar="N",
        help="only detect_speed's paged figure on N tickets, "
        "the caches at VALUE_CACHE_ENTRIES and at --maxsize (65,536) alternated",
    )
    parser.add_argument("--top", type=int, default=8, help="allocation sites with --trace")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
