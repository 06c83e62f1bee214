"""The findings database's schema, one migration a version: each step from an older file to
this version, run in order when the store opens (``SqliteStore``), each in its own
transaction."""

from __future__ import annotations

import ipaddress
import sqlite3

import orjson

from ..errors import UsageError

SCHEMA_VERSION = 10

# The tables whose rows name a scan's result by its endpoint (migration 10 moves them).
_ENDPOINT_ROWS = (
    "indices",
    "pii",
    "full_pii",
    "full_partitions",
    "full_tallies",
    "full_finished",
    "full_totals",
    "scan_identifiers",
    "watch_alerts",
)
# The tables a scan writes for an endpoint before its result (a full read's checkpoints):
# an interrupted read's rows have no result to say which store they are of.
_CHECKPOINT_ROWS = ("full_partitions", "full_finished", "full_totals", "scan_identifiers")
# Migration 10 (below): the results moved (and the checkpoints of a read cut short, moved
# as the scan's own targets say: ``_checkpoint_moves``), then every row that names them,
# the people counted across stores, the watch's issues and alerts. A watch's issue follows
# results only, and only where no result is left under the host:port (a bare port's store,
# still there: the issue may be about it); checkpoints say nothing of what a watch saw.
_REKEY_HEAD = """
    PRAGMA defer_foreign_keys = ON;
    CREATE TEMP TABLE rekeyed AS
        SELECT scan_id, endpoint AS old,
               endpoint || json_extract(body, '$.service.endpoint.base_path') AS new
        FROM results
        WHERE json_extract(body, '$.service.endpoint.scheme') IN ('http', 'https')
          AND coalesce(json_extract(body, '$.service.endpoint.base_path'), '') <> ''
          AND json_extract(body, '$.service.endpoint.account') IS NULL
          AND instr(endpoint, '/') = 0
          AND NOT EXISTS (SELECT 1 FROM results n WHERE n.scan_id = results.scan_id
              AND n.endpoint = results.endpoint
                  || json_extract(results.body, '$.service.endpoint.base_path'));
    CREATE TEMP TABLE moved AS
        SELECT old, min(new) AS new FROM rekeyed GROUP BY old HAVING count(DISTINCT new) = 1;
    INSERT INTO rekeyed SELECT scan_id, old, new FROM checkpoint_moves;
    UPDATE results SET
        store_id = CASE WHEN store_id = kind || '@' || endpoint
            THEN kind || '@' || (SELECT r.new FROM rekeyed r
                WHERE r.scan_id = results.scan_id AND r.old = results.endpoint)
            ELSE store_id END,
        endpoint = (SELECT r.new FROM rekeyed r
            WHERE r.scan_id = results.scan_id AND r.old = results.endpoint)
    WHERE EXISTS (SELECT 1 FROM rekeyed r
        WHERE r.scan_id = results.scan_id AND r.old = results.endpoint);
"""
_REKEY_TAIL = """
    DELETE FROM moved WHERE EXISTS (SELECT 1 FROM results x WHERE x.endpoint = moved.old);
    UPDATE scan_people SET body = json_set(body, '$.endpoints', json((
        SELECT json_group_array(coalesce((SELECT r.new FROM rekeyed r
            WHERE r.scan_id = scan_people.scan_id AND r.old = e.value), e.value))
        FROM json_each(scan_people.body, '$.endpoints') AS e)))
    WHERE EXISTS (SELECT 1 FROM rekeyed r, json_each(scan_people.body, '$.endpoints') AS e
        WHERE r.scan_id = scan_people.scan_id AND r.old = e.value);
    UPDATE watch_issues SET
        key = kind || ':' || (SELECT m.new FROM moved m WHERE m.old = watch_issues.endpoint),
        endpoint = (SELECT m.new FROM moved m WHERE m.old = watch_issues.endpoint)
    WHERE key = kind || ':' || endpoint
      AND EXISTS (SELECT 1 FROM moved m WHERE m.old = watch_issues.endpoint)
      AND NOT EXISTS (SELECT 1 FROM watch_issues o, moved m
          WHERE m.old = watch_issues.endpoint AND o.watch = watch_issues.watch
            AND o.key = watch_issues.kind || ':' || m.new AND o.resolved_at IS NULL);
    UPDATE watch_alerts SET endpoint = (SELECT i.endpoint FROM watch_issues i
        WHERE i.issue_id = watch_alerts.issue_id)
    WHERE EXISTS (SELECT 1 FROM watch_issues i, moved m WHERE i.issue_id = watch_alerts.issue_id
        AND m.old = watch_alerts.endpoint AND i.endpoint = m.new);
    UPDATE watch_alerts SET body = json_set(body, '$.endpoint', endpoint)
    WHERE json_extract(body, '$.endpoint') <> endpoint;
    DROP TABLE moved;
    DROP TABLE rekeyed;
    DROP TABLE checkpoint_moves
"""
_REKEY_ROWS = "\n".join(
    f"UPDATE {t} SET endpoint = (SELECT r.new FROM rekeyed r "  # noqa: S608 - our names
    f"WHERE r.scan_id = {t}.scan_id AND r.old = {t}.endpoint) "
    f"WHERE EXISTS (SELECT 1 FROM rekeyed r "
    f"WHERE r.scan_id = {t}.scan_id AND r.old = {t}.endpoint);"
    for t in _ENDPOINT_ROWS
)

MIGRATIONS: dict[int, str] = {
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
        endpoint TEXT NOT NULL,            -- host:port[/account], the asset's identity
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
    # Checkpoints in the store-kind contract's words: a container read in partitions, each
    # from an opaque position; the reader's plan kept whole (its state is the kind's own).
    # Rows of scans under way are carried over in those words.
    3: """
    CREATE TABLE full_partitions (
        scan_id TEXT NOT NULL REFERENCES scans(scan_id) ON DELETE CASCADE,
        endpoint TEXT NOT NULL,
        container TEXT NOT NULL,
        partition INTEGER NOT NULL,
        plan TEXT NOT NULL,                -- JSON: the reader's plan (never a personal value)
        position TEXT,                     -- JSON: where the partition's next page starts
        docs INTEGER NOT NULL,             -- records counted so far
        batches INTEGER NOT NULL,          -- rows in full_tallies for this partition
        done INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (scan_id, endpoint, container, partition)
    );
    CREATE TABLE full_tallies (
        scan_id TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        container TEXT NOT NULL,
        partition INTEGER NOT NULL,
        batch INTEGER NOT NULL,
        tally BLOB NOT NULL,               -- leakhound.count.tally.Tally: counts and digests
        PRIMARY KEY (scan_id, endpoint, container, partition, batch),
        FOREIGN KEY (scan_id, endpoint, container, partition)
            REFERENCES full_partitions(scan_id, endpoint, container, partition)
            ON DELETE CASCADE
    );
    INSERT INTO full_partitions
        SELECT scan_id, endpoint, index_name, slice,
               json_object('container', index_name, 'partitions', slices,
                           'method', CASE method WHEN 'scroll' THEN 'scroll' ELSE 'pit' END,
                           'state', CASE method WHEN 'scroll' THEN json_object('method', method)
                                    ELSE json_object('method', method, 'pit', context) END,
                           'total', NULL,
                           'resumable', json(CASE method WHEN 'scroll' THEN 'false'
                                             ELSE 'true' END)),
               CASE WHEN position IS NULL OR method = 'scroll' THEN NULL
                    ELSE json_object('after', json(position), 'context', context) END,
               docs, batches, done, updated_at
        FROM full_slices;
    INSERT INTO full_tallies SELECT * FROM full_batches;
    DROP TABLE full_batches;
    DROP TABLE full_slices
    """,
    # The store behind each result (Service.store_id: a cluster's uuid, else the endpoint): a
    # store seen at several endpoints, or at a new one in a later scan, has one history.
    4: """
    ALTER TABLE results ADD COLUMN store_id TEXT;
    UPDATE results SET store_id = kind || ':' ||
        json_extract(body, '$.service.fingerprint.cluster_uuid')
        WHERE json_extract(body, '$.service.fingerprint.cluster_uuid') IS NOT NULL;
    UPDATE results SET store_id = kind || '@' || endpoint WHERE store_id IS NULL;
    CREATE INDEX results_store ON results(store_id)
    """,
    # leakhound watch (store/watch.py): its rounds (each a scan), the issues it follows
    # (an exposed store, signs of ransom, a certificate expiring), the alerts it raised and
    # their deliveries. Every text is masked; no secret of a route is ever stored.
    5: """
    CREATE TABLE watch_rounds (
        watch TEXT NOT NULL,
        round INTEGER NOT NULL,
        scan_id TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,              -- running, done, interrupted, failed
        evaluated INTEGER NOT NULL,        -- its changes were turned into issues and alerts
        seconds REAL,
        PRIMARY KEY (watch, round)
    );
    CREATE TABLE watch_issues (
        issue_id INTEGER PRIMARY KEY,
        watch TEXT NOT NULL,
        key TEXT NOT NULL,                 -- what it is about: exposed:HOST:PORT…
        kind TEXT NOT NULL,                -- exposed, compromised, certificate
        endpoint TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        opened_scan TEXT NOT NULL,
        resolved_at TEXT,
        resolved_scan TEXT,
        reminders INTEGER NOT NULL,
        next_reminder TEXT,
        state TEXT NOT NULL                -- JSON: what was last seen (names, counts, kinds)
    );
    CREATE UNIQUE INDEX watch_issues_open ON watch_issues(watch, key) WHERE resolved_at IS NULL;
    CREATE TABLE watch_alerts (
        alert_id TEXT PRIMARY KEY,
        watch TEXT NOT NULL,
        issue_id INTEGER REFERENCES watch_issues(issue_id),
        event TEXT NOT NULL,               -- opened, reminder, resolved, new-container…
        severity TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        scan_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL                 -- JSON of the alert (masked evidence only)
    );
    CREATE TABLE watch_deliveries (
        alert_id TEXT NOT NULL REFERENCES watch_alerts(alert_id) ON DELETE CASCADE,
        route TEXT NOT NULL,               -- the route's label, never its secret
        status TEXT NOT NULL,              -- pending, delivered, failed, dropped
        attempts INTEGER NOT NULL,
        next_at TEXT,                      -- pending: when the next attempt is due
        last_error TEXT,
        delivered_at TEXT,
        PRIMARY KEY (alert_id, route)
    )
    """,
    # leakhound investigate --scan: the access-log forensics of a scan's exposure window, as the
    # JSON of leakhound.investigate (source addresses kept whole, like the rest of this file).
    6: """
    CREATE TABLE investigations (
        scan_id TEXT PRIMARY KEY REFERENCES scans(scan_id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL
    )
    """,
    # --depth full: a container read to its end keeps its figures, and its tally joins the
    # endpoint's, which holds each person once however many containers they are in: the
    # checkpoints stay within a few times the scan's distinct values, not one tally a
    # container (a resumed scan takes both back).
    7: """
    CREATE TABLE full_finished (
        scan_id TEXT NOT NULL REFERENCES scans(scan_id) ON DELETE CASCADE,
        endpoint TEXT NOT NULL,
        container TEXT NOT NULL,
        figures TEXT NOT NULL,             -- JSON of the container's FullRead
        PRIMARY KEY (scan_id, endpoint, container)
    );
    CREATE TABLE full_totals (
        scan_id TEXT NOT NULL REFERENCES scans(scan_id) ON DELETE CASCADE,
        endpoint TEXT NOT NULL,
        part INTEGER NOT NULL,
        tally BLOB NOT NULL,               -- pieces of the endpoint's Tally, merged in any order
        PRIMARY KEY (scan_id, endpoint, part)
    )
    """,
    # People counted once across the stores a sample scan read the identifiers of.
    8: """
    CREATE TABLE scan_people (
        scan_id TEXT NOT NULL REFERENCES scans(scan_id) ON DELETE CASCADE,
        entity_type TEXT NOT NULL,
        body TEXT NOT NULL,                -- JSON of the PeopleAcross
        PRIMARY KEY (scan_id, entity_type)
    )
    """,
    # The identifiers of each store a sample scan read whole, kept until the scan is done:
    # a resumed scan counts its people across the stores it had finished too.
    9: """
    CREATE TABLE scan_identifiers (
        scan_id TEXT NOT NULL REFERENCES scans(scan_id) ON DELETE CASCADE,
        endpoint TEXT NOT NULL,
        entity_type TEXT NOT NULL,
        digests BLOB NOT NULL,             -- keyed digests, never a value
        PRIMARY KEY (scan_id, endpoint, entity_type)
    )
    """,
    # An HTTP store behind a reverse-proxy path is keyed with its path (``Endpoint.key``:
    # two paths of one host:port are two stores): the results kept before, keyed by the
    # host:port alone, move to the new key with every row that names them, and the watch's
    # issues about them, so an upgrade neither opens a known exposure again nor starts its
    # history over. (A host:port whose results held two paths keeps its watch issues: which
    # path they were about cannot be told; so does one whose new key is already there, and
    # one still holding a result of its own, the bare port's store.)
    # A full read cut short has checkpoints and no result yet: they move as the scan's
    # targets say (``_checkpoint_moves``), or ``--resume`` would read the store from the
    # start. The alerts' own text names the new key too (their routes send it).
    # No UPDATE … FROM (SQLite 3.33) nor aliases: the store opens on older libraries too.
    10: "".join((_REKEY_HEAD, _REKEY_ROWS, _REKEY_TAIL)),
}


def _checkpoint_moves(db: sqlite3.Connection) -> None:
    """Migration 10's first step: ``checkpoint_moves`` (scan, old key, new key) for the
    checkpoints of a proxied store whose read was cut short before its result, under its
    host:port. Which store they are of, only the scan's own targets say, parsed as
    ``--resume`` parses them: moved where one proxied path of that host:port is a target
    and the host:port itself is none (then they were that store's read); left where the
    targets cannot be read again (a file gone) or name several (which is not known)."""
    db.execute("CREATE TEMP TABLE checkpoint_moves (scan_id TEXT, old TEXT, new TEXT)")
    unrecorded = " UNION ".join(
        f"SELECT scan_id, endpoint FROM {t} WHERE instr(endpoint, '/') = 0"  # noqa: S608
        for t in _CHECKPOINT_ROWS
    )
    found: dict[str, set[str]] = {}
    for scan_id, endpoint in db.execute(
        f"SELECT c.scan_id, c.endpoint FROM ({unrecorded}) c WHERE NOT EXISTS "  # noqa: S608
        "(SELECT 1 FROM results r WHERE r.scan_id = c.scan_id AND r.endpoint = c.endpoint)"
    ).fetchall():
        found.setdefault(scan_id, set()).add(endpoint)
    for scan_id, olds in found.items():
        row = db.execute("SELECT targets, options FROM scans WHERE scan_id=?", (scan_id,))
        keys, ranges = _target_keys(*(row.fetchone() or ("[]", "{}")))
        for old in sorted(olds):
            news = {k for k, netloc, proxied in keys if netloc == old and proxied}
            if len(news) != 1 or any(k == old for k, _, _ in keys) or _in_range(old, ranges):
                continue
            new = news.pop()
            if not any(_holds(db, t, scan_id, new) for t in ("results", *_CHECKPOINT_ROWS)):
                db.execute("INSERT INTO checkpoint_moves VALUES (?, ?, ?)", (scan_id, old, new))


def _holds(db: sqlite3.Connection, table: str, scan_id: str, endpoint: str) -> bool:
    """Whether ``table`` has a row of the scan at the endpoint (a key already taken: the
    migration moves nothing onto it, and the store still opens)."""
    return (
        db.execute(
            f"SELECT 1 FROM {table} WHERE scan_id=? AND endpoint=? LIMIT 1",  # noqa: S608
            (scan_id, endpoint),
        ).fetchone()
        is not None
    )


# A range a scan named, and the ports each of its addresses was scanned at.
_Range = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, tuple[int, ...]]


def _target_keys(specs: str, options: str) -> tuple[set[tuple[str, str, bool]], list[_Range]]:
    """(key, host:port, behind a proxy path) of each target of a scan, as ``--resume``
    parses them, and the ranges it named, not listed (a /16 is a million targets, a /8
    gigabytes: a range is only asked whether it holds a host:port, ``_in_range``); none
    where they cannot be parsed again."""
    from ..probes.registry import DEFAULT  # the probes' kinds, needed by this step alone
    from ..targets import parse_targets, targets

    try:
        chosen = orjson.loads(options).get("kinds") or ()
        kinds = DEFAULT.target_kinds(tuple(chosen))
        parsed = parse_targets(orjson.loads(specs), kinds, yes=True, expand=False)
    except (UsageError, ValueError, TypeError, AttributeError):
        return set(), []
    ports = tuple(kinds.default_ports())
    ranges = [(s.network, ports) for s in parsed if s.network is not None]
    keys = {(t.endpoint.key, t.endpoint.netloc, t.endpoint.behind_path) for t in targets(parsed)}
    return keys, ranges


def _in_range(netloc: str, ranges: list[_Range]) -> bool:
    """Whether a range of ``ranges`` names host:port ``netloc``."""
    host, _, port = netloc.rpartition(":")
    try:
        address = ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
        number = int(port)
    except ValueError:
        return False
    return any(address in net and number in ports for net, ports in ranges)


def migrate(db: sqlite3.Connection, target: int) -> None:
    """The step to schema version ``target`` from the one before, on ``db`` (in a
    transaction of the caller's), the file's version set to it."""
    if target == 10:
        _checkpoint_moves(db)
    for statement in MIGRATIONS[target].split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute(f"PRAGMA user_version={target}")
