"""Figures over a whole scan document: what every report format leads with."""

from __future__ import annotations

from collections import Counter
from typing import Any

EXPOSED = ("open", "partial")


def summarise(doc: dict[str, Any]) -> dict[str, Any]:
    """Counts by verdict, exposed indices and documents, PII types, compromised stores."""
    verdicts: Counter[str] = Counter()
    pii_types: set[str] = set()
    # Two endpoints of one cluster (a node and a proxy in front of it) expose the same
    # indices: each index of a cluster counts once, with the fullest view any endpoint gave.
    docs: dict[tuple[str, str], int] = {}
    compromised: set[tuple[str, str]] = set()
    for result in doc["results"]:
        verdicts[result["service"]["verdict"]] += 1
        if result["service"]["verdict"] not in EXPOSED:
            continue
        cluster = result["service"]["fingerprint"].get("cluster_uuid") or result["service"]["url"]
        for ir in result["indices"]:
            index = ir["index"]
            key = (cluster, index["name"])
            docs[key] = max(docs.get(key, 0), index["docs"] or 0)
            if index["compromised"]:
                compromised.add(key)
            for pii in (ir.get("sample") or {}).get("pii", []):
                pii_types.add(pii["entity_type"])
            for pii in (ir.get("full") or {}).get("pii", []):  # --depth full
                pii_types.add(pii["entity_type"])
    exposed_indices, exposed_docs = len(docs), sum(docs.values())
    return {
        "endpoints": len(doc["results"]),
        "by_verdict": dict(sorted(verdicts.items())),
        "exposed_endpoints": sum(verdicts[v] for v in EXPOSED),
        "exposed_indices": exposed_indices,
        "exposed_documents": exposed_docs,
        "compromised_indices": len(compromised),
        "pii_types": sorted(pii_types),
        "indices_with_pii": sum(
            1 for r in doc["results"] if r["service"]["verdict"] in EXPOSED
            for ir in r["indices"]
            if (ir.get("sample") or {}).get("pii") or (ir.get("full") or {}).get("pii")),
    }
