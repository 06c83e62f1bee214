"""What a stored scan says about the store's indices: documents, average size, personal data.

The one place that reads a stored scan (a ``ScanRecord``) for the investigation (the window's
start, index sizes), so a change to the scan's shape touches only this module.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from ..assess.categories import entity_class
from ..store.records import ScanRecord


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


def from_scan(scan: ScanRecord) -> Inventory:
    """The inventory of a stored scan (``SqliteStore.load``): the containers of its exposed
    stores, each once however many endpoints it answered at, as the fullest view saw them."""
    indices: dict[str, IndexFacts] = {}
    first: str | None = None
    for store in scan.stores:
        seen = store.first_seen_exposed
        if seen and (first is None or seen < first):
            first = seen
        for _result, cr in store.containers:
            c = cr.container
            if not c.name:
                continue
            types = [p.entity_type for p in (cr.sample.pii if cr.sample else ())]
            types += [p.entity_type for p in (cr.full.pii if cr.full else ())]
            personal = any(entity_class(t).category for t in types)
            indices[c.name] = IndexFacts(c.name, c.docs, c.store_bytes, personal)
    return Inventory(scan.scan_id, indices, first, scan.finished_at or scan.started_at)
