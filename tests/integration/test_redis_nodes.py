"""Redis servers that are not alone, started here from Debian's redis-server: a master and its
replica (one store, its keys counted once, the replica another way in) and a Redis Cluster of
three masters and a replica of the first (each node's figures its own slots' keys, its result
saying so and naming the nodes of the others). The set-up writes through redis-cli; the scan
only reads.

The servers keep nothing on disk (``--save ''``, ``--appendonly no``) and listen on loopback
ports found free; the module starts them once and stops them at its end. Like every test of
``tests/integration``, it runs in the servers' group of ``pytest -n`` (``tests/conftest.py``).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from reports import report

from leakhound.cli import main
from leakhound.models import Endpoint
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.redis.connection import connect, read_keys

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
READY = 30.0  # seconds a server, a sync or the cluster may take to be ready (a loaded machine)
KEYS = 40  # keys written to each set-up: customer:N, an e-mail address each


def _free_port() -> int:
    """A loopback port free now, with the cluster bus's (port + 10000) free too."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


def _cli(port: int, *args: str, stdin: str | None = None, cluster: bool = False) -> str:
    """redis-cli's answer to one command (or to the commands of ``stdin``)."""
    argv = [REDIS_CLI, "-h", "127.0.0.1", "-p", str(port), *(["-c"] if cluster else []), *args]
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=READY)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _wait(what: str, ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + READY
    while not ready():
        assert time.monotonic() < deadline, f"not ready within {READY:g} s: {what}"
        time.sleep(0.1)


def _answers(port: int) -> bool:
    try:
        return _cli(port, "PING").strip() == "PONG"
    except AssertionError:
        return False


@dataclass
class Servers:
    """redis-server processes of this module, stopped together."""

    home: Path
    procs: list[subprocess.Popen[bytes]]

    def start(self, *flags: str) -> int:
        """One redis-server on a free loopback port, with nothing kept on disk."""
        port = _free_port()
        where = self.home / str(port)
        where.mkdir()
        log = (where / "log").open("wb")
        argv = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no", "--dir", str(where), "--protected-mode", "no"]
        argv += ["--repl-diskless-sync-delay", "0", *flags]  # a replica syncs at once
        self.procs.append(subprocess.Popen(argv, stdout=log, stderr=log, cwd=where))
        _wait(f"redis-server on {port}", lambda: _answers(port))
        return port

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    running = Servers(tmp_path_factory.mktemp("redis-nodes"), [])
    try:
        yield running
    finally:
        running.stop()


def _seed(port: int, *, cluster: bool = False) -> None:
    lines = "".join(f"HSET customer:{i} email c{i}@example.org\n" for i in range(KEYS))
    _cli(port, stdin=lines, cluster=cluster)


def _linked(port: int) -> bool:
    return "master_link_status:up" in _cli(port, "INFO", "replication")


@dataclass(frozen=True)
class Pair:
    """A master and its replica."""

    master: int
    replica: int


@pytest.fixture(scope="module")
def pair(servers: Servers) -> Pair:
    master = servers.start()
    _seed(master)
    replica = servers.start("--replicaof", "127.0.0.1", str(master))
    _wait("the replica's sync", lambda: _linked(replica))
    assert _cli(replica, "DBSIZE").strip() == str(KEYS)
    return Pair(master, replica)


@dataclass(frozen=True)
class Cluster:
    """Three masters and a replica of the first, with KEYS keys spread over their slots."""

    masters: tuple[int, ...]
    replica: int

    @property
    def nodes(self) -> tuple[int, ...]:
        return (*self.masters, self.replica)


def _cluster_node(servers: Servers) -> int:
    port = servers.start("--cluster-enabled", "yes", "--cluster-node-timeout", "5000")
    return port  # its nodes.conf goes to its own --dir


def _agreed(ports: tuple[int, ...], replicas: int) -> bool:
    """Every node's state ok, and every node sees as many replicas."""
    for port in ports:
        if "cluster_state:ok" not in _cli(port, "CLUSTER", "INFO"):
            return False
        listing = _cli(port, "CLUSTER", "NODES").splitlines()
        if sum(" slave " in f" {line.split()[2].replace(',', ' ')} " for line in listing) != (
            replicas
        ):
            return False
    return True


@pytest.fixture(scope="module")
def cluster(servers: Servers) -> Cluster:
    masters = tuple(_cluster_node(servers) for _ in range(3))
    _cli(
        masters[0],
        "--cluster",
        "create",
        *(f"127.0.0.1:{p}" for p in masters),
        "--cluster-yes",
    )
    _wait("cluster_state:ok at every master", lambda: _agreed(masters, 0))
    replica = _cluster_node(servers)
    first = _cli(masters[0], "CLUSTER", "MYID").strip()
    _cli(
        masters[0],
        "--cluster",
        "add-node",
        f"127.0.0.1:{replica}",
        f"127.0.0.1:{masters[0]}",
        "--cluster-slave",
        "--cluster-master-id",
        first,
    )
    nodes = (*masters, replica)
    _wait("every node to see the replica", lambda: _agreed(nodes, 1) and _linked(replica))
    _seed(masters[0], cluster=True)
    _wait(
        "the replica to hold its master's keys",
        lambda: _cli(replica, "DBSIZE") == _cli(masters[0], "DBSIZE"),
    )
    return Cluster(masters, replica)


def _by_port(doc: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["service"]["endpoint"]["port"]: r for r in doc["results"]}


def _keys(result: dict[str, Any]) -> int:
    return sum(c["index"]["docs"] or 0 for c in result["indices"])


def _sampled(result: dict[str, Any]) -> int:
    return sum((c["sample"] or {}).get("docs", 0) for c in result["indices"])


def _assessed(db: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["assess", "last", "--db", str(db), "--format", "json"]) == 0
    return dict(json.loads(capsys.readouterr().out))


def _scan(tmp: Path, ports: tuple[int, ...]) -> tuple[dict[str, Any], Path]:
    return report(tmp, *(f"redis://127.0.0.1:{p}" for p in ports), "--sample", "100")


def test_a_master_and_its_replica_are_one_store_its_keys_counted_once(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The replica named first: the scan meets it first, the master still speaks for the store.
    doc, db = _scan(tmp_path, (pair.replica, pair.master))
    results = _by_port(doc)
    master, replica = results[pair.master], results[pair.replica]
    assert _keys(master) == _keys(replica) == KEYS  # each read whole on its own
    assert doc["summary"]["exposed_documents"] == KEYS  # not twice: one store
    fp_master, fp_replica = master["service"]["fingerprint"], replica["service"]["fingerprint"]
    assert fp_master["cluster_uuid"] == fp_replica["cluster_uuid"]  # the replication ID
    assert fp_master["details"]["run_id"] != fp_replica["details"]["run_id"]  # two processes
    assert replica["service"]["reason"].endswith(f"; a replica of 127.0.0.1:{pair.master}")
    assert "replica" not in master["service"]["reason"]
    assert fp_replica["details"]["replica_of"] == f"127.0.0.1:{pair.master}"
    (store,) = _assessed(db, capsys)["stores"]
    assert store["url"] == f"redis://127.0.0.1:{pair.master}"
    assert store["other_endpoints"] == [f"127.0.0.1:{pair.replica}"]
    assert store["documents"] == KEYS


def test_each_cluster_node_counts_its_own_slots_keys_and_names_the_other_nodes(
    cluster: Cluster, tmp_path: Path
) -> None:
    doc, _ = _scan(tmp_path, cluster.nodes)
    results = _by_port(doc)
    own = {p: int(_cli(p, "DBSIZE")) for p in cluster.nodes}
    assert sum(own[p] for p in cluster.masters) == KEYS
    assert all(0 < own[p] < KEYS for p in cluster.masters)  # each a share, none the whole
    for port in cluster.nodes:
        result = results[port]
        assert _keys(result) == own[port]
        assert _sampled(result) == own[port]  # every key of the node read, none redirected
        assert result["inventory_error"] is None  # its share was listed whole
        note = result["inventory_note"]
        assert note.startswith("one shard of a Redis Cluster: its figures are the keys of ")
        assert "Redis Cluster" in result["service"]["reason"]
        shard = cluster.masters[0] if port == cluster.replica else port
        others = [p for p in cluster.masters if p != shard]
        for other in others:
            assert f"127.0.0.1:{other} (slots " in note
        assert f"127.0.0.1:{shard} " not in note  # its own shard is not an "other"
    # The first master and its replica: one store, one note; the cluster's keys once.
    assert (
        results[cluster.replica]["inventory_note"] == results[cluster.masters[0]]["inventory_note"]
    )
    assert doc["summary"]["exposed_documents"] == KEYS
    assert results[cluster.replica]["service"]["fingerprint"]["details"]["role"] == "replica"


def test_a_cluster_node_reads_only_its_own_keys(cluster: Cluster) -> None:
    """SCAN lists the node's own keys; a key of another node's slot answers -MOVED to TYPE,
    and read_keys leaves it out (it is that node's to count), never following it."""
    first, second = cluster.masters[:2]
    theirs = _cli(second, "SCAN", "0", "COUNT", "1000").split()[1]
    assert "MOVED" in _cli(first, "TYPE", theirs)

    async def go() -> list[dict[str, Any]]:
        scope = Scope()
        scope.add("127.0.0.1", first)
        conn = await connect(Transport(Limits(), scope), Endpoint("127.0.0.1", first))
        try:
            return await read_keys(conn, [theirs.encode()])
        finally:
            await conn.close()

    assert asyncio.run(go()) == []


def test_a_cluster_replica_is_read_in_full_as_its_own_keys(
    cluster: Cluster, tmp_path: Path
) -> None:
    """A full read of a replica node goes along SCAN after READONLY: every key of its shard
    read, none redirected to its master."""
    doc, _ = report(tmp_path, f"redis://127.0.0.1:{cluster.replica}", "--depth", "full")
    (result,) = doc["results"]
    own = int(_cli(cluster.replica, "DBSIZE"))
    assert result["full"]["docs"] == own > 0
    assert result["full"]["people"]["distinct"]["estimate"] == own  # one address a key
