"""Samples at random over an index: a seeded ``random_score`` on ``_seq_no`` where the
cluster's version has it, the first documents in index order where it does not (recorded
roots of Elasticsearch 5 to 8 and OpenSearch 1 and 2), where it refuses the query or runs out
of time, and for an index no larger than the sample."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest

from leakhound.models import Container, Endpoint, Fingerprint, Service, Verdict
from leakhound.net import Limits, Response
from leakhound.net.policy import AllowList
from leakhound.probes.base import SampleDocs
from leakhound.probes.elasticsearch import ALLOW
from leakhound.probes.elasticsearch.probe import (
    SAMPLE_SEED,
    ElasticsearchProbe,
    parse_root,
    random_sample,
    sample_query,
)

ROOTS = Path(__file__).parents[2] / "data" / "elasticsearch"
HITS = [{"_index": "cases", "_id": str(n), "_source": {"n": n}} for n in range(100)]


class FakeCluster:
    """Answers every ``_search``; ``refuse`` a random one with 400 (a version without it),
    ``late`` with ``timed_out``. Every request is checked against the allow-list."""

    def __init__(self, *, refuse: bool = False, late: bool = False) -> None:
        self.refuse, self.late = refuse, late
        self.bodies: list[dict[str, Any]] = []
        self.http = self  # the transport's HTTP layer, as the probe reaches it
        self.limits = Limits(read_timeout=10)

    async def request(self, method: str, url: str, allow: AllowList, **kw: Any) -> Response:
        assert allow is ALLOW and ALLOW.allows(method, urlsplit(url).path)
        body = kw["json"]
        self.bodies.append(body)
        random = "query" in body
        if random and self.refuse:
            error = {"type": "parsing_exception", "reason": "[random_score] unknown field"}
            return Response(400, {}, orjson.dumps({"error": error, "status": 400}), url)
        answer = {"timed_out": random and self.late, "hits": {"hits": HITS[: body["size"]]}}
        return Response(200, {}, orjson.dumps(answer), url)


def _service(fp: Fingerprint | None) -> Service:
    return Service(
        Endpoint("127.0.0.1", 9200), "http://127.0.0.1:9200", "elasticsearch", Verdict.OPEN, "", fp
    )


def _sample(cluster: FakeCluster, fp: Fingerprint | None, docs: int | None = 10_000) -> SampleDocs:
    container = Container("cases", docs, None)
    probe = ElasticsearchProbe()
    return asyncio.run(probe.sample(cluster, _service(fp), container, 100))  # type: ignore[arg-type]


def _root(file: str) -> Fingerprint:
    fp = parse_root(json.loads((ROOTS / file).read_text()))
    assert fp is not None
    return fp


@pytest.mark.parametrize(
    ("file", "spread"),
    [
        pytest.param("root-es-5.6.16.json", False, id="es5-first"),
        pytest.param("root-es-6.8.23.json", False, id="es6-first"),
        pytest.param("root-es-7.17.0.json", True, id="es7"),
        pytest.param("root-es-8.11.3.json", True, id="es8"),
        pytest.param("root-opensearch-1.3.14.json", True, id="os1"),
        pytest.param("root-opensearch-1.3.14-compat.json", True, id="os1-compat"),
        pytest.param("root-opensearch-2.11.1.json", True, id="os2"),
        pytest.param("root-opensearch-2.19.1.json", True, id="os2.19"),
    ],
)
def test_an_index_is_sampled_at_random_where_the_version_can(file: str, spread: bool) -> None:
    fp = _root(file)
    assert random_sample(fp) is spread
    cluster = FakeCluster()
    sample = _sample(cluster, fp)
    assert len(sample.docs) == 100 and sample.error is None
    if spread:
        assert sample.drawn == "spread" and cluster.bodies == [sample_query(100, 5)]
    else:
        assert sample.drawn == "first" and cluster.bodies == [{"size": 100, "sort": ["_doc"]}]


def test_the_random_query_is_seeded_on_seq_no_and_bounded_in_time() -> None:
    query = sample_query(100, 5)
    scored = query["query"]["function_score"]
    assert scored["random_score"] == {"seed": SAMPLE_SEED, "field": "_seq_no"}
    assert scored["boost_mode"] == "replace" and scored["query"] == {"match_all": {}}
    assert query["size"] == 100 and query["track_total_hits"] is False
    # half the read timeout: a shard answers what it scored before the client gives up
    assert query["timeout"] == "5000ms" and sample_query(1, 0.0001)["timeout"] == "1ms"
    assert "script" not in json.dumps(query)  # no script runs on the cluster


@pytest.mark.parametrize(
    "fp",
    [
        pytest.param(None, id="no-fingerprint"),
        pytest.param(Fingerprint(product="elasticsearch"), id="unknown-version"),
    ],
)
def test_a_cluster_of_unknown_version_is_sampled_from_the_start(fp: Fingerprint | None) -> None:
    cluster = FakeCluster()
    sample = _sample(cluster, fp)
    assert sample.drawn == "first" and cluster.bodies == [{"size": 100, "sort": ["_doc"]}]


@pytest.mark.parametrize("docs", [0, 100, None])
def test_an_index_no_larger_than_the_sample_is_read_from_the_start(docs: int | None) -> None:
    cluster = FakeCluster()
    sample = _sample(cluster, _root("root-opensearch-2.19.1.json"), docs)
    assert sample.drawn == "first" and len(cluster.bodies) == 1 and "sort" in cluster.bodies[0]


@pytest.mark.parametrize(
    "cluster",
    [
        pytest.param(FakeCluster(refuse=True), id="query-refused"),
        pytest.param(FakeCluster(late=True), id="shards-out-of-time"),
    ],
)
def test_a_random_query_refused_or_cut_short_falls_back_to_the_first_documents(
    cluster: FakeCluster,
) -> None:
    sample = _sample(cluster, _root("root-es-7.17.0.json"))
    assert sample.drawn == "first" and len(sample.docs) == 100 and sample.error is None
    assert [("query" in b, "sort" in b) for b in cluster.bodies] == [(True, False), (False, True)]
