"""The issue's acceptance: a generated log with planted activity, each planted source named with
the right class and actions, reads estimated within 20% of the truth, the owner and the
scanners never called unknown."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from investigate_helpers import Run, by_address

from leakhound.investigate import Investigation, Options, generate, investigate
from leakhound.investigate.classify import networks


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[generate.Truth, Path]:
    path = tmp_path_factory.mktemp("planted") / "access.log"
    with path.open("w", encoding="ascii") as fh:
        truth = generate.write(fh, 200_000, seed=7, days=3)
    return truth, path


@pytest.fixture(scope="module")
def inv(planted: tuple[generate.Truth, Path]) -> Investigation:
    truth, path = planted
    return investigate(
        [str(path)],
        Options(
            owner=networks([truth.owner], "--owner", "owner"),
            scanners=networks([truth.scanners], "--scanners", "given"),
        ),
    )


def test_each_planted_source_has_its_class_and_actions(planted: tuple, inv: Investigation) -> None:
    truth, _ = planted
    got = by_address(inv)
    for p in truth.planted:
        s = got[p.address]
        assert s.kind == p.kind, p.address
        assert set(s.action_names) == set(p.actions), p.address


def test_records_read_are_within_20_percent(planted: tuple, inv: Investigation) -> None:
    truth, _ = planted
    got = by_address(inv)
    for p in truth.planted:
        if p.records is None:
            continue
        est = got[p.address].records
        assert est is not None, p.address
        assert abs(est.value - p.records) <= 0.2 * p.records, (p.address, est, p.records)
        assert est.lower <= p.records <= est.upper, (p.address, est, p.records)


def test_owner_and_scanners_are_never_unknown(planted: tuple, inv: Investigation) -> None:
    truth, _ = planted
    owner = ipaddress.ip_network(truth.owner)
    scanners = [ipaddress.ip_network(truth.scanners), ipaddress.ip_network("162.142.125.0/24")]
    seen = set()
    for s in inv.sources:
        addr = ipaddress.ip_address(s.address)
        if addr in owner:
            assert s.kind == "owner"
            seen.add("owner")
        if any(addr in n for n in scanners):
            assert s.kind == "known-scanner"
            seen.add("scanner")
    assert seen == {"owner", "scanner"}


def test_the_summary_names_the_thieves(planted: tuple, inv: Investigation) -> None:
    truth, _ = planted
    readers = {p.address for p in truth.planted if p.kind == "unknown" and p.records}
    assert set(inv.summary.unknown_readers) == readers
    assert set(inv.summary.wipes) == {"45.227.254.8"}
    total = sum(p.records or 0 for p in truth.planted if p.kind == "unknown")
    rec = inv.summary.records_unknown
    assert rec is not None and rec.lower <= total <= rec.upper
    assert inv.summary.first_unknown is not None
    assert "unknown sources read" in inv.summary.sentence


def test_without_owner_networks_the_backups_look_like_a_thief(run: Run, planted: tuple) -> None:
    # The owner's networks are what tells a backup from an exfiltration: without them, the
    # same lines make the backup host an unknown bulk reader.
    _, path = planted
    got = by_address(run(path))
    assert got["10.20.1.5"].kind == "unknown"
    assert "bulk-read" in got["10.20.1.5"].action_names


def test_the_generator_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    for p in (a, b):
        with p.open("w") as fh:
            generate.write(fh, 5_000, seed=3, days=1)
    assert a.read_bytes() == b.read_bytes()


def test_timeline_counts_every_request(inv: Investigation) -> None:
    listed = sum(s.requests for s in inv.sources)
    assert sum(h.requests for h in inv.timeline) == listed + inv.quiet.requests
    assert {h.kind for h in inv.timeline} == {"owner", "known-scanner", "unknown"}
