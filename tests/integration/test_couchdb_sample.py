"""CouchDB samples spread over a database's ids, against the lab's real open pouchdb-server: a
database written customer by customer, with ids in that order, is sampled at one record a
span of its id range, the same records scan after scan, where its first 100 records are three
customers'. Its design document, at the low end of the ids, is never part of it. Its ids are
listed and the records read by id (a few requests); a database counted past
``LISTED_A_RECORD`` records a record drawn has a seek a span, which draws the same records.

The database is a scratch one, written on the open server (admin party) and deleted
afterwards: the seeded databases are never touched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from probing import probed

from leakhound.net.policy import Request, add_audit_hook, remove_audit_hook
from leakhound.probes.base import SampleDocs
from leakhound.probes.couchdb.probe import CouchdbProbe
from leakhound.probes.couchdb.sample import LISTED_A_RECORD

SCRATCH = "lh-spread-customers"
CUSTOMERS, EACH = 100, 30  # 3,000 records, 30 a customer, written (and named) in turn


@pytest.fixture(scope="module")
def customers(lab: Any) -> Iterator[str]:
    """The open server's URL, with ``lh-spread-customers``: ids ``r00000``… customer by
    customer, and one design document (``_design/…`` sorts before ``r``)."""
    url = lab.status.url("open", kind="couchdb")
    with httpx.Client(base_url=url, timeout=120.0, trust_env=False) as http:
        http.delete(f"/{SCRATCH}")
        assert http.put(f"/{SCRATCH}").status_code in (201, 202)
        try:
            docs: list[dict[str, Any]] = [{"_id": "_design/cases", "views": {}}]
            docs += [
                {"_id": f"r{n:05d}", "email": f"customer{n // EACH}@example.com", "n": n}
                for n in range(CUSTOMERS * EACH)
            ]
            got = http.post(f"/{SCRATCH}/_bulk_docs", json={"docs": docs})
            assert got.status_code == 201 and not any("error" in r for r in got.json())
            yield url
        finally:
            http.delete(f"/{SCRATCH}")


def _sample(url: str, docs: int = CUSTOMERS * EACH) -> tuple[SampleDocs, list[Request]]:
    """The probe's sample of 100 of the scratch database (as its inventory found it, but for
    ``docs``), and what the sample sent."""
    sent: list[Request] = []

    async def go() -> SampleDocs:
        async with probed(CouchdbProbe(), url) as lab:
            found = lab.container(SCRATCH)
            assert found.docs == CUSTOMERS * EACH and found.details["design_docs"] == 1
            add_audit_hook(sent.append)
            try:
                return await CouchdbProbe().sample(
                    lab.transport, lab.service, replace(found, docs=docs), 100
                )
            finally:
                remove_audit_hook(sent.append)

    return asyncio.run(go()), sent


def test_a_sample_spans_the_customers_of_a_database_written_in_order(customers: str) -> None:
    sample, sent = _sample(customers)
    assert sample.drawn == "spread" and sample.error is None and len(sample.docs) == 100
    ns = sorted(d["n"] for d in sample.docs)
    assert len(set(ns)) == 100 and ns[0] < 3 * EACH and ns[-1] >= (CUSTOMERS - 3) * EACH, ns
    # one record a span of 30 ids: every customer but a few
    assert len({d["email"] for d in sample.docs}) >= 90
    assert all(not d["_id"].startswith("_design/") and "_rev" not in d for d in sample.docs)
    assert {(r.method, r.target) for r in sent} == {("GET", f"/{SCRATCH}/_all_docs")}
    # its ids listed, then its 100 records read by id: not a seek a span
    assert len(sent) <= 3 and not any("startkey" in r.url for r in sent)
    # in id order, the first 100 records are four customers'
    with httpx.Client(base_url=customers, timeout=60.0, trust_env=False) as http:
        first = http.get(f"/{SCRATCH}/_all_docs", params={"limit": 101, "include_docs": "true"})
    emails = {r["doc"]["email"] for r in first.json()["rows"] if "email" in r["doc"]}
    assert len(emails) == 4


def test_a_database_counted_past_the_listed_size_is_sought_for_the_same_records(
    customers: str,
) -> None:
    listed, _ = _sample(customers)
    sought, sent = _sample(customers, docs=LISTED_A_RECORD * 100 + 1)
    assert sought.drawn == listed.drawn == "spread"
    assert [d["n"] for d in sought.docs] == [d["n"] for d in listed.docs]
    assert 102 <= len(sent) <= 2 + 2 * 100  # its two ends, then a seek or two a span


def test_the_same_records_scan_after_scan(customers: str) -> None:
    ns = [sorted(d["n"] for d in _sample(customers)[0].docs) for _ in range(2)]
    assert ns[0] == ns[1] and len(set(ns[0])) == 100


def test_a_small_database_is_sampled_from_its_start(customers: str) -> None:
    # A database of no more than four samples' records: most of it is the sample anyway.
    sample, sent = _sample(customers, docs=400)
    assert sample.drawn == "first" and [d["n"] for d in sample.docs] == list(range(100))
    assert [(r.method, r.target) for r in sent] == [("GET", f"/{SCRATCH}/_all_docs")]
