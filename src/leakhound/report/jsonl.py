"""JSON lines: one line per endpoint result, each naming its scan, then a summary line."""

from __future__ import annotations

from typing import Any

import orjson

from .summary import summarise


def render(doc: dict[str, Any]) -> str:
    """One JSON object a line: {"scan_id", "result"} per endpoint, then {"scan_id", "summary"}."""
    lines = [orjson.dumps({"scan_id": doc["scan_id"], "result": r}) for r in doc["results"]]
    lines.append(orjson.dumps({"scan_id": doc["scan_id"], "summary": summarise(doc)}))
    return b"\n".join(lines).decode() + "\n"
