"""Helpers for the lint tests: write files into a folder, lint it, read findings as tuples."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from leakhound.lint import Finding, lint_paths

CORPUS = Path(__file__).parents[1] / "data" / "lint"
# A corpus line that should be reported says so: "expect: LH120 high" on the line itself, or
# "expect-next: …" on the line before (for formats without trailing comments).
MARK = re.compile(r"expect(-next)?: (LH\d+) (low|medium|high)")


def expected_marks(root: Path) -> Counter[tuple[str, int, str, str]]:
    """(path, line, rule, severity) of every marker under ``root``."""
    out: Counter[tuple[str, int, str, str]] = Counter()
    for f in sorted(root.rglob("*")):
        if not f.is_file():
            continue
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            for m in MARK.finditer(line):
                target = n + 1 if m.group(1) else n
                out[(f.relative_to(root).as_posix(), target, m.group(2), m.group(3))] += 1
    return out


def as_tuples(findings: list[Finding]) -> Counter[tuple[str, int, str, str]]:
    """Findings as (path, line, rule, severity)."""
    return Counter((f.path, f.line, f.rule.id, f.severity.label) for f in findings)


class Files:
    """A scratch folder: ``add(name, text)`` then ``lint()``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def add(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def lint(self) -> list[Finding]:
        return lint_paths([self.root], root=self.root).findings

    def lines(self) -> list[tuple[int, str]]:
        """(line, severity) of each finding, in order."""
        return [(f.line, f.severity.label) for f in self.lint()]


@pytest.fixture
def files(tmp_path: Path) -> Files:
    """A scratch folder to lint."""
    return Files(tmp_path)
