"""What a sample holds: detector hits over sampled records as per-container PII summaries."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from ..detect import Hit, scan_batch
from ..models import PiiField, PiiSummary
from ..redact import keyed_digest
from .people import IDENTIFYING, SampledIdentifiers

MAX_EXAMPLES = 3
_LIST_INDEX = re.compile(r"\[\d+\]")
_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def field_path(path: str) -> str:
    """A hit's JSON path as a mapping path: ``notes[2].text`` → ``notes.text``."""
    return _LIST_INDEX.sub("", path)


def value_at(doc: Any, path: str) -> Any:
    """The value at a hit's JSON path (``notes[2].text``; a key holding dots looked up whole
    first); None where the path leads nowhere."""
    if isinstance(doc, dict) and path in doc:
        return doc[path]
    node = doc
    for m in _STEP.finditer(path):
        if m[1] is not None:
            i = int(m[1])
            node = node[i] if isinstance(node, list | tuple) and i < len(node) else None
        else:
            node = node.get(m[2]) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def whole_value(hit: Hit, doc: Any) -> Any:
    """The value a hit spans whole (but for spaces around it), or None: a field whose values
    are identifiers, not free text that mentions one."""
    value = value_at(doc, hit.path)
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str):
        return None
    whole = hit.start <= len(text) - len(text.lstrip()) and hit.end >= len(text.rstrip())
    return value if whole else None


def _read_alone(
    wholes: Sequence[tuple[SampledIdentifiers, str, Any, str]],
    field_types: Mapping[str, str] | None,
    min_score: float,
) -> None:
    """Marks ``partial`` each field of ``wholes`` (identifiers, field, value, normalised) where
    the value read alone, as a store lists it (``scanner/people.py``), does not give the
    identifier the record gave: a phone number whose country another field of the record
    said."""
    if not wholes:
        return
    types = {ids.entity_type for ids, *_ in wholes}
    alone = scan_batch(
        [{name: value} for _, name, value, _ in wholes],
        types=types,
        min_score=min_score,
        field_types=field_types,
    )
    for (ids, name, _, normalized), hits in zip(wholes, alone, strict=True):
        if not any(h.normalized == normalized and h.entity_type == ids.entity_type for h in hits):
            ids.partial.add(name)


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
    wholes: dict[tuple[str, str, str], tuple[SampledIdentifiers, str, Any, str]] = {}
    for doc, hits in zip(
        docs, scan_batch(docs, min_score=min_score, field_types=field_types), strict=True
    ):
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
                name = field_path(hit.path)
                ids.fields.setdefault(name, set()).add(digest)
                if name not in ids.partial:
                    value = whole_value(hit, doc)
                    if value is None:
                        ids.partial.add(name)
                    else:
                        # The value as a store counts it (a keyword, a column as stored).
                        ids.stored.setdefault(name, {})[keyed_digest(key, str(value))] = digest
                        wholes.setdefault(
                            (hit.entity_type, name, str(value)),
                            (ids, name, value, hit.normalized),
                        )
        for etype, values in digests.items():
            ids = found[etype]
            ids.docs.update(values)
            ids.per_record = max(ids.per_record, len(values))
        docs_by_type.update(types_here)
        docs_by_field.update(fields_here)
    _read_alone(list(wholes.values()), field_types, min_score)
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
