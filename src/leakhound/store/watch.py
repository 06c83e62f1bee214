"""What ``leakhound watch`` keeps in the findings database: its rounds (each one a stored
scan), the issues it follows, the alerts it raised and the delivery of each alert to each route.

A round's changes are written in ONE transaction (issues, alerts, deliveries due, the round
marked evaluated), so a watch killed at any point neither loses an alert nor raises it twice.
Times are UTC ISO 8601 strings of one width (milliseconds), so they compare as text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from ..errors import StoreError
from .sqlite import SqliteStore


def stamp(when: datetime) -> str:
    """A time as the watch tables keep it: UTC, milliseconds, one width."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_stamp(text: str) -> datetime:
    """A stored time back as an aware datetime."""
    return datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class RoundRow:
    """One round of a watch: the scan it ran and how it ended."""

    watch: str
    round: int
    scan_id: str
    started_at: str
    finished_at: str | None
    status: str  # running, done, interrupted, failed
    evaluated: bool


@dataclass(frozen=True, slots=True)
class IssueRow:
    """Something a watch follows until it goes away: an exposed store, ransom signs, a
    certificate near its expiry. ``state`` is what the last round saw (masked)."""

    issue_id: int
    key: str
    kind: str
    endpoint: str
    opened_at: str
    opened_scan: str
    reminders: int
    next_reminder: str | None
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IssueChange:
    """What a round does to one issue: ``open`` a new one, ``update`` or ``resolve`` the
    open one with the same key."""

    op: str  # open, update, resolve
    key: str
    kind: str
    endpoint: str
    state: dict[str, Any]
    reminders: int = 0
    next_reminder: str | None = None


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert as recorded: its body is the alert's JSON (masked evidence only)."""

    alert_id: str
    issue_key: str | None
    event: str
    severity: str
    endpoint: str
    scan_id: str
    created_at: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One alert to one route: where it stands."""

    alert_id: str
    route: str
    status: str  # pending, delivered, failed, dropped
    attempts: int
    next_at: str | None
    last_error: str | None
    delivered_at: str | None
    body: dict[str, Any]  # the alert's JSON


class WatchLog:
    """The record of one named watch in a findings database."""

    def __init__(self, store: SqliteStore, watch: str) -> None:
        self.store = store
        self.watch = watch
        self._db = store._db  # the store's own connection: one writer, one file

    def _tx(self) -> Any:
        return self.store._tx()

    def _read(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """Rows of a query; StoreError (one line) when the database cannot be read."""
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"findings database {self.store.path}: {exc}") from exc

    # -- rounds ------------------------------------------------------------------------

    def begin_round(self, scan_id: str, at: datetime) -> int:
        """Record a round about to scan ``scan_id``; its number."""
        with self._tx() as db:
            row = db.execute(
                "SELECT COALESCE(MAX(round), 0) FROM watch_rounds WHERE watch=?", (self.watch,)
            ).fetchone()
            number = int(row[0]) + 1
            db.execute(
                "INSERT INTO watch_rounds VALUES (?, ?, ?, ?, NULL, 'running', 0, NULL)",
                (self.watch, number, scan_id, stamp(at)),
            )
        return number

    def reopen_round(self, number: int) -> None:
        """Mark a round running again (it resumes its interrupted scan)."""
        with self._tx() as db:
            db.execute(
                """UPDATE watch_rounds SET status='running', finished_at=NULL
                          WHERE watch=? AND round=?""",
                (self.watch, number),
            )

    def finish_round(self, number: int, status: str, at: datetime, seconds: float) -> None:
        """Mark a round ended: done (then evaluated in ``commit``), interrupted or failed."""
        with self._tx() as db:
            db.execute(
                """UPDATE watch_rounds SET status=?, finished_at=?, seconds=?
                          WHERE watch=? AND round=?""",
                (status, stamp(at), seconds, self.watch, number),
            )

    def last_round(self) -> RoundRow | None:
        """The newest round of this watch."""
        rows = self.rounds(limit=1)
        return rows[0] if rows else None

    def rounds(self, limit: int = 100) -> list[RoundRow]:
        """The newest rounds, newest first."""
        rows = self._read(
            """SELECT watch, round, scan_id, started_at, finished_at, status, evaluated
               FROM watch_rounds WHERE watch=? ORDER BY round DESC LIMIT ?""",
            (self.watch, limit),
        )
        return [RoundRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]

    # -- issues, alerts and deliveries of a round --------------------------------------

    def open_issues(self) -> dict[str, IssueRow]:
        """The issues not resolved yet, by key."""
        rows = self._read(
            """SELECT issue_id, key, kind, endpoint, opened_at, opened_scan, reminders,
                      next_reminder, state FROM watch_issues
               WHERE watch=? AND resolved_at IS NULL ORDER BY issue_id""",
            (self.watch,),
        )
        return {
            r[1]: IssueRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], orjson.loads(r[8]))
            for r in rows
        }

    def resolved_since(self, at: datetime) -> dict[str, str]:
        """When the last issue of each key was resolved, for those resolved at ``at`` or
        after: a store opening again soon after is flapping."""
        rows = self._read(
            """SELECT key, MAX(resolved_at) FROM watch_issues
               WHERE watch=? AND resolved_at >= ? GROUP BY key""",
            (self.watch, stamp(at)),
        )
        return {r[0]: r[1] for r in rows}

    def settled_since(self, at: datetime) -> dict[str, dict[str, Any]]:
        """What the last issue of each key resolved at ``at`` or after had seen (its state):
        a store opening again soon after shows what was already alerted on."""
        rows = self._read(
            """SELECT key, state FROM watch_issues AS i
               WHERE watch=? AND resolved_at >= ? AND issue_id = (
                   SELECT MAX(issue_id) FROM watch_issues
                   WHERE watch=i.watch AND key=i.key AND resolved_at IS NOT NULL)""",
            (self.watch, stamp(at)),
        )
        return {r[0]: orjson.loads(r[1]) for r in rows}

    def commit(
        self,
        number: int,
        scan_id: str,
        at: datetime,
        changes: Sequence[IssueChange],
        alerts: Sequence[AlertRow],
        routes: Sequence[str],
        due: dict[str, datetime],
        *,
        ends: str | None = None,
    ) -> int:
        """Write a round's changes, its alerts and one pending delivery per alert and route
        (due at ``due[alert_id]``), and mark the round evaluated: one transaction.

        A store's alerts reach each route in the order they were raised: one held (quiet
        hours) is due with a newer one of the same endpoint due sooner, and a pending alert
        of event ``ends`` (an issue resolved) is dropped once an issue of its key opens again
        ("resolved" would be read last, and be wrong), whether that opening raised an alert
        or not. How many deliveries were dropped so."""
        now = stamp(at)
        dropped = 0
        with self._tx() as db:
            ids: dict[str, int] = {}
            for c in changes:
                state = orjson.dumps(c.state).decode()
                if c.op == "open":
                    cur = db.execute(
                        """INSERT INTO watch_issues (watch, key, kind, endpoint, opened_at,
                           opened_scan, reminders, next_reminder, state)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                        (
                            self.watch,
                            c.key,
                            c.kind,
                            c.endpoint,
                            now,
                            scan_id,
                            c.reminders,
                            c.next_reminder,
                            state,
                        ),
                    )
                    ids[c.key] = int(cur.lastrowid or 0)
                    continue
                row = db.execute(
                    """SELECT issue_id FROM watch_issues WHERE watch=? AND key=?
                                    AND resolved_at IS NULL""",
                    (self.watch, c.key),
                ).fetchone()
                if row is None:
                    raise StoreError(f"no open watch issue {c.key!r} to {c.op}")
                ids[c.key] = int(row[0])
                if c.op == "update":
                    db.execute(
                        """UPDATE watch_issues SET reminders=?, next_reminder=?, state=?
                                  WHERE issue_id=?""",
                        (c.reminders, c.next_reminder, state, row[0]),
                    )
                else:
                    db.execute(
                        """UPDATE watch_issues SET resolved_at=?, resolved_scan=?,
                                  next_reminder=NULL, state=? WHERE issue_id=?""",
                        (now, scan_id, state, row[0]),
                    )
            opened = [c.key for c in changes if c.op == "open"]
            if ends is not None and opened:
                dropped = self._supersede(db, opened, ends, now)
            fresh: list[tuple[int, str, str]] = []  # this round's alerts: rowid, endpoint, due
            for a in alerts:
                cur = db.execute(
                    "INSERT INTO watch_alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        a.alert_id,
                        self.watch,
                        ids.get(a.issue_key or ""),
                        a.event,
                        a.severity,
                        a.endpoint,
                        a.scan_id,
                        a.created_at,
                        orjson.dumps(a.body).decode(),
                    ),
                )
                when = stamp(due.get(a.alert_id, at))
                for route in routes:
                    db.execute(
                        """INSERT INTO watch_deliveries VALUES
                                  (?, ?, 'pending', 0, ?, NULL, NULL)""",
                        (a.alert_id, route, when),
                    )
                fresh.append((int(cur.lastrowid or 0), a.endpoint, when))
            self._bring_forward(db, fresh)
            db.execute(
                """UPDATE watch_rounds SET evaluated=1 WHERE watch=? AND round=?""",
                (self.watch, number),
            )
        return dropped

    # The two below read the history once a round (one statement), never once an alert or an
    # issue: a large estate's round on a watch database of years would hold the event loop.

    def _supersede(self, db: sqlite3.Connection, keys: list[str], ends: str, now: str) -> int:
        """Drop the pending deliveries of the ``ends`` alerts of earlier issues of ``keys``,
        which open again (with an alert or without: ransom signs already alerted on); how
        many."""
        cur = db.execute(
            """UPDATE watch_deliveries SET status='dropped', next_at=NULL, last_error=?
               WHERE status='pending' AND alert_id IN (
                   SELECT a.alert_id FROM watch_alerts a
                   JOIN watch_issues i ON i.issue_id = a.issue_id
                   WHERE a.watch=? AND a.event=? AND i.resolved_at IS NOT NULL
                     AND i.key IN (SELECT value FROM json_each(?)))""",
            (
                f"superseded before delivery: the issue opened again at {now}",
                self.watch,
                ends,
                orjson.dumps(keys).decode(),
            ),
        )
        return max(cur.rowcount, 0)

    def _bring_forward(self, db: sqlite3.Connection, fresh: list[tuple[int, str, str]]) -> None:
        """Held deliveries (never tried yet) go no later than the earliest due of a newer
        alert of the same endpoint among ``fresh`` (rowid, endpoint, due)."""
        newer: dict[str, list[tuple[int, str]]] = {}
        for rowid, endpoint, when in fresh:
            newer.setdefault(endpoint, []).append((rowid, when))
        if not newer:
            return
        rows = db.execute(
            """SELECT d.alert_id, d.route, d.next_at, a.endpoint, a.rowid
               FROM watch_deliveries d JOIN watch_alerts a ON a.alert_id = d.alert_id
               WHERE a.watch=? AND d.status='pending' AND d.attempts=0""",
            (self.watch,),
        ).fetchall()
        for alert_id, route, next_at, endpoint, rowid in rows:
            sooner = min((w for r, w in newer.get(endpoint, ()) if r > rowid), default=None)
            if sooner is not None and next_at is not None and next_at > sooner:
                db.execute(
                    "UPDATE watch_deliveries SET next_at=? WHERE alert_id=? AND route=?",
                    (sooner, alert_id, route),
                )

    def alerts(self, limit: int = 1000) -> list[AlertRow]:
        """The newest alerts of this watch, oldest first."""
        rows = self._read(
            """SELECT a.alert_id, i.key, a.event, a.severity, a.endpoint, a.scan_id,
                      a.created_at, a.body
               FROM watch_alerts a LEFT JOIN watch_issues i ON i.issue_id = a.issue_id
               WHERE a.watch=? ORDER BY a.rowid DESC LIMIT ?""",
            (self.watch, limit),
        )
        return [
            AlertRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], orjson.loads(r[7]))
            for r in reversed(rows)
        ]

    def due(self, at: datetime, routes: Iterable[str], limit: int = 100) -> list[DeliveryRow]:
        """Pending deliveries to these routes whose time has come, in the order their alerts
        were raised (a retry due late and a newer alert due earlier: the older goes first)."""
        names = list(routes)
        if not names:
            return []
        marks = ",".join("?" * len(names))
        rows = self._read(
            f"""SELECT d.alert_id, d.route, d.status, d.attempts, d.next_at, d.last_error,
                       d.delivered_at, a.body
                FROM watch_deliveries d JOIN watch_alerts a ON a.alert_id = d.alert_id
                WHERE a.watch=? AND d.status='pending' AND d.next_at<=? AND d.route IN ({marks})
                ORDER BY a.rowid, d.route LIMIT ?""",  # noqa: S608 - placeholders only
            (self.watch, stamp(at), *names, limit),
        )
        return [
            DeliveryRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], orjson.loads(r[7])) for r in rows
        ]

    def next_due(self, routes: Iterable[str]) -> datetime | None:
        """When the earliest pending delivery to these routes is due; None: nothing pending."""
        names = list(routes)
        if not names:
            return None
        marks = ",".join("?" * len(names))
        row = (
            self._read(
                f"""SELECT MIN(d.next_at) FROM watch_deliveries d
                JOIN watch_alerts a ON a.alert_id = d.alert_id
                WHERE a.watch=? AND d.status='pending' AND d.route IN ({marks})""",  # noqa: S608
                (self.watch, *names),
            )
            or [None]
        )[0]
        return parse_stamp(row[0]) if row and row[0] else None

    def delivered(self, alert_id: str, route: str, attempts: int, at: datetime) -> None:
        """Record a delivery that went through (the last failed attempt's error stays)."""
        with self._tx() as db:
            db.execute(
                """UPDATE watch_deliveries SET status='delivered', attempts=?, next_at=NULL,
                          delivered_at=? WHERE alert_id=? AND route=?""",
                (attempts, stamp(at), alert_id, route),
            )

    def retry(self, alert_id: str, route: str, attempts: int, error: str, at: datetime) -> None:
        """Record a failed attempt and when the next one is due (a delivery dropped while
        its attempt was under way stays dropped)."""
        self._set(alert_id, route, "pending", attempts, stamp(at), error[:300], None)

    def failed(self, alert_id: str, route: str, attempts: int, error: str) -> None:
        """Record a delivery given up after its last attempt."""
        self._set(alert_id, route, "failed", attempts, None, error[:300], None)

    def _set(
        self,
        alert_id: str,
        route: str,
        status: str,
        attempts: int,
        next_at: str | None,
        error: str | None,
        delivered_at: str | None,
    ) -> None:
        # Only a pending delivery: one dropped (superseded, its route removed) while its
        # attempt was under way is not brought back by the attempt's failure.
        with self._tx() as db:
            db.execute(
                """UPDATE watch_deliveries SET status=?, attempts=?, next_at=?,
                          last_error=?, delivered_at=?
                   WHERE alert_id=? AND route=? AND status='pending'""",
                (status, attempts, next_at, error, delivered_at, alert_id, route),
            )

    def drop_other_routes(self, routes: Iterable[str]) -> int:
        """Pending deliveries to routes no longer configured: marked dropped; how many."""
        keep = set(routes)
        with self._tx() as db:
            rows = db.execute(
                """SELECT d.alert_id, d.route FROM watch_deliveries d
                   JOIN watch_alerts a ON a.alert_id = d.alert_id
                   WHERE a.watch=? AND d.status='pending'""",
                (self.watch,),
            ).fetchall()
            gone = [(a, r) for a, r in rows if r not in keep]
            for alert_id, route in gone:
                db.execute(
                    """UPDATE watch_deliveries SET status='dropped', next_at=NULL,
                              last_error='the route is no longer configured'
                              WHERE alert_id=? AND route=?""",
                    (alert_id, route),
                )
        return len(gone)

    def deliveries(self) -> list[DeliveryRow]:
        """Every delivery of this watch, in the order the alerts were raised."""
        rows = self._read(
            """SELECT d.alert_id, d.route, d.status, d.attempts, d.next_at, d.last_error,
                      d.delivered_at, a.body
               FROM watch_deliveries d JOIN watch_alerts a ON a.alert_id = d.alert_id
               WHERE a.watch=? ORDER BY a.rowid, d.route""",
            (self.watch,),
        )
        return [
            DeliveryRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], orjson.loads(r[7])) for r in rows
        ]
