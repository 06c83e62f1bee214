"""PERSON and LOCATION in free text, with spaCy's named-entity recogniser (optional).

Needs the ``ner`` extra (spaCy and an English pipeline). Imported lazily: without them
``available()`` is False, the registry leaves this detector out, and field-name hints
(``person.py``, ``location.py``) are all there is.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from typing import Any, ClassVar

from .base import Detector, Field, Span

MODEL = "en_core_web_sm"
MAX_CHARS = 10_000  # NER is ~100x slower than the regex detectors: bound the work
# spaCy labels -> our entity types and base scores (a model's guess, not a checksum).
_LABELS = {"PERSON": ("PERSON", 0.6), "GPE": ("LOCATION", 0.5), "LOC": ("LOCATION", 0.45)}


def available(model: str = MODEL) -> bool:
    """True when spaCy and the model package can be imported."""
    return (
        importlib.util.find_spec("spacy") is not None
        and importlib.util.find_spec(model) is not None
    )


@lru_cache(maxsize=2)
def _pipeline(model: str) -> Any:
    import spacy  # the optional extra; only imported when NER is asked for

    # Only the recogniser is needed: the parser and lemmatiser would triple the cost.
    return spacy.load(model, disable=["parser", "lemmatizer", "attribute_ruler"])


class NerDetector(Detector):
    """PERSON and LOCATION found by spaCy in free text."""

    id: ClassVar[str] = "ner"
    entities: ClassVar[frozenset[str]] = frozenset({"PERSON", "LOCATION"})

    def __init__(self, model: str = MODEL) -> None:
        self.model = model

    def find(self, text: str, field: Field) -> list[Span]:
        """Names and places the model recognises; nothing in all-lower-case text."""
        if len(text) < 3 or text.islower() or " " not in text.strip():
            return []  # one word or no capitals: the model guesses poorly there
        doc = _pipeline(self.model)(text[:MAX_CHARS])
        spans: list[Span] = []
        for ent in doc.ents:
            mapped = _LABELS.get(ent.label_)
            if mapped is None:
                continue
            entity, score = mapped
            normalized = " ".join(ent.text.casefold().split())
            spans.append(Span(entity, ent.start_char, ent.end_char, score, normalized))
        return spans
