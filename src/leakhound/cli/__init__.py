"""Command line: parse options (``parser.py``), call one library function per command
(``commands.py``), render. No logic lives here; ``asyncio.run`` only here."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ..errors import LeakhoundError
from ..redact import neutralize
from .commands import COMMANDS, EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNTIME
from .parser import build_parser

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: one line per error, an exit status, never a traceback."""
    try:
        args = build_parser().parse_args(argv)
        return int(COMMANDS[args.command](args))
    except KeyboardInterrupt:
        print("leakhound: interrupted; results found so far are saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    except LeakhoundError as exc:
        print(f"leakhound: error: {neutralize(str(exc))}", file=sys.stderr)
        return exc.exit_status
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: one line, no locals, no traceback
        from ..detect import masked_text  # a bug raised with a record in hand may quote it

        print(
            f"leakhound: internal error: {type(exc).__name__}: "
            f"{neutralize(masked_text(str(exc)))[:300]} (please report it)",
            file=sys.stderr,
        )
        return EXIT_RUNTIME
