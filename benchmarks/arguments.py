"""The benchmarks' positional whole-number arguments, read with a usage line instead of a
traceback: ``--help`` prints the script's docstring, anything else that is not a count ends
the script with one line."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def counts(
    doc: str | None, defaults: Sequence[int], argv: Sequence[str] | None = None
) -> list[int]:
    """The script's positional arguments as whole numbers, each missing one its default.

    ``-h``/``--help`` prints ``doc`` and exits 0; a word that is not a whole number of at
    least 0, or more arguments than ``defaults``, exits 2 with the usage line of ``doc`` (its
    line that says how to run the script).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    text = (doc or "").strip()
    if any(a in ("-h", "--help") for a in args):
        print(text)
        raise SystemExit(0)
    usage = next((line.strip() for line in text.splitlines() if "Run" in line), text[:200])
    if len(args) > len(defaults):
        raise SystemExit(f"at most {len(defaults)} arguments: {usage}")
    values = list(defaults)
    for i, arg in enumerate(args):
        if not arg.isdigit():
            raise SystemExit(f"{arg!r} is not a whole number: {usage}")
        values[i] = int(arg)
    return values
