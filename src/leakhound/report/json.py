"""JSON: the whole scan document, as described by schema/scan-result.schema.json."""

from __future__ import annotations

from typing import Any

import orjson

from .summary import summarise

SCHEMA_ID = "https://leakhound.dev/schema/scan-result/v1"


def document(doc: dict[str, Any]) -> dict[str, Any]:
    """The scan document with its schema id and summary."""
    return {"$schema": SCHEMA_ID, **doc, "summary": summarise(doc)}


def render(doc: dict[str, Any]) -> str:
    """Pretty JSON of the whole scan."""
    return orjson.dumps(document(doc), option=orjson.OPT_INDENT_2).decode() + "\n"
