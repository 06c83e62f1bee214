"""Helm values for the common data store charts (Bitnami, Elastic, OpenSearch, CouchDB…):
a ``service.type`` of LoadBalancer or NodePort, or ``externalAccess.enabled``, anywhere in the
store's values.

Which chart a values file configures comes from the Chart.yaml beside it (its name, or a
dependency's name or alias for an umbrella chart's sub-tree), else from the file's name
(``redis-values.yaml``) or from top-level keys that name a store chart.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from . import catalog
from .catalog import Auth, AuthEvidence, Store
from .inputs import InputSkipped, read_bytes
from .model import HELM_VALUES, Finding, Severity
from .network import is_world
from .sources import Located, child, load_yaml_all

_SEVERITY = {Auth.OFF: Severity.HIGH, Auth.UNKNOWN: Severity.MEDIUM, Auth.ON: Severity.LOW}
# The Bitnami/CouchDB charts create a password unless told not to.
_AUTH_BY_DEFAULT = {"redis", "postgresql", "mysql", "mongodb", "couchdb", "opensearch"}
_OFF_TEXT = re.compile(
    r"xpack\.security\.enabled\s*[:=]\s*[\"']?false|plugins\.security\.disabled\s*[:=]\s*"
    r"[\"']?true|DISABLE_SECURITY_PLUGIN|protected-mode\s+no",
    re.I,
)
_INTERNAL_LB = re.compile(r"internal|private", re.I)


def is_values_file(path: Path) -> bool:
    """values.yaml, values-prod.yaml, redis-values.yml…"""
    return bool(re.fullmatch(r"(.*[-_.])?values([-_.].*)?\.ya?ml", path.name.lower()))


def chart_of(values: Path) -> tuple[str, dict[str, str]]:
    """The chart beside a values file: its name and {values key: chart name} of dependencies."""
    for name in ("Chart.yaml", "Chart.yml"):
        chart = values.parent / name
        if chart.is_file():
            try:
                text = read_bytes(chart).decode("utf-8", errors="replace")
                docs = load_yaml_all(text)
            except (InputSkipped, ValueError):
                return "", {}
            doc = docs[0] if docs and isinstance(docs[0], dict) else {}
            deps = {}
            deps_list = doc.get("dependencies")
            for d in deps_list if isinstance(deps_list, list) else []:
                if isinstance(d, dict) and d.get("name"):
                    deps[str(d.get("alias") or d["name"])] = str(d["name"])
            return str(doc.get("name") or ""), deps
    return "", {}


def targets(doc: Located, path: Path) -> list[tuple[Store, Located, str]]:
    """The (store, values sub-tree, key prefix) pairs of a values document."""
    chart, deps = chart_of(path)
    out: list[tuple[Store, Located, str]] = []
    store = catalog.chart_store(chart) if chart else None
    if store is None:
        stem = re.sub(r"[-_.]?values[-_.]?", " ", path.stem.lower()).split()
        store = next((s for s in map(catalog.chart_store, stem) if s), None)
    if store:
        out.append((store, doc, ""))
    for key, sub in doc.items():
        if not isinstance(sub, Located):
            continue
        dep = catalog.chart_store(deps.get(str(key), str(key)))
        if dep and not (store and dep is store):
            out.append((dep, sub, f"{key}."))
    return out


def _walk(node: Any, prefix: str, depth: int = 0) -> list[tuple[str, Located]]:
    """Every mapping under a node with its dotted path (depth-capped: YAML aliases can make a
    tree exponentially wide)."""
    out: list[tuple[str, Located]] = []
    if depth > 10:
        return out
    if isinstance(node, list):  # extraEnvs, env: lists of mappings
        for i, item in enumerate(node):
            out.extend(_walk(item, f"{prefix}{i}.", depth + 1))
    elif isinstance(node, Located):
        out.append((prefix, node))
        for key, value in node.items():
            out.extend(_walk(value, f"{prefix}{key}.", depth + 1))
    return out


def auth(store: Store, values: Located) -> AuthEvidence:
    """What the chart values say about the store's authentication."""
    for path, node in _walk(values, ""):
        for key, value in node.items():
            k = f"{path}{key}"
            if (
                key in ("enabled", "usePassword")
                and value is False
                and (k.endswith(("auth.enabled", "security.enabled", "usePassword")))
            ):
                return AuthEvidence(Auth.OFF, f"{k}: false")
            if isinstance(value, str) and _OFF_TEXT.search(value):
                return AuthEvidence(Auth.OFF, f"{k} turns security off")
            if (
                key == "name"
                and str(value) in ("DISABLE_SECURITY_PLUGIN", "ALLOW_EMPTY_PASSWORD")
                and str(node.get("value", "")).lower() in ("true", "yes", "1")
            ):
                return AuthEvidence(Auth.OFF, f"{value}={node.get('value')}")
    if store.key in _AUTH_BY_DEFAULT:
        return AuthEvidence(Auth.ON, "the chart creates a password by default")
    return AuthEvidence(Auth.UNKNOWN, "authentication not set in these values")


def lint(doc: Located, path: Path, display: str) -> list[Finding]:
    """Findings for one values document."""
    out: list[Finding] = []
    for store, values, prefix in targets(doc, path):
        evidence = auth(store, values)
        for where, node in _walk(values, prefix):
            exposed = _exposure(where, node)
            if exposed is None:
                continue
            line, subject, how = exposed
            out.append(
                Finding(
                    HELM_VALUES,
                    _SEVERITY[evidence.state],
                    display,
                    line,
                    store.name,
                    subject,
                    f"{how} (authentication {evidence.state.value}: {evidence.evidence})",
                    HELM_VALUES.help,
                )
            )
    return out


def _exposure(where: str, node: Located) -> tuple[int, str, str] | None:
    """(line, subject, how) when this mapping is a public Service or enabled external access."""
    if where.endswith("externalAccess.") and node.get("enabled") is True:
        svc = child(node, "service")
        if str(svc.get("type") or "LoadBalancer") not in ("LoadBalancer", "NodePort"):
            return None
        return (
            node.line_of("enabled"),
            f"{where}enabled: true",
            "gives every member its own external Service",
        )
    if not where.endswith("service.") or where.endswith("externalAccess.service."):
        return None
    kind = node.get("type")
    if kind not in ("LoadBalancer", "NodePort"):
        return None
    ranges = node.get("loadBalancerSourceRanges") or []
    ranges = ranges if isinstance(ranges, list) else [ranges]
    if kind == "LoadBalancer" and ranges and not any(is_world(str(r)) for r in ranges):
        return None
    annotations = child(node, "annotations")
    if kind == "LoadBalancer" and any(
        _INTERNAL_LB.search(f"{k}={v}") and str(v).lower() not in ("false", "0", "no")
        for k, v in annotations.items()
    ):
        return None
    how = (
        "publishes the store through a cloud load balancer"
        if kind == "LoadBalancer"
        else "publishes the store on every node's address"
    )
    return node.line_of("type"), f"{where}type: {kind}", how
