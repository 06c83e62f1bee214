"""The benchmarks' counts: a usage line, not a traceback, for what is not a count."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from arguments import counts

DOC = """What it measures.

Run: .venv/bin/python benchmarks/x.py [N=10] [SEED=0]
"""
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_missing_counts_take_their_defaults() -> None:
    assert counts(DOC, (10, 0), []) == [10, 0]
    assert counts(DOC, (10, 0), ["25"]) == [25, 0]
    assert counts(DOC, (10, 0), ["25", "3"]) == [25, 3]


def test_help_prints_the_docstring(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        counts(DOC, (10, 0), ["--help"])
    assert ended.value.code == 0
    assert "Run: .venv/bin/python benchmarks/x.py" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["ten"], ["-5"], ["1.5"], ["1", "2", "3"]])
def test_what_is_not_a_count_ends_with_the_usage_line(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        counts(DOC, (10, 0), argv)
    message = str(ended.value.code)
    assert "Run: .venv/bin/python benchmarks/x.py [N=10] [SEED=0]" in message
    assert "\n" not in message


def test_a_benchmark_answers_help_without_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "detect_profile.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Run: .venv/bin/python benchmarks/detect_profile.py" in done.stdout
    assert "Traceback" not in done.stderr
