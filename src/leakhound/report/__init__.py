"""Report formats, one module each, all rendering the same stored scan."""

from __future__ import annotations

from collections.abc import Callable

from ..store.records import ScanRecord
from . import html as html_report
from . import json as json_report
from . import jsonl as jsonl_report
from . import markdown as markdown_report
from . import sarif as sarif_report

Renderer = Callable[[ScanRecord], str]

FORMATS: dict[str, Renderer] = {
    "json": json_report.render,
    "jsonl": jsonl_report.render,
    "markdown": markdown_report.render,
    "html": html_report.render,
    "sarif": sarif_report.render,
}

__all__ = ["FORMATS", "Renderer"]
