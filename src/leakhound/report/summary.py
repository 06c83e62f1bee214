"""Figures over a whole scan document: what every report format leads with."""

from __future__ import annotations

from collections import Counter
from typing import Any

EXPOSED = ("open", "partial")


def summarise(doc: dict[str, Any]) -> dict[str, Any]:
    """Counts by verdict, exposed indices and documents, PII types, compromised stores."""
    verdicts: Counter[str] = Counter()
    pii_types: Counter[str] = Counter()
    exposed_docs = exposed_indices = compromised = 0
    seen: set[tuple[str, str]] = set()
    for result in doc["results"]:
        verdicts[result["service"]["verdict"]] += 1
        if result["service"]["verdict"] not in EXPOSED:
            continue
        # Two endpoints of one cluster (a node and a proxy in front of it) expose the same
        # indices: count each index of a cluster once.
        cluster = result["service"]["fingerprint"].get("cluster_uuid") or result["service"]["url"]
        for ir in result["indices"]:
            index = ir["index"]
            if (cluster, index["name"]) in seen:
                continue
            seen.add((cluster, index["name"]))
            exposed_indices += 1
            exposed_docs += index["docs"] or 0
            compromised += bool(index["compromised"])
            for pii in (ir.get("sample") or {}).get("pii", []):
                pii_types[pii["entity_type"]] += 1
            for pii in (ir.get("full") or {}).get("pii", []):  # --depth full
                pii_types[pii["entity_type"]] += 1
    return {
        "endpoints": len(doc["results"]),
        "by_verdict": dict(sorted(verdicts.items())),
        "exposed_endpoints": sum(verdicts[v] for v in EXPOSED),
        "exposed_indices": exposed_indices,
        "exposed_documents": exposed_docs,
        "compromised_indices": compromised,
        "pii_types": sorted(pii_types),
        "indices_with_pii": sum(
            1 for r in doc["results"] if r["service"]["verdict"] in EXPOSED
            for ir in r["indices"]
            if (ir.get("sample") or {}).get("pii") or (ir.get("full") or {}).get("pii")),
    }
