"""CouchDB REST requests to actions (``couchdb_api``, asked first by ``http.classify``): what
CouchDB's own paths mean, and that Elasticsearch's keep theirs."""

from __future__ import annotations

import pytest

from leakhound.investigate.actions import (
    BULK_READ,
    CTX_NONE,
    ENUMERATE,
    EXACT,
    NO_RECORDS,
    PAGE_SIZE,
    PROBE,
    RANSOM_NOTE,
    READ,
    WIPE,
    WRITE,
)
from leakhound.investigate.formats.http import classify, classify_line

CASES = [
    ("GET", "/_all_dbs", (ENUMERATE, None, 0, NO_RECORDS)),
    ("POST", "/_dbs_info", (ENUMERATE, None, 0, NO_RECORDS)),
    ("GET", "/_up", (PROBE, None, 0, NO_RECORDS)),
    ("GET", "/cases/_all_docs", (ENUMERATE, "cases", 0, NO_RECORDS)),  # the ids alone
    ("GET", "/cases/_all_docs?include_docs=true&limit=10", (READ, "cases", 10, PAGE_SIZE)),
    (
        "GET",
        "/cases/_all_docs?startkey=%22a%22&include_docs=true&limit=1000",
        (BULK_READ, "cases", 1000, PAGE_SIZE),
    ),
    ("POST", "/cases/_all_docs", (READ, "cases", 0, NO_RECORDS)),  # keys in the body
    ("GET", "/cases/_changes?include_docs=true", (BULK_READ, "cases", 0, NO_RECORDS)),
    ("GET", "/cases/_changes?since=now", (ENUMERATE, "cases", 0, NO_RECORDS)),
    ("POST", "/cases/_find", (READ, "cases", 0, NO_RECORDS)),  # a read, not a write
    ("POST", "/cases/_bulk_get", (READ, "cases", 0, NO_RECORDS)),
    ("GET", "/cases/_design/by_day/_view/all?limit=5", (READ, "cases", 5, PAGE_SIZE)),
    ("GET", "/cases/_design/by_day", (ENUMERATE, "cases", 0, NO_RECORDS)),
    ("GET", "/cases/CS-2019-000001", (READ, "cases", 1, EXACT)),
    ("DELETE", "/cases/CS-2019-000001?rev=1-ab", (WIPE, "cases", 0, NO_RECORDS)),
    ("POST", "/cases/_purge", (WIPE, "cases", 0, NO_RECORDS)),
    ("PUT", "/cases/CS-1", (WRITE, "cases", 0, NO_RECORDS)),
    ("PUT", "/read_me/note", (RANSOM_NOTE, "read_me", 0, NO_RECORDS)),
    ("POST", "/_replicate", (BULK_READ, "*", 0, NO_RECORDS)),
    ("GET", "/cases/_security", (ENUMERATE, "cases", 0, NO_RECORDS)),
    # every document, no page size: a bulk read of a number the request does not say
    ("GET", "/cases/_all_docs?include_docs=true", (BULK_READ, "cases", 0, NO_RECORDS)),
    ("GET", "/cases/_design/a/_view/all?include_docs=true", (BULK_READ, "cases", 0, NO_RECORDS)),
    ("GET", "/cases/_all_docs?include_docs=true&limit=" + "9" * 30, (BULK_READ, "cases", 0, 0)),
    # the server's configuration: an admin made, a query server set (CVE-2017-12636)
    ("PUT", "/_node/_local/_config/admins/hacker", (WRITE, None, 0, NO_RECORDS)),
    ("PUT", "/_node/couchdb@127.0.0.1/_config/query_servers/cmd", (WRITE, None, 0, NO_RECORDS)),
    ("PUT", "/_config/admins/hacker", (WRITE, None, 0, NO_RECORDS)),
    ("GET", "/_node/_local/_config", (PROBE, None, 0, NO_RECORDS)),
    # a ransom note as a document; a document's attachment
    ("PUT", "/cases/read_me", (RANSOM_NOTE, "cases", 0, NO_RECORDS)),
    ("GET", "/cases/CS-1/scan.pdf", (READ, "cases", 1, EXACT)),
    ("DELETE", "/cases/CS-1/scan.pdf?rev=2-b", (WIPE, "cases", 0, NO_RECORDS)),
]


@pytest.mark.parametrize(("method", "target", "want"), CASES, ids=[f"{c[0]} {c[1]}" for c in CASES])
def test_a_couchdb_request_is_what_couchdb_does_with_it(
    method: str, target: str, want: tuple[int, str | None, int, int]
) -> None:
    assert classify(method, target) == (*want, CTX_NONE)
    # the access-log path: cached on the query's size=, limit= and include_docs= alone
    line = f"{method} {target} HTTP/1.1".encode()
    assert classify_line(line) == (*want, CTX_NONE)


def test_pages_that_differ_in_limit_or_include_docs_alone_are_not_confused() -> None:
    a = classify_line(b"GET /c/_all_docs?limit=5&startkey=%22x%22 HTTP/1.1")
    b = classify_line(b"GET /c/_all_docs?limit=5&include_docs=true&startkey=%22y%22 HTTP/1.1")
    c = classify_line(b"GET /c/_all_docs?limit=7&include_docs=true&startkey=%22z%22 HTTP/1.1")
    assert a is not None and b is not None and c is not None
    assert (a[0], b[0], b[2], c[2]) == (ENUMERATE, READ, 5, 7)


def test_elasticsearch_paths_are_left_to_elasticsearchs_rules() -> None:
    assert classify("GET", "/idx/_search?size=5")[0] == READ
    assert classify("DELETE", "/idx")[0] == WIPE
    assert classify("GET", "/idx/_doc/1") == (READ, "idx", 1, EXACT, CTX_NONE)
    assert classify("POST", "/idx/_doc")[0] == WRITE


def test_a_page_size_past_what_any_server_takes_is_no_page_size() -> None:
    assert classify("GET", "/idx/_search?size=" + "9" * 30)[2] == 0
    line = b"GET /idx/_search?size=" + b"9" * 30 + b" HTTP/1.1"
    assert classify_line(line) is not None
