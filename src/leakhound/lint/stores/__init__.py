"""Store configuration files, one module per store: the store's own settings that open it."""

from __future__ import annotations

from typing import Any

from ..model import STORE_CONFIG, Confidence, Finding, Severity
from ..network import ANY_ADDRESS, is_loopback, is_private
from ..sources import Located


def finding(
    severity: Severity,
    path: str,
    line: int,
    store: str,
    subject: str,
    why: str,
    fix: str,
    confidence: Confidence = Confidence.HIGH,
) -> Finding:
    """A store-configuration finding."""
    return Finding(STORE_CONFIG, severity, path, line, store, subject, why, fix, confidence)


def flatten(node: Any, prefix: str = "") -> dict[str, tuple[Any, int]]:
    """Nested and dotted YAML keys alike as dotted keys with their lines:
    ``network: {host: x}`` and ``network.host: x`` both give ``{"network.host": (x, line)}``.
    A nested mapping's own key is kept too (its value the mapping), for its line."""
    out: dict[str, tuple[Any, int]] = {}
    if not isinstance(node, Located):
        return out
    for key, value in node.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        out[name] = (value, node.line_of(key))
        if isinstance(value, Located):
            out.update(flatten(value, name))
    return out


def hosts(value: Any) -> list[str]:
    """A bind setting as addresses: a list, or a string with commas or spaces between them."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        out.extend(h for h in str(item).replace(",", " ").split() if h)
    return out


def reach(addresses: list[str]) -> tuple[Severity, str] | None:
    """How far a set of bind addresses reaches: None (loopback only), MEDIUM (private
    addresses only: the local network), HIGH (all interfaces, public addresses, names)."""
    beyond = [a for a in addresses if not is_loopback(a)]
    if not beyond:
        return None
    shown = ", ".join(beyond)
    if all(is_private(a) or a.lower() in ("_site_", "samenet") for a in beyond):
        return Severity.MEDIUM, f"the local network ({shown})"
    if any(a.strip("[]") in ANY_ADDRESS for a in beyond):
        return Severity.HIGH, f"every interface ({shown})"
    return Severity.HIGH, f"addresses beyond loopback ({shown})"


def show(value: Any) -> str:
    """A setting's value as it is written in YAML (true/false, not Python's True/False)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def truthy(value: Any) -> bool:
    """YAML/INI booleans and their spellings."""
    if isinstance(value, bool):
        return value
    return str(value).strip().strip("'\"").lower() in ("true", "yes", "on", "1", "enabled")


def falsy(value: Any) -> bool:
    """The false spellings (a missing value is not false)."""
    if isinstance(value, bool):
        return not value
    return str(value).strip().strip("'\"").lower() in ("false", "no", "off", "0", "disabled")
