"""The library's public face: a small curated ``__all__``, every name importable."""

from __future__ import annotations

import inspect
import subprocess
import sys

import leakhound


def test_public_api_is_small_and_explicit() -> None:
    assert leakhound.__all__ == [
        "__version__",
        "ExportOptions",
        "FullOptions",
        "Probe",
        "ScanOptions",
        "ScanRecord",
        "SqliteStore",
        "Verdict",
        "export_subjects",
        "resume",
        "scan",
    ]
    for name in leakhound.__all__:
        assert getattr(leakhound, name) is not None, name


def test_scanning_entry_points_are_coroutines() -> None:
    # A process with its own event loop (a watch daemon, a web app) awaits them.
    for fn in (leakhound.scan, leakhound.resume, leakhound.export_subjects):
        assert inspect.iscoroutinefunction(fn), fn.__name__


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        leakhound.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("no AttributeError")


def test_importing_the_package_stays_light() -> None:
    code = (
        "import sys, leakhound; print(sorted(m for m in sys.modules if m.startswith('leakhound')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['leakhound']"
