"""What a stored scan says about the store's indices: documents, average size, personal data.

The one place that reads a scan document for the investigation (the window's start, index
sizes), so a change to the scan's shape touches only this module.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from ..assess.categories import entity_class


@dataclass(frozen=True, slots=True)
class IndexFacts:
    """One index as the scan saw it."""

    name: str
    docs: int | None
    store_bytes: int | None
    personal: bool

    @property
    def doc_bytes(self) -> float | None:
        """Average stored bytes per document (store size ÷ documents)."""
        if self.docs and self.store_bytes:
            return self.store_bytes / self.docs
        return None


@dataclass(frozen=True, slots=True)
class Inventory:
    """The scan's indices and exposure history."""

    scan_id: str
    indices: dict[str, IndexFacts]
    first_seen_exposed: str | None
    last_scan: str | None

    def find(self, target: str) -> list[IndexFacts]:
        """The indices a logged target names (an index, a pattern, ``*``, a comma list)."""
        out: list[IndexFacts] = []
        for part in target.split(","):
            part = part.strip()
            if part in self.indices:
                out.append(self.indices[part])
            elif any(c in part for c in "*?") or part in ("_all", "*"):
                pat = "*" if part == "_all" else part
                out += [f for n, f in self.indices.items() if fnmatch.fnmatchcase(n, pat)]
        return out

    @property
    def doc_bytes(self) -> float | None:
        """Average stored bytes per document over every index with both figures."""
        docs = sum(f.docs or 0 for f in self.indices.values() if f.store_bytes)
        size = sum(f.store_bytes or 0 for f in self.indices.values() if f.docs)
        return size / docs if docs and size else None

    @property
    def personal(self) -> bool:
        """Whether the scan found personal data in any index."""
        return any(f.personal for f in self.indices.values())


def from_scan(doc: dict[str, Any]) -> Inventory:
    """The inventory of a scan document (``SqliteStore.load``)."""
    indices: dict[str, IndexFacts] = {}
    first: str | None = None
    for r in doc.get("results", []):
        if r.get("service", {}).get("verdict") not in ("open", "partial"):
            continue
        seen = (r.get("history") or {}).get("first_seen_exposed")
        if seen and (first is None or seen < first):
            first = seen
        for ir in r.get("indices", []):
            idx = ir.get("index", {})
            name = idx.get("name")
            if not name:
                continue
            pii = list((ir.get("sample") or {}).get("pii") or [])
            pii += list((ir.get("full") or {}).get("pii") or [])
            personal = any(entity_class(p.get("entity_type", "")).category for p in pii)
            indices[name] = IndexFacts(name, idx.get("docs"), idx.get("store_bytes"), personal)
    return Inventory(
        doc.get("scan_id", ""), indices, first, doc.get("finished_at") or doc.get("started_at")
    )
