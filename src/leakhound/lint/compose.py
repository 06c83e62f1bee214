"""docker-compose files: ``ports:`` that publish a data store on every interface of the host.

Short syntax (``"9200:9200"``, ``"127.0.0.1:9200:9200"``, ``"[::1]:9200:9200"``, ``9200``,
ranges, ``/udp``) and long syntax (``target``/``published``/``host_ip``) are both read;
``${VAR:-default}`` is resolved from the ``.env`` beside the file, as Compose does. Severity
follows what the service's image, environment and command say about its authentication.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from . import catalog
from .catalog import Auth
from .inputs import InputSkipped, read_config
from .model import COMPOSE_PORT, Confidence, Finding, Severity
from .network import ANY_ADDRESS, is_loopback, is_private
from .sources import ConfigSyntaxError, Located, LocatedList

_VAR = re.compile(r"\$(?:\{([A-Za-z_]\w*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_]\w*))")


def is_compose(doc: Any) -> bool:
    """True when a YAML document looks like a Compose file (services with image/build/ports)."""
    services = doc.get("services") if isinstance(doc, Located) else None
    return isinstance(services, Located) and any(
        isinstance(s, Located) and ({"image", "build", "ports"} & set(s)) for s in services.values()
    )


def interpolate(text: str, env: dict[str, str]) -> tuple[str, list[str]]:
    """Compose's ``$VAR``/``${VAR:-default}`` substitution; returns the text and the variables
    that were not set (Compose substitutes an empty string for them)."""
    missing: list[str] = []

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(4)
        op, arg = m.group(2), m.group(3) or ""
        value = env.get(name)
        if op in (":-", "-"):
            if value is None or (op == ":-" and value == ""):
                return arg
            return value
        if op in (":+", "+"):
            return arg if value else ""
        if value is None:
            missing.append(name)
            return ""
        return value

    return _VAR.sub(sub, text.replace("$$", "\x00")).replace("\x00", "$"), missing


def read_env_file(text: str) -> dict[str, str]:
    """A Compose ``.env`` file: KEY=VALUE lines, quotes removed, comments skipped."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def read_env_beside(base: Path, name: str) -> dict[str, str]:
    """The variables of the env file ``name`` in ``base``; {} when it cannot be read (missing,
    too large, not a regular file, not UTF-8): Compose fails on it, the linter says what it
    can."""
    try:
        return read_env_file(read_config(base / name))
    except (InputSkipped, ConfigSyntaxError):
        return {}


def _ports(spec: str) -> list[int] | None:
    lo, sep, hi = spec.partition("-")
    try:
        a, b = int(lo), int(hi) if sep else int(lo)
    except ValueError:
        return None
    return list(range(a, b + 1)) if 0 < a <= b <= 65535 and b - a < 65536 else None


def parse_short(item: str) -> tuple[str, list[int], str] | None:
    """A short-syntax port: (host_ip, container ports, protocol); host_ip '' is all interfaces."""
    parsed = _short(item)
    return parsed[:3] if parsed else None


def _short(item: str) -> tuple[str, list[int], str, int | None] | None:
    """``parse_short`` and the one host port it publishes on (None: none, or a range)."""
    text, _, proto = item.strip().partition("/")
    proto = proto.lower() or "tcp"
    host_ip = ""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        host_ip, text = text[1:end], text[end + 1 :].lstrip(":")
        parts = text.split(":")
    else:
        parts = text.rsplit(":", 2)
        if len(parts) == 3:
            host_ip = parts[0]
    container = _ports(parts[-1])
    host = _ports(parts[-2]) if len(parts) > 1 else None
    return (host_ip, container, proto, _one(host)) if container else None


def _one(ports: list[int] | None) -> int | None:
    return ports[0] if ports and len(ports) == 1 else None


def _env_files(svc: Located, base: Path | None) -> dict[str, str]:
    """The variables of a service's ``env_file:`` entries that exist beside the compose file."""
    raw = svc.get("env_file")
    out: dict[str, str] = {}
    for item in raw if isinstance(raw, list) else [raw]:
        name = item.get("path") if isinstance(item, dict) else item
        if base is None or not isinstance(name, str):
            continue
        out.update(read_env_beside(base, name))
    return out


def _environment(svc: Located, env: dict[str, str], base: Path | None = None) -> dict[str, str]:
    raw = svc.get("environment")
    out: dict[str, str] = _env_files(svc, base)
    if isinstance(raw, dict):
        for k, v in raw.items():
            out[str(k)] = interpolate(str(v), env)[0] if v is not None else env.get(str(k), "")
    elif isinstance(raw, list):
        for item in raw:
            key, sep, value = str(item).partition("=")
            out[key] = interpolate(value, env)[0] if sep else env.get(key, "")
    return out


def _command(svc: Located) -> str:
    parts: list[str] = []
    for key in ("entrypoint", "command"):
        value = svc.get(key)
        if isinstance(value, list):
            parts.extend(str(v) for v in value)
        elif value is not None:
            parts.append(str(value))
    return " ".join(parts)


_SEVERITY = {Auth.OFF: Severity.HIGH, Auth.UNKNOWN: Severity.MEDIUM, Auth.ON: Severity.LOW}


def lint(doc: Located, path: str, env: dict[str, str], base: Path | None = None) -> list[Finding]:
    """Findings for one Compose document (``env``: the .env file's variables; ``base``: the
    compose file's folder, where ``env_file:`` entries are read)."""
    out: list[Finding] = []
    services = doc.get("services")
    if not isinstance(services, Located):
        return out
    for name, svc in services.items():
        if not isinstance(svc, Located):
            continue
        image = interpolate(str(svc.get("image") or ""), env)[0]
        store = catalog.image_store(image) if image else None
        auth = (
            catalog.container_auth(
                store, _environment(svc, env, base), _command(svc), catalog.image_tag(image)
            )
            if store
            else None
        )
        if store and str(svc.get("network_mode", "")).lower() == "host":
            out.append(
                _finding(
                    path,
                    svc.line_of("network_mode"),
                    store.name,
                    name,
                    "network_mode: host",
                    "shares the host's network: the store listens on every interface of the host",
                    auth,
                    "",
                    fix=_fix(store, store.ports[0], auth, "Drop network_mode: host; publish"),
                )
            )
        ports = svc.get("ports")
        if not isinstance(ports, LocatedList):
            continue
        for i, item in enumerate(ports):
            published = _published(item, env)
            if published is None:
                continue
            host_ip, container, proto, missing, host_port = published
            if proto != "tcp" or (host_ip and is_loopback(host_ip)):
                continue
            kind: catalog.Store | None = store
            if store and any(p in store.ports or catalog.port_store(p) is None for p in container):
                store_name = store.name
                hit = [p for p in container if p in store.ports] or container[:1]
            else:
                hit = [p for p in container if catalog.port_store(p)]
                store_name = (catalog.port_store(hit[0]) or "") if hit else ""
                kind = catalog.port_kind(hit[0]) if hit else None
            if not hit or not store_name:
                continue
            if host_ip.strip("[]") in ANY_ADDRESS or not host_ip:
                where = "every interface"
            else:
                where = f"{host_ip}{' (a private address)' if is_private(host_ip) else ''}"
            spec = item if not isinstance(item, Located) else "long syntax"
            note = f"; {', '.join(missing)} not set in .env" if missing else ""
            out.append(
                _finding(
                    path,
                    ports.line_of(i),
                    store_name,
                    name,
                    f"ports: {spec}",
                    f"publishes container port {', '.join(map(str, hit[:3]))} on {where} of the "
                    f"host{note}",
                    auth if store else None,
                    host_ip,
                    low=bool(missing),
                    fix=_fix(kind, hit[0], auth if store else None, host=host_port),
                )
            )
    return out


def _published(
    item: Any, env: dict[str, str]
) -> tuple[str, list[int], str, list[str], int | None] | None:
    """(host_ip, container ports, protocol, variables not set, the one host port or None)."""
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        return ("", [item], "tcp", [], None) if 0 < item <= 65535 else None
    if isinstance(item, Located):
        target = _ports(str(item.get("target", "")))
        if not target:
            return None
        host_ip, missing = interpolate(str(item.get("host_ip") or ""), env)
        host = _one(_ports(interpolate(str(item.get("published") or ""), env)[0]))
        return host_ip, target, str(item.get("protocol") or "tcp").lower(), missing, host
    text, missing = interpolate(str(item), env)
    parsed = _short(text)
    return (*parsed[:3], missing, parsed[3]) if parsed else None


def _finding(
    path: str,
    line: int,
    store: str,
    service: str,
    subject: str,
    why: str,
    auth: catalog.AuthEvidence | None,
    host_ip: str,
    *,
    fix: str,
    low: bool = False,
) -> Finding:
    if auth is None:
        severity, evidence = Severity.MEDIUM, "the image is not a known store image"
        confidence = Confidence.LOW
    else:
        severity, evidence = (
            _SEVERITY[auth.state],
            f"authentication {auth.state.value}: {auth.evidence}",
        )
        confidence = Confidence.HIGH
    if host_ip and is_private(host_ip):
        severity = min(severity, Severity.MEDIUM)
    if low:
        confidence = Confidence.LOW
    return Finding(
        COMPOSE_PORT,
        severity,
        path,
        line,
        store,
        f"service {service}, {subject}",
        f"{why} ({evidence})",
        fix,
        confidence,
    )


def _fix(
    store: catalog.Store | None,
    port: int,
    auth: catalog.AuthEvidence | None,
    publish: str = "Publish",
    *,
    host: int | None = None,
) -> str:
    """What to change: the store's port on loopback (on the host port it was published on,
    so its clients keep their address), its own authentication switch (the generic one
    where the port alone names the store, or names several), and the setting that turned
    it off where that is Bitnami's ALLOW_EMPTY_PASSWORD, read first."""
    how = store.secure if store else "turn the store's authentication on"
    if auth is not None and auth.evidence.startswith("ALLOW_EMPTY_PASSWORD"):
        how += " (and drop ALLOW_EMPTY_PASSWORD=yes: with it the image runs without a password)"
    return (
        f"{publish} on loopback ('127.0.0.1:{host or port}:{port}') or not at all (containers "
        "reach "
        f"each other by service name), and {how}."
    )
