"""Samples at random over an index, against the lab's real OpenSearch: a seeded
``random_score`` on ``_seq_no`` spans an index written in date order, the same documents scan
after scan, where its first documents in index order are all of its first year. And an index
blocked for reads, which answers everyone 403: not a request for credentials.

The indices are scratch ones, written on the lab's open node and deleted afterwards: the
seeded indices are never touched.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from probing import probed

from leakhound.net.policy import Request, add_audit_hook, remove_audit_hook
from leakhound.probes.base import SampleDocs
from leakhound.probes.elasticsearch.probe import ElasticsearchProbe

SCRATCH = "lh-spread-history"
BLOCKED = "lh-read-blocked"
RECORDS, YEARS = 20_000, range(2005, 2025)


@pytest.fixture(scope="module")
def history(lab: Any) -> Iterator[str]:
    """The open node's URL, with ``lh-spread-history``: 20,000 records over 2005-2024 in the
    order they were written (deleted at the end)."""
    url = lab.status.url("open")
    start, span = dt.datetime(YEARS[0], 1, 1), dt.timedelta(days=365.2425 * len(YEARS))
    with httpx.Client(base_url=url, timeout=120.0, trust_env=False) as http:
        http.delete(f"/{SCRATCH}")
        mappings = {"properties": {"created_at": {"type": "date"}}}
        settings = {"number_of_shards": 2, "number_of_replicas": 0}
        http.put(f"/{SCRATCH}", json={"settings": settings, "mappings": mappings})
        try:
            lines = []
            for n in range(RECORDS):
                when = (start + span * n / RECORDS).isoformat() + "Z"
                lines += [b'{"index":{}}', orjson.dumps({"created_at": when, "n": n})]
            got = http.post(
                f"/{SCRATCH}/_bulk?refresh=true",
                content=b"\n".join(lines) + b"\n",
                headers={"content-type": "application/x-ndjson"},
            )
            assert got.status_code == 200 and not got.json()["errors"]
            yield url
        finally:
            http.delete(f"/{SCRATCH}")


def _sample(url: str) -> tuple[SampleDocs, list[Request]]:
    """The probe's sample of 100 of the scratch index, and what the sample sent."""
    sent: list[Request] = []

    async def go() -> SampleDocs:
        async with probed(ElasticsearchProbe(), url) as lab:
            index = lab.container(SCRATCH)
            add_audit_hook(sent.append)
            try:
                return await ElasticsearchProbe().sample(lab.transport, lab.service, index, 100)
            finally:
                remove_audit_hook(sent.append)

    return asyncio.run(go()), sent


def test_a_sample_spans_the_years_of_an_index_written_in_order(history: str) -> None:
    sample, sent = _sample(history)
    assert sample.drawn == "spread" and sample.error is None and len(sample.docs) == 100
    years = {int(d["created_at"][:4]) for d in sample.docs}
    assert len(years) >= 17 and min(years) <= YEARS[1] and max(years) >= YEARS[-2], years
    searches = [r for r in sent if r.target == f"/{SCRATCH}/_search"]
    assert [r.method for r in searches] == ["POST"]  # one search: no second for a fallback
    with httpx.Client(base_url=history, timeout=60.0, trust_env=False) as http:
        first = http.post(f"/{SCRATCH}/_search", json={"size": 100, "sort": ["_doc"]}).json()
    # in index order, the first 100 documents are two months of one year
    assert {h["_source"]["created_at"][:4] for h in first["hits"]["hits"]} == {str(YEARS[0])}


def test_the_same_documents_scan_after_scan(history: str) -> None:
    ns = [sorted(d["n"] for d in _sample(history)[0].docs) for _ in range(2)]
    assert ns[0] == ns[1] and len(set(ns[0])) == 100


@pytest.fixture
def blocked(lab: Any) -> Iterator[str]:
    """The open node's URL, with ``lh-read-blocked``: one record, its reads blocked
    (``index.blocks.read``; deleted at the end)."""
    url = lab.status.url("open")
    with httpx.Client(base_url=url, timeout=60.0, trust_env=False) as http:
        http.delete(f"/{BLOCKED}")
        try:
            got = http.put(f"/{BLOCKED}/_doc/1?refresh=true", json={"email": "x@example.com"})
            assert got.status_code in (200, 201), got.text
            got = http.put(f"/{BLOCKED}/_settings", json={"index.blocks.read": True})
            assert got.status_code == 200, got.text
            yield url
        finally:
            http.delete(f"/{BLOCKED}")


def test_an_index_blocked_for_reads_is_no_request_for_credentials(blocked: str) -> None:
    # A search over every index fails for the one blocked (403 cluster_block_exception): the
    # node stays open, and the blocked index's sample failed, not refused for credentials.
    async def go() -> tuple[Any, Any, SampleDocs]:
        async with probed(ElasticsearchProbe(), blocked) as lab:
            index = lab.container(BLOCKED)
            return (
                lab.service,
                index,
                await ElasticsearchProbe().sample(lab.transport, lab.service, index, 100),
            )

    service, index, sample = asyncio.run(go())
    assert service.verdict == "open", service.reason
    assert service.closed_apis == ()
    assert not index.denied  # its _count refused for the block alone
    assert not sample.docs and not sample.denied
    assert sample.error is not None and "blocked for reads" in sample.error
