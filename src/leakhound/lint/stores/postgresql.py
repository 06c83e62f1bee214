"""pg_hba.conf: ``trust`` (no password at all) or ``ident`` (the client's word) for TCP clients
from beyond the server itself.

``local`` lines are Unix sockets and ``samehost`` is the server's own addresses: both stay on the
machine. Whether ``listen_addresses`` lets remote clients in lives in postgresql.conf, so a
finding here says what happens once they can connect.
"""

from __future__ import annotations

import ipaddress
import re

from ..model import Finding, Severity
from ..network import is_loopback, is_private, is_world
from ..sources import ConfigSyntaxError
from . import finding

STORE = "PostgreSQL"
_HOST_TYPES = {"host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc"}
_LOCAL_TYPES = {"local"}
_METHODS = {
    "trust",
    "reject",
    "scram-sha-256",
    "md5",
    "password",
    "gss",
    "sspi",
    "ident",
    "peer",
    "pam",
    "ldap",
    "radius",
    "cert",
    "bsd",
}
_FIELD = re.compile(r'"(?:[^"]|"")*"|[^\s"]+')
_FIX = (
    "Use scram-sha-256 (or cert) for every host line; keep trust for 'local' and loopback lines "
    "at most."
)


def _fields(line: str) -> list[str]:
    text = line.split("#", 1)[0] if '"' not in line else _strip_comment(line)
    return _FIELD.findall(text)


def _strip_comment(line: str) -> str:
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            return line[:i]
    return line


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def lint(text: str, path: str) -> list[Finding]:
    """A pg_hba.conf."""
    out: list[Finding] = []
    logical = ""
    start = 0
    for n, raw in enumerate(text.splitlines(), 1):
        if not logical:
            start = n
        if raw.rstrip().endswith("\\"):  # PostgreSQL 16 continues a record on the next line
            logical += raw.rstrip()[:-1] + " "
            continue
        record, logical = logical + raw, ""
        fields = _fields(record)
        if not fields or fields[0].startswith("include"):
            continue
        kind = fields[0].lower()
        if kind in _LOCAL_TYPES:
            continue
        if kind not in _HOST_TYPES:
            raise ConfigSyntaxError(f"unknown connection type {fields[0][:30]!r}", start)
        if len(fields) < 5:
            raise ConfigSyntaxError(
                "a host record needs type, database, user, address, method", start
            )
        address, rest = fields[3], fields[4:]
        if "/" not in address and _is_ip(address) and rest and _is_ip(rest[0]):
            address = f"{address}/{rest[0]}"  # address and netmask in two fields
            rest = rest[1:]
        if not rest:
            raise ConfigSyntaxError("a host record needs an authentication method", start)
        method = rest[0].lower()
        if method not in _METHODS:
            raise ConfigSyntaxError(f"unknown authentication method {rest[0][:30]!r}", start)
        if method not in ("trust", "ident"):
            continue
        severity = _reach(address)
        if severity is None:
            continue
        db = "every database" if fields[1] == "all" else f"database {fields[1]}"
        user = "any user" if fields[2] == "all" else f"user {fields[2]}"
        subject = f"{fields[0]} {fields[1]} {fields[2]} {address} {method}"
        if method == "trust":
            why = f"lets anyone connecting from {address} in as {user} to {db} without a password"
        else:
            why = (
                f"ident over TCP believes what the client's own ident server says: anyone "
                f"from {address} can claim to be {user}"
            )
            severity = min(severity, Severity.MEDIUM)
        out.append(finding(severity, path, start, STORE, subject, why, _FIX))
    if logical:
        raise ConfigSyntaxError("the last record ends in a line continuation", start)
    return out


def _reach(address: str) -> Severity | None:
    a = address.strip('"').lower()
    if a == "samehost":
        return None
    try:
        if ipaddress.ip_network(a, strict=False).is_loopback:
            return None
    except ValueError:
        if is_loopback(a):  # "localhost" as a host name
            return None
    if a in ("all", "0.0.0.0/0", "::/0", "::0/0") or is_world(a):
        return Severity.HIGH
    if a == "samenet" or is_private(a):
        return Severity.MEDIUM
    # A public range narrower than /8, or a host name: fewer clients, still no password.
    return Severity.MEDIUM
