"""JSON: the whole scan, as described by schema/scan-result.schema.json."""

from __future__ import annotations

from typing import Any

import orjson

from ..models import TargetResult, to_dict
from ..store.records import ScanRecord
from .summary import summarise
from .text import across_ranged, people_ranged

SCHEMA_ID = "https://leakhound.dev/schema/scan-result/v1"


def document(scan: ScanRecord) -> dict[str, Any]:
    """The scan's JSON shape with its schema id and summary."""
    doc = {"$schema": SCHEMA_ID, **scan.to_dict(), "summary": summarise(scan).to_dict()}
    doc["results"] = [result(r) for r in scan.results]
    for p, shown in zip(scan.people_across, doc.get("people_across", ()), strict=True):
        if p.basis is not None:  # estimated from samples pooled, not read whole
            shown["shown_as_range"] = across_ranged(p)
    return doc


def result(r: TargetResult) -> dict[str, Any]:
    """One endpoint's result, each people figure saying whether the reports show it as its
    range ("between A and B": ``shown_as_range``), as its value does not."""
    doc = to_dict(r)
    if r.people is not None:
        doc["people"]["shown_as_range"] = people_ranged(r.people)
    for c, shown in zip(r.containers, doc.get("indices", ()), strict=True):
        if c.sample is not None and c.sample.people is not None:
            shown["sample"]["people"]["shown_as_range"] = people_ranged(c.sample.people)
    return doc


def render(scan: ScanRecord) -> str:
    """Pretty JSON of the whole scan."""
    return orjson.dumps(document(scan), option=orjson.OPT_INDENT_2).decode() + "\n"
