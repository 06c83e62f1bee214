"""What Python's garbage collector costs a full scan's processes, with and without
``leakhound.startup.started`` (``gc.freeze()`` once start-up is over, then young collections
every ``startup.YOUNG`` containers), and with ``gc.freeze()`` alone (what ``started`` did
before its threshold).

Two workloads, each run in a fresh child process per mode and round, the modes alternated:

- **worker**: what a ``scan --depth full`` worker does with each page (1,000 support cases
  parsed from JSON lines with ``orjson``, then the full scan's sink work, ``count_batch`` with
  the support-case mapping's field types), over ``--cases`` cases of a JSON-lines export
  (``full_speed.py`` writes one in its lab directory) or of the lab seeder's cases;
- **read** (with ``--read URL``): the full scan's read of every record of a database, counted
  and nothing else (``db_scan.py``'s reader with detection off), e.g. a ``db_scan.py``
  instance's URL.

Per run it prints the process's CPU seconds and the CPU spent in each generation's
collections (timed by ``gc.callbacks``: the collector's own time, whatever the machine's load),
then the medians per mode.

Run: PYTHONPATH=src .venv/bin/python benchmarks/collector.py [--cases 30000]
     [--jsonl PATH] [--read URL] [--rounds 3]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODES = ("as before (no freeze)", "gc.freeze() alone", "started() (freeze, YOUNG)")


def _timed_collections() -> dict[int, float]:
    """CPU seconds spent in each generation's collections from now on (filled as they run)."""
    import gc

    spent = {0: 0.0, 1: 0.0, 2: 0.0}
    began = [0.0]

    def timer(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            began[0] = time.thread_time()
        else:
            spent[info["generation"]] += time.thread_time() - began[0]

    gc.callbacks.append(timer)
    return spent


def _cases(args: argparse.Namespace) -> list[bytes]:
    """``--cases`` support cases as JSON lines (one page more: the first warms the imports)."""
    wanted = args.cases + 1000
    if args.jsonl:
        with open(args.jsonl, "rb") as f:
            return list(itertools.islice(f, wanted))
    import orjson

    from leakhound.lab.seeder import SUPPORT_PREFIX, generate

    docs = [d for d in generate(wanted, 7).docs if d.index.startswith(SUPPORT_PREFIX)]
    return [orjson.dumps(d.source) for d in docs[:wanted]]


def _start(mode: int) -> None:
    """Mode 0: nothing; 1: what ``started`` did before its threshold; 2: ``started``."""
    import gc

    from leakhound.startup import started

    if mode == 1:
        gc.collect()
        gc.freeze()
    elif mode == 2:
        started()


def worker(args: argparse.Namespace, mode: int) -> dict[str, Any]:
    """One worker's counting of ``--cases`` cases (in this process)."""
    import orjson

    sys.path.insert(0, str(HERE))
    from worker_memory import sink_work

    lines = _cases(args)
    work = sink_work()
    work([orjson.loads(line) for line in lines[:1000]])  # the first page: imports, tables
    _start(mode)  # where a worker calls it: after its first page
    spent = _timed_collections()
    cpu = time.process_time()
    for at in range(1000, len(lines), 1000):
        work([orjson.loads(line) for line in lines[at : at + 1000]])
    return {"records": len(lines) - 1000, "cpu": time.process_time() - cpu, "gc": spent}


def read(args: argparse.Namespace, mode: int) -> dict[str, Any]:
    """The full read of ``--read`` with detection off (in this process)."""
    import asyncio

    import leakhound.scanner  # noqa: F401  (imported before the freeze, as by `scan`)

    sys.path.insert(0, str(HERE))
    import db_scan

    _start(mode)  # where the command line calls it: before the scan
    spent = _timed_collections()
    got = asyncio.run(db_scan._count_read(args.read, 0))
    return {"records": got["records"], "cpu": got["cpu"], "gc": spent}


def child(args: argparse.Namespace) -> int:
    run = worker if args.child == "worker" else read
    print(json.dumps(run(args, args.mode)))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=30_000)
    ap.add_argument("--jsonl", help="support cases as JSON lines (default: the lab seeder's)")
    ap.add_argument("--read", metavar="URL", help="also a database's full read")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", choices=("worker", "read"), help=argparse.SUPPRESS)
    ap.add_argument("--mode", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"{now}, load {load}, {os.cpu_count()} cores")
    for workload in ("worker", "read") if args.read else ("worker",):
        what = f"{args.cases:,} support cases counted" if workload == "worker" else args.read
        print(f"\n{workload}: {what}")
        print(f"  {'mode':<26} {'records':>9} {'cpu s':>7} {'gc s':>6}  by generation 0/1/2")
        runs: dict[int, list[dict[str, Any]]] = {mode: [] for mode in range(len(MODES))}
        for _ in range(args.rounds):
            for mode in range(len(MODES)):
                argv = [sys.executable, __file__, "--child", workload, "--cases", str(args.cases)]
                argv += ["--jsonl", args.jsonl] if args.jsonl else []
                argv += ["--read", args.read] if args.read else []
                argv += ["--mode", str(mode)]
                out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
                got = json.loads(out.strip().splitlines()[-1])
                runs[mode].append(got)
                gens = "/".join(f"{got['gc'][g]:.2f}" for g in ("0", "1", "2"))
                total = sum(got["gc"].values())
                print(
                    f"  {MODES[mode]:<26} {got['records']:>9,} {got['cpu']:>7.2f} "
                    f"{total:>6.2f}  {gens}"
                )
        for mode in range(len(MODES)):
            cpu = statistics.median(r["cpu"] for r in runs[mode])
            gc_s = statistics.median(sum(r["gc"].values()) for r in runs[mode])
            full = statistics.median(r["gc"]["2"] for r in runs[mode])
            records = runs[mode][0]["records"]
            print(
                f"  median {MODES[mode]:<26} cpu {cpu / records * 1e6:7.1f} us/record, "
                f"collector {gc_s / records * 1e6:6.2f} us/record "
                f"(full collections {full / records * 1e6:5.2f})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
