"""IPv4 and IPv6 addresses, with or without a port, validated by ``ipaddress``."""

from __future__ import annotations

import ipaddress
import re
from typing import ClassVar

from .base import Detector, Field, Span
from .context import clamp, near, words_after, words_before

ENTITY = "IP_ADDRESS"

# Dotted quad. Not preceded by a letter, digit or dot, so "v1.2.3.4", "x10.0.0.1" and the
# tail of "10.0.19045.2965" or of an OID (1.3.6.1.4.1) never start a match; not followed
# by another ".digit" or a digit, for the same reason. Octet ranges are checked by
# ipaddress, which also rejects leading zeros ("01.02.03.04" is a date, not an address).
# An optional ":port" belongs to the span.
_V4 = re.compile(r"(?<![\w.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?::(\d{1,5}))?(?![\w]|\.\d)")

# IPv6 candidates: hex groups and colons, at least two colons, optionally ending in a
# dotted quad (::ffff:192.0.2.1) and a zone (%eth0); optionally bracketed with a port
# ("[2001:db8::1]:443"). Not preceded or followed by a word character or colon, so
# "std::vector", timestamps (10:30:00) and MAC addresses either never match or fail
# validation. ipaddress has the last word.
_V6 = re.compile(
    r"""
    (?P<open>\[)?
    (?<![\w:])
    (?P<addr>
        (?:[0-9A-Fa-f]{0,4}:){2,7}
        (?:[0-9A-Fa-f]{1,4}|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})?
    )
    (?:%[0-9A-Za-z]{1,15})?
    (?![\w:.])
    (?(open)\](?::\d{1,5})?)
    """,
    re.VERBOSE,
)
_HEX = re.compile(r"[0-9A-Fa-f]")

# Words before a candidate that make it a version, a build or an error code.
_CONTEXT_DOWN = frozenset(
    {
        "version",
        "ver",
        "v",
        "build",
        "release",
        "firmware",
        "fw",
        "driver",
        "kb",
        "patch",
        "update",
        "sdk",
        "bios",
        "rev",
        "revision",
        "oid",
        "snmp",
        "error",
        "code",
        "package",
        "pkg",
        "upgrade",
        "upgraded",
        "installed",
        "chrome",
        "firefox",
        "windows",
        "android",
        "ios",
        "mask",
        "netmask",
        "subnet",
    }
)
_CONTEXT_UP = frozenset(
    {
        "ip",
        "ips",
        "ipv",
        "client",
        "from",
        "addr",
        "address",
        "remote",
        "src",
        "source",
        "dst",
        "destination",
        "host",
        "peer",
        "login",
        "logged",
        "connection",
        "connect",
        "connected",
        "request",
        "visitor",
        "user",
        "forwarded",
        "xff",
        "origin",
    }
)


class IpDetector(Detector):
    """IP_ADDRESS v4 and v6; normalized to ``ipaddress``'s compressed form."""

    id: ClassVar[str] = "ip"
    entities: ClassVar[frozenset[str]] = frozenset({ENTITY})
    min_digits: ClassVar[int] = 4

    def find(self, text: str, field: Field) -> list[Span]:
        """IP addresses in ``text``."""
        spans: list[Span] = []
        hinted = ENTITY in field.hints
        if ":" in text:
            for m in _V6.finditer(text):
                span = self._v6(text, m, hinted)
                if span is not None:
                    spans.append(span)
        if "." in text:
            for m in _V4.finditer(text):
                if any(s.start <= m.start() < s.end for s in spans):
                    continue  # the tail of ::ffff:a.b.c.d, already reported
                span = self._v4(text, m, hinted)
                if span is not None:
                    spans.append(span)
        return spans

    def _v4(self, text: str, m: re.Match[str], hinted: bool) -> Span | None:
        try:
            addr = ipaddress.IPv4Address(m.group(1))
        except ValueError:
            return None
        port = m.group(2)
        if port is not None and int(port) > 65535:
            return None
        if addr.is_unspecified or addr.is_multicast or addr.is_reserved:
            return None
        first = int(str(addr).split(".", 1)[0])
        if first == 255 or str(addr).startswith("0."):
            return None  # netmasks and "this network"
        score = _base_score(addr)
        octets = [int(o) for o in str(addr).split(".")]
        if max(octets) < 20 and port is None:
            # 1.2.3.4, 4.2.1.0: far more often a version than a host.
            score -= 0.35
        return _with_context(text, m.start(), m.end(), score, str(addr), hinted)

    def _v6(self, text: str, m: re.Match[str], hinted: bool) -> Span | None:
        raw = m.group("addr")
        if len(_HEX.findall(raw)) < 5 and "." not in raw:
            return None  # "a::b", "::1": too little to be anyone's address
        try:
            addr = ipaddress.IPv6Address(raw)
        except ValueError:
            return None
        if addr.is_unspecified or addr.is_loopback or addr.is_multicast:
            return None
        mapped = addr.ipv4_mapped
        normalized = str(mapped) if mapped is not None else str(addr)
        score = _base_score(mapped if mapped is not None else addr)
        start = m.start("open") if m.group("open") else m.start("addr")
        return _with_context(text, start, m.end(), score, normalized, hinted)


def _base_score(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> float:
    # A public address points at a subscriber; a private or link-local one at a device
    # inside a network, which identifies far less.
    if addr.is_loopback:
        return 0.3
    if addr.is_global:
        return 0.8
    return 0.6


def _with_context(
    text: str, start: int, end: int, score: float, normalized: str, hinted: bool
) -> Span | None:
    before = words_before(text, start)
    up = near(before, _CONTEXT_UP)
    if near(before[-2:], _CONTEXT_DOWN):
        if not (up or hinted):
            return None  # "version 1.2.3.4", "build 10.0.1.1": not an address
        score -= 0.2
    elif up:
        score += 0.15
    if near(words_after(text, end, 1), frozenset({"version", "build", "release"})):
        return None
    return Span(ENTITY, start, end, clamp(score), normalized)
