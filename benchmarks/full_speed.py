"""Full scans at the speed of detection (issue #16): overhead, scale-out, memory, in one run.

On a lab seeded with N support cases (default 1,000,000), over every support-cases-* document:

1. overhead: ``leakhound detect --workers K`` on the same documents exported as JSON lines,
   beside ``leakhound scan --depth full --workers K`` (K = 1 and 2, alternated, ``--repeat``
   times): documents/s, the ratio, and the CPU seconds per document of each process (the scan
   process, its workers, the OpenSearch node; detect's process and its workers). Target:
   the scan at >= 0.8x detect.
2. scale-out: the scan with ``--dask`` on a LocalCluster of 1 and then 2 worker processes
   (target >= 1.7x), the bare sliced PIT reader (the store-side limit, one shard at a time),
   and a projection for a 250M-record store on 16, 64 and 256 cores, naming the limit that
   binds (the workers' CPU, the scanning process, or the store's shards).
3. memory and disk: peak RSS of the scan process and of each worker, and the findings
   database's peak (file and write-ahead log); with ``--small-dir`` the same scan on a second
   lab seeded with ``--small-records`` (default 100,000), to compare the two volumes.

CPU seconds are the kernel's: a process's own (utime + stime, read while it is a zombie) and
its reaped children's; the node's as the change of its own counters over the run. On a shared
machine documents/s move with the load; the CPU per document does not (much): both are
printed.

Run: PYTHONPATH=src .venv/bin/python benchmarks/full_speed.py [--records 1000000]
     [--dir PATH] [--small-dir PATH] [--small-records 100000] [--repeat 1] [--skip-dask]
(loopback only: the lab listens on 127.0.0.1.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from leakhound.lab import opensearch, process
from leakhound.lab.process import cpu_seconds
from leakhound.lab.seeder import populate, read_truth
from leakhound.lab.state import LabPaths, cache_dir, free_ports

PATTERN = "support-cases-*"
CLI = "import sys; from leakhound.cli import main; sys.exit(main(sys.argv[1:]))"
PROJECTED_RECORDS = 250_000_000


@dataclass
class Measured:
    """One process tree's run."""

    seconds: float
    own_cpu: float  # the process itself
    children_cpu: float  # its reaped children (the workers)
    node_cpu: float  # the OpenSearch node over the run
    peak_rss: int  # KiB, the process's VmHWM
    worker_rss: list[int] = field(default_factory=list)  # KiB, each child's VmHWM
    db_peak: int = 0  # bytes, findings database and WAL
    docs: int = 0


@contextlib.contextmanager
def search_node(state_dir: Path, records: int) -> Iterator[tuple[str, int, Any]]:
    """(URL, pid, truth) of the lab's OpenSearch node alone in ``state_dir``, seeded with
    ``records`` support cases (kept from an earlier run when it still holds them), stopped at
    the end. Only the node: the full scan reads nothing else, and seeding the lab's other
    stores with a million records each would take an hour."""
    paths = LabPaths(state_dir)
    paths.root.mkdir(parents=True, exist_ok=True)
    (paths.root / "logs").mkdir(exist_ok=True)
    launcher = opensearch.build(cache_dir())
    (port,) = free_ports(1)
    pid = opensearch.start(launcher, paths.node_home, port, paths.node_log)
    started = process.start_time(pid)
    try:
        opensearch.wait_ready(port, pid, started, paths.node_log, 600)
        url = f"http://127.0.0.1:{port}"
        truth = read_truth(paths)
        if (
            truth is None
            or (truth.records, truth.seed) != (records, 1)
            or not all(
                httpx.get(f"{url}/{n}/_count", timeout=60, trust_env=False).json().get("count")
                == t.documents
                for n, t in truth.indices.items()
            )
        ):
            truth = populate(url, paths, records, 1)
        yield url, pid, truth
    finally:
        process.stop(pid, started, timeout=30)


def _status(pid: int, field_: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_ + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    """Every child of every thread (a worker started from a thread is that thread's child)."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def _is_tracker(pid: int) -> bool:
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def measure(
    argv: list[str], node_pid: int, db: Path | None = None, stdout: int | None = subprocess.DEVNULL
) -> Measured:
    """Run ``argv``; its wall time, CPU (own, children, node) and peak memory."""
    node0 = sum(cpu_seconds(node_pid))
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout)
    peak, workers, db_peak = 0, {}, 0
    while True:
        # Wait for the exit without reaping: its counters stay readable until then.
        done = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if done is not None:
            break
        peak = max(peak, _status(proc.pid, "VmHWM"))
        for c in _children(proc.pid):
            if not _is_tracker(c):
                workers[c] = max(workers.get(c, 0), _status(c, "VmHWM"))
        if db is not None:
            db_peak = max(db_peak, sum(_size(Path(f"{db}{end}")) for end in ("", "-wal")))
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    own, children = cpu_seconds(proc.pid)
    proc.wait()
    node = sum(cpu_seconds(node_pid)) - node0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv[3:6])}… failed with status {proc.returncode}")
    return Measured(seconds, own, children, node, peak, sorted(workers.values()), db_peak)


def export_jsonl(url: str, indices: list[str], path: Path, size: int = 1000) -> int:
    """Every document's _source, one JSON line each (a PIT per index, search_after)."""
    docs = 0
    with httpx.Client(base_url=url, timeout=120, trust_env=False) as http, path.open("wb") as out:
        for index in indices:
            pit = http.post(f"/{index}/_search/point_in_time", params={"keep_alive": "2m"}).json()[
                "pit_id"
            ]
            try:
                after = None
                while True:
                    query: dict[str, object] = {
                        "size": size,
                        "sort": ["_doc"],
                        "pit": {"id": pit, "keep_alive": "2m"},
                    }
                    if after is not None:
                        query["search_after"] = after
                    hits = orjson.loads(http.post("/_search", json=query).content)["hits"]["hits"]
                    if not hits:
                        break
                    out.write(b"".join(orjson.dumps(h["_source"]) + b"\n" for h in hits))
                    docs += len(hits)
                    after = hits[-1]["sort"]
            finally:
                http.request("DELETE", "/_search/point_in_time", json={"pit_id": [pit]})
    return docs


def scan_argv(url: str, db: Path, out: Path, workers: int, dask: str | None = None) -> list[str]:
    argv = [
        sys.executable,
        "-c",
        CLI,
        "scan",
        url,
        "--depth",
        "full",
        "--index",
        PATTERN,
        "--db",
        str(db),
        "--format",
        "json",
        "--output",
        str(out),
        "--no-progress",
        "--slices",
        "2",
        "--batch",
        "1000",
    ]
    return argv + (["--dask", dask] if dask else ["--workers", str(workers)])


def run_scan(
    url: str, node_pid: int, workers: int, expected: int, dask: str | None = None
) -> tuple[Measured, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        db, out = Path(tmp) / "f.db", Path(tmp) / "r.json"
        m = measure(scan_argv(url, db, out, workers, dask), node_pid, db)
        full = json.loads(out.read_text())["results"][0]["full"]
    m.docs = full["docs"]
    assert m.docs == expected, (m.docs, expected)
    return m, full


def run_detect(path: Path, node_pid: int, workers: int, expected: int) -> Measured:
    m = measure(
        [sys.executable, "-c", CLI, "detect", str(path), "--workers", str(workers)], node_pid
    )
    m.docs = expected
    return m


def bare_rate(url: str, indices: list[str], node_pid: int) -> tuple[float, float, float]:
    """The bare sliced PIT reader (``full_scan.bare_reader``): docs/s, its CPU and the node's
    per document."""
    sys.path.insert(0, str(Path(__file__).parent))
    from full_scan import bare_reader

    node0 = sum(cpu_seconds(node_pid))
    cpu0, t0 = time.process_time(), time.perf_counter()
    docs, _ = asyncio.run(bare_reader(url, indices, 2, 1000))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return docs / seconds, cpu / docs, (sum(cpu_seconds(node_pid)) - node0) / docs


def settle(url: str) -> None:
    """Wait until the node has no merge running (a fresh seed keeps it busy for a while)."""
    for _ in range(600):
        stats = httpx.get(f"{url}/_nodes/stats/indices/merge", timeout=30, trust_env=False)
        if not any(n["indices"]["merges"]["current"] for n in stats.json()["nodes"].values()):
            return
        time.sleep(0.5)


def mib(kib: int) -> str:
    return f"{kib / 1024:,.0f}"


def us(seconds: float, docs: int) -> str:
    return f"{seconds / docs * 1e6:,.1f}"


def line(label: str, m: Measured, extra: str = "") -> None:
    print(
        f"  {label:<34}{m.docs / m.seconds:>9,.0f} docs/s  cpu us/doc: own "
        f"{us(m.own_cpu, m.docs)}, workers {us(m.children_cpu, m.docs)}, "
        f"node {us(m.node_cpu, m.docs)}{extra}"
    )


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "lh-speed-lab")
    parser.add_argument("--small-dir", type=Path, help="a second lab, for the memory figures")
    parser.add_argument("--small-records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="detect/scan pairs per K")
    parser.add_argument("--workers", default="1,2", help="K values (default 1,2)")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument(
        "--shards",
        type=int,
        default=10,
        help="shards of the projected 250M-record store (default 10)",
    )
    args = parser.parse_args()
    ks = [int(k) for k in args.workers.split(",")]
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load {loadavg()}")
    with search_node(args.dir, args.records) as (url, node, truth):
        indices = sorted(n for n in truth.indices if n.startswith("support-cases-"))
        expected = sum(truth.indices[n].documents for n in indices)
        settle(url)
        export = args.dir / f"support-cases-{args.records}.jsonl"
        if not export.exists():
            tmp = export.with_suffix(".part")
            assert export_jsonl(url, indices, tmp) == expected
            tmp.rename(export)
        print(
            f"documents: {expected:,} in {len(indices)} indices, "
            f"{export.stat().st_size / expected:,.0f} bytes each as JSON lines; seeded people "
            f"{truth.distinct_customers:,}"
        )
        print("\n1. overhead: the full scan beside `leakhound detect` on the same documents")
        pairs: dict[int, list[tuple[Measured, Measured]]] = {k: [] for k in ks}
        scans: dict[int, list[Measured]] = {k: [] for k in ks}
        for r in range(args.repeat):
            for k in ks:
                d = run_detect(export, node, k, expected)
                s, full = run_scan(url, node, k, expected)
                pairs[k].append((d, s))
                scans[k].append(s)
                print(f" K={k} (run {r + 1}, load {loadavg()})")
                line(f"leakhound detect --workers {k}", d)
                line(
                    f"scan --depth full --workers {k}",
                    s,
                    f"   ratio {(s.docs / s.seconds) / (d.docs / d.seconds):.2f}x",
                )
                ours = (s.own_cpu + s.children_cpu) / s.docs
                theirs = (d.own_cpu + d.children_cpu) / d.docs
                print(
                    f"  {'CPU per document, scan/detect':<34}{ours / theirs:>9.2f}x "
                    f"without the node, {(ours + s.node_cpu / s.docs) / theirs:.2f}x with it"
                )
        people = full.get("people") or {}
        print(
            f"  the scans counted {people.get('distinct', {}).get('estimate', 0):,} "
            f"distinct people (e-mail addresses), every run the same figures"
        )
        print("\n3. memory and disk (the scans above)")
        for k in ks:
            for s in scans[k]:
                print(
                    f"  --workers {k}: scan process {mib(s.peak_rss)} MiB, workers "
                    f"{', '.join(mib(w) for w in s.worker_rss)} MiB, findings database peak "
                    f"{s.db_peak / 2**20:,.0f} MiB"
                )
        if args.skip_dask:
            return
        print("\n2. scale-out: --dask on a LocalCluster, and the store-side limit")
        bare, bare_cpu, bare_node = bare_rate(url, indices, node)
        print(
            f"  bare sliced PIT reader (one shard at a time): {bare:,.0f} docs/s; CPU us/doc:"
            f" reader {bare_cpu * 1e6:,.1f}, node {bare_node * 1e6:,.1f}"
        )
        import distributed

        dask_runs = {}
        for n in (1, 2):
            with (
                distributed.LocalCluster(
                    n_workers=n,
                    processes=True,
                    threads_per_worker=1,
                    host="127.0.0.1",
                    dashboard_address=None,
                ) as cluster,
                distributed.Client(cluster) as client,
            ):
                pids = list(client.run(os.getpid).values())
                before = sum(sum(cpu_seconds(p)) for p in pids)
                m, _ = run_scan(url, node, 0, expected, dask=cluster.scheduler_address)
                m.children_cpu = sum(sum(cpu_seconds(p)) for p in pids) - before
            dask_runs[n] = m
            line(f"scan --dask, {n} worker(s)", m)
        speedup = (dask_runs[2].docs / dask_runs[2].seconds) / (
            dask_runs[1].docs / dask_runs[1].seconds
        )
        print(f"  2 workers / 1 worker: {speedup:.2f}x")
        project(dask_runs[2], bare, bare_node, args.shards)
    if args.small_dir:
        with search_node(args.small_dir, args.small_records) as (url, small_node, truth):
            settle(url)
            small_expected = sum(
                t.documents for n, t in truth.indices.items() if n.startswith("support-cases-")
            )
            print(f"\n3. memory at {small_expected:,} documents (load {loadavg()})")
            for k in ks:
                s, _ = run_scan(url, small_node, k, small_expected)
                big = scans[k][-1]
                print(
                    f"  --workers {k}: scan process {mib(s.peak_rss)} MiB against "
                    f"{mib(big.peak_rss)} MiB at {big.docs:,} "
                    f"({(big.peak_rss / s.peak_rss - 1) * 100:+.0f}%); workers "
                    f"{', '.join(mib(w) for w in s.worker_rss)} against "
                    f"{', '.join(mib(w) for w in big.worker_rss)} MiB; database peak "
                    f"{s.db_peak / 2**20:,.0f} against {big.db_peak / 2**20:,.0f} MiB"
                )


def project(m: Measured, per_shard: float, node_per_doc: float, shards: int) -> None:
    """Time for 250M records on C cores from the measured CPU per document."""
    workers = m.children_cpu / m.docs  # CPU seconds per document in the workers
    coordinator = m.own_cpu / m.docs  # in the scanning process (one core)
    print(
        f"  projection for {PROJECTED_RECORDS / 1e6:,.0f}M records, from the 2-worker run's "
        f"CPU per document (workers {workers * 1e6:,.1f} us, scanning process "
        f"{coordinator * 1e6:,.1f} us) and the bare reader's {per_shard:,.0f} docs/s a shard "
        f"({shards} shards; the node's CPU on its own machines):"
    )
    for cores in (16, 64, 256):
        cpu = cores / workers
        limits = {
            "workers' CPU": cpu,
            "scanning process": 1 / coordinator,
            f"store ({shards} shards)": shards * per_shard,
        }
        binding = min(limits, key=lambda k: limits[k])
        rate = limits[binding]
        hours = PROJECTED_RECORDS / rate / 3600
        print(
            f"  {cores:>5} cores: {rate:>10,.0f} docs/s, {hours:6.2f} h; bound by the "
            f"{binding} (the cores alone: {cpu:,.0f} docs/s, which {cpu / per_shard:,.0f} "
            f"shards keep up with; the node then needs {cpu * node_per_doc:,.0f} cores)"
        )


if __name__ == "__main__":
    main()
