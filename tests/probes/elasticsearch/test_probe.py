"""Fingerprinting and inventory parsing for Elasticsearch/OpenSearch, from recorded answers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from leakhound.errors import NetError
from leakhound.models import FieldInfo, Fingerprint, YearCount
from leakhound.probes.base import ERROR_CHARS
from leakhound.probes.elasticsearch import ALLOW
from leakhound.probes.elasticsearch.probe import (
    ElasticsearchProbe,
    _year_interval,
    flatten_mapping,
    main_date_field,
    parse_root,
    years_of,
)
from leakhound.redact import hide_secrets

ROOTS = Path(__file__).parents[2] / "data" / "elasticsearch"


@pytest.mark.parametrize(
    ("file", "product", "version", "compat"),
    [
        pytest.param("root-es-5.6.16.json", "elasticsearch", "5.6.16", False, id="es5"),
        pytest.param("root-es-6.8.23.json", "elasticsearch", "6.8.23", False, id="es6"),
        pytest.param("root-es-7.17.0.json", "elasticsearch", "7.17.0", False, id="es7"),
        pytest.param("root-es-8.11.3.json", "elasticsearch", "8.11.3", False, id="es8"),
        pytest.param("root-opensearch-1.3.14.json", "opensearch", "1.3.14", False, id="os1"),
        pytest.param("root-opensearch-2.11.1.json", "opensearch", "2.11.1", False, id="os2"),
        pytest.param(
            "root-opensearch-1.3.14-compat.json", "opensearch", "7.10.2", True, id="os-compat"
        ),
    ],
)
def test_recorded_roots_are_fingerprinted(
    file: str, product: str, version: str, compat: bool
) -> None:
    body = json.loads((ROOTS / file).read_text())
    fp = parse_root(body)
    assert fp is not None
    assert (fp.product, fp.version, fp.compatibility_mode) == (product, version, compat)
    assert fp.cluster_name == body["cluster_name"]
    assert fp.node_name == body["name"]


def test_real_lab_root_is_opensearch_2() -> None:
    path = ROOTS / "root-opensearch-2.19.1.json"
    fp = parse_root(json.loads(path.read_text()))
    assert fp is not None and fp.product == "opensearch" and fp.version == "2.19.1"
    assert fp.distribution == "opensearch" and not fp.compatibility_mode


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"status": "ok"}, id="other-json"),
        pytest.param({"version": "1.0", "tagline": "You Know, for Search"}, id="version-not-dict"),
        pytest.param({"version": {"number": "3.0"}, "tagline": "Solr"}, id="other-product"),
        pytest.param([1, 2, 3], id="list"),
        pytest.param("You Know, for Search", id="string"),
        pytest.param(None, id="null"),
    ],
)
def test_non_elasticsearch_roots_are_not_fingerprinted(body: object) -> None:
    assert parse_root(body) is None


def test_typeless_mapping_is_flattened() -> None:
    mapping = {
        "properties": {
            "created_at": {"type": "date"},
            "customer": {
                "properties": {
                    "email": {"type": "keyword"},
                    "location": {"properties": {"geo": {"type": "geo_point"}}},
                }
            },
            "notes": {"type": "nested", "properties": {"text": {"type": "text"}}},
        }
    }
    fields = flatten_mapping(mapping)
    assert FieldInfo("customer.email", "keyword") in fields
    assert FieldInfo("customer.location.geo", "geo_point") in fields
    assert FieldInfo("notes.text", "text") in fields
    assert FieldInfo("notes", "nested") in fields


def test_typed_mapping_of_5x_and_6x_is_flattened() -> None:
    mapping = {
        "doc": {"properties": {"email": {"type": "keyword"}, "@timestamp": {"type": "date"}}}
    }
    assert flatten_mapping(mapping) == [
        FieldInfo("@timestamp", "date"),
        FieldInfo("email", "keyword"),
    ]


def test_deep_hostile_mapping_stops() -> None:
    deep: dict[str, object] = {"type": "keyword"}
    for _ in range(500):
        deep = {"properties": {"x": deep}}
    assert len(flatten_mapping(deep)) <= 1


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        pytest.param(["updated_at", "created_at"], "created_at", id="created-before-updated"),
        pytest.param(["meta.@timestamp", "zzz"], "meta.@timestamp", id="timestamp-nested"),
        pytest.param(["b_when", "a.when"], "b_when", id="shallowest-first"),
        pytest.param([], None, id="no-date"),
    ],
)
def test_main_date_field_is_chosen(paths: list[str], expected: str | None) -> None:
    fields = [FieldInfo(p, "date") for p in paths] + [FieldInfo("name", "keyword")]
    assert main_date_field(fields) == expected


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        pytest.param("GET", "/", True, id="root"),
        pytest.param("GET", "/_cat/indices", True, id="cat"),
        pytest.param("POST", "/cases/_search", True, id="search"),
        pytest.param("GET", "/cases/_count", True, id="count"),
        pytest.param("GET", "/proxy/es/_cat/indices", True, id="behind-a-proxy-path"),
        pytest.param("POST", "/_bulk", False, id="bulk"),
        pytest.param("PUT", "/cases", False, id="create-index"),
        pytest.param("DELETE", "/cases", False, id="delete-index"),
        pytest.param("POST", "/cases/_doc", False, id="index-doc"),
        pytest.param("POST", "/cases/_delete_by_query", False, id="delete-by-query"),
        pytest.param("POST", "/cases/_update_by_query", False, id="update-by-query"),
        pytest.param("POST", "/_search/../_bulk", False, id="dot-dot"),
        pytest.param("GET", "/_cluster/settings", False, id="cluster-settings"),
        pytest.param("POST", "/_snapshot/repo", False, id="snapshot"),
    ],
)
def test_read_only_allow_list(method: str, path: str, allowed: bool) -> None:
    assert ALLOW.allows(method, path) is allowed


def test_documents_a_year_from_the_date_histogram() -> None:
    # As OpenSearch 2.19 answers a date_histogram by calendar year (keys: each year's start).
    body = {
        "hits": {"total": {"value": 10000, "relation": "gte"}, "hits": []},
        "aggregations": {
            "years": {
                "buckets": [
                    {
                        "key_as_string": "1969-01-01T00:00:00.000Z",
                        "key": -31536000000,
                        "doc_count": 2,
                    },
                    {
                        "key_as_string": "2019-01-01T00:00:00.000Z",
                        "key": 1546300800000,
                        "doc_count": 812,
                    },
                    {
                        "key_as_string": "2020-01-01T00:00:00.000Z",
                        "key": 1577836800000,
                        "doc_count": 1,
                    },
                ]
            }
        },
    }
    assert years_of(body) == (YearCount(1969, 2), YearCount(2019, 812), YearCount(2020, 1))


@pytest.mark.parametrize(
    "buckets",
    [
        pytest.param("x", id="not-a-list"),
        pytest.param([{"key": "2019", "doc_count": 1}], id="key-text"),
        pytest.param([{"key": True, "doc_count": 1}], id="key-bool"),
        pytest.param([{"key": 1546300800000, "doc_count": -1}], id="negative-count"),
        pytest.param([{"key": 1546300800000 + 86_400_000, "doc_count": 1}], id="not-a-year-start"),
        pytest.param([{"key": 10**20, "doc_count": 1}], id="beyond-the-calendar"),
        pytest.param([{"key": 1546300800000, "doc_count": 1}] * 10_001, id="too-many"),
    ],
)
def test_a_histogram_that_is_not_years_gives_none(buckets: object) -> None:
    assert years_of({"aggregations": {"years": {"buckets": buckets}}}) == ()
    assert years_of({"aggregations": {}}) == () and years_of(None) == ()


@pytest.mark.parametrize(
    ("product", "version", "interval"),
    [
        pytest.param("elasticsearch", "6.8.23", "interval", id="es6"),
        pytest.param("elasticsearch", "7.1.1", "interval", id="es7.1"),
        pytest.param("elasticsearch", "7.2.0", "calendar_interval", id="es7.2"),
        pytest.param("elasticsearch", "8.11.3", "calendar_interval", id="es8-refuses-interval"),
        pytest.param("opensearch", "1.3.14", "calendar_interval", id="os1"),
        pytest.param("elasticsearch", None, None, id="unknown-version-no-histogram"),
    ],
)
def test_years_are_asked_as_the_clusters_version_knows_how(
    product: str, version: str | None, interval: str | None
) -> None:
    assert _year_interval(Fingerprint(product=product, version=version)) == interval


class _Failing:
    """An HTTP layer whose every request fails with ``reason``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def get(self, url: str, allow: object, **_: object) -> object:
        raise NetError(self.reason)

    request = get


def test_an_index_whose_every_request_fails_says_so_in_a_bounded_error() -> None:
    # The other kinds cut a container's error at ERROR_CHARS; Elasticsearch kept the failures
    # of _count, _mapping and the date range whole, however long their reasons.
    probe = ElasticsearchProbe()
    row = {"index": "cases", "docs.count": "3"}
    failing = _Failing("the cluster says " + "x" * 400)
    got = asyncio.run(probe._index(failing, "http://h:9200", row, set(), None, {}))  # type: ignore[arg-type]
    assert got.error is not None and got.error.startswith("_count: the cluster says x")
    assert len(got.error) == ERROR_CHARS
    assert got.docs == 3 and not got.docs_exact  # _cat's count, which holds nested documents


def test_a_password_an_index_error_quotes_is_hidden_where_the_cut_falls_inside_it() -> None:
    # The error is cut at ERROR_CHARS before the scan hides the owner's password in it: the
    # _mapping failure's echo, cut at its 6th character, was kept as "sesam".
    password = "sesame-open-9"
    cut = ERROR_CHARS - len("_count: ; _mapping: ") - 200  # where it falls in the 2nd reason
    reason = ("x" * (cut - 5) + password).ljust(200, "y")
    probe = ElasticsearchProbe()
    row = {"index": "cases", "docs.count": "3"}
    failing = _Failing(reason)
    got = asyncio.run(probe._index(failing, "http://h:9200", row, set(), None, {}))  # type: ignore[arg-type]
    assert got.error is not None and got.error.endswith(password[:5])  # the cut, as it falls
    hidden = hide_secrets(got, {password})
    assert hidden.error is not None and password[:4] not in hidden.error
    assert hidden.error.endswith("***") and hidden.error.startswith("_count: xxx")
