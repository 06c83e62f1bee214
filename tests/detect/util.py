"""Helpers shared by the detector tests: run the whole pipeline on one field."""

from __future__ import annotations

from leakhound.detect import Hit, scan_document


def hits(text: object, entity: str, field: str = "text", **kw: object) -> list[Hit]:
    """Hits of one entity type in a one-field document."""
    return scan_document({field: text}, types={entity}, **kw)  # type: ignore[arg-type]


def found(text: str, entity: str, field: str = "text") -> list[str]:
    """The substrings reported for one entity type, checking offsets on the way."""
    out = []
    for h in hits(text, entity, field):
        assert 0 <= h.start < h.end <= len(text), h
        out.append(text[h.start : h.end])
    return out
