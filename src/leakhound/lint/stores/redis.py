"""redis.conf (and Valkey/KeyDB's, which share its syntax).

Redis without a password answers anyone who reaches it. What decides whether that is the
network: ``bind`` (absent: every interface), ``protected-mode`` (on by default: refuses
non-loopback clients while the default user has no password; before Redis 7 only when no
``bind`` is set either), ``port 0`` (no TCP at all), and ``requirepass``/ACL ``user`` lines.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from ..model import Confidence, Finding, Severity
from ..sources import ConfigSyntaxError
from . import finding, reach

STORE = "Redis"
_FIX = (
    "Set requirepass (or ACL users with passwords, 'user default off'), keep protected-mode yes, "
    "and bind 127.0.0.1 or a private interface."
)


@dataclass(frozen=True)
class Directive:
    """One ``name args…`` line."""

    name: str
    args: list[str]
    line: int


def directives(text: str) -> list[Directive]:
    """The directives of a redis.conf, names lower-cased; quoted arguments kept whole."""
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line, comments=False, posix=True)
        except ValueError as exc:
            raise ConfigSyntaxError(f"unbalanced quotes ({exc})", n) from None
        out.append(Directive(words[0].lower(), words[1:], n))
    return out


def lint(text: str, path: str) -> list[Finding]:
    """A redis.conf."""
    last: dict[str, Directive] = {}
    users: list[Directive] = []
    for d in directives(text):
        if d.name == "user":
            users.append(d)
        else:
            last[d.name] = d  # Redis applies the last occurrence of a directive
    port = last.get("port")
    if port and port.args[:1] == ["0"]:
        return []  # no TCP listener
    if _authenticated(last, users):
        return []
    bind = last.get("bind")
    if bind is None:
        addresses, where_line, subject = ["*"], None, "no bind directive"
    else:
        addresses, where_line, subject = bind.args, bind.line, f"bind {' '.join(bind.args)}"
    where = reach([a.lstrip("-") for a in addresses])  # "-addr": bind addr if it exists
    if where is None:
        return []
    severity, reached = where
    pm = last.get("protected-mode")
    protected = not (pm and pm.args[:1] and pm.args[0].lower() == "no")
    if not protected and pm is not None:
        return [
            finding(
                severity,
                path,
                pm.line,
                STORE,
                "protected-mode no",
                f"protected mode is off, no password is set and it listens on {reached}"
                f"{'' if bind else ' (no bind directive)'}: anyone who reaches it reads every key "
                "and can run CONFIG",
                _FIX,
            )
        ]
    if bind is None:
        return []  # protected mode refuses non-loopback clients in every version
    return [
        finding(
            Severity.MEDIUM if severity is Severity.HIGH else Severity.LOW,
            path,
            where_line or 1,
            STORE,
            subject,
            f"binds {reached} with no password: Redis before 7.0 ignores protected mode once bind "
            "is set, so anyone who reaches it reads every key (7.0 and later refuse them)",
            _FIX,
            Confidence.LOW,
        )
    ]


def _authenticated(last: dict[str, Directive], users: list[Directive]) -> bool:
    """True when clients must authenticate: a requirepass, an ACL file, or a default user that
    is off or has a password (and is not 'nopass')."""
    default = [u for u in users if u.args[:1] == ["default"]]
    if default:
        rules = [r.lower() for u in default for r in u.args[1:]]
        if "nopass" in rules and rules.index("nopass") > max(
            (i for i, r in enumerate(rules) if r.startswith((">", "#")) or r == "resetpass"),
            default=-1,
        ):
            return False
        if "off" in rules or any(r.startswith((">", "#")) for r in rules):
            return True
    rp = last.get("requirepass")
    if rp and rp.args and rp.args[0]:
        return True
    return "aclfile" in last  # the users live in another file: assume it sets passwords
