"""The one place where raw personal values become something that may be stored or shown.

Three things leave a detector: a masked preview (``mask``), a keyed hash used to count and
compare people without keeping them (``keyed_hash``), and target-controlled text made inert
for a terminal (``neutralize``). Nothing else in leakhound turns a raw value into output.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import ipaddress
import os
import re
import socket
from collections.abc import Collection, Iterable, Sequence
from functools import cache
from typing import Any, TypeVar, cast

__all__ = [
    "hide_password",
    "hide_secrets",
    "keyed_digest",
    "keyed_digests",
    "keyed_hash",
    "mask",
    "neutralize",
    "new_key",
]

_STARS = "***"

# Known token prefixes that say *what* a secret is without saying anything of its value.
_SECRET_PREFIXES = (
    "-----BEGIN",
    "AKIA",
    "ASIA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xoxs-",
    "eyJ",
    "Bearer ",
    "sk_live_",
    "sk_test_",
)

# E.164: "+" then a 1-3 digit country code; phonenumbers knows which length is right.
_E164 = re.compile(r"\+(\d{1,15})")
_NON_DIGIT = re.compile(r"\D")
# A dotted quad and nothing else: masked without asking ipaddress.
_OCTET = r"(?:0|[1-9][0-9]{0,2})"
_DOTTED_QUAD = re.compile(rf"({_OCTET})\.({_OCTET})\.{_OCTET}\.{_OCTET}")
# A signed decimal, for coordinates.
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def new_key() -> bytes:
    """A fresh random key for ``keyed_hash``; one per findings database."""
    return os.urandom(32)


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of ``value`` under ``key``, hex.

    Plain hashes of phone numbers or SSNs are reversed by brute force in minutes; a secret
    per-database key makes the hashes useless to anyone who copies the database alone.
    """
    if not key:
        raise ValueError("keyed_hash needs a non-empty key")
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def keyed_digest(key: bytes, value: str, size: int = 16) -> bytes:
    """The first ``size`` bytes of ``keyed_hash`` as raw bytes: compact set members.

    16 bytes keep collisions out of reach (about 2**64 values before one is likely)
    at a quarter of the memory of the hex string.
    """
    if not key:
        raise ValueError("keyed_digest needs a non-empty key")
    if not 8 <= size <= 32:
        raise ValueError("keyed_digest size must be 8..32 bytes")
    # hmac.digest: OpenSSL's one-shot HMAC, the same bytes as hmac.new(...).digest() at a
    # third of the cost (no HMAC object per value: a full scan makes one per identifier).
    return hmac.digest(key, value.encode("utf-8", "surrogatepass"), "sha256")[:size]


def keyed_digests(key: bytes, values: Iterable[str], size: int = 16) -> dict[str, bytes]:
    """``keyed_digest`` of each value, by value: the bulk form a full scan's worker uses for
    the identifiers of one page (each distinct value hashed once)."""
    if not key:
        raise ValueError("keyed_digest needs a non-empty key")
    if not 8 <= size <= 32:
        raise ValueError("keyed_digest size must be 8..32 bytes")
    digest = hmac.digest
    return {v: digest(key, v.encode("utf-8", "surrogatepass"), "sha256")[:size] for v in values}


def mask(entity_type: str, value: str) -> str:
    """A preview of ``value`` that shows its shape but never the value itself."""
    value = value.strip()
    if not value:
        return _STARS
    masker = _MASKERS.get(entity_type, _mask_generic)
    try:
        return masker(value)
    except (ValueError, IndexError):
        return _mask_generic(value)


def _mask_generic(value: str) -> str:
    # One leading character tells a reader "a name", "a number"… without identifying anyone.
    if len(value) < 4:
        return _STARS
    return value[0] + _STARS


def _mask_email(value: str) -> str:
    local, sep, domain = value.rpartition("@")
    if not sep or not local or "." not in domain:
        return _mask_generic(value)
    labels = domain.split(".")
    return f"{local[0]}{_STARS}@{labels[0][:1]}{_STARS}.{labels[-1]}"


def _mask_phone(value: str) -> str:
    if value[0] == "+" and value.isascii() and value[1:].isdigit():
        # E.164, as the detector normalizes numbers: the same as below, without regexes.
        digits = value[1:]
        cc = _country_code(digits) if len(digits) >= 6 else None
    else:
        digits = _NON_DIGIT.sub("", value)
        m = _E164.match(value.replace(" ", ""))
        cc = _country_code(m.group(1)) if m and len(digits) >= 6 else None
    if len(digits) < 6:
        return _STARS
    if cc:
        return f"+{cc} {_STARS}{digits[-2:]}"
    return f"{_STARS}{digits[-2:]}"


def _country_code(digits: str) -> str | None:
    # Country codes are prefix-free: the first 1-3 digit prefix that is one is the one.
    codes = _country_codes()
    for n in (1, 2, 3):
        if int(digits[:n] or 0) in codes:
            return digits[:n]
    return None


@cache
def _country_codes() -> frozenset[int]:
    # Imported on first use: phonenumbers adds 15 ms to every command's start.
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    return frozenset(COUNTRY_CODE_TO_REGION_CODE)


def _mask_card(value: str) -> str:
    digits = _NON_DIGIT.sub("", value)
    if len(digits) < 12:
        return _STARS
    return f"****{digits[-4:]}"


def _mask_ip(value: str) -> str:
    quad = _DOTTED_QUAD.fullmatch(value)
    if quad and all(int(octet) <= 255 for octet in value.split(".")):
        # What ipaddress would print, for the usual case, at a tenth of the cost.
        return f"{int(quad.group(1))}.{int(quad.group(2))}.*.*"
    host = value.strip("[]")
    if ":" in host and "%" not in host:
        try:
            packed = socket.inet_pton(socket.AF_INET6, host)
        except OSError:
            pass
        else:  # an IPv6 address: its first two groups, as below, without ipaddress
            first, second = packed[0] << 8 | packed[1], packed[2] << 8 | packed[3]
            return f"{first:x}:{second:x}:*:*"
    return _mask_ip_parsed(host)


def _mask_ip_parsed(host: str) -> str:
    """``_mask_ip`` through ``ipaddress``: any form it reads, a zone, IPv4 in IPv6."""
    addr = ipaddress.ip_address(host.split("%", 1)[0])
    if addr.version == 4:
        # The first two octets name a network (provider, region); the last two the host.
        a, b, _, _ = str(addr).split(".")
        return f"{a}.{b}.*.*"
    groups = addr.exploded.split(":")
    return f"{int(groups[0], 16):x}:{int(groups[1], 16):x}:*:*"


def _mask_iban(value: str) -> str:
    compact = value.replace(" ", "")
    if len(compact) < 8:
        return _STARS
    # The country code is not personal; check digits and account are.
    return f"{compact[:2]}{_STARS}"


def _mask_secret(value: str) -> str:
    for prefix in _SECRET_PREFIXES:
        if value.startswith(prefix) and len(value) > len(prefix) + 4:
            return prefix + _STARS
    return _STARS


def _mask_geo(value: str) -> str:
    # Whole degrees (~100 km) say which region without pointing at a house.
    parts = _NUMBER.findall(value)
    if len(parts) < 2:
        return _STARS
    return f"{int(float(parts[0]))}.*,{int(float(parts[1]))}.*"


_MASKERS = {
    "EMAIL_ADDRESS": _mask_email,
    "PHONE_NUMBER": _mask_phone,
    "CREDIT_CARD": _mask_card,
    "IP_ADDRESS": _mask_ip,
    "IBAN_CODE": _mask_iban,
    "SECRET": _mask_secret,
    "GEO_COORDINATES": _mask_geo,
}


def _control_table() -> dict[int, str]:
    table: dict[int, str] = {}
    # C0 controls and DEL: ESC starts ANSI sequences, CR/BS rewrite what was shown.
    # C1 controls: 0x9b is a one-byte CSI on some terminals.
    for cp in (*range(0x00, 0x20), *range(0x7F, 0xA0)):
        table[cp] = f"\\x{cp:02x}"
    # Bidi overrides and isolates reorder what the reader sees ("Trojan Source");
    # line/paragraph separators break lines in some terminals; BOM/zero-width hide text.
    for cp in (
        0x061C,
        0x200B,
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0x2028,
        0x2029,
        0xFEFF,
    ):
        table[cp] = f"\\u{cp:04x}"
    return table


_CONTROL = _control_table()
_CONTROL_KEEP_NL = {k: v for k, v in _CONTROL.items() if k not in (0x0A, 0x09)}

# A complete ANSI/VT escape sequence: CSI (ESC [ … final), OSC (ESC ] … BEL or ST),
# DCS/SOS/PM/APC strings, and two-character escapes. Dropped whole so no half of a
# sequence (e.g. "[31m") is left behind.
_ANSI = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]                  # CSI: colours, cursor moves, erase
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?      # OSC: titles, hyperlinks, clipboard writes
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?           # DCS, SOS, PM, APC strings
    | \x1b[ -/]*[0-~]                         # two-character escapes (charset, reset…)
    | \x9b[0-?]*[ -/]*[@-~]                   # 8-bit CSI
    """,
    re.VERBOSE,
)


def neutralize(text: str, *, keep_newlines: bool = False) -> str:
    """Target-controlled text made safe to print on a terminal.

    Escape sequences are removed whole; any other control, bidi or invisible character is
    shown escaped (``\\x07``), so a reader sees that something was there.
    ``keep_newlines`` leaves line feeds and tabs alone for multi-line output.
    """
    if text.isprintable() and "\x1b" not in text:
        # Fast path: isprintable() is False for every C0/C1 and bidi/format character.
        return text
    text = _ANSI.sub("", text)
    return text.translate(_CONTROL_KEEP_NL if keep_newlines else _CONTROL)


# A password in the user part of a URL, or of a scheme-less ``user:pass@host``: from the
# ':' after the user to the LAST '@' (a password may hold '@', '/', '?', '#' or spaces
# unencoded, which is where URL parsers stop agreeing on where it ends: too much hidden is
# better than a piece shown). In a URL, ``host:port/path@x`` is no password: a port
# followed by a path, or by the end, is left alone; followed by '?' or '#' it is taken for
# one (``app:12#pw@db``: a URL with a query or a fragment is refused anyway, and its error
# line would quote them). Without a scheme there is no path: ``app:5432/pw@db`` is one. The
# scheme, when there is one, is taken whole (possessive): ``s3://bucket@host`` names a
# bucket, not a user ``s3``.
_SCHEME = r"[A-Za-z][A-Za-z0-9+.-]*://"
_USER_PASSWORD = re.compile(
    rf"^({_SCHEME})?+([^\s:/@\[\]]*):(?(1)(?!\d{{1,5}}(?:/|$))).*@", re.DOTALL
)
# What may be a password where URL parsers would read none (``loose``): the same span, from
# the ':' after a user part to the last '@', but the user part is anything up to its first
# ':' (spaces, slashes, an '@'), after a scheme, or a bare '//', or nothing, and a port
# proves nothing. It hides all ``_USER_PASSWORD`` hides, the same way, and more.
_ANY_PASSWORD = re.compile(rf"^({_SCHEME}|//)?+([^:]*):.*@", re.DOTALL)


def hide_password(text: str, *, loose: bool = False) -> str:
    """``text`` (a target the user typed) with the password of its user part shown as
    ``***``: ``postgresql://app:***@db:5432/x``. Nothing else changes.

    ``loose`` hides whatever may be one, also where a URL parser would read no password (a
    user part with a space, a port then a path before the '@'): what an error line quotes
    of a target."""
    return (_ANY_PASSWORD if loose else _USER_PASSWORD).sub(r"\1\2:***@", text)


# A secret shorter than this is looked for only where a server quotes a password: between
# quotes ('password "ab" refused') or after the word password (``pw=7``). Hidden wherever it
# stands alone, it would garble every reason and figure: a password "1" made "1 of 19
# databases" and "1,132 records" read "*** of 19", "***,132"; "on" made "HTTP 401 *** _search".
MIN_SECRET = 4
_T = TypeVar("_T")


# The fields of a scan's result that hold what a server said in words (a refusal, an error,
# a banner, a basis quoting it): the only ones its echo of a password can be in. Everything
# else is what other code matches, keys and parses (a verdict, a kind, an endpoint, an
# index's name, a field's path, a JSON detail): a password "open" or "2019" must neither
# turn the verdict into "***" nor rename the index support-cases-2019.
_SAID = frozenset(
    {
        "reason",
        "error",
        "inventory_error",
        "inventory_note",
        "compromise_reasons",
        "honeypot",
        "docs_basis",
        "basis",
        "tagline",
        "realm",
    }
)


def hide_secrets(value: _T, secrets: Collection[str]) -> _T:
    """``value`` (a string, or a scan's result: frozen dataclasses, tuples and lists of them)
    with every occurrence of each of ``secrets`` shown as ``***``: in the whole of a
    string, in a result's words alone (its reasons and errors). A secret shorter than
    ``MIN_SECRET`` is hidden where a server quotes it (``_quoted``), nowhere else; where the
    words end in a longer secret's start (``MIN_SECRET`` characters or more: a text cut
    short), that start too.

    The owner's credentials go to the server only, but a server may say them back (an
    error that quotes the password it refused, a page that echoes the Authorization
    header): nothing a server said about them is written with them in it."""
    kept = sorted((s for s in secrets if len(s) >= MIN_SECRET), key=len, reverse=True)
    short = sorted((s for s in secrets if 0 < len(s) < MIN_SECRET), key=len, reverse=True)
    if not kept and not short:
        return value
    quoted = _quoted(short) if short else None
    return cast(_T, _hide(value, _Secrets(kept, quoted), True))


def _quoted(secrets: Sequence[str]) -> re.Pattern[str]:
    """Any of ``secrets`` as a server quotes a password: alone between a pair of quotes
    (``'ab'``, ``"ab"``, a backquote), or alone after the word password, pass, pwd or pw
    (``password: ab``, ``pw=7``). What comes before it is kept (group ``before``)."""
    either = "|".join(re.escape(s) for s in secrets)
    return re.compile(
        rf"(?P<before>(?P<q>['\"`])|(?i:\b(?:password|passwd|pass|pwd|pw)\b)[\s:=]{{0,3}})"
        rf"(?:{either})(?(q)(?P=q)|(?!\w))"
    )


def _starred(m: re.Match[str]) -> str:
    """A ``_quoted`` match with the secret shown as ``***``, its quotes kept."""
    return m.group("before") + _STARS + (m.group("q") or "")


@dataclasses.dataclass(frozen=True, slots=True)
class _Secrets:
    """What ``hide_secrets`` looks for: long secrets anywhere, short ones where quoted."""

    anywhere: Sequence[str]
    quoted: re.Pattern[str] | None

    def hide(self, text: str) -> str:
        for s in self.anywhere:
            if s in text:
                text = text.replace(s, _STARS)
        if self.quoted is not None:
            text = self.quoted.sub(_starred, text)
        return _cut_start_hidden(text, self.anywhere)


def _cut_start_hidden(text: str, secrets: Sequence[str]) -> str:
    """``text`` with the start of a secret shown as ``***`` where ``text`` ends in it: what a
    server said is cut to a length (an error's ``ERROR_CHARS``) before it is hidden, and the
    cut may fall inside a password. A start shorter than ``MIN_SECRET`` is left, as a secret
    that short is."""
    end = text[-1:]
    for s in secrets:
        # The starts of s that end in text's last character, longest first (n: its length).
        n = s.rfind(end, 0, len(s) - 1) + 1 if end else 0
        while n >= MIN_SECRET:
            if text.endswith(s[:n]):
                return text[:-n] + _STARS
            n = s.rfind(end, 0, n - 1) + 1
    return text


def _hide(value: Any, secrets: _Secrets, said: bool) -> Any:
    if type(value) is str:  # never a Verdict or an enum's member, which are str too
        return secrets.hide(value) if said else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = _hide(old, secrets, f.name in _SAID)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, tuple | list):
        items = [_hide(v, secrets, said) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return type(value)(items) if isinstance(value, list) else tuple(items)
    return value  # a mapping (details: keys and figures), a number, None
