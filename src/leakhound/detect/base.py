"""The Detector contract: what every entity detector provides and returns."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple


class Hit(NamedTuple):
    """One piece of personal data found in one string field of a document.

    ``normalized`` is the canonical form used to count distinct people (lower-cased
    de-obfuscated e-mail, E.164 phone, …). It is a raw personal value: it lives in
    memory only while detecting and must go through ``leakhound.redact`` before it is
    stored or shown. ``masked`` is already safe to store and print.

    Offsets index the field's value as a Python ``str``; for a number they index
    ``str(number)``; for a structured value (a ``{"lat": …, "lon": …}`` object or a
    ``[lon, lat]`` array) both are 0.

    A named tuple: a detector makes several per document, and a tuple is built in a
    third of the time of a frozen dataclass.
    """

    path: str  # JSON path of the field: "customer.email", "notes[2].text"
    entity_type: str  # Presidio's UPPER_SNAKE name, e.g. "EMAIL_ADDRESS"
    start: int  # Python string index in the field's value
    end: int
    score: float  # 0..1
    masked: str  # e.g. "j***@e***.com"
    normalized: str | None = None


class Span(NamedTuple):
    """What a detector returns: a candidate before field hints, filtering and masking."""

    entity_type: str
    start: int
    end: int
    score: float
    normalized: str | None = None


@dataclass(frozen=True, slots=True)
class Field:
    """What is known of the field a value sits in, before looking at the value.

    ``hints`` are entity types that the field's name or mapping type suggests (a field
    named ``email`` hints EMAIL_ADDRESS); ``numeric_id`` is set for names such as
    ``order_id``, ``version`` or ``serial`` whose digits are rarely a person's.
    """

    path: str  # ES-style dotted path, array indices dropped: "notes.text"
    name: str  # leaf key, lower-cased: "text"
    parent: str = ""  # parent key, lower-cased: "notes"
    mapping_type: str | None = None  # a neutral models.FieldType, when the store says
    hints: frozenset[str] = frozenset()
    numeric_id: bool = False
    # "country" (also a locale or language: "fr_FR") or "address" when the field says
    # where its document's person is: ``region.py`` reads the value for that.
    place: str = ""


NO_FIELD = Field(path="", name="")


@dataclass(frozen=True, slots=True)
class Context:
    """What the rest of a document says about a value, gathered once per document.

    ``regions`` are the countries (ISO 3166 alpha-2, "FR") the document points at, the
    most trusted first: a country or locale field, a country in the customer's address,
    another phone's country code, an IBAN's country, an e-mail's country-code domain.
    A phone number written without its country code is read in those first.
    ``by_phone`` are those of ``regions`` only other phones' country codes point at: a
    national number grouped as another country prints it, with its trunk prefix, is read
    there rather than in them ("+49 30 12345678 06 12 34 56 78" holds a French number),
    unless its first group is theirs as they print it ("06 12 34 56 78" after "+31 20 123
    4567" is the Dutch mobile 06 12345678).
    """

    regions: tuple[str, ...] = ()
    by_phone: frozenset[str] = frozenset()


NO_CONTEXT = Context()

# Entries of each per-value cache of the detectors (phone windows, IP verdicts): what a
# worker keeps between pages. At 65,536 the three filled to ~54 MiB and a full scan's
# worker grew from 114 to 159 MiB between 20,000 and 400,000 support cases; at 8,192 it stays
# at 99-103 MiB, the lower hit ratio costing ~3 µs of ~370 a document (unmeasurable in the
# CPU per document, and in detect_speed.py's figure): benchmarks/worker_memory.py.
VALUE_CACHE_ENTRIES = 8192


class Detector(ABC):
    """One kind of personal data (sometimes a family, e.g. national ids)."""

    id: ClassVar[str]  # unique, the module's name: "email"
    entities: ClassVar[frozenset[str]]  # entity types it can return
    # Also run on integers (as ``str(n)``): phone numbers, cards, ids stored as numbers.
    numeric: ClassVar[bool] = False
    # Strings with fewer digits than this are not offered (a cheap count, made once).
    min_digits: ClassVar[int] = 0
    # Also offered whole dicts/lists (geo_point objects): see ``find_structured``.
    structured: ClassVar[bool] = False
    # Hyperscan patterns (``gate.py``) of which one must match somewhere in a string for
    # ``find`` to return anything there, unless the field's name hints this detector's
    # entities. Each must be a necessary condition of the detector's own candidates,
    # never a guess: a gate skips work and may not change a result. Empty: always run.
    gate: ClassVar[tuple[str, ...]] = ()
    # Reads the document's ``Context`` beside the field: the walk calls ``find_in``.
    contextual: ClassVar[bool] = False
    # Reads many values in one call (a model's batch): the walk calls ``find_many`` once
    # for all the strings of a page instead of ``find`` for each.
    batched: ClassVar[bool] = False

    @abstractmethod
    def find(self, text: str, field: Field) -> list[Span]:
        """Candidates in one string value; must be cheap when there is nothing to find."""

    def find_in(self, text: str, field: Field, context: Context) -> list[Span]:
        """``find`` knowing the rest of the document (only when ``contextual``)."""
        return self.find(text, field)

    def find_many(self, texts: Sequence[str], fields: Sequence[Field]) -> list[list[Span]]:
        """``find`` for each of many values, in order (faster only when ``batched``)."""
        return [self.find(t, f) for t, f in zip(texts, fields, strict=True)]

    def find_structured(self, value: Any, field: Field) -> list[Span]:
        """Candidates in a whole dict or list value (only when ``structured``)."""
        return []

    def clear_caches(self) -> None:  # noqa: B027 - most detectors keep no cache
        """Forget the raw values this detector keeps to answer repeated values faster.

        ``scan.clear_caches`` calls it on every detector; a detector without per-value
        caches has nothing to do.
        """
