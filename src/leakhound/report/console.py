"""The console a terminal report is written to on stdout."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

# Piped to a file, a pager or a CI log, the width a report written with --output has: rich's
# 80 columns would wrap a table's reasons a word a line.
PIPED_WIDTH = 160


def stdout_console() -> Console:
    """The terminal's own width on a terminal; piped, ``PIPED_WIDTH`` unless ``COLUMNS``
    says otherwise."""
    from rich.console import Console

    console = Console()
    if console.is_terminal or "COLUMNS" in os.environ:
        return console
    return Console(width=PIPED_WIDTH)
