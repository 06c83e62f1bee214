"""Full-read checkpoints in the findings database: positions, tallies, folds, migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from leakhound.count.tally import Tally, count_batch, merged
from leakhound.store.migrations import MIGRATIONS
from leakhound.store.sqlite import SqliteStore

DOCS = [
    {
        "created_at": "2012-01-02T00:00:00Z",
        "customer": {"email": "jane.doe@gmail.com"},
        "agent_email": "bob@contoso.com",
    },
    {
        "created_at": "2013-01-02T00:00:00Z",
        "customer": {"email": "jane.doe@gmail.com"},
        "agent_email": "bob@contoso.com",
    },
    {
        "created_at": "2013-05-02T00:00:00Z",
        "customer": {"email": "max.mustermann@web.de"},
        "agent_email": "bob@contoso.com",
    },
]


def _plan(n: int, pit: str = "PIT") -> dict[str, object]:
    return {
        "container": "cases",
        "partitions": n,
        "method": "pit",
        "state": {"method": "pit-os", "pit": pit},
        "total": None,
        "resumable": True,
    }


def _started(store: SqliteStore, n: int) -> str:
    """A full scan of index "cases" on h:1 with ``n`` partitions started; its scan id."""
    scan_id = store.begin_scan(["x"], {"depth": "full"})
    store.start_partitions(scan_id, "h:1", "cases", _plan(n))
    return scan_id


def test_a_slice_marked_done_keeps_its_batches_for_resume(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        key = store.hash_key
        scan_id = _started(store, 1)
        for n, doc in enumerate(DOCS):
            store.checkpoint(
                scan_id,
                "h:1",
                "cases",
                0,
                docs=1,
                position=[n],
                tally=count_batch([doc], None, "created_at", 0.5, key),
            )
        # A slice marked done beside its batch rows (as after a fold, or a kill before one).
        store.checkpoint(
            scan_id,
            "h:1",
            "cases",
            0,
            tally=Tally(key).to_bytes(),
            docs=0,
            position=None,
            done=True,
        )
        row = store.partitions(scan_id, "h:1", "cases")[0]
        assert row.done and row.docs == 3
        again = merged(key, store.partition_tallies(scan_id, "h:1", "cases", 0))
        whole = Tally.from_bytes(count_batch(DOCS, None, "created_at", 0.5, key), key)
        assert (again.docs, again.pii(), again.people(), again.year_counts()) == (
            3,
            whole.pii(),
            whole.people(),
            whole.year_counts(),
        )


def test_a_version_1_database_gains_the_checkpoint_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[1] + ";PRAGMA user_version=1;")
    with SqliteStore(path) as store:
        scan_id = _started(store, 2)
        blob = count_batch(DOCS, None, None, 0.5, store.hash_key)
        store.checkpoint(scan_id, "h:1", "cases", 1, tally=blob, docs=3, position=[41])
        rows = store.partitions(scan_id, "h:1", "cases")
        assert [(r.partition, r.docs, r.position, r.done) for r in rows] == [
            (0, 0, None, False),
            (1, 3, [41], False),
        ]
        assert list(store.partition_tallies(scan_id, "h:1", "cases", 1)) == [blob]
        store.finish_partition(scan_id, "h:1", "cases", 1, blob)
        assert store.partitions(scan_id, "h:1", "cases")[1].done
        store.start_partitions(scan_id, "h:1", "cases", _plan(2, "PIT2"), [1])  # restart
        assert list(store.partition_tallies(scan_id, "h:1", "cases", 1)) == []
        assert {r.plan["state"]["pit"] for r in store.partitions(scan_id, "h:1", "cases")} == {
            "PIT2"
        }
        store.purge(scan_id)
        assert store.partitions(scan_id, "h:1", "cases") == []


def test_dropping_a_finished_scans_checkpoints_gives_the_space_back(tmp_path: Path) -> None:
    import os

    path = tmp_path / "f.db"
    with SqliteStore(path) as store:
        scan_id = _started(store, 1)
        for n in range(200):  # 200 batches of ~20 KB: checkpoints of a few thousand documents
            store.checkpoint(
                scan_id, "h:1", "cases", 0, docs=1, position=[n], tally=os.urandom(20_000)
            )
        full = _on_disk(path)
        assert full > 4_000_000
        store.drop_checkpoints(scan_id)
        assert _on_disk(path) < full // 10
        assert list(store.partition_tallies(scan_id, "h:1", "cases", 0)) == []


def _on_disk(path: Path) -> int:
    """The database and its write-ahead log together."""
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def test_resume_reads_a_slices_checkpoints_one_at_a_time(tmp_path: Path) -> None:
    # A slice of a big index holds hundreds of megabytes of batch tallies: merging them on
    # resume must not load them all at once.
    import tracemalloc

    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = _started(store, 1)
        big = b"\0" * (1 << 20)  # 1 MiB a row: the reader only moves bytes
        for n in range(40):
            store.checkpoint(scan_id, "h:1", "cases", 0, docs=3, position=[n], tally=big)
        seen = 0
        tracemalloc.start()
        try:
            for data in store.partition_tallies(scan_id, "h:1", "cases", 0):
                seen += len(data)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert seen == 40 << 20
        assert peak < 8 << 20  # a couple of rows at a time, not forty


def test_folding_a_slice_keeps_its_counts_and_each_digest_once(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        key = store.hash_key
        scan_id = _started(store, 1)
        blob = count_batch(DOCS, None, "created_at", 0.5, key)
        for n in range(30):  # the same three people in every batch
            store.checkpoint(scan_id, "h:1", "cases", 0, docs=3, position=[n], tally=blob)

        def stored() -> tuple[int, int]:
            return store._db.execute(
                "SELECT COUNT(*), SUM(LENGTH(tally)) FROM full_tallies"
            ).fetchone()

        rows, size = stored()
        assert rows == 30
        before = merged(key, store.partition_tallies(scan_id, "h:1", "cases", 0))
        written = store.fold_partition(scan_id, "h:1", "cases", 0, before.to_parts(2))
        rows, folded = stored()
        assert written == folded and folded < size / 10  # once, not thirty times
        assert rows > 2  # a piece per two digests of a type, beside the counts
        # Batches after a fold go on from there; a resume reads the same tally.
        store.checkpoint(scan_id, "h:1", "cases", 0, docs=3, position=[30], tally=blob)
        after = merged(key, store.partition_tallies(scan_id, "h:1", "cases", 0))
        unfolded = merged(key, [blob] * 31)
        assert store.partitions(scan_id, "h:1", "cases")[0].docs == after.docs == 93
        assert (after.pii(), after.people(), after.year_counts()) == (
            unfolded.pii(),
            unfolded.people(),
            unfolded.year_counts(),
        )
        for t in (before, after, unfolded):
            t.close()


def test_a_version_2_scan_under_way_keeps_its_checkpoints(tmp_path: Path) -> None:
    # Rows written in the Elasticsearch words of schema 2 read back in the contract's words:
    # the plan with its point in time, a PIT slice's search_after with the id it used, and
    # a scroll slice without a position (a scroll cannot be re-entered).
    path = tmp_path / "v2.db"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[1] + ";" + MIGRATIONS[2] + ";PRAGMA user_version=2;")
        db.execute("INSERT INTO scans VALUES ('s', 't', NULL, 'running', '[]', '{}', '0')")
        db.execute(
            "INSERT INTO full_slices VALUES ('s', 'h:1', 'cases', 0, 2, 'pit-os', "
            "'PIT', '[41, 7]', 3, 1, 0, 't')"
        )
        db.execute(
            "INSERT INTO full_slices VALUES ('s', 'h:1', 'cases', 1, 2, 'pit-os', "
            "'PIT', NULL, 0, 0, 0, 't')"
        )
        db.execute(
            "INSERT INTO full_slices VALUES ('s', 'h:1', 'logs', 0, 1, 'scroll', "
            "'SCROLL-ID', NULL, 5, 1, 0, 't')"
        )
        db.execute("INSERT INTO full_batches VALUES ('s', 'h:1', 'cases', 0, 0, x'01')")
    with SqliteStore(path) as store:
        first, second = store.partitions("s", "h:1", "cases")
        assert first.plan == {
            "container": "cases",
            "partitions": 2,
            "method": "pit",
            "state": {"method": "pit-os", "pit": "PIT"},
            "total": None,
            "resumable": True,
        }
        assert (first.position, first.docs, first.done) == (
            {"after": [41, 7], "context": "PIT"},
            3,
            False,
        )
        assert second.position is None
        assert list(store.partition_tallies("s", "h:1", "cases", 0)) == [b"\x01"]
        (scroll,) = store.partitions("s", "h:1", "logs")
        assert scroll.plan["state"] == {"method": "scroll"} and not scroll.plan["resumable"]
        assert scroll.position is None and scroll.docs == 5


def test_a_finished_container_keeps_its_figures_and_joins_the_endpoint_tally(
    tmp_path: Path,
) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        key = store.hash_key
        scan_id = _started(store, 1)
        blob = count_batch(DOCS, None, "created_at", 0.5, key)
        store.checkpoint(scan_id, "h:1", "cases", 0, docs=3, position=[3], tally=blob)
        tally = Tally.from_bytes(blob, key)
        written = store.finish_container(scan_id, "h:1", "cases", {"docs": 3}, tally.to_parts(2))
        assert written > 0
        assert store.finished(scan_id, "h:1", "cases") == {"docs": 3}
        assert store.finished(scan_id, "h:1", "other") is None
        assert list(store.partition_tallies(scan_id, "h:1", "cases", 0)) == []  # dropped
        back = merged(key, store.total_tallies(scan_id, "h:1"))
        assert (back.docs, back.pii(), back.people()) == (3, tally.pii(), tally.people())
        # Folded: the same tally in fewer pieces, each digest once.
        pieces = len(list(store.total_tallies(scan_id, "h:1")))
        store.fold_total(scan_id, "h:1", back.to_parts())
        assert len(list(store.total_tallies(scan_id, "h:1"))) < pieces
        again = merged(key, store.total_tallies(scan_id, "h:1"))
        assert (again.docs, again.pii()) == (3, tally.pii())
        store.drop_checkpoints(scan_id)
        assert list(store.total_tallies(scan_id, "h:1")) == []
        assert store.finished(scan_id, "h:1", "cases") is None
        for t in (tally, back, again):
            t.close()


def _keyed_by(store: SqliteStore, email: str) -> str:
    """A full scan reading a table keyed by e-mail address: ``email`` in its plan (a split
    key) and in the position of its first partition (the last key read)."""
    scan_id = store.begin_scan(["x"], {"depth": "full"})
    plan = _plan(2) | {"state": {"method": "keyset", "ends": [[email.encode().hex()]]}}
    store.start_partitions(scan_id, "h:1", "cases", plan)
    store.checkpoint(
        scan_id, "h:1", "cases", 0, docs=1, position={"after": email}, tally=b"\0" * 64
    )
    return scan_id


def _kept(folder: Path, email: str) -> bool:
    """Whether ``email`` (or its hex) is in the findings database's files: its WAL too."""
    data = b"".join(p.read_bytes() for p in folder.glob("f.db*"))
    return email.encode() in data or email.encode().hex().encode() in data


def test_a_finished_scans_positions_and_plans_leave_the_database(tmp_path: Path) -> None:
    # A keyset read resumes after the last key it read and splits a table at key values: a
    # table keyed by e-mail address has them in its positions and its plan. Once the scan is
    # done nothing resumes it: they must not stay on disk beside the masked findings.
    path = tmp_path / "f.db"
    email = "jane.doe@gmail.com"
    with SqliteStore(path) as store:
        scan_id = _keyed_by(store, email)
        store.drop_checkpoints(scan_id)
        assert store.partitions(scan_id, "h:1", "cases") == []
    assert not _kept(tmp_path, email)


def test_a_container_read_to_its_end_forgets_its_positions_and_plan_state(
    tmp_path: Path,
) -> None:
    # A scan of many containers runs for hours: a container it has read to its end is
    # resumed from its figures, so its last keys and split keys (raw values of the store,
    # an e-mail address in a table keyed by it) must not wait for the scan's end on disk.
    path = tmp_path / "f.db"
    email = "jane.doe@gmail.com"
    with SqliteStore(path) as store:
        scan_id = _keyed_by(store, email)
        store.finish_container(scan_id, "h:1", "cases", {"docs": 1}, [b"\0" * 64])
        rows = store.partitions(scan_id, "h:1", "cases")
        assert [r.position for r in rows] == [None, None]
        assert all(r.plan["state"] is None for r in rows)
        assert {r.plan["partitions"] for r in rows} == {2}  # what a resume still reads
        assert store.finished(scan_id, "h:1", "cases") == {"docs": 1}
        store.finish_scan(scan_id, "interrupted")
    with SqliteStore(path) as store:  # closed and opened again: the log checkpointed
        store._db.execute("VACUUM")
    assert not _kept(tmp_path, email)


def test_purging_an_interrupted_full_scan_leaves_none_of_its_positions_on_disk(
    tmp_path: Path,
) -> None:
    # The one way out for a full scan interrupted and never resumed (the README says so).
    path = tmp_path / "f.db"
    email = "jane.doe@gmail.com"
    with SqliteStore(path) as store:
        scan_id = _keyed_by(store, email)
        store.finish_scan(scan_id, "interrupted")
        store.purge(scan_id)
        assert store.partitions(scan_id, "h:1", "cases") == []
    assert not _kept(tmp_path, email)


def test_a_container_read_to_its_end_leaves_no_position_in_the_log_while_the_scan_runs(
    tmp_path: Path,
) -> None:
    # The scan goes on for hours after the container ended: its last keys must not wait in
    # the write-ahead log (the old pages SQLite keeps until a checkpoint) for the scan's end.
    path = tmp_path / "f.db"
    email = "jane.doe@gmail.com"
    with SqliteStore(path) as store:
        scan_id = _keyed_by(store, email)
        store.finish_container(scan_id, "h:1", "cases", {"docs": 1}, [b"\0" * 64])
        assert not _kept(tmp_path, email)  # still open
        assert store.finished(scan_id, "h:1", "cases") == {"docs": 1}


def test_a_deleted_position_is_overwritten_where_sqlite_would_keep_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite builds differ: Debian's zeroes deleted rows, python.org's and Homebrew's leave
    # them in the page's free space (PRAGMA secure_delete off), where a position deleted
    # when its container ended would be read back from the file by anyone who copies it.
    connect = sqlite3.connect

    def built_without_secure_delete(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        db = connect(*args, **kwargs)
        db.execute("PRAGMA secure_delete=OFF")
        return db

    monkeypatch.setattr(sqlite3, "connect", built_without_secure_delete)
    email = "jane.doe@gmail.com"
    with SqliteStore(tmp_path / "f.db") as store:
        assert store._db.execute("PRAGMA secure_delete").fetchone() == (1,)
        scan_id = store.begin_scan(["x"], {"depth": "full"})
        plan = _plan(2) | {"state": {"method": "keyset", "ends": [[email.encode().hex()]]}}
        store.start_partitions(scan_id, "h:1", "cases", plan)
        store.checkpoint(
            scan_id, "h:1", "cases", 0, docs=1, position={"after": email}, tally=b"\0" * 64
        )
        store.finish_container(scan_id, "h:1", "cases", {"docs": 1}, [b"\0" * 64])
        data = b"".join(p.read_bytes() for p in tmp_path.glob("f.db*"))  # checkpointed
    assert email.encode() not in data and email.encode().hex().encode() not in data
