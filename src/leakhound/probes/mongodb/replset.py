"""Replica sets: a member's role in its set, and the set's identity, the same at each of its
members, so that a set reached at several of them is one store."""

from __future__ import annotations

import hashlib
from typing import Any

import bson

from ...models import Endpoint, Fingerprint, Service
from .connection import CommandFailed, Connection

# A member's role in its replica set, from its hello (the drivers' server types: RSPrimary,
# RSSecondary, RSArbiter, RSOther).
ROLES = ("primary", "secondary", "arbiter", "other")


def member_role(hello: dict[str, Any]) -> str:
    """What a member of a replica set is in it, as its hello says: ``primary`` (writable:
    ``isWritablePrimary``, or ``ismaster`` of the legacy hello), ``secondary``, ``arbiter``
    (a voter that holds no data), else ``other`` (starting, recovering, rolling back, or a
    member the set's configuration has no place for)."""
    if hello.get("isWritablePrimary") is True or hello.get("ismaster") is True:
        return "primary"
    if hello.get("secondary") is True:
        return "secondary"
    if hello.get("arbiterOnly") is True:
        return "arbiter"
    return "other"


def member_of_a_set(of: Service | Fingerprint) -> bool:
    """Whether a service (or its fingerprint) is a member of a replica set: its reads carry a
    read preference a secondary answers (``connection.SECONDARY_READS``)."""
    fp = of.fingerprint if isinstance(of, Service) else of
    return isinstance(fp.details.get("replica_set"), str)


def member_said(fp: Fingerprint) -> str:
    """The member's role for a verdict's reason ('; a secondary of replica set rs0'), '' for
    a server of no replica set."""
    name, role = fp.details.get("replica_set"), fp.details.get("member")
    if not isinstance(name, str):
        return ""
    said = {
        "primary": "the primary",
        "secondary": "a secondary",
        "arbiter": "an arbiter (it holds no data)",
    }.get(str(role), "a member (neither primary nor secondary)")
    return f"; {said} of replica set {name}"


# The hosts a member's hello lists: the same lists at every member of one set (its
# configuration's members, hidden ones left out).
_MEMBER_LISTS = ("hosts", "passives", "arbiters")


async def set_identity(conn: Connection, hello: dict[str, Any], endpoint: Endpoint) -> str | None:
    """The identity of the replica set a member belongs to, the same at each of its members:
    the ``replicaSetId`` its configuration holds (``replSetGetConfig``: an ObjectId made
    when the set was initiated, never changed after, unique where the set's name is not:
    "rs0" is every tutorial's); where that is refused (a member that asks for credentials)
    or missing, its name with a digest of the hosts its hello lists (``set/<digest>``: two
    sets of one name are told apart by their members' addresses). That fallback only where
    the member was reached (``endpoint``) at one of the addresses it lists: the addresses a
    set is configured with are often the same in sets that share nothing ("localhost:27017"
    of every single-member set, a template's "mongo1:27017", private addresses, a
    Kubernetes service's names), and only the address the scan reached it at tells which
    machine answered. None (the store known by its endpoint) when the hello lists no host,
    or not the one the member was reached at."""
    name = str(hello.get("setName"))[:100]
    try:
        got = await conn.run("admin", {"replSetGetConfig": 1})
    except CommandFailed:
        got = {}
    config = got.get("config")
    settings = config.get("settings") if isinstance(config, dict) else None
    set_id = settings.get("replicaSetId") if isinstance(settings, dict) else None
    if isinstance(set_id, bson.ObjectId):
        return str(set_id)
    hosts = sorted(
        {
            h.lower()
            for key in _MEMBER_LISTS
            if isinstance(listed := hello.get(key), list)
            for h in listed
            if isinstance(h, str)
        }
    )
    if not hosts or endpoint.netloc.lower() not in hosts:
        return None
    digest = hashlib.sha256("\n".join(hosts).encode()).hexdigest()[:24]
    return f"{name}/{digest}"
