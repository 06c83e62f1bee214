"""Walk one JSON document, run the detectors over its values, and return masked hits."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from ..errors import UsageError
from ..redact import mask
from .base import NO_CONTEXT, Context, Detector, Field, Hit, Span
from .gate import Gates
from .hints import NATIONAL_ID, field_for
from .iban import IbanDetector
from .region import IBAN_DIGITS, Regions
from .registry import DETECTORS, optional_detectors

# A detector's score goes up this much when the field's name or mapping agrees with it…
HINT_BOOST = 0.1
# …and down this much for digits in a field named like an id, a version or a size.
NUMERIC_ID_PENALTY = 0.3
_NUMERIC_ENTITIES = frozenset(
    {
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "US_SSN",
        "IP_ADDRESS",
        "FR_NIR",
        "DE_TAX_ID",
        "NL_BSN",
        "UK_NINO",
        "ES_NIF",
        "ES_NIE",
        "IT_FISCAL_CODE",
        "IBAN_CODE",
    }
)
# Entity types whose field-name hint is a family name (a "nir" field hints any national id).
_HINT_OF = {
    t: NATIONAL_ID
    for t in ("FR_NIR", "DE_TAX_ID", "NL_BSN", "UK_NINO", "ES_NIF", "ES_NIE", "IT_FISCAL_CODE")
}
# Integers shorter than this hold no entity we look for (the shortest: 7-digit phones).
_MIN_INT_DIGITS = 6


_Finder = Callable[[str, Field], list[Span]]
# One detector as the walk runs it on strings: (min_digits, the detector, gate id or -1,
# the hints that open its gate whatever the string holds, how it reads: _ONE, _IN_CONTEXT
# or _MANY).
_TextStep = tuple[int, Detector, int, frozenset[str], int]
_ONE, _IN_CONTEXT, _MANY = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _Selection:
    """The detectors that may return one of the requested types, split by what they read.

    ``text`` and ``numeric`` hold (min_digits, bound find, …) tuples so the walk does no
    attribute look-ups per string; ``gates`` holds the chosen detectors' gates.
    """

    types: frozenset[str] | None
    text: tuple[_TextStep, ...]
    numeric: tuple[tuple[int, _Finder], ...]
    structured: tuple[Detector, ...]
    counts_digits: bool
    gates: Gates
    # The gate id that says an IBAN may be in a string (region.py reads its country), or
    # -1 when there is no gate to ask.
    iban_gate: int
    # Short values already read in a field, and what was found in them: see MEMO_ENTRIES.
    memo: dict[_MemoKey, tuple[_Known, ...]] = field(default_factory=dict)


# Stores repeat short values field after field: a customer's e-mail, phone, name and IP
# in each of their cases, an agent's address in thousands, templated subjects and
# notes. The hits of a (field, mapping type, value, min_score, document context) seen
# before are reused: the detectors are pure functions of those. Values up to
# MEMO_MAX_CHARS characters, MEMO_ENTRIES of them at most per selection (~10 MB), the
# table emptied when full.
# Raw values stay in memory only as long as the detecting process; clear_caches() drops
# them.
MEMO_MAX_CHARS = 200
MEMO_ENTRIES = 20_000
_MemoKey = tuple[str, str | None, str, float, Context]
# A hit less its path: entity type, start, end, score, masked, normalized.
_Known = tuple[str, int, int, float, str, str | None]

_SELECTIONS: dict[tuple[frozenset[str] | None, bool, bool], _Selection] = {}


def _digits(text: str) -> int:
    """ASCII digits in ``text``, counted at C speed.

    On bytes: ``str.translate`` takes a slow per-character path as soon as a string holds
    one non-ASCII character (64 µs instead of 2 for 800 characters).
    """
    raw = text.encode("utf-8", "surrogatepass")
    return len(raw) - len(raw.translate(None, b"0123456789"))


def _opening_hints(d: Detector) -> frozenset[str]:
    """Field hints under which a detector reads whole values, so its gate must not shut."""
    return frozenset(
        {*d.entities, *(NATIONAL_ID for t in d.entities if _HINT_OF.get(t) == NATIONAL_ID)}
    )


def _select(types: Collection[str] | None, ner: bool, gated: bool = True) -> _Selection:
    key = frozenset(types) if types is not None else None
    sel = _SELECTIONS.get((key, ner, gated))
    if sel is None:
        pool = DETECTORS
        if ner:
            extra = optional_detectors()
            if not extra:
                raise UsageError("NER needs spaCy and its English model: install leakhound[ner]")
            pool = (*DETECTORS, *extra)
        chosen = tuple(d for d in pool if key is None or d.entities & key)
        # Every selection also asks, at no extra pass, whether a string may hold an IBAN:
        # the document's country may be in its first two letters (region.py). Where the
        # IBAN detector is chosen its own gate answers: the same patterns twice in the
        # database cost ~3% more on every pass.
        patterns = [(i, p) for i, d in enumerate(chosen) for p in d.gate]
        iban_gate = next(
            (i for i, d in enumerate(chosen) if isinstance(d, IbanDetector)), len(chosen)
        )
        if iban_gate == len(chosen):
            patterns += [(iban_gate, p) for p in IbanDetector.gate]
        gates = Gates(patterns if gated else [])
        sel = _Selection(
            types=key,
            text=tuple(
                (
                    d.min_digits,
                    d,
                    i if i in gates.ids else -1,
                    _opening_hints(d),
                    _MANY if d.batched else _IN_CONTEXT if d.contextual else _ONE,
                )
                for i, d in enumerate(chosen)
            ),
            numeric=tuple((d.min_digits, d.find) for d in chosen if d.numeric),
            structured=tuple(d for d in chosen if d.structured),
            counts_digits=True,  # region.py wants the digits of every string
            gates=gates,
            iban_gate=iban_gate if gates.active else -1,
        )
        _SELECTIONS[(key, ner, gated)] = sel
    return sel


def scan_document(
    doc: Any,
    *,
    types: Collection[str] | None = None,
    min_score: float = 0.0,
    field_types: Mapping[str, str] | None = None,
    ner: bool = False,
    gated: bool = True,
) -> list[Hit]:
    """Every piece of personal data found in one JSON value, in document order.

    ``types`` limits the entity types looked for (Presidio names); ``min_score`` drops
    weaker hits; ``field_types`` maps ES-style dotted paths ("customer.location", no
    array indices) to mapping types ("geo_point", "ip", …), which count as strong hints.
    Paths in the hits keep array indices: ``notes[2].text``. ``ner`` adds spaCy's
    PERSON/LOCATION recogniser for free text (the ``ner`` extra; UsageError without it).
    ``gated=False`` runs every detector on every string (``gate.py``): the same hits,
    slower; for tests and for measuring what the gates save.
    """
    return scan_batch(
        (doc,), types=types, min_score=min_score, field_types=field_types, ner=ner, gated=gated
    )[0]


# Where an error line is written it is cut to a few hundred characters: the first 64 KiB
# of a text are all it can show, and reading more (a bug quoting a 30 MB body) would hold
# the event loop for seconds. A text cut there loses its last MASKED_TEXT_MARGIN characters
# too: a value cut in two may no longer be found, and is shown in no part.
MASKED_TEXT_CHARS = 65_536
MASKED_TEXT_MARGIN = 1_024


def masked_text(text: str) -> str:
    """``text`` (an error line, a reason) with each piece of personal data in it replaced by
    its masked preview, its first ``MASKED_TEXT_CHARS`` characters at most: an exception
    raised while a document was in hand may quote one of its values
    (``KeyError: 'jane.doe@gmail.com'``), and errors pass through the same redaction as
    findings."""
    end = len(text)
    if end > MASKED_TEXT_CHARS:
        text = text[:MASKED_TEXT_CHARS]
        end = MASKED_TEXT_CHARS - MASKED_TEXT_MARGIN
    try:
        hits = scan_document(text)
    except Exception:  # the detectors failing: nothing of the text can be vouched for
        return "(the error's text withheld: it could not be checked for personal data)"
    # Pieces joined once (one slice a hit re-built the whole text: minutes for megabytes);
    # a hit overlapping the one before is hidden under that one's preview.
    out: list[str] = []
    at = 0
    for h in sorted(hits, key=lambda h: (h.start, -h.end)):
        if h.start >= end:
            break
        if h.end <= max(h.start, at):
            continue
        if h.start >= at:
            out += (text[at : h.start], h.masked)
        at = h.end
    out.append(text[at:end])
    return "".join(out)


def scan_batch(
    docs: Iterable[Any],
    *,
    types: Collection[str] | None = None,
    min_score: float = 0.0,
    field_types: Mapping[str, str] | None = None,
    ner: bool = False,
    gated: bool = True,
) -> list[list[Hit]]:
    """``scan_document`` for each of several documents, the same hits in the same order.

    Faster for a page of documents: the strings of all of them are read one detector
    after another, not one string after another, which keeps each detector's regexes
    and tables in the CPU's caches (1.25-1.3x faster on support tickets,
    ``benchmarks/detect_speed.py``), and a string repeated in the page is read once.
    """
    sel = _select(types, ner, gated)
    batch = _Batch(sel, min_score, field_types or {})
    out: list[list[Hit]] = []
    walked: list[list[_Entry]] = []
    for doc in docs:
        walked.append(batch.walk(doc))
        if len(walked) >= BATCH_DOCS:
            batch.detect()
            out.extend(batch.hits(entries) for entries in walked)
            walked.clear()
    batch.detect()
    out.extend(batch.hits(entries) for entries in walked)
    return out


# Documents read together by scan_batch: past a few hundred support tickets the gain
# stops, and the strings held for one batch stay a few hundred kilobytes.
BATCH_DOCS = 256


# What the walk leaves for one value, in document order: hits known already (a short
# value read before, a number, a geo object), or a string the detectors are still to read.
_Entry = tuple[str, "tuple[_Known, ...] | _Pending"]


# A string's open gates: False until asked, None for "assume all" (gate.py).
_Open = set[int] | bool | None


class _Pending:
    """A string the detectors are to read, and what they found there."""

    __slots__ = ("context", "digits", "field", "gates", "key", "known", "spans", "value")

    def __init__(
        self,
        value: str,
        field: Field,
        key: _MemoKey | None,
        digits: int,
        context: Context = NO_CONTEXT,
        gates: _Open = False,
    ):
        self.value = value
        self.field = field
        self.key = key
        self.digits = digits
        self.context = context
        self.gates = gates
        self.spans: list[Span] = []
        self.known: tuple[_Known, ...] = ()


# A string met by the walk, before the rest of its document is known: (index of its
# entry, value, ES-style path, field, digits, open gates if asked already).
_Met = tuple[int, str, str, Field, int, _Open]


class _Batch:
    __slots__ = ("field_types", "met", "min_score", "pending", "regions", "repeated", "sel")

    def __init__(self, sel: _Selection, min_score: float, field_types: Mapping[str, str]):
        self.sel = sel
        self.min_score = min_score
        self.field_types = field_types
        self.pending: list[_Pending] = []
        # Short strings met earlier in this batch, read once for all their places.
        self.repeated: dict[_MemoKey, _Pending] = {}
        # The current document's strings, and what they say of its country.
        self.met: list[_Met] = []
        self.regions = Regions()

    def _field(self, mpath: str) -> Field:
        return field_for(mpath, self.field_types.get(mpath) if self.field_types else None)

    def walk(self, doc: Any) -> list[_Entry]:
        """The document's entries; its strings wait for the detectors with its context."""
        entries: list[_Entry] = []
        self.met = []
        self.regions = Regions()
        self._walk(doc, "", "", entries)
        if self.met:
            context = self.regions.context()
            for met in self.met:
                self._text(met, context, entries)
        return entries

    def _walk(self, value: Any, path: str, mpath: str, entries: list[_Entry]) -> None:
        # type() identity checks: the common cases first, no isinstance chains.
        t = type(value)
        if t is str:
            if len(value) >= 2:
                field = self._field(mpath)
                digits = _digits(value)
                gates: _Open = False
                iban = False
                if digits >= IBAN_DIGITS:
                    # Asked now rather than when the first detector asks: the same pass.
                    sel = self.sel
                    gates = sel.gates.open_in(value) if sel.iban_gate >= 0 else None
                    iban = gates is None or sel.iban_gate in gates
                self.regions.read(value, field, iban)
                self.met.append((len(entries), value, mpath, field, digits, gates))
                entries.append((path, ()))
        elif t is dict:
            if self.sel.structured:
                self._structured(value, path, mpath, entries)
            for k, v in value.items():
                key = k if type(k) is str else str(k)
                self._walk(
                    v, f"{path}.{key}" if path else key, f"{mpath}.{key}" if mpath else key, entries
                )
        elif t is list or t is tuple:
            if self.sel.structured and value:
                self._structured(value, path, mpath, entries)
            for i, v in enumerate(value):
                self._walk(v, f"{path}[{i}]", mpath, entries)
        elif t is int:
            if self.sel.numeric and (value >= 10**5 or value <= -(10**5)):
                text = str(value)
                if len(text) >= _MIN_INT_DIGITS:
                    field = self._field(mpath)
                    spans = []
                    for min_digits, find in self.sel.numeric:
                        if min_digits <= len(text):
                            found = find(text, field)
                            if found:
                                spans.extend(found)
                    if spans:
                        entries.append((path, self._scored(spans, text, field)))
        elif isinstance(value, str):  # str subclasses
            self._walk(str(value), path, mpath, entries)
        elif isinstance(value, Mapping):
            self._walk(dict(value), path, mpath, entries)

    def _text(self, met: _Met, context: Context, entries: list[_Entry]) -> None:
        """Give one string its hits: known already, or to be read with its context."""
        where, value, mpath, field, digits, gates = met
        path = entries[where][0]
        key: _MemoKey | None = None
        if len(value) <= MEMO_MAX_CHARS:
            mapping = self.field_types.get(mpath) if self.field_types else None
            key = (mpath, mapping, value, self.min_score, context)
            known = self.sel.memo.get(key)
            if known is not None:
                entries[where] = (path, known)
                return
            item = self.repeated.get(key)
            if item is not None:
                entries[where] = (path, item)
                return
        item = _Pending(value, field, key, digits, context, gates)
        if key is not None:
            self.repeated[key] = item
        self.pending.append(item)
        entries[where] = (path, item)

    def _structured(self, value: Any, path: str, mpath: str, entries: list[_Entry]) -> None:
        field = self._field(mpath)
        for d in self.sel.structured:
            found = d.find_structured(value, field)
            if found:
                entries.append((path, self._scored(found, None, field)))

    def detect(self) -> None:
        """Run the text detectors over every pending string, one detector at a time."""
        sel = self.sel
        pending = self.pending
        for min_digits, detector, gate, hints, how in sel.text:
            find = detector.find
            find_in = detector.find_in
            asked: list[_Pending] = []
            for item in pending:
                if min_digits > item.digits:
                    continue
                if gate >= 0 and hints.isdisjoint(item.field.hints):
                    # Each string's open gates, looked up once, when the first gated
                    # detector asks (or the walk did).
                    gates = item.gates
                    if gates is False:
                        gates = item.gates = sel.gates.open_in(item.value)
                    if gates is not None and gate not in gates:  # type: ignore[operator]
                        continue
                if how == _MANY:
                    asked.append(item)
                    continue
                if how == _IN_CONTEXT:
                    found = find_in(item.value, item.field, item.context)
                else:
                    found = find(item.value, item.field)
                if found:
                    item.spans.extend(found)
            if asked:
                values = [item.value for item in asked]
                fields = [item.field for item in asked]
                for item, found in zip(asked, detector.find_many(values, fields), strict=True):
                    if found:
                        item.spans.extend(found)
        memo = sel.memo
        for item in pending:
            if item.spans:
                item.known = self._scored(item.spans, item.value, item.field)
            if item.key is not None:
                if len(memo) >= MEMO_ENTRIES:
                    memo.clear()  # cheaper than LRU order on every hit; refills at once
                memo[item.key] = item.known
        pending.clear()
        self.repeated.clear()

    @staticmethod
    def hits(entries: list[_Entry]) -> list[Hit]:
        out: list[Hit] = []
        for path, found in entries:
            known = found.known if type(found) is _Pending else found
            for k in known:  # type: ignore[union-attr]
                # Hit(path, *k) less the named tuple's own __new__ (every field is given):
                # two thirds of the cost, the same Hit.
                out.append(_new_hit(Hit, (path, *k)))
        return out

    def _scored(self, spans: list[Span], text: str | None, field: Field) -> tuple[_Known, ...]:
        """The spans kept, scored with the field's hints, masked: hits less their path."""
        types = self.sel.types
        scored: list[Span] = []
        min_score = self.min_score
        hints = field.hints
        numeric_id = field.numeric_id
        for s in spans:
            if types is not None and s.entity_type not in types:
                continue
            score = s.score
            if hints and _HINT_OF.get(s.entity_type, s.entity_type) in hints:
                score = min(1.0, score + HINT_BOOST)
            elif numeric_id and s.entity_type in _NUMERIC_ENTITIES:
                score -= NUMERIC_ID_PENALTY
            score = round(score, 2)
            if score < min_score or score <= 0.0:
                continue
            scored.append(s._replace(score=score) if score != s.score else s)
        if len(scored) > 1:
            scored = _resolve_overlaps(scored)
        known: list[_Known] = []
        for s in scored:
            raw = s.normalized
            if raw is None:
                raw = text[s.start : s.end] if text is not None else ""
            known.append(
                (s.entity_type, s.start, s.end, s.score, mask(s.entity_type, raw), s.normalized)
            )
        return tuple(known)


def clear_caches() -> None:
    """Forget the per-value caches (known short values, each detector's own: phone windows,
    IP verdicts…) and the field hints.

    Those caches hold raw values seen recently, so that repeated values cost nothing; a
    long-lived process that is done detecting can drop them.
    """
    for sel in _SELECTIONS.values():
        sel.memo.clear()
    for detector in (*DETECTORS, *optional_detectors()):
        detector.clear_caches()
    field_for.cache_clear()


def _resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Where two candidates claim the same characters, the stronger (then longer) wins.

    A validated IBAN also reads as a phone number, a card as a phone: one piece of data
    must be counted once.
    """
    by_place = sorted(spans, key=_place)
    end = -1
    for s in by_place:
        if s.start >= s.end or s.start < end:
            break
        end = s.end
    else:
        return by_place  # the usual case: nothing overlaps, nothing to choose
    ordered = sorted(spans, key=lambda s: (-s.score, s.start - s.end, s.start))
    kept: list[Span] = []
    for s in ordered:
        if s.start == s.end or all(s.end <= k.start or s.start >= k.end for k in kept):
            kept.append(s)
    kept.sort(key=_place)
    return kept


_new_hit = tuple.__new__

# (start, end) of a Span, read at C speed.
_place = itemgetter(1, 2)
