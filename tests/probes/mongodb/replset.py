"""A MongoDB replica set of fake members on loopback (FerretDB, the lab's MongoDB-wire server,
has no replica sets): each member answers as MongoDB 7.0 documents its replies, the same data
at the primary and its secondary, none at the arbiter.

Their hello replies are those of MongoDB's reference ("hello", Replica Sets: ``hosts``,
``passives``, ``arbiters``, ``setName``, ``setVersion``, ``isWritablePrimary``, ``secondary``,
``arbiterOnly``, ``primary``, ``me``, ``electionId`` on the primary, ``lastWrite``), and
``replSetGetConfig`` answers ``config`` with ``settings.replicaSetId``. A member that is not
the primary answers the commands MongoDB lets a secondary run only on a read preference
(``AllowedOnSecondary::kOptIn``: listDatabases, listCollections, listIndexes, collStats,
count, find) as MongoDB does: without ``$readPreference`` (or with mode primary)
``NotPrimaryNoSecondaryOk`` (13435, "not primary and secondaryOk=false"), and an arbiter,
with one, ``NotPrimaryOrSecondary`` (13436, "node is not in primary or recovering state"):
the replies recorded from mongod 4.4-7.0 shells. ``secured`` members refuse everything but
hello and buildInfo with ``Unauthorized`` (13), as a set run with ``--keyFile`` does.
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import bson

# The commands a member that is not the primary answers only on a read preference.
OPT_IN = frozenset(
    {"listDatabases", "listCollections", "listIndexes", "collStats", "count", "find"}
)
NOT_PRIMARY = {
    "ok": 0.0,
    "errmsg": "not primary and secondaryOk=false",
    "code": 13435,
    "codeName": "NotPrimaryNoSecondaryOk",
}
NOT_PRIMARY_OR_SECONDARY = {
    "ok": 0.0,
    "errmsg": "node is not in primary or recovering state",
    "code": 13436,
    "codeName": "NotPrimaryOrSecondary",
}
UNAUTHORIZED = {
    "ok": 0.0,
    "errmsg": "command listDatabases requires authentication",
    "code": 13,
    "codeName": "Unauthorized",
}
WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ReplicaSet:
    """One set's configuration: its name, its members' host names (as configured: never the
    loopback ports the fakes listen on) and its ``replicaSetId``."""

    name: str
    hosts: tuple[str, ...]
    arbiters: tuple[str, ...]
    set_id: bson.ObjectId

    def hello(self, me: str, role: str) -> dict[str, Any]:
        """The hello of member ``me`` in ``role`` (primary, secondary, arbiter)."""
        reply: dict[str, Any] = {
            "topologyVersion": {"processId": bson.ObjectId(), "counter": bson.Int64(6)},
            "hosts": list(self.hosts),
            "arbiters": list(self.arbiters),
            "setName": self.name,
            "setVersion": 1,
            "isWritablePrimary": role == "primary",
            "secondary": role == "secondary",
            "primary": self.hosts[0],
            "me": me,
            "lastWrite": {"lastWriteDate": WHEN, "majorityWriteDate": WHEN},
            "maxBsonObjectSize": 16777216,
            "maxMessageSizeBytes": 48000000,
            "maxWriteBatchSize": 100000,
            "localTime": WHEN,
            "logicalSessionTimeoutMinutes": 30,
            "connectionId": 7,
            "minWireVersion": 0,
            "maxWireVersion": 21,
            "readOnly": False,
            "ok": 1.0,
        }
        if role == "primary":
            reply["electionId"] = bson.ObjectId("7fffffff0000000000000001")
        if role == "arbiter":
            reply["arbiterOnly"] = True
        return reply

    def config(self) -> dict[str, Any]:
        """``replSetGetConfig``'s answer."""
        members = [
            {"_id": i, "host": h, "arbiterOnly": h in self.arbiters, "priority": 1, "votes": 1}
            for i, h in enumerate((*self.hosts, *self.arbiters))
        ]
        return {
            "config": {
                "_id": self.name,
                "version": 1,
                "term": 1,
                "members": members,
                "protocolVersion": bson.Int64(1),
                "settings": {
                    "chainingAllowed": True,
                    "heartbeatIntervalMillis": 2000,
                    "electionTimeoutMillis": 10000,
                    "replicaSetId": self.set_id,
                },
            },
            "ok": 1.0,
        }


def customers(n: int) -> list[dict[str, Any]]:
    """The documents of ``shop.customers``: one address each."""
    return [
        {"_id": i, "name": f"Customer {i}", "email": f"customer{i}@example.com"}
        for i in range(1, n + 1)
    ]


def _batch(
    key: str, docs: list[dict[str, Any]], cursor: int = 0, ns: str = "shop.c"
) -> dict[str, Any]:
    return {"cursor": {"id": bson.Int64(cursor), "ns": ns, key: docs}, "ok": 1.0}


def _matches(doc: dict[str, Any], filter_: dict[str, Any]) -> bool:
    for key, cond in filter_.items():
        value = doc.get(key)
        if not isinstance(cond, dict):
            if value != cond:
                return False
            continue
        for op, bound in cond.items():
            ok = {
                "$gt": lambda v, b: v is not None and v > b,
                "$gte": lambda v, b: v is not None and v >= b,
                "$lt": lambda v, b: v is not None and v < b,
                "$type": lambda v, b: False,  # no dates here
            }[op](value, bound)
            if not ok:
                return False
    return True


@dataclass
class Member:
    """One member: its set, its name in it, its role, its data (None: an arbiter, or a
    standalone server when ``rs`` is None), whether it asks for credentials, and every
    command it was sent."""

    rs: ReplicaSet | None
    me: str
    role: str
    docs: list[dict[str, Any]] | None
    secured: bool = False
    sent: list[dict[str, Any]] = field(default_factory=list)
    _cursors: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    _next: int = 100

    def answer(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """The reply a mongod in this member's place sends."""
        self.sent.append(cmd)
        name = next(iter(cmd))
        if name in ("hello", "isMaster"):
            if self.rs is None:
                return {"isWritablePrimary": True, "maxWireVersion": 21, "ok": 1.0}
            return self.rs.hello(self.me, self.role)
        if name == "buildInfo":
            return {
                "version": "7.0.14",
                "gitVersion": "ce59cfc6a3c5e5c067dca0d30697edd68d4f5188",
                "ok": 1.0,
            }
        if self.secured:
            return UNAUTHORIZED
        if name == "replSetGetConfig":
            if self.rs is None:
                return {
                    "ok": 0.0,
                    "errmsg": "not running with --replSet",
                    "code": 76,
                    "codeName": "NoReplicationEnabled",
                }
            return self.rs.config()
        if name in OPT_IN and self.rs is not None and self.role != "primary":
            mode = (cmd.get("$readPreference") or {}).get("mode", "primary")
            if mode == "primary":
                return NOT_PRIMARY
            if self.role == "arbiter":
                return NOT_PRIMARY_OR_SECONDARY
        return self._data(name, cmd)

    def _data(self, name: str, cmd: dict[str, Any]) -> dict[str, Any]:
        docs = self.docs or []
        if name == "listDatabases":
            return {"databases": [{"name": "shop", "sizeOnDisk": 40960, "empty": False}], "ok": 1.0}
        if name == "listCollections":
            listed = (
                [{"name": "customers", "type": "collection"}] if cmd.get("$db") == "shop" else []
            )
            return _batch("firstBatch", listed, ns=f"{cmd.get('$db')}.$cmd.listCollections")
        if name == "collStats":
            return {
                "ns": "shop.customers",
                "count": len(docs),
                "size": 100 * len(docs),
                "storageSize": 20480,
                "totalIndexSize": 20480,
                "ok": 1.0,
            }
        if name == "count":
            return {"n": sum(_matches(d, cmd.get("query") or {}) for d in docs), "ok": 1.0}
        if name == "listIndexes":
            return _batch("firstBatch", [{"v": 2, "key": {"_id": 1}, "name": "_id_"}])
        if name == "find":
            found = [d for d in docs if _matches(d, cmd.get("filter") or {})]
            order = (cmd.get("sort") or {}).get("_id", 1)
            found.sort(key=lambda d: d["_id"], reverse=order == -1)
            if cmd.get("limit"):
                found = found[: int(cmd["limit"])]
            if cmd.get("projection"):
                keep = set(cmd["projection"]) | {"_id"}
                found = [{k: v for k, v in d.items() if k in keep} for d in found]
            size = int(cmd.get("batchSize") or 101)
            first, rest = found[:size], found[size:]
            cursor = 0
            if rest and not cmd.get("singleBatch"):
                self._next += 1
                cursor = self._next
                self._cursors[cursor] = rest
            return _batch("firstBatch", first, cursor, "shop.customers")
        if name == "getMore":
            cursor = int(cmd["getMore"])
            rest = self._cursors.pop(cursor, None)
            if rest is None:
                return {
                    "ok": 0.0,
                    "code": 43,
                    "codeName": "CursorNotFound",
                    "errmsg": "cursor not found",
                }
            size = int(cmd.get("batchSize") or 101)
            batch, rest = rest[:size], rest[size:]
            if rest:
                self._cursors[cursor] = rest
            return _batch("nextBatch", batch, cursor if rest else 0, "shop.customers")
        if name == "killCursors":
            for c in cmd.get("cursors") or []:
                self._cursors.pop(int(c), None)
            return {"cursorsKilled": cmd.get("cursors"), "ok": 1.0}
        return {
            "ok": 0.0,
            "code": 59,
            "codeName": "CommandNotFound",
            "errmsg": f"no such command: '{name}'",
        }


def op_msg(doc: dict[str, Any]) -> bytes:
    """One OP_MSG reply holding ``doc``."""
    body = struct.pack("<IB", 0, 0) + bson.encode(doc)
    return struct.pack("<iiii", 16 + len(body), 1, 1, 2013) + body


def handler(member: Member) -> Any:
    """A ``servers.ServerLoop`` handler answering as ``member``."""

    async def handle(conn: Any) -> None:
        while True:
            try:
                header = await conn.reader.readexactly(16)
                (length,) = struct.unpack_from("<i", header)
                body = await conn.reader.readexactly(length - 16)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            await conn.send(op_msg(member.answer(bson.decode(body[5:]))))

    return handle
