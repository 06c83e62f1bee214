"""Target parsing over arbitrary text: only TargetError/ScopeError, never an endpoint off range."""

from __future__ import annotations

import ipaddress
import json
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from leakhound.errors import ScopeError, TargetError
from leakhound.targets import check_scope, endpoints, parse_one, parse_targets

from .budget import budget

PORTS = (9200, 9243)
FAST = budget(1000)

# Pieces that steer generated text toward every branch of the parser.
_PIECES = st.sampled_from(
    [
        "http://",
        "https://",
        "ftp://",
        "HTTP://",
        "[",
        "]",
        ":",
        "::",
        "/",
        "@",
        "%",
        "#",
        "?",
        ".",
        "-",
        "_",
        "0",
        "1",
        "9200",
        "65535",
        "65536",
        "99999",
        "127.0.0.1",
        "::1",
        "fe80::1",
        "%eth0",
        "localhost",
        "a" * 64,
        "xn--",
        " ",
        "\t",
        "\x00",
        "\u0660",
        "１",
        "@file",
        "user:pw@",
        "/24",
        "/33",
        "/0",
        "/128",
        "/-1",
    ]
)
TARGET_TEXT = st.one_of(
    st.text(max_size=80), st.lists(_PIECES | st.text(max_size=4), max_size=12).map("".join)
)


@FAST
@given(TARGET_TEXT)
@example("http://[127.0.0.1]:9200")  # urlsplit refuses an IPv4 address in brackets
@example("127.0.0.1:٩٢٠٠")  # Arabic-Indic digits: \d matches them, int() reads them
@example("[::1%eth0]:9200")
def test_parse_one_raises_only_target_or_scope_errors(text: str) -> None:
    try:
        spec = parse_one(text, PORTS, max_hosts=64)
    except (TargetError, ScopeError) as exc:
        assert "\n" not in str(exc)
        return
    for ep in spec.endpoints:
        assert 1 <= ep.port <= 65535
        assert ep.scheme in (None, "http", "https")
        assert ep.host and ep.host == ep.host.strip()


@FAST
@given(
    st.ip_addresses(), st.integers(min_value=0, max_value=128), st.integers(1, 300), st.booleans()
)
@example(ipaddress.IPv6Address("::ffff:0:0"), 120, 300, True)  # IPv4 mapped into IPv6
def test_cidr_never_yields_an_endpoint_outside_the_range(
    addr: ipaddress.IPv4Address | ipaddress.IPv6Address, prefix: int, max_hosts: int, yes: bool
) -> None:
    prefix = prefix if addr.version == 6 else min(prefix, 32)
    prefix = max(prefix, addr.max_prefixlen - 8)  # at most 256 addresses to enumerate
    text = f"{addr}/{prefix}"
    net = ipaddress.ip_network(text, strict=False)
    try:
        spec = parse_one(text, PORTS, max_hosts=max_hosts, yes=yes)
    except ScopeError:  # too many addresses, or a public range, and no --yes
        assert not yes
        return
    assert spec.endpoints
    for ep in spec.endpoints:
        host = ipaddress.ip_address(ep.host)
        # An IPv4 address mapped into IPv6 (::ffff:a.b.c.d) is named as the IPv4 one it is.
        assert (host if host.version == net.version else _mapped(host)) in net
        assert ep.port in PORTS
    assert len(spec.endpoints) <= net.num_addresses * len(PORTS)


def _mapped(host: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv6Address:
    return ipaddress.IPv6Address(f"::ffff:{host}")


_NETS = st.builds(
    lambda a, p: ipaddress.ip_network(f"{a}/{p}", strict=False),
    st.ip_addresses(v=4),
    st.integers(24, 32),
) | st.builds(
    lambda a, p: ipaddress.ip_network(f"{a}/{p}", strict=False),
    st.ip_addresses(v=6),
    st.integers(120, 128),
)


@st.composite
def _scope_and_targets(draw: st.DrawFn) -> tuple[list[Any], list[str]]:
    """Authorised ranges, and targets of which some fall inside, some across, some outside."""
    scope = draw(st.lists(_NETS, min_size=1, max_size=3))
    inside = st.sampled_from(scope).flatmap(
        lambda net: st.integers(0, net.num_addresses - 1).map(lambda i: net[i])
    )
    one = st.one_of(
        inside.map(str),
        inside.map(lambda a: f"[{a}]:9200" if a.version == 6 else f"{a}:9200"),
        inside.map(lambda a: f"{a}/{a.max_prefixlen - 2}"),  # may straddle a range's edge
        st.ip_addresses().map(str),
        _NETS.map(str),
    )
    return scope, draw(st.lists(one, min_size=1, max_size=4))


@FAST
@given(_scope_and_targets())
def test_scope_file_lets_no_endpoint_outside_its_ranges(case: tuple[list[Any], list[str]]) -> None:
    # Addresses only: a host name would send a DNS query off this machine.
    scope, targets = case
    try:
        eps = endpoints(parse_targets(targets, PORTS, max_hosts=4096, yes=True))
        check_scope(eps, scope)
    except (TargetError, ScopeError):
        event("refused")
        return
    event("accepted")
    for ep in eps:
        assert any(ipaddress.ip_address(ep.host) in net for net in scope), ep


# --------------------------------------------------------------------------- files

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.text(max_size=20)
    | st.sampled_from(["127.0.0.1", "::1", "open", "closed", "9200", "0", "70000"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["ip", "ports", "port", "status", "proto"]) | st.text(max_size=5),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@st.composite
def _nmap_xml(draw: st.DrawFn) -> str:
    hosts = []
    for _ in range(draw(st.integers(0, 3))):
        addr = draw(
            st.sampled_from(["127.0.0.1", "::1", "not-an-ip", "", "999.1.1.1"])
            | st.text(max_size=10)
        )
        ports = "".join(
            f'<port protocol="{draw(st.sampled_from(["tcp", "udp", ""]))}" '
            f'portid="{draw(st.sampled_from(["9200", "0", "-1", "70000", "x", "٩"]))}">'
            f'<state state="{draw(st.sampled_from(["open", "closed"]))}"/></port>'
            for _ in range(draw(st.integers(0, 3)))
        )
        kind = draw(st.sampled_from(["ipv4", "ipv6", "mac"]))
        hosts.append(
            f'<host><address addr="{_xml_attr(addr)}" addrtype="{kind}"/>'
            f"<ports>{ports}</ports></host>"
        )
    return f"<nmaprun>{''.join(hosts)}</nmaprun>"


def _xml_attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


FILE_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(TARGET_TEXT, max_size=5).map("\n".join),
    _JSON.map(lambda v: json.dumps([v, {"ip": "127.0.0.1"}])),  # masscan-shaped
    st.lists(st.fixed_dictionaries({"ip": _JSON, "ports": _JSON}), max_size=3).map(json.dumps),
    _nmap_xml(),
    st.text(max_size=100).map(lambda t: "<" + t),
)

_counter = count()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where generated target files are written."""
    return tmp_path_factory.mktemp("targets")


@FAST
@given(text=FILE_TEXT)
# Regression: masscan rows whose "ports" is not a list, or whose port is not a number, and
# nmap ports whose portid is not a number, raised TypeError/ValueError (a traceback).
@example(text='[{"ip": "127.0.0.1", "ports": 5}]')
@example(text='[{"ip": "127.0.0.1", "ports": [{"port": "x"}]}]')
@example(text='[{"ip": "127.0.0.1", "ports": [{"port": null}]}]')
@example(text='[{"ip": "127.0.0.1", "ports": ["9200"]}]')
@example(
    text='<nmaprun><host><address addr="127.0.0.1" addrtype="ipv4"/><ports>'
    '<port protocol="tcp" portid="x"><state state="open"/></port></ports></host>'
    "</nmaprun>"
)
def test_target_files_raise_only_target_or_scope_errors(folder: Path, text: str) -> None:
    path = folder / f"t{next(_counter)}.txt"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        specs = parse_targets([f"@{path}"], PORTS, max_hosts=64)
    except (TargetError, ScopeError) as exc:
        assert "\n" not in str(exc)
        return
    for ep in endpoints(specs):
        assert 1 <= ep.port <= 65535
