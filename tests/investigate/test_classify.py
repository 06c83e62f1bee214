"""Who a source is: the owner, a known research scanner, or unknown."""

from __future__ import annotations

from pathlib import Path

import pytest
from investigate_helpers import run_investigation

from leakhound.errors import UsageError
from leakhound.investigate import Investigation, Source
from leakhound.investigate.classify import OWNER, SCANNER, UNKNOWN, Classifier, networks, shipped
from leakhound.investigate.render import render_text


def test_the_shipped_scanner_data_is_dated_and_sourced() -> None:
    rules, dated = shipped()
    assert dated.startswith("Dated: ")
    assert rules and all(r.source for r in rules)
    assert any(r.network is not None for r in rules) and any(r.agent for r in rules)


@pytest.mark.parametrize(
    ("src", "agent", "kind"),
    [
        pytest.param("10.20.1.5", None, OWNER, id="owner-net"),
        pytest.param("10.20.1.5:40000", None, OWNER, id="owner-with-port"),
        pytest.param("162.142.125.41", None, SCANNER, id="censys-range"),
        pytest.param("198.51.100.23", None, SCANNER, id="given-range"),
        pytest.param(
            "203.0.113.9",
            "Mozilla/5.0 (compatible; CensysInspect/1.1)",
            SCANNER,
            id="scanner-agent",
        ),
        pytest.param("203.0.113.9", "curl/7.58.0", UNKNOWN, id="unknown"),
        pytest.param("::ffff:10.20.0.7", None, OWNER, id="mapped-ipv6"),
        pytest.param("2001:db8:1::5", None, OWNER, id="owner-v6"),
        pytest.param("export-3", None, UNKNOWN, id="not-an-address"),
    ],
)
def test_class(src: str, agent: str | None, kind: str) -> None:
    c = Classifier(
        networks(["10.20.0.0/16", "2001:db8:1::/48"], "--owner", "owner"),
        networks(["198.51.100.0/24"], "--scanners", "given"),
    )
    got, basis = c(src, agent)
    assert got == kind
    assert basis


def test_the_owner_wins_over_a_scanner_agent() -> None:
    c = Classifier(networks(["10.0.0.0/8"], "--owner", "owner"), [])
    assert c("10.1.2.3", "CensysInspect/1.1")[0] == OWNER


def test_networks_from_a_file_with_comments(tmp_path: Path) -> None:
    f = tmp_path / "owner.txt"
    f.write_text("# backups\n10.20.0.0/16\tbackup network\n192.0.2.7  # the VPN\n")
    rules = networks([f"@{f}"], "--owner", "owner")
    assert [str(r.network) for r in rules] == ["10.20.0.0/16", "192.0.2.7/32"]
    assert rules[0].name == "backup network"


def test_a_networks_file_beginning_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    # Notepad saves UTF-8 with one: "--owner @owner.txt line 1: not a CIDR or address"
    f = tmp_path / "owner.txt"
    f.write_bytes(b"\xef\xbb\xbf10.20.0.0/16\tbackup network\n")
    rules = networks([f"@{f}"], "--owner", "owner")
    assert [(str(r.network), r.name) for r in rules] == [("10.20.0.0/16", "backup network")]


@pytest.mark.parametrize("spec", ["10.0.0.0/33", "not-a-net", "@/nonexistent/file"])
def test_bad_networks_are_usage_errors(spec: str) -> None:
    with pytest.raises(UsageError):
        networks([spec], "--owner", "owner")


def _by_class(inv: Investigation, address: str) -> dict[str, Source]:
    return {s.kind: s for s in inv.sources if s.address == address}


def test_a_scanner_agent_covers_only_the_requests_that_carry_it(tmp_path: Path) -> None:
    # One address sends Censys's agent first, then scrolls through an index under another:
    # the agent is its own claim on the first request, not a pass for the dump.
    path = tmp_path / "access.log"
    path.write_text(
        '203.0.113.9 - - [06/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 348 "-" '
        '"Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)"\n'
        '203.0.113.9 - - [06/Dec/2026:10:01:00 +0000] "GET /customers/_search?scroll=1m&'
        'size=1000 HTTP/1.1" 200 900000 "-" "python-requests/2.31"\n'
        '203.0.113.9 - - [06/Dec/2026:10:01:01 +0000] "POST /_search/scroll HTTP/1.1" 200 '
        '900000 "-" "python-requests/2.31"\n'
    )
    inv = run_investigation(path)
    got = _by_class(inv, "203.0.113.9")
    assert set(got) == {SCANNER, UNKNOWN}
    assert got[SCANNER].action_names == ("probe",) and got[SCANNER].requests == 1
    assert got[UNKNOWN].action_names == ("bulk-read",) and got[UNKNOWN].requests == 2
    assert got[UNKNOWN].user_agents == ("python-requests/2.31",)
    assert inv.summary.unknown_readers == ("203.0.113.9",)
    assert inv.summary.records_unknown is not None
    assert inv.summary.records_unknown.upper == 2000


def test_a_read_under_leakhounds_own_user_agent_is_an_unknown_reader(tmp_path: Path) -> None:
    # Anyone runs leakhound: its user agent names a tool, not a known recipient. Classed a
    # known scanner, a full read under it lowered the logs' loss of confidentiality to
    # "known recipients".
    path = tmp_path / "access.log"
    path.write_text(
        '127.0.0.1 - - [06/Dec/2026:23:23:48 +0000] "GET / HTTP/1.1" 200 565 "-" "curl/7.88.1"\n'
        '127.0.0.1 - - [06/Dec/2026:23:23:53 +0000] "GET /_cat/indices?format=json&h=index '
        'HTTP/1.1" 200 141 "-" "leakhound (read-only exposure scanner)"\n'
        '127.0.0.1 - - [06/Dec/2026:23:23:57 +0000] "POST /audit-trail/_search/point_in_time?'
        'keep_alive=5m HTTP/1.1" 200 252 "-" "leakhound (read-only exposure scanner)"\n'
        '127.0.0.1 - - [06/Dec/2026:23:23:57 +0000] "POST /_search HTTP/1.1" 200 45597 "-" '
        '"leakhound (read-only exposure scanner)"\n'
    )
    inv = run_investigation(path)
    got = _by_class(inv, "127.0.0.1")
    assert set(got) == {UNKNOWN}
    assert got[UNKNOWN].read and got[UNKNOWN].requests == 4
    assert inv.summary.unknown_readers == ("127.0.0.1",)


def test_a_class_resting_on_the_address_holds_for_every_agent() -> None:
    c = Classifier([], networks(["198.51.100.0/24"], "--scanners", "given"))
    assert c.classify("198.51.100.4", "curl/8.0")[::2] == (SCANNER, None)
    assert c.classify("198.51.100.4", "CensysInspect/1.1")[::2] == (SCANNER, None)
    assert c.classify("203.0.113.9", "CensysInspect/1.1")[::2] == (SCANNER, "Censys")


OWN_SCAN_LOG = (
    '10.20.1.5 - - [06/Dec/2026:23:23:53 +0000] "GET /_cat/indices?format=json&h=index '
    'HTTP/1.1" 200 141 "-" "leakhound (read-only exposure scanner)"\n'
    '10.20.1.5 - - [06/Dec/2026:23:23:57 +0000] "GET /customers/_search?size=100 HTTP/1.1" 200 '
    '45597 "-" "leakhound (read-only exposure scanner)"\n'
    '10.20.1.5 - - [06/Dec/2026:23:24:00 +0000] "GET /customers/_doc/7 HTTP/1.1" 200 900 "-" '
    '"curl/8.5.0"\n'
    '203.0.113.9 - - [06/Dec/2026:23:25:00 +0000] "GET / HTTP/1.1" 200 565 "-" "curl/8.5.0"\n'
    '203.0.113.9 - - [06/Dec/2026:23:25:03 +0000] "GET /customers/_search?size=100 HTTP/1.1" '
    '200 45597 "-" "leakhound (read-only exposure scanner)"\n'
)


def test_leakhounds_user_agent_from_an_owner_address_is_the_owners_own_scan(
    tmp_path: Path,
) -> None:
    path = tmp_path / "access.log"
    path.write_text(OWN_SCAN_LOG)
    inv = run_investigation(path, owner=("10.20.0.0/16",))
    owned = [s for s in inv.sources if s.address == "10.20.1.5"]
    assert {s.kind for s in owned} == {OWNER}
    scan = [s for s in owned if s.kind_basis.startswith("the owner's own leakhound scan")]
    other = [s for s in owned if s.kind_basis == "in 10.20.0.0/16 (--owner)"]
    assert len(scan) == 1 and len(other) == 1  # the scan apart from the owner's curl
    assert scan[0].requests == 2 and other[0].requests == 1
    assert "the owner's own leakhound scan" in render_text(inv)


def test_leakhounds_user_agent_from_elsewhere_is_someone_else_running_it(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    path.write_text(OWN_SCAN_LOG)
    inv = run_investigation(path, owner=("10.20.0.0/16",))
    got = _by_class(inv, "203.0.113.9")
    assert set(got) == {UNKNOWN}  # not a known scanner: anyone runs leakhound
    src = got[UNKNOWN]
    assert src.requests == 2 and src.read
    assert "someone else running leakhound" in src.kind_basis
    assert "neither in --owner" in src.kind_basis  # its curl request: the address's other ground
    assert inv.summary.unknown_readers == ("203.0.113.9",)


@pytest.mark.parametrize(
    ("src", "kind", "claim", "words"),
    [
        pytest.param("10.1.2.3", OWNER, "leakhound", "the owner's own leakhound scan", id="owner"),
        pytest.param("203.0.113.9", UNKNOWN, None, "someone else running leakhound", id="other"),
        pytest.param("162.142.125.41", SCANNER, None, "Censys", id="scanner-range-first"),
    ],
)
def test_leakhounds_user_agent_is_classed_by_the_address(
    src: str, kind: str, claim: str | None, words: str
) -> None:
    c = Classifier(networks(["10.0.0.0/8"], "--owner", "owner"), [])
    got, basis, got_claim = c.classify(src, "leakhound (read-only exposure scanner)")
    assert (got, got_claim) == (kind, claim)
    assert words in basis
