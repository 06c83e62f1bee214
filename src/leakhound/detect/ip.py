"""IPv4 and IPv6 addresses, with or without a port, validated by ``ipaddress``.

Loopback, unspecified, multicast, link-local and documentation addresses are never
reported: each is the same on every machine or network, names a group rather than a
host, or is reserved for examples, so none points at a person.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterator
from functools import lru_cache
from typing import ClassVar

from .base import VALUE_CACHE_ENTRIES, Detector, Field, Span
from .context import clamp, near, words_after, words_before
from .gate import END, START

ENTITY = "IP_ADDRESS"

# Dotted quad. Not preceded by a letter, digit or dot, so "v1.2.3.4", "x10.0.0.1" and the
# tail of "10.0.19045.2965" or of an OID (1.3.6.1.4.1) never start a match; not followed
# by another ".digit" or a digit, for the same reason. Octet ranges are checked by
# ipaddress, which also rejects leading zeros ("01.02.03.04" is a date, not an address).
# An optional ":port" belongs to the span.
_V4 = re.compile(r"(\d(?<![\w.]\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?::(\d{1,5}))?(?![\w]|\.\d)")

# IPv6 candidates: hex groups and colons, at least two colons, optionally ending in a
# dotted quad (::ffff:192.0.2.1) and a zone (%eth0); optionally bracketed with a port
# ("[2001:db8::1]:443"). Not preceded or followed by a word character or colon, so
# "std::vector", timestamps (10:30:00) and MAC addresses either never match or fail
# validation. Not followed by a dot that goes on with a word character either: that
# would be a dotted quad's first octet ("::ffff:192" of "::ffff:192.0.2.1", which the
# other branch then takes) or a name or version going on ("…::1.5"); a dot after which
# the text ends or a space or punctuation follows is a full stop ("… from
# 2a00:1450:4001:80b::200e."). ipaddress has the last word.
_V6 = re.compile(
    r"""
    (?P<open>\[)?
    (?<![\w:])
    (?P<addr>
        (?:[0-9A-Fa-f]{0,4}:){2,7}
        (?:[0-9A-Fa-f]{1,4}|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})?
    )
    (?:%[0-9A-Za-z]{1,15})?
    (?![\w:]|\.\w)
    (?(open)\](?::\d{1,5})?)
    """,
    re.VERBOSE,
)
# Documentation prefixes (RFC 3849, RFC 9637), for examples only: never anyone's host.
# ipaddress knows the first as not global; the second is newer than Python 3.11.
_V6_DOCUMENTATION = (
    ipaddress.IPv6Network("2001:db8::/32"),
    ipaddress.IPv6Network("3fff::/20"),
)
# Hex digits, counted: "a::b" is a valid address but says nothing about anyone.
_HEX = re.compile(r"[0-9A-Fa-f]")
# Eight groups, no "::", no dotted quad: the form logs print, which inet_pton reads as
# ipaddress does in a fifteenth of the time.
_EIGHT_GROUPS = re.compile(r"[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}")

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


_VERSION_AFTER = frozenset({"version", "build", "release"})
# An international prefix, "+" or "00" and a country code, straight before a dotted quad:
# "+34 91.123.45.67", "0032 2.250.12.12" are Spanish and Belgian phone numbers as those
# countries write them (phone.py reads them whole). The address scores lower there, below
# any phone number written with its country code, so the number wins where it is one and
# the address is still found where it is not ("+34 10.0.0.1").
_AFTER_COUNTRY_CODE = re.compile(r"(?:\+\d{1,3}|(?<![^ \t\u00a0])00[1-9]\d{0,2})[ \t\u00a0]$")
_AFTER_COUNTRY_CODE_PENALTY = 0.2


class IpDetector(Detector):
    """IP_ADDRESS v4 and v6; normalized to ``ipaddress``'s compressed form."""

    id: ClassVar[str] = "ip"
    entities: ClassVar[frozenset[str]] = frozenset({ENTITY})
    # A dotted quad between word boundaries (a port may follow: ":" is one), and what the
    # IPv6 pass needs before it runs (see ``find``).
    gate: ClassVar[tuple[str, ...]] = (
        START + r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}" + END,
        r"::",
        r"(?::[0-9A-Fa-f]{1,4}){5}",
    )
    min_digits: ClassVar[int] = 4

    def clear_caches(self) -> None:
        """Forget the verdicts kept on addresses seen recently."""
        _judge_v4.cache_clear()
        _judge_v6.cache_clear()

    def find(self, text: str, field: Field) -> list[Span]:
        """IP addresses in ``text``."""
        spans: list[Span] = []
        hinted = ENTITY in field.hints
        # Every IPv6 form has a "::" or six colons at least (eight groups, or six and
        # a dotted quad).
        if "::" in text or text.count(":") >= 5:
            for m in _v6_candidates(text):
                span = self._v6(text, m, hinted)
                if span is not None:
                    spans.append(span)
        if "." in text:
            for m in _v4_candidates(text):
                if any(s.start <= m.start() < s.end for s in spans):
                    continue  # the tail of ::ffff:a.b.c.d, already reported
                span = self._v4(text, m, hinted)
                if span is not None:
                    spans.append(span)
        return spans

    def _v4(self, text: str, m: re.Match[str], hinted: bool) -> Span | None:
        port = m.group(2)
        if port is not None and int(port) > 65535:
            return None
        judged = _judge_v4(m.group(1), port is not None)
        if judged is None:
            return None
        score, normalized = judged
        start = m.start()
        if start and _AFTER_COUNTRY_CODE.search(text, max(0, start - 6), start):
            score -= _AFTER_COUNTRY_CODE_PENALTY
        return _with_context(text, start, m.end(), score, normalized, hinted)

    def _v6(self, text: str, m: re.Match[str], hinted: bool) -> Span | None:
        judged = _judge_v6(m.group("addr"))
        if judged is None:
            return None
        score, normalized = judged
        start = m.start("open") if m.group("open") else m.start("addr")
        return _with_context(text, start, m.end(), score, normalized, hinted)


# The candidates' first characters, as ``_V4`` and ``_V6`` read them.
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _is_word(ch: str) -> bool:
    """``re``'s ``\\w`` on one character of a str."""
    return ch.isalnum() or ch == "_"


def _v4_candidates(text: str) -> Iterator[re.Match[str]]:
    """What ``_V4.finditer(text)`` yields, trying ``_V4`` only where it can match.

    A match starts on the first of one to three digits before its first dot, at a
    character that follows no word character and no dot. So each dot gives one place
    to try: a third of the cost of the regex scanning 800 characters of prose with
    dates, times and ids in it.
    """
    pos = 0
    dot = text.find(".")
    while dot != -1:
        start = dot
        while start > 0 and text[start - 1].isdecimal():
            start -= 1
        if (
            start >= pos
            and 1 <= dot - start <= 3
            and not (start and (text[start - 1] == "." or _is_word(text[start - 1])))
        ):
            m = _V4.match(text, start)
            if m is not None:
                yield m
                pos = m.end()
                dot = text.find(".", pos)
                continue
        dot = text.find(".", dot + 1)


def _v6_candidates(text: str) -> Iterator[re.Match[str]]:
    """What ``_V6.finditer(text)`` yields, trying ``_V6`` only where it can match.

    An address starts with up to four hex digits and a colon, and follows no word
    character and no colon (a "[" may open it): each colon gives one or two places to
    try, where the regex would try every character of the string.
    """
    pos = 0
    colon = text.find(":")
    while colon != -1:
        start = colon
        while start > 0 and text[start - 1] in _HEX_DIGITS:
            start -= 1
        m = None
        if colon - start <= 4:
            before = text[start - 1] if start else ""
            if before == "[" and start - 1 >= pos:
                m = _V6.match(text, start - 1)
            if m is None and start >= pos and not (before == ":" or _is_word(before)):
                m = _V6.match(text, start)
        if m is not None:
            yield m
            pos = m.end()
            colon = text.find(":", pos)
        else:
            colon = text.find(":", colon + 1)


# Logs repeat the same addresses: a cache hit costs ~0.1 µs.
@lru_cache(maxsize=VALUE_CACHE_ENTRIES)
def _judge_v4(raw: str, with_port: bool) -> tuple[float, str] | None:
    """(base score, normalized) for a dotted quad, or None when it is no one's address."""
    parts = raw.split(".")
    if any(len(p) > 1 and p[0] == "0" for p in parts):
        return None  # leading zeros: "01.02.03.04" is a date or a version
    a, b, c, d = (int(p) for p in parts)
    if max(a, b, c, d) > 255:
        return None
    score = _v4_score(a, b, c)
    if score is None:
        return None
    if max(a, b, c, d) < 20 and not with_port:
        # 1.2.3.4, 4.2.1.0: far more often a version than a host.
        score -= 0.35
    return score, raw


def _v4_score(a: int, b: int, c: int) -> float | None:
    """Base score of an IPv4 address from its first three octets, or None for the kinds
    never reported.

    Plain integer comparisons over the IANA special-purpose table: ipaddress's
    properties give the same answers at ten times the cost.
    """
    if (
        a == 0  # "this network", the unspecified 0.0.0.0 among them
        or a == 127  # loopback: the machine itself, whichever it is
        or a >= 224  # multicast (a group, not a host), reserved, broadcast and netmasks
        or (a == 169 and b == 254)  # link-local: self-assigned, the same on every network
        or (a == 192 and b == 0 and c == 2)  # documentation: TEST-NET-1,
        or (a == 198 and b == 51 and c == 100)  # TEST-NET-2
        or (a == 203 and b == 0 and c == 113)  # and TEST-NET-3
    ):
        return None
    if (
        a == 10
        or (a == 172 and 16 <= b <= 31)
        or (a == 192 and b == 168)
        or (a == 100 and 64 <= b <= 127)  # carrier-grade NAT
        or (a == 192 and b == 0 and c == 0)  # IETF protocol assignments
        or (a == 198 and b in (18, 19))  # benchmarking
    ):
        # A private address points at a device inside a network, which identifies far
        # less than a public one.
        return 0.6
    return 0.8


@lru_cache(maxsize=VALUE_CACHE_ENTRIES)
def _judge_v6(raw: str) -> tuple[float, str] | None:
    """(base score, normalized) for an IPv6 candidate, or None."""
    if len(_HEX.findall(raw)) < 5 and "." not in raw:
        return None  # "a::b", "::1": too little to be anyone's address
    eight = _EIGHT_GROUPS.fullmatch(raw) is not None
    try:
        addr = ipaddress.IPv6Address(socket.inet_pton(socket.AF_INET6, raw) if eight else raw)
    except ValueError:
        return None
    mapped = addr.ipv4_mapped
    if mapped is not None:  # ::ffff:a.b.c.d is the IPv4 address, judged as one
        a, b, c, _ = mapped.packed
        score = _v4_score(a, b, c)
        return None if score is None else (score, str(mapped))
    if (
        addr.is_unspecified
        or addr.is_loopback
        or addr.is_multicast
        or addr.is_link_local
        or any(addr in net for net in _V6_DOCUMENTATION)
    ):
        return None
    # A public address points at a subscriber; a unique-local one at a device inside a
    # network, which identifies far less.
    score = 0.8 if addr.is_global else 0.6
    if eight:
        groups = [int(g, 16) for g in raw.split(":")]
        if all(groups):
            # str(addr) where no group is 0, so none is compressed: each group in lower
            # case without its leading zeros (a sixth of the cost).
            return score, ":".join([f"{g:x}" for g in groups])
    return score, str(addr)


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
    if near(words_after(text, end, 1), _VERSION_AFTER):
        return None
    return Span(ENTITY, start, end, clamp(score), normalized)
