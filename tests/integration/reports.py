"""A scan of the lab through the CLI to a JSON report, the report checked against the
published schema: what the database kinds' integration tests read their figures from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from leakhound.cli import main

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "src/leakhound/schema/scan-result.schema.json").read_text()
)


def report(tmp: Path, *argv: str, schema: bool = True) -> tuple[dict[str, Any], Path]:
    """``leakhound scan ARGV`` (in this process, no worker processes): its JSON report and
    its findings database."""
    db, out = tmp / "findings.db", tmp / "report.json"
    rc = main(
        [
            "scan",
            *argv,
            "--db",
            str(db),
            "--format",
            "json",
            "--output",
            str(out),
            "--workers",
            "0",
            "--no-progress",
        ]
    )
    assert rc == 0
    doc = json.loads(out.read_text())
    if schema:
        jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    return doc, db
