"""A MariaDB source and its replica, scanned together: one store, its rows and people counted
once, the replica listed as another way in and said to be one; a standalone server is a
store of its own, as before.

Real servers of their own, not the lab's: two throwaway MariaDB servers (the lab's launcher,
``serving``) on free loopback ports in temporary folders, the source keeping a binary log,
the replica made one by this test's admin connection (PyMySQL: ``CHANGE MASTER TO`` the
source's address, from its binary log's current position, ``START SLAVE``), stopped at the end.
MariaDB names a source by its address and ``server_id`` alone (no UUID): the two join because
the scan reached the source at the address the replica names (``probes/mysql/replication.py``).
And a Galera node of one, bootstrapped: of its cluster's store (its state UUID).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from reports import report

from leakhound.cli import main
from leakhound.lab.databases import serving

pytestmark = pytest.mark.xdist_group("servers")

ROWS = 300
READER = "reader"  # a user of no replication privilege: the replica status is refused to it
SOURCE_ID, REPLICA_ID = 11, 12


def _connect(port: int, user: str = "root") -> Any:
    import pymysql

    return pymysql.connect(
        host="127.0.0.1", port=port, user=user, password="", autocommit=True, connect_timeout=30
    )


@dataclass
class Pair:
    """The source's, the replica's and a standalone server's ports."""

    source: int
    replica: int
    alone: int


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """A source seeded with ``shop.customers`` (``ROWS`` rows, an address each) and its
    replica, caught up; ``READER`` may read the table at both, nothing more; a standalone
    server (the lab's options: no binary log) with a table of its own."""
    home = tmp_path_factory.mktemp("mysql-replica")
    source_options = (f"--server-id={SOURCE_ID}", f"--log-bin={home / 'source' / 'binlog'}")
    with (
        serving("mysql", home / "source", source_options) as source,
        serving("mysql", home / "replica", (f"--server-id={REPLICA_ID}",)) as replica,
        serving("mysql", home / "alone") as alone,
    ):
        s_port, r_port = source.target.port, replica.target.port
        with _connect(s_port) as conn, conn.cursor() as cur:
            cur.execute("SHOW MASTER STATUS")
            log_file, position = cur.fetchone()[:2]
        with _connect(r_port) as conn, conn.cursor() as cur:
            cur.execute(
                "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%s, MASTER_USER='root', "
                "MASTER_PASSWORD='', MASTER_LOG_FILE=%s, MASTER_LOG_POS=%s",
                (s_port, log_file, position),
            )
            cur.execute("START SLAVE")
        with _connect(s_port) as conn, conn.cursor() as cur:
            cur.execute("CREATE DATABASE shop")
            cur.execute("CREATE TABLE shop.customers (id INT PRIMARY KEY, email TEXT NOT NULL)")
            cur.executemany(
                "INSERT INTO shop.customers VALUES (%s, %s)",
                [(n, f"customer{n}@example.org") for n in range(1, ROWS + 1)],
            )
            cur.execute(f"CREATE USER '{READER}'@'127.0.0.1'")
            cur.execute(f"GRANT SELECT ON shop.* TO '{READER}'@'127.0.0.1'")
        deadline = time.monotonic() + 60
        with _connect(r_port) as conn, conn.cursor() as cur:
            while True:
                cur.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                            "TABLE_SCHEMA = 'shop'")  # fmt: skip
                if cur.fetchone()[0]:
                    cur.execute("SELECT COUNT(*) FROM shop.customers")
                    if cur.fetchone()[0] == ROWS:
                        break
                assert time.monotonic() < deadline, "the replica never caught up"
                time.sleep(0.1)
            cur.execute("SHOW SLAVE STATUS")
            columns = [c[0] for c in cur.description]
            status = dict(zip(columns, cur.fetchone(), strict=True))
            assert status["Master_Server_Id"] == SOURCE_ID, status
        with _connect(alone.target.port) as conn, conn.cursor() as cur:
            cur.execute("CREATE DATABASE shop")
            cur.execute("CREATE TABLE shop.customers (id INT PRIMARY KEY, email TEXT NOT NULL)")
            cur.execute("INSERT INTO shop.customers VALUES (1, 'alone@example.org')")
        yield Pair(s_port, r_port, alone.target.port)


def _targets(pair: Pair, user: str = "root") -> list[str]:
    return [f"mysql://{user}@127.0.0.1:{p}" for p in (pair.source, pair.replica, pair.alone)]


def _by_port(doc: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["service"]["endpoint"]["port"]: r for r in doc["results"]}


def _assessed(doc: dict[str, Any], db: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["assess", doc["scan_id"], "--db", str(db), "--format", "json"]) == 0
    got: dict[str, Any] = json.loads(capsys.readouterr().out)
    return got


@pytest.mark.parametrize("depth", ["sample", "full"])
def test_a_source_and_its_replica_are_one_store_counted_once(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: str
) -> None:
    doc, db = report(tmp_path, *_targets(pair), "--depth", depth)
    got = _by_port(doc)
    source, replica, alone = got[pair.source], got[pair.replica], got[pair.alone]
    for result in (source, replica, alone):
        assert result["service"]["verdict"] == "open", result["service"]["reason"]
        assert result["service"]["fingerprint"]["cluster_uuid"] is None  # MariaDB has none
    fp, rfp = source["service"]["fingerprint"], replica["service"]["fingerprint"]
    assert fp["details"]["server_id"] == SOURCE_ID
    assert "replica" not in fp["details"]
    assert rfp["details"]["replica"] is True
    assert rfp["details"]["replica_of"] == f"127.0.0.1:{pair.source}"
    assert rfp["details"]["source_server_id"] == SOURCE_ID
    assert replica["service"]["reason"].endswith(f"; a replica of 127.0.0.1:{pair.source}")
    # a standalone server without a binary log: nothing more than before
    assert not {"server_id", "replica", "replica_of"} & set(
        alone["service"]["fingerprint"]["details"]
    )
    # the replica is read as its source is: the same rows, whole
    (table,) = [i for i in replica["indices"] if i["index"]["name"] == "shop.customers"]
    read = table[depth]
    assert read["docs"] == (ROWS if depth == "full" else read["requested"]), read
    assert read["docs"] and not read["error"], read
    assessed = _assessed(doc, db, capsys)
    stores = {s["url"]: s for s in assessed["stores"]}
    source_url = f"mysql://root@127.0.0.1:{pair.source}"
    assert set(stores) == {source_url, f"mysql://root@127.0.0.1:{pair.alone}"}, stores
    store = stores[source_url]
    assert store["documents"] == ROWS
    assert store["other_endpoints"] == [f"127.0.0.1:{pair.replica}"]
    assert assessed["records"]["value"] == ROWS + 1
    if depth == "full":
        assert assessed["data_subjects"]["value"] == ROWS + 1


def test_a_user_refused_the_replica_status_scans_each_server_as_a_store_of_its_own(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, db = report(tmp_path, *_targets(pair, READER)[:2])
    got = _by_port(doc)
    for port in (pair.source, pair.replica):
        service = got[port]["service"]
        assert service["verdict"] == "open", service["reason"]
        assert "replica" not in service["fingerprint"]["details"]
        assert "a replica of" not in service["reason"]
    assert len(_assessed(doc, db, capsys)["stores"]) == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def galera(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A Galera cluster of one node, bootstrapped (Debian's galera-4, which mariadb-server
    depends on): its port. A second node does not join here: its state transfer (rsync)
    runs as ``nobody`` and cannot write the data folder the lab's launcher makes root's
    alone."""
    home = tmp_path_factory.mktemp("mysql-galera")
    options = (
        "--wsrep-on=ON",
        "--wsrep-provider=/usr/lib/galera/libgalera_smm.so",
        "--wsrep-cluster-address=gcomm://",
        "--wsrep-new-cluster",
        "--wsrep-node-address=127.0.0.1",
        f"--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{_free_port()}",
        "--binlog-format=ROW",
        "--innodb-autoinc-lock-mode=2",
    )
    with serving("mysql", home, options) as node:
        yield node.target.port


def test_a_galera_node_is_of_its_clusters_store(galera: int, tmp_path: Path) -> None:
    with _connect(galera) as conn, conn.cursor() as cur:
        cur.execute("SHOW STATUS LIKE 'wsrep_cluster_state_uuid'")
        ((_, state),) = cur.fetchall()
    assert state
    doc, _ = report(tmp_path, f"mysql://root@127.0.0.1:{galera}")
    (result,) = doc["results"]
    service = result["service"]
    assert service["verdict"] == "open", service["reason"]
    assert service["fingerprint"]["cluster_uuid"] == state
    details = service["fingerprint"]["details"]
    assert details["galera"] is True and "replica" not in details
