"""Records estimates: a figure is never a bound passed off as a count, and a range is never an
upper bound when some bytes out were not converted to records."""

from __future__ import annotations

from pathlib import Path

from investigate_helpers import Run, by_address

from leakhound.investigate.inventory import IndexFacts, Inventory

# Lines as a loopback nginx (combined) wrote them in front of OpenSearch 2.19.1: size=10000 on
# an index of 200 documents (58,403 bytes), on one of 1 (725 bytes), size=1000 on one of 227.
SINGLE_SEARCHES = (
    '127.0.0.4 - - [06/Dec/2026:23:24:05 +0000] "GET /read_me/_search?size=10000 HTTP/1.1" '
    '200 725 "-" "curl/8.5.0"\n'
    '127.0.0.4 - - [06/Dec/2026:23:24:05 +0000] "GET /hr-payroll/_search?size=10000 HTTP/1.1" '
    '200 58403 "-" "curl/8.5.0"\n'
    '127.0.0.4 - - [06/Dec/2026:23:24:05 +0000] "GET /support-cases-2005/_search?size=1000 '
    'HTTP/1.1" 200 173420 "-" "curl/8.5.0"\n'
)
HELD = {"read_me": 1, "hr-payroll": 200, "support-cases-2005": 227}
STORED = {"read_me": 5_971, "hr-payroll": 67_891, "support-cases-2005": 172_134}


def _inventory() -> Inventory:
    return Inventory(
        "scan-1",
        {n: IndexFacts(n, HELD[n], STORED[n], True) for n in HELD},
        None,
        None,
    )


def test_a_single_searchs_page_size_is_a_bound_not_a_count(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "access.log"
    path.write_text(SINGLE_SEARCHES)
    records = by_address(run(path))["127.0.0.4"].records
    assert records is not None
    # 428 documents came back: nothing in the log says how many, only that it is at most the
    # pages' 21,000 (never "about 21,000")
    assert (records.lower, records.upper) == (0, 21_000)
    assert records.text == "up to 21,000"
    assert "up to 21,000 records" in run(path).summary.sentence


def _line(src: str, request: str, nbytes: int) -> str:
    return (
        f'{src} - - [06/Dec/2026:10:00:00 +0000] "GET {request} HTTP/1.1" 200 {nbytes} "-" '
        '"curl/8.5.0"\n'
    )


def test_a_bound_added_to_a_count_reads_up_to_not_about(tmp_path: Path, run: Run) -> None:
    # One document by its id (a count: 1) and a search of size=100 (a bound): 101 is the most
    # the log allows, never "about 101".
    path = tmp_path / "access.log"
    path.write_text(
        _line("203.0.113.4", "/customers/_doc/7", 900)
        + _line("203.0.113.4", "/customers/_search?size=100", 60_000)
    )
    records = by_address(run(path))["203.0.113.4"].records
    assert records is not None and (records.lower, records.value, records.upper) == (1, 101, 101)
    assert records.text == "up to 101 (at least 1)"
    assert records.of("records") == "up to 101 records (at least 1)"
    assert "at most on customers" in records.method


def test_sources_bounds_added_read_up_to_in_the_summary(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "access.log"
    path.write_text(
        "".join(_line("203.0.113.4", f"/customers/_doc/{i}", 900) for i in range(5))
        + _line("198.51.100.9", "/orders/_search?size=100", 60_000)
    )
    inv = run(path)
    total = inv.summary.records_unknown
    assert total is not None and (total.lower, total.value, total.upper) == (5, 105, 105)
    assert total.text == "up to 105 (at least 5)"
    assert "read up to 105 records (at least 5) between" in inv.summary.sentence
    assert "the most the logs allow" in inv.summary.sentence
    assert "estimated" not in inv.summary.sentence


def test_more_targets_summed_from_bounds_say_up_to(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "access.log"
    path.write_text(
        "".join(_line("203.0.113.4", f"/idx-{i}/_search?size={10 + i}", 900) for i in range(8))
    )
    records = by_address(run(path))["203.0.113.4"].records
    assert records is not None
    assert "and 3 more target(s), up to 33 records (bounds added), by the same methods" in (
        records.method
    )


def test_a_single_search_returns_no_more_than_the_index_holds(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "access.log"
    path.write_text(SINGLE_SEARCHES)
    inv = run(path, inventory=_inventory())
    records = by_address(inv)["127.0.0.4"].records
    assert records is not None and records.bounded
    truth = sum(HELD.values())
    assert records.upper == truth
    assert records.lower <= truth and abs(records.value - truth) <= 0.2 * truth
    assert "no more than the 200 documents scan scan-1 counted in hr-payroll" in records.method
    summary = inv.summary.records_unknown
    assert summary is not None and summary.upper == truth


# A scroll of sized pages on customers, then search pages whose size is in the body (no size=
# in the URL: their records are only the bytes out, and nothing gives a record's size).
UNSIZED = (
    '203.0.113.9 - - [06/Dec/2026:10:01:00 +0000] "GET /customers/_search?scroll=1m&size=100 '
    'HTTP/1.1" 200 30000 "-" "python-requests/2.31"\n'
    '203.0.113.9 - - [06/Dec/2026:10:01:01 +0000] "POST /_search/scroll HTTP/1.1" 200 30000 '
    '"-" "python-requests/2.31"\n'
    '203.0.113.9 - - [06/Dec/2026:10:02:00 +0000] "POST /orders/_search HTTP/1.1" 200 5000000 '
    '"-" "python-requests/2.31"\n'
    '198.51.100.7 - - [06/Dec/2026:10:03:00 +0000] "POST /orders/_search HTTP/1.1" 200 900000 '
    '"-" "Go-http-client/1.1"\n'
)


def test_bytes_out_not_converted_leave_the_estimate_without_an_upper_bound(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "access.log"
    path.write_text(UNSIZED)
    inv = run(path)
    got = by_address(inv)
    counted = got["203.0.113.9"].records
    assert counted is not None and not counted.bounded
    assert counted.text.startswith("at least ") and counted.text.endswith("(no upper bound)")
    assert "5,000,000 bytes out not converted to records" in counted.method
    only_bytes = got["198.51.100.7"].records
    assert only_bytes is not None and not only_bytes.bounded
    assert "900,000 bytes out not converted to records" in only_bytes.method
    summary = inv.summary.records_unknown
    assert summary is not None and not summary.bounded
    assert set(inv.summary.unknown_readers) == {"203.0.113.9", "198.51.100.7"}
    assert "(no upper bound)" in inv.summary.sentence


# size=10000 over two indices, one of which the scan did not count (created after it, or its
# count refused): 5,000 records came back, 200 of them from hr-payroll.
TWO_INDICES = (
    '127.0.0.4 - - [06/Dec/2026:23:24:05 +0000] "GET /hr-payroll,{}/_search?size=10000 HTTP/1.1" '
    '200 900000 "-" "curl/8.5.0"\n'
)


def test_an_index_the_scan_did_not_count_lifts_the_bound(tmp_path: Path, run: Run) -> None:
    for other, facts in (
        ("new-index", None),  # not in the scan's inventory at all
        ("refused", IndexFacts("refused", None, None, True)),  # listed, its count unknown
    ):
        path = tmp_path / "access.log"
        path.write_text(TWO_INDICES.format(other))
        inventory = _inventory()
        if facts is not None:
            inventory.indices[other] = facts
        records = by_address(run(path, inventory=inventory))["127.0.0.4"].records
        assert records is not None
        # the page size is the only bound left: not the 200 hr-payroll holds
        assert records.upper >= 5_000, (other, records)
