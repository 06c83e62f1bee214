"""The findings database: SQLite in WAL mode, file 0600, one transaction per target result."""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import platformdirs

from .. import __version__
from ..errors import StoreError, UsageError
from ..models import TargetResult, to_dict

SCHEMA_VERSION = 3

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
    CREATE TABLE scans (
        scan_id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,              -- running, done, interrupted, failed
        targets TEXT NOT NULL,             -- JSON list of the specifications given
        options TEXT NOT NULL,             -- JSON
        tool_version TEXT NOT NULL
    );
    CREATE TABLE results (
        scan_id TEXT NOT NULL REFERENCES scans(scan_id) ON DELETE CASCADE,
        endpoint TEXT NOT NULL,            -- host:port, the asset's identity
        url TEXT NOT NULL,
        kind TEXT NOT NULL,
        verdict TEXT NOT NULL,
        reason TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        body TEXT NOT NULL,                -- JSON of the TargetResult (masked values only)
        PRIMARY KEY (scan_id, endpoint)
    );
    CREATE TABLE indices (
        scan_id TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        name TEXT NOT NULL,
        docs INTEGER,
        store_bytes INTEGER,
        date_min TEXT,
        date_max TEXT,
        compromised INTEGER NOT NULL,
        PRIMARY KEY (scan_id, endpoint, name),
        FOREIGN KEY (scan_id, endpoint) REFERENCES results(scan_id, endpoint) ON DELETE CASCADE
    );
    CREATE TABLE pii (
        scan_id TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        index_name TEXT NOT NULL,
        entity_type TEXT NOT NULL,
        field TEXT NOT NULL,
        docs INTEGER NOT NULL,
        sampled INTEGER NOT NULL,
        PRIMARY KEY (scan_id, endpoint, index_name, entity_type, field),
        FOREIGN KEY (scan_id, endpoint) REFERENCES results(scan_id, endpoint) ON DELETE CASCADE
    );
    """,
    # --depth full: per-slice checkpoints (position + counts, written in one transaction per
    # batch, so a resumed scan counts every document exactly once) and per-field figures.
    2: """
    CREATE TABLE full_slices (
        scan_id TEXT NOT NULL REFERENCES scans(scan_id) ON DELETE CASCADE,
        endpoint TEXT NOT NULL,
        index_name TEXT NOT NULL,
        slice INTEGER NOT NULL,
        slices INTEGER NOT NULL,           -- slice.max of the read
        method TEXT NOT NULL,              -- pit-os, pit-es, scroll
        context TEXT,                      -- the point-in-time id (never a personal value)
        position TEXT,                     -- JSON search_after of the last counted page
        docs INTEGER NOT NULL,             -- documents counted so far
        batches INTEGER NOT NULL,          -- rows in full_batches for this slice
        done INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (scan_id, endpoint, index_name, slice)
    );
    CREATE TABLE full_batches (
        scan_id TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        index_name TEXT NOT NULL,
        slice INTEGER NOT NULL,
        batch INTEGER NOT NULL,
        tally BLOB NOT NULL,               -- leakhound.tally.Tally: counts and keyed digests
        PRIMARY KEY (scan_id, endpoint, index_name, slice, batch),
        FOREIGN KEY (scan_id, endpoint, index_name, slice)
            REFERENCES full_slices(scan_id, endpoint, index_name, slice) ON DELETE CASCADE
    );
    CREATE TABLE full_pii (
        scan_id TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        index_name TEXT NOT NULL,
        entity_type TEXT NOT NULL,
        field TEXT NOT NULL,
        docs INTEGER NOT NULL,             -- documents read carrying the type in the field
        read INTEGER NOT NULL,             -- documents read in the index
        distinct_estimate INTEGER NOT NULL,
        distinct_lower INTEGER NOT NULL,
        distinct_upper INTEGER NOT NULL,
        distinct_exact INTEGER NOT NULL,
        PRIMARY KEY (scan_id, endpoint, index_name, entity_type, field),
        FOREIGN KEY (scan_id, endpoint) REFERENCES results(scan_id, endpoint) ON DELETE CASCADE
    );
    """,
    # leakhound investigate --scan: the access-log forensics of a scan's exposure window, as the
    # JSON of leakhound.investigate (source addresses kept whole, like the rest of this file).
    3: """
    CREATE TABLE investigations (
        scan_id TEXT PRIMARY KEY REFERENCES scans(scan_id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL
    );
    """,
}


def default_db_path() -> Path:
    """The findings database under the user's data directory."""
    return Path(platformdirs.user_data_dir("leakhound")) / "findings.db"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_scan_id() -> str:
    """A sortable, unique scan handle: UTC time plus randomness."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def _create_private(path: Path) -> None:
    """Create the database file 0600 (and its folder 0700) before SQLite opens it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class SqliteStore:
    """Scans, results and asset history in one SQLite file."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else default_db_path()
        try:
            if not self.path.exists():
                _create_private(self.path)
            old = os.umask(0o077)  # -wal and -shm files must not be readable by others
            try:
                self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
            finally:
                os.umask(old)
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the findings database {self.path}: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"cannot create the findings database {self.path}: "
                             f"{exc.strerror or exc}") from exc

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"findings database {self.path}: {exc}") from exc

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer leakhound "
                             f"(schema {version} > {SCHEMA_VERSION})")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._tx() as db:
                for statement in _MIGRATIONS[target].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={target}")
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('hash_key', ?)",
                       (secrets.token_bytes(32),))
            row = db.execute("SELECT value FROM meta WHERE key='hash_key'").fetchone()
        self._hash_key = bytes(row[0])

    @property
    def hash_key(self) -> bytes:
        """This database's secret key for keyed hashes of personal values."""
        return self._hash_key

    def begin_scan(self, targets: list[str], options: dict[str, Any]) -> str:
        """Record a new scan as running; return its id."""
        scan_id = new_scan_id()
        with self._tx() as db:
            db.execute("INSERT INTO scans VALUES (?, ?, NULL, 'running', ?, ?, ?)",
                       (scan_id, _now(), orjson.dumps(targets).decode(),
                        orjson.dumps(options).decode(), __version__))
        return scan_id

    def finish_scan(self, scan_id: str, status: str = "done") -> None:
        """Mark a scan finished (done, interrupted or failed)."""
        with self._tx() as db:
            db.execute("UPDATE scans SET finished_at=?, status=? WHERE scan_id=?",
                       (_now(), status, scan_id))

    def record(self, scan_id: str, result: TargetResult) -> None:
        """Save one target's result atomically; history is read from earlier results."""
        svc = result.service
        endpoint = svc.endpoint.netloc
        now = _now()
        body = to_dict(result)
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (scan_id, endpoint, svc.url, svc.kind, svc.verdict.value, svc.reason,
                        now, orjson.dumps(body).decode()))
            for ir in result.indices:
                idx = ir.index
                db.execute("INSERT OR REPLACE INTO indices VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (scan_id, endpoint, idx.name, idx.docs, idx.store_bytes,
                            idx.date_min, idx.date_max, int(idx.compromised)))
                if ir.sample:
                    for pii in ir.sample.pii:
                        for f in pii.fields:
                            db.execute("INSERT OR REPLACE INTO pii VALUES (?, ?, ?, ?, ?, ?, ?)",
                                       (scan_id, endpoint, idx.name, pii.entity_type, f.path,
                                        f.docs, ir.sample.docs))
                if ir.full:
                    for fp in ir.full.pii:
                        for ff in fp.fields:
                            d = ff.distinct
                            db.execute("INSERT OR REPLACE INTO full_pii VALUES "
                                       "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                       (scan_id, endpoint, idx.name, fp.entity_type, ff.path,
                                        ff.docs, ir.full.docs, d.estimate, d.lower, d.upper,
                                        int(d.exact)))

    # -- full-depth checkpoints (leakhound.fullscan) -------------------------------------

    def scan_options(self, scan_id: str) -> dict[str, Any]:
        """The options a stored scan ran with."""
        row = self._db.execute("SELECT options FROM scans WHERE scan_id=?",
                               (self.resolve(scan_id),)).fetchone()
        return dict(orjson.loads(row[0]))

    def reopen_scan(self, scan_id: str) -> tuple[list[str], dict[str, Any]]:
        """Mark a stored scan running again; return its targets and options (for --resume)."""
        scan_id = self.resolve(scan_id)
        with self._tx() as db:
            row = db.execute("SELECT targets, options FROM scans WHERE scan_id=?",
                             (scan_id,)).fetchone()
            db.execute("UPDATE scans SET status='running', finished_at=NULL WHERE scan_id=?",
                       (scan_id,))
        return orjson.loads(row[0]), orjson.loads(row[1])

    def recorded_endpoints(self, scan_id: str) -> set[str]:
        """Endpoints (host:port) whose result this scan already recorded."""
        return {r[0] for r in self._db.execute(
            "SELECT endpoint FROM results WHERE scan_id=?", (scan_id,))}

    def slices(self, scan_id: str, endpoint: str, index: str) -> list[dict[str, Any]]:
        """The checkpoint rows of one index's slices, by slice number."""
        rows = self._db.execute(
            """SELECT slice, slices, method, context, position, docs, batches, done
               FROM full_slices WHERE scan_id=? AND endpoint=? AND index_name=?
               ORDER BY slice""", (scan_id, endpoint, index)).fetchall()
        return [{"slice": r[0], "slices": r[1], "method": r[2], "context": r[3],
                 "position": orjson.loads(r[4]) if r[4] else None, "docs": r[5],
                 "batches": r[6], "done": bool(r[7])} for r in rows]

    def slice_tallies(self, scan_id: str, endpoint: str, index: str,
                      slice_: int) -> Iterator[bytes]:
        """The tallies counted so far in one slice, in batch order, one at a time: a slice
        of a big index holds hundreds of megabytes of them. Consume before writing again."""
        batches = self._db.execute(
            """SELECT batch FROM full_batches WHERE scan_id=? AND endpoint=? AND index_name=?
               AND slice=? ORDER BY batch""", (scan_id, endpoint, index, slice_)).fetchall()
        for (batch,) in batches:
            row = self._db.execute(
                """SELECT tally FROM full_batches WHERE scan_id=? AND endpoint=?
                   AND index_name=? AND slice=? AND batch=?""",
                (scan_id, endpoint, index, slice_, batch)).fetchone()
            if row is not None:
                yield bytes(row[0])

    def start_slices(self, scan_id: str, endpoint: str, index: str, method: str,
                     slices: int, context: str | None, which: list[int] | None = None) -> None:
        """(Re)start slices from zero: no position, no counts (all slices unless ``which``)."""
        which = list(range(slices)) if which is None else which
        with self._tx() as db:
            for n in which:
                db.execute("""DELETE FROM full_batches WHERE scan_id=? AND endpoint=?
                              AND index_name=? AND slice=?""", (scan_id, endpoint, index, n))
                db.execute("INSERT OR REPLACE INTO full_slices VALUES "
                           "(?, ?, ?, ?, ?, ?, ?, NULL, 0, 0, 0, ?)",
                           (scan_id, endpoint, index, n, slices, method, context, _now()))
            # every slice of an index shares the point in time
            db.execute("""UPDATE full_slices SET context=? WHERE scan_id=? AND endpoint=?
                          AND index_name=? AND method != 'scroll'""",
                       (context, scan_id, endpoint, index))

    def checkpoint(self, scan_id: str, endpoint: str, index: str, slice_: int, *,
                   tally: bytes, docs: int, position: Any, context: str | None,
                   done: bool = False) -> None:
        """Count one batch and move the slice's position past it, in ONE transaction."""
        with self._tx() as db:
            batch = _next_batch(db, scan_id, endpoint, index, slice_)
            db.execute("INSERT INTO full_batches VALUES (?, ?, ?, ?, ?, ?)",
                       (scan_id, endpoint, index, slice_, batch, tally))
            db.execute("""UPDATE full_slices SET position=?, context=COALESCE(?, context),
                          docs=docs+?, batches=batches+1, done=?, updated_at=?
                          WHERE scan_id=? AND endpoint=? AND index_name=? AND slice=?""",
                       (orjson.dumps(position).decode() if position is not None else None,
                        context, docs, int(done), _now(), scan_id, endpoint, index, slice_))

    def fold_slice(self, scan_id: str, endpoint: str, index: str, slice_: int,
                   parts: Iterable[bytes]) -> int:
        """Replace a slice's batch tallies with ``parts`` (``Tally.to_parts`` of the slice's
        tally: the same counts, each digest once), in ONE transaction; the bytes written.

        A customer who writes in every batch is stored once instead of once a batch, and a
        type past the exact limit keeps its sketch without digests: a slice's rows stay
        within a few times its distinct values, however many documents it holds."""
        return self._fold(scan_id, endpoint, index, slice_, parts, whole_index=False)

    def fold_index(self, scan_id: str, endpoint: str, index: str,
                   parts: Iterable[bytes]) -> int:
        """``fold_slice`` for an index read to its end: every slice's rows replaced by the
        index's tally, kept under slice 0 (a person both slices met is stored once)."""
        return self._fold(scan_id, endpoint, index, 0, parts, whole_index=True)

    def _fold(self, scan_id: str, endpoint: str, index: str, slice_: int,
              parts: Iterable[bytes], *, whole_index: bool) -> int:
        written = 0
        with self._tx() as db:
            batch = _next_batch(db, scan_id, endpoint, index, slice_)
            if whole_index:
                db.execute("""DELETE FROM full_batches WHERE scan_id=? AND endpoint=?
                              AND index_name=?""", (scan_id, endpoint, index))
            else:
                db.execute("""DELETE FROM full_batches WHERE scan_id=? AND endpoint=?
                              AND index_name=? AND slice=?""", (scan_id, endpoint, index, slice_))
            for part in parts:
                db.execute("INSERT INTO full_batches VALUES (?, ?, ?, ?, ?, ?)",
                           (scan_id, endpoint, index, slice_, batch, part))
                batch += 1
                written += len(part)
            db.execute("""UPDATE full_slices SET batches=?, updated_at=? WHERE scan_id=?
                          AND endpoint=? AND index_name=? AND slice=?""",
                       (batch, _now(), scan_id, endpoint, index, slice_))
        return written

    def finish_slice(self, scan_id: str, endpoint: str, index: str, slice_: int,
                     tally: bytes) -> None:
        """Mark a slice read to its end, its batches folded into one tally."""
        with self._tx() as db:
            db.execute("""DELETE FROM full_batches WHERE scan_id=? AND endpoint=?
                          AND index_name=? AND slice=?""", (scan_id, endpoint, index, slice_))
            db.execute("INSERT INTO full_batches VALUES (?, ?, ?, ?, 0, ?)",
                       (scan_id, endpoint, index, slice_, tally))
            db.execute("""UPDATE full_slices SET batches=1, done=1, updated_at=?
                          WHERE scan_id=? AND endpoint=? AND index_name=? AND slice=?""",
                       (_now(), scan_id, endpoint, index, slice_))

    def drop_checkpoints(self, scan_id: str) -> None:
        """Forget the per-slice tallies of a finished scan (the figures stay in results), and
        give their space back: a full scan's checkpoints took ~270 bytes a document at their
        peak on the lab's million support cases, which deleted rows alone would keep in the
        file."""
        with self._tx() as db:
            db.execute("DELETE FROM full_batches WHERE scan_id=?", (scan_id,))
        self._db.execute("VACUUM")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # WAL mode: shrink both files

    def scan_ids(self) -> list[str]:
        """Every scan id, newest first."""
        return [r[0] for r in self._db.execute(
            "SELECT scan_id FROM scans ORDER BY rowid DESC")]

    def scans(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest scans with their verdict counts."""
        rows = self._db.execute(
            """SELECT s.scan_id, s.started_at, s.finished_at, s.status,
                      COUNT(r.endpoint), SUM(r.verdict IN ('open','partial'))
               FROM scans s LEFT JOIN results r ON r.scan_id = s.scan_id
               GROUP BY s.scan_id ORDER BY s.rowid DESC LIMIT ?""",
            (limit,)).fetchall()
        return [{"scan_id": r[0], "started_at": r[1], "finished_at": r[2], "status": r[3],
                 "endpoints": r[4], "exposed": r[5] or 0} for r in rows]

    def resolve(self, scan_id: str) -> str:
        """A full scan id from an id or 'last'; UsageError when unknown."""
        if scan_id == "last":
            ids = self.scan_ids()
            if not ids:
                raise UsageError(f"no scan in {self.path}")
            return ids[0]
        row = self._db.execute("SELECT scan_id FROM scans WHERE scan_id=?", (scan_id,)).fetchone()
        if not row:
            raise UsageError(f"no scan {scan_id!r} in {self.path}")
        return str(row[0])

    def load(self, scan_id: str) -> dict[str, Any]:
        """The scan as one JSON-ready document (the shape of schema/scan-result.schema.json)."""
        scan_id = self.resolve(scan_id)
        s = self._db.execute("SELECT * FROM scans WHERE scan_id=?", (scan_id,)).fetchone()
        results = []
        for endpoint, body in self._db.execute(
                "SELECT endpoint, body FROM results WHERE scan_id=? ORDER BY rowid",
                (scan_id,)):
            result = orjson.loads(body)
            result["history"] = self._history(endpoint, scan_id)
            results.append(result)
        return {
            "scan_id": s[0], "started_at": s[1], "finished_at": s[2], "status": s[3],
            "targets": orjson.loads(s[4]), "options": orjson.loads(s[5]),
            "tool": {"name": "leakhound", "version": s[6]},
            "results": results,
        }

    def _history(self, endpoint: str, scan_id: str) -> dict[str, Any]:
        rows = self._db.execute(
            """SELECT r.scan_id, r.verdict, s.started_at, s.rowid FROM results r
               JOIN scans s ON s.scan_id = r.scan_id
               WHERE r.endpoint=? ORDER BY s.rowid""", (endpoint,)).fetchall()
        this = next((r[3] for r in rows if r[0] == scan_id), None)
        before = [r for r in rows if this is not None and r[3] < this]
        first_open = next((r[2] for r in rows if r[1] in ("open", "partial")), None)
        return {
            "first_seen": rows[0][2] if rows else None,
            "first_scan_id": rows[0][0] if rows else None,
            "first_seen_exposed": first_open,
            "previous_scans": len(before),
            "previous_verdict": before[-1][1] if before else None,
        }

    def save_investigation(self, scan_id: str, body: str) -> None:
        """Store (or replace) the access-log investigation of a scan (its JSON)."""
        scan_id = self.resolve(scan_id)
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO investigations VALUES (?, ?, ?)",
                       (scan_id, _now(), body))

    def load_investigation(self, scan_id: str) -> dict[str, Any] | None:
        """The stored investigation of a scan, or None."""
        row = self._db.execute("SELECT body FROM investigations WHERE scan_id=?",
                               (self.resolve(scan_id),)).fetchone()
        return dict(orjson.loads(row[0])) if row else None

    def purge(self, scan_id: str) -> None:
        """Delete one scan and everything it recorded, then reclaim the space."""
        scan_id = self.resolve(scan_id)
        with self._tx() as db:
            db.execute("DELETE FROM scans WHERE scan_id=?", (scan_id,))
        self._db.execute("VACUUM")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _next_batch(db: sqlite3.Connection, scan_id: str, endpoint: str, index: str,
                slice_: int) -> int:
    """The number the next batch row of a slice takes (its ``batches`` counter)."""
    row = db.execute("""SELECT batches FROM full_slices WHERE scan_id=? AND endpoint=?
                        AND index_name=? AND slice=?""",
                     (scan_id, endpoint, index, slice_)).fetchone()
    if row is None:
        raise StoreError(f"no checkpoint row for {index} slice {slice_}")
    return int(row[0])
