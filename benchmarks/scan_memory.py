"""What a full scan's own process and its findings database hold as the records grow (#16).

Without OpenSearch: the pages of a JSON-lines export (``full_speed.py`` writes one in its lab
directory) are counted once by ``count_batch`` (``TallySink.work``: the support-case mapping's
field types, its date field, the default ``min_score``) in a pool of worker processes, and
their results kept in a cache file (``--cache``; 1,000,000 cases take ~20 minutes of two
cores, once). Each volume is then replayed in a fresh child process that does what the scan
process does at ``--workers 2 --slices 2``: every container (an index: the export's
consecutive cases of one year) read in two partitions at once, each by one of two worker
processes of the scan's own pool (``Workers.reading``) that sends its cached page results in
the frames ``partition.serve_read`` sends, a credit each; this process takes each page as
``ProcessExecutor`` does (``TallySink.page``: merged into its partition's tally and
checkpointed in a real findings database, folded as it grows), then ``partition_done``,
``finish`` (the endpoint's tally) and ``totals``. It prints the child's CPU, its peak RSS
(VmHWM), its RSS and glibc's heap at the end, the findings database's peak (file and
write-ahead log, watched every 20 ms from outside; ``full_speed.py`` samples every 0.2 s) and,
at the largest it was after a page, the bytes of each table's tallies, its free pages, the
file and the log.

Two parts:

1. ``scan process``: the two exports (``--small`` and ``--large``: the 100,000- and
   1,000,000-case labs), every page as exported. People grow with the records.
2. ``database``: distinct values fixed while the records grow. A pool of the first
   ``--pool-pages`` pages of every container of the large export is cycled to make each
   volume (``--volumes``): every record repeats one of the pool's, so the distinct values
   (people, phones, addresses…) are the pool's at every volume, and only the records grow.

``--trace`` adds tracemalloc's largest growth between the first container's end and the last
(part 1); ``--env NAME=VALUE`` runs the replays with it (``MALLOC_ARENA_MAX=2``…);
``--also MIB,DIGESTS`` runs each part again with ``checkpoints.FOLD_BYTES`` at MIB MiB and the
pieces a fold writes (``Tally.to_parts``) of DIGESTS digests (``--also 32,65536``: as before).

Run: PYTHONPATH=src .venv/bin/python benchmarks/scan_memory.py
     [--small PATH] [--large PATH] [--part 1,2] [--volumes 100000,1000000,3000000] [--pool-pages 2]
     [--workers 2] [--cache DIR] [--trace] [--env NAME=VALUE] [--also MIB,DIGESTS]
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import datetime as dt
import multiprocessing
import os
import pickle
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from functools import partial, partialmethod
from pathlib import Path
from typing import Any

import orjson

from leakhound.count.distinct import PART_DIGESTS
from leakhound.count.tally import Tally, count_batch
from leakhound.lab.seeder import _CASE_MAPPING, SUPPORT_PREFIX
from leakhound.models import Container
from leakhound.probes.base import ReadPlan
from leakhound.probes.elasticsearch.probe import (
    ElasticsearchProbe,
    flatten_mapping,
    main_date_field,
)
from leakhound.scanner import checkpoints
from leakhound.scanner.checkpoints import TallySink
from leakhound.scanner.options import ScanOptions
from leakhound.scanner.workers import END, Workers, pack_page, unpack_page
from leakhound.scanner.workers import PAGE as PAGE_FRAME
from leakhound.store.sqlite import SqliteStore

PAGE = 1000
PARTITIONS = 2
# The cache's key: the replays' databases are given it, so that their tallies merge the
# cached page results (a benchmark's key, never a real database's).
KEY = bytes(range(32))
SMALL = Path("/tmp/lab-fullspeed-100k/support-cases-100000.jsonl")
LARGE = Path("/tmp/lab-fullspeed/support-cases-1000000.jsonl")


def _work() -> Any:
    probe = ElasticsearchProbe()
    fields = flatten_mapping(_CASE_MAPPING)
    return partial(
        count_batch,
        field_types={f.path: probe.field_type(f.type).value for f in fields},
        date_field=main_date_field(fields),
        min_score=ScanOptions().min_score,
        key=KEY,
    )


def _count(page: tuple[str, list[bytes]]) -> tuple[str, int, bytes]:
    name, lines = page
    return name, len(lines), _work()([orjson.loads(line) for line in lines])


def _pages(path: Path) -> Iterator[tuple[str, list[bytes]]]:
    """(container, lines) pages of an export: a container is a run of one year's cases."""
    name, page = "", list[bytes]()
    with path.open("rb") as f:
        for line in f:
            year = orjson.loads(line)["case_id"].split("-")[1]
            if page and (year != name or len(page) == PAGE):
                yield f"{SUPPORT_PREFIX}{name}", page
                page = []
            name = year
            page.append(line)
    if page:
        yield f"{SUPPORT_PREFIX}{name}", page


def cached(path: Path, cache: Path, workers: int) -> Path:
    """The page results of an export, counted once in ``workers`` processes."""
    out = cache / f"{path.stem}.pages"
    if out.exists():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    start, docs = time.perf_counter(), 0
    tmp = out.with_suffix(".part")
    with multiprocessing.get_context("spawn").Pool(workers) as pool, tmp.open("wb") as f:
        for name, n, result in pool.imap(_count, _pages(path), chunksize=4):
            pickle.dump((name, n, result), f, protocol=5)
            docs += n
    tmp.rename(out)
    print(f"  counted {docs:,} records of {path.name} in {time.perf_counter() - start:.0f} s")
    return out


# -- the replay, in a child process ------------------------------------------------------


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (n, ctypes.c_size_t)
        for n in [
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        ]
    ]


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _blobs(db: Path) -> dict[str, int]:
    """What the database holds: each table's tally bytes, the file, its free pages, the log."""
    con = sqlite3.connect(db)
    try:
        out = {
            t: con.execute(f"SELECT COALESCE(SUM(length(tally)), 0) FROM {t}").fetchone()[0]
            for t in ("full_tallies", "full_totals")
        }
        size = con.execute("PRAGMA page_size").fetchone()[0]
        out["free pages"] = con.execute("PRAGMA freelist_count").fetchone()[0] * size
    finally:
        con.close()
    return out | {"file": _size(db), "log": _size(Path(f"{db}-wal"))}


async def feed(
    path: str, pages: list[int], credits: asyncio.Semaphore, stop: asyncio.Event, send: Any
) -> None:
    """In a worker process: the cached page results at ``pages`` (offsets) sent as a
    partition's reader sends them (``partition.serve_read``), a credit each."""
    with open(path, "rb") as f:
        for number, offset in enumerate(pages):
            await credits.acquire()
            if stop.is_set():
                break
            f.seek(offset)
            _, docs, result = pickle.load(f)
            header = {"docs": docs, "position": {"after": [number]}, "shared": None, "audit": []}
            await send(PAGE_FRAME, pack_page(header, result))
    await send(END, orjson.dumps({"shared": None, "audit": []}))


async def replay(
    cache: Path, containers: list[tuple[str, list[int]]], trace: bool, folder: Path
) -> dict[str, Any]:
    """What the scan process does with the pages its workers send, in this process; its
    figures."""
    if trace:
        tracemalloc.start(10)
    workers = Workers(PARTITIONS)
    # The database's folder is the caller's, which watches its size.
    path = folder / "f.db"
    SqliteStore(path).close()
    with sqlite3.connect(path) as con:
        con.execute("UPDATE meta SET value=? WHERE key='hash_key'", (KEY,))
    store = SqliteStore(path)
    scan_id = store.begin_scan(["http://127.0.0.1:9200"], {})
    sink = TallySink(store, scan_id, "127.0.0.1:9200", field_types=lambda c: {}, min_score=0.5)
    figures: dict[str, Any] = {"docs": 0, "db_peak": 0, "at_peak": {}}
    first: Any = None

    async def partition(container: Container, plan: ReadPlan, n: int, pages: list[int]) -> None:
        job = partial(feed, str(cache), pages)
        async with workers.reading(job, credits=2) as channel:
            while True:
                kind, payload = await channel.next()
                if kind == END:
                    sink.partition_done(container, plan, n)
                    return
                header, result = unpack_page(payload)
                sink.page(container, plan, n, result, header["docs"], header["position"])
                figures["docs"] += header["docs"]
                size = _size(path) + _size(Path(f"{path}-wal"))
                if size > figures["db_peak"]:
                    figures["db_peak"], figures["at_peak"] = size, _blobs(path)
                await channel.credit()

    try:
        for name, offsets in containers:
            container = Container(name, None, None)
            plan = ReadPlan(name, PARTITIONS, "pit", {"pit": "replay"})
            sink.start(container, plan, range(PARTITIONS))
            await asyncio.gather(
                *(partition(container, plan, n, offsets[n::PARTITIONS]) for n in range(PARTITIONS))
            )
            sink.finish(container, "pit", None)
            if trace and first is None:
                first = tracemalloc.take_snapshot()
        totals = sink.totals()
    finally:
        sink.close()
        workers.close()
    mallinfo2 = ctypes.CDLL(None).mallinfo2
    mallinfo2.restype = _Mallinfo2
    m = mallinfo2()
    figures |= {
        "people": totals.people.distinct.estimate if totals.people else 0,
        "hwm": _status("VmHWM"),
        "rss": _status("VmRSS"),
        "heap_used": m.uordblks + m.hblkhd,
        "heap_free": m.fordblks,
        "arenas": m.arena,
        "threads": _status("Threads"),
        "cpu": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
        "fold": checkpoints.FOLD_BYTES,
        "part": int(os.environ.get("LH_PART_DIGESTS", PART_DIGESTS)),
    }
    if trace and first is not None:
        stats = tracemalloc.take_snapshot().compare_to(first, "lineno")
        figures["trace"] = [str(s) for s in stats[:8]]
        figures["traced"] = tracemalloc.get_traced_memory()
    store.close()
    return figures


def offsets(path: Path) -> Iterator[tuple[str, int, int]]:
    """(container, records, offset) of every cached page."""
    with path.open("rb") as f:
        while True:
            at = f.tell()
            try:
                name, docs, _ = pickle.load(f)
            except EOFError:
                return
            yield name, docs, at


def plan_pages(path: Path, pool_pages: int, volume: int) -> list[tuple[str, list[int]]]:
    """Each container's pages (offsets into the cache): all of them, or (``pool_pages``)
    its share of ``volume`` records cycled from its first ``pool_pages`` full pages."""
    found: dict[str, list[tuple[int, int]]] = {}
    for name, docs, at in offsets(path):
        found.setdefault(name, []).append((docs, at))
    if not pool_pages:
        return [(name, [at for _, at in pages]) for name, pages in found.items()]
    share = volume // len(found) // PAGE
    out = []
    for name, pages in found.items():
        pool = [at for docs, at in pages if docs == PAGE][:pool_pages]
        out.append((name, [pool[i % len(pool)] for i in range(share)]))
    return out


def _child(args: list[str]) -> None:
    kind, path, pool_pages, volume, trace, folder = args
    cache = Path(path)
    if "LH_FOLD_MIB" in os.environ:
        checkpoints.FOLD_BYTES = int(float(os.environ["LH_FOLD_MIB"]) * 2**20)
    if "LH_PART_DIGESTS" in os.environ:  # the pieces a fold writes (Tally.to_parts)
        Tally.to_parts = partialmethod(Tally.to_parts, int(os.environ["LH_PART_DIGESTS"]))  # type: ignore[method-assign,assignment]
    containers = plan_pages(cache, int(pool_pages) if kind == "pool" else 0, int(volume))
    sys.stdout.write(
        orjson.dumps(asyncio.run(replay(cache, containers, trace == "1", Path(folder)))).decode()
    )


def run_child(
    kind: str,
    cache: Path,
    pool_pages: int,
    volume: int,
    args: argparse.Namespace,
    fold_mib: float | None = None,
    part_digests: int | None = None,
) -> dict[str, Any]:
    env = dict(os.environ) | dict(e.split("=", 1) for e in args.env)
    if fold_mib is not None:
        env["LH_FOLD_MIB"] = str(fold_mib)
    if part_digests is not None:
        env["LH_PART_DIGESTS"] = str(part_digests)
    with tempfile.TemporaryDirectory() as tmp:
        argv = [sys.executable, __file__, "--child", kind, str(cache), str(pool_pages)]
        argv += [str(volume), "1" if args.trace else "0", tmp]
        child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE)
        # The database's size seen from outside, as full_speed.py sees it but every 20 ms:
        # a fold's transaction grows the log while the file still holds what it replaces.
        db, peak = Path(tmp) / "f.db", 0
        while child.poll() is None:
            peak = max(peak, _size(db) + _size(Path(f"{db}-wal")))
            time.sleep(0.02)
        out = child.stdout.read() if child.stdout else b""
        if child.returncode:
            sys.exit(f"the replay failed with status {child.returncode}")
    figures: dict[str, Any] = orjson.loads(out)
    figures["db_peak_watched"] = max(peak, figures["db_peak"])
    return figures


def mib(n: int) -> str:
    return f"{n / 2**20:,.1f}"


def show(label: str, f: dict[str, Any]) -> None:
    blobs = ", ".join(f"{t} {mib(b)}" for t, b in f["at_peak"].items())
    print(
        f"  {label}: {f['docs']:>9,} records, {f['people']:>7,} people | CPU {f['cpu']:.1f} s"
        f" ({f['cpu'] / f['docs'] * 1e6:.1f} us a record) | peak RSS "
        f"{f['hwm'] / 1024:5.1f} MiB (end {f['rss'] / 1024:.1f}; heap in use {mib(f['heap_used'])},"
        f" free {mib(f['heap_free'])}) | database peak {mib(f['db_peak_watched'])} MiB "
        f"({f['db_peak_watched'] / max(1, f['people']):,.0f} B a person); after a page at "
        f"most {mib(f['db_peak'])} MiB: {blobs} MiB"
    )
    for line in f.get("trace", []):
        print(f"      {line}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=Path, default=SMALL)
    ap.add_argument("--large", type=Path, default=LARGE)
    ap.add_argument("--part", default="1,2")
    ap.add_argument("--volumes", default="100000,1000000,3000000")
    ap.add_argument("--pool-pages", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "lh-scan-memory")
    ap.add_argument("--trace", action="store_true")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the replays")
    ap.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="MIB,DIGESTS",
        help="each part again with checkpoints.FOLD_BYTES at MIB MiB and a fold's pieces "
        "(Tally.to_parts) of DIGESTS digests; 32,65536 is the code before #16's fix",
    )
    args = ap.parse_args()
    parts = {int(p) for p in args.part.split(",")}
    variants: list[tuple[float | None, int | None]] = [(None, None)]
    for also in args.also:
        fold_mib, digests = also.split(",")
        variants.append((float(fold_mib), int(digests)))
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    large = cached(args.large, args.cache, args.workers)
    if 1 in parts:
        small = cached(args.small, args.cache, args.workers)
        print("1. scan process: the exports replayed as --workers 2 --slices 2 sends them")
        for fold, part in variants:
            a = run_child("all", small, 0, 0, args, fold, part)
            b = run_child("all", large, 0, 0, args, fold, part)
            label = f"FOLD_BYTES {a['fold'] / 2**20:g} MiB, pieces of {a['part']:,}"
            show(label, a)
            show(label, b)
            print(
                f"  {label}: peak RSS {a['hwm'] / 1024:.1f} -> {b['hwm'] / 1024:.1f} MiB "
                f"({(b['hwm'] / a['hwm'] - 1) * 100:+.1f}%), {a['docs']:,} -> {b['docs']:,} records"
            )
    if 2 in parts:
        print(
            f"2. database: the first {args.pool_pages} pages of each container of "
            f"{args.large.name} cycled: the same distinct values at every volume"
        )
        for fold, part in variants:
            runs = [
                run_child("pool", large, args.pool_pages, int(v), args, fold, part)
                for v in args.volumes.split(",")
            ]
            label = f"FOLD_BYTES {runs[0]['fold'] / 2**20:g} MiB, pieces of {runs[0]['part']:,}"
            for f in runs:
                show(label, f)
            print(
                f"  {label}: database peak "
                f"{' -> '.join(mib(r['db_peak_watched']) for r in runs)} MiB for "
                f"{runs[0]['docs']:,} -> "
                f"{runs[-1]['docs']:,} records of the same {runs[-1]['people']:,} people"
            )


if __name__ == "__main__":
    main()
