"""JSON lines: one line per endpoint result, each naming its scan, then a summary line."""

from __future__ import annotations

import orjson

from ..store.records import ScanRecord
from .json import result
from .summary import summarise


def render(scan: ScanRecord) -> str:
    """One JSON object a line: {"scan_id", "result"} per endpoint, then {"scan_id", "summary"}."""
    lines = [orjson.dumps({"scan_id": scan.scan_id, "result": result(r)}) for r in scan.results]
    lines.append(orjson.dumps({"scan_id": scan.scan_id, "summary": summarise(scan).to_dict()}))
    return b"\n".join(lines).decode() + "\n"
