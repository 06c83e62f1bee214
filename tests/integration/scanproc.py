"""What the full-read integration tests share: a scan in a child process stopped part-way,
and waiting for a node's counters to settle."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

SRC = str(Path(__file__).parents[2] / "src")
# leakhound's command line in a child process, Ctrl-C raising KeyboardInterrupt as at a
# terminal: a shell that starts a job in the background without job control (`cmd &` in a
# script, as a CI runner may) starts it with SIGINT ignored, and the child would inherit that.
CLI = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "import sys; from leakhound.cli import main; sys.exit(main(sys.argv[1:]))"
)


def spawn(argv: list[str], prelude: str = "") -> subprocess.Popen[bytes]:
    """``leakhound ARGV`` in a child process, stderr kept for failure messages; ``prelude``
    is Python run first (a module constant set for the test)."""
    env = {**os.environ, "PYTHONPATH": SRC}
    code = f"{prelude}\n{CLI}"
    return subprocess.Popen(
        [sys.executable, "-c", code, *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def counted(db: Path) -> tuple[str | None, int]:
    """(scan id, documents checkpointed so far) as another process sees the database."""
    if not db.exists():
        return None, 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            row = conn.execute("SELECT scan_id FROM scans").fetchone()
            docs = conn.execute("SELECT COALESCE(SUM(docs), 0) FROM full_partitions").fetchone()[0]
    except sqlite3.OperationalError:  # not migrated yet
        return None, 0
    return (row[0] if row else None), docs


def unfinished_contexts(conn: sqlite3.Connection) -> set[str]:
    """The point-in-time ids the unfinished partitions of a killed scan hold: their plan's, and
    the newer ones their positions carry."""
    rows = conn.execute(
        """SELECT json_extract(plan, '$.state.pit') FROM full_partitions WHERE done=0
           UNION SELECT json_extract(position, '$.context') FROM full_partitions
           WHERE done=0"""
    ).fetchall()
    return {r[0] for r in rows if r[0]}


def run_until(
    db: Path, argv: list[str], docs: int, prelude: str = ""
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the scan and return once ``docs`` documents are checkpointed in ``db``."""
    proc = spawn(argv, prelude)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        scan_id, so_far = counted(db)
        if scan_id and so_far >= docs:
            return proc, scan_id
        if proc.poll() is not None:
            assert proc.stderr is not None
            pytest.fail(f"the scan ended before {docs} documents: {proc.stderr.read()!r}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the scan did not get far enough in time")


def eventually(check: Callable[[], bool], seconds: float = 15.0) -> bool:
    """True once ``check()`` is; False if it is not within ``seconds``.

    A node decrements its open-context counters just after answering the release.
    """
    deadline = time.monotonic() + seconds
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
