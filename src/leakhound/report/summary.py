"""Figures over a whole scan: what every report format leads with."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..models import to_dict
from ..store.records import ScanRecord


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts by verdict, exposed containers and records, PII types, compromised containers."""

    endpoints: int
    by_verdict: dict[str, int]  # verdict name -> endpoints, sorted by name
    exposed_endpoints: int
    exposed_containers: int = field(metadata={"json": "exposed_indices"})
    exposed_documents: int
    compromised_containers: int = field(metadata={"json": "compromised_indices"})
    pii_types: tuple[str, ...]
    containers_with_pii: int = field(metadata={"json": "indices_with_pii"})

    def to_dict(self) -> dict[str, Any]:
        """The summary as the JSON reports write it (schema/scan-result.schema.json)."""
        return to_dict(self)


def summarise(scan: ScanRecord) -> Summary:
    """Counts by verdict, exposed containers and records, PII types, compromised containers."""
    verdicts: Counter[str] = Counter(r.service.verdict.value for r in scan.results)
    pii_types: set[str] = set()
    # Two endpoints of one store (a node and a proxy in front of it) expose the same
    # containers: each container of a store counts once, with the fullest view any endpoint gave.
    docs: dict[tuple[str, str], int] = {}
    compromised: set[tuple[str, str]] = set()
    with_pii = 0
    for result in scan.exposed:
        store = result.service.fingerprint.cluster_uuid or result.service.url
        for cr in result.containers:
            key = (store, cr.container.name)
            docs[key] = max(docs.get(key, 0), cr.container.docs or 0)
            if cr.container.compromised:
                compromised.add(key)
            found = [p.entity_type for p in (cr.sample.pii if cr.sample else ())]
            found += [p.entity_type for p in (cr.full.pii if cr.full else ())]  # --depth full
            pii_types.update(found)
            with_pii += bool(found)
    return Summary(
        endpoints=len(scan.results),
        by_verdict=dict(sorted(verdicts.items())),
        exposed_endpoints=sum(1 for _ in scan.exposed),
        exposed_containers=len(docs),
        exposed_documents=sum(docs.values()),
        compromised_containers=len(compromised),
        pii_types=tuple(sorted(pii_types)),
        containers_with_pii=with_pii,
    )
