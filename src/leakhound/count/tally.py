"""Counts over a full read of one container: mergeable, serialisable, free of raw values.

A ``Tally`` is what one batch, one partition or one whole container yields: records read,
records carrying each PII type (in any field, and per field), records per year of the main
date field (or, where the container names none, of each usual name of a record's date:
``years_by_name``, the one dating the most chosen at the end), and distinct values per type
and per (type, field) in a ``DistinctCounter`` (keyed digests, then HyperLogLog). Batches are
counted in worker processes; partitions merge their batches; a container merges its
partitions; an endpoint merges its containers. ``to_bytes`` is the checkpoint form.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

from ..detect import scan_batch
from ..models import Distinct, FullField, FullPii, People
from ..redact import keyed_digests
from .distinct import PART_DIGESTS, DistinctCount, DistinctCounter
from .people import people_type
from .summary import field_path

_MAGIC = b"LHTALLY1"
_SEP = "\t"  # a DistinctCounter key per field: "EMAIL_ADDRESS\tcustomer.email"
_YEAR = re.compile(r"\s*([+-]?\d{4,6})-")  # ISO dates; "2012-03-04T…" → 2012
# Digests (16 bytes each, all keys of a tally together) held in memory before the rest goes to
# a spill file: 512 KiB per tally whatever the volume. A batch of 1,000 support cases gives
# ~17,000 (20 keys), so a worker's batch never touches the disk; a scan holds four tallies
# at once (endpoint, index, two slices).
MEMORY_LIMIT = 32_768
# Fractions of a second past microseconds (Elasticsearch's date_nanos), which Python's ISO
# parser refuses: cut to six digits.
_FRACTION = re.compile(r"(\.\d{6})\d+")


def _lookup(doc: Any, path: str) -> Any:
    value = doc
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def year_of(value: Any) -> int | None:
    """The year of a date as Elasticsearch stores it: ISO text, or epoch milliseconds."""
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, str):
        if value.isascii() and value.isdigit() and 10 <= len(value) <= 20:  # epoch_millis
            value = int(value)
        else:
            m = _YEAR.match(value)
            if not m or not 0 < (year := int(m.group(1))) < 10000:
                return None
            return _utc_year(value, m.end(), year)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value / 1000, dt.UTC).year
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _utc_year(value: str, month: int, year: int) -> int:
    """The year of a date written with its offset, in UTC (as the stores count their records
    a year): only a time in the first or last day of a year can be in another year in UTC,
    so only those are parsed; a text that does not parse keeps the year it is written in."""
    if value[month : month + 5] not in ("01-01", "12-31"):
        return year
    try:
        when = dt.datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()))
        # Year 1 or 9999 in an offset can leave the calendar Python knows: as written then.
        return year if when.tzinfo is None else when.astimezone(dt.UTC).year
    except (ValueError, OverflowError):
        return year


# The names a record's own date goes by, the most telling first: where the inventory named no
# date field (a Redis hash, the rows of an exported file), the records read whole are dated by
# the first of them they hold (``years_by_name``).
DATE_NAMES = (
    "created_at",
    "createdAt",
    "created",
    "creation_date",
    "date_created",
    "timestamp",
    "@timestamp",
    "date",
    "opened_at",
    "registered_at",
    "updated_at",
    "time",
)


def years_by_name(
    docs: Iterable[Any], names: Sequence[str] = DATE_NAMES
) -> dict[str, Counter[int]]:
    """Records a year of each of ``names`` a record holds at its top level as date text
    (``2019-03-04…``). A number is left out: seconds or milliseconds since 1970, nothing in
    a record without a schema says which."""
    out: dict[str, Counter[int]] = {}
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        for name in names:
            value = doc.get(name)
            if isinstance(value, str) and not value.strip().isdigit():
                year = year_of(value)
                if year is not None:
                    out.setdefault(name, Counter())[year] += 1
    return out


def most_dated(found: Mapping[str, Counter[int]]) -> tuple[str | None, Counter[int]]:
    """Of the years each usual name dated (``years_by_name``), the name that dated the most
    records (of two alike, the more telling) and its years; (None, empty) for none."""
    if not found:
        return None, Counter()
    rank = {name: n for n, name in enumerate(DATE_NAMES)}
    name = min(found, key=lambda f: (-found[f].total(), rank.get(f, len(rank)), f))
    return name, found[name]


def years_of(docs: Iterable[Any], date_field: str) -> Counter[int]:
    """Records a year of ``date_field`` (a dotted path) in some records; those without a
    date it can read are in no year."""
    years: Counter[int] = Counter()
    for doc in docs:
        year = year_of(_lookup(doc, date_field))
        if year is not None:
            years[year] += 1
    return years


class Tally:
    """Counts over some documents of one index; ``merge`` adds another tally of the same key."""

    def __init__(self, key: bytes, counter: DistinctCounter | None = None) -> None:
        self.key = key
        self.docs = 0
        self.by_type: Counter[str] = Counter()
        self.by_field: Counter[str] = Counter()  # "TYPE\tfield" -> documents
        self.years: Counter[int] = Counter()
        # Without a main date field: the years each usual name of a record's date dated.
        self.guessed: dict[str, Counter[int]] = {}
        self.subjects = counter or DistinctCounter(key, memory_limit=MEMORY_LIMIT)

    def add_documents(
        self,
        docs: Sequence[Any],
        field_types: Mapping[str, str] | None,
        date_field: str | None,
        *,
        min_score: float = 0.5,
    ) -> None:
        """Run the detectors over documents and count what they carry (in a worker process).

        The identifiers of all the documents are gathered first, each distinct one hashed
        once and handed to the counter as one packed block per key: a customer's address in
        three fields of one page costs one HMAC, and no sketch is fed while a count is exact.
        """
        found = scan_batch(docs, min_score=min_score, field_types=field_types)
        if not date_field:
            self._guess(years_by_name(docs))
        keys: dict[tuple[str, str], str] = {}  # (type, hit path) -> "TYPE\tfield"
        values: defaultdict[str, list[str]] = defaultdict(list)  # counter key -> values
        by_type, by_field, years = self.by_type, self.by_field, self.years
        for doc, hits in zip(docs, found, strict=True):
            if date_field:
                year = year_of(_lookup(doc, date_field))
                if year is not None:
                    years[year] += 1
            if not hits:
                continue
            types: set[str] = set()
            fields: set[str] = set()
            for hit in hits:
                etype = hit.entity_type
                key = keys.get((etype, hit.path))
                if key is None:
                    key = keys[etype, hit.path] = etype + _SEP + field_path(hit.path)
                types.add(etype)
                fields.add(key)
                if hit.normalized is not None:
                    values[etype].append(hit.normalized)
                    values[key].append(hit.normalized)
            by_type.update(types)
            by_field.update(fields)
        self.docs += len(docs)
        if values:
            digest = keyed_digests(self.key, {v for vs in values.values() for v in vs})
            for key, vs in values.items():
                self.subjects.add_digests(key, b"".join({digest[v] for v in vs}))

    def merge(self, other: Tally) -> None:
        """Add another tally (another batch, slice or index) into this one."""
        self.docs += other.docs
        self.by_type.update(other.by_type)
        self.by_field.update(other.by_field)
        self.years.update(other.years)
        self._guess(other.guessed)
        self.subjects.merge(other.subjects)

    def merge_bytes(self, data: bytes) -> None:
        """Add a serialised tally (``to_bytes``) into this one without restoring it first."""
        head, counter = _parse(data)
        self.subjects.merge_bytes(counter)  # first: it refuses another key before any change
        self.docs += head["docs"]
        self.by_type.update(head["types"])
        self.by_field.update(head["fields"])
        self.years.update({int(y): n for y, n in head["years"].items()})
        self._guess(_guessed(head))

    def _guess(self, found: Mapping[str, Mapping[int, int]]) -> None:
        for name, years in found.items():
            self.guessed.setdefault(name, Counter()).update(years)

    # -- results ---------------------------------------------------------------------

    def _distinct(self, key: str) -> Distinct:
        c: DistinctCount = self.subjects.count(key)
        return Distinct(c.estimate, c.lower, c.upper, c.exact)

    def pii(self) -> tuple[FullPii, ...]:
        """Per PII type: documents, distinct values and per-field figures, most common first."""
        out = []
        for etype, docs in sorted(self.by_type.items(), key=lambda kv: (-kv[1], kv[0])):
            fields = []
            for key, n in self.by_field.items():
                t, _, path = key.partition(_SEP)
                if t == etype:
                    fields.append(FullField(path, n, self._distinct(key)))
            fields.sort(key=lambda f: (-f.docs, f.path))
            out.append(FullPii(etype, docs, self._distinct(etype), tuple(fields)))
        return tuple(out)

    def people(self) -> People | None:
        """Distinct people (``count/people.py``): the distinct identifiers of the most
        identifying type present, across all its fields."""
        etype = people_type(self.by_type)
        if etype is None:
            return None
        fields = sorted(
            {k.partition(_SEP)[2] for k in self.by_field if k.partition(_SEP)[0] == etype}
        )
        return People(etype, "*", self._distinct(etype), tuple(fields))

    def pii_fields(self) -> tuple[str, ...]:
        """Every field carrying some PII type."""
        return tuple(sorted({k.partition(_SEP)[2] for k in self.by_field}))

    def year_counts(self) -> list[tuple[int, int]]:
        """(year, documents), oldest first: of the main date field, else of the usual name
        of a record's date that dated the most (``dated_by``)."""
        return sorted((self.years or self.dated_by()[1]).items())

    def dated_by(self) -> tuple[str | None, Counter[int]]:
        """Where the records were counted without a main date field: the usual name of a
        record's date that dated the most of them, and its years (``most_dated``)."""
        return most_dated(self.guessed) if not self.years else (None, Counter())

    # -- checkpoints -----------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Counts and keyed digests only: never a raw value, never the key."""
        return _pack(self._head(), self.subjects.to_bytes())

    def to_parts(self, digests_per_part: int = PART_DIGESTS) -> Iterator[bytes]:
        """``to_bytes`` in pieces of bounded size (``DistinctCounter.to_parts``): the first
        carries the counts, the others digests only; merged together they are this tally."""
        head = self._head()
        empty = orjson.dumps({"docs": 0, "types": {}, "fields": {}, "years": {}, "guessed": {}})
        for n, part in enumerate(self.subjects.to_parts(digests_per_part)):
            yield _pack(head if n == 0 else empty, part)

    def _head(self) -> bytes:
        return orjson.dumps(
            {
                "docs": self.docs,
                "types": dict(self.by_type),
                "fields": dict(self.by_field),
                "years": {str(y): n for y, n in self.years.items()},
                "guessed": {
                    name: {str(y): n for y, n in years.items()}
                    for name, years in self.guessed.items()
                },
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes, key: bytes) -> Tally:
        """A tally restored from ``to_bytes``; ``key`` must be the one it was made with."""
        head, counter = _parse(data)
        tally = cls(key, DistinctCounter.from_bytes(counter, key, memory_limit=MEMORY_LIMIT))
        tally.docs = head["docs"]
        tally.by_type.update(head["types"])
        tally.by_field.update(head["fields"])
        tally.years.update({int(y): n for y, n in head["years"].items()})
        tally._guess(_guessed(head))
        return tally

    def close(self) -> None:
        """Delete the subject counter's spill file, if any."""
        self.subjects.close()


def _guessed(head: Mapping[str, Any]) -> dict[str, dict[int, int]]:
    """A serialised head's years by usual date name (none in a checkpoint made before)."""
    return {
        name: {int(y): n for y, n in years.items()}
        for name, years in (head.get("guessed") or {}).items()
    }


def _pack(head: bytes, counter: bytes) -> bytes:
    """A serialised tally: its counts (JSON) and its subject counter's checkpoint."""
    return _MAGIC + struct.pack(">I", len(head)) + head + counter


def _parse(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The counts of a serialised tally and its subject counter's checkpoint."""
    if not data.startswith(_MAGIC):
        raise ValueError("not a leakhound tally")
    (size,) = struct.unpack_from(">I", data, len(_MAGIC))
    start = len(_MAGIC) + 4
    return orjson.loads(data[start : start + size]), data[start + size :]


def merged(key: bytes, blobs: Iterable[bytes]) -> Tally:
    """One tally from serialised ones."""
    total = Tally(key)
    try:
        for blob in blobs:
            total.merge_bytes(blob)
    except BaseException:
        total.close()
        raise
    return total


def count_batch(
    docs: Sequence[Any],
    field_types: Mapping[str, str] | None,
    date_field: str | None,
    min_score: float,
    key: bytes,
) -> bytes:
    """Detect and count one batch: what a worker process (or a Dask task) runs."""
    tally = Tally(key)
    try:
        tally.add_documents(docs, field_types, date_field, min_score=min_score)
        return tally.to_bytes()
    finally:
        tally.close()
