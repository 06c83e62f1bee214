"""A third, peer-written test set: the cases of Presidio's own recognizer tests.

Presidio's repository tests each recogniser on a table of texts with the offsets it
must find (``presidio-analyzer/tests/test_<kind>_recognizer.py``). Those tables, for
the types both tools report, are kept as data in ``data/presidio_cases.json`` (MIT
licence, Presidio Contributors; the commit they were read at is in the file), made by

    python benchmarks/presidio_cases.py extract PATH_TO_PRESIDIO_CHECKOUT

which reads the test files' ``pytest.mark.parametrize`` tables with ``ast`` (no code is
run or copied). Only tables run with the recogniser's default settings are kept (not the
phone leniency or region variants), and only rows whose expected offsets are all given.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "presidio_cases.json"
# Test file -> the entity type its tables are about.
FILES = {
    "test_email_recognizer.py": "EMAIL_ADDRESS",
    "test_phone_recognizer.py": "PHONE_NUMBER",
    "test_credit_card_recognizer.py": "CREDIT_CARD",
    "test_iban_recognizer.py": "IBAN_CODE",
    "test_ip_recognizer.py": "IP_ADDRESS",
    "test_us_ssn_recognizer.py": "US_SSN",
    "test_spacy_recognizer.py": "PERSON",
}
_TEXT = ("text", "iban")
_POSITIONS = ("expected_positions", "expected_res")
# Table columns that change the recogniser's settings: such tables are left out.
_SETTINGS = ("leniency", "supported_regions", "context", "language", "regex", "pattern")


@dataclass(frozen=True, slots=True)
class Case:
    """One row of a Presidio test table."""

    source: str  # "test_ip_recognizer.py::test_when_all_ips_then_succeed[3]"
    type: str
    text: str
    spans: tuple[tuple[int, int], ...]


def _tables(source: str) -> list[tuple[str, list[str], list[Any]]]:
    """(test name, column names, rows) of each parametrize table in a test file."""
    tables = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            if not (isinstance(deco, ast.Call) and ast.unparse(deco.func).endswith("parametrize")):
                continue
            if len(deco.args) < 2:
                continue
            try:
                names = ast.literal_eval(deco.args[0])
                rows = ast.literal_eval(deco.args[1])
            except ValueError:
                continue  # rows built by code, not written as data
            if isinstance(names, str):
                names = [n.strip() for n in names.split(",")]
            tables.append((node.name, list(names), list(rows)))
    return tables


def extract(checkout: Path) -> list[Case]:
    """The usable rows of the test files of a Presidio checkout."""
    cases: list[Case] = []
    tests = checkout / "presidio-analyzer" / "tests"
    for file, entity in FILES.items():
        for test, names, rows in _tables((tests / file).read_text()):
            text_col = next((n for n in _TEXT if n in names), None)
            pos_col = next((n for n in _POSITIONS if n in names), None)
            if text_col is None or pos_col is None or any(s in names for s in _SETTINGS):
                continue
            for i, row in enumerate(rows):
                values = dict(zip(names, row, strict=True))
                if values.get("entity_num", 0) != 0:
                    continue  # the spaCy table's DATE_TIME rows
                spans = tuple(tuple(p) for p in values[pos_col])
                if len(spans) != values.get("expected_len", len(spans)):
                    continue  # a count without offsets: nothing to match against
                cases.append(Case(f"{file}::{test}[{i}]", entity, values[text_col], spans))  # type: ignore[arg-type]
    return cases


def load() -> tuple[str, list[Case]]:
    """(the Presidio commit the cases come from, the cases)."""
    data = json.loads(DATA.read_text())
    return data["commit"], [
        Case(c["source"], c["type"], c["text"], tuple(tuple(s) for s in c["spans"]))  # type: ignore[misc]
        for c in data["cases"]
    ]


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] != "extract":
        print(__doc__)
        return 2
    checkout = Path(sys.argv[2])
    commit = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    cases = extract(checkout)
    DATA.write_text(
        json.dumps(
            {
                "source": "https://github.com/microsoft/presidio (presidio-analyzer/tests)",
                "licence": "MIT, Copyright (c) Presidio Contributors",
                "commit": commit,
                "cases": [
                    {"source": c.source, "type": c.type, "text": c.text, "spans": c.spans}
                    for c in cases
                ],
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    )
    print(f"{len(cases)} cases from {commit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
