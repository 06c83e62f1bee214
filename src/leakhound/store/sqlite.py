"""The findings database: SQLite in WAL mode, file 0600, one transaction per target result."""

from __future__ import annotations

import os
import secrets
import sqlite3
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import platformdirs

from .. import __version__
from ..errors import StoreError, UsageError
from ..models import PeopleAcross, TargetResult, Verdict, from_dict, openness, to_dict
from .migrations import SCHEMA_VERSION, migrate
from .records import History, ScanRecord, Tool, result_from_json


def default_db_path() -> Path:
    """The findings database under the user's data directory."""
    return Path(platformdirs.user_data_dir("leakhound")) / "findings.db"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_scan_id() -> str:
    """A sortable, unique scan handle: UTC time plus randomness."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def private_folder(folder: Path) -> None:
    """Create ``folder`` and each missing folder above it 0700 (``mkdir -p`` would give the
    ones above the umask's mode, and their names to every local user); folders already
    there are left as they are."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for f in reversed(missing):
        try:
            f.mkdir(mode=0o700)
        except FileExistsError:
            continue  # made meanwhile by another process
        _chmod(f, 0o700)  # whatever the umask took away or left


def _create_private(path: Path) -> None:
    """Create the database file 0600 (and the folders leakhound makes for it 0700) before
    SQLite opens it."""
    private_folder(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    _chmod(path, 0o600)


def _keep_private(path: Path) -> None:
    """A database file of ours that others may read (made by an older leakhound, copied,
    restored from a backup) made 0600 again, with its ``-wal`` and ``-shm`` files, before
    anything is written into it: SQLite gives those files the database file's mode. A file
    of another user is left to its owner."""
    for f in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            st = f.stat()
        except FileNotFoundError:
            continue
        if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
            _chmod(f, stat.S_IMODE(st.st_mode) & 0o700)


def _chmod(path: Path, mode: int) -> None:
    """``path`` given ``mode`` where its file system lets its owner change modes; where it
    does not (CIFS, vfat, a read-only mount) the database still opens: what was made was
    made no more open than ``mode`` (``os.open``'s and ``mkdir``'s own), and a file that was
    there is as its owner left it."""
    with suppress(OSError):
        os.chmod(path, mode)


class SqliteStore:
    """Scans, results and asset history in one SQLite file."""

    def __init__(self, path: Path | str | None = None, *, create: bool = True) -> None:
        """The database at ``path`` (default: the user's), made when missing unless
        ``create`` is off (a command that only reads it: no empty file left behind)."""
        self.path = Path(path) if path else default_db_path()
        if not create and not self.path.exists():
            raise UsageError(
                f"no findings database at {self.path}: no scan was stored there "
                "(give the --db a scan wrote)"
            )
        try:
            if self.path.exists():
                _keep_private(self.path)
            else:
                _create_private(self.path)
            old = os.umask(0o077)  # -wal and -shm files must not be readable by others
            try:
                self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                # A fold writes tens of megabytes in one transaction: the log is cut back
                # after it, not kept at its largest size.
                self._db.execute("PRAGMA journal_size_limit=16777216")
            finally:
                os.umask(old)
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=NORMAL")
            # A deleted row stays in the file's free space unless this is on, and a full
            # read's positions are raw key values (an e-mail address in a table keyed by
            # it): Debian builds SQLite with it on, python.org's and Homebrew's do not.
            self._db.execute("PRAGMA secure_delete=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the findings database {self.path}: {exc}") from exc
        except OSError as exc:
            raise StoreError(
                f"cannot create the findings database {self.path}: {exc.strerror or exc}"
            ) from exc

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
            raise StoreError(
                f"{self.path} was written by a newer leakhound "
                f"(schema {version} > {SCHEMA_VERSION})"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._tx() as db:
                migrate(db, target)
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('hash_key', ?)",
                (secrets.token_bytes(32),),
            )
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
            db.execute(
                "INSERT INTO scans VALUES (?, ?, NULL, 'running', ?, ?, ?)",
                (
                    scan_id,
                    _now(),
                    orjson.dumps(targets).decode(),
                    orjson.dumps(options).decode(),
                    __version__,
                ),
            )
        return scan_id

    def finish_scan(self, scan_id: str, status: str = "done") -> None:
        """Mark a scan finished (done, interrupted or failed)."""
        with self._tx() as db:
            db.execute(
                "UPDATE scans SET finished_at=?, status=? WHERE scan_id=?",
                (_now(), status, scan_id),
            )

    def record_people(self, scan_id: str, people: Iterable[PeopleAcross]) -> None:
        """Keep the people a scan counted once across stores (a figure a type for the stores
        read whole, and one for those estimated from their samples pooled; a later count of
        the same scan, a resumed one, replaces them); the identifiers kept for that count
        (``keep_identifiers``) are dropped."""
        with self._tx() as db:
            db.execute("DELETE FROM scan_people WHERE scan_id=?", (scan_id,))
            # the table's key is the type's: a pooled figure beside one read whole of the
            # same type has a key of its own, else it would replace it
            db.executemany(
                "INSERT OR REPLACE INTO scan_people VALUES (?, ?, ?)",
                [
                    (
                        scan_id,
                        p.entity_type if p.basis is None else f"{p.entity_type} pooled",
                        orjson.dumps(to_dict(p)).decode(),
                    )
                    for p in people
                ],
            )
            db.execute("DELETE FROM scan_identifiers WHERE scan_id=?", (scan_id,))

    def counted_people(self, scan_id: str) -> bool:
        """Whether the scan has counted its people across stores (``record_people``): it had
        scanned every target, and dropped what it counted them from."""
        row = self._db.execute(
            "SELECT 1 FROM scan_people WHERE scan_id=? LIMIT 1", (scan_id,)
        ).fetchone()
        return row is not None

    def keep_identifiers(
        self, scan_id: str, endpoint: str, entity_type: str, digests: bytes
    ) -> None:
        """Keep the keyed digests of the identifiers of a store a scan read whole, until the
        scan counts its people across stores (``record_people``): a scan killed before then
        and resumed counts them again without reading the store again."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO scan_identifiers VALUES (?, ?, ?, ?)",
                (scan_id, endpoint, entity_type, digests),
            )

    def kept_identifiers(self, scan_id: str) -> list[tuple[str, str, bytes]]:
        """The identifiers kept for a scan (``keep_identifiers``): endpoint, type, digests."""
        return [
            (endpoint, etype, bytes(digests))
            for endpoint, etype, digests in self._db.execute(
                """SELECT endpoint, entity_type, digests FROM scan_identifiers
                   WHERE scan_id=? ORDER BY endpoint, entity_type""",
                (scan_id,),
            )
        ]

    def record(self, scan_id: str, result: TargetResult) -> None:
        """Save one target's result atomically; history is read from earlier results."""
        svc = result.service
        endpoint = svc.endpoint.key
        now = _now()
        body = to_dict(result)
        with self._tx() as db:
            # Its history under what named it before: only results that name said (a result
            # whose store a replication ID named keeps the process's in its details), so a
            # server giving another store's ID as its run_id takes none of that store's.
            for former in svc.former_store_ids:
                db.execute(
                    """UPDATE results SET store_id=? WHERE store_id=? AND json_extract(body,
                       '$.service.fingerprint.details.run_id') IS NULL""",
                    (svc.store_id, former),
                )
            db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    scan_id,
                    endpoint,
                    svc.url,
                    svc.kind,
                    svc.verdict.value,
                    svc.reason,
                    now,
                    orjson.dumps(body).decode(),
                    svc.store_id,
                ),
            )
            for ir in result.containers:
                idx = ir.container
                db.execute(
                    "INSERT OR REPLACE INTO indices VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        scan_id,
                        endpoint,
                        idx.name,
                        idx.docs,
                        idx.store_bytes,
                        idx.date_min,
                        idx.date_max,
                        int(idx.compromised),
                    ),
                )
                if ir.sample:
                    for pii in ir.sample.pii:
                        for f in pii.fields:
                            db.execute(
                                "INSERT OR REPLACE INTO pii VALUES (?, ?, ?, ?, ?, ?, ?)",
                                (
                                    scan_id,
                                    endpoint,
                                    idx.name,
                                    pii.entity_type,
                                    f.path,
                                    f.docs,
                                    ir.sample.docs,
                                ),
                            )
                if ir.full:
                    for fp in ir.full.pii:
                        for ff in fp.fields:
                            d = ff.distinct
                            db.execute(
                                "INSERT OR REPLACE INTO full_pii VALUES "
                                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                (
                                    scan_id,
                                    endpoint,
                                    idx.name,
                                    fp.entity_type,
                                    ff.path,
                                    ff.docs,
                                    ir.full.docs,
                                    d.estimate,
                                    d.lower,
                                    d.upper,
                                    int(d.exact),
                                ),
                            )

    # -- full-depth checkpoints (leakhound.scanner.full) -----------------------------------

    def scan_options(self, scan_id: str) -> dict[str, Any]:
        """The options a stored scan ran with."""
        row = self._db.execute(
            "SELECT options FROM scans WHERE scan_id=?", (self.resolve(scan_id),)
        ).fetchone()
        return dict(orjson.loads(row[0]))

    def reopen_scan(self, scan_id: str) -> tuple[list[str], dict[str, Any]]:
        """Mark a stored scan running again; return its targets and options (for --resume)."""
        scan_id = self.resolve(scan_id)
        with self._tx() as db:
            row = db.execute(
                "SELECT targets, options FROM scans WHERE scan_id=?", (scan_id,)
            ).fetchone()
            db.execute(
                "UPDATE scans SET status='running', finished_at=NULL WHERE scan_id=?", (scan_id,)
            )
        return orjson.loads(row[0]), orjson.loads(row[1])

    def recorded_endpoints(self, scan_id: str) -> set[str]:
        """Endpoints (``Endpoint.key``: host:port, and the account where there is one)
        whose result this scan already recorded."""
        return {
            r[0]
            for r in self._db.execute("SELECT endpoint FROM results WHERE scan_id=?", (scan_id,))
        }

    def partitions(self, scan_id: str, endpoint: str, container: str) -> list[Checkpoint]:
        """The checkpoints of one container's partitions, by partition number."""
        rows = self._db.execute(
            """SELECT partition, plan, position, docs, batches, done
               FROM full_partitions WHERE scan_id=? AND endpoint=? AND container=?
               ORDER BY partition""",
            (scan_id, endpoint, container),
        ).fetchall()
        return [
            Checkpoint(
                r[0],
                orjson.loads(r[1]),
                orjson.loads(r[2]) if r[2] else None,
                r[3],
                r[4],
                bool(r[5]),
            )
            for r in rows
        ]

    def partition_tallies(
        self, scan_id: str, endpoint: str, container: str, partition: int
    ) -> Iterator[bytes]:
        """The tallies counted so far in one partition, in batch order, one at a time: a
        partition of a big container holds hundreds of megabytes of them. Consume before
        writing again."""
        batches = self._db.execute(
            """SELECT batch FROM full_tallies WHERE scan_id=? AND endpoint=? AND container=?
               AND partition=? ORDER BY batch""",
            (scan_id, endpoint, container, partition),
        ).fetchall()
        for (batch,) in batches:
            row = self._db.execute(
                """SELECT tally FROM full_tallies WHERE scan_id=? AND endpoint=?
                   AND container=? AND partition=? AND batch=?""",
                (scan_id, endpoint, container, partition, batch),
            ).fetchone()
            if row is not None:
                yield bytes(row[0])

    def start_partitions(
        self,
        scan_id: str,
        endpoint: str,
        container: str,
        plan: dict[str, Any],
        which: Iterable[int] | None = None,
    ) -> None:
        """(Re)start partitions from zero: no position, no counts (all of the plan's unless
        ``which``); every partition of the container then shares ``plan``."""
        numbers = list(range(int(plan["partitions"]))) if which is None else list(which)
        text = orjson.dumps(plan).decode()
        with self._tx() as db:
            for n in numbers:
                db.execute(
                    """DELETE FROM full_tallies WHERE scan_id=? AND endpoint=?
                              AND container=? AND partition=?""",
                    (scan_id, endpoint, container, n),
                )
                db.execute(
                    "INSERT OR REPLACE INTO full_partitions VALUES "
                    "(?, ?, ?, ?, ?, NULL, 0, 0, 0, ?)",
                    (scan_id, endpoint, container, n, text, _now()),
                )
            db.execute(
                """UPDATE full_partitions SET plan=? WHERE scan_id=? AND endpoint=?
                          AND container=?""",
                (text, scan_id, endpoint, container),
            )

    def checkpoint(
        self,
        scan_id: str,
        endpoint: str,
        container: str,
        partition: int,
        *,
        tally: bytes,
        docs: int,
        position: Any,
        done: bool = False,
    ) -> None:
        """Count one batch and move the partition's position past it, in ONE transaction."""
        with self._tx() as db:
            batch = _next_batch(db, scan_id, endpoint, container, partition)
            db.execute(
                "INSERT INTO full_tallies VALUES (?, ?, ?, ?, ?, ?)",
                (scan_id, endpoint, container, partition, batch, tally),
            )
            db.execute(
                """UPDATE full_partitions SET position=?, docs=docs+?,
                          batches=batches+1, done=?, updated_at=?
                          WHERE scan_id=? AND endpoint=? AND container=? AND partition=?""",
                (
                    orjson.dumps(position).decode() if position is not None else None,
                    docs,
                    int(done),
                    _now(),
                    scan_id,
                    endpoint,
                    container,
                    partition,
                ),
            )

    def fold_partition(
        self, scan_id: str, endpoint: str, container: str, partition: int, parts: Iterable[bytes]
    ) -> int:
        """Replace a partition's batch tallies with ``parts`` (``Tally.to_parts`` of the
        partition's tally: the same counts, each digest once), in ONE transaction; the bytes
        written.

        A customer who writes in every batch is stored once instead of once a batch, and a
        type past the exact limit keeps its sketch without digests: a partition's rows stay
        within a few times its distinct values, however many records it holds."""
        written = 0
        with self._tx() as db:
            batch = _next_batch(db, scan_id, endpoint, container, partition)
            db.execute(
                """DELETE FROM full_tallies WHERE scan_id=? AND endpoint=?
                          AND container=? AND partition=?""",
                (scan_id, endpoint, container, partition),
            )
            for part in parts:
                db.execute(
                    "INSERT INTO full_tallies VALUES (?, ?, ?, ?, ?, ?)",
                    (scan_id, endpoint, container, partition, batch, part),
                )
                batch += 1
                written += len(part)
            db.execute(
                """UPDATE full_partitions SET batches=?, updated_at=? WHERE scan_id=?
                          AND endpoint=? AND container=? AND partition=?""",
                (batch, _now(), scan_id, endpoint, container, partition),
            )
        return written

    def finish_partition(
        self, scan_id: str, endpoint: str, container: str, partition: int, tally: bytes
    ) -> None:
        """Mark a partition read to its end, its batches replaced by one tally."""
        with self._tx() as db:
            db.execute(
                """DELETE FROM full_tallies WHERE scan_id=? AND endpoint=?
                          AND container=? AND partition=?""",
                (scan_id, endpoint, container, partition),
            )
            db.execute(
                "INSERT INTO full_tallies VALUES (?, ?, ?, ?, 0, ?)",
                (scan_id, endpoint, container, partition, tally),
            )
            db.execute(
                """UPDATE full_partitions SET batches=1, done=1, updated_at=?
                          WHERE scan_id=? AND endpoint=? AND container=? AND partition=?""",
                (_now(), scan_id, endpoint, container, partition),
            )

    def finish_container(
        self,
        scan_id: str,
        endpoint: str,
        container: str,
        figures: dict[str, Any],
        parts: Iterable[bytes],
    ) -> int:
        """A container read to its end, in ONE transaction: its figures kept, its tally's
        ``parts`` (``Tally.to_parts``) added to the endpoint's, its own rows deleted, and its
        partitions' positions and plan state forgotten: they hold the store's key values (a
        keyset read's last key, the keys a table was split at), which may be personal data,
        and nothing reads them again (a resume takes the figures). The bytes written."""
        written = 0
        with self._tx() as db:
            db.execute(
                """DELETE FROM full_tallies WHERE scan_id=? AND endpoint=?
                          AND container=?""",
                (scan_id, endpoint, container),
            )
            db.execute(
                """UPDATE full_partitions SET position=NULL,
                          plan=json_set(plan, '$.state', json('null'))
                          WHERE scan_id=? AND endpoint=? AND container=?""",
                (scan_id, endpoint, container),
            )
            db.execute(
                "INSERT OR REPLACE INTO full_finished VALUES (?, ?, ?, ?)",
                (scan_id, endpoint, container, orjson.dumps(figures).decode()),
            )
            row = db.execute(
                "SELECT MAX(part) FROM full_totals WHERE scan_id=? AND endpoint=?",
                (scan_id, endpoint),
            ).fetchone()
            part = -1 if row[0] is None else int(row[0])
            for blob in parts:
                part += 1
                db.execute(
                    "INSERT INTO full_totals VALUES (?, ?, ?, ?)", (scan_id, endpoint, part, blob)
                )
                written += len(blob)
        # The log keeps the pages the positions were in until a checkpoint: written into
        # the database now (which the rows no longer hold), and the log emptied. A reader
        # holding it (a report run meanwhile) leaves it to the next finished container.
        with suppress(sqlite3.OperationalError):
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return written

    def finished(self, scan_id: str, endpoint: str, container: str) -> dict[str, Any] | None:
        """The figures of a container this scan read to its end, or None."""
        row = self._db.execute(
            """SELECT figures FROM full_finished WHERE scan_id=? AND
                                  endpoint=? AND container=?""",
            (scan_id, endpoint, container),
        ).fetchone()
        return dict(orjson.loads(row[0])) if row else None

    def finished_by_own(self, scan_id: str, endpoint: str, own: str) -> dict[str, Any] | None:
        """The figures of a container this scan read to its end whose plan knows it by
        ``own`` (``ReadPlan.own``: a digest of the store's own name), whatever its name."""
        row = self._db.execute(
            """SELECT f.figures FROM full_finished f JOIN full_partitions p
                      ON p.scan_id = f.scan_id AND p.endpoint = f.endpoint
                      AND p.container = f.container
               WHERE f.scan_id=? AND f.endpoint=? AND json_extract(p.plan, '$.own')=?
               LIMIT 1""",
            (scan_id, endpoint, own),
        ).fetchone()
        return dict(orjson.loads(row[0])) if row else None

    def total_tallies(self, scan_id: str, endpoint: str) -> Iterator[bytes]:
        """The pieces of the endpoint's tally (the containers read to their end), one at a
        time. Consume before writing again."""
        parts = self._db.execute(
            "SELECT part FROM full_totals WHERE scan_id=? AND endpoint=? ORDER BY part",
            (scan_id, endpoint),
        ).fetchall()
        for (part,) in parts:
            row = self._db.execute(
                """SELECT tally FROM full_totals WHERE scan_id=? AND
                                      endpoint=? AND part=?""",
                (scan_id, endpoint, part),
            ).fetchone()
            if row is not None:
                yield bytes(row[0])

    def fold_total(self, scan_id: str, endpoint: str, parts: Iterable[bytes]) -> int:
        """Replace the endpoint's tally pieces with ``parts`` (each digest once), in ONE
        transaction; the bytes written."""
        written = 0
        with self._tx() as db:
            db.execute(
                "DELETE FROM full_totals WHERE scan_id=? AND endpoint=?", (scan_id, endpoint)
            )
            for n, blob in enumerate(parts):
                db.execute(
                    "INSERT INTO full_totals VALUES (?, ?, ?, ?)", (scan_id, endpoint, n, blob)
                )
                written += len(blob)
        return written

    def drop_checkpoints(self, scan_id: str) -> None:
        """Forget the per-slice tallies of a finished scan (the figures stay in results), and
        give their space back: a full scan's checkpoints took 128 MiB at their peak on the
        lab's million support cases (~400 bytes a distinct person), which deleted rows alone
        would keep in the file. Its partitions go too: their plans and positions hold the
        store's key values (a keyset read's last key, a table split at keys), which may be
        personal data (a table keyed by e-mail address) and nothing reads once it is done."""
        with self._tx() as db:
            for table in ("full_tallies", "full_totals", "full_finished", "full_partitions"):
                db.execute(f"DELETE FROM {table} WHERE scan_id=?", (scan_id,))  # noqa: S608
        self._db.execute("VACUUM")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # WAL mode: shrink both files

    def scan_ids(self) -> list[str]:
        """Every scan id, newest first."""
        return [r[0] for r in self._db.execute("SELECT scan_id FROM scans ORDER BY rowid DESC")]

    def scans(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest scans with their verdict counts."""
        rows = self._db.execute(
            """SELECT s.scan_id, s.started_at, s.finished_at, s.status,
                      COUNT(r.endpoint), SUM(r.verdict IN ('open','partial'))
               FROM scans s LEFT JOIN results r ON r.scan_id = s.scan_id
               GROUP BY s.scan_id ORDER BY s.rowid DESC LIMIT ?""",
            (limit,),
        ).fetchall()
        return [
            {
                "scan_id": r[0],
                "started_at": r[1],
                "finished_at": r[2],
                "status": r[3],
                "endpoints": r[4],
                "exposed": r[5] or 0,
            }
            for r in rows
        ]

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

    def load(self, scan_id: str, *, history: bool = True) -> ScanRecord:
        """The scan with every result and each endpoint's history (``history=False``: an
        empty one, for a reader that asks ``history`` of the few endpoints it needs)."""
        try:
            return self._load(scan_id, history)
        except sqlite3.Error as exc:  # a disk failing under a long-running reader: one line
            raise StoreError(f"findings database {self.path}: {exc}") from exc

    def _load(self, scan_id: str, history: bool) -> ScanRecord:
        scan_id = self.resolve(scan_id)
        s = self._db.execute("SELECT * FROM scans WHERE scan_id=?", (scan_id,)).fetchone()
        results = []
        for store_id, body in self._db.execute(
            "SELECT store_id, body FROM results WHERE scan_id=? ORDER BY rowid", (scan_id,)
        ):
            try:
                results.append(
                    result_from_json(
                        orjson.loads(body),
                        self.history(store_id, scan_id) if history else History(),
                    )
                )
            except (ValueError, TypeError, KeyError) as exc:
                raise StoreError(
                    f"a stored result of scan {scan_id} is unreadable: {type(exc).__name__}: {exc}"[
                        :300
                    ]
                ) from exc
        across = tuple(
            from_dict(PeopleAcross, orjson.loads(body))
            for (body,) in self._db.execute(
                "SELECT body FROM scan_people WHERE scan_id=? ORDER BY entity_type", (scan_id,)
            )
        )
        return ScanRecord(
            s[0],
            s[1],
            s[2],
            s[3],
            tuple(orjson.loads(s[4])),
            orjson.loads(s[5]),
            Tool("leakhound", s[6]),
            tuple(results),
            across,
        )

    def history(self, store_id: str, scan_id: str) -> History:
        """What the scans up to ``scan_id`` saw of the store (``Service.store_id``), at any of
        its endpoints (one row a scan: its most open verdict); with what they saw at those
        endpoints before it told its identity (a MongoDB replica set's, a PostgreSQL
        cluster's, which older versions did not read: its results then were kept under their
        endpoint, ``kind@host:port``, and no migration can give them an identity their bodies
        do not hold), so that its first sighting stays the first."""
        rows = self._db.execute(
            """SELECT r.scan_id, r.verdict, s.started_at, s.rowid FROM results r
               JOIN scans s ON s.scan_id = r.scan_id
               WHERE r.store_id = ?1 OR r.store_id IN (
                   SELECT DISTINCT o.kind || '@' || o.endpoint FROM results o
                   WHERE o.store_id = ?1)
               ORDER BY s.rowid""",
            (store_id,),
        ).fetchall()
        scans: dict[str, tuple[str, str, int]] = {}
        for sid, verdict, started, rowid in rows:
            kept = scans.get(sid)
            if kept is None or openness(verdict) < openness(kept[0]):
                scans[sid] = (verdict, started, rowid)
        this = scans[scan_id][2] if scan_id in scans else None
        before = [(sid, v) for sid, v in scans.items() if this is not None and v[2] < this]
        ordered = list(scans.items())
        first_open = next((v[1] for _, v in ordered if Verdict.parse(v[0]).exposed), None)
        return History(
            first_seen=ordered[0][1][1] if ordered else None,
            first_scan_id=ordered[0][0] if ordered else None,
            first_seen_exposed=first_open,
            previous_scans=len(before),
            previous_verdict=Verdict.parse(before[-1][1][0]) if before else None,
        )

    def save_investigation(self, scan_id: str, body: str) -> None:
        """Store (or replace) the access-log investigation of a scan (its JSON)."""
        scan_id = self.resolve(scan_id)
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO investigations VALUES (?, ?, ?)", (scan_id, _now(), body)
            )

    def load_investigation(self, scan_id: str) -> dict[str, Any] | None:
        """The stored investigation of a scan, or None."""
        row = self._db.execute(
            "SELECT body FROM investigations WHERE scan_id=?", (self.resolve(scan_id),)
        ).fetchone()
        return dict(orjson.loads(row[0])) if row else None

    def purge(self, scan_id: str) -> None:
        """Delete one scan and everything it recorded, then reclaim the space."""
        scan_id = self.resolve(scan_id)
        with self._tx() as db:
            db.execute("DELETE FROM scans WHERE scan_id=?", (scan_id,))
        self._db.execute("VACUUM")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _next_batch(
    db: sqlite3.Connection, scan_id: str, endpoint: str, container: str, partition: int
) -> int:
    """The number the next batch row of a partition takes (its ``batches`` counter)."""
    row = db.execute(
        """SELECT batches FROM full_partitions WHERE scan_id=? AND endpoint=?
                        AND container=? AND partition=?""",
        (scan_id, endpoint, container, partition),
    ).fetchone()
    if row is None:
        raise StoreError(f"no checkpoint row for {container} partition {partition}")
    return int(row[0])


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where one partition of a container stands: its plan, position and counts so far."""

    partition: int
    plan: dict[str, Any]  # ReadPlan.to_json of the plan the partition reads under
    position: Any  # where its next page starts; None: from its start
    docs: int
    batches: int
    done: bool
