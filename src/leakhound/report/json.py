"""JSON: the whole scan, as described by schema/scan-result.schema.json."""

from __future__ import annotations

from typing import Any

import orjson

from ..store.records import ScanRecord
from .summary import summarise

SCHEMA_ID = "https://leakhound.dev/schema/scan-result/v1"


def document(scan: ScanRecord) -> dict[str, Any]:
    """The scan's JSON shape with its schema id and summary."""
    return {"$schema": SCHEMA_ID, **scan.to_dict(), "summary": summarise(scan).to_dict()}


def render(scan: ScanRecord) -> str:
    """Pretty JSON of the whole scan."""
    return orjson.dumps(document(scan), option=orjson.OPT_INDENT_2).decode() + "\n"
