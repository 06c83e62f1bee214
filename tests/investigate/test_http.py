"""Elasticsearch/OpenSearch REST requests to actions: hits and non-hits."""

from __future__ import annotations

import pytest

from leakhound.investigate.actions import (
    BULK_READ,
    CTX_MAYBE_PAGE,
    CTX_NONE,
    CTX_OPEN,
    CTX_PAGE,
    ENUMERATE,
    EXACT,
    NAMES,
    NO_RECORDS,
    PAGE_SIZE,
    PROBE,
    RANSOM_NOTE,
    READ,
    WIPE,
    WRITE,
)
from leakhound.investigate.formats.http import classify, classify_line


@pytest.mark.parametrize(
    ("method", "target", "want"),
    [
        pytest.param("GET", "/", (PROBE, None, 0, NO_RECORDS, CTX_NONE), id="banner"),
        pytest.param(
            "GET", "/_cat/indices?v", (ENUMERATE, None, 0, NO_RECORDS, CTX_NONE), id="cat"
        ),
        pytest.param(
            "GET",
            "/customers/_mapping",
            (ENUMERATE, "customers", 0, NO_RECORDS, CTX_NONE),
            id="mapping",
        ),
        pytest.param(
            "GET", "/customers", (ENUMERATE, "customers", 0, NO_RECORDS, CTX_NONE), id="get-index"
        ),
        pytest.param(
            "GET",
            "/customers/_search?q=x&size=10",
            (READ, "customers", 10, PAGE_SIZE, CTX_NONE),
            id="search",
        ),
        pytest.param(
            "GET",
            "/customers/_search?size=5000",
            (BULK_READ, "customers", 5000, PAGE_SIZE, CTX_NONE),
            id="large-page",
        ),
        pytest.param(
            "POST",
            "/customers/_search?scroll=10m&size=100",
            (BULK_READ, "customers", 100, PAGE_SIZE, CTX_OPEN),
            id="scroll-open",
        ),
        pytest.param(
            "POST", "/_search/scroll", (BULK_READ, None, 0, NO_RECORDS, CTX_PAGE), id="scroll-page"
        ),
        pytest.param(
            "POST",
            "/customers/_search/point_in_time?keep_alive=1m",
            (BULK_READ, "customers", 0, NO_RECORDS, CTX_OPEN),
            id="pit-opensearch",
        ),
        pytest.param(
            "POST",
            "/customers/_pit?keep_alive=1m",
            (BULK_READ, "customers", 0, NO_RECORDS, CTX_OPEN),
            id="pit-elasticsearch",
        ),
        pytest.param(
            "POST", "/_search", (READ, "*", 0, NO_RECORDS, CTX_MAYBE_PAGE), id="root-search"
        ),
        pytest.param(
            "DELETE", "/_search/scroll", (PROBE, None, 0, NO_RECORDS, CTX_NONE), id="scroll-release"
        ),
        pytest.param(
            "DELETE",
            "/_search/point_in_time",
            (PROBE, None, 0, NO_RECORDS, CTX_NONE),
            id="pit-release",
        ),
        pytest.param("GET", "/orders/_doc/17", (READ, "orders", 1, EXACT, CTX_NONE), id="one-doc"),
        pytest.param(
            "DELETE", "/customers", (WIPE, "customers", 0, NO_RECORDS, CTX_NONE), id="delete-index"
        ),
        pytest.param("DELETE", "/_all", (WIPE, "_all", 0, NO_RECORDS, CTX_NONE), id="delete-all"),
        pytest.param(
            "POST",
            "/customers/_delete_by_query",
            (WIPE, "customers", 0, NO_RECORDS, CTX_NONE),
            id="delete-by-query",
        ),
        pytest.param(
            "PUT", "/x7k2p1q9-meow", (WIPE, "x7k2p1q9-meow", 0, NO_RECORDS, CTX_NONE), id="meow"
        ),
        pytest.param(
            "POST",
            "/read_me/_doc",
            (RANSOM_NOTE, "read_me", 0, NO_RECORDS, CTX_NONE),
            id="ransom-index",
        ),
        pytest.param(
            "PUT",
            "/customers/_doc/1",
            (WRITE, "customers", 0, NO_RECORDS, CTX_NONE),
            id="write-doc",
        ),
        pytest.param("POST", "/_bulk", (WRITE, None, 0, NO_RECORDS, CTX_NONE), id="bulk-write"),
        pytest.param(
            "GET",
            "/wp-login.php",
            (PROBE, None, 0, NO_RECORDS, CTX_NONE),
            id="web-file-is-no-index",
        ),
        pytest.param("GET", "/favicon.ico", (PROBE, None, 0, NO_RECORDS, CTX_NONE), id="favicon"),
        pytest.param(
            "GET",
            "/customers/_count",
            (ENUMERATE, "customers", 0, NO_RECORDS, CTX_NONE),
            id="count-is-no-read",
        ),
        pytest.param(
            "POST", "/_count?q=x", (ENUMERATE, None, 0, NO_RECORDS, CTX_NONE), id="root-count"
        ),
        pytest.param(
            "GET",
            "/customers%2Corders/_search?size=10",
            (READ, "customers,orders", 10, PAGE_SIZE, CTX_NONE),
            id="escaped-comma",
        ),
    ],
)
def test_request_action(method: str, target: str, want: tuple[int, ...]) -> None:
    got = classify(method, target)
    assert got == want, (NAMES[got[0]], got)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b"\\x16\\x03\\x01\\x00\\xFC\\x01", id="tls-handshake"),
        pytest.param(b"", id="empty"),
        pytest.param(b"-", id="dash"),
        pytest.param(b"GET", id="no-target"),
    ],
)
def test_non_requests_are_refused(line: bytes) -> None:
    assert classify_line(line) is None


def test_absolute_form_is_read_as_its_path() -> None:
    got = classify_line(b"GET http://db.example.net:9200/_cat/indices HTTP/1.1")
    assert got is not None and got[0] == ENUMERATE


@pytest.mark.parametrize(
    ("method", "target", "want"),
    [
        pytest.param(
            "POST",
            "/customers/_async_search?size=500",
            (READ, "customers", 500, PAGE_SIZE, CTX_NONE),
            id="async-search-was-a-write",
        ),
        pytest.param(
            "GET", "/_async_search/FmRld", (READ, "*", 0, NO_RECORDS, CTX_NONE), id="async-result"
        ),
        pytest.param(
            "DELETE",
            "/_async_search/FmRld",
            (PROBE, None, 0, NO_RECORDS, CTX_NONE),
            id="async-gone",
        ),
        pytest.param(
            "POST", "/customers/_eql/search", (READ, "customers", 0, NO_RECORDS, CTX_NONE), id="eql"
        ),
        pytest.param("POST", "/_query", (READ, "*", 0, NO_RECORDS, CTX_NONE), id="esql"),
        pytest.param(
            "POST", "/customers/_terms_enum", (READ, "customers", 0, NO_RECORDS, CTX_NONE), id="te"
        ),
        pytest.param(
            "POST", "/_update_by_query", (WRITE, None, 0, NO_RECORDS, CTX_NONE), id="not-a-query"
        ),
    ],
)
def test_searches_by_other_names_read(method: str, target: str, want: tuple[int, ...]) -> None:
    # Each returns documents (or a field's values); they were writes (POST) and deleting a
    # stored result a wipe.
    got = classify(method, target)
    assert got == want, (NAMES[got[0]], got)
