"""The Elasticsearch allow-list: full-read requests allowed, no other DELETE or write."""

from __future__ import annotations

import pytest

from leakhound.probes.elasticsearch import ALLOW


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("DELETE", "/_search/point_in_time", id="release-opensearch-pit"),
        pytest.param("DELETE", "/_pit", id="release-elasticsearch-pit"),
        pytest.param("DELETE", "/_search/scroll", id="release-scroll"),
        pytest.param("POST", "/cases/_search/point_in_time", id="open-opensearch-pit"),
        pytest.param("POST", "/cases/_pit", id="open-elasticsearch-pit"),
        pytest.param("POST", "/_search/scroll", id="next-scroll-page"),
    ],
)
def test_full_read_requests_are_allowed(method: str, path: str) -> None:
    assert ALLOW.allows(method, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("DELETE", "/cases", id="delete-index"),
        pytest.param("DELETE", "/cases/_doc/1", id="delete-document"),
        pytest.param("DELETE", "/cases/_pit", id="pit-under-an-index"),
        pytest.param("DELETE", "/cases/_search/scroll", id="es6-document-delete-shape"),
        pytest.param("DELETE", "/_all", id="delete-all"),
        pytest.param("DELETE", "/_search/point_in_time/_all", id="release-all-pits"),
        pytest.param("PUT", "/_search/scroll", id="put"),
        pytest.param("POST", "/_search/point_in_time", id="pit-without-index"),
    ],
)
def test_no_other_delete_or_write_is_allowed(method: str, path: str) -> None:
    assert not ALLOW.allows(method, path)
