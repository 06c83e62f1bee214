"""Where a Redis server stands: its replication group (INFO replication, recorded from
redis-server 7.0.15) and its shard of a Redis Cluster (CLUSTER NODES), as its store's identity,
its role and the note of a cluster node's share."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from leakhound.models import Endpoint, Fingerprint, Service, Verdict
from leakhound.probes.redis.nodes import (
    MAX_SHARDS,
    SLOTS,
    Replication,
    cluster_nodes,
    cluster_note,
    replication,
    slot_count,
)
from leakhound.probes.redis.probe import _placed, _standing
from leakhound.probes.redis.resp import info_fields

DATA = Path(__file__).parents[2] / "data" / "redis"
MASTER_REPLID = "c09e80bde1356c45986e5e0ccdb5bf0b53501012"


def _recorded(name: str) -> str:
    return (DATA / name).read_text()


def _replication(name: str) -> Replication:
    return replication(info_fields(_recorded(name).encode()))


def _service(port: int, repl: Replication, run_id: str) -> Service:
    ep = Endpoint("127.0.0.1", port)
    fp = _placed(Fingerprint("redis", "7.0.15", cluster_uuid=run_id), repl)
    return Service(ep, ep.url("redis"), "redis", Verdict.OPEN, "open", fp)


def test_a_replica_in_sync_is_one_store_with_its_master() -> None:
    master = _replication("info-replication-master-7.0.15.txt")
    replica = _replication("info-replication-replica-7.0.15.txt")
    assert master.replid == replica.replid is not None
    assert (master.role, replica.role) == ("master", "replica")
    # Two processes (two run_ids), one store: the keys the replica holds are its master's.
    a = _service(27021, master, "a" * 40)
    b = _service(27022, replica, "b" * 40)
    assert a.store_id == b.store_id == f"redis:{master.replid}"


def test_a_replica_says_whose_replica_it_is() -> None:
    replica = _replication("info-replication-replica-7.0.15.txt")
    assert replica.master == "127.0.0.1:27021" and replica.link_up
    assert replica.said == "a replica of 127.0.0.1:27021"
    fp = _placed(Fingerprint("redis", cluster_uuid="r" * 40), replica)
    assert fp.details == {
        "role": "replica",
        "replica_of": "127.0.0.1:27021",
        "master_link": "up",
        "run_id": "r" * 40,
    }
    assert _standing({}, replica) == "; a replica of 127.0.0.1:27021"


def test_a_replica_not_yet_synced_is_a_store_of_its_own_and_says_so() -> None:
    """Before its first sync a replica carries a replication ID of its own: its keys are
    not its master's yet (none, or what it held before), so they are not its master's
    store's either."""
    syncing = _replication("info-replication-replica-syncing-7.0.15.txt")
    master = _replication("info-replication-master-7.0.15.txt")
    assert syncing.replid is not None and syncing.replid != master.replid
    assert not syncing.link_up
    assert syncing.said == (
        "a replica of 127.0.0.1:27001, not in sync with it (master_link_status not up)"
    )


def test_a_master_of_no_replica_keeps_one_identity_per_replication_history() -> None:
    fields = {"role": "master", "master_replid": MASTER_REPLID}
    repl = replication(fields)
    assert repl == Replication(MASTER_REPLID, "master", None, False)
    assert repl.said == "" and _standing({}, repl) == ""


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="no-replication-section"),
        pytest.param({"master_replid": "0" * 40}, id="all-zero"),
        pytest.param({"master_replid": "C09E80BDE1356C45986E5E0CCDB5BF0B53501012"}, id="upper"),
        pytest.param({"master_replid": MASTER_REPLID[:39]}, id="short"),
        pytest.param({"master_replid": MASTER_REPLID + "0"}, id="long"),
    ],
)
def test_without_a_replication_id_the_process_names_the_store(fields: dict[str, str]) -> None:
    """A server that gives no replication ID as Redis writes it (a server of another make
    speaking the protocol, a mangled reply) is the store its run_id names, as before."""
    svc = _service(6379, replication(fields), "f" * 40)
    assert svc.store_id == f"redis:{'f' * 40}"


@pytest.mark.parametrize(
    ("host", "port", "said"),
    [
        pytest.param("10.0.0.5", "6379", "a replica of 10.0.0.5:6379", id="v4"),
        pytest.param("::1", "6380", "a replica of [::1]:6380", id="v6"),
        pytest.param("cache-0.internal", "6379", "a replica of cache-0.internal:6379", id="name"),
        pytest.param("10.0.0.5", "0", "a replica", id="port-0"),
        pytest.param("10.0.0.5", "70000", "a replica", id="port-out-of-range"),
        pytest.param("10.0.0.5", "６３７９", "a replica", id="full-width-digits"),
        pytest.param("evil\x1b[2J", "6379", "a replica", id="control-characters"),
        pytest.param("", "6379", "a replica", id="no-host"),
    ],
)
def test_a_replicas_master_is_named_only_as_an_address(host: str, port: str, said: str) -> None:
    repl = replication(
        {"role": "slave", "master_host": host, "master_port": port, "master_link_status": "up"}
    )
    assert repl.said == said


def test_a_cluster_master_names_its_slots_and_the_nodes_of_the_others() -> None:
    nodes = cluster_nodes(_recorded("cluster-nodes-master-7.0.15.txt"))
    assert len(nodes) == 4 and sum(n.myself for n in nodes) == 1
    assert cluster_note(nodes) == (
        "one shard of a Redis Cluster: its figures are the keys of hash slots 0-5460 "
        "(5,461 of 16,384), not the cluster's; the other slots are held by 127.0.0.1:27012 "
        "(slots 5461-10922), 127.0.0.1:27013 (slots 10923-16383): scan them for the rest"
    )


def test_a_cluster_replica_says_what_its_master_says() -> None:
    """The same note at every node of one shard: a scan of a master and its replica (one
    store) says it once."""
    master = cluster_note(cluster_nodes(_recorded("cluster-nodes-master-7.0.15.txt")))
    replica = cluster_note(cluster_nodes(_recorded("cluster-nodes-replica-7.0.15.txt")))
    assert replica == master


def test_another_shards_replicas_are_named_beside_its_master() -> None:
    nodes = cluster_nodes(_recorded("cluster-nodes-master-7.0.15.txt").replace("27011", "27019"))
    mine = "127.0.0.1:27012 (slots 5461-10922)"
    lines = _recorded("cluster-nodes-replica-7.0.15.txt")
    assert mine in cluster_note(nodes)
    replica_view = cluster_nodes(lines.replace("myself,slave", "slave").replace(
        "213ad24eed9ceb46cb932bae59349505bcd12c18 127.0.0.1:27011@37011 master",
        "213ad24eed9ceb46cb932bae59349505bcd12c18 127.0.0.1:27011@37011 myself,master",
    ))  # fmt: skip
    note = cluster_note(replica_view)
    assert "127.0.0.1:27013 (slots 10923-16383)" in note and "27014" not in note


def _line(node: str, addr: str, flags: str, master: str = "-", slots: str = "") -> str:
    """A CLUSTER NODES line; ``addr``: ip:port[,hostname] (the bus port goes between)."""
    where, _, name = addr.partition(",")
    bus = f"{where}@1{where[-4:]}" + (f",{name}" if name else "")
    return f"{node * 40} {bus} {flags} {master} 0 0 1 connected {slots}".strip()


def test_a_shard_of_other_nodes_replicas_and_moving_slots_is_said_as_such() -> None:
    text = "\n".join(
        [
            _line("a", "10.0.0.1:6379", "myself,master", slots="0-99 200 [300->-" + "b" * 40 + "]"),
            _line("b", "10.0.0.2:6379,cache-b", "master", slots="100-199 201-16383"),
            _line("c", "10.0.0.3:6379", "slave", "b" * 40),
            _line("d", "10.0.0.4:6379", "slave,fail", "b" * 40),
            _line("e", ":0", "master,noaddr", slots=""),
            _line("f", "10.0.0.6:6379", "handshake"),
        ]
    )
    nodes = cluster_nodes(text)
    assert [n.id[0] for n in nodes] == ["a", "b", "c", "d", "e"]
    assert nodes[0].slots == ((0, 99), (200, 200))  # the slot on its way out is left out
    assert nodes[1].address == "10.0.0.2:6379"  # the hostname after the comma is not the address
    assert cluster_note(nodes) == (
        "one shard of a Redis Cluster: its figures are the keys of hash slots 0-99, 200 "
        "(101 of 16,384), not the cluster's; the other slots are held by 10.0.0.2:6379 "
        "(slots 100-199, 201-16383; replicas 10.0.0.3:6379, 10.0.0.4:6379): scan them for "
        "the rest"
    )


def test_a_single_shard_cluster_says_its_figures_are_the_whole_clusters() -> None:
    nodes = cluster_nodes(_line("a", "10.0.0.1:6379", "myself,master", slots="0-16383"))
    assert "its figures are the whole cluster's" in cluster_note(nodes)


def test_a_node_missing_from_its_own_listing_says_the_others_are_not_known() -> None:
    nodes = cluster_nodes(_line("a", "10.0.0.1:6379", "master", slots="0-16383"))
    note = cluster_note(nodes)
    assert "its own hash slots" in note and "not known" in note


def test_a_listing_of_many_shards_names_some_and_counts_the_rest() -> None:
    lines = [_line("0", "10.0.0.1:6379", "myself,master", slots="0")]
    for i in range(1, 40):
        node = f"{i:040x}"
        lines.append(f"{node} 10.0.1.{i}:6379@16379 master - 0 0 1 connected {i}")
    note = cluster_note(cluster_nodes("\n".join(lines)))
    assert note.endswith(f" and {39 - MAX_SHARDS} more: scan them for the rest")
    assert note.count("10.0.1.") == MAX_SHARDS


@pytest.mark.parametrize(
    ("ranges", "count"),
    [
        (((0, SLOTS - 1),), SLOTS),
        (((0, 9), (5, 14)), 15),
        (((5, 5), (5, 5), (0, 0)), 2),
        (((0, SLOTS - 1),) * 10_000, SLOTS),  # repeated ranges: counted once, at once
        ((), 0),
    ],
)
def test_slots_are_counted_once_however_the_ranges_overlap(
    ranges: tuple[tuple[int, int], ...], count: int
) -> None:
    assert slot_count(ranges) == count


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("", id="empty"),
        pytest.param("not a node line at all", id="words"),
        pytest.param("x" * 40 + " 10.0.0.1:6379@1 master - 0 0 1 connected 0-5", id="bad-id"),
        pytest.param("a" * 40 + " 10.0.0.1:6379@1 master - 0 0", id="short"),
    ],
)
def test_a_line_that_is_no_node_is_left_out(line: str) -> None:
    assert cluster_nodes(line) == ()


@pytest.mark.parametrize(
    "slots",
    ["16384", "5-3", "-1", "1-2-3", "99999999999-1", "0x10", "１２"],
)
def test_a_slot_no_cluster_has_is_left_out(slots: str) -> None:
    (node,) = cluster_nodes(_line("a", "10.0.0.1:6379", "myself,master", slots=slots))
    assert node.slots == ()


def test_a_listing_of_more_slot_entries_than_a_cluster_has_is_read_so_far() -> None:
    """A cluster's masters hold each slot once: a listing of many more slot entries (768
    lines of 8,192 each) is read no further than twice the slots, not entry by entry."""
    line = f"{'1' * 40} 127.0.0.1:7000@17000 master - 0 0 1 connected " + " ".join(
        str(i) for i in range(0, SLOTS, 2)
    )
    nodes = cluster_nodes("\n".join([line] * 768))
    assert len(nodes) == 768
    assert nodes[0].slots[:2] == ((0, 0), (2, 2)) and len(nodes[0].slots) == SLOTS // 2
    assert sum(len(n.slots) for n in nodes) == 2 * SLOTS


def test_a_listing_of_millions_of_lines_is_split_no_further_than_it_is_read() -> None:
    """4 MiB of short lines split whole were 1.4 million strings, for the MAX_NODES read."""
    text = "ab\n" * (4 * 2**20 // 3)
    tracemalloc.start()
    try:
        assert cluster_nodes(text) == ()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * len(text)
