"""leakhound: find open data stores and measure the personal data they expose.

The library's public face, small on purpose: ``scan`` and ``resume`` (async: a process with
its own event loop awaits them), ``export_subjects``, their options, the findings database and
what it returns, and the store-kind contract a new kind implements. Everything else is
internal and may move.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> module it lives in; imported on first use, so ``import leakhound`` stays light.
_PUBLIC = {
    "scan": "leakhound.scanner",
    "resume": "leakhound.scanner",
    "ScanOptions": "leakhound.scanner.options",
    "FullOptions": "leakhound.scanner.options",
    "export_subjects": "leakhound.scanner.export",
    "ExportOptions": "leakhound.scanner.export",
    "SqliteStore": "leakhound.store",
    "ScanRecord": "leakhound.store",
    "Verdict": "leakhound.models",
    "Probe": "leakhound.probes.base",
}

__all__ = ["__version__", *sorted(_PUBLIC)]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'leakhound' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
