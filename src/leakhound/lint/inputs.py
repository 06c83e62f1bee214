"""Reading a lint input: its kind and size checked before a byte is read, at most the limit read.

Every file ``lint`` reads (the files it walks, ``--var-file``, tfvars, ``.env`` and ``env_file``,
Chart.yaml, a MySQL init file, module folders, ``file()`` targets, modules.json) comes through
``read_config``: a device (/dev/zero), a FIFO or a 4 GB log named ``.tf`` is not loaded first and
refused after, it is refused with one line and lint goes on.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .sources import MAX_BYTES, decode

# A FIFO opened for reading waits for a writer: O_NONBLOCK returns at once (no effect on files).
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_CHUNK = 1024 * 1024


class InputSkipped(Exception):
    """A file lint does not read: a one-line reason (not a regular file, too large, an OS
    error)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _too_large(size: int) -> InputSkipped:
    return InputSkipped(f"larger than {MAX_BYTES // (1024 * 1024)} MiB ({size} bytes), not read")


def _check(mode: int, size: int) -> None:
    if stat.S_ISDIR(mode):
        raise InputSkipped("a folder, not a file, not read")
    if not stat.S_ISREG(mode):
        raise InputSkipped("not a regular file (a device, FIFO or socket), not read")
    if size > MAX_BYTES:
        raise _too_large(size)


def read_bytes(path: Path) -> bytes:
    """A regular file's bytes, at most MAX_BYTES; InputSkipped when it is no regular file,
    larger than that (by its size, or by what it holds if it grew), or cannot be read."""
    try:
        info = os.stat(path)
        _check(info.st_mode, info.st_size)
        fd = os.open(path, _FLAGS)
        try:
            info = os.fstat(fd)  # the file opened, should it have been replaced since
            _check(info.st_mode, info.st_size)
            chunks: list[bytes] = []
            got = 0
            while got <= MAX_BYTES:
                chunk = os.read(fd, min(_CHUNK, MAX_BYTES + 1 - got))
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise InputSkipped(f"unreadable: {exc.strerror or exc}") from None
    except ValueError as exc:  # a NUL byte in the path
        raise InputSkipped(f"unreadable: {exc}") from None
    if got > MAX_BYTES:
        raise _too_large(got)
    return b"".join(chunks)


def read_config(path: Path) -> str:
    """A configuration file's text: InputSkipped as ``read_bytes``, ConfigSyntaxError when it
    is binary or not UTF-8."""
    return decode(read_bytes(path))
