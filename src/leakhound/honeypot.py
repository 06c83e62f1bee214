"""Signs that an open store is a honeypot: they lower a finding's confidence and say why; they
never change or hide a verdict (a honeypot left open is still a store answering anyone).

The tells are what public honeypot projects answer by default, as honeypot-detection tools
list them (potsnitch's signatures, f0rw4rd/potsnitch, read 2026-12; the project documentation
of Elasticpot, HoneyMongo and sticky_elephant), and what no real server of the kind does (a
Redis whose INFO lacks what every redis-server reports). Each is checked against what a probe
reads anyway: no request is sent to look for a honeypot.
"""

from __future__ import annotations

from collections.abc import Sequence

from .models import Container, Service

# (store kind, field of the fingerprint, value) -> the honeypot that answers so by default.
_DEFAULTS: dict[tuple[str, str, str], str] = {
    ("elasticsearch", "node_name", "Green Goblin"): "Elasticpot's default node name",
    ("elasticsearch", "node_name", "USNYES01"): "T-Pot's Elasticpot node name",
    ("mongodb", "version", "3.4.4"): "HoneyMongo's default version (with its git hash)",
    ("postgresql", "version", "9.6.1"): "sticky_elephant's default version",
    ("mysql", "version", "5.7.16-MySQL-Community-Server"): "mysql-honeypotd's default version",
    ("mysql", "version", "5.7.30-MySQL-Community-Server"): "qeeqbox's MySQL honeypot version",
    ("mysql", "version", "5.5.30-MySQL-Community-Server"): "OpenCanary's MySQL version",
}
# A real redis-server's INFO server section reports some twenty fields (process_id, run_id,
# tcp_port, uptime…); an emulation answers a few.
REDIS_INFO_FIELDS = 8


def tells(service: Service, containers: Sequence[Container] = ()) -> tuple[str, ...]:
    """Why this store may be a honeypot (nothing: no sign)."""
    fp, kind = service.fingerprint, service.kind
    out = []
    for field in ("node_name", "version"):
        value = getattr(fp, field)
        why = _DEFAULTS.get((kind, field, value)) if isinstance(value, str) else None
        if why is not None and (
            kind != "mongodb" or fp.details.get("git_version", "").startswith("e68e9a0")
        ):
            out.append(f"{field.replace('_', ' ')} {value!r} is {why}")
    if kind == "elasticsearch" and [c.name for c in containers] == ["test"]:
        out.append("a single index named 'test': what ElasticpotPY always lists")
    fields = fp.details.get("info_fields")
    if kind == "redis" and isinstance(fields, int) and fields < REDIS_INFO_FIELDS:
        out.append(
            f"INFO reports {fields} field(s) where redis-server reports some twenty: an emulation"
        )
    return tuple(out)
