"""Progress on stderr: per container, never a target's escape sequence."""

from __future__ import annotations

import pytest


def test_full_progress_shows_documents_per_index(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    from rich.console import Console

    from leakhound.cli import progress

    err = io.StringIO()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(
        progress, "Console", lambda **kw: Console(file=err, force_terminal=True, width=120)
    )
    with progress.FullProgress() as bar:
        bar.start("20260101-000000-abcdef", 1)
        bar.docs("127.0.0.1:9200/cases\x1b[31m", 500, 1000)
        bar.docs("127.0.0.1:9200/cases\x1b[31m", 1000, 1000)
    text = err.getvalue()
    assert "cases" in text and "records/s" in text
    assert "cases\x1b[31m" not in text  # a target's escape sequence never reaches the TTY
