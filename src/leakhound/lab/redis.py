"""Debian's redis-server as the lab's Redis: open (no password) and secured (requirepass).

The support cases as a cache-and-index application keeps them in Redis, one key pattern per
kind of record, every value type a scanner must read:

    case:<case_id>               hash    one case, fields named by the document's paths
    customer:<email>             string  the customer's profile as JSON (the key is personal data)
    customer:<email>:cases       set     the customer's case ids
    cases:by_created             zset    every case id, scored by its creation time (epoch s)
    cases:open                   list    ids of cases still open or pending, oldest first
    employee:<employee_id>       hash    a payroll record
    READ_ME                      string  the ransom note bots leave after a FLUSHALL
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .seeder import (
    EMAIL_ADDRESS,
    PAYROLL_INDEX,
    RANSOM_INDEX,
    SUPPORT_PREFIX,
    Dataset,
    Doc,
)
from .servers import (
    LabStore,
    LabTarget,
    Server,
    exchange,
    find_program,
    version_of,
    wait_ready,
)
from .state import PASSWORD

CASES = "case:*"
CUSTOMERS = "customer:*"
CUSTOMER_CASES = "customer:*:cases"
BY_CREATED = "cases:by_created"
OPEN_CASES = "cases:open"
EMPLOYEES = "employee:*"
RANSOM_KEY = "READ_ME"
# Pattern -> the key type a scanner finds there.
TYPES = {
    CASES: "hash",
    CUSTOMERS: "string",
    CUSTOMER_CASES: "set",
    BY_CREATED: "zset",
    OPEN_CASES: "list",
    EMPLOYEES: "hash",
    RANSOM_KEY: "string",
}
KEY = "_key"  # the truth's path for personal data in a key's name
VALUE = "_value"  # ... and for a string value that is not JSON


def pattern_of(key: str) -> str | None:
    """The lab key pattern key belongs to, or None for a key seed() did not write."""
    if key in (BY_CREATED, OPEN_CASES, RANSOM_KEY):
        return key
    head, _, rest = key.partition(":")
    if head == "case" and rest:
        return CASES
    if head == "employee" and rest:
        return EMPLOYEES
    if head == "customer" and rest:
        # E-mail addresses hold no ":", so a trailing ":cases" is the set of case ids.
        return CUSTOMER_CASES if rest.endswith(":cases") else CUSTOMERS
    return None


def flatten(source: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """A document as hash fields named by their dotted paths; a geo point reads "lat,lon"."""
    fields: dict[str, str] = {}
    for name, value in source.items():
        path = f"{prefix}{name}"
        if isinstance(value, dict):  # not Mapping: an ABC check per field is 10x slower
            if set(value) == {"lat", "lon"}:
                fields[path] = f"{value['lat']},{value['lon']}"
            else:
                fields |= flatten(value, f"{path}.")
        else:
            fields[path] = str(value)
    return fields


class RedisStore(LabStore):
    """Two redis-server instances: no password, and requirepass with the lab password."""

    kind = "redis"
    name = "Redis"

    def check(self, cache: Path) -> None:
        """redis-server must be installed."""
        find_program("redis-server", "redis-server")

    def start(self, server: Server) -> int:
        """Write redis.conf (the password stays out of argv) and start redis-server on it."""
        from . import process

        server.home.mkdir(parents=True, exist_ok=True)
        lines = [
            "bind 127.0.0.1",
            f"port {server.port}",
            "daemonize no",
            'logfile ""',  # stdout, our log
            f"dir {json.dumps(str(server.home))}",
            "dbfilename dump.rdb",
            # Snapshot at shutdown and now and then: the data survives down/up like the others'.
            "save 3600 1 300 100 60 10000",
            "appendonly no",
        ]
        if server.secured:
            lines.append(f"requirepass {PASSWORD}")
        else:
            # What a server reachable from the internet without a password has had to say since
            # Redis 3.2; on loopback it changes nothing, but the instance is the real thing.
            lines.append("protected-mode no")
        conf = server.home / "redis.conf"
        conf.write_text("\n".join(lines) + "\n")
        conf.chmod(0o600)
        redis_server = find_program("redis-server", "redis-server")
        argv = [redis_server, str(conf), *server.options]
        return process.spawn(argv, server.log, cwd=server.home)

    def wait(self, server: Server, pid: int, started: int | None) -> str:
        """PING answers +PONG (open) or -NOAUTH (secured) once the data is loaded."""

        def check() -> str | None:
            reply = exchange(server.port, b"PING\r\n")
            if reply.startswith((b"+PONG", b"-NOAUTH")):
                return version_of([find_program("redis-server", "redis-server"), "--version"],
                                  r"v=(\S+)")  # fmt: skip
            return None  # -LOADING while the snapshot is read back

        return wait_ready(server, self.name, pid, started, check)

    def url(self, port: int) -> str:
        """redis://127.0.0.1:PORT"""
        return f"redis://127.0.0.1:{port}"

    def describe(self, role: str, version: str | None) -> str:
        """Redis VERSION, no password / requirepass."""
        auth = "requirepass (AUTH with the password)" if role == "secured" else "no password"
        return f"Redis {version or '?'}, {auth}"

    def credentials(self, role: str) -> tuple[str | None, str | None]:
        """requirepass: a password, no user name (AUTH default PASSWORD works too)."""
        return (None, PASSWORD) if role == "secured" else (None, None)

    def shape(self, dataset: Dataset) -> Dataset:
        """Keys by pattern (see the module's docstring), fields and paths as the truth counts."""
        containers: dict[str, dict[str, Any]] = {p: {"info": {"type": t}} for p, t in TYPES.items()}
        docs: list[Doc] = []
        profiles: dict[str, Doc] = {}
        case_ids: dict[str, list[str]] = {}
        scored: dict[str, float] = {}
        still_open: list[tuple[str, str]] = []
        for doc in dataset.docs:
            if doc.index.startswith(SUPPORT_PREFIX):
                source = flatten(doc.source)
                docs.append(doc.placed(CASES, f"case:{doc.id}", source))
                email = doc.source["customer"]["email"]
                case_ids.setdefault(email, []).append(doc.id)
                created = dt.datetime.fromisoformat(doc.source["created_at"])
                scored[doc.id] = created.timestamp()
                if doc.source["status"] in ("open", "pending"):
                    still_open.append((doc.source["created_at"], doc.id))
                if email not in profiles:
                    profiles[email] = _profile(doc)
            elif doc.index == PAYROLL_INDEX:
                docs.append(doc.placed(EMPLOYEES, f"employee:{doc.id}", flatten(doc.source)))
            elif doc.index == RANSOM_INDEX:
                note = {VALUE: doc.source["message"]}
                docs.append(Doc(RANSOM_KEY, RANSOM_KEY, note, {EMAIL_ADDRESS: frozenset({VALUE})},
                                {VALUE: "plain"}, emails=doc.emails))  # fmt: skip
        docs += profiles.values()
        for email, ids in case_ids.items():
            key = {EMAIL_ADDRESS: frozenset({KEY})}
            docs.append(Doc(CUSTOMER_CASES, f"customer:{email}:cases", {"members": ids}, key, {},
                            email, frozenset({email.lower()})))  # fmt: skip
        docs.append(Doc(BY_CREATED, BY_CREATED, {"members": scored}, {}))
        docs.append(Doc(OPEN_CASES, OPEN_CASES, {"items": [i for _, i in sorted(still_open)]}, {}))
        containers[BY_CREATED]["info"]["members"] = len(scored)
        containers[OPEN_CASES]["info"]["members"] = len(still_open)
        containers[CUSTOMER_CASES]["info"]["members"] = sum(len(v) for v in case_ids.values())
        return Dataset(containers, docs)

    def write(self, target: LabTarget, shaped: Dataset) -> None:
        """FLUSHALL, then every key through pipelines of a few thousand commands."""
        client = _client(target)
        try:
            client.flushall()
            pipe = client.pipeline(transaction=False)
            for n, doc in enumerate(shaped.docs, 1):
                kind = TYPES[doc.index]
                if kind == "hash":
                    pipe.hset(doc.id, mapping=doc.source)
                elif kind == "string" and VALUE in doc.source:
                    pipe.set(doc.id, doc.source[VALUE])
                elif kind == "string":
                    pipe.set(doc.id, json.dumps(doc.source, ensure_ascii=False))
                elif kind == "set":
                    pipe.sadd(doc.id, *doc.source["members"])
                elif kind == "zset":
                    pipe.zadd(doc.id, doc.source["members"])
                elif doc.source["items"]:
                    pipe.rpush(doc.id, *doc.source["items"])
                if n % 2000 == 0:
                    pipe.execute()
            pipe.execute()
            client.save()  # on disk now: a killed (not stopped) lab keeps its data too
        finally:
            client.close()

    def count(self, target: LabTarget) -> dict[str, int]:
        """Keys per lab pattern (SCAN; the lab's key set is small)."""
        client = _client(target)
        counts = dict.fromkeys(TYPES, 0)
        try:
            for key in client.scan_iter(count=1000):
                pattern = pattern_of(key.decode("utf-8", "replace"))
                if pattern is not None:
                    counts[pattern] += 1
        finally:
            client.close()
        return counts


def _profile(doc: Doc) -> Doc:
    """customer:<email> of the customer of a case: their profile as JSON."""
    customer = doc.source["customer"]
    paths = {
        kind: frozenset(p.removeprefix("customer.") for p in paths if p.startswith("customer."))
        for kind, paths in doc.pii.items()
    }
    paths = {kind: p for kind, p in paths.items() if p}
    paths[EMAIL_ADDRESS] = paths[EMAIL_ADDRESS] | {KEY}
    return Doc(CUSTOMERS, f"customer:{customer['email']}", dict(customer), paths, {},
               customer["email"], frozenset({customer["email"].lower()}))  # fmt: skip


def _client(target: LabTarget) -> Any:
    """A redis-py client for a lab target (its password when secured)."""
    import redis

    return redis.Redis(host="127.0.0.1", port=target.port, password=target.password,
                       socket_timeout=120, socket_connect_timeout=10)  # fmt: skip


STORE = RedisStore()
