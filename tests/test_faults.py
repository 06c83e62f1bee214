"""Faults around a scan: kill -9, a full disk, a database locked by another process."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from leakhound.cli import main

PY = sys.executable


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield int(s.getsockname()[1])


def _results(db: Path) -> int:
    try:
        with sqlite3.connect(db) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])
    except sqlite3.OperationalError:  # the scan has created the file, not its tables yet
        return 0


def test_kill_9_mid_scan_keeps_what_was_recorded(silent_port: int, tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    # 14 hosts x Elasticsearch's 2 closed ports finish at once; the silent one keeps the scan
    # running.
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "leakhound",
            "scan",
            "127.0.8.0/28",
            f"127.0.0.1:{silent_port}",
            "--kinds",
            "elasticsearch",
            "--read-timeout",
            "60",
            "--timeout",
            "60",
            "--db",
            str(db),
            "--format",
            "jsonl",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if db.exists() and _results(db) >= 28:
            break
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        status = conn.execute("SELECT status FROM scans").fetchone()[0]
    assert status == "running"  # it never finished: the record says so
    assert _results(db) == 28
    # the database stays usable
    assert main(["scan", "127.0.9.1:9", "--db", str(db), "--format", "jsonl"]) == 0


def test_full_disk_gives_one_line_and_exit_3(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"  # EFBIG instead of a kill
        "resource.setrlimit(resource.RLIMIT_FSIZE, (40000, 40000))\n"
        "from leakhound.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    done = subprocess.run(
        [PY, "-c", script, "scan", "127.0.10.0/26", "--db", str(db), "--format", "jsonl"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3
    assert done.stderr.startswith("leakhound: error: findings database")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _hold_lock(db: Path, seconds: float) -> subprocess.Popen[bytes]:
    code = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "c.execute('COMMIT')\n"
    )
    proc = subprocess.Popen([PY, "-c", code, str(db), str(seconds)], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"locked\n"
    return proc


def test_database_briefly_locked_by_another_process_is_waited_for(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    assert main(["scans", "--db", str(db)]) == 0  # create it
    holder = _hold_lock(db, 2)
    try:
        assert main(["scan", "127.0.11.1:9", "--db", str(db), "--format", "jsonl"]) == 0
    finally:
        holder.wait(30)
    assert _results(db) == 1


def test_database_locked_for_long_gives_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    assert main(["scans", "--db", str(db)]) == 0
    holder = _hold_lock(db, 30)
    try:
        assert main(["scan", "127.0.12.1:9", "--db", str(db), "--format", "jsonl"]) == 3
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert "locked" in err and err.count("\n") == 1


def test_target_going_down_mid_scan_keeps_what_was_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cluster that answers the root and the listing, then stops listening (a restart)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    root = {
        "name": "n",
        "cluster_name": "restarting",
        "tagline": "You Know, for Search",
        "version": {"number": "7.17.0", "lucene_version": "8.11.1"},
    }
    listing = [
        {
            "index": f"cases-{i}",
            "health": "green",
            "status": "open",
            "docs.count": "10",
            "store.size": "1000",
        }
        for i in range(5)
    ]
    served: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            served.append(path)
            body = root if path == "/" else listing if path == "/_cat/indices" else {"hits": {}}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            if path == "/_cat/indices" and served.count(path) >= 2:
                # inventory listing served: go down before the per-index requests
                threading.Thread(target=server.shutdown).start()
                self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        rc = main(
            [
                "scan",
                f"127.0.0.1:{port}",
                "--db",
                str(tmp_path / "f.db"),
                "--format",
                "json",
                "--connect-timeout",
                "1",
                "--read-timeout",
                "2",
            ]
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
    out = capsys.readouterr()
    assert rc == 0 and "Traceback" not in out.err
    result = json.loads(out.out)["results"][0]
    assert result["service"]["verdict"] == "open"
    names = sorted(ir["index"]["name"] for ir in result["indices"])
    assert names == [f"cases-{i}" for i in range(5)]  # the listing survived the outage
    for ir in result["indices"]:
        assert ir["index"]["docs"] == 10 and ir["index"]["docs_exact"] is False
        assert ir["index"]["error"]  # each failed request is named, in one line
        assert "\n" not in ir["index"]["error"]


def test_a_killed_sample_scan_resumes_with_the_endpoints_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    # 6 hosts x Elasticsearch's 2 closed ports, and the silent one.
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "leakhound",
            "scan",
            "127.0.13.0/29",
            f"127.0.0.1:{port}",
            "--kinds",
            "elasticsearch",
            "--read-timeout",
            "60",
            "--timeout",
            "60",
            "--db",
            str(db),
            "--format",
            "jsonl",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (db.exists() and _results(db) >= 12):
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    silent.close()  # the silent server is gone by the time the scan resumes
    with sqlite3.connect(db) as conn:
        scan_id = conn.execute("SELECT scan_id FROM scans").fetchone()[0]
    assert _results(db) == 12
    capsys.readouterr()
    assert main(["scan", "--resume", scan_id, "--db", str(db), "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    verdicts = [json.loads(line)["result"]["service"]["verdict"] for line in lines[:-1]]
    assert len(verdicts) == 13 and set(verdicts) == {"closed"}  # 12 kept + the one left
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM scans").fetchone()[0] == "done"
    assert main(["scan", "--resume", scan_id, "127.0.0.1:9", "--db", str(db)]) == 2
