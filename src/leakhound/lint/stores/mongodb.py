"""mongod.conf, in its YAML form and in the legacy ``key = value`` form (MongoDB before 2.6).

Exposed: ``net.bindIp`` beyond loopback (or ``net.bindIpAll``) without authorization
(``security.authorization: enabled``, or a ``keyFile``/x509 cluster auth, which implies it).
"""

from __future__ import annotations

from typing import Any

from ..model import Finding
from ..sources import Located, ini_entries
from . import finding, flatten, hosts, reach, truthy

STORE = "MongoDB"
_FIX = (
    "Set security.authorization: enabled with users created first, and bind net.bindIp to "
    "127.0.0.1 or a private interface."
)


def lint(docs: list[Any], text: str, path: str) -> list[Finding]:
    """A mongod.conf: YAML documents if it had any mapping, else the legacy form."""
    doc = next((d for d in docs if isinstance(d, Located)), None)
    if doc is None:
        return _legacy(text, path)
    flat = flatten(doc)
    bind: tuple[list[str], int, str] | None = None
    if "net.bindIpAll" in flat and truthy(flat["net.bindIpAll"][0]):
        bind = ["*"], flat["net.bindIpAll"][1], "net.bindIpAll: true"
    elif "net.bindIp" in flat:
        value, line = flat["net.bindIp"]
        bind = hosts(value), line, f"net.bindIp: {value}"
    if bind is None:
        return []  # the default since 3.6 is localhost only
    addresses, line, subject = bind
    where = reach(addresses)
    if where is None:
        return []
    authz = flat.get("security.authorization", (None, 0))[0]
    if str(authz).lower() == "enabled" or "security.keyFile" in flat:
        return []
    if str(flat.get("security.clusterAuthMode", ("", 0))[0]).lower() in ("x509", "sendx509"):
        return []
    severity, reached = where
    state = "security.authorization: disabled" if authz is not None else "no authorization"
    return [
        finding(
            severity,
            path,
            line,
            STORE,
            subject,
            f"listens on {reached} with {state}: anyone who reaches it reads and "
            "writes every database",
            _FIX,
        )
    ]


def _legacy(text: str, path: str) -> list[Finding]:
    entries = {e.key: e for e in ini_entries(text, bare_keys=True)}
    bind = None
    if "bind_ip_all" in entries and truthy(entries["bind_ip_all"].value or "true"):
        bind = ["*"], entries["bind_ip_all"]
    elif "bind_ip" in entries:
        bind = hosts(entries["bind_ip"].value), entries["bind_ip"]
    if bind is None:
        return []
    where = reach(bind[0])
    if where is None:
        return []
    if ("auth" in entries and truthy(entries["auth"].value or "true")) or "keyfile" in entries:
        return []
    severity, reached = where
    entry = bind[1]
    return [
        finding(
            severity,
            path,
            entry.line,
            STORE,
            f"{entry.key} = {entry.value or 'true'}",
            f"listens on {reached} without auth = true: anyone who reaches it reads and "
            "writes every database",
            _FIX,
        )
    ]
