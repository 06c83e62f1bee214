"""A running ``leakhound watch`` process under faults: a webhook that keeps failing, a full
disk, SIGTERM in the middle of a round. It goes on (or stops cleanly) and loses nothing it
recorded."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .receivers import http_receiver
from .toy_store import RAW_EMAIL, ToyStore, toy_store

PY = sys.executable
SECRET = "fault-s3cret"


@pytest.fixture
def toy() -> Iterator[ToyStore]:
    with toy_store() as s:
        yield s


def _spawn(argv: list[str], err: Path, *, fsize: int | None = None) -> subprocess.Popen[bytes]:
    prelude = ""
    if fsize:  # a full disk: EFBIG past this many bytes a file, instead of a kill
        prelude = (
            "import resource, signal\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({fsize}, {fsize}))\n"
        )
    code = prelude + "import sys\nfrom leakhound.cli import main\nsys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "LEAKHOUND_WEBHOOK_SECRET": SECRET}
    with err.open("wb") as out:
        return subprocess.Popen(
            [PY, "-c", code, "watch", *argv], env=env, stdout=subprocess.DEVNULL, stderr=out
        )


def _wait(
    check: Callable[[], bool], proc: subprocess.Popen[bytes], err: Path, seconds: float = 90
) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if proc.poll() is not None:
            pytest.fail(f"the watch exited {proc.returncode}: {err.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out; stderr: {err.read_text()[-2000:]}")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    try:
        with sqlite3.connect(db, timeout=10) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not created or not migrated yet
        return []


def _clean(err: Path) -> list[str]:
    lines = err.read_text().splitlines()
    assert "Traceback" not in err.read_text()
    assert all(line.startswith(("leakhound watch: ", "leakhound: ")) for line in lines), lines
    return lines


def test_a_failing_webhook_is_retried_given_up_and_never_stops_the_watch(
    toy: ToyStore, tmp_path: Path
) -> None:
    db, err, config = tmp_path / "f.db", tmp_path / "err.txt", tmp_path / "watch.yaml"
    config.write_text("retry: {first: 0.2s, attempts: 4}\n")
    with http_receiver(fail_with=[500] * 100) as bad, http_receiver() as good:
        proc = _spawn(
            [
                toy.target,
                "--every",
                "1s",
                "--jitter",
                "0s",
                "--db",
                str(db),
                "--config",
                str(config),
                "--alert",
                bad.url("/bad"),
                "--alert",
                good.url("/good"),
            ],
            err,
        )
        _wait(
            lambda: (
                len(bad.requests) >= 4
                and len(_rows(db, "SELECT 1 FROM watch_rounds WHERE evaluated=1")) >= 6
            ),
            proc,
            err,
        )
        assert _stop(proc) == 0
    assert len(good.requests) == 1  # the store opened once: one alert, six rounds on
    assert len(bad.requests) == 4  # tried 4 times, then given up
    rows = _rows(
        db, "SELECT route, status, attempts, last_error FROM watch_deliveries ORDER BY route"
    )
    assert sorted((s, a, e or "") for _r, s, a, e in rows) == [
        ("delivered", 1, ""),
        ("failed", 4, "HTTP 500 from the receiver"),
    ]
    assert all("/bad" not in r and "/good" not in r for r, *_ in rows)  # no path recorded
    lines = _clean(err)
    assert sum("attempt" in line and "failed: HTTP 500" in line for line in lines) == 3
    assert any("given up after 4 attempts" in line for line in lines)


def test_a_full_disk_fails_rounds_in_one_line_each_and_loses_nothing_recorded(
    toy: ToyStore, tmp_path: Path
) -> None:
    db, err = tmp_path / "f.db", tmp_path / "err.txt"
    with http_receiver() as hook:
        # one transaction a result: a few rounds of three endpoints fill 400 kB of WAL
        proc = _spawn(
            [
                toy.target,
                "127.0.42.1:9",
                "127.0.42.2:9",
                "--every",
                "1s",
                "--jitter",
                "0s",
                "--db",
                str(db),
                "--alert",
                hook.url(),
            ],
            err,
            fsize=400_000,
        )
        _wait(lambda: err.read_text().count("failed, the watch goes on") >= 3, proc, err)
        assert proc.poll() is None  # still watching
        assert _stop(proc) == 0
    lines = _clean(err)
    assert any("disk I/O error" in line or "disk is full" in line for line in lines)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        evaluated = conn.execute(
            "SELECT round, scan_id FROM watch_rounds WHERE evaluated=1"
        ).fetchall()
        alerts = conn.execute("SELECT event, scan_id FROM watch_alerts").fetchall()
        delivered = conn.execute("SELECT status FROM watch_deliveries").fetchall()
        scans = {r[0] for r in conn.execute("SELECT scan_id FROM scans")}
    # every round the watch said it evaluated is in the database, with its scan
    said = [line for line in lines if " exposed; " in line]
    assert len(evaluated) == len(said) >= 1
    assert {s for _n, s in evaluated} <= scans
    assert alerts == [("opened", evaluated[0][1])]
    # The alert reached the hook once. Its status is "delivered", or still "pending" where the
    # disk filled between the delivery and the write of its status (a busy machine): then a
    # later watch delivers it again, at least once, never lost.
    assert delivered in ([("delivered",)], [("pending",)])
    assert len(hook.requests) == 1


def test_sigterm_mid_round_checkpoints_it_and_the_next_start_resumes_it(
    toy: ToyStore, tmp_path: Path
) -> None:
    db, err = tmp_path / "f.db", tmp_path / "err.txt"
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts, never answers: the round cannot end
    port = silent.getsockname()[1]
    argv = [
        toy.target,
        f"127.0.0.1:{port}",
        "--every",
        "1h",
        "--jitter",
        "0s",
        "--db",
        str(db),
        "--read-timeout",
        "60",
        "--timeout",
        "60",
        "--grace",
        "1",
    ]
    with http_receiver() as hook:
        argv += ["--alert", hook.url()]
        proc = _spawn(argv, err)
        # the toy store's result is recorded, the silent one keeps the round going
        _wait(lambda: len(_rows(db, "SELECT 1 FROM results")) == 1, proc, err)
        began = time.monotonic()
        assert _stop(proc) == 0
        assert time.monotonic() - began < 15
        [(status, evaluated, scan_id)] = _rows(
            db, "SELECT status, evaluated, scan_id FROM watch_rounds"
        )
        assert (status, evaluated) == ("interrupted", 0)
        assert _rows(db, "SELECT status FROM scans") == [("interrupted",)]
        assert hook.requests == []  # not evaluated yet: nothing said
        lines = _clean(err)
        assert any("has 1 s to finish" in line for line in lines)
        assert any("resumes at the next start" in line for line in lines)

        silent.close()  # gone by the next start
        once = subprocess.run(
            [PY, "-m", "leakhound", "watch", *argv, "--once"],
            env={**os.environ, "LEAKHOUND_WEBHOOK_SECRET": SECRET},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert once.returncode == 0, once.stderr
    assert f"resuming round 1 (scan {scan_id})" in once.stderr
    assert _rows(db, "SELECT round, status, evaluated, scan_id FROM watch_rounds") == [
        (1, "done", 1, scan_id)
    ]  # the same round and scan, finished: no second round
    assert _rows(db, "SELECT COUNT(*) FROM results") == [(2,)]
    [req] = hook.requests
    assert f'"scan_id":"{scan_id}"' in req.body.decode() and RAW_EMAIL not in req.body.decode()


def test_sigterm_lets_a_round_finish_within_its_grace(toy: ToyStore, tmp_path: Path) -> None:
    db, err = tmp_path / "f.db", tmp_path / "err.txt"
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        with http_receiver() as hook:
            proc = _spawn(
                [
                    toy.target,
                    f"127.0.0.1:{silent.getsockname()[1]}",
                    "--every",
                    "1h",
                    "--jitter",
                    "0s",
                    "--db",
                    str(db),
                    # The silent endpoint holds the round open for a few seconds of these
                    # deadlines (a connect, a read and a whole request each, for every kind
                    # asked in turn): past the SIGTERM, well inside the grace.
                    "--connect-timeout",
                    "2",
                    "--read-timeout",
                    "2",
                    "--timeout",
                    "2",
                    "--grace",
                    "30",
                    "--alert",
                    hook.url(),
                ],
                err,
            )
            _wait(lambda: len(_rows(db, "SELECT 1 FROM results")) == 1, proc, err)
            assert _stop(proc) == 0
            got = len(hook.requests)
    finally:
        silent.close()
    # SIGTERM came while the round was under way, which then finished within its grace
    assert any("the round under way has 30 s to finish" in line for line in _clean(err))
    assert _rows(db, "SELECT status, evaluated FROM watch_rounds") == [("done", 1)]
    assert got == 1  # delivered before the process ended
    assert _rows(db, "SELECT status FROM watch_deliveries") == [("delivered",)]
