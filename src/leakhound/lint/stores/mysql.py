"""MySQL/MariaDB option files (my.cnf, mysqld.cnf, 50-server.cnf…).

A server listening beyond loopback (``bind-address``; the compiled-in default is every
interface) is exposed when no password is checked: ``skip-grant-tables``, or password-less
accounts for remote hosts where they are visible, in the SQL of ``init-file``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..inputs import InputSkipped, read_config
from ..model import Finding, Severity
from ..network import is_loopback
from ..sources import IniEntry, ini_entries
from . import finding, hosts, reach, truthy

STORE = "MySQL/MariaDB"
_SERVER = re.compile(r"^(mysqld|mariadb|mariadbd|server|galera)(-[\d.]+)?$")
_FIX = (
    "Remove skip-grant-tables, give every account a password (no '' users for '%'), and bind "
    "bind-address to 127.0.0.1 or a private interface."
)
# CREATE USER 'app'@'%' [IDENTIFIED BY ''] / GRANT … TO 'app'@'%' IDENTIFIED BY ''
_ACCOUNT = re.compile(
    r"\b(CREATE\s+USER(?:\s+IF\s+NOT\s+EXISTS)?|GRANT\b[^;]*?\bTO|ALTER\s+USER)\s+"
    r"['`\"]?([^'`\"@\s]*)['`\"]?@['`\"]?([^'`\"\s;]+)['`\"]?([^;]*)",
    re.I | re.S,
)


def lint(text: str, path: str, file: Path | None = None) -> list[Finding]:
    """A MySQL/MariaDB option file (``file``: where it is, to read its init-file)."""
    server: dict[str, IniEntry] = {}
    for e in ini_entries(text, bare_keys=True):
        if _SERVER.match(e.section):
            server[e.key.replace("-", "_")] = e  # bind-address == bind_address
    skip_net = server.get("skip_networking")
    if skip_net and (skip_net.value is None or truthy(skip_net.value)):
        return []
    bind = server.get("bind_address")
    addresses = hosts(bind.value) if bind and bind.value else ["*"]
    where = reach(addresses)
    if where is None:
        return []
    severity, reached = where
    default = "" if bind else " (no bind-address: every interface by default)"
    out: list[Finding] = []
    skip = server.get("skip_grant_tables")
    if skip and (skip.value is None or truthy(skip.value)):
        out.append(
            finding(
                severity,
                path,
                skip.line,
                STORE,
                "skip-grant-tables",
                f"checks no password at all and listens on {reached}{default}: anyone connects "
                "as root (MySQL 8.0 then turns networking off by itself; MariaDB and MySQL 5.7 "
                "do not)",
                _FIX,
            )
        )
    init = server.get("init_file")
    if init and init.value and file is not None:
        out.extend(_init_file(init, file, path, severity, reached))
    return out


def _init_file(
    init: IniEntry, cnf: Path, path: str, severity: Severity, reached: str
) -> list[Finding]:
    """Password-less remote accounts created by the init-file, when that file is at hand."""
    target = Path(init.value or "")
    candidates = [target] if target.is_absolute() else []
    candidates += [cnf.parent / target, cnf.parent / target.name]
    sql_path = next((c for c in candidates if c.is_file()), None)
    if sql_path is None:
        return []
    try:
        sql = read_config(sql_path)
    except (InputSkipped, ValueError):
        return []
    try:
        shown = (Path(path).parent / sql_path.relative_to(cnf.parent)).as_posix()
    except ValueError:
        shown = str(sql_path)
    out: list[Finding] = []
    for m in _ACCOUNT.finditer(sql):
        user, host, tail = m.group(2), m.group(3), m.group(4)
        if is_loopback(host):
            continue
        no_password = not re.search(r"IDENTIFIED", tail, re.I) and m.group(1).upper().startswith(
            "CREATE"
        )
        empty = re.search(r"IDENTIFIED\s+(?:WITH\s+\S+\s+)?BY\s+(''|\"\")", tail, re.I)
        if no_password or empty:
            line = sql.count("\n", 0, m.start(2)) + 1
            out.append(
                finding(
                    severity,
                    shown,
                    line,
                    STORE,
                    f"account '{user}'@'{host}'",
                    f"has no password and the server ({path}, init-file line {init.line}) listens "
                    f"on {reached}: anyone connects as {user or 'an anonymous user'}",
                    _FIX,
                )
            )
    return out
