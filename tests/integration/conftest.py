"""Integration fixtures: the lab (a real OpenSearch node behind nginx), started once a session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from leakhound.lab.testing import LabSession, lab_session


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabSession]:
    """A running lab seeded with 10,000 support cases (seed 1): `lab.status`, `lab.truth`.

    State directory: $LEAKHOUND_LAB_DIR (a lab already up and seeded the same way there is
    reused and left running), else a fresh temporary one. Never skips: a lab that cannot start
    fails the tests that asked for it, with the reason.
    """
    env = os.environ.get("LEAKHOUND_LAB_DIR")
    state_dir = Path(env) if env else tmp_path_factory.getbasetemp() / "lab"
    with lab_session(state_dir) as session:
        yield session
