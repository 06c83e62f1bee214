"""The running lab against its truth: counts, dates, customers, and the three auth stories."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from leakhound.lab.testing import LabSession

# Paths a scanner reads to get at documents; the partial target must refuse every one.
PROTECTED = [
    ("GET", "/_search"),
    ("POST", "/_search"),
    ("GET", "/support-cases-2010/_search"),
    ("GET", "/_count"),
    ("GET", "/support-cases-2010/_count"),
    ("GET", "/_mapping"),
    ("GET", "/support-cases-2010/_mapping"),
    ("GET", "/support-cases-2010/_doc/CS-2010-000001"),
    ("GET", "/support-cases-2010/_source/CS-2010-000001"),
    ("POST", "/support-cases-2010/_search/point_in_time"),
    ("POST", "/support-cases-2010/_pit"),
    ("POST", "/_search/scroll"),
    ("GET", "/_cluster/health"),
    ("GET", "/_nodes"),
    ("POST", "/_cat/indices"),  # only reads of _cat are open
]


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """A plain client: no proxy from the environment for loopback."""
    with httpx.Client(timeout=30.0, trust_env=False) as client:
        yield client


def test_every_index_holds_what_the_truth_says(lab: LabSession, http: httpx.Client) -> None:
    base = lab.status.url("open")
    for name, t in lab.truth.indices.items():
        got = http.get(f"{base}/{name}/_count").json()["count"]
        assert got == t.documents, name
    assert sum(t.documents for t in lab.truth.indices.values()) == lab.truth.documents


def test_seeding_wrote_10000_cases(lab: LabSession, http: httpx.Client) -> None:
    base = lab.status.url("open")
    assert http.get(f"{base}/support-cases-*/_count").json()["count"] == 10_000
    assert lab.truth.records == 10_000


def test_dates_and_distinct_customers_match_the_node(lab: LabSession, http: httpx.Client) -> None:
    base = lab.status.url("open")
    body = {
        "size": 0,
        "aggs": {
            "first": {"min": {"field": "created_at"}},
            "last": {"max": {"field": "created_at"}},
            # terms, not cardinality: an exact count (cardinality is approximate)
            "customers": {"terms": {"field": "customer.email", "size": 60_000}},
        },
    }
    result = http.post(f"{base}/support-cases-*/_search", json=body).json()["aggregations"]
    firsts = [t.created_at_min for t in lab.truth.indices.values() if t.created_at_min]
    lasts = [t.created_at_max for t in lab.truth.indices.values() if t.created_at_max]
    assert result["first"]["value_as_string"].replace(".000Z", "Z") == min(firsts)
    assert result["last"]["value_as_string"].replace(".000Z", "Z") == max(lasts)
    assert len(result["customers"]["buckets"]) == lab.truth.distinct_customers


def test_mappings_type_dates_and_places(lab: LabSession, http: httpx.Client) -> None:
    base = lab.status.url("open")
    mapping = http.get(f"{base}/support-cases-2012/_mapping").json()
    props = mapping["support-cases-2012"]["mappings"]["properties"]
    assert props["created_at"]["type"] == "date"
    customer = props["customer"]["properties"]
    assert customer["location"]["properties"]["geo"]["type"] == "geo_point"
    assert customer["ip"]["type"] == "ip"


def test_open_node_answers_without_credentials(lab: LabSession, http: httpx.Client) -> None:
    root = http.get(lab.status.url("open") + "/").json()
    assert root["version"]["distribution"] == "opensearch"
    assert root["version"]["number"] == lab.status.opensearch_version


def test_secured_target_answers_401_with_its_realm(lab: LabSession, http: httpx.Client) -> None:
    base = lab.status.url("secured")
    for path in ("/", "/_cat/indices", "/_search"):
        response = http.get(base + path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == 'Basic realm="leakhound lab"'
    wrong = http.get(base + "/", auth=(lab.status.username, "not-the-password"))
    assert wrong.status_code == 401


def test_secured_target_proxies_with_the_lab_credentials(
    lab: LabSession, http: httpx.Client
) -> None:
    base = lab.status.url("secured")
    count = http.get(f"{base}/hr-payroll/_count", auth=lab.status.auth)
    assert count.status_code == 200
    assert count.json()["count"] == lab.truth.indices["hr-payroll"].documents


def test_partial_target_shows_root_and_cat(lab: LabSession, http: httpx.Client) -> None:
    base = lab.status.url("partial")
    assert http.get(base + "/").json()["version"]["distribution"] == "opensearch"
    assert http.head(base + "/").status_code == 200
    rows = http.get(base + "/_cat/indices", params={"format": "json"}).json()
    listed = {row["index"]: int(row["docs.count"]) for row in rows}
    assert "audit-trail" not in listed  # hidden: only expand_wildcards=all lists it
    rows = http.get(
        base + "/_cat/indices", params={"format": "json", "expand_wildcards": "all"}
    ).json()
    listed = {row["index"]: int(row["docs.count"]) for row in rows}
    for name, t in lab.truth.indices.items():
        assert listed[name] == t.documents
    assert "read_me" in listed
    assert any(name.endswith("-meow") for name in listed)


@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
def test_partial_target_refuses_document_reads(
    lab: LabSession, http: httpx.Client, method: str, path: str
) -> None:
    response = http.request(method, lab.status.url("partial") + path, json={})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="leakhound lab"'


def test_partial_target_serves_search_with_credentials(lab: LabSession, http: httpx.Client) -> None:
    response = http.get(lab.status.url("partial") + "/read_me/_search", auth=lab.status.auth)
    assert response.status_code == 200
    hit = response.json()["hits"]["hits"][0]["_source"]
    assert "BTC" in hit["message"]
