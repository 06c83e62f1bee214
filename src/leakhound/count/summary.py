"""What a sample holds: detector hits over sampled records as per-container PII summaries."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from ..detect import scan_batch
from ..models import PiiField, PiiSummary
from ..redact import keyed_digest
from .people import IDENTIFYING, SampledIdentifiers

MAX_EXAMPLES = 3
_LIST_INDEX = re.compile(r"\[\d+\]")


def field_path(path: str) -> str:
    """A hit's JSON path as a mapping path: ``notes[2].text`` → ``notes.text``."""
    return _LIST_INDEX.sub("", path)


def summarise(
    docs: Sequence[Any], field_types: Mapping[str, str] | None = None, *, min_score: float = 0.5
) -> tuple[PiiSummary, ...]:
    """Which PII types the documents carry, in which fields, in how many documents.

    Runs in a worker process: raw values stay there; only masked examples and counts return.
    """
    return summarise_sample(docs, field_types, min_score=min_score)[0]


def summarise_sample(
    docs: Sequence[Any],
    field_types: Mapping[str, str] | None = None,
    *,
    min_score: float = 0.5,
    key: bytes | None = None,
) -> tuple[tuple[PiiSummary, ...], dict[str, SampledIdentifiers]]:
    """``summarise``, and with ``key`` the identifying values of the sample as keyed digests
    (per type: how many records hold each, in which fields), for counting people store-wide."""
    found: dict[str, SampledIdentifiers] = {}
    docs_by_type: Counter[str] = Counter()
    docs_by_field: Counter[tuple[str, str]] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    distinct: dict[str, set[str]] = defaultdict(set)
    for hits in scan_batch(docs, min_score=min_score, field_types=field_types):
        types_here: set[str] = set()
        fields_here: set[tuple[str, str]] = set()
        digests: dict[str, set[bytes]] = defaultdict(set)
        for hit in hits:
            types_here.add(hit.entity_type)
            fields_here.add((hit.entity_type, field_path(hit.path)))
            distinct[hit.entity_type].add(hit.normalized or hit.masked)
            ex = examples[hit.entity_type]
            if len(ex) < MAX_EXAMPLES and hit.masked not in ex:
                ex.append(hit.masked)
            if key is not None and hit.normalized and hit.entity_type in IDENTIFYING:
                digest = keyed_digest(key, hit.normalized)
                digests[hit.entity_type].add(digest)
                ids = found.setdefault(hit.entity_type, SampledIdentifiers(hit.entity_type))
                ids.fields.setdefault(field_path(hit.path), set()).add(digest)
        for etype, values in digests.items():
            ids = found[etype]
            ids.docs.update(values)
            ids.per_record = max(ids.per_record, len(values))
        docs_by_type.update(types_here)
        docs_by_field.update(fields_here)
    out = []
    for etype, count in sorted(docs_by_type.items(), key=lambda kv: (-kv[1], kv[0])):
        fields = sorted(
            ((p, n) for (t, p), n in docs_by_field.items() if t == etype),
            key=lambda pn: (-pn[1], pn[0]),
        )
        out.append(
            PiiSummary(
                etype,
                count,
                tuple(PiiField(p, n) for p, n in fields),
                tuple(examples[etype]),
                len(distinct[etype]),
            )
        )
    for ids in found.values():
        ids.records = len(docs)
    return tuple(out), found
