"""How fast ``scan --depth full`` reads and counts, beside the limit and beside elasticdump.

Seeds N support cases (default 100,000) into a lab, then reads every support-cases-* document:
(a) a bare sliced point-in-time reader that only counts bytes (no detection: the read limit)
    and, when ``npx elasticdump`` installs from npm, elasticdump's export to /dev/null;
(b) leakhound's full scan with detection, in a subprocess (peak RSS measured).
Prints documents/s side by side with the ratio, and leakhound's peak RSS.

Run: .venv/bin/python benchmarks/full_scan.py [--records 1000000] [--dir PATH] [--workers 2]
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


def leakhound(url: str, workers: int, slices: int, batch: int) -> tuple[float, int, int, dict]:
    """(seconds, documents read, peak RSS KiB of the largest process, totals) of a full scan."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "f.db"
        # The scan measures itself: its own peak and its workers' (the lab's processes and
        # anything else this benchmark ran must not count).
        code = (
            "import resource, sys; from leakhound.cli import main; rc = main(sys.argv[2:]); "
            "open(sys.argv[1], 'w').write(str(max(resource.getrusage(w).ru_maxrss for w in "
            "(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))); sys.exit(rc)"
        )
        rss_file = Path(tmp) / "rss"
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                code,
                str(rss_file),
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
            ],
            check=True,
        )
        seconds = time.perf_counter() - t0
        rss = int(rss_file.read_text())
        result = json.loads((Path(tmp) / "r.json").read_text())["results"][0]
    return seconds, result["full"]["docs"], rss, result["full"]


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
    args = parser.parse_args()
    with lab_session(args.dir, records=args.records) as (status, truth):
        url = status.url("open")
        indices = sorted(n for n in truth.indices if n.startswith("support-cases-"))
        expected = sum(truth.indices[n].documents for n in indices)
        t0 = time.perf_counter()
        docs, nbytes = asyncio.run(bare_reader(url, indices, args.slices, args.batch))
        bare = time.perf_counter() - t0
        assert docs == expected, (docs, expected)
        ours, read, rss, totals = leakhound(url, args.workers, args.slices, args.batch)
        assert read == expected, (read, expected)
        dump = None if args.no_elasticdump else elasticdump(url, expected, args.batch)
    people = totals["people"]["distinct"] if totals.get("people") else {}
    print(
        f"documents: {expected:,} in {len(indices)} indices ({nbytes / 2**20:,.0f} MiB of "
        f"search answers); distinct people {people.get('estimate', 0):,} "
        f"({'exact' if people.get('exact') else 'estimated'}; seeded "
        f"{truth.distinct_customers:,})"
    )
    print(f"{'bare sliced PIT reader (bytes only)':<40}{expected / bare:>10,.0f} docs/s")
    if dump is not None:
        print(f"{'elasticdump export (no detection)':<40}{dump:>10,.0f} docs/s")
    else:
        print(f"{'elasticdump export':<40}{'n/a (npx elasticdump unavailable)':>10}")
    rate = expected / ours
    print(
        f"{'leakhound full scan + detection':<40}{rate:>10,.0f} docs/s   "
        f"{rate / (expected / bare):.2f}x the bare reader"
        + (f", {rate / dump:.2f}x elasticdump" if dump else "")
    )
    print(
        f"leakhound peak RSS (largest process): {rss / 1024:,.0f} MiB; workers {args.workers}, "
        f"slices {args.slices}, batch {args.batch}"
    )


if __name__ == "__main__":
    main()
