"""Addresses and ports: is a source the Internet, is a bind address loopback, which store ports
does a port range reach. Shared by the Terraform and cloud-export linters and the store configs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from . import catalog
from .model import Confidence, Severity


@dataclass(frozen=True)
class Unresolved:
    """A value leakhound could not resolve (a Terraform variable without default, a function)."""

    expr: str


# Cloud "anyone" spellings: Azure service tags and wildcards, AWS/GCP any-address CIDRs.
_WORLD_WORDS = {"*", "any", "internet", "0.0.0.0/0", "::/0", "0.0.0.0", "::"}  # noqa: S104
_NOT_WORLD_V4 = [
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
    )
]
_PRIVATE_V4 = [
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16")
]
_PRIVATE_V6 = [ipaddress.ip_network(n) for n in ("fc00::/7", "fe80::/10")]
_NOT_WORLD_V6 = [ipaddress.ip_network(n) for n in ("fc00::/7", "fe80::/10", "::1/128")]


def is_world(source: str) -> bool:
    """True for a source that means "anyone on the Internet": '*', 'Internet', 'Any',
    0.0.0.0/0, ::/0, or a public range of at least a /8 (IPv4) or /16 (IPv6), such as the
    0.0.0.0/1 + 128.0.0.0/1 pair some rules use to dodge /0 checks."""
    text = source.strip().strip('"').lower()
    if text in _WORLD_WORDS:
        return True
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    if net.version == 4:
        return net.prefixlen <= 8 and not any(net.subnet_of(p) for p in _NOT_WORLD_V4)  # type: ignore[arg-type]
    return net.prefixlen <= 16 and not any(net.subnet_of(p) for p in _NOT_WORLD_V6)  # type: ignore[arg-type]


# Wildcard bind addresses: every interface of the machine.
ANY_ADDRESS = frozenset({"0.0.0.0", "::", "*", "_global_", "0"})  # noqa: S104
_LOOPBACK_WORDS = {"localhost", "ip6-localhost", "_local_", "_local:ipv4_", "_local:ipv6_"}


def is_loopback(host: str) -> bool:
    """True for a bind address that only loopback clients reach ('127.0.0.1', '::1', '[::1]',
    'localhost', Elasticsearch's '_local_'); False for '0.0.0.0', '*', interfaces, hostnames."""
    text = host.strip().strip("'\"").lower().lstrip("-")  # redis: "-::1" = bind if available
    text = text.removeprefix("[").removesuffix("]")
    if text in _LOOPBACK_WORDS:
        return True
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def is_private(host: str) -> bool:
    """True for an RFC 1918, CGNAT, link-local or IPv6 ULA address or range (reachable from a
    LAN only); False for 0.0.0.0, ::, public and documentation addresses."""
    text = host.strip().strip("'\"").removeprefix("[").removesuffix("]")
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    blocks = _PRIVATE_V4 if net.version == 4 else _PRIVATE_V6
    return any(net.subnet_of(b) for b in blocks)  # type: ignore[arg-type]


def port_ranges(spec: object) -> list[tuple[int, int]] | None:
    """A port spec as inclusive ranges: 9200, '9200', '9000-9300', '*'/'any'/'all' → all ports.
    None when the spec is not a port spec."""
    if isinstance(spec, bool):
        return None
    if isinstance(spec, int):
        return [(spec, spec)] if 0 <= spec <= 65535 else None
    text = str(spec).strip().strip('"').lower()
    if text in ("*", "any", "all"):
        return [(0, 65535)]
    low, sep, high = text.partition("-")
    try:
        lo, hi = int(low), int(high) if sep else int(low)
    except ValueError:
        return None
    if not 0 <= lo <= hi <= 65535:
        return None
    return [(lo, hi)]


_TCP_WORDS = {"tcp", "6", "*", "-1", "all", "any"}


def carries_tcp(protocol: object) -> bool:
    """False only for a protocol known not to be TCP (udp, icmp, esp…); unknown counts as TCP."""
    if protocol is None or isinstance(protocol, Unresolved):
        return True
    return str(protocol).strip().lower() in _TCP_WORDS


@dataclass(frozen=True)
class RuleVerdict:
    """Why an inbound rule exposes store ports, how badly and how surely."""

    severity: Severity
    confidence: Confidence
    why: str
    ports: tuple[int, ...]


def _show(value: object) -> str:
    return value.expr if isinstance(value, Unresolved) else str(value)


def judge(sources: list[object], ports: list[object], protocol: object) -> RuleVerdict | None:
    """The verdict on one allowing inbound rule: known Internet sources to known store ports
    are high; a source or port leakhound could not resolve lowers severity and confidence but
    is never passed silently."""
    if not carries_tcp(protocol):
        return None
    world = [s for s in sources if isinstance(s, str) and is_world(s)]
    unknown_sources = [s for s in sources if isinstance(s, Unresolved)]
    if not world and not unknown_sources:
        return None
    store_ports: list[int] = []
    unknown_ports: list[object] = []
    for p in ports:
        ranges = None if isinstance(p, Unresolved) else port_ranges(p)
        if ranges is None:
            unknown_ports.append(p)
            continue
        for lo, hi in ranges:
            store_ports.extend(x for x in catalog.stores_in_range(lo, hi) if x not in store_ports)
    if not store_ports and not unknown_ports:
        return None
    # Each named once: a list of locals that repeat (a = [local.b, local.b, …]) is no longer why.
    src = ", ".join(dict.fromkeys(_show(s) for s in (world or unknown_sources)))
    if store_ports:
        reach = catalog.describe_ports(sorted(store_ports))
        if any(port_ranges(p) == [(0, 65535)] for p in ports if not isinstance(p, Unresolved)):
            reach = f"all ports, including {reach}"
    else:
        reach = f"port(s) {', '.join(dict.fromkeys(_show(p) for p in unknown_ports))}"
    if world and store_ports:
        return RuleVerdict(
            Severity.HIGH, Confidence.HIGH, f"admits {src} to {reach}", tuple(sorted(store_ports))
        )
    if world:
        return RuleVerdict(
            Severity.LOW,
            Confidence.LOW,
            f"admits {src} to {reach} that leakhound cannot resolve (a finding if it is a "
            "store port)",
            (),
        )
    if store_ports:
        return RuleVerdict(
            Severity.MEDIUM,
            Confidence.LOW,
            f"admits {src} to {reach}; the source is not resolved here (the Internet if it "
            "resolves to 0.0.0.0/0, '*' or 'Internet')",
            tuple(sorted(store_ports)),
        )
    return RuleVerdict(
        Severity.LOW,
        Confidence.LOW,
        f"admits {src} to {reach}; neither source nor port is resolved here",
        (),
    )


def stores_label(store_ports: tuple[int, ...], specs: list[object]) -> str:
    """The stores a rule reaches, for a finding's store column: 'MongoDB', 'any store (all
    ports)', 'unknown (port unresolved)'."""
    if any(not isinstance(p, Unresolved) and port_ranges(p) == [(0, 65535)] for p in specs):
        return "any store (all ports)"
    names: list[str] = []
    for p in store_ports:
        name = catalog.port_store(p)
        if name and name not in names:
            names.append(name)
    if not names:
        return "unknown (port unresolved)"
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
