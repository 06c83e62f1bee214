"""Kubernetes manifests: Services of type LoadBalancer or NodePort (or with externalIPs) that
select data store pods, and store containers on ``hostNetwork``/``hostPort``.

A Service's selector is matched against the pod labels of the Deployments, StatefulSets,
DaemonSets, ReplicaSets, Jobs, CronJobs and Pods of the same namespace in every file linted
together; the store is recognised by the selected container's image (and its environment says
whether authentication is on), or, without a matching workload, by the target port alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import catalog
from .catalog import Auth
from .model import KUBERNETES_SERVICE, Confidence, Finding, Severity
from .network import is_world
from .sources import Located, LocatedList, child

_WORKLOADS = {
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
}
# Annotations that make a cloud load balancer internal (AWS, GCP, Azure, OCI, IBM).
_INTERNAL = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "networking.gke.io/load-balancer-type": "internal",
    "cloud.google.com/load-balancer-type": "internal",
    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
    "service.beta.kubernetes.io/oci-load-balancer-internal": "true",
    "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": "private",
}
_SEVERITY = {Auth.OFF: Severity.HIGH, Auth.UNKNOWN: Severity.MEDIUM, Auth.ON: Severity.LOW}


def is_manifest(doc: Any) -> bool:
    """True for a Kubernetes object (apiVersion and kind)."""
    return isinstance(doc, Located) and "apiVersion" in doc and "kind" in doc


@dataclass
class Container:
    """A container of a workload: its image, store, auth and ports by number and name."""

    image: str
    store: catalog.Store | None
    auth: catalog.AuthEvidence | None
    ports: dict[int, Located] = field(default_factory=dict)
    names: dict[str, int] = field(default_factory=dict)


@dataclass
class Workload:
    """A workload's pod template: where it is declared, its labels and containers."""

    kind: str
    name: str
    namespace: str
    labels: dict[str, str]
    containers: list[Container]
    path: str
    spec: Located


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _objects(doc: Any) -> list[Located]:
    if is_manifest(doc) and doc.get("kind") == "List":
        return [i for i in _list(doc.get("items")) if is_manifest(i)]
    return [doc] if is_manifest(doc) else []


def _pod(obj: Located) -> tuple[dict[str, Any], Located | None]:
    kind = obj.get("kind")
    if kind == "Pod":
        return _mapping(_get(obj, "metadata", "labels")), obj.get("spec")
    if kind == "CronJob":
        tmpl = _get(obj, "spec", "jobTemplate", "spec", "template")
    else:
        tmpl = _get(obj, "spec", "template")
    return _mapping(_get(tmpl, "metadata", "labels")), _get(tmpl, "spec")


def _container(c: Located) -> Container:
    image = str(c.get("image") or "")
    store = catalog.image_store(image)
    env = {
        str(e.get("name")): e.get("value")
        for e in _list(c.get("env"))
        if isinstance(e, dict) and "value" in e
    }
    command = " ".join(str(x) for x in _list(c.get("command")) + _list(c.get("args")))
    auth = catalog.container_auth(store, env, command, catalog.image_tag(image)) if store else None
    out = Container(image, store, auth)
    for p in _list(c.get("ports")):
        if isinstance(p, Located) and isinstance(p.get("containerPort"), int):
            out.ports[p["containerPort"]] = p
            if p.get("name"):
                out.names[str(p["name"])] = p["containerPort"]
    return out


def lint(docs: list[tuple[str, Any]]) -> list[Finding]:
    """Findings for the manifests of every file linted together (``(path, document)`` pairs)."""
    workloads: list[Workload] = []
    services: list[tuple[str, Located]] = []
    for path, doc in docs:
        for obj in _objects(doc):
            kind = obj.get("kind")
            if not isinstance(kind, str):
                continue
            meta = child(obj, "metadata")
            ns = str(meta.get("namespace") or "default")
            if kind in _WORKLOADS:
                labels, spec = _pod(obj)
                if not isinstance(spec, Located):
                    continue
                containers = [
                    _container(c) for c in _list(spec.get("containers")) if isinstance(c, Located)
                ]
                workloads.append(
                    Workload(
                        str(kind),
                        str(meta.get("name")),
                        ns,
                        {str(k): str(v) for k, v in labels.items()},
                        containers,
                        path,
                        spec,
                    )
                )
            elif kind == "Service":
                services.append((path, obj))
    out: list[Finding] = []
    for w in workloads:
        out.extend(_host_network(w))
    for path, svc in services:
        out.extend(_service(path, svc, workloads))
    return out


def _host_network(w: Workload) -> list[Finding]:
    out = []
    for c in w.containers:
        if c.store is None:
            continue
        severity = _SEVERITY[c.auth.state] if c.auth else Severity.MEDIUM
        evidence = f"authentication {c.auth.state.value}: {c.auth.evidence}" if c.auth else ""
        if w.spec.get("hostNetwork") is True:
            out.append(
                Finding(
                    KUBERNETES_SERVICE,
                    severity,
                    w.path,
                    w.spec.line_of("hostNetwork"),
                    c.store.name,
                    f"{w.kind} {w.name}, hostNetwork: true",
                    f"runs {c.image} in the node's network: it listens on every node address "
                    f"({evidence})",
                    KUBERNETES_SERVICE.help,
                )
            )
            continue
        for port, p in c.ports.items():
            if p.get("hostPort"):
                out.append(
                    Finding(
                        KUBERNETES_SERVICE,
                        severity,
                        w.path,
                        p.line_of("hostPort"),
                        c.store.name,
                        f"{w.kind} {w.name}, hostPort: {p.get('hostPort')}",
                        f"maps {c.image}'s port {port} onto the node's addresses ({evidence})",
                        KUBERNETES_SERVICE.help,
                    )
                )
    return out


def _service(path: str, svc: Located, workloads: list[Workload]) -> list[Finding]:
    spec = svc.get("spec")
    meta = child(svc, "metadata")
    if not isinstance(spec, Located):
        return []
    kind = str(spec.get("type") or "ClusterIP")
    external_ips = _list(spec.get("externalIPs"))
    if kind not in ("LoadBalancer", "NodePort") and not external_ips:
        return []
    annotations = child(meta, "annotations")
    if kind == "LoadBalancer" and any(
        str(annotations.get(k, "")).lower() == v for k, v in _INTERNAL.items()
    ):
        return []
    ranges = _list(spec.get("loadBalancerSourceRanges"))
    if kind == "LoadBalancer" and ranges and not any(is_world(str(r)) for r in ranges):
        return []  # only the listed ranges reach it
    ns = str(meta.get("namespace") or "default")
    name = str(meta.get("name"))
    selector = child(spec, "selector")
    matched = [
        w
        for w in workloads
        if w.namespace == ns
        and selector
        and all(w.labels.get(str(k)) == str(v) for k, v in selector.items())
    ]
    if kind == "LoadBalancer":
        line, how = spec.line_of("type"), "a LoadBalancer (a public address)"
    elif kind == "NodePort":
        line, how = spec.line_of("type"), "a NodePort on every node's address"
    else:
        line, how = spec.line_of("externalIPs"), f"externalIPs {', '.join(map(str, external_ips))}"
    out: list[Finding] = []
    ports = spec.get("ports")
    for p in ports if isinstance(ports, LocatedList) else []:
        if not isinstance(p, Located) or str(p.get("protocol") or "TCP").upper() != "TCP":
            continue
        target = p.get("targetPort", p.get("port"))
        if isinstance(target, str) and target.isdigit():
            target = int(target)
        hit = _target(target, matched)
        if hit is not None:
            w, c, port = hit
            assert c.store is not None
            severity = _SEVERITY[c.auth.state] if c.auth else Severity.MEDIUM
            evidence = f"authentication {c.auth.state.value}: {c.auth.evidence}" if c.auth else ""
            out.append(
                Finding(
                    KUBERNETES_SERVICE,
                    severity,
                    path,
                    line,
                    c.store.name,
                    f"Service {name} ({kind})",
                    f"exposes {w.kind} {w.name} ({c.image}) port {port} as {how} ({evidence})",
                    KUBERNETES_SERVICE.help,
                )
            )
        elif isinstance(target, int) and catalog.port_store(target) and not matched:
            why = (
                f"exposes port {target} as {how}; no workload in the files linted matches "
                "its selector, so the store is named by its port"
            )
            out.append(
                Finding(
                    KUBERNETES_SERVICE,
                    Severity.MEDIUM,
                    path,
                    line,
                    catalog.port_store(target) or "",
                    f"Service {name} ({kind})",
                    why,
                    KUBERNETES_SERVICE.help,
                    Confidence.LOW,
                )
            )
    return out


def _target(target: Any, matched: list[Workload]) -> tuple[Workload, Container, int] | None:
    for w in matched:
        for c in w.containers:
            if c.store is None:
                continue
            if isinstance(target, str) and target in c.names:
                return w, c, c.names[target]
            if isinstance(target, int) and (target in c.ports or target in c.store.ports):
                return w, c, target
    return None
