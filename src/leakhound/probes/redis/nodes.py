"""Where one Redis server stands among others: its replication group (``INFO replication``)
and, in a Redis Cluster, its shard and the nodes that hold the other hash slots
(``CLUSTER NODES``). Both are server text, parsed here with bounds and never trusted further.

A master and its replicas hold the same keys and share one replication ID
(``master_replid``; a replica of a replica too): that ID, not the process's ``run_id``, names
the store, so a scan that finds both counts its keys once. A standalone master's replication
ID changes at restart, as its ``run_id`` does; a replica that has not synced yet still carries
its own (its keys are not its master's yet): a store of its own, and its role says so.

A cluster node holds the keys of its shard's hash slots only: its figures are that share, and
the nodes named for the other slots are reported for the user to scan, never connected to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

SLOTS = 16384  # hash slots of a Redis Cluster
# CLUSTER NODES lines read, at most: Redis advises clusters of up to 1,000 nodes.
MAX_NODES = 2000
# Slot entries read over a whole listing: a cluster's masters hold each of its slots once,
# in at most SLOTS ranges, beside a few being moved. A hostile listing of 2,000 lines of
# 8,000 entries each was 16 million regular expressions on the event loop (14 s).
MAX_SLOT_ENTRIES = 2 * SLOTS
MAX_RANGES = 8  # slot ranges of one shard written out in a note; past them, "…"
MAX_SHARDS = 10  # other shards named in a note; past them, how many more
MAX_REPLICAS = 3  # replicas of one other shard named in a note
MAX_NOTE = 2000  # characters of a note, at most (host names of 253 characters each)
_REPLID = re.compile(r"[0-9a-f]{40}")
_NODE_ID = re.compile(r"[0-9a-f]{40}")
# A host as a server names it (an address or a name): nothing else reaches a report.
_HOST = re.compile(r"[0-9A-Za-z._:%-]{1,253}")
_PORT = re.compile(r"[0-9]{1,5}")  # ASCII digits: str.isdigit() takes others int() reads
_SLOT = re.compile(r"([0-9]{1,5})(?:-([0-9]{1,5}))?")


@dataclass(frozen=True, slots=True)
class Replication:
    """What ``INFO replication`` says of the server: its replication ID, and for a replica
    its master's address and whether it is in sync with it."""

    replid: str | None = None  # 40 hexadecimal digits, None where absent or malformed
    role: str | None = None  # "master" or "replica"
    master: str | None = None  # a replica's master, host:port ([v6]:port)
    link_up: bool = False  # a replica's master_link_status is up

    @property
    def said(self) -> str:
        """The role in words, for the verdict's reason ('' for a master or an unknown role)."""
        if self.role != "replica":
            return ""
        of = f"a replica of {self.master}" if self.master else "a replica"
        return of if self.link_up else f"{of}, not in sync with it (master_link_status not up)"


def replication(fields: Mapping[str, str]) -> Replication:
    """The replication ``fields`` of an ``INFO replication`` reply (``resp.info_fields``)."""
    replid = fields.get("master_replid", "")
    role = {"master": "master", "slave": "replica", "replica": "replica"}.get(
        fields.get("role", "")
    )
    master = None
    if role == "replica":
        master = address(fields.get("master_host", ""), fields.get("master_port", ""))
    return Replication(
        replid if _REPLID.fullmatch(replid) and replid != "0" * 40 else None,
        role,
        master,
        fields.get("master_link_status") == "up",
    )


def address(host: str, port: str) -> str | None:
    """host:port as a server wrote them ([v6]:port), or None where either is no address."""
    host = host.strip("[]")
    if not _HOST.fullmatch(host) or not _PORT.fullmatch(port) or not 0 < int(port) < 65536:
        return None
    return f"[{host}]:{int(port)}" if ":" in host else f"{host}:{int(port)}"


@dataclass(frozen=True, slots=True)
class ClusterNode:
    """One line of ``CLUSTER NODES``."""

    id: str
    address: str | None  # host:port clients use, None for a node without one (noaddr)
    master: bool
    myself: bool
    master_id: str | None  # a replica's master
    failing: bool
    slots: tuple[tuple[int, int], ...]  # ranges (first, last) the node serves


def cluster_nodes(text: str) -> tuple[ClusterNode, ...]:
    """The nodes of a ``CLUSTER NODES`` reply; a line that is not one is left out.

    ``<id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>…``;
    a slot is ``N`` or ``N-M``; ``[N->-id]`` and ``[N-<-id]`` (a slot being moved) are not
    the node's yet, or still are, and are left to its plain ranges.
    """
    out = []
    entries = MAX_SLOT_ENTRIES  # slot entries still to read
    # Split no further than the lines and words read: 32 MiB of short lines split whole were
    # millions of strings (770 MB) for the first MAX_NODES of them.
    for line in text.split("\n", MAX_NODES)[:MAX_NODES]:
        parts = line.split(maxsplit=8 + entries)
        if len(parts) < 8 or not _NODE_ID.fullmatch(parts[0]):
            continue
        flags = set(parts[2].split(","))
        if "handshake" in flags or not flags & {"master", "slave"}:
            continue
        host, _, port = parts[1].split("@", 1)[0].rpartition(":")
        master_id = parts[3] if _NODE_ID.fullmatch(parts[3]) else None
        slots = []
        listed = parts[8 : 8 + entries]  # the rest of a longer line is one word past these
        entries -= len(listed)
        for slot in listed:
            if m := _SLOT.fullmatch(slot):
                low, high = int(m[1]), int(m[2] or m[1])
                if low <= high < SLOTS:
                    slots.append((low, high))
        out.append(
            ClusterNode(
                parts[0],
                None if "noaddr" in flags else address(host, port),
                "master" in flags,
                "myself" in flags,
                None if "master" in flags else master_id,
                bool(flags & {"fail", "fail?"}),
                tuple(slots),
            )
        )
    return tuple(out)


def slot_count(ranges: tuple[tuple[int, int], ...]) -> int:
    """How many distinct slots the ranges hold."""
    count, reached = 0, -1  # slots counted, the highest counted
    for low, high in sorted(ranges):
        if high > reached:
            count += high - max(low, reached + 1) + 1
            reached = high
    return count


def _ranges(ranges: tuple[tuple[int, int], ...]) -> str:
    said = [f"{a}" if a == b else f"{a}-{b}" for a, b in sorted(ranges)]
    more = len(said) - MAX_RANGES
    return ", ".join(said[:MAX_RANGES]) + (f", … ({more} ranges more)" if more > 0 else "")


def cluster_note(nodes: tuple[ClusterNode, ...]) -> str:
    """What a node's figures are of its cluster, the same words at every node of one shard:
    the hash slots of its shard, and the other shards' nodes (masters first) to scan."""
    me = next((n for n in nodes if n.myself), None)
    if me is None:
        return (
            "one node of a Redis Cluster: its figures are the keys of its own hash slots, not "
            "the cluster's (CLUSTER NODES did not name it, so which nodes hold the others is "
            "not known)"
        )
    shard = me.id if me.master else me.master_id
    head = next((n for n in nodes if n.id == shard and n.master), None)
    mine = head.slots if head is not None else ()
    held = slot_count(mine)
    others = [n for n in nodes if n.master and n.id != shard and n.slots]
    others.sort(key=lambda n: min(n.slots))
    if held == SLOTS:
        return (
            f"one shard of a Redis Cluster, holding every hash slot (0-{SLOTS - 1}): its "
            "figures are the whole cluster's"
        )
    if not mine:
        what = "one node of a Redis Cluster whose shard holds no hash slot"
        if head is None:
            what = "one node of a Redis Cluster whose master CLUSTER NODES did not name"
    else:
        what = (
            f"one shard of a Redis Cluster: its figures are the keys of hash slots "
            f"{_ranges(mine)} ({held:,} of {SLOTS:,}), not the cluster's"
        )
    if not others:
        return f"{what}; CLUSTER NODES names no other node holding slots"
    said = []
    for n in others[:MAX_SHARDS]:
        replicas = [r.address for r in nodes if r.master_id == n.id and r.address]
        where = n.address or "a node without an address"
        extra = f"; replica{'s' if len(replicas) > 1 else ''} {', '.join(replicas[:MAX_REPLICAS])}"
        if len(replicas) > MAX_REPLICAS:
            extra += f" and {len(replicas) - MAX_REPLICAS:,} more"
        said.append(
            f"{where}{' (failing)' if n.failing else ''} (slots {_ranges(n.slots)}"
            f"{extra if replicas else ''})"
        )
    more = len(others) - MAX_SHARDS
    tail = f" and {more:,} more" if more > 0 else ""
    listed = ", ".join(said)
    end = f"{tail}: scan them for the rest"
    room = MAX_NOTE - len(what) - len(end) - len("; the other slots are held by ")
    if len(listed) > room:
        listed = listed[: room - 1] + "…"
    return f"{what}; the other slots are held by {listed}{end}"
