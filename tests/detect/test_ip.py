"""IP_ADDRESS: v4 and v6 with ports found; versions, builds and error codes left alone."""

from __future__ import annotations

import ipaddress

import pytest

from leakhound.detect.ip import _judge_v6

from .util import found, hits

IP = "IP_ADDRESS"


@pytest.mark.parametrize(
    ("text", "address", "normalized"),
    [
        pytest.param("login from 89.160.20.112 failed", "89.160.20.112", "89.160.20.112", id="v4"),
        pytest.param("client 8.8.8.8:443 connected", "8.8.8.8:443", "8.8.8.8", id="v4-with-port"),
        pytest.param(
            "GET / HTTP/1.1 from 81.2.69.160", "81.2.69.160", "81.2.69.160", id="v4-public"
        ),
        pytest.param("peer=10.12.0.254;", "10.12.0.254", "10.12.0.254", id="v4-private"),
        pytest.param("ip=2a01:4f8::1 ok", "2a01:4f8::1", "2a01:4f8::1", id="v6-compressed"),
        pytest.param(
            "2A01:04F8:0000:0000:0000:FF00:0042:8329",
            "2A01:04F8:0000:0000:0000:FF00:0042:8329",
            "2a01:4f8::ff00:42:8329",
            id="v6-full-upper",
        ),
        pytest.param(
            "remote [2a00:1450:4007:80e::200e]:443",
            "[2a00:1450:4007:80e::200e]:443",
            "2a00:1450:4007:80e::200e",
            id="v6-bracketed-port",
        ),
        pytest.param(
            "src ::ffff:81.2.69.160", "::ffff:81.2.69.160", "81.2.69.160", id="v4-mapped-v6"
        ),
        pytest.param("fd00:a1b2::17%eth0 up", "fd00:a1b2::17%eth0", "fd00:a1b2::17", id="v6-zone"),
        pytest.param(
            "X-Forwarded-For: 81.2.69.160, 10.0.0.1", "81.2.69.160", "81.2.69.160", id="xff-first"
        ),
    ],
)
def test_ip_addresses_are_found(text: str, address: str, normalized: str) -> None:
    result = hits(text, IP)
    assert text[result[0].start : result[0].end] == address
    assert result[0].normalized == normalized


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Windows 10 build 10.0.19045.2965", id="windows-build"),
        pytest.param("OS Version: 10.0.22631.3296", id="windows-version"),
        pytest.param("installed KB5034441 last night", id="kb-article"),
        pytest.param("failed with error 0x80070005", id="hresult"),
        pytest.param("running v1.2.3.4", id="v-prefixed-version"),
        pytest.param("version 2.14.10.120 released", id="version-word"),
        pytest.param("firmware 4.20.101.5", id="firmware"),
        pytest.param("upgraded to 4.2.1.0", id="small-octets-upgrade"),
        pytest.param("OID 1.3.6.1.4.1.9.9", id="snmp-oid"),
        pytest.param("at 2024-03-05T10:22:01.123Z", id="iso-timestamp"),
        pytest.param("12:30:45 done", id="clock-time"),
        pytest.param("mac 00:1A:2B:3C:4D:5E", id="mac-address"),
        pytest.param("std::vector<int>", id="cpp-scope"),
        pytest.param("ip 999.1.1.1", id="octet-out-of-range"),
        pytest.param("netmask 255.255.255.0", id="netmask"),
        pytest.param("bind 0.0.0.0:9200", id="unspecified"),
        pytest.param("listen [::1]:8080", id="v6-loopback-bracketed"),
        pytest.param("date 01.02.03.04", id="leading-zeros"),
        pytest.param("Chrome/120.0.6099.109", id="user-agent-version"),
        pytest.param("SN 1234.5678.9012.3456", id="dotted-serial"),
    ],
)
def test_versions_builds_and_codes_are_not_ips(text: str) -> None:
    assert found(text, IP) == []


# Compressed IPv6 addresses that end a sentence: the full stop is not part of them.
@pytest.mark.parametrize(
    ("text", "address", "normalized"),
    [
        pytest.param(
            "login from 2a00:1450:4001:80b::200e.",
            "2a00:1450:4001:80b::200e",
            "2a00:1450:4001:80b::200e",
            id="v6-compressed-full-stop",
        ),
        pytest.param(
            "Blocked 2001:4860:4860::8888. Then retried",
            "2001:4860:4860::8888",
            "2001:4860:4860::8888",
            id="v6-full-stop-mid-text",
        ),
        pytest.param(
            "resolver was 2001:4860:4860::8888...",
            "2001:4860:4860::8888",
            "2001:4860:4860::8888",
            id="v6-ellipsis",
        ),
        pytest.param(
            "(peer 2a00:1450:4001:80b::200e.)",
            "2a00:1450:4001:80b::200e",
            "2a00:1450:4001:80b::200e",
            id="v6-full-stop-in-parentheses",
        ),
        pytest.param(
            "src ::ffff:81.2.69.160.",
            "::ffff:81.2.69.160",
            "81.2.69.160",
            id="v4-mapped-full-stop",
        ),
        pytest.param(
            "it came from fd12:3456:789a::1.",
            "fd12:3456:789a::1",
            "fd12:3456:789a::1",
            id="v6-unique-local-full-stop",
        ),
        pytest.param(
            "remote [2a00:1450:4007:80e::200e]:443.",
            "[2a00:1450:4007:80e::200e]:443",
            "2a00:1450:4007:80e::200e",
            id="v6-bracketed-port-full-stop",
        ),
    ],
)
def test_ipv6_addresses_ending_a_sentence_are_found(
    text: str, address: str, normalized: str
) -> None:
    result = hits(text, IP)
    assert [text[h.start : h.end] for h in result] == [address]
    assert result[0].normalized == normalized


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("version 2a00:1450:4001:80b::200e.5", id="v6-then-dot-digit"),
        pytest.param("host 2a00:1450:4001:80b::200e.example.com", id="v6-then-dotted-name"),
        pytest.param("see 2a00:1450:4001:80b::200e.Next", id="v6-glued-to-next-word"),
        pytest.param("12:30:45. Done", id="clock-time-full-stop"),
        pytest.param("std::vector. Then", id="cpp-scope-full-stop"),
        pytest.param("mac 00:1A:2B:3C:4D:5E.", id="mac-address-full-stop"),
        pytest.param("ratio a::b.", id="too-few-hex-digits-full-stop"),
    ],
)
def test_a_dot_that_goes_on_is_not_a_full_stop(text: str) -> None:
    assert found(text, IP) == []


# Addresses that point at no one: the same on every machine or network (loopback,
# unspecified, link-local), a group rather than a host (multicast), or reserved for
# examples (documentation). Never reported, whatever the score threshold. Each has the
# four digits the detector needs to be run at all ("fe80::1." has three: never offered).
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("connect to 127.0.0.1:9200", id="v4-loopback"),
        pytest.param("from 127.8.9.10", id="v4-loopback-range"),
        pytest.param("listen 0.0.0.0", id="v4-unspecified"),
        pytest.param("ssdp 239.255.255.250:1900", id="v4-multicast"),
        pytest.param("metadata at 169.254.169.254", id="v4-link-local"),
        pytest.param("login from 192.0.2.10", id="v4-documentation-test-net-1"),
        pytest.param("login from 198.51.100.7", id="v4-documentation-test-net-2"),
        pytest.param("login from 203.0.113.9", id="v4-documentation-test-net-3"),
        pytest.param("client 0:0:0:0:0:0:0:1", id="v6-loopback-full"),
        pytest.param("bind [0000:0000:0000:0000:0000:0000:0000:0000]:443", id="v6-unspecified"),
        pytest.param("group ff02::1:ff00:1234", id="v6-multicast"),
        pytest.param("router fe80::4a2:1ff:fe3b:5c6d.", id="v6-link-local-full-stop"),
        pytest.param("fe80::1ff:fe23:4567:890a%eth0 up", id="v6-link-local-with-zone"),
        pytest.param("client 2001:db8::1.", id="v6-documentation-full-stop"),
        pytest.param("client 2001:db8:85a3::8a2e:370:7334", id="v6-documentation"),
        pytest.param("client 3fff:123:4567::89", id="v6-documentation-rfc-9637"),
        pytest.param("src ::ffff:192.0.2.1.", id="v4-mapped-documentation-full-stop"),
        pytest.param("src ::ffff:127.0.0.1", id="v4-mapped-loopback"),
        pytest.param("src ::ffff:169.254.10.20", id="v4-mapped-link-local"),
    ],
)
def test_addresses_that_point_at_no_one_are_not_reported(text: str) -> None:
    assert hits(text, IP) == []  # min_score 0: not even a weak hit
    assert hits(text, IP, field="client_ip") == []


def test_context_word_raises_and_version_word_lowers() -> None:
    bare = hits("saw 81.2.69.160 here", IP)[0].score
    client = hits("client 81.2.69.160 here", IP)[0].score
    assert client > bare


def test_ip_field_overrides_version_context() -> None:
    assert found("version 81.2.69.160", IP, field="client_ip") == ["81.2.69.160"]


def test_ip_mapping_type_is_a_hint() -> None:
    from leakhound.detect import scan_document

    doc = {"x": "81.2.69.160"}
    plain = scan_document(doc)[0].score
    mapped = scan_document(doc, field_types={"x": "ip"})[0].score
    assert mapped > plain


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("+34 81.2.69.160", id="plus-code"),
        pytest.param("+351 81.2.69.160", id="plus-three-digit-code"),
        pytest.param("0034 81.2.69.160", id="00-code"),
        pytest.param("client +1 81.2.69.160", id="after-a-word-saying-ip"),
    ],
)
def test_a_quad_after_an_international_prefix_scores_below_a_phone_number(text: str) -> None:
    # "+34 91.123.45.67" is a Spanish number as Spain writes it: the address scores below
    # one written with a country code (0.75), and is still found where no number reads it.
    (h,) = hits(text, IP)
    assert h.score <= 0.75
    assert hits(text.replace("+", "").replace("00", ""), IP)[0].score > h.score


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x0034 81.2.69.160", id="00-glued-to-a-word"),
        pytest.param("34 81.2.69.160", id="code-without-prefix"),
        pytest.param("+34  81.2.69.160", id="two-spaces"),
    ],
)
def test_a_quad_not_straight_after_an_international_prefix_keeps_its_score(text: str) -> None:
    assert hits(text, IP)[0].score == hits("81.2.69.160", IP)[0].score


def test_public_scores_higher_than_private() -> None:
    public = hits("from 81.2.69.160", IP)[0].score
    private = hits("from 192.168.1.20", IP)[0].score
    assert public > private


def test_masked_ip_hides_the_host_part() -> None:
    (h,) = hits("from 81.2.69.160", IP)
    assert h.masked == "81.2.*.*"
    (h6,) = hits("from 2a00:1450:4007:80e::200e", IP)
    assert "200e" not in h6.masked and h6.masked.startswith("2a00:1450:")


def _spans(matches: object) -> list[tuple[int, int]]:
    return [m.span() for m in matches]  # type: ignore[attr-defined]


def test_anchored_candidates_are_the_regex_scans_own() -> None:
    # ip._v4_candidates and ip._v6_candidates try the regexes only at dots and colons:
    # they must yield exactly what scanning every position would.
    import random

    from leakhound.detect import ip

    rnd = random.Random(4)
    alphabet = "0123456789.:[]%abcdefABCDEFxyz_- /\u0663\u00e9"
    texts = [
        "[2001:db8::1]:443 and 10.0.0.1:8080, fe80::1%eth0 [::ffff:192.0.2.1] 1.2.3.4.5",
        "at 14:51:41 from 2001:0db8:85a3:0000:0000:8a2e:0370:7334, v1.2.3.4 x10.0.0.1",
        "a::b ::1 1:2:3:4:5:6:7:8 [1::2] [::] 0.0.0.0 255.255.255.255 1.2.3 ::ffff:1.2.3.4",
    ]

    def piece() -> str:
        kind = rnd.randrange(4)
        if kind == 0:  # digits and dots: quads, versions, dates
            return ".".join(str(rnd.randint(0, 300)) for _ in range(rnd.randint(2, 6)))
        if kind == 1:  # hex groups and colons: addresses, times, MACs
            groups = [f"{rnd.randint(0, 0xFFFFF):x}"[: rnd.randint(0, 5)] for _ in range(9)]
            return ":".join(groups[: rnd.randint(2, 9)])
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 4)))

    for _ in range(3000):
        texts.append(
            "".join(piece() + rnd.choice(["", " ", " ", ", ", "[", "]:"]) for _ in range(8))
        )
    found = [0, 0]
    for text in texts:
        found[0] += len(_spans(ip._V4.finditer(text)))
        found[1] += len(_spans(ip._V6.finditer(text)))
        assert _spans(ip._v4_candidates(text)) == _spans(ip._V4.finditer(text)), text
        assert _spans(ip._v6_candidates(text)) == _spans(ip._V6.finditer(text)), text
    assert min(found) > 500  # both scans have plenty to find


@pytest.mark.parametrize(
    ("raw", "reported"),
    [
        pytest.param("2a00:1450:4001:080b:1111:2222:3333:200E", True, id="leading-zero-upper-case"),
        pytest.param("2a00:1450:0:80b:0:0:3333:200e", True, id="zero-groups-compressed"),
        pytest.param("fd12:3456:789a:1:2:3:4:5", True, id="unique-local"),
        pytest.param("0:0:0:0:0:ffff:5102:45a0", True, id="v4-mapped"),
        pytest.param("2a00:1450:4001:80b:1111:2222:3333:200e0", False, id="group-too-long"),
        pytest.param("2001:db8:1:2:3:4:5:6", False, id="documentation"),
    ],
)
def test_eight_group_addresses_read_as_ipaddress_reads_them(raw: str, reported: bool) -> None:
    _judge_v6.cache_clear()
    judged = _judge_v6(raw)
    assert (judged is not None) is reported
    if judged is not None:
        addr = ipaddress.IPv6Address(raw)
        mapped = addr.ipv4_mapped
        assert judged[1] == str(mapped if mapped is not None else addr)
