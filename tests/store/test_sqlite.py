"""The findings database: private file, one row per scan, history across scans, purge."""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from leakhound.errors import StoreError, UsageError
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


def _result(verdict: Verdict, port: int = 9200) -> TargetResult:
    ep = Endpoint("127.0.0.1", port)
    svc = Service(ep, f"http://127.0.0.1:{port}", "elasticsearch", verdict, "why")
    idx = Container("cases", 10, 2048, False, False, details={"health": "green", "status": "open"})
    pii = PiiSummary("EMAIL_ADDRESS", 3, (PiiField("customer.email", 3),), ("j***@e***.com",), 3)
    return TargetResult(svc, (ContainerResult(idx, Sample(100, 10, (pii,))),))


def test_database_file_is_private(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "findings.db"
    with SqliteStore(db) as store:
        store.begin_scan(["127.0.0.1"], {})
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    for extra in db.parent.glob("findings.db-*"):
        assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0


def test_scan_round_trip_keeps_results_and_masks(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["127.0.0.1:9200"], {"sample": 100})
        store.record(scan_id, _result(Verdict.OPEN))
        store.finish_scan(scan_id)
        doc = store.load(scan_id)
    assert doc.scan_id == scan_id and doc.status == "done"
    (r,) = doc.results
    assert r.service.verdict == "open"
    assert r.containers[0].sample.pii[0].examples == ("j***@e***.com",)


def test_an_inventory_note_is_kept_apart_from_an_inventory_error(tmp_path: Path) -> None:
    note = "which indices are hidden is unknown (index.hidden settings: read timed out after 1s)"
    noted = replace(_result(Verdict.OPEN), inventory_note=note)
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["127.0.0.1:9200", "127.0.0.1:9201"], {})
        store.record(scan_id, noted)
        store.record(scan_id, _result(Verdict.OPEN, 9201))  # nothing to note: none kept
        store.finish_scan(scan_id)
        got = {r.service.endpoint.port: r for r in store.load(scan_id).results}
    assert (got[9200].inventory_note, got[9200].inventory_error) == (note, None)
    assert (got[9201].inventory_note, got[9201].inventory_error) == (None, None)


def test_second_scan_of_same_target_becomes_history(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        first = store.begin_scan(["127.0.0.1:9200"], {})
        store.record(first, _result(Verdict.OPEN))
        store.finish_scan(first)
        second = store.begin_scan(["127.0.0.1:9200"], {})
        store.record(second, _result(Verdict.SECURED))
        store.finish_scan(second)
        doc = store.load(second)
        assert store.scan_ids() == [second, first]
        assert store.resolve("last") == second
    history = doc.results[0].history
    assert history.first_scan_id == first
    assert history.previous_scans == 1
    assert history.previous_verdict == "open"
    assert history.first_seen_exposed == history.first_seen  # the first scan found it open


def test_recording_the_same_endpoint_twice_in_a_scan_keeps_one_row(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan([], {})
        store.record(scan_id, _result(Verdict.OPEN))
        store.record(scan_id, _result(Verdict.OPEN))
        assert len(store.load(scan_id).results) == 1


def _account(account: str, verdict: Verdict) -> TargetResult:
    ep = Endpoint("127.0.0.1", 10000, "azblob", f"/{account}", containers=("c",), account=account)
    svc = Service(ep, f"http://127.0.0.1:10000/{account}", "azblob", verdict, "why")
    return TargetResult(svc, (ContainerResult(Container(f"c/{account}/", 1, 10), None),))


def test_two_accounts_of_one_host_port_are_two_results_with_their_own_history(
    tmp_path: Path,
) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        first = store.begin_scan([], {})
        store.record(first, _account("one", Verdict.OPEN))
        store.finish_scan(first)
        second = store.begin_scan([], {})
        store.record(second, _account("one", Verdict.SECURED))
        store.record(second, _account("two", Verdict.OPEN))
        assert store.recorded_endpoints(second) == {"127.0.0.1:10000/one", "127.0.0.1:10000/two"}
        doc = store.load(second)
    one, two = doc.results
    assert [c.container.name for r in doc.results for c in r.containers] == ["c/one/", "c/two/"]
    assert (one.history.previous_scans, one.history.previous_verdict) == (1, "open")
    assert (two.history.previous_scans, two.history.previous_verdict) == (0, None)
    assert one.service.store_id != two.service.store_id
    assert [s.identity for s in doc.stores] == ["azblob@127.0.0.1:10000/two"]


def test_purge_deletes_everything_of_a_scan(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    with SqliteStore(db) as store:
        scan_id = store.begin_scan([], {})
        store.record(scan_id, _result(Verdict.OPEN))
        store.purge(scan_id)
        with pytest.raises(UsageError):
            store.load(scan_id)
        for table in ("results", "indices", "pii"):
            assert store._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0
    assert b"j***@e***.com" not in db.read_bytes()


def test_unknown_scan_id_is_a_usage_error(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store, pytest.raises(UsageError, match="no scan"):
        store.load("20990101-000000-abcdef")


def test_a_file_that_is_not_a_database_gives_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "f.db"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError) as info:
        SqliteStore(bad)
    assert "\n" not in str(info.value)


def test_each_database_has_its_own_hash_key(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "a.db") as a, SqliteStore(tmp_path / "b.db") as b:
        assert len(a.hash_key) == 32 and a.hash_key != b.hash_key
    with SqliteStore(tmp_path / "a.db") as again:
        assert again.hash_key == a.hash_key


def test_a_result_the_database_refuses_becomes_an_error_verdict(tmp_path: Path) -> None:
    from dataclasses import replace

    from leakhound.scanner import record_result

    result = _result(Verdict.OPEN)
    huge = replace(result.containers[0].container, docs=2**70)  # over SQLite's 64-bit integers
    bad = replace(result, containers=(replace(result.containers[0], container=huge),))
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan([], {})
        record_result(store, scan_id, bad)
        (r,) = store.load(scan_id).results
    assert r.service.verdict == "error"
    assert r.service.reason.startswith("result could not be stored")


# Results kept before an HTTP store behind a path was keyed with its path (schema 10).

_ENDPOINT_TABLES = ("results", "indices", "pii")


def _result_at(ep: Endpoint) -> TargetResult:
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
        store.record(scan, _result_at(proxied))
        store.record(scan, _result_at(bare))
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
        store.record(scan, _result_at(proxied))
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


_CHECKPOINT_TABLES = ("full_partitions", "full_tallies", "full_finished", "full_totals")


def _cut_short(store: SqliteStore, specs: list[str], key: str) -> str:
    """A full scan of ``specs`` whose read of ``key`` was cut short: one container read to
    its end, one with a batch counted; no result recorded yet."""
    plan = {"container": "cases", "partitions": 1, "method": "pit", "state": {}, "total": None}
    scan = store.begin_scan(specs, {"depth": "full"})
    for container in ("cases", "archive"):
        store.start_partitions(scan, key, container, {**plan, "container": container})
        store.checkpoint(scan, key, container, 0, tally=b"t", docs=1, position=[1])
    store.finish_container(scan, key, "archive", {"read": 1}, [b"part"])
    store.finish_scan(scan, "interrupted")
    return scan


def test_an_interrupted_read_of_a_proxied_store_resumes_from_its_checkpoints(
    tmp_path: Path,
) -> None:
    """A full read cut short before schema 10 kept its checkpoints under the host:port, and
    had no result to move them: ``--resume`` looked under the new key, found none and read
    the store from its start. The scan's own targets say which store they are of; where they
    name two stores of that host:port (two paths, or a path and the bare port), nothing
    moves."""
    path = tmp_path / "f.db"
    with SqliteStore(path) as store:
        moved = _cut_short(store, ["http://10.0.0.5:8080/es/", "10.0.0.6"], "10.0.0.5:8080/es")
        two_paths = _cut_short(
            store, ["http://10.0.0.7:8080/a", "http://10.0.0.7:8080/b"], "10.0.0.7:8080/a"
        )
        bare_too = _cut_short(
            store, ["10.0.0.8:8080", "http://10.0.0.8:8080/es"], "10.0.0.8:8080/es"
        )
        taken = _cut_short(store, ["http://10.0.0.9:8080/es"], "10.0.0.9:8080/es")
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys=OFF")
        for table in _CHECKPOINT_TABLES:
            db.execute(
                f"UPDATE {table} SET endpoint = substr(endpoint, 1, instr(endpoint, '/') - 1)"
            )
        # Rows under both keys: nothing moves onto the key taken, and the store opens.
        db.execute(
            "INSERT INTO full_partitions SELECT scan_id, endpoint || '/es', container, "
            "partition, plan, position, docs, batches, done, updated_at "
            "FROM full_partitions WHERE scan_id=?",
            (taken,),
        )
        db.execute("PRAGMA user_version=9")
    with SqliteStore(path) as store:
        assert [p.docs for p in store.partitions(moved, "10.0.0.5:8080/es", "cases")] == [1]
        assert store.finished(moved, "10.0.0.5:8080/es", "archive") == {"read": 1}
        assert list(store.total_tallies(moved, "10.0.0.5:8080/es")) == [b"part"]
        assert store.partitions(moved, "10.0.0.5:8080", "cases") == []
        # Which of two stores the rows were of cannot be told: they stay where they were.
        assert store.partitions(two_paths, "10.0.0.7:8080", "cases")
        assert store.partitions(bare_too, "10.0.0.8:8080", "cases")
        assert store.partitions(taken, "10.0.0.9:8080", "cases")
        assert store.partitions(taken, "10.0.0.9:8080/es", "cases")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        tallies = db.execute(
            "SELECT DISTINCT endpoint FROM full_tallies WHERE scan_id=?", (moved,)
        ).fetchall()
        assert tallies == [("10.0.0.5:8080/es",)]


def test_a_watch_alert_kept_before_schema_10_names_the_new_key(tmp_path: Path) -> None:
    """The alerts' own JSON (what a pending delivery sends: the webhook's body, a command's
    LEAKHOUND_ENDPOINT) kept the host:port after the migration moved their rows; an alert of
    an issue that moved, from a scan no longer kept, kept it in both."""
    from datetime import UTC, datetime

    from leakhound.store.watch import AlertRow, WatchLog
    from leakhound.watch.alert import Alert

    path = tmp_path / "f.db"
    proxied = Endpoint("10.0.0.5", 8080, "http", "/es")
    at = datetime(2026, 12, 1, tzinfo=UTC)

    def alert(alert_id: str, scan: str) -> AlertRow:
        fields = ("opened", "critical", "exposed", proxied.key, proxied.url(), "elasticsearch")
        body = Alert(alert_id, "default", *fields, "open", "open store", scan, "t").to_dict()
        return AlertRow(alert_id, None, "opened", "critical", proxied.key, scan, "t", body)

    with SqliteStore(path) as store:
        scan = store.begin_scan(["http://10.0.0.5:8080/es"], {})
        store.record(scan, _result_at(proxied))
        store.finish_scan(scan)
        WatchLog(store, "default").commit(
            1, scan, at, [], [alert("a1", scan), alert("a2", "purged")], ["log"], {}
        )
    _as_before(path, proxied.key, "10.0.0.5:8080")
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE watch_alerts SET endpoint='10.0.0.5:8080', "
            "body=json_set(body, '$.endpoint', '10.0.0.5:8080')"
        )
        db.execute("UPDATE watch_alerts SET issue_id=(SELECT issue_id FROM watch_issues)")
    with SqliteStore(path) as store:
        watch = WatchLog(store, "default")
        got = [(a.endpoint, Alert.from_dict(a.body).endpoint) for a in watch.alerts()]
        assert got == [(proxied.key, proxied.key)] * 2
        sent = [Alert.from_dict(d.body).endpoint for d in watch.due(at, ["log"])]
        assert sent == [proxied.key] * 2


def test_folders_made_for_the_database_are_private_all_the_way_down(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o755)
    old = os.umask(0o022)
    try:
        db = tmp_path / "a" / "b" / "findings.db"
        with SqliteStore(db) as store:
            store.begin_scan(["127.0.0.1"], {})
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "b"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755  # a folder already there is left


def test_a_database_others_may_read_is_made_private_on_opening(tmp_path: Path) -> None:
    db = tmp_path / "findings.db"
    with SqliteStore(db) as store:
        store.begin_scan(["127.0.0.1"], {})
    os.chmod(db, 0o644)  # copied, restored from a backup, made by an older version
    with SqliteStore(db) as store:
        store.begin_scan(["127.0.0.2"], {})
        for f in tmp_path.glob("findings.db*"):
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


def _keyed_by_host_port(path: Path) -> None:
    """The checkpoints as schema 9 kept them: under the host:port alone."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys=OFF")
        for table in _CHECKPOINT_TABLES:
            db.execute(
                f"UPDATE {table} SET endpoint = substr(endpoint, 1, instr(endpoint, '/') - 1) "
                "WHERE instr(endpoint, '/') > 0"
            )
        db.execute("PRAGMA user_version=9")


def test_a_watch_issue_about_a_bare_port_stays_when_a_read_behind_a_path_moves(
    tmp_path: Path,
) -> None:
    """The watch follows the store at the bare host:port (its results stay there); a full
    read of a proxied path of that host:port, cut short, moved its checkpoints, and the
    watch's issue moved with them to the proxied store's key: the next round opened the
    bare store's exposure again and closed one the proxied store never had. So did the
    result of a proxied store another scan kept under that host:port."""
    path = tmp_path / "f.db"
    bare, other_bare = Endpoint("10.0.0.5", 8080), Endpoint("10.0.0.6", 8080)
    proxied = Endpoint("10.0.0.6", 8080, "http", "/es")
    with SqliteStore(path) as store:
        watched = store.begin_scan(["10.0.0.5:8080", "10.0.0.6:8080"], {})
        store.record(watched, _result_at(bare))
        store.record(watched, _result_at(other_bare))
        store.finish_scan(watched)
        cut = _cut_short(store, ["http://10.0.0.5:8080/es"], "10.0.0.5:8080/es")
        once = store.begin_scan(["http://10.0.0.6:8080/es"], {})
        store.record(once, _result_at(proxied))
        store.finish_scan(once)
    _keyed_by_host_port(path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys=OFF")
        for table in _ENDPOINT_TABLES:
            db.execute(f"UPDATE {table} SET endpoint='10.0.0.6:8080' WHERE scan_id=?", (once,))
        for host in ("10.0.0.5", "10.0.0.6"):
            db.execute(
                "INSERT INTO watch_issues (watch, key, kind, endpoint, opened_at, opened_scan, "
                "reminders, state) VALUES ('default', ?, 'exposed', ?, 't', ?, 0, '{}')",
                (f"exposed:{host}:8080", f"{host}:8080", watched),
            )
    with SqliteStore(path) as store:
        assert [p.docs for p in store.partitions(cut, "10.0.0.5:8080/es", "cases")] == [1]
        assert {r.service.endpoint.key for r in store.load(once).results} == {proxied.key}
        kept = {r.service.endpoint.key for r in store.load(watched).results}
        assert kept == {bare.key, other_bare.key}
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT key, endpoint FROM watch_issues").fetchall() == [
            ("exposed:10.0.0.5:8080", "10.0.0.5:8080"),
            ("exposed:10.0.0.6:8080", "10.0.0.6:8080"),
        ]


def test_targets_that_cannot_be_read_again_leave_the_checkpoints_and_the_store_opens(
    tmp_path: Path,
) -> None:
    """A target file under the home of a user this machine does not know made the
    migration raise, and the findings database could not be opened at all."""
    path = tmp_path / "f.db"
    with SqliteStore(path) as store:
        specs = ["@~leakhound-no-such-user/targets.txt", "http://10.0.0.5:8080/es"]
        cut = _cut_short(store, specs, "10.0.0.5:8080/es")
    _keyed_by_host_port(path)
    with SqliteStore(path) as store:
        assert store.partitions(cut, "10.0.0.5:8080", "cases")


def test_a_large_range_among_a_scans_targets_is_not_listed_to_move_its_checkpoints(
    tmp_path: Path,
) -> None:
    """The migration listed every address of every range the scan named (one target a
    port), about 15 s a /16 and gigabytes a /8, to learn whether a host:port was one of
    them: a range is asked whether it holds it."""
    import time

    path = tmp_path / "f.db"
    with SqliteStore(path) as store:
        moved = _cut_short(store, ["10.0.0.0/12", "http://10.0.0.5:8080/es"], "10.0.0.5:8080/es")
        stays = _cut_short(store, ["10.0.0.0/12", "http://10.0.0.5:9200/es"], "10.0.0.5:9200/es")
    with sqlite3.connect(path) as db:
        db.execute('UPDATE scans SET options=\'{"kinds": ["elasticsearch"]}\'')
    _keyed_by_host_port(path)
    started = time.monotonic()
    with SqliteStore(path) as store:
        assert time.monotonic() - started < 5
        # 8080 is no default port of Elasticsearch: the range does not name 10.0.0.5:8080.
        assert store.partitions(moved, "10.0.0.5:8080/es", "cases")
        # The range names 10.0.0.5:9200, a store of its own: which one was read is not known.
        assert store.partitions(stays, "10.0.0.5:9200", "cases")


def test_a_database_whose_mode_cannot_be_changed_still_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A shared or mounted folder (CIFS, vfat, a file system mounted read-only for reports)
    # refuses chmod even to the file's owner: the database still opens, as it did before
    # leakhound tightened modes.
    from leakhound.store import sqlite as store_module

    db = tmp_path / "shared" / "findings.db"
    with SqliteStore(db) as store:
        scan_id = store.begin_scan(["127.0.0.1"], {})
    os.chmod(db, 0o644)

    def refused(path: object, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted", str(path))

    monkeypatch.setattr(store_module.os, "chmod", refused)
    with SqliteStore(db) as store:
        assert store.load(scan_id).scan_id == scan_id
    with SqliteStore(tmp_path / "new" / "deeper" / "findings.db") as store:
        store.begin_scan(["127.0.0.1"], {})


def test_people_read_whole_and_people_pooled_from_samples_of_one_type_are_both_kept(
    tmp_path: Path,
) -> None:
    # A scan reads two small stores' identifiers whole and estimates two large ones from
    # their samples pooled: two figures of EMAIL_ADDRESS (``AcrossStores.counts``). Kept by
    # type alone, the pooled one replaced the one read whole, whose stores were then added
    # apart as if never counted together.
    read = PeopleAcross("EMAIL_ADDRESS", Distinct(800, 800, 800, True), ("10.0.0.1:6379",))
    pooled = PeopleAcross(
        "EMAIL_ADDRESS",
        Distinct(6000, 2400, 15_000, False),
        ("10.0.0.2:5432", "10.0.0.3:3306"),
        "EMAIL_ADDRESS: the samples of the 2 stores pooled",
    )
    with SqliteStore(tmp_path / "f.db") as store:
        scan = store.begin_scan(["x"], {})
        store.record(scan, _result_at(Endpoint("10.0.0.1", 6379)))
        store.record_people(scan, [read, pooled])
        store.finish_scan(scan)
        assert set(store.load(scan).people_across) == {read, pooled}
        # a later count of the same scan replaces both
        store.record_people(scan, [read])
        assert store.load(scan).people_across == (read,)
