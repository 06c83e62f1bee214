"""Sources, bind addresses, port specs and the verdict on one inbound rule."""

from __future__ import annotations

import pytest

from leakhound.lint.model import Confidence, Severity
from leakhound.lint.network import Unresolved, is_loopback, is_world, judge, port_ranges


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("*", id="azure-star"),
        pytest.param("Internet", id="azure-internet-tag"),
        pytest.param("Any", id="azure-any"),
        pytest.param("0.0.0.0/0", id="ipv4-any"),
        pytest.param("::/0", id="ipv6-any"),
        pytest.param("0.0.0.0/1", id="half-of-ipv4"),
        pytest.param("128.0.0.0/1", id="other-half"),
        pytest.param("2000::/3", id="ipv6-global-unicast"),
    ],
)
def test_world_sources(source: str) -> None:
    assert is_world(source)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("VirtualNetwork", id="azure-vnet-tag"),
        pytest.param("AzureLoadBalancer", id="azure-lb-tag"),
        pytest.param("10.0.0.0/8", id="rfc1918"),
        pytest.param("172.16.0.0/12", id="rfc1918-b"),
        pytest.param("203.0.113.7/32", id="one-public-host"),
        pytest.param("198.51.100.0/24", id="office-range"),
        pytest.param("fd00::/8", id="ipv6-ula"),
        pytest.param("sg-0123", id="security-group-id"),
    ],
)
def test_sources_that_are_not_the_world(source: str) -> None:
    assert not is_world(source)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "_local_", "-::1"]
)
def test_loopback_bind_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "*", "_site_", "_eth0_", "10.0.0.5", "es.example.net"]
)
def test_bind_addresses_beyond_loopback(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize(
    ("spec", "ranges"),
    [
        (9200, [(9200, 9200)]),
        ("9200", [(9200, 9200)]),
        ("9000-9300", [(9000, 9300)]),
        ("*", [(0, 65535)]),
        ("0-65535", [(0, 65535)]),
        ("9300-9200", None),
        ("http", None),
        (True, None),
    ],
)
def test_port_specs(spec: object, ranges: list[tuple[int, int]] | None) -> None:
    assert port_ranges(spec) == ranges


def test_a_range_reaching_a_store_port_is_high() -> None:
    v = judge(["0.0.0.0/0"], ["9000-9300"], "tcp")
    assert v is not None
    # 9000-9300 holds Cassandra's 9042 and 9160 too, not only Elasticsearch's ports.
    assert (v.severity, v.confidence) == (Severity.HIGH, Confidence.HIGH)
    assert v.ports == (9042, 9160, 9200, 9300)


@pytest.mark.parametrize(
    ("sources", "ports", "protocol"),
    [
        pytest.param(["0.0.0.0/0"], ["443"], "tcp", id="web-port"),
        pytest.param(["0.0.0.0/0"], ["9200"], "udp", id="udp"),
        pytest.param(["0.0.0.0/0"], ["9200"], "icmp", id="icmp"),
        pytest.param(["10.0.0.0/8"], ["*"], "*", id="private-source-all-ports"),
        pytest.param([], ["9200"], "tcp", id="no-source"),
    ],
)
def test_rules_that_expose_nothing(
    sources: list[object], ports: list[object], protocol: str
) -> None:
    assert judge(sources, ports, protocol) is None


def test_an_unresolved_source_is_reported_with_low_confidence() -> None:
    v = judge([Unresolved("var.cidr")], ["5432"], "tcp")
    assert v is not None
    assert (v.severity, v.confidence) == (Severity.MEDIUM, Confidence.LOW)
    assert "var.cidr" in v.why


def test_an_unresolved_port_from_the_internet_is_reported_with_low_confidence() -> None:
    v = judge(["*"], [Unresolved("var.port")], "Tcp")
    assert v is not None
    assert (v.severity, v.confidence) == (Severity.LOW, Confidence.LOW)
    assert "var.port" in v.why
