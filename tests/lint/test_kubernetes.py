"""Kubernetes Services matched against workloads by namespace and selector."""

from __future__ import annotations

import pytest

from .conftest import Files

WORKLOAD = """apiVersion: apps/v1
kind: {kind}
metadata:
  name: db
  namespace: {ns}
spec:
  template:
    metadata:
      labels: {{app: db, tier: data}}
    spec:
      containers:
        - name: c
          image: {image}
          env:
            - name: MONGO_INITDB_ROOT_USERNAME
              value: {user}
          ports:
            - name: main
              containerPort: {port}
"""
SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: {ns}
{annotations}spec:
  type: {type}
{extra}  selector: {selector}
  ports:
    - port: 1234
      targetPort: {target}
"""


def _svc(
    type_: str = "LoadBalancer",
    ns: str = "data",
    selector: str = "{app: db}",
    target: str = "main",
    extra: str = "",
    annotations: str = "",
) -> str:
    return SERVICE.format(
        type=type_, ns=ns, selector=selector, target=target, extra=extra, annotations=annotations
    )


def _workload(
    kind: str = "StatefulSet",
    ns: str = "data",
    image: str = "mongo:7",
    user: str = "''",
    port: int = 27017,
) -> str:
    return WORKLOAD.format(kind=kind, ns=ns, image=image, user=user, port=port)


@pytest.mark.parametrize(
    ("service", "workload", "expected"),
    [
        pytest.param(_svc(), _workload(), [(7, "low")], id="lb-named-port-auth-on"),
        pytest.param(
            _svc("NodePort"), _workload(kind="Deployment"), [(7, "low")], id="nodeport-deployment"
        ),
        pytest.param(
            _svc(target='"27017"'),
            _workload(kind="ReplicaSet"),
            [(7, "low")],
            id="numeric-string-target",
        ),
        pytest.param(
            _svc(),
            _workload(image="redis:7", port=6379),
            [(7, "high")],
            id="redis-without-password",
        ),
        pytest.param(_svc("ClusterIP"), _workload(), [], id="cluster-ip"),
        pytest.param(
            _svc("ClusterIP", extra="  externalIPs: [203.0.113.9]\n"),
            _workload(),
            [(8, "low")],
            id="external-ips",
        ),
        pytest.param(_svc(ns="other"), _workload(), [], id="other-namespace-port-by-name"),
        pytest.param(_svc(selector="{app: web}"), _workload(), [], id="selector-mismatch"),
        pytest.param(
            _svc(selector="{app: db, tier: cache}"),
            _workload(),
            [],
            id="selector-must-match-every-label",
        ),
        pytest.param(
            _svc(extra="  loadBalancerSourceRanges: [10.0.0.0/8]\n"),
            _workload(),
            [],
            id="source-ranges-private",
        ),
        pytest.param(
            _svc(extra="  loadBalancerSourceRanges: [0.0.0.0/0]\n"),
            _workload(),
            [(7, "low")],
            id="source-ranges-world",
        ),
        pytest.param(
            _svc(
                annotations="  annotations:\n    networking.gke.io/load-balancer-type: Internal\n"
            ),
            _workload(),
            [],
            id="internal-lb-gke",
        ),
        pytest.param(
            _svc(), _workload(image="nginx:1", port=9200), [], id="matched-workload-is-not-a-store"
        ),
        pytest.param(
            _svc(target="6379", selector="{app: gone}"),
            _workload(),
            [(7, "medium")],
            id="no-matching-workload-store-port",
        ),
    ],
)
def test_services(
    files: Files, service: str, workload: str, expected: list[tuple[int, str]]
) -> None:
    files.add("svc.yaml", service)
    files.add("workload.yaml", workload)
    findings = files.lint()
    assert [(f.line, f.severity.label) for f in findings] == expected
    assert all(f.path == "svc.yaml" and f.rule.id == "LH111" for f in findings)


def test_a_list_object_and_multi_document_files_are_read(files: Files) -> None:
    items = _workload(image="redis:7", port=6379).replace("\n", "\n    ")
    files.add(
        "all.yaml",
        "---\n" + _svc(ns="data") + "---\napiVersion: v1\nkind: List\nitems:\n  - " + items,
    )
    assert [(f.line, f.store) for f in files.lint()] == [(8, "Redis")]


def test_a_pod_is_matched_by_its_own_labels(files: Files) -> None:
    files.add("svc.yaml", _svc("NodePort"))
    files.add(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: data\n"
        "  labels: {app: db}\nspec:\n  containers:\n    - image: bitnami/mongodb:7\n"
        "      ports: [{name: main, containerPort: 27017}]\n",
    )
    assert [(f.line, f.severity.label, f.store) for f in files.lint()] == [(7, "high", "MongoDB")]


def test_the_finding_names_workload_image_and_port(files: Files) -> None:
    files.add("a.yaml", _svc() + "---\n" + _workload(image="mongo:6", user="root"))
    (f,) = files.lint()
    assert "StatefulSet db (mongo:6) port 27017" in f.why
    assert "MONGO_INITDB_ROOT_USERNAME is set" in f.why
