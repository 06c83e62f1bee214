"""The access-log investigation stored with a scan (``leakhound investigate --scan``): its
table (migration 6, after the watch's 5), round trip, replacement and purge."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest

from leakhound.errors import UsageError
from leakhound.store import SqliteStore
from leakhound.store.migrations import MIGRATIONS, SCHEMA_VERSION


def _version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


@pytest.mark.parametrize("version", [4, 5])
def test_an_older_database_gains_the_investigations_table(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.db"
    with sqlite3.connect(path) as db:
        for n in range(1, version + 1):
            db.executescript(MIGRATIONS[n] + ";")
        db.execute(f"PRAGMA user_version={version}")
        db.execute("INSERT INTO scans VALUES ('s', 't', 't', 'done', '[]', '{}', '0')")
    assert SCHEMA_VERSION == 10  # 8: people across stores; 9: their identifiers; 10: rekeyed
    with SqliteStore(path) as store:
        assert store.load_investigation("s") is None
        store.save_investigation("s", orjson.dumps({"scan_id": "s", "sources": []}).decode())
        assert store.load_investigation("s") == {"scan_id": "s", "sources": []}
    assert _version(path) == SCHEMA_VERSION
    with SqliteStore(path) as store:  # opened again: nothing left to migrate
        assert store.load_investigation("last") == {"scan_id": "s", "sources": []}


def test_an_investigation_is_replaced_and_goes_with_its_scan(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        first = store.begin_scan(["x"], {})
        store.finish_scan(first)
        other = store.begin_scan(["y"], {})
        store.finish_scan(other)
        store.save_investigation(first, '{"run": 1}')
        store.save_investigation(first, '{"run": 2}')
        assert store.load_investigation(first) == {"run": 2}
        assert store.load_investigation(other) is None
        with pytest.raises(UsageError):
            store.save_investigation("no-such-scan", "{}")
        store.purge(first)
        assert store._db.execute("SELECT count(*) FROM investigations").fetchone()[0] == 0
