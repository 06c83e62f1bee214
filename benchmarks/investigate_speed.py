"""``leakhound investigate`` beside GoAccess on the same generated nginx combined log, one core
each, in one run: lines/s (CPU and wall) and peak RSS at each size; then the flow and audit
formats beside the floor a naive script sets.

Run: .venv/bin/python benchmarks/investigate_speed.py [--lines 1000000,10000000] [--dir DIR]
Needs goaccess (Debian: apt-get install -y goaccess). Both tools run pinned to the same core
(taskset) when it exists; CPU time is user + system of the child (os.wait4), RSS its peak.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from leakhound.investigate import generate


def measure(cmd: list[str], core: int | None) -> tuple[float, float, float]:
    """(cpu seconds, wall seconds, peak RSS MiB) of one child process."""
    if core is not None and shutil.which("taskset"):
        cmd = ["taskset", "-c", str(core), *cmd]
    start = time.perf_counter()
    # stderr to a file, not a pipe: GoAccess writes progress there and would block on a full
    # pipe that nobody reads until the end.
    with (
        open(os.devnull, "rb") as null_in,
        open(os.devnull, "wb") as null_out,
        tempfile.TemporaryFile() as err_file,
    ):
        proc = subprocess.Popen(cmd, stdin=null_in, stdout=null_out, stderr=err_file)
        _, status, usage = os.wait4(proc.pid, 0)
        err_file.seek(0)
        err = err_file.read()[-2000:].decode(errors="replace")
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[0]} failed: {err[-500:]}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def nginx_log(folder: Path, lines: int) -> Path:
    """The generated log (reused when already written for this size and seed)."""
    path = folder / f"access-{lines}.log"
    if not path.exists():
        with path.open("w", encoding="ascii") as fh:
            generate.write(fh, lines, seed=13, days=7)
    return path


def nsg_log(folder: Path, flows: int) -> Path:
    """An NSG flow log v2 blob of ``flows`` tuples: one record per 1,000 tuples."""
    path = folder / f"nsg-{flows}.json"
    if path.exists():
        return path
    rng = random.Random(5)
    # A public address meets a few thousand scanners; most flows are small, a few carry data.
    pool = [
        f"{rng.choice((45, 91, 185, 203))}.{rng.randrange(256)}.{rng.randrange(256)}.7"
        for _ in range(20_000)
    ]
    with path.open("wb") as fh:
        fh.write(b'{"records":[')
        for r in range(flows // 1000):
            tuples = []
            for _ in range(1000):
                t = 1551744000 + r * 3
                src = rng.choice(pool)
                out = rng.choices((0, 400, 90000, 25_000_000), (40, 50, 9, 1))[0]
                tuples.append(
                    f"{t},{src},10.5.16.4,{rng.randrange(1024, 65535)},9200,T,I,A,E,"
                    f"12,900,{max(1, out // 1400)},{out}"
                )
            rec = {
                "time": "2019-03-05T00:00:00Z",
                "category": "NetworkSecurityGroupFlowEvent",
                "operationName": "NetworkSecurityGroupFlowEvents",
                "properties": {
                    "Version": 2,
                    "flows": [
                        {
                            "rule": "UserRule_ES",
                            "flows": [{"mac": "000D3AF87856", "flowTuples": tuples}],
                        }
                    ],
                },
            }
            fh.write((b"," if r else b"") + orjson.dumps(rec) + b"\n")
        fh.write(b"]}")
    return path


def audit_log(folder: Path, events: int) -> Path:
    """An OpenSearch audit log of ``events`` REST events."""
    path = folder / f"audit-{events}.json"
    if path.exists():
        return path
    rng = random.Random(6)
    paths = ("/customers/_search", "/_cat/indices", "/orders/_doc/7", "/_search/scroll")
    pool = [f"203.0.{rng.randrange(64)}.{rng.randrange(256)}" for _ in range(5_000)]
    with path.open("wb") as fh:
        for i in range(events):
            fh.write(
                orjson.dumps(
                    {
                        "audit_category": "AUTHENTICATED",
                        "audit_request_layer": "REST",
                        "audit_rest_request_method": "GET",
                        "audit_rest_request_path": rng.choice(paths),
                        "audit_rest_request_params": {"size": "20"},
                        "audit_request_remote_address": rng.choice(pool),
                        "audit_request_effective_user": "app",
                        "audit_format_version": 4,
                        "@timestamp": f"2023-06-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:"
                        f"{i % 60:02d}.000+00:00",
                    }
                )
                + b"\n"
            )
    return path


NAIVE_NSG = """
import json, sys, collections
doc = json.load(open(sys.argv[1]))
out = collections.Counter()
for rec in doc["records"]:
    for rule in rec["properties"]["flows"]:
        for f in rule["flows"]:
            for t in f["flowTuples"]:
                p = t.split(",")
                out[p[1]] += int(p[12] or 0)
print(len(out))
"""
NAIVE_AUDIT = """
import orjson, sys, collections
out = collections.Counter()
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        e = orjson.loads(line)
        out[e["audit_request_remote_address"]] += 1
print(len(out))
"""


def leakhound(path: Path, fmt: str, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "leakhound",
        "investigate",
        str(path),
        "--format",
        fmt,
        "--owner",
        generate.OWNER_NET,
        "--format-out",
        "json",
        "--output",
        str(out),
    ]


def row(what: str, n: int, cpu: float, wall: float, rss: float) -> str:
    return (
        f"{what:<34} {n:>11,} {cpu:>8.1f} {wall:>8.1f} {n / cpu:>12,.0f} {n / wall:>12,.0f} "
        f"{rss:>8.0f}"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--lines", default="1000000,10000000")
    p.add_argument("--flows", type=int, default=1_000_000)
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--dir", type=Path, default=Path("/tmp/leakhound-investigate-bench"))
    p.add_argument("--core", type=int, default=1, help="the core both tools are pinned to")
    a = p.parse_args()
    a.dir.mkdir(parents=True, exist_ok=True)
    goaccess = shutil.which("goaccess")
    if goaccess is None:
        raise SystemExit("goaccess is needed (apt-get install -y goaccess)")
    version = subprocess.run([goaccess, "--version"], capture_output=True, text=True).stdout
    print(
        f"leakhound investigate vs {version.splitlines()[0].strip()} — "
        f"{time.strftime('%Y-%m-%d %H:%M')}, load {os.getloadavg()[0]:.2f}, core {a.core}"
    )
    head = (
        f"{'run':<34} {'lines':>11} {'cpu s':>8} {'wall s':>8} {'lines/s cpu':>12} "
        f"{'lines/s wall':>12} {'RSS MiB':>8}"
    )
    print(head)
    for n in (int(x) for x in a.lines.split(",")):
        log = nginx_log(a.dir, n)
        lh = measure(leakhound(log, "nginx", a.dir / "out.json"), a.core)
        ga = measure(
            [
                goaccess,
                str(log),
                "--log-format=COMBINED",
                "--no-global-config",
                "-o",
                str(a.dir / "goaccess.json"),
            ],
            a.core,
        )
        print(row("leakhound investigate (nginx)", n, *lh))
        print(row("goaccess 1.7 --log-format=COMBINED", n, *ga))
        print(
            f"  ratio leakhound/goaccess lines/s: cpu {ga[0] / lh[0]:.2f}x, "
            f"wall {ga[1] / lh[1]:.2f}x; RSS {lh[2]:.0f} vs {ga[2]:.0f} MiB"
        )
    nsg = nsg_log(a.dir, a.flows)
    lh = measure(leakhound(nsg, "azure-nsg", a.dir / "out.json"), a.core)
    naive = measure([sys.executable, "-c", NAIVE_NSG, str(nsg)], a.core)
    print(row("leakhound investigate (azure-nsg)", a.flows, *lh))
    print(row("naive json.load + loop (floor)", a.flows, *naive))
    print(f"  ratio: cpu {naive[0] / lh[0]:.2f}x; RSS {lh[2]:.0f} vs {naive[2]:.0f} MiB")
    audit = audit_log(a.dir, a.events)
    lh = measure(leakhound(audit, "opensearch-audit", a.dir / "out.json"), a.core)
    naive = measure([sys.executable, "-c", NAIVE_AUDIT, str(audit)], a.core)
    print(row("leakhound investigate (audit)", a.events, *lh))
    print(row("orjson per line + count (floor)", a.events, *naive))
    print(f"  ratio: cpu {naive[0] / lh[0]:.2f}x; RSS {lh[2]:.0f} vs {naive[2]:.0f} MiB")


if __name__ == "__main__":
    main()
