"""The watch's record (store/watch.py): what one round's commit costs on a watch database
with a long history (counted in SQLite's own steps, not timed)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from leakhound.store import SqliteStore
from leakhound.store.watch import AlertRow, IssueChange, WatchLog

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "f.db") as s:
        yield s


def _history(log: WatchLog, alerts: int) -> None:
    """Alerts a long-running watch raised and delivered, about other stores."""
    with log._tx() as db:
        for i in range(alerts):
            db.execute(
                """INSERT INTO watch_alerts VALUES
                   (?, 'default', NULL, 'resolved', 'info', ?, 'scan', ?, '{}')""",
                (f"h{i}", f"10.1.{i // 250}.{i % 250}:9200", T0.isoformat()),
            )
            db.execute(
                "INSERT INTO watch_deliveries VALUES (?, 'r', 'delivered', 1, NULL, NULL, ?)",
                (f"h{i}", T0.isoformat()),
            )


def _steps(log: WatchLog, db: sqlite3.Connection, prefix: str, stores: int) -> int:
    """SQLite's steps (in thousands) to commit a round opening ``stores`` stores."""
    keys = [f"exposed:{prefix}{n}.example:9200" for n in range(stores)]
    changes = [IssueChange("open", k, "exposed", k.split(":", 1)[1], {}) for k in keys]
    rows = [
        AlertRow(f"{prefix}{n}", k, "opened", "critical", k.split(":", 1)[1], "s", "t", {})
        for n, k in enumerate(keys)
    ]
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    number = log.begin_round("scan", T0)
    db.set_progress_handler(tick, 1000)
    try:
        log.commit(number, "scan", T0, changes, rows, ["r"], {}, ends="resolved")
    finally:
        db.set_progress_handler(None, 0)
    return counted[0]


def test_a_rounds_commit_reads_the_history_once_not_once_per_alert(store: SqliteStore) -> None:
    # Held alerts brought forward and held "resolved" superseded: per round, not per alert
    # or per issue opened, or a large estate's round on an old watch database holds the
    # event loop (and the dispatcher) for seconds.
    log = WatchLog(store, "default")
    _history(log, 3000)
    one = _steps(log, store._db, "a", 1)
    many = _steps(log, store._db, "b", 40)
    assert many < 3 * one + 40  # 40 times the stores, not 40 times the history read
