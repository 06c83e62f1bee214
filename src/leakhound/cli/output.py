"""Where a command's output goes: stdout, or a private file (created 0600)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import IO

from ..errors import UsageError
from ..store.records import ScanRecord


def private_file(path: Path) -> IO[str]:
    """A file only its owner may read, truncated, for text output."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return os.fdopen(fd, "w", encoding="utf-8")


def write(args: argparse.Namespace, output: str) -> None:
    """``output`` to ``--output`` (private) or stdout."""
    if args.output:
        with private_file(args.output) as fh:
            fh.write(output)
    else:
        sys.stdout.write(output)


def emit(args: argparse.Namespace, record: ScanRecord) -> None:
    """A stored scan in the asked ``--format``."""
    if args.format == "terminal":
        from rich.console import Console

        from ..report.console import stdout_console
        from ..report.terminal import render

        if args.output:
            with private_file(args.output) as fh:
                render(
                    record,
                    Console(file=fh, width=160, no_color=True),
                    show_closed=getattr(args, "show_closed", False),
                )
        else:
            render(record, stdout_console(), show_closed=getattr(args, "show_closed", False))
        return
    from ..report import FORMATS

    write(args, FORMATS[args.format](record))
