"""Who a source is: the owner, a known research scanner, or unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from leakhound.errors import UsageError
from leakhound.investigate.classify import OWNER, SCANNER, UNKNOWN, Classifier, networks, shipped


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


@pytest.mark.parametrize("spec", ["10.0.0.0/33", "not-a-net", "@/nonexistent/file"])
def test_bad_networks_are_usage_errors(spec: str) -> None:
    with pytest.raises(UsageError):
        networks([spec], "--owner", "owner")
