"""A search of size 0 returns counts and aggregations, no document: an ``aggregate``, no read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from investigate_helpers import Run, by_address

from leakhound.investigate.actions import AGGREGATE, BULK_READ, CTX_NONE, NO_RECORDS, READ
from leakhound.investigate.formats.http import classify, classify_line
from leakhound.investigate.formats.search_body import body_size, returns_values, search_action

AGENT = '"-" "python-requests/2.31"'


@pytest.mark.parametrize(
    ("target", "want"),
    [
        pytest.param("/customers/_search?size=0", (AGGREGATE, "customers"), id="index"),
        pytest.param("/_search?size=0&q=x", (AGGREGATE, "*"), id="root"),
        pytest.param("/customers/_search?q=x", (READ, "customers"), id="no-size-is-a-read"),
        pytest.param("/customers/_search?size=00", (AGGREGATE, "customers"), id="zero-padded"),
    ],
)
def test_a_search_of_size_0_is_an_aggregate(target: str, want: tuple[int, str]) -> None:
    action, index, records, how, ctx = classify("GET", target)
    assert (action, index) == want
    if action == AGGREGATE:
        assert (records, how, ctx) == (0, NO_RECORDS, CTX_NONE)


def test_an_aggregation_in_an_access_log_takes_no_record(tmp_path: Path, run: Run) -> None:
    log = tmp_path / "access.log"
    log.write_text(  # an answer of counts: the hits' total and a few buckets
        '203.0.113.5 - - [06/Dec/2026:10:00:00 +0000] "GET /customers/_search?size=0 '
        f'HTTP/1.1" 200 600 {AGENT}\n'
    )
    inv = run(log)
    src = by_address(inv)["203.0.113.5"]
    assert src.action_names == ("aggregate",)
    assert not src.read and src.records is None
    assert inv.summary.unknown_readers == () and inv.summary.records_unknown is None
    assert "1 unknown source(s) ran searches of size 0" in inv.summary.sentence


@pytest.mark.parametrize(
    ("body", "want"),
    [
        pytest.param('{"size":0,"aggs":{"e":{"terms":{"field":"email"}}}}', 0, id="first"),
        pytest.param(
            '{"aggs":{"e":{"terms":{"field":"email","size":500}}},"size":0}', 0, id="agg-size-first"
        ),
        pytest.param('{"query":{"match_all":{}},"size":"20"}', 20, id="string"),
        pytest.param('{"query":{"match_all":{}}}', None, id="absent"),
        pytest.param('{"size":0,"aggs":{"e":{"ter', None, id="cut-short-zero-unknown"),
        pytest.param('{"size":300,"query":{"ma', 300, id="cut-short"),
    ],
)
def test_the_body_size_is_the_top_level_one(body: str, want: int | None) -> None:
    assert body_size(body) == want


def _es_audit(body: str, *, rest: bool) -> str:
    event = {
        "type": "audit",
        "timestamp": "2026-12-06T10:00:00,000+0000",
        "event.action": "access_granted",
        "origin.address": "203.0.113.7:5000",
        "request.id": "r1",
        "request.body": body,
    }
    if rest:
        event |= {"event.type": "rest", "url.path": "/customers/_search", "request.method": "POST"}
    else:
        event |= {"event.type": "transport", "action": "indices:data/read/search"}
        event["indices"] = ["customers"]
    return json.dumps(event) + "\n"


@pytest.mark.parametrize("rest", [True, False], ids=["rest", "transport"])
def test_an_audit_logged_aggregation_body_takes_no_record(
    tmp_path: Path, run: Run, rest: bool
) -> None:
    # The terms aggregation's own size (500 values) came first in the body: read as a page of
    # 500 records before.
    log = tmp_path / "audit.json"
    log.write_text(
        _es_audit('{"aggs":{"n":{"cardinality":{"field":"email"}}},"size":0}', rest=rest)
    )
    src = by_address(run(log))["203.0.113.7"]
    assert src.action_names == ("aggregate",)
    assert src.records is None and not src.read


@pytest.mark.parametrize("rest", [True, False], ids=["rest", "transport"])
@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"aggs":{"e":{"terms":{"field":"email","size":500}}},"size":0}', id="terms"),
        pytest.param(
            '{"size":0,"aggs":{"c":{"date_histogram":{"field":"t","fixed_interval":"1d"},'
            '"aggs":{"docs":{"top_hits":{"size":100}}}}}}',
            id="nested-top-hits",
        ),
        pytest.param(
            '{"size":0,"aggregations":{"p":{"composite":{"sources":[{"e":{"terms":'
            '{"field":"email"}}}]}}}}',
            id="composite",
        ),
    ],
)
def test_an_aggregation_that_returns_values_is_a_read(
    tmp_path: Path, run: Run, rest: bool, body: str
) -> None:
    # top_hits sends the documents back, a terms (or composite) aggregation the field's values:
    # a search of size 0 with one of them takes records, however many the log does not say.
    log = tmp_path / "audit.json"
    log.write_text(_es_audit(body, rest=rest))
    inv = run(log)
    src = by_address(inv)["203.0.113.7"]
    assert src.action_names == ("read",) and src.read
    assert inv.summary.unknown_readers == ("203.0.113.7",)


def test_a_query_of_terms_is_no_aggregation_of_values() -> None:
    # ``terms`` as a query filters hits; with size 0 none comes back.
    body = '{"size":0,"query":{"terms":{"status":["a","b"]}},"aggs":{"n":{"value_count":{}}}}'
    assert search_action(READ, body_size(body), returns_values(body)) == AGGREGATE


def test_a_large_answer_to_a_search_of_size_0_is_a_read(tmp_path: Path, run: Run) -> None:
    # 5 MB back from a search of size 0: its aggregations carried documents (top_hits) or
    # values (terms), which an access log does not show apart; its bytes are records.
    log = tmp_path / "access.log"
    log.write_text(
        '203.0.113.5 - - [06/Dec/2026:10:00:00 +0000] "GET /customers/_search?size=0 '
        f'HTTP/1.1" 200 5000000 {AGENT}\n'
    )
    inv = run(log)
    src = by_address(inv)["203.0.113.5"]
    assert src.action_names == ("read",) and src.read
    assert src.records is not None and not src.records.bounded  # no record size without --scan
    assert "5,000,000 bytes out not converted" in src.records.method
    assert inv.summary.unknown_readers == ("203.0.113.5",)


def test_a_slow_logged_aggregation_of_values_is_a_read(tmp_path: Path, run: Run) -> None:
    log = tmp_path / "slow.log"
    log.write_text(
        "[2026-12-06T10:00:00,123][WARN ][i.s.s.query              ] [node-1] [customers][0] "
        "took[1.5s], took_millis[1500], total_hits[250000 hits], stats[], "
        'search_type[QUERY_THEN_FETCH], total_shards[1], source[{"size":0,"aggs":{"e":'
        '{"terms":{"field":"email","size":100}}}}], id[agg-1], \n'
    )
    src = by_address(run(log))["agg-1"]
    assert src.action_names == ("read",)  # the field's values came back
    assert src.read


def test_an_msearch_takes_the_pages_of_all_its_searches(tmp_path: Path, run: Run) -> None:
    # An _msearch body is header and search lines: the first size written (5) was taken for
    # the whole request, and the 5,000 of the second search went uncounted.
    body = '{"index":"a"}\n{"size":5}\n{"index":"customers"}\n{"size":5000}\n'
    event = json.loads(_es_audit(body, rest=True)) | {"url.path": "/_msearch"}
    log = tmp_path / "audit.json"
    log.write_text(json.dumps(event) + "\n")
    src = by_address(run(log))["203.0.113.7"]
    assert src.read and src.records is not None
    assert src.records.upper == 5005
    assert body_size(body) == 5005
    assert body_size('{"index":"a"}\n{"size":5}\n{}\n{"query":{}}\n') is None  # default page


def test_an_msearch_of_size_0_aggregations_is_a_read_when_one_returns_documents() -> None:
    body = '{}\n{"size":0}\n{}\n{"size":0,"aggs":{"d":{"top_hits":{"size":100}}}}\n'
    assert search_action(READ, body_size(body), returns_values(body)) == READ
    counts = '{}\n{"size":0}\n{}\n{"size":0,"aggs":{"n":{"value_count":{"field":"id"}}}}\n'
    assert search_action(READ, body_size(counts), returns_values(counts)) == AGGREGATE


def test_a_root_msearch_in_an_access_log_counts_its_bytes(tmp_path: Path, run: Run) -> None:
    # No index in the path (each search names its own): its bytes out were counted nowhere.
    log = tmp_path / "access.log"
    log.write_text(
        '203.0.113.5 - - [06/Dec/2026:10:00:00 +0000] "POST /_msearch HTTP/1.1" 200 5000000 '
        f"{AGENT}\n"
    )
    src = by_address(run(log))["203.0.113.5"]
    assert src.read and src.records is not None and not src.records.bounded
    assert "5,000,000 bytes out not converted" in src.records.method


@pytest.mark.parametrize(
    ("query", "body"),
    [
        pytest.param("size=0", '{"size":100,"aggs":{"d":{"top_hits":{"size":100}}}}', id="url-0"),
        pytest.param("size=5", '{"size":0,"aggs":{"d":{"top_hits":{"size":100}}}}', id="url-5"),
    ],
)
def test_a_page_size_bounds_no_search_whose_aggregations_return_documents(
    tmp_path: Path, run: Run, query: str, body: str
) -> None:
    # The URL's size wins over the body's, and top_hits sends documents back past any page:
    # neither 100 nor 5 is the most that came back.
    event = json.loads(_es_audit(body, rest=True)) | {"url.query": query}
    log = tmp_path / "audit.json"
    log.write_text(json.dumps(event) + "\n")
    inv = run(log)
    src = by_address(inv)["203.0.113.7"]
    assert src.action_names == ("read",) and src.records is None
    assert "an unknown number of records" in inv.summary.sentence


@pytest.mark.parametrize(
    ("target", "want"),
    [
        pytest.param("/customers/_search?size=0&size=10000", BULK_READ, id="0-then-10000"),
        pytest.param("/customers/_search?size=10&q=x&size=0", AGGREGATE, id="10-then-0"),
    ],
)
def test_the_last_of_a_repeated_size_counts(target: str, want: int) -> None:
    # Elasticsearch keeps the last value of a repeated parameter: ?size=0&size=10000 is a
    # page of 10,000, not a search of size 0.
    assert classify("GET", target)[0] == want
    assert classify_line(f"GET {target} HTTP/1.1".encode())[0] == want


def test_a_faceted_search_keeps_its_page_bound(tmp_path: Path, run: Run) -> None:
    # A terms aggregation beside a page of 20 hits lists a field's values, no document: the
    # documents that came back are still at most 20.
    body = '{"size":20,"query":{"match":{"q":"x"}},"aggs":{"c":{"terms":{"field":"city"}}}}'
    log = tmp_path / "audit.json"
    log.write_text(_es_audit(body, rest=True))
    src = by_address(run(log))["203.0.113.7"]
    assert src.action_names == ("read",)
    assert src.records is not None and src.records.upper == 20
