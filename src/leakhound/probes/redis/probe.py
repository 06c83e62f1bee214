"""Redis: the verdict from INFO and SCAN, key patterns as containers, bounded reads of values."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Awaitable
from dataclasses import replace
from functools import partial
from typing import Any

from ... import compromise
from ...errors import ConnectError, ConnectionLost, NetError, ProtocolError, TimeoutError_
from ...models import Container, Endpoint, Fingerprint, Service, Verdict, Words
from ...net import Transport
from ..base import FullReader, Inventory, Probe, SampleDocs, failures_said
from ..tls import connected, cut_in_clear, over_tls_said
from .allow import ALLOW
from .connection import Connection, connect, read_keys, scan_page, where
from .keys import pattern_of
from .nodes import Replication, cluster_nodes, cluster_note, replication
from .read import RedisReader
from .resp import RedisError, Reply, info_fields, text

# Keys listed per database to find its patterns; past it, pattern counts are estimates.
INVENTORY_KEYS = 200_000
# SCAN calls of one database's listing, at most: ~200 list INVENTORY_KEYS at the COUNT asked;
# a cursor that goes on while listing (almost) nothing stops here, not never.
INVENTORY_CALLS = 1_000
# The container of a database's keys whose pattern the inventory did not list (a keyspace
# larger than INVENTORY_KEYS, or more patterns than --max-indices keeps).
OTHER_KEYS = "(other keys)"
_KEYSPACE = re.compile(r"db(0|[1-9]\d{0,4})$")  # as Redis writes them: "db01" is no database
_NOT_REDIS = Verdict.not_of("redis")


def _refused(reply: Reply) -> str | None:
    """Why the server refused a command for want of credentials, if it did."""
    if isinstance(reply, RedisError) and reply.denied:
        return reply.message[:200]
    return None


class RedisProbe(Probe):
    """Redis (and servers that speak its protocol), plain TCP."""

    kind = "redis"
    # A container is a pattern of key names in one database (db0:user:*), a record a key.
    words = Words(("key pattern", "key patterns"), ("key", "keys"))
    default_ports = (6379,)
    schemes = ("redis", "rediss")  # rediss://: Redis over TLS (``targets._tls_of``)
    allow = ALLOW

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        """INFO decides what answers; SCAN, whether its keys can be read."""
        url = endpoint.url("redis")

        service = partial(self.answer, endpoint, url)

        def over_tls() -> Awaitable[Connection]:
            return connect(transport, endpoint, tls=True)

        async def ask(c: Connection) -> Reply:
            return await c.call("INFO", "server")

        try:
            # ``first``: INFO's answer over TLS, after the owner's AUTH was cut in clear (as a
            # Redis of ``tls-port`` alone cuts it).
            conn, first = await connected(
                transport, endpoint, lambda: connect(transport, endpoint), over_tls, ask
            )
        except ConnectError as exc:
            closed = "refused" in str(exc)
            return service(Verdict.CLOSED if closed else Verdict.ERROR, str(exc))
        except TimeoutError_ as exc:
            return service(Verdict.TIMEOUT, str(exc))
        except NetError as exc:
            return service(Verdict.ERROR, str(exc))
        try:
            try:
                info = first if first is not None else await ask(conn)
            except ConnectionLost as exc:
                # Cut or reset before any answer, as a Redis of ``tls-port`` alone cuts a
                # connection in clear: asked again over TLS, unless its target URL says not.
                if conn.stream.tls is not None:
                    raise
                encrypted = await cut_in_clear(exc, endpoint, over_tls, ask)
                await conn.close()
                conn, info = encrypted
                transport.ask_tls_first(endpoint.host, endpoint.port)
            cert = conn.stream.certificate()
            over = over_tls_said(endpoint) if cert is not None else ""
            refused = _refused(info)
            if refused:
                why = (
                    "protected mode: the server refuses clients from other hosts"
                    if refused.startswith("DENIED")
                    else refused
                )
                return service(
                    Verdict.SECURED,
                    f"INFO: {why}{over}",
                    Fingerprint(product="redis", realm=refused.split(" ", 1)[0], tls=cert),
                    closed=("INFO",),
                )
            fields = info_fields(info)
            version = fields.get("redis_version") or fields.get("valkey_version")
            if version is None:
                what = text(info) or repr(info)
                return service(_NOT_REDIS, f"INFO answered without a version: {what[:80]!r}")
            fp = Fingerprint(
                product="valkey" if "valkey_version" in fields else "redis",
                version=version[:50],
                tls=cert,
                cluster_uuid=fields.get("run_id"),
                details={
                    **{k: fields[k] for k in ("redis_mode", "role") if k in fields},
                    "info_fields": len(fields),
                },
            )
            if fields.get("redis_mode") == "sentinel":
                return service(
                    _NOT_REDIS, "a Redis Sentinel: it watches servers, it holds no data", fp
                )
            # One round trip: where it stands (its store's identity), and whether keys read.
            about, scan = await conn.many([("INFO", "replication"), ("SCAN", 0, "COUNT", 1)])
            repl = _replication(about)
            fp = _placed(fp, repl)
            standing = _standing(fields, repl) + over
            refused = _refused(scan)
            if refused:
                return service(
                    Verdict.SECURED,
                    f"INFO answers, SCAN asks for credentials: {refused}{standing}",
                    fp,
                    ("INFO",),
                    ("SCAN",),
                )
            if isinstance(scan, RedisError):
                return service(Verdict.ERROR, f"SCAN: {scan.message}{standing}", fp, ("INFO",))
            return service(
                Verdict.OPEN,
                f"INFO and SCAN answer without credentials{standing}",
                fp,
                ("INFO", "SCAN"),
            )
        except TimeoutError_ as exc:
            return service(Verdict.TIMEOUT, str(exc))
        except ProtocolError as exc:
            return service(_NOT_REDIS, f"not the Redis protocol: {exc}")
        except NetError as exc:
            return service(Verdict.ERROR, str(exc))
        finally:
            await conn.close()

    async def inventory(
        self, transport: Transport, service: Service, *, max_containers: int
    ) -> Inventory:
        """Each database's keys grouped by pattern, counted exactly when listed whole; on a
        node of a Redis Cluster, its shard's share, with a note naming the nodes of the other
        hash slots (``CLUSTER NODES``: they are the user's to scan, never connected to)."""
        try:
            conn = await connect(
                transport, service.endpoint, cluster_replica=_cluster_replica(service)
            )
        except NetError as exc:
            return Inventory((), f"cannot connect: {exc}")
        note = None
        try:
            keyspace = info_fields(await conn.call("INFO", "keyspace"))
            dbs = sorted(int(m.group(1)) for k in keyspace if (m := _KEYSPACE.fullmatch(k)))
            found: list[Container] = []
            errors: list[str] = []
            listed: dict[int, tuple[int | None, bool]] = {}  # db -> (keys, listed whole)
            for db in dbs:
                keys = _keyspace_count(keyspace[f"db{db}"])
                try:
                    patterns, whole, short = await _patterns(conn, db, keys)
                except NetError as exc:
                    errors.append(f"db{db}: {exc}")
                    continue
                if short:
                    errors.append(f"db{db}: {short}")
                found += patterns
                listed[db] = (keys, whole)
            if service.fingerprint.details.get("redis_mode") == "cluster":
                note = await _shard(conn)
        except NetError as exc:
            return Inventory((), f"cannot list keys: {exc}")
        finally:
            await conn.close()
        found.sort(key=lambda c: (-(c.docs or 0), c.name))
        kept = found[:max_containers]
        return Inventory(
            (*kept, *_other_keys(kept, found, listed)),
            failures_said(errors),
            max(0, len(found) - max_containers),
            note,
        )

    async def sample(
        self, transport: Transport, service: Service, container: Container, size: int
    ) -> SampleDocs:
        """The first ``size`` keys of the pattern SCAN finds, each with a bounded read."""
        try:
            conn = await connect(
                transport, service.endpoint, cluster_replica=_cluster_replica(service)
            )
        except NetError as exc:
            return SampleDocs.failed(exc)
        try:
            db, pattern, other_than = where(container)
            await conn.select(db)
            keys: list[bytes] = []
            cursor: bytes | int = 0
            for _ in range(1000):  # a sparse pattern in a big keyspace: stop somewhere
                cursor, page = await scan_page(conn, cursor, pattern, other_than)
                keys += page
                if len(keys) >= size or cursor in (0, b"0"):
                    break
            return SampleDocs(tuple(await read_keys(conn, keys[:size])))
        except NetError as exc:
            return SampleDocs.failed(exc)
        finally:
            await conn.close()

    def reader(self, transport: Transport, service: Service) -> FullReader:
        """Every key of a pattern, along the SCAN cursor (resumable from any cursor)."""
        return RedisReader(transport, service.endpoint, cluster_replica=_cluster_replica(service))


def _replication(reply: Reply) -> Replication:
    """What an ``INFO replication`` reply says (nothing, where it is an error)."""
    return Replication() if isinstance(reply, RedisError) else replication(info_fields(reply))


def _placed(fp: Fingerprint, repl: Replication) -> Fingerprint:
    """The fingerprint with the store's identity: the replication ID a master shares with
    its replicas (the process's run_id where INFO replication gives none), and the role."""
    details = dict(fp.details)
    if repl.role:
        details["role"] = repl.role
    if repl.master:
        details["replica_of"] = repl.master
    if repl.role == "replica":
        details["master_link"] = "up" if repl.link_up else "down"
    if repl.replid is None:
        return replace(fp, details=details)
    if fp.cluster_uuid:
        details["run_id"] = fp.cluster_uuid
    return replace(fp, cluster_uuid=repl.replid, details=details)


def _standing(fields: dict[str, str], repl: Replication) -> str:
    """'; a replica of HOST:PORT', '; a node of a Redis Cluster…': where the server stands,
    as the end of its verdict's reason ('' for a standalone master)."""
    said = [repl.said] if repl.said else []
    if fields.get("redis_mode") == "cluster":
        said.append("a node of a Redis Cluster, holding its own hash slots' keys only")
    return "".join(f"; {x}" for x in said)


def _cluster_replica(service: Service) -> bool:
    """Whether the server is a replica node of a Redis Cluster (its reads need READONLY)."""
    details = service.fingerprint.details
    return details.get("redis_mode") == "cluster" and details.get("role") == "replica"


async def _shard(conn: Connection) -> str:
    """The inventory note of a Redis Cluster node: its shard's hash slots, and which nodes
    hold the others (or why that is not known)."""
    try:
        reply = await conn.call("CLUSTER", "NODES")
    except NetError as exc:
        reply = RedisError(str(exc))
    if isinstance(reply, RedisError) or text(reply) is None:
        why = reply.message if isinstance(reply, RedisError) else "no text"
        return (
            "one node of a Redis Cluster: its figures are the keys of its own hash slots, not "
            f"the cluster's (CLUSTER NODES: {why[:200]}; which nodes hold the others is not "
            "known)"
        )
    return cluster_note(cluster_nodes(text(reply) or ""))


def _keyspace_count(line: str) -> int | None:
    """keys=N of an ``INFO keyspace`` line."""
    for part in line.split(","):
        name, _, value = part.partition("=")
        if name == "keys" and value.isdigit() and len(value) < 19:
            return int(value)
    return None


def _name(db: int, pattern: str) -> str:
    return pattern if db == 0 else f"db{db}/{pattern}"


def _other_keys(
    kept: list[Container], found: list[Container], listed: dict[int, tuple[int | None, bool]]
) -> list[Container]:
    """Per database whose patterns were not all seen (a keyspace larger than the inventory's
    SCAN) or not all kept (more than --max-indices): one container of every other key, so that
    a full read reads the whole database and a sample looks at what the inventory missed."""
    out = []
    for db, (total, whole) in listed.items():
        mine = [c for c in kept if where(c)[0] == db]
        if whole and len(mine) == sum(1 for c in found if where(c)[0] == db):
            continue
        patterns = sorted({p for c in mine if (p := where(c)[1]) is not None})
        # Counted only when the inventory listed every key (the patterns it did not keep);
        # otherwise the kept patterns' counts are extrapolated and what is left unknown.
        left = max(0, total - sum(c.docs or 0 for c in mine)) if whole and total else None
        details: dict[str, Any] = {
            "database": db,
            "pattern": None,
            "other_than": patterns,
            "type": "mixed",
        }
        if total is not None:  # INFO keyspace's keys=: what bounds a full read left uncounted
            details["database_keys"] = total
        out.append(
            Container(
                _name(db, OTHER_KEYS), left, None, docs_exact=left is not None, details=details
            )
        )
    return out


def _share(listed: int, seen: int, total: int) -> dict[str, Any]:
    """A pattern's keys in a database of ``total`` keys, ``listed`` of the ``seen`` that SCAN
    listed first (the hash table's order: no pattern comes first), with 95% bounds (Wilson's,
    without replacement) inside the hard ones: no fewer than listed, no more than the keys
    not listed as another pattern."""
    total = max(total, seen)  # a keyspace count older than the listing (or a hostile one)
    share, z2 = listed / seen, 1.96**2
    # Wilson's interval (it holds where every key or none listed is of the pattern), narrowed
    # by the share of the database listed.
    middle = (share + z2 / (2 * seen)) / (1 + z2 / seen)
    spread = (
        math.sqrt(z2 * (share * (1 - share) / seen + z2 / (4 * seen * seen)))
        / (1 + z2 / seen)
        * math.sqrt(max(0.0, 1 - seen / total))
    )
    low = max(listed, math.floor(total * (middle - spread)))
    high = max(low, min(total - (seen - listed), math.ceil(total * (middle + spread))))
    docs = min(high, max(low, round(total * share)))
    return {
        "docs": docs,
        "docs_low": low,
        "docs_high": high,
        "docs_basis": (
            f"estimated from the first {seen:,} of the database's {total:,} keys that SCAN "
            f"listed ({listed:,} of them of this pattern): 95% between {low:,} and {high:,}"
        ),
    }


async def _patterns(
    conn: Connection, db: int, total: int | None
) -> tuple[list[Container], bool, str | None]:
    """The patterns of one database, from a SCAN of up to INVENTORY_KEYS keys (in up to
    INVENTORY_CALLS calls), whether that SCAN listed the whole database, and why it stopped
    short of INVENTORY_KEYS (None: it did not)."""
    await conn.select(db)
    counts: Counter[str] = Counter()
    first: dict[str, bytes] = {}
    cursor: bytes | int = 0
    seen = 0
    unfinished = False
    for _ in range(INVENTORY_CALLS):
        cursor, keys = await scan_page(conn, cursor, None)
        for key in keys:
            pattern = pattern_of(key.decode("utf-8", "replace"))
            counts[pattern] += 1
            first.setdefault(pattern, key)
        seen += len(keys)
        if cursor in (0, b"0") or seen >= INVENTORY_KEYS:
            break
    else:
        unfinished = True
    whole = cursor in (0, b"0")
    types = await conn.many([("TYPE", k) for k in first.values()])
    out = []
    for (pattern, key), kind in zip(first.items(), types, strict=True):
        n = counts[pattern]
        bounds: dict[str, Any] = {}
        if not whole and total and seen:
            bounds = _share(n, seen, total)
            n = bounds.pop("docs")  # the listed share of the database
        elif not whole:  # no keyspace count to scale to: the keys listed, at least
            bounds = {
                "docs_low": n,
                "docs_basis": f"the keys of this pattern among the first {seen:,} SCAN listed",
            }
        details: dict[str, Any] = {
            "database": db,
            "pattern": pattern,
            "type": text(kind) or "unknown",
        }
        if total is not None:  # INFO keyspace's keys=: what bounds a full read's SCAN calls
            details["database_keys"] = total
        reasons = compromise.by_name(pattern, noun="key")
        out.append(
            Container(
                _name(db, pattern),
                n,
                None,
                compromised=bool(reasons),
                compromise_reasons=tuple(reasons),
                docs_exact=whole,
                details=details,
                **bounds,
            )
        )
        del key
    short = f"keys listed in {INVENTORY_CALLS:,} SCAN calls, no more" if unfinished else None
    return out, whole, short
