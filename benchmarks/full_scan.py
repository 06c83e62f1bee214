"""How fast ``scan --depth full`` reads and counts, beside the limit and beside elasticdump.

Seeds N support cases (default 100,000) into a lab, then reads every support-cases-* document:
(a) a bare sliced point-in-time reader that only counts bytes (no detection: the read limit)
    and, when ``npx elasticdump`` installs from npm, elasticdump's export to /dev/null;
(b) leakhound's full scan with detection, in a subprocess (peak RSS and the findings
    database's peak size measured).
Prints documents/s side by side with the ratio, and leakhound's peak RSS. ``--scan-only`` runs
(b) alone: for the RSS figures, without the minutes the peers take.

Run: .venv/bin/python benchmarks/full_scan.py [--records 1000000] [--dir PATH] [--workers 2]
     [--scan-only] [--fold-bytes N]
(loopback only: the lab listens on 127.0.0.1.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from leakhound.lab.testing import lab_session

PATTERN = "support-cases-*"


async def bare_reader(url: str, indices: list[str], slices: int, size: int) -> tuple[int, int]:
    """Sliced PIT + search_after over every index, counting documents and bytes only."""
    docs = nbytes = 0
    async with httpx.AsyncClient(base_url=url, timeout=60, trust_env=False) as http:
        for index in indices:
            pit = (
                await http.post(f"/{index}/_search/point_in_time", params={"keep_alive": "2m"})
            ).json()["pit_id"]
            try:
                probe = (
                    await http.post(
                        "/_search", json={"size": 0, "pit": {"id": pit, "keep_alive": "2m"}}
                    )
                ).json()
                shards = probe["_shards"]["total"]
                n = -(-slices // shards) * shards

                async def one(slice_id: int, n: int = n, pit: str = pit) -> tuple[int, int]:
                    got = size_ = 0
                    after = None
                    while True:
                        query = {
                            "size": size,
                            "sort": ["_doc"],
                            "pit": {"id": pit, "keep_alive": "2m"},
                        }
                        if n > 1:
                            query["slice"] = {"id": slice_id, "max": n}
                        if after is not None:
                            query["search_after"] = after
                        resp = await http.post("/_search", json=query)
                        size_ += len(resp.content)
                        hits = orjson.loads(resp.content)["hits"]["hits"]
                        if not hits:
                            return got, size_
                        got += len(hits)
                        after = hits[-1]["sort"]

                for d, b in await asyncio.gather(*(one(i) for i in range(n))):
                    docs += d
                    nbytes += b
            finally:
                await http.request("DELETE", "/_search/point_in_time", json={"pit_id": [pit]})
    return docs, nbytes


def elasticdump(url: str, docs: int, limit: int) -> float | None:
    """elasticdump's export rate (documents/s), or None when npx cannot install it."""
    npx = shutil.which("npx")
    if not npx:
        return None
    try:  # install once (not timed)
        subprocess.run(
            [npx, "--yes", "elasticdump", "--version"], check=True, timeout=300, capture_output=True
        )
    except (subprocess.SubprocessError, OSError):
        return None
    t0 = time.perf_counter()
    done = subprocess.run(
        [
            npx,
            "--yes",
            "elasticdump",
            f"--input={url}/{PATTERN}",
            "--output=$",
            f"--limit={limit}",
            "--type=data",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=3600,
    )
    seconds = time.perf_counter() - t0
    return docs / seconds if done.returncode == 0 else None


def _rss_kib(pid: int, field: str = "VmRSS") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def leakhound(
    url: str, workers: int, slices: int, batch: int, fold_bytes: int | None = None
) -> tuple[float, int, int, int, int, dict]:
    """(seconds, documents, peak RSS KiB of the scan process, of the whole tree, peak bytes
    of the findings database, totals).

    The scan process's peak is the kernel's high-water mark (VmHWM), read from /proc every
    0.2 s, so a spike between two reads counts too; the tree's is the largest sum of VmRSS
    seen (ru_maxrss would inherit this benchmark's own peak across fork+exec). The
    database's is the largest size of its file and write-ahead log seen at those reads.
    ``fold_bytes`` sets ``leakhound.scanner.checkpoints.FOLD_BYTES`` in the scan process.
    """
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "f.db"
        code = "import sys; from leakhound.cli import main; sys.exit(main(sys.argv[1:]))"
        if fold_bytes is not None:
            code = f"import leakhound.scanner.checkpoints as f; f.FOLD_BYTES = {fold_bytes}\n{code}"
        argv = [
            sys.executable,
            "-c",
            code,
            "scan",
            url,
            "--depth",
            "full",
            "--index",
            PATTERN,
            "--workers",
            str(workers),
            "--slices",
            str(slices),
            "--batch",
            str(batch),
            "--db",
            str(db),
            "--format",
            "json",
            "--output",
            str(Path(tmp) / "r.json"),
            "--no-progress",
        ]
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv)
        main_peak = tree_peak = db_peak = 0
        while proc.poll() is None:
            own = _rss_kib(proc.pid)
            main_peak = max(main_peak, own, _rss_kib(proc.pid, "VmHWM"))
            tree_peak = max(tree_peak, own + sum(_rss_kib(c) for c in _children(proc.pid)))
            db_peak = max(db_peak, sum(_size(Path(f"{db}{end}")) for end in ("", "-wal")))
            time.sleep(0.2)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            sys.exit(f"leakhound scan failed with status {proc.returncode}")
        result = json.loads((Path(tmp) / "r.json").read_text())["results"][0]
    return seconds, result["full"]["docs"], main_peak, tree_peak, db_peak, result["full"]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def settle(url: str) -> None:
    """Wait until the node has no merge running (a fresh seed keeps it busy for a while)."""
    for _ in range(600):
        stats = httpx.get(f"{url}/_nodes/stats/indices/merge", timeout=30, trust_env=False)
        nodes = stats.json()["nodes"].values()
        if not any(n["indices"]["merges"]["current"] for n in nodes):
            return
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(
            os.environ.get("LEAKHOUND_BENCH_LAB_DIR", Path(tempfile.gettempdir()) / "lh-bench-lab")
        ),
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--slices", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--no-elasticdump", action="store_true")
    parser.add_argument(
        "--scan-only",
        action="store_true",
        help="leakhound's scan alone: no bare reader, no elasticdump",
    )
    parser.add_argument(
        "--fold-bytes",
        type=int,
        metavar="N",
        help="leakhound.scanner.checkpoints.FOLD_BYTES for the scan (default: leakhound's own; "
        "a huge number: never fold a slice's checkpoints)",
    )
    args = parser.parse_args()
    with lab_session(args.dir, records=args.records) as (status, truth):
        url = status.url("open")
        indices = sorted(n for n in truth.indices if n.startswith("support-cases-"))
        expected = sum(truth.indices[n].documents for n in indices)
        settle(url)
        bare = nbytes = None
        if not args.scan_only:
            t0 = time.perf_counter()
            docs, nbytes = asyncio.run(bare_reader(url, indices, args.slices, args.batch))
            bare = time.perf_counter() - t0
            assert docs == expected, (docs, expected)
        ours, read, rss, tree, db_peak, totals = leakhound(
            url, args.workers, args.slices, args.batch, args.fold_bytes
        )
        assert read == expected, (read, expected)
        skip_dump = args.no_elasticdump or args.scan_only
        dump = None if skip_dump else elasticdump(url, expected, args.batch)
    people = totals["people"]["distinct"] if totals.get("people") else {}
    answers = f" ({nbytes / 2**20:,.0f} MiB of search answers)" if nbytes is not None else ""
    print(
        f"documents: {expected:,} in {len(indices)} indices{answers}; distinct people "
        f"{people.get('estimate', 0):,} ({'exact' if people.get('exact') else 'estimated'}; "
        f"seeded {truth.distinct_customers:,})"
    )
    rate = expected / ours
    if bare is None:
        print(f"{'leakhound full scan + detection':<40}{rate:>10,.0f} docs/s")
    else:
        print(f"{'bare sliced PIT reader (bytes only)':<40}{expected / bare:>10,.0f} docs/s")
        if dump is not None:
            print(f"{'elasticdump export (no detection)':<40}{dump:>10,.0f} docs/s")
        elif not skip_dump:
            print(f"{'elasticdump export':<40}{'n/a (npx elasticdump unavailable)':>10}")
        print(
            f"{'leakhound full scan + detection':<40}{rate:>10,.0f} docs/s   "
            f"{rate / (expected / bare):.2f}x the bare reader"
            + (f", {rate / dump:.2f}x elasticdump" if dump else "")
        )
    print(
        f"leakhound peak RSS: scan process {rss / 1024:,.0f} MiB, with its workers "
        f"{tree / 1024:,.0f} MiB; workers {args.workers}, "
        f"slices {args.slices}, batch {args.batch}"
    )
    print(f"findings database peak {db_peak / 2**20:,.0f} MiB (file and write-ahead log)")


if __name__ == "__main__":
    main()
