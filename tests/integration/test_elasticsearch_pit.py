"""``scan --depth full`` against a real Elasticsearch 8 node: the ``_pit`` path, end to end.

The lab's OpenSearch node answers ``/_search/point_in_time``; only a real Elasticsearch proves
``POST /INDEX/_pit``, ``search`` with ``pit`` and ``DELETE /_pit``. The node comes from Elastic's
test zip on Maven Central (``leakhound.lab.elasticsearch``), security off, on loopback.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import orjson
import pytest
from reports import report, run_scan, scan_argv, stored
from scanproc import eventually, run_until, unfinished_contexts

from leakhound.lab import elasticsearch
from leakhound.lab.seeder import SeedTruth, generate, load, prepare, tally

RECORDS, SEED = 3000, 3
# One index on three shards: the slice count must be rounded up to the shards (see
# probes/elasticsearch/read.py), and Elasticsearch adds its own _shard_doc tie-breaker to a
# PIT sort.
SHARDED, SHARDED_DOCS, SHARDED_SHARDS = "customers-sharded", 1500, 3


class Node(NamedTuple):
    """The running node and what was written into it."""

    url: str
    version: str
    truth: SeedTruth  # the lab data set (support cases, payroll, ransom note, …)

    @property
    def documents(self) -> int:
        """Every document written: the lab data set plus the sharded index."""
        return self.truth.documents + SHARDED_DOCS

    @property
    def people(self) -> int:
        """Distinct e-mail addresses: the lab's, in all fields, plus one per sharded document."""
        return self.truth.distinct_emails + SHARDED_DOCS


def _sharded_email(n: int) -> str:
    return f"sharded.customer{n}@example.net"  # a local part Faker never makes


def _seed(url: str) -> SeedTruth:
    """The lab's data set (smaller) plus one index spread over several shards."""
    dataset = generate(RECORDS, SEED)
    with httpx.Client(base_url=url, timeout=120.0, trust_env=False) as http:
        prepare(http, dataset.indices)
        load(http, dataset.docs)
        http.put(
            f"/{SHARDED}",
            json={
                "settings": {"number_of_shards": SHARDED_SHARDS, "number_of_replicas": 0},
                "mappings": {
                    "properties": {
                        "customer": {"properties": {"email": {"type": "keyword"}}},
                        "note": {"type": "text"},
                    }
                },
            },
        ).raise_for_status()
        lines = []
        for n in range(SHARDED_DOCS):
            lines.append(orjson.dumps({"index": {"_index": SHARDED, "_id": str(n)}}))
            lines.append(
                orjson.dumps(
                    {
                        "customer": {"email": _sharded_email(n)},
                        "note": f"callback requested, case {n}",
                    }
                )
            )
        bulk = http.post(
            "/_bulk",
            params={"refresh": "true"},
            content=b"\n".join(lines) + b"\n",
            headers={"content-type": "application/x-ndjson"},
        )
        assert not bulk.raise_for_status().json()["errors"]
        truth = tally(dataset, RECORDS, SEED)
        counts = {name: t.documents for name, t in truth.indices.items()} | {SHARDED: SHARDED_DOCS}
        for name, expected in counts.items():
            assert http.get(f"/{name}/_count").json()["count"] == expected, name
    return truth


@pytest.fixture(scope="module")
def node() -> Iterator[Node]:
    """A real Elasticsearch node, seeded, in a fresh folder; stopped and removed at the end.

    The folder is made with mkdtemp in the system temp folder, not pytest's tmp_path: as root the
    node runs as another user, who cannot enter pytest's 0700 folders.
    """
    state = Path(tempfile.mkdtemp(prefix="leakhound-es-"))
    try:
        status = elasticsearch.up(state)
        try:
            assert status.url and status.version
            yield Node(status.url, status.version, _seed(status.url))
        finally:
            elasticsearch.down(state)
    finally:
        shutil.rmtree(state, ignore_errors=True)


def _path(request: Any) -> str:
    """The path of an audited request (its URL carries the query, e.g. ?keep_alive=5m)."""
    return httpx.URL(request.url).path


def open_contexts(url: str) -> int:
    """Open search contexts (PITs and scrolls alike) as the node counts them."""
    body = httpx.get(f"{url}/_nodes/stats/indices/search", timeout=30, trust_env=False).json()
    search = [n["indices"]["search"] for n in body["nodes"].values()]
    return sum(s.get("open_contexts", 0) + s.get("scroll_current", 0) for s in search)


def no_contexts(url: str) -> bool:
    return eventually(lambda: open_contexts(url) == 0, seconds=10)


def assert_every_document_counted(result: dict[str, Any], node: Node) -> None:
    """Per index and in total: documents read and distinct e-mail addresses, exactly."""
    fulls = {ir["index"]["name"]: ir["full"] for ir in result["indices"] if ir["full"]}
    expected = {name: (t.documents, t.distinct_emails) for name, t in node.truth.indices.items()}
    expected[SHARDED] = (SHARDED_DOCS, SHARDED_DOCS)
    assert set(fulls) == set(expected)
    for name, (docs, people) in expected.items():
        full = fulls[name]
        assert full["complete"], (name, full["error"])
        assert full["docs"] == docs, name
        if people:
            assert full["people"]["entity_type"] == "EMAIL_ADDRESS", name
            assert full["people"]["distinct"]["exact"], name
            assert full["people"]["distinct"]["estimate"] == people, name
    assert result["full"]["docs"] == node.documents
    assert result["full"]["people"]["distinct"]["estimate"] == node.people


@pytest.fixture(scope="module")
def scanned(
    node: Node, request_audit: list[Any], tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], list[Any]]:
    """One full scan of the node through the CLI: its JSON report and the requests it sent."""
    before = len(request_audit)
    doc, _db = report(
        tmp_path_factory.mktemp("es-full"),
        node.url,
        *("--depth", "full", "--batch", "300"),
        workers=1,
        schema=False,
    )
    sent = [r for r in request_audit[before:] if r.url.startswith(node.url + "/")]
    return doc, sent


def test_node_is_a_real_elasticsearch_8(node: Node) -> None:
    root = httpx.get(node.url + "/", timeout=30, trust_env=False).json()
    assert root["version"]["number"] == node.version == elasticsearch.VERSION
    assert root["tagline"] == "You Know, for Search"
    assert "distribution" not in root["version"]  # OpenSearch says "opensearch" there


def test_full_scan_reads_through_the_elasticsearch_pit_api(
    scanned: tuple[dict[str, Any], list[Any]], node: Node
) -> None:
    doc, sent = scanned
    result = doc["results"][0]
    assert result["service"]["verdict"] == "open"
    fingerprint = result["service"]["fingerprint"]  # what read_method() chooses the API by
    assert (fingerprint["product"], fingerprint["version"]) == ("elasticsearch", node.version)
    fulls = {ir["index"]["name"]: ir["full"] for ir in result["indices"] if ir["full"]}
    assert {f["method"] for f in fulls.values()} == {"pit"}
    paths = [(r.method, _path(r)) for r in sent]
    opened = sorted(p.split("/")[1] for m, p in paths if m == "POST" and p.endswith("/_pit"))
    assert opened == sorted(fulls)  # one Elasticsearch PIT per index read
    # Never the OpenSearch API, never a scroll: the fingerprint chose Elasticsearch's PIT.
    assert not [p for _, p in paths if "point_in_time" in p or "/_search/scroll" in p]
    assert fulls[SHARDED]["slices"] % SHARDED_SHARDS == 0


def test_every_document_is_read_and_every_email_counted(
    scanned: tuple[dict[str, Any], list[Any]], node: Node
) -> None:
    assert_every_document_counted(scanned[0]["results"][0], node)


def test_every_pit_is_released_after_the_scan(
    scanned: tuple[dict[str, Any], list[Any]], node: Node
) -> None:
    _doc, sent = scanned
    opened = [r for r in sent if r.method == "POST" and _path(r).endswith("/_pit")]
    deleted = [r for r in sent if r.method == "DELETE"]
    assert opened and deleted and {_path(r) for r in deleted} == {"/_pit"}
    assert len(deleted) >= len(opened)
    assert no_contexts(node.url)


# -- interruption and resumption ----------------------------------------------------------


def _slow_scan(node: Node, db: Path, docs: int) -> tuple[subprocess.Popen[bytes], str]:
    """A paced scan of the sharded index in a child process, once docs are counted: the
    signal then lands mid-index, with the index's PIT open (never between two indices)."""
    argv = scan_argv(
        db,
        node.url,
        *("--depth", "full", "--index", SHARDED, "--batch", "100", "--docs-rate", "500"),
    )
    return run_until(db, argv, docs)


def assert_sharded_index_counted(result: dict[str, Any]) -> None:
    (full,) = [ir["full"] for ir in result["indices"] if ir["full"]]
    assert full["complete"] and full["method"] == "pit", full["error"]
    assert full["docs"] == SHARDED_DOCS
    assert full["people"]["distinct"]["estimate"] == SHARDED_DOCS
    assert result["full"]["docs"] == SHARDED_DOCS


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_interrupted_scan_releases_its_pit(node: Node, tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "f.db"
    proc, _scan_id = _slow_scan(node, db, docs=400)
    assert open_contexts(node.url) >= 1, "no PIT open mid-read"
    proc.send_signal(sig)
    rc = proc.wait(60)
    assert rc == 130, proc.stderr.read()
    assert no_contexts(node.url)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM scans").fetchone()[0] == "interrupted"
        assert conn.execute("SELECT COUNT(*) FROM full_partitions WHERE done=0").fetchone()[0]


def test_killed_scan_resumes_on_a_new_pit_when_the_old_one_is_gone(
    node: Node, tmp_path: Path, capsys: pytest.CaptureFixture[str], request_audit: list[Any]
) -> None:
    db = tmp_path / "f.db"
    proc, scan_id = _slow_scan(node, db, docs=600)
    proc.send_signal(signal.SIGKILL)  # nobody releases anything
    proc.wait(30)
    with sqlite3.connect(db) as conn:
        pits = unfinished_contexts(conn)
    assert pits
    assert open_contexts(node.url) >= 1  # the killed scan's PIT outlives it
    for pit in pits:  # as if keep_alive had passed: Elasticsearch answers 404 from now on
        freed = httpx.request("DELETE", f"{node.url}/_pit", json={"id": pit}, trust_env=False)
        assert freed.json()["succeeded"], freed.text
    assert no_contexts(node.url)
    capsys.readouterr()
    before = len(request_audit)
    run_scan(db, "--resume", scan_id, workers=None)
    doc = stored(db, capsys)
    assert doc["scan_id"] == scan_id and doc["status"] == "done"
    assert_sharded_index_counted(doc["results"][0])
    # The checkpointed PIT answered 404: the unfinished slices went on from a fresh one.
    sent = [(r.method, _path(r)) for r in request_audit[before:]]
    assert ("POST", f"/{SHARDED}/_pit") in sent
    assert no_contexts(node.url)


def test_a_sample_is_drawn_at_random_over_an_index_of_three_shards(node: Node) -> None:
    """Elasticsearch 8 takes the seeded ``random_score`` on ``_seq_no``: the sample spans the
    index, the same documents twice, not the first 100 in ``_doc`` order."""
    import asyncio
    from urllib.parse import urlsplit

    from leakhound.models import Container, Endpoint
    from leakhound.net import Limits, Scope, Transport
    from leakhound.probes.elasticsearch import ElasticsearchProbe

    where = urlsplit(node.url)
    host, port = where.hostname or "127.0.0.1", where.port or 9200

    async def sample() -> Any:
        scope = Scope()
        scope.add(host, port)
        async with Transport(Limits(read_timeout=30), scope) as transport:
            probe = ElasticsearchProbe()
            service = await probe.verdict(transport, Endpoint(host, port))
            container = Container(SHARDED, SHARDED_DOCS, None)
            return await probe.sample(transport, service, container, 100)

    got = [asyncio.run(sample()) for _ in range(2)]
    assert [g.drawn for g in got] == ["spread", "spread"] and got[0].error is None
    numbers = [int(d["customer"]["email"].split("customer")[1].split("@")[0]) for d in got[0].docs]
    assert len(set(numbers)) == 100 and numbers == [
        int(d["customer"]["email"].split("customer")[1].split("@")[0]) for d in got[1].docs
    ]
    assert min(numbers) < 0.1 * SHARDED_DOCS and max(numbers) > 0.9 * SHARDED_DOCS
