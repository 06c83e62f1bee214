"""One store, counted once: endpoints of one cluster grouped, in a scan and across scans."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from leakhound.assess import assess
from leakhound.models import (
    Container,
    ContainerResult,
    Endpoint,
    Fingerprint,
    PiiField,
    PiiSummary,
    Sample,
    Service,
    TargetResult,
    Verdict,
)
from leakhound.report.summary import summarise
from leakhound.store import SqliteStore
from leakhound.store.migrations import MIGRATIONS


def _result(
    port: int, verdict: Verdict, *, uuid: str | None = "cluster-1", sampled: bool = True
) -> TargetResult:
    ep = Endpoint("127.0.0.1", port)
    svc = Service(
        ep,
        f"http://127.0.0.1:{port}",
        "elasticsearch",
        verdict,
        f"why {port}",
        Fingerprint(product="opensearch", version="2.19.1", cluster_uuid=uuid),
    )
    pii = PiiSummary("EMAIL_ADDRESS", 40, (PiiField("customer.email", 40),), (), 40)
    sample = Sample(100, 100, (pii,)) if sampled else Sample(100, 0, error="HTTP 401 on _search")
    boxes = [
        ContainerResult(Container(f"cases-{y}", 1000, 10, details={"health": "green"}), sample)
        for y in (2018, 2019)
    ]
    return TargetResult(svc, tuple(boxes))


def _scan(store: SqliteStore, *results: TargetResult) -> str:
    scan_id = store.begin_scan(["x"], {})
    for r in results:
        store.record(scan_id, r)
    store.finish_scan(scan_id)
    return scan_id


def test_a_node_and_its_proxy_are_one_store(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        scan = store.load(
            _scan(
                store,
                _result(9200, Verdict.OPEN),
                _result(9300, Verdict.PARTIAL, sampled=False),
                _result(9400, Verdict.OPEN, uuid="another"),
            )
        )
    (first, second) = scan.stores
    assert [r.service.endpoint.port for r in first.results] == [9200, 9300]
    assert first.service.verdict == Verdict.OPEN  # the most open endpoint speaks for it
    assert [r.service.endpoint.port for r in first.others] == [9300]
    # each container once, as the endpoint that read it saw it
    assert [(r.service.endpoint.port, cr.sample.docs) for r, cr in first.containers] == [
        (9200, 100),
        (9200, 100),
    ]
    assert [r.service.endpoint.port for r in second.results] == [9400]
    summary = summarise(scan)
    assert (
        summary.exposed_endpoints,
        summary.exposed_containers,
        summary.exposed_documents,
        summary.containers_with_pii,
    ) == (3, 4, 4000, 4)
    a = assess(scan)
    assert [(s.endpoint, s.other_endpoints, s.containers, s.docs) for s in a.stores] == [
        ("127.0.0.1:9200", ("127.0.0.1:9300",), 2, 2000),
        ("127.0.0.1:9400", (), 2, 2000),
    ]
    assert a.records.value == 4000  # not 6000: the proxy's containers are the node's


def test_a_replica_met_first_is_another_way_into_its_masters_store(tmp_path: Path) -> None:
    """A Redis replica shares its master's replication ID, so its store: the master speaks
    for the store and the replica is listed as another way in, whichever the scan met
    first (the replica holds a copy)."""

    def redis(port: int, role: str) -> TargetResult:
        ep = Endpoint("127.0.0.1", port)
        fp = Fingerprint("redis", "7.0.15", cluster_uuid="c0" * 20, details={"role": role})
        svc = Service(ep, ep.url("redis"), "redis", Verdict.OPEN, "open", fp)
        return TargetResult(svc, (ContainerResult(Container("customer:*", 20, None), None),))

    with SqliteStore(tmp_path / "f.db") as store:
        scan = store.load(_scan(store, redis(6380, "replica"), redis(6379, "master")))
    (only,) = scan.stores
    assert [r.service.endpoint.port for r in only.results] == [6379, 6380]
    assert summarise(scan).exposed_documents == 20


def test_a_redis_server_named_by_its_process_before_keeps_its_history(tmp_path: Path) -> None:
    """Results stored when a Redis server's run_id named its store move to its replication
    ID when the same process is seen again: its first exposure stays where it was."""

    def redis(fp: Fingerprint) -> TargetResult:
        ep = Endpoint("127.0.0.1", 6379)
        return TargetResult(Service(ep, ep.url("redis"), "redis", Verdict.OPEN, "open", fp))

    run_id, replid = "a" * 40, "c0" * 20
    before = Fingerprint("redis", "7.0.15", cluster_uuid=run_id)
    now = Fingerprint("redis", "7.0.15", cluster_uuid=replid, details={"run_id": run_id})
    restarted = Fingerprint("redis", "7.0.15", cluster_uuid="d0" * 20, details={"run_id": "b"})
    with SqliteStore(tmp_path / "f.db") as store:
        first = _scan(store, redis(before))
        later = store.load(_scan(store, redis(now)))
        again = store.load(_scan(store, redis(restarted)))
        first_scan = store.load(first)
    history = later.results[0].history
    assert (history.first_scan_id, history.previous_scans) == (first, 1)
    assert history.first_seen_exposed == first_scan.started_at
    assert later.results[0].service.store_id == f"redis:{replid}"
    # A restart is a new process and a new replication ID: a new store, as it always was.
    assert again.results[0].history.previous_scans == 0


def test_a_run_id_naming_another_store_moves_none_of_its_results(tmp_path: Path) -> None:
    """A server's run_id is its own word: one that gives another store's replication ID as
    its run_id (a copy, a honeypot) takes none of that store's results, which were named by
    that replication ID, never by a process, and stay its history."""

    def redis(port: int, fp: Fingerprint) -> TargetResult:
        ep = Endpoint("127.0.0.1", port)
        return TargetResult(Service(ep, ep.url("redis"), "redis", Verdict.OPEN, "open", fp))

    real = Fingerprint("redis", "7.0.15", cluster_uuid="c0" * 20, details={"run_id": "a" * 40})
    hostile = Fingerprint("redis", "7.0.15", cluster_uuid="e0" * 20, details={"run_id": "c0" * 20})
    with SqliteStore(tmp_path / "f.db") as store:
        first = _scan(store, redis(6379, real))
        _scan(store, redis(6390, hostile))
        again = store.load(_scan(store, redis(6379, real)))
        rows = store._db.execute("SELECT store_id FROM results WHERE scan_id=?", (first,))
        assert [r[0] for r in rows] == [f"redis:{'c0' * 20}"]
    assert (again.results[0].history.first_scan_id, again.results[0].history.previous_scans) == (
        first,
        1,
    )


def test_the_same_cluster_at_a_new_endpoint_keeps_its_history(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        first = _scan(store, _result(9200, Verdict.OPEN))
        later = store.load(_scan(store, _result(9201, Verdict.PARTIAL)))
        first_scan = store.load(first)
    history = later.results[0].history
    assert history.first_scan_id == first
    assert (history.previous_scans, history.previous_verdict) == (1, Verdict.OPEN)
    assert history.first_seen_exposed == first_scan.started_at


def test_a_store_seen_twice_in_one_scan_counts_that_scan_once(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        first = _scan(store, _result(9300, Verdict.PARTIAL), _result(9200, Verdict.OPEN))
        later = store.load(_scan(store, _result(9200, Verdict.OPEN)))
    history = later.results[0].history
    assert history.first_scan_id == first
    assert (history.previous_scans, history.previous_verdict) == (1, Verdict.OPEN)


def test_a_version_3_database_learns_which_store_each_result_was(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    body = (
        '{"service": {"endpoint": {"host": "h", "port": 1, "scheme": null, '
        '"base_path": ""}, "url": "http://h:1", "kind": "elasticsearch", "verdict": "open",'
        ' "reason": "", "fingerprint": {"cluster_uuid": "U"}}, "indices": []}'
    )
    with sqlite3.connect(path) as db:
        for n in (1, 2, 3):
            db.executescript(MIGRATIONS[n] + ";")
        db.execute("PRAGMA user_version=3")
        db.execute("INSERT INTO scans VALUES ('s', 't', 't', 'done', '[]', '{}', '0')")
        db.execute(
            "INSERT INTO results VALUES ('s', 'h:1', 'http://h:1', 'elasticsearch', "
            "'open', '', 't', ?)",
            (body,),
        )
        db.execute(
            "INSERT INTO results VALUES ('s', 'h:2', 'http://h:2', 'elasticsearch', "
            "'closed', '', 't', ?)",
            (body.replace('"U"', "null"),),
        )
    with SqliteStore(path) as store:
        ids = dict(store._db.execute("SELECT endpoint, store_id FROM results").fetchall())
    assert ids == {"h:1": "elasticsearch:U", "h:2": "elasticsearch@h:2"}


def test_a_store_that_tells_its_identity_keeps_the_history_of_its_endpoints(
    tmp_path: Path,
) -> None:
    # An older leakhound read no identity of a replica set or a standby: its results were kept
    # under their endpoints. The first scan that reads the identity keeps their history.
    with SqliteStore(tmp_path / "f.db") as store:
        before = _scan(store, _result(9200, Verdict.OPEN, uuid=None))
        elsewhere = _scan(store, _result(9500, Verdict.OPEN, uuid=None))
        later = store.load(_scan(store, _result(9200, Verdict.OPEN), _result(9201, Verdict.OPEN)))
        first_scan = store.load(before)
    for result in later.results:
        history = result.history
        assert history.first_scan_id == before, result.service.endpoint
        assert (history.previous_scans, history.previous_verdict) == (1, Verdict.OPEN)
        assert history.first_seen_exposed == first_scan.started_at
    # the other endpoint's results stay its own
    assert elsewhere not in {r.history.first_scan_id for r in later.results}


def _member(port: int, kind: str, details: dict[str, object]) -> TargetResult:
    ep = Endpoint("127.0.0.1", port)
    fp = Fingerprint(product=kind, cluster_uuid="set-1", details=details)
    svc = Service(ep, f"{kind}://127.0.0.1:{port}", kind, Verdict.OPEN, f"why {port}", fp)
    box = ContainerResult(Container("shop.customers", 30, 10), Sample(30, 30, ()))
    return TargetResult(svc, (box,))


def test_a_primary_speaks_for_its_store_whichever_member_the_scan_finished_first(
    tmp_path: Path,
) -> None:
    # A sample scan records its targets as they finish: a standby (a secondary) may come first.
    pairs = {
        "postgresql": ({"standby": True}, {"standby": False}),
        "mongodb": (
            {"replica_set": "rs0", "member": "secondary"},
            {"replica_set": "rs0", "member": "primary"},
        ),
        "mysql": ({"replica": True, "replica_of": "127.0.0.1:5432"}, {}),
    }
    for kind, (copy, primary) in pairs.items():
        with SqliteStore(tmp_path / f"{kind}.db") as store:
            scan = store.load(_scan(store, _member(5433, kind, copy), _member(5432, kind, primary)))
        (one,) = scan.stores
        assert one.service.endpoint.port == 5432, kind
        assert [r.service.endpoint.port for r in one.others] == [5433]


def _mariadb(host: str, port: int, details: dict[str, object]) -> TargetResult:
    ep = Endpoint(host, port)
    fp = Fingerprint(product="mariadb", details=details)  # MariaDB tells no identity
    svc = Service(ep, f"mysql://root@{host}:{port}", "mysql", Verdict.OPEN, "why", fp)
    box = ContainerResult(Container("shop.customers", 30, 10), Sample(30, 30, ()))
    return TargetResult(svc, (box,))


def _replica_of(address: str, server_id: object = 1) -> dict[str, object]:
    return {"replica": True, "replica_of": address, "source_server_id": server_id}


def test_a_mariadb_replica_joins_the_source_the_scan_reached_at_the_address_it_names(
    tmp_path: Path,
) -> None:
    # The replica recorded first: its source still speaks for the store.
    replica = _mariadb("127.0.0.1", 3307, _replica_of("127.0.0.1:3306"))
    source = _mariadb("127.0.0.1", 3306, {"server_id": 1})
    alone = _mariadb("127.0.0.1", 3308, {})
    with SqliteStore(tmp_path / "f.db") as store:
        scan = store.load(_scan(store, replica, source, alone))
    one, other = scan.stores
    assert one.identity == "mysql@127.0.0.1:3306"
    assert [r.service.endpoint.port for r in one.results] == [3306, 3307]
    assert [r.service.endpoint.port for r in other.results] == [3308]
    assert scan.stores_at(["127.0.0.1:3306", "127.0.0.1:3307", "127.0.0.1:3308"]) == 2
    # Each result keeps its own history: the joining is the scan's, not the store's name.
    assert {r.service.store_id for r in scan.results} == {
        "mysql@127.0.0.1:3306",
        "mysql@127.0.0.1:3307",
        "mysql@127.0.0.1:3308",
    }


@pytest.mark.parametrize(
    ("replica", "source"),
    [
        pytest.param(
            _mariadb("127.0.0.1", 3307, _replica_of("127.0.0.1:3306", 2)),
            _mariadb("127.0.0.1", 3306, {"server_id": 1}),
            id="another-server-id",
        ),
        pytest.param(
            _mariadb("127.0.0.1", 3307, _replica_of("127.0.0.1:3306")),
            _mariadb("127.0.0.1", 3306, {}),
            id="no-binary-log-at-that-address",
        ),
        pytest.param(
            # its own machine's loopback, not the scanner's
            _mariadb("10.0.0.7", 3306, _replica_of("127.0.0.1:3306")),
            _mariadb("127.0.0.1", 3306, {"server_id": 1}),
            id="loopback-named-by-a-replica-elsewhere",
        ),
        pytest.param(
            # a private address of the replica's network, reached from another: the scan's
            # 10.0.0.5 is a server of its own network, both of the default server_id 1
            _mariadb("93.184.216.34", 3306, _replica_of("10.0.0.5:3306")),
            _mariadb("10.0.0.5", 3306, {"server_id": 1}),
            id="private-address-named-by-a-replica-reached-at-a-public-one",
        ),
        pytest.param(
            _mariadb("93.184.216.34", 3306, _replica_of("[fd00::5]:3306")),
            _mariadb("fd00::5", 3306, {"server_id": 1}),
            id="unique-local-ipv6-named-by-a-replica-reached-at-a-public-address",
        ),
        pytest.param(
            _mariadb("93.184.216.34", 3306, _replica_of("100.64.0.5:3306")),
            _mariadb("100.64.0.5", 3306, {"server_id": 1}),
            id="shared-address-named-by-a-replica-reached-at-a-public-one",
        ),
        pytest.param(
            _mariadb("10.0.0.7", 3306, _replica_of("db.internal:3306")),
            _mariadb("10.0.0.5", 3306, {"server_id": 1}),
            id="a-name-the-scan-did-not-reach",
        ),
        pytest.param(
            _mariadb("10.0.0.7", 3306, _replica_of("10.0.0.5:3306", True)),
            _mariadb("10.0.0.5", 3306, {"server_id": 1}),
            id="a-server-id-not-a-number",
        ),
        pytest.param(
            _mariadb("10.0.0.7", 3306, _replica_of("10.0.0.7:3306")),
            _mariadb("10.0.0.5", 3306, {"server_id": 1}),
            id="itself",
        ),
    ],
)
def test_a_mariadb_replica_is_a_store_of_its_own_where_nothing_says_which_source(
    tmp_path: Path, replica: TargetResult, source: TargetResult
) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        scan = store.load(_scan(store, replica, source))
    assert len(scan.stores) == 2


@pytest.mark.parametrize(
    ("replica", "source"),
    [
        pytest.param(
            _mariadb("10.0.0.7", 3306, _replica_of("10.0.0.5:3306")),
            _mariadb("10.0.0.5", 3306, {"server_id": 1}),
            id="both-reached-in-one-private-network",
        ),
        pytest.param(
            _mariadb("127.0.0.1", 3307, _replica_of("10.0.0.5:3306")),
            _mariadb("10.0.0.5", 3306, {"server_id": 1}),
            id="a-replica-of-the-scanners-machine-naming-its-network",
        ),
        pytest.param(
            _mariadb("10.0.0.7", 3306, _replica_of("93.184.216.34:3306")),
            _mariadb("93.184.216.34", 3306, {"server_id": 1}),
            id="a-public-address-from-anywhere",
        ),
    ],
)
def test_a_mariadb_replica_joins_a_source_whose_address_means_the_same_server_to_both(
    tmp_path: Path, replica: TargetResult, source: TargetResult
) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        scan = store.load(_scan(store, replica, source))
    (one,) = scan.stores
    assert one.identity == source.service.store_id
    assert [r.service.endpoint for r in one.results] == [
        source.service.endpoint,
        replica.service.endpoint,
    ]


def _mysql(host: str, details: dict[str, object], docs: int, exact: bool) -> TargetResult:
    uuid = "3e11fa47-71ca-11e1-9e33-c80aa9429562"  # the one at both
    fp = Fingerprint(product="mysql", cluster_uuid=uuid, details=details)
    svc = Service(Endpoint(host, 3306), f"mysql://root@{host}:3306", "mysql", Verdict.OPEN, "", fp)
    box = Container("shop.customers", docs, 10, docs_exact=exact)
    return TargetResult(svc, (ContainerResult(box, Sample(100, 100, ())),))


@pytest.mark.parametrize(
    "copy",
    [
        # replication stopped long ago: its table counted row by row, under the 2,000,000
        # rows past which the source's is estimated
        pytest.param({"replica": True, "replica_of": "10.0.0.5:3306"}, id="a-stale-replica"),
        # a server claiming the source's @@server_uuid as its own
        pytest.param({}, id="a-server-of-the-same-uuid"),
    ],
)
def test_a_smaller_exact_count_of_one_store_hides_not_the_larger_estimate(
    tmp_path: Path, copy: dict[str, object]
) -> None:
    source = _mysql("10.0.0.5", {}, 10_000_000, exact=False)
    other = _mysql("10.0.0.6", copy, 1_500_000, exact=True)
    for order in ((source, other), (other, source)):
        with SqliteStore(tmp_path / f"{len(order)}-{order[0] is source}.db") as store:
            scan = store.load(_scan(store, *order))
        (one,) = scan.stores
        assert [cr.container.docs for _, cr in one.containers] == [10_000_000]
