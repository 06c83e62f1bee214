"""A scan of the lab through the CLI, written once for the integration tests: its argv, the
scan in this process, its JSON report (checked against the published schema unless told not
to), and the report of a stored scan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from leakhound.cli import main

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "src/leakhound/schema/scan-result.schema.json").read_text()
)


def scan_argv(
    db: Path, *argv: str, workers: int | None = 0, output: Path | None = None
) -> list[str]:
    """``scan ARGV`` into the findings database ``db``, without a progress bar: a JSON report
    to ``output``, else JSON lines on stdout. ``workers``: detection processes (0: none, in
    this process; None: no ``--workers``, the default 1, a resumed scan's too)."""
    out = ["scan", *argv, "--db", str(db)]
    out += ["--format", "json", "--output", str(output)] if output else ["--format", "jsonl"]
    if workers is not None:
        out += ["--workers", str(workers)]
    return [*out, "--no-progress"]


def run_scan(db: Path, *argv: str, workers: int | None = 0) -> None:
    """``leakhound scan ARGV`` in this process into ``db``, JSON lines on stdout; it succeeds."""
    assert main(scan_argv(db, *argv, workers=workers)) == 0


def report(
    tmp: Path, *argv: str, workers: int | None = 0, schema: bool = True
) -> tuple[dict[str, Any], Path]:
    """``leakhound scan ARGV`` in this process (with ``workers`` detection processes, by
    default none): its JSON report, checked against the schema if ``schema``, and its
    findings database, both in ``tmp``."""
    db, out = tmp / "findings.db", tmp / "report.json"
    assert main(scan_argv(db, *argv, workers=workers, output=out)) == 0
    doc = json.loads(out.read_text())
    if schema:
        assert_valid(doc)
    return doc, db


def assert_valid(doc: dict[str, Any]) -> None:
    """The report is valid against the published schema (a test's own ``_db`` key aside)."""
    jsonschema.Draft202012Validator(SCHEMA).validate({k: v for k, v in doc.items() if k != "_db"})


def stored(db: Path, capsys: pytest.CaptureFixture[str], scan_id: str = "last") -> dict[str, Any]:
    """``leakhound report SCAN_ID --format json`` of ``db``, read from stdout."""
    capsys.readouterr()
    assert main(["report", scan_id, "--db", str(db), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)
