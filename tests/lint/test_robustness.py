"""Damaged configurations never crash the linter: every corpus file, cut at each line and with
characters swapped (a fixed seed, so a failure replays), gives findings or one LH100, never an
exception, and every finding points at a line of the file."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from leakhound.lint import lint_paths

from .conftest import CORPUS

FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file())
NOISE = ['"', "'", "{", "}", "[", "]", ":", "\n", " ", "-", "*", "0", "\t", "=", "#", "$", "\\"]


def _variants(text: str, seed: int) -> list[str]:
    lines = text.splitlines(keepends=True)
    out = ["".join(lines[:k]) for k in range(len(lines))]
    rng = random.Random(seed)
    for _ in range(8):
        chars = list(text)
        for _ in range(3):
            chars[rng.randrange(len(chars))] = rng.choice(NOISE)
        out.append("".join(chars))
    return out


@pytest.mark.parametrize("source", FILES, ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_damaged_copies_never_crash(tmp_path: Path, source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    for n, variant in enumerate(_variants(text, seed=len(text))):
        case = tmp_path / str(n)
        case.mkdir()
        if (source.parent / "Chart.yaml").is_file():
            shutil.copy(source.parent / "Chart.yaml", case / "Chart.yaml")
        (case / source.name).write_text(variant, encoding="utf-8")
        result = lint_paths([case], root=case)
        count = max(1, variant.count("\n") + 1)
        for f in result.findings:
            if f.path == source.name:
                assert 1 <= f.line <= count, (variant, f)
            assert "\n" not in f.why


def test_a_binary_config_reported_as_unparsable_is_counted_as_linted(tmp_path: Path) -> None:
    # "1 file(s) linted, 2 finding(s)" for two files each with a finding read as a miscount.
    (tmp_path / "redis.conf").write_bytes(b"\xff\xfe\x00bind 0.0.0.0\n")
    (tmp_path / "pg_hba.conf").write_text("host all all 0.0.0.0/0 trust\n", encoding="utf-8")
    result = lint_paths([tmp_path], root=tmp_path)
    assert [f.rule.id for f in result.findings] == ["LH101", "LH100"]
    assert sorted(result.files) == ["pg_hba.conf", "redis.conf"]


def test_a_loop_of_symbolic_links_in_a_folder_is_skipped_as_unreadable(tmp_path: Path) -> None:
    # Path.resolve raised RuntimeError on a link to itself: the whole lint stopped.
    (tmp_path / "main.tf").symlink_to("main.tf")
    result = lint_paths([tmp_path], root=tmp_path)
    assert [(s.path, s.reason.startswith("unreadable: ")) for s in result.skipped] == [
        ("main.tf", True)
    ]
