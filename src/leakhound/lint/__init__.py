"""``leakhound lint``: configuration that exposes a data store, found before it is deployed.

``lint_paths(paths)`` walks files and folders and returns a ``LintResult``: one ``Finding`` per
exposure (store, why, fix, severity, file and line), one per file that does not parse.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .model import RULES, Confidence, Finding, LintResult, Rule, SetAt, Severity, Skipped


def lint_paths(
    paths: list[Path], root: Path | None = None, var_files: Sequence[Path] = ()
) -> LintResult:
    """Lint every configuration file under ``paths`` (paths reported relative to ``root``),
    Terraform variables also set by ``var_files`` (as ``terraform -var-file``)."""
    # Imported here: the CLI loads this package for every command, the linters only for lint.
    from .run import lint_paths as run

    return run(paths, root, var_files)


__all__ = [
    "RULES",
    "Confidence",
    "Finding",
    "LintResult",
    "Rule",
    "SetAt",
    "Severity",
    "Skipped",
    "lint_paths",
]
