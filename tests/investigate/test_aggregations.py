"""A search of size 0 returns counts and aggregations, no document: an ``aggregate``, no read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from investigate_helpers import Run, by_address

from leakhound.investigate.actions import AGGREGATE, CTX_NONE, NO_RECORDS, READ
from leakhound.investigate.formats.es_audit import body_size
from leakhound.investigate.formats.http import classify

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
    log.write_text(
        '203.0.113.5 - - [06/Dec/2026:10:00:00 +0000] "GET /customers/_search?size=0 '
        f'HTTP/1.1" 200 48000 {AGENT}\n'
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
        _es_audit('{"aggs":{"e":{"terms":{"field":"email","size":500}}},"size":0}', rest=rest)
    )
    src = by_address(run(log))["203.0.113.7"]
    assert src.action_names == ("aggregate",)
    assert src.records is None and not src.read


def test_a_slow_logged_aggregation_takes_no_record(tmp_path: Path, run: Run) -> None:
    log = tmp_path / "slow.log"
    log.write_text(
        "[2026-12-06T10:00:00,123][WARN ][i.s.s.query              ] [node-1] [customers][0] "
        "took[1.5s], took_millis[1500], total_hits[250000 hits], stats[], "
        'search_type[QUERY_THEN_FETCH], total_shards[1], source[{"size":0,"aggs":{"e":'
        '{"terms":{"field":"email","size":100}}}}], id[agg-1], \n'
    )
    src = by_address(run(log))["agg-1"]
    assert src.action_names == ("aggregate",)
    assert src.records is None
