"""Access-log forensics for the exposure window: who read the store, what they did, how much.

``investigate(logs, Options(...))`` streams access, audit, database, flow and cloud logs into
per-source counters and returns an ``Investigation``; ``render`` shows it; ``hooks`` turn a
stored one into what assess, notify and the HTML report quote (``leakhound.assess.LogEvidence``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import Estimate, Investigation, Source, Summary, from_dict, to_dict

if TYPE_CHECKING:
    from .run import Options, investigate


def __getattr__(name: str) -> Any:
    # The parsers load on first use: the CLI loads this package for every command (to register
    # ``investigate``), the formats only for investigate.
    if name in ("Options", "investigate"):
        from . import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Estimate",
    "Investigation",
    "Options",
    "Source",
    "Summary",
    "from_dict",
    "investigate",
    "to_dict",
]
