"""leakhound and its peers behind one call: texts in, (type, start, end) spans out.

Peers, installed for benchmarking only:
- Presidio (``presidio-analyzer``) with the same spaCy small model leakhound's ``ner``
  extra uses, loaded by module name from the installed package (no download);
  default recognisers and score threshold, asked only for the benchmark's types.
- DataFog (``datafog``), its regex engine (``RegexAnnotator``), default labels.

Every tool reads a ``corpus.py`` ticket as one free-text string (leakhound as
``{"text": …}``, a field whose name hints nothing), so field-name hints play no part
there. A ``heldout.py`` record is a JSON document: leakhound reads it whole, as its scans
do (field names are hints, the record's other fields its context); the peers read each
string of it on its own, Presidio with the field's name as context words (what its
``BatchAnalyzerEngine.analyze_dict`` does), DataFog without.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("DATAFOG_NO_TELEMETRY", "1")  # DataFog's telemetry is opt-in; be sure
os.environ.setdefault("DO_NOT_TRACK", "1")

from corpus import NER_TYPES, PATTERN_TYPES, TYPES

from leakhound.detect import scan_batch, scan_document
from leakhound.detect.ner import MODEL

Found = list[tuple[str, int, int]]  # (Presidio type, start, end) in one text
DocFound = list[tuple[str, str, int, int]]  # (Presidio type, path, start, end) in one record


@dataclass(frozen=True)
class Tool:
    """A detector under test: the types it can report and a batch call."""

    name: str
    types: frozenset[str]
    run: Callable[[Sequence[str]], list[Found]]
    run_docs: Callable[[Sequence[Any]], list[DocFound]]


def leaves(doc: Any, path: str = "") -> Iterator[tuple[str, str, str]]:
    """(path as leakhound spells it, key, value) of every string in a JSON document."""
    if isinstance(doc, str):
        yield path, path.rsplit(".", 1)[-1].split("[")[0], doc
    elif isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from leaves(v, f"{path}[{i}]")


def _per_string(run: Callable[[str, str], Found]) -> Callable[[Sequence[Any]], list[DocFound]]:
    """A per-document call made of a per-string one: (text, key) -> spans."""

    def run_docs(docs: Sequence[Any]) -> list[DocFound]:
        return [
            [(t, path, s, e) for path, key, value in leaves(d) for t, s, e in run(value, key)]
            for d in docs
        ]

    return run_docs


_KEY_WORDS = re.compile(r"[A-Za-z][a-z]*")


def leakhound_patterns() -> Tool:
    """leakhound without NER: the pattern detectors (and field hints, idle here)."""

    def run(texts: Sequence[str]) -> list[Found]:
        return [
            [(h.entity_type, h.start, h.end) for h in scan_document({"text": t}, types=TYPES)]
            for t in texts
        ]

    def run_docs(docs: Sequence[Any]) -> list[DocFound]:
        return [
            [(h.entity_type, h.path, h.start, h.end) for h in hits]
            for hits in scan_batch(list(docs), types=TYPES)
        ]

    return Tool("leakhound", frozenset(PATTERN_TYPES), run, run_docs)


def leakhound_ner() -> Tool:
    """leakhound with the ``ner`` extra, the model batched over all texts (nlp.pipe)."""

    def run(texts: Sequence[str]) -> list[Found]:
        docs = scan_batch([{"text": t} for t in texts], types=TYPES, ner=True)
        return [[(h.entity_type, h.start, h.end) for h in hits] for hits in docs]

    def run_docs(docs: Sequence[Any]) -> list[DocFound]:
        return [
            [(h.entity_type, h.path, h.start, h.end) for h in hits]
            for hits in scan_batch(list(docs), types=TYPES, ner=True)
        ]

    return Tool("leakhound+ner", frozenset(TYPES), run, run_docs)


def presidio() -> Tool:
    """Presidio's AnalyzerEngine on the installed small English model, defaults otherwise."""
    import tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers.generic import email_recognizer

    # Its e-mail validator asks tldextract, which fetches the public suffix list from
    # GitHub on first use; the snapshot bundled with tldextract keeps it offline.
    email_recognizer.tldextract = _OfflineTld(tldextract.TLDExtract(suffix_list_urls=()))  # type: ignore[attr-defined]
    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": MODEL}]}
    engine = AnalyzerEngine(
        nlp_engine=NlpEngineProvider(nlp_configuration=config).create_engine(),
        supported_languages=["en"],
    )
    wanted = list(TYPES)

    def run(texts: Sequence[str]) -> list[Found]:
        return [
            [
                (r.entity_type, r.start, r.end)
                for r in engine.analyze(t, language="en", entities=wanted)
            ]
            for t in texts
        ]

    def one(text: str, key: str) -> Found:
        context = [w.lower() for w in _KEY_WORDS.findall(key)]
        return [
            (r.entity_type, r.start, r.end)
            for r in engine.analyze(text, language="en", entities=wanted, context=context)
        ]

    return Tool("presidio", frozenset(TYPES), run, _per_string(one))


class _OfflineTld:
    """Stands in for the ``tldextract`` module inside Presidio's e-mail recogniser."""

    def __init__(self, extractor: object) -> None:
        self.extract = extractor


# DataFog's labels -> the benchmark's (Presidio) names; DOB and ZIP have no counterpart.
_DATAFOG_TYPES = {
    "EMAIL": "EMAIL_ADDRESS",
    "PHONE": "PHONE_NUMBER",
    "SSN": "US_SSN",
    "CREDIT_CARD": "CREDIT_CARD",
    "IP_ADDRESS": "IP_ADDRESS",
}


def datafog() -> Tool:
    """DataFog's regex engine with its default labels, offsets from annotate_with_spans."""
    from datafog.processing.text_processing.regex_annotator.regex_annotator import (
        RegexAnnotator,
    )

    annotator = RegexAnnotator()

    def one(text: str, key: str = "") -> Found:
        _, result = annotator.annotate_with_spans(text)
        return [
            (_DATAFOG_TYPES[s.label], s.start, s.end)
            for s in result.spans
            if s.label in _DATAFOG_TYPES
        ]

    def run(texts: Sequence[str]) -> list[Found]:
        return [one(t) for t in texts]

    return Tool("datafog", frozenset(_DATAFOG_TYPES.values()), run, _per_string(one))


__all__ = [
    "NER_TYPES",
    "PATTERN_TYPES",
    "TYPES",
    "DocFound",
    "Tool",
    "datafog",
    "leakhound_ner",
    "leakhound_patterns",
    "leaves",
    "presidio",
]
