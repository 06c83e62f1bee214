"""Time to alert: from the moment a store starts answering without credentials to the alert
arriving at a local webhook receiver, for ``leakhound watch --every 1m`` over 256 targets on
loopback (the lab's OpenSearch node open, behind nginx secured and partial, and closed ports
of other loopback addresses). Also the round time over a /24 × the default ports.

    .venv/bin/python benchmarks/watch_time_to_alert.py [--every 60] [--trials 4] [--dir LAB]

The lab's ``secured`` target is opened (nginx's basic auth taken away and nginx reloaded) at
a random moment of the cadence, the alert awaited, the target closed and its resolution
awaited, ``--trials`` times. Goal: worst case within one interval plus the round time; a
round over a /24 × the default ports in under 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from leakhound import lab

PY = sys.executable
SECRET = "bench-s3cret"


class Receiver:
    """A webhook receiver that notes when each alert arrives (monotonic seconds)."""

    def __init__(self) -> None:
        self.arrived: list[tuple[float, dict[str, object]]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                at = time.monotonic()
                with receiver.lock:
                    receiver.arrived.append((at, json.loads(body)["alert"]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, endpoint: str, event: str, after: float, timeout: float) -> float:
        """When the first ``event`` alert about ``endpoint`` after ``after`` arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for at, alert in self.arrived:
                    if at >= after and alert["endpoint"] == endpoint and alert["event"] == event:
                        return at
            time.sleep(0.01)
        raise SystemExit(f"no {event} alert for {endpoint} within {timeout:.0f} s")


def targets(status: lab.LabStatus, count: int) -> list[str]:
    """The lab's three OpenSearch endpoints, then closed ports on other loopback addresses."""
    out = [status.url("open"), status.url("secured"), status.url("partial")]
    host = 0
    while len(out) < count:
        out.append(f"127.0.{70 + host // 250}.{1 + host % 250}:9")
        host += 1
    return out


def rounds(stderr: Path) -> list[float]:
    """Round times the watch logged."""
    text = stderr.read_text()
    return [float(s) for s in re.findall(r"alert\(s\); ([\d.]+) s", text)]


def time_to_alert(args: argparse.Namespace, status: lab.LabStatus, work: Path) -> None:
    receiver = Receiver()
    secured = status.url("secured")
    endpoint = secured.removeprefix("http://")
    lab.toggle(status.state_dir, "secured", opened=False)
    listed = targets(status, 256)
    stderr = work / "watch.err"
    env = {**os.environ, "LEAKHOUND_WEBHOOK_SECRET": SECRET}
    with stderr.open("wb") as err:
        proc = subprocess.Popen(
            [
                PY,
                "-m",
                "leakhound",
                "watch",
                *listed,
                "--every",
                f"{args.every}s",
                "--jitter",
                "0s",
                "--db",
                str(work / "findings.db"),
                "--alert",
                f"http://127.0.0.1:{receiver.port}/hook",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        # the baseline round: the open and partial endpoints alert, the secured one not
        receiver.wait(status.url("open").removeprefix("http://"), "opened", 0, 300)
        opened, resolved = [], []
        rng = random.Random(args.seed)
        for trial in range(args.trials):
            time.sleep(rng.uniform(0, args.every))
            lab.toggle(status.state_dir, "secured", opened=True)  # returns once it answers 200
            t_open = time.monotonic()
            t_alert = receiver.wait(endpoint, "opened", t_open, 3 * args.every + 120)
            opened.append(t_alert - t_open)
            time.sleep(rng.uniform(0, args.every))
            lab.toggle(status.state_dir, "secured", opened=False)  # returns once it answers 401
            t_close = time.monotonic()
            t_resolved = receiver.wait(endpoint, "resolved", t_close, 3 * args.every + 120)
            resolved.append(t_resolved - t_close)
            print(
                f"trial {trial + 1}: alert after {opened[-1]:.1f} s, resolution after "
                f"{resolved[-1]:.1f} s",
                flush=True,
            )
    finally:
        proc.terminate()
        proc.wait(60)
        lab.toggle(status.state_dir, "secured", opened=False)
    times = rounds(stderr)
    worst_round = max(times)
    print(f"\nwatch --every {args.every:g}s over {len(listed)} targets, {args.trials} trials")
    print(
        f"time to alert:      median {statistics.median(opened):.1f} s, worst {max(opened):.1f} s"
    )
    print(
        f"time to resolution: median {statistics.median(resolved):.1f} s, "
        f"worst {max(resolved):.1f} s"
    )
    print(
        f"round time:         median {statistics.median(times):.2f} s, "
        f"worst {worst_round:.2f} s ({len(times)} rounds)"
    )
    bound = args.every + worst_round
    print(
        f"goal: worst {max(opened):.1f} s <= interval + worst round {bound:.1f} s: "
        f"{'met' if max(opened) <= bound else 'NOT met'}"
    )


def range_round(work: Path) -> None:
    """One round over 127.0.80.0/24 × every kind's default ports (nothing listens there)."""
    began = time.monotonic()
    done = subprocess.run(
        [PY, "-m", "leakhound", "watch", "127.0.80.0/24", "--once", "--db", str(work / "range.db")],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    wall = time.monotonic() - began
    logged = re.search(
        r"round 1 \(scan \S+\): (\d+) endpoint\(s\).*?([\d.]+) s$", done.stderr, re.M
    )
    assert logged, done.stderr
    seconds = float(logged[2])
    print(
        f"/24 × default ports: {logged[1]} endpoints, round {seconds:.2f} s "
        f"(process {wall:.1f} s with start-up); goal < 30 s: "
        f"{'met' if seconds < 30 else 'NOT met'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=float, default=60.0, help="interval, seconds")
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="lab state folder (default: the usual)")
    args = parser.parse_args()
    status = lab.up(args.dir)
    with tempfile.TemporaryDirectory(prefix="leakhound-bench-watch-") as folder:
        work = Path(folder)
        range_round(work)
        time_to_alert(args, status, work)


if __name__ == "__main__":
    main()
