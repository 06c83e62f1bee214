"""Fixtures of the investigation tests."""

from __future__ import annotations

import pytest
from investigate_helpers import Run, run_investigation


@pytest.fixture
def run() -> Run:
    """``run(path, ..., owner=(CIDR,), scanners=(CIDR,), **Options)`` → the investigation."""
    return run_investigation
