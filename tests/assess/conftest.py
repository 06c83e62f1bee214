"""Fixtures of the assessment tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from scans import Build, builder


@pytest.fixture
def build_scan(tmp_path: Path) -> Build:
    """``build_scan(Ix(...), ..., verdict=Verdict.OPEN, host=...)`` -> the stored scan."""
    return builder(tmp_path)
