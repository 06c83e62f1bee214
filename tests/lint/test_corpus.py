"""The shared corpus (tests/data/lint): every exposure marked in exposed/ is reported at its
file and line with its rule and severity, nothing else is, and secured/ gives no finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from leakhound.lint import lint_paths

from .conftest import CORPUS, as_tuples, expected_marks

EXPOSED = CORPUS / "exposed"
SECURED = CORPUS / "secured"


def _cases(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", _cases(EXPOSED), ids=lambda p: p.name)
def test_every_marked_exposure_is_found_at_its_line(case: Path) -> None:
    expected = expected_marks(case)
    assert expected, f"{case.name} has no expect marker"
    result = lint_paths([case], root=case)
    assert as_tuples(result.findings) == expected
    assert not result.skipped


@pytest.mark.parametrize("case", _cases(SECURED), ids=lambda p: p.name)
def test_a_secured_configuration_gives_no_finding(case: Path) -> None:
    result = lint_paths([case], root=case)
    assert result.files, f"{case.name}: nothing was linted"
    assert result.findings == []
    assert not result.skipped


def test_the_whole_corpus_at_once_gives_the_same_findings() -> None:
    """Linting everything together changes nothing: Kubernetes selectors match per namespace
    and Terraform variables resolve per directory."""
    result = lint_paths([CORPUS], root=CORPUS)
    expected = expected_marks(CORPUS)
    assert as_tuples(result.findings) == expected
    assert {p.split("/")[0] for p, *_ in expected} == {"exposed"}


def test_every_exposure_kind_of_the_issue_is_in_the_corpus() -> None:
    names = {p.name for p in _cases(EXPOSED)}
    kinds = {
        "elasticsearch",
        "opensearch",
        "kibana",
        "mongodb",
        "redis",
        "postgresql",
        "mysql",
        "couchdb",
        "compose",
        "kubernetes",
        "helm",
        "terraform-azure",
        "terraform-aws",
        "terraform-gcp",
        "cloud",
    }
    missing = {k for k in kinds if not any(n == k or n.startswith(k + "-") for n in names)}
    assert not missing
