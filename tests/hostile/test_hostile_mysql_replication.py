"""Which store a MySQL server is of, from fake servers on loopback: a MySQL 8 source and its
replica (``SHOW REPLICA STATUS``'s ``Source_UUID`` naming the source's ``@@server_uuid``) are
one store wherever each was reached, the replica another way in; a MySQL before 8.0.22
(``SHOW SLAVE STATUS``, ``Master_UUID``) too; two Galera nodes of one cluster state UUID are
one store, neither a copy. MySQL 8 cannot be installed here (Debian ships MariaDB alone, and
no new dependency is taken): its answers are written after its documented columns.

Then answers no server gives (a column missing, named twice, a value of the wrong shape, two
channels, a refusal, a connection cut midway): each says nothing (no identity, no replica),
the server stays open and its tables read, no traceback, and only statements of the
allow-list are sent. Last, a server that an older leakhound scanned (no identity) keeps that
history when it tells one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from leakhound.probes.mysql import ALLOW, sql
from leakhound.store import SqliteStore

from . import audited
from . import servers as S
from .audited import Scan
from .mysql import Answer, FakeMysql, error, result

WALL_BOUND = 60.0  # seconds: a correctness bound, not a benchmark
SOURCE_UUID = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
OLD_SOURCE_UUID = "5a0c1e8e-0c2b-11ee-8b4f-0242ac120002"
GALERA_UUID = "0d5a2f4e-9c41-11ee-8a3b-6f1c2d3e4a5b"
STATUS = ["Variable_name", "Value"]
# MySQL 8.0.22's SHOW REPLICA STATUS, the columns read (of its 50-odd) and a few beside them.
REPLICA = [
    "Replica_IO_State",
    "Source_Host",
    "Source_User",
    "Source_Port",
    "Replica_IO_Running",
    "Replica_SQL_Running",
    "Source_Server_Id",
    "Source_UUID",
    "Channel_Name",
]
# SHOW SLAVE STATUS of MySQL 5.6 to 8.0.21: the same columns under their older names.
SLAVE = [
    "Slave_IO_State",
    "Master_Host",
    "Master_User",
    "Master_Port",
    "Slave_IO_Running",
    "Slave_SQL_Running",
    "Master_Server_Id",
    "Master_UUID",
    "Channel_Name",
]

Values = list[str | bytes | None]


def _replica_row(uuid: str | None = SOURCE_UUID, **changed: str | None) -> Values:
    row: dict[str, str | None] = {
        "io_state": "Waiting for source to send event",
        "host": "10.0.0.5",
        "user": "repl",
        "port": "3306",
        "io": "Yes",
        "sql": "Yes",
        "server_id": "1",
        "uuid": uuid,
        "channel": "",
    }
    row.update(changed)
    return list(row.values())


def _server(
    uuid: str | None,
    replica: bytes | None = None,
    *,
    galera: str | None = None,
    more: Answer = lambda sql: None,
) -> Answer:
    """A MySQL 8 server of ``@@server_uuid`` ``uuid`` whose replica status is ``replica``
    (None: replicates nothing), a Galera node where ``galera`` names its cluster."""

    def answer(statement: str) -> bytes | None:
        if (got := more(statement)) is not None:
            return got
        if statement == sql.GALERA_STATE:
            rows: list[Values] = [["wsrep_cluster_state_uuid", galera]] if galera else []
            return result(STATUS, rows)
        if statement == sql.MYSQL_SERVER and uuid is not None:
            return result(["@@server_uuid"], [[uuid]])
        if statement == sql.MYSQL_REPLICAS:
            return replica if replica is not None else result(REPLICA, [])
        return None

    return answer


def _on(statement: str, answer: bytes) -> Answer:
    return lambda sent: answer if sent == statement else None


# Servers that tell which store they are of.
TOLD: dict[str, Answer] = {
    "source": _server(SOURCE_UUID),
    "replica": _server("8a94f357-aab4-11df-86ab-c80aa9429562", result(REPLICA, [_replica_row()])),
    # before 8.0.22: SHOW REPLICA STATUS is a syntax error (the fake's 1064 for what it does
    # not know), SHOW SLAVE STATUS answers, its replication stopped
    "old-source": _server(
        OLD_SOURCE_UUID,
        error(1064, "You have an error in your SQL syntax"),
        more=_on(sql.MYSQL_REPLICAS_BEFORE_8022, result(SLAVE, [])),
    ),
    "old-replica": _server(
        "9b1c2d3e-0c2b-11ee-8b4f-0242ac120003",
        error(1064, "You have an error in your SQL syntax"),
        more=_on(
            sql.MYSQL_REPLICAS_BEFORE_8022,
            result(SLAVE, [_replica_row(OLD_SOURCE_UUID, io="No", host="db-old")]),
        ),
    ),
    "galera-1": _server("11111111-2222-3333-4444-555555555555", galera=GALERA_UUID),
    "galera-2": _server("66666666-7777-8888-9999-000000000000", galera=GALERA_UUID),
}
# Answers no server gives, or refusals: nothing is said of the store.
ODD: dict[str, Answer] = {
    "no-uuid-column": _server(
        "8a94f357-aab4-11df-86ab-c80aa9429563",
        result(REPLICA[:-2], [_replica_row()[:-2]]),
    ),
    "uuid-not-a-uuid": _server(
        "8a94f357-aab4-11df-86ab-c80aa9429564",
        result(REPLICA, [_replica_row("x'; DROP TABLE t; --")]),
    ),
    "uuid-null": _server(
        "8a94f357-aab4-11df-86ab-c80aa9429565", result(REPLICA, [_replica_row(None)])
    ),
    "uuid-not-text": _server(
        "8a94f357-aab4-11df-86ab-c80aa9429566",
        result(REPLICA, [_replica_row(b"\xff\xfe" * 18)]),
    ),
    "old-and-new-names": _server(
        "8a94f357-aab4-11df-86ab-c80aa9429567",
        result([*REPLICA, "Master_UUID"], [[*_replica_row(), SOURCE_UUID]]),
    ),
    "a-column-twice": _server(
        "8a94f357-aab4-11df-86ab-c80aa9429568",
        result([*REPLICA, "Source_UUID"], [[*_replica_row(), SOURCE_UUID]]),
    ),
    "two-channels": _server(
        "8a94f357-aab4-11df-86ab-c80aa9429569",
        result(REPLICA, [_replica_row(), _replica_row(OLD_SOURCE_UUID, channel="b")]),
    ),
    "port-not-a-number": _server(
        "8a94f357-aab4-11df-86ab-c80aa9429570",
        result(REPLICA, [_replica_row(port="3306 OR 1")]),
    ),
    "port-out-of-range": _server(
        "8a94f357-aab4-11df-86ab-c80aa9429571",
        result(REPLICA, [_replica_row(port="99999999999")]),
    ),
    "host-of-a-line-break": _server(
        "8a94f357-aab4-11df-86ab-c80aa9429572",
        result(REPLICA, [_replica_row(host="db\n; a replica of nowhere")]),
    ),
    "row-shorter-than-its-columns": _server(
        "8a94f357-aab4-11df-86ab-c80aa9429573",
        result(REPLICA, [_replica_row()[:3]]),
    ),
    "status-refused": _server(
        "8a94f357-aab4-11df-86ab-c80aa9429574",
        error(1227, "Access denied; you need the REPLICATION CLIENT privilege"),
    ),
    "server-uuid-of-two-columns": _server(
        None, more=_on(sql.MYSQL_SERVER, result(["a", "b"], [[SOURCE_UUID, SOURCE_UUID]]))
    ),
    "server-uuid-of-zeros": _server("00000000-0000-0000-0000-000000000000"),
    "galera-of-three-columns": _server(
        None,
        more=_on(sql.GALERA_STATE, result(["a", "b", "c"], [["x", GALERA_UUID, "y"]])),
    ),
    "galera-of-zeros": _server(None, galera="00000000-0000-0000-0000-000000000000"),
    "a-server-answering-none": lambda sql: None,  # every statement a syntax error
}
CUT = "replica-status-cut-midway"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the one scan keeps its findings database (``f.db``)."""
    return tmp_path_factory.mktemp("hostile-mysql-replication")


@pytest.fixture(scope="module")
def scan(folder: Path) -> Iterator[Scan]:
    """Every server, sampled in one run of the CLI."""
    with S.ServerLoop() as loop:
        handlers: dict[str, Any] = {name: FakeMysql(a) for name, a in (TOLD | ODD).items()}
        cut = _server(SOURCE_UUID, result(REPLICA, [_replica_row()]))
        handlers[CUT] = FakeMysql(cut, cut_once=sql.MYSQL_REPLICAS)
        yield audited.scan_servers(loop, handlers, "mysql", folder / "f.db")


def _fp(scan: Scan, name: str) -> dict[str, Any]:
    fp: dict[str, Any] = scan.by_name[name]["service"]["fingerprint"]
    return fp


def test_the_scan_ends_in_time_without_a_traceback(scan: Scan) -> None:
    audited.assert_quiet_and_in_time(scan, WALL_BOUND)


def test_a_mysql_8_replica_is_of_its_sources_store_and_says_whose(scan: Scan) -> None:
    assert _fp(scan, "source")["cluster_uuid"] == SOURCE_UUID
    assert "replica" not in _fp(scan, "source").get("details", {})
    replica = scan.by_name["replica"]["service"]
    assert replica["fingerprint"]["cluster_uuid"] == SOURCE_UUID
    details = replica["fingerprint"]["details"]
    assert (details["replica"], details["replica_of"]) == (True, "10.0.0.5:3306")
    assert replica["reason"].endswith("; a replica of 10.0.0.5:3306")


def test_a_replica_before_mysql_8_0_22_is_read_by_show_slave_status(scan: Scan) -> None:
    replica = scan.by_name["old-replica"]["service"]
    assert replica["fingerprint"]["cluster_uuid"] == OLD_SOURCE_UUID
    assert _fp(scan, "old-source")["cluster_uuid"] == OLD_SOURCE_UUID
    assert replica["reason"].endswith("; a replica of db-old:3306, not replicating now")


def test_galera_nodes_of_one_cluster_are_one_store_none_a_copy(scan: Scan) -> None:
    for name in ("galera-1", "galera-2"):
        fp = _fp(scan, name)
        assert fp["cluster_uuid"] == GALERA_UUID
        assert fp["details"]["galera"] is True and "replica" not in fp["details"]


def test_a_source_and_its_replica_are_one_store_the_source_first(scan: Scan, folder: Path) -> None:
    with SqliteStore(folder / "f.db") as store:
        (scan_id,) = store.scan_ids()
        stored = store.load(scan_id)
    by_port = {port: name for name, port in scan.ports.items()}
    several = {
        st.identity: [by_port[r.service.endpoint.port] for r in st.results]
        for st in stored.stores
        if len(st.results) > 1
    }
    assert several.pop(f"mysql:{SOURCE_UUID}") == ["source", "replica"]
    assert several.pop(f"mysql:{OLD_SOURCE_UUID}") == ["old-source", "old-replica"]
    assert sorted(several.pop(f"mysql:{GALERA_UUID}")) == ["galera-1", "galera-2"]
    assert several == {}  # no odd answer joined anything
    assert len(stored.stores) == len(scan.ports) - 3


@pytest.mark.parametrize("name", [*ODD, CUT])
def test_an_odd_answer_says_nothing_of_the_store_and_costs_nothing_else(
    scan: Scan, name: str
) -> None:
    got = scan.by_name[name]
    service = got["service"]
    assert service["verdict"] == "open", service["reason"]
    assert service["fingerprint"]["cluster_uuid"] is None
    assert not {"replica", "replica_of", "galera"} & set(service["fingerprint"].get("details", {}))
    assert "a replica of" not in service["reason"]
    assert [i["index"]["docs"] for i in got["indices"]] == [3, 3]
    assert not got.get("inventory_error")


def test_only_allow_listed_statements_were_sent(scan: Scan) -> None:
    assert scan.sent
    for request in scan.sent:
        assert ALLOW.allows(request.method, request.target), request
    asked = {r.target for r in scan.sent}
    assert {sql.GALERA_STATE, sql.MYSQL_SERVER, sql.MYSQL_REPLICAS} <= asked
    assert sql.MYSQL_REPLICAS_BEFORE_8022 in asked
    assert sql.MARIADB_REPLICAS not in asked  # a MySQL greeting: MySQL's statements


def test_a_server_that_tells_its_identity_keeps_what_an_older_scan_saw(tmp_path: Path) -> None:
    # An older leakhound asked nothing of the store: its result kept under the endpoint.
    told: list[bool] = [False]

    def answer(statement: str) -> bytes | None:
        if not told[0]:
            return None  # every statement of replication.py a syntax error: no identity
        return _server(SOURCE_UUID)(statement)

    db = tmp_path / "f.db"
    with S.ServerLoop() as loop:
        port = loop.serve(FakeMysql(answer))
        docs: list[dict[str, Any]] = []
        for now in (False, True):
            told[0] = now
            status, out, err = audited.cli(audited.scan_argv([f"mysql://127.0.0.1:{port}"], db))
            assert status == 0, err
            docs.append(orjson.loads(out))
    (before,), (after,) = (d["results"] for d in docs)
    assert before["service"]["fingerprint"]["cluster_uuid"] is None
    assert after["service"]["fingerprint"]["cluster_uuid"] == SOURCE_UUID
    assert after["history"]["first_scan_id"] == docs[0]["scan_id"]
    assert (after["history"]["previous_scans"], after["history"]["previous_verdict"]) == (
        1,
        "open",
    )
