"""Sessions sharing a lab's state directory: the last one out stops a lab a session started,
never one started by hand, and a killed session does not keep it running."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from leakhound.lab import process, testing
from leakhound.lab.state import LabPaths


class FakeLab:
    """up/down/status/seed of a lab that only counts what was asked of it."""

    def __init__(self, running: bool = False) -> None:
        self.running = running
        self.downs = 0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(testing, "status", lambda _dir: SimpleNamespace(running=self.running))
        monkeypatch.setattr(testing, "up", self._up)
        monkeypatch.setattr(testing, "down", self._down)
        monkeypatch.setattr(testing, "truth", lambda _dir: "truth")
        monkeypatch.setattr(testing, "_still_seeded", lambda *_: True)

    def _up(self, _dir: Path) -> Any:
        self.running = True
        return "status"

    def _down(self, _dir: Path) -> None:
        self.running = False
        self.downs += 1


@pytest.fixture
def other(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Another process, standing for a second test session on the same lab."""
    proc = subprocess.Popen(["sleep", "60"])
    yield proc
    proc.kill()
    proc.wait()


def _join(state: Path, proc: subprocess.Popen[bytes]) -> Path:
    """What a session in ``proc`` leaves while it uses the lab."""
    entry = state / "sessions" / f"{proc.pid}-{process.start_time(proc.pid)}"
    entry.touch()
    return entry


def test_the_last_session_out_stops_the_lab_a_session_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other: subprocess.Popen[bytes]
) -> None:
    lab = FakeLab()
    lab.install(monkeypatch)
    with testing.lab_session(tmp_path):
        _join(tmp_path, other)
    assert (lab.downs, lab.running) == (0, True)  # the other session still reads it
    other.kill()
    other.wait()
    with testing.lab_session(tmp_path):
        pass
    assert (lab.downs, lab.running) == (1, False)


def test_a_lab_started_by_hand_is_left_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab = FakeLab(running=True)
    lab.install(monkeypatch)
    with testing.lab_session(tmp_path):
        pass
    assert (lab.downs, lab.running) == (0, True)


def test_a_killed_session_does_not_keep_the_lab_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other: subprocess.Popen[bytes]
) -> None:
    lab = FakeLab()
    lab.install(monkeypatch)
    with testing.lab_session(tmp_path):
        entry = _join(tmp_path, other)
        other.kill()
        other.wait()
    assert (lab.downs, lab.running) == (1, False)
    assert not entry.exists() and not list(LabPaths(tmp_path).root.glob("sessions/*-*"))
