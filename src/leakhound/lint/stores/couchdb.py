"""CouchDB's local.ini (and local.d/*.ini): the "admin party".

With no ``[admins]`` entry, CouchDB before 3.0 makes every client an administrator; bound
beyond loopback (``[chttpd] bind_address``, ``[httpd]`` for 1.x), that is anyone on the network.
With admins set, ``[couchdb] default_security = everyone`` still leaves new databases readable
by anyone until their ``_security`` is set.
"""

from __future__ import annotations

from ..model import Finding, Severity
from ..sources import IniEntry, ini_entries
from . import finding, reach, truthy

STORE = "CouchDB"
SECTIONS = {
    "couchdb",
    "chttpd",
    "httpd",
    "admins",
    "chttpd_auth",
    "couch_httpd_auth",
    "cluster",
    "couch_peruser",
    "cors",
    "ssl",
    "log",
    "query_server_config",
}
_FIX = (
    "Create an admin in [admins] (CouchDB 3 refuses to start without one), set "
    "[chttpd_auth] require_valid_user = true, and bind to 127.0.0.1 or a private interface."
)


def is_couchdb(text: str) -> bool:
    """True when an .ini file has CouchDB's sections (local.ini is a common name);
    ConfigSyntaxError when it is not INI at all."""
    return any(e.section in SECTIONS for e in ini_entries(text, bare_keys=True))


def lint(text: str, path: str) -> list[Finding]:
    """A CouchDB ini file."""
    entries = list(ini_entries(text, bare_keys=False))
    admins = [e for e in entries if e.section == "admins" and e.value]
    binds: list[IniEntry] = [
        e for e in entries if e.section in ("chttpd", "httpd") and e.key == "bind_address"
    ]
    if not binds:
        return []  # 127.0.0.1 unless another ini file (docker.ini in the image) says otherwise
    bind = next((b for b in binds if b.section == "chttpd"), binds[0])
    where = reach([bind.value or ""])
    if where is None:
        return []
    severity, reached = where
    subject = f"[{bind.section}] bind_address = {bind.value}"
    if any(
        e.key == "require_valid_user" and truthy(e.value)
        for e in entries
        if e.section in ("chttpd", "chttpd_auth", "couch_httpd_auth")
    ):
        return []
    if not admins:
        return [
            finding(
                severity,
                path,
                bind.line,
                STORE,
                subject,
                f"no [admins] entry (the admin party) and it listens on {reached}: on "
                "CouchDB before 3.0 every client is an administrator",
                _FIX,
            )
        ]
    default = next(
        (e for e in entries if e.section == "couchdb" and e.key == "default_security"), None
    )
    if default and (default.value or "").lower() == "everyone":
        return [
            finding(
                min(severity, Severity.MEDIUM),
                path,
                default.line,
                STORE,
                "[couchdb] default_security = everyone",
                f"new databases are readable by anyone until their _security is set, "
                f"and it listens on {reached}",
                _FIX,
            )
        ]
    return []
