"""Command line: parse options (``parser.py``), call one library function per command
(``commands.py``), render. No logic lives here; ``asyncio.run`` only here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import LeakhoundError
from ..redact import hide_secrets, neutralize
from .commands import COMMANDS, EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNTIME
from .parser import build_parser

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: one line per error, an exit status, never a traceback."""
    args: argparse.Namespace | None = None
    try:
        args = build_parser().parse_args(argv)
        return int(COMMANDS[args.command](args))
    except KeyboardInterrupt:
        print("leakhound: interrupted; results found so far are saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    except LeakhoundError as exc:
        text = hide_secrets(str(exc), _given_secrets(args))
        print(f"leakhound: error: {neutralize(text)}", file=sys.stderr)
        return exc.exit_status
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: one line, no locals, no traceback
        from ..detect import masked_text  # a bug raised with a record in hand may quote it

        text = hide_secrets(masked_text(str(exc)), _given_secrets(args))
        print(
            f"leakhound: internal error: {type(exc).__name__}: "
            f"{neutralize(text)[:300]} (please report it)",
            file=sys.stderr,
        )
        return EXIT_RUNTIME


def _given_secrets(args: argparse.Namespace | None) -> frozenset[str]:
    """The passwords the command line gave (``--auth``, ``--auth-env``, ``--netrc``), to be
    kept out of its error line; none when it did not parse or gave none."""
    if args is None:
        return frozenset()
    try:
        from ..net import secrets_of
        from .credentials import credentials

        return secrets_of(credentials(args))
    except Exception:  # a command without credentials, or ones that do not parse
        return frozenset()
