"""Results kept before an HTTP store behind a path was keyed with its path (schema 10)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from leakhound.models import (
    Container,
    ContainerResult,
    Distinct,
    Endpoint,
    PeopleAcross,
    PiiField,
    PiiSummary,
    Sample,
    Service,
    TargetResult,
    Verdict,
)
from leakhound.store import SqliteStore

_ENDPOINT_TABLES = ("results", "indices", "pii")


def _result(ep: Endpoint) -> TargetResult:
    svc = Service(ep, ep.url(), "elasticsearch", Verdict.OPEN, "why")
    idx = Container("cases", 10, 2048, False, False)
    pii = PiiSummary("EMAIL_ADDRESS", 3, (PiiField("customer.email", 3),), ("j***@e***.com",), 3)
    return TargetResult(svc, (ContainerResult(idx, Sample(100, 10, (pii,))),))


def _as_before(path: Path, new: str, old: str) -> None:
    """The database as schema 9 left it: the proxied store keyed by its host:port alone,
    and a watch's open issue about it."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys=OFF")
        for table in _ENDPOINT_TABLES:
            db.execute(f"UPDATE {table} SET endpoint=? WHERE endpoint=?", (old, new))
        db.execute(
            "UPDATE results SET store_id=? WHERE store_id=?",
            (f"elasticsearch@{old}", f"elasticsearch@{new}"),
        )
        db.execute(
            "INSERT INTO watch_issues (watch, key, kind, endpoint, opened_at, opened_scan, "
            "reminders, state) VALUES ('default', ?, 'exposed', ?, 't', 's', 0, '{}')",
            (f"exposed:{old}", old),
        )
        db.execute("PRAGMA user_version=9")


def test_a_proxied_stores_results_move_to_the_key_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    proxied = Endpoint("10.0.0.5", 8080, "http", "/es")
    bare = Endpoint("10.0.0.6", 9200)
    with SqliteStore(path) as store:
        scan = store.begin_scan(["x"], {})
        store.record(scan, _result(proxied))
        store.record(scan, _result(bare))
        store.record_people(
            scan,
            [PeopleAcross("EMAIL_ADDRESS", Distinct(5, 5, 5, True), ("10.0.0.5:8080", bare.key))],
        )
        store.finish_scan(scan)
    assert proxied.key == "10.0.0.5:8080/es"
    _as_before(path, proxied.key, "10.0.0.5:8080")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM results WHERE endpoint='10.0.0.5:8080'").fetchone()
    with SqliteStore(path) as store:  # migrated on opening
        keys = sorted(r.service.endpoint.key for r in store.load(scan).results)
        assert keys == ["10.0.0.5:8080/es", "10.0.0.6:9200"]
        assert store.recorded_endpoints(scan) >= {"10.0.0.5:8080/es", "10.0.0.6:9200"}
    with sqlite3.connect(path) as db:
        for table in _ENDPOINT_TABLES:
            got = {e for (e,) in db.execute(f"SELECT endpoint FROM {table}")}
            assert got == {"10.0.0.5:8080/es", "10.0.0.6:9200"}, table
        stores = {s for (s,) in db.execute("SELECT store_id FROM results")}
        assert "elasticsearch@10.0.0.5:8080/es" in stores
        assert db.execute("SELECT key, endpoint FROM watch_issues").fetchall() == [
            ("exposed:10.0.0.5:8080/es", "10.0.0.5:8080/es")
        ]
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    with SqliteStore(path) as store:  # the people counted across both, under the new keys
        (people,) = store.load(scan).people_across
        assert people.endpoints == ("10.0.0.5:8080/es", "10.0.0.6:9200")


def test_a_key_already_moved_is_left_and_the_database_still_opens(tmp_path: Path) -> None:
    """A scan holding the proxied store under both keys (and the watch an open issue under
    each): nothing moves onto a key that is taken; the database opens."""
    path = tmp_path / "f.db"
    proxied = Endpoint("10.0.0.5", 8080, "http", "/es")
    with SqliteStore(path) as store:
        scan = store.begin_scan(["x"], {})
        store.record(scan, _result(proxied))
        store.finish_scan(scan)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys=OFF")
        db.execute(
            "INSERT INTO results SELECT scan_id, '10.0.0.5:8080', url, kind, verdict, reason, "
            "recorded_at, body, 'elasticsearch@10.0.0.5:8080' FROM results"
        )
        for old in ("10.0.0.5:8080", "10.0.0.5:8080/es"):
            db.execute(
                "INSERT INTO watch_issues (watch, key, kind, endpoint, opened_at, opened_scan, "
                "reminders, state) VALUES ('default', ?, 'exposed', ?, 't', 's', 0, '{}')",
                (f"exposed:{old}", old),
            )
        db.execute("PRAGMA user_version=9")
    with SqliteStore(path) as store:
        assert {r.service.endpoint.key for r in store.load(scan).results} == {proxied.key}
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10
        assert sorted(db.execute("SELECT key FROM watch_issues")) == [
            ("exposed:10.0.0.5:8080",),
            ("exposed:10.0.0.5:8080/es",),
        ]
