"""Helm values of store charts: which chart, which Service, which auth switch."""

from __future__ import annotations

import pytest

from .conftest import Files


@pytest.mark.parametrize(
    ("chart", "values", "expected"),
    [
        pytest.param(
            "mongodb", "service:\n  type: LoadBalancer\n", [(2, "low")], id="auth-on-by-default"
        ),
        pytest.param(
            "mongodb",
            "auth:\n  enabled: false\nservice:\n  type: NodePort\n",
            [(4, "high")],
            id="auth-off",
        ),
        pytest.param(
            "elasticsearch",
            "esConfig:\n  elasticsearch.yml: |\n"
            "    xpack.security.enabled: false\nservice:\n  type: LoadBalancer\n",
            [(5, "high")],
            id="security-off-in-embedded-config",
        ),
        pytest.param(
            "opensearch",
            "extraEnvs:\n  - name: DISABLE_SECURITY_PLUGIN\n"
            '    value: "true"\nservice:\n  type: LoadBalancer\n',
            [(5, "high")],
            id="opensearch-env-off",
        ),
        pytest.param(
            "elasticsearch", "service:\n  type: LoadBalancer\n", [(2, "medium")], id="auth-unknown"
        ),
        pytest.param("redis", "master:\n  service:\n    type: ClusterIP\n", [], id="cluster-ip"),
        pytest.param(
            "redis",
            "master:\n  service:\n    type: LoadBalancer\n"
            "    loadBalancerSourceRanges: [10.0.0.0/8]\n",
            [],
            id="source-ranges",
        ),
        pytest.param(
            "redis",
            "master:\n  service:\n    type: LoadBalancer\n    annotations:\n"
            '      service.beta.kubernetes.io/aws-load-balancer-internal: "false"\n',
            [(3, "low")],
            id="internal-annotation-false-is-not-internal",
        ),
        pytest.param("nginx", "service:\n  type: LoadBalancer\n", [], id="not-a-store-chart"),
    ],
)
def test_values_beside_their_chart(
    files: Files, chart: str, values: str, expected: list[tuple[int, str]]
) -> None:
    files.add("chart/Chart.yaml", f"apiVersion: v2\nname: {chart}\nversion: 1.0.0\n")
    files.add("chart/values.yaml", values)
    findings = files.lint()
    assert [(f.line, f.severity.label) for f in findings] == expected
    assert all(f.rule.id == "LH112" and f.path == "chart/values.yaml" for f in findings)


def test_a_values_file_named_for_its_chart_needs_no_chart_yaml(files: Files) -> None:
    files.add(
        "deploy/redis-values.yaml",
        "auth:\n  enabled: false\nmaster:\n  service:\n    type: LoadBalancer\n",
    )
    assert [(f.path, f.line, f.store) for f in files.lint()] == [
        ("deploy/redis-values.yaml", 5, "Redis")
    ]


def test_umbrella_values_use_dependency_aliases(files: Files) -> None:
    files.add("app/Chart.yaml", "name: app\ndependencies:\n  - name: postgresql\n    alias: pg\n")
    files.add(
        "app/values.yaml",
        "pg:\n  primary:\n    service:\n      type: LoadBalancer\n"
        "web:\n  service:\n    type: LoadBalancer\n",
    )
    assert [(f.line, f.subject) for f in files.lint()] == [
        (4, "pg.primary.service.type: LoadBalancer")
    ]
