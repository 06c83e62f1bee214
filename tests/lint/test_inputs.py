"""The one reader of lint inputs: kind and size checked before reading, at most the limit read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from leakhound.lint import inputs
from leakhound.lint.inputs import InputSkipped, read_bytes, read_config
from leakhound.lint.sources import MAX_BYTES, ConfigSyntaxError


def test_a_device_is_refused_before_it_is_opened() -> None:
    with pytest.raises(InputSkipped, match="not a regular file"):
        read_bytes(Path("/dev/zero"))


def test_a_file_that_grew_past_its_size_is_read_to_the_limit_plus_one_byte_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The size is checked first; should the file grow after (or lie), the read still stops.
    big = tmp_path / "main.tf"
    with big.open("wb") as fh:
        fh.truncate(MAX_BYTES + 5 * 1024 * 1024)
    monkeypatch.setattr(inputs, "_check", lambda mode, size: None)
    read: list[int] = []
    real_read = os.read

    def counting(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        read.append(len(data))
        return data

    monkeypatch.setattr(inputs.os, "read", counting)
    with pytest.raises(InputSkipped, match=r"larger than 10 MiB \(10485761 bytes\)"):
        read_bytes(big)
    assert sum(read) == MAX_BYTES + 1


def test_a_missing_file_is_one_line_and_binary_text_a_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(InputSkipped, match=r"^unreadable: No such file or directory$"):
        read_bytes(tmp_path / "nope.tf")
    (tmp_path / "bin.tf").write_bytes(b"\x00\x01")
    with pytest.raises(ConfigSyntaxError, match="binary file"):
        read_config(tmp_path / "bin.tf")
    (tmp_path / "ok.tf").write_bytes(b"\xef\xbb\xbfa = 1\n")
    assert read_config(tmp_path / "ok.tf") == "a = 1\n"
