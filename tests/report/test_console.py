"""A terminal report on stdout: the terminal's width, or a file's width when piped."""

from __future__ import annotations

import io

import pytest

from leakhound.report.console import PIPED_WIDTH, stdout_console


def test_a_piped_report_is_as_wide_as_a_file_not_rich_s_80_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr("sys.stdout", io.StringIO())
    console = stdout_console()
    assert console.width == PIPED_WIDTH
    console.print("reason " * 20)
    (line,) = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert line.count("reason") == 20


def test_columns_set_by_the_user_wins_when_piped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert stdout_console().width == 100
