"""The terminal summary never passes a target's control characters or markup through."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

from rich.console import Console

from leakhound.models import (
    Distinct,
    Endpoint,
    Fingerprint,
    PeopleAcross,
    Service,
    TargetResult,
    Verdict,
)
from leakhound.report import markdown, terminal
from leakhound.store import ScanRecord
from leakhound.store.records import History, ResultRecord


def render(scan: ScanRecord, **kw: Any) -> str:
    buf = io.StringIO()
    terminal.render(scan, Console(file=buf, width=200, force_terminal=True), **kw)
    return buf.getvalue()


def test_terminal_lists_exposed_indices_and_scan_id(scan: ScanRecord) -> None:
    out = render(scan)
    assert "support-cases-2019" in out
    assert "OpenSearch 2.19.1" in out
    assert f"scan_id: {scan.scan_id}" in out
    assert "1 endpoint(s) closed or silent" in out


def test_terminal_strips_escape_sequences_from_targets(scan: ScanRecord) -> None:
    out = render(scan)
    assert "\x07" not in out
    assert "\x1b]" not in out  # no OSC sequence (window title etc.); rich's own SGR stay


def test_closed_endpoints_listed_on_request(scan: ScanRecord) -> None:
    assert "connection refused" in render(scan, show_closed=True)
    assert "connection refused" not in render(scan)


def test_terminal_prints_a_sample_scans_people_with_how_they_were_counted(
    counted_scan: ScanRecord,
) -> None:
    out = render(counted_scan)
    assert "People: 812 (exact): distinct EMAIL_ADDRESS in customer.email" in out


def test_people_counted_across_stores_close_the_summary(scan: ScanRecord) -> None:
    across = PeopleAcross(
        "EMAIL_ADDRESS", Distinct(3543, 3543, 3543, True), ("127.0.0.1:5432", "127.0.0.1:6379")
    )
    with_people = dataclasses.replace(scan, people_across=(across,))
    expected = (
        "People: 3,543 distinct EMAIL_ADDRESS, each counted once across the 2 stores whose "
        "identifiers were read whole"
    )
    assert expected in " ".join(render(with_people).split())
    assert expected[len("People: ") :] in markdown.render(with_people)
    assert "counted once across" not in render(scan)


def test_people_across_a_master_and_its_replica_count_one_store(scan: ScanRecord) -> None:
    """A Redis master and its replica are one store (their replication ID): people read
    whole at both and at a PostgreSQL server are counted across two stores, not three."""

    def redis(port: int, role: str) -> ResultRecord:
        ep = Endpoint("127.0.0.1", port)
        fp = Fingerprint("redis", "7.0.15", cluster_uuid="c0" * 20, details={"role": role})
        svc = Service(ep, ep.url("redis"), "redis", Verdict.OPEN, "open", fp)
        return ResultRecord.of(TargetResult(svc), History())

    pg = Endpoint("127.0.0.1", 5432)
    postgres = ResultRecord.of(
        TargetResult(Service(pg, pg.url("postgresql"), "postgresql", Verdict.OPEN, "open")),
        History(),
    )
    across = PeopleAcross(
        "EMAIL_ADDRESS",
        Distinct(3543, 3543, 3543, True),
        ("127.0.0.1:5432", "127.0.0.1:6379", "127.0.0.1:6380"),
    )
    three = dataclasses.replace(
        scan,
        results=(postgres, redis(6379, "master"), redis(6380, "replica")),
        people_across=(across,),
    )
    expected = "each counted once across the 2 stores whose identifiers were read whole"
    assert expected in " ".join(render(three).split())
    assert expected in markdown.render(three)
    # Pooled samples are counted as their basis counts them, a copy's sample named there.
    pooled = dataclasses.replace(
        across, basis="EMAIL_ADDRESS: the samples of the 3 stores pooled (…)"
    )
    shown = markdown.render(dataclasses.replace(three, people_across=(pooled,)))
    assert "once across the 3 stores estimated from their samples pooled" in shown


def test_the_cluster_column_is_there_only_where_a_store_names_its_cluster(scan: ScanRecord) -> None:
    head = render(scan).split("\n")[:4]
    assert any("Cluster" in line for line in head)
    unnamed = [
        dataclasses.replace(
            r,
            service=dataclasses.replace(
                r.service, fingerprint=dataclasses.replace(r.service.fingerprint, cluster_name=None)
            ),
        )
        for r in scan.results
    ]
    out = render(dataclasses.replace(scan, results=tuple(unnamed)))
    assert "Cluster" not in out
    assert "support-cases-2019" in out


def test_a_container_read_in_full_says_where_its_personal_data_is_not_a_blank(
    full_scan: ScanRecord,
) -> None:
    # --depth full samples nothing: the inventory's "Personal data in sample" column was blank
    # beside every container, as if none had been found.
    out = " ".join(render(full_scan).split())
    row = "│ case:* │ 10,000 │ ? │ 2005 – 2019 (years read) │ not sampled: read in full (below) │"
    assert row in out
    assert "CREDIT_CARD 296 keys" in out
    md = markdown.render(full_scan)
    assert "| 2005 – 2019 \\(years read\\) | not sampled: read in full \\(below\\) |" in md
