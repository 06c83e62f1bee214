"""Who counts as a person, and how many people a store holds.

**The definition**, for sample and full scans alike: the distinct identifiers of the most
identifying kind present in the store (an e-mail address, else a phone number, else an IBAN,
a national identifier, a card), across all its fields and all its containers, each counted
once. Names repeat across people; IP addresses and places are not people. One person may have
two e-mail addresses, so the figure can exceed the number of people; it never leaves anyone
out whose identifier the store holds.

**How a scan gets it**, most exact first:

1. read the identifying fields of every record (a full scan; or a sample scan of a store small
   enough, ``ScanOptions.people_read``): counted;
2. the store counts the distinct values of its keyword fields itself (Elasticsearch's
   ``cardinality``), and identifiers found only in free text are estimated from the sample;
3. everything estimated from the sample.

The sample estimate is Shlosser's (1981), built for a sample in which each record is drawn
with the same probability: from how many values the sample saw once, twice, …, it extrapolates
to the records not read. It is exact when every identifier appears once (each seen value then
stands for N/n) and shrinks as values recur. Its range is a true one: at least the values seen,
at most what the unread records could hold at the sample's own highest rate per record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..detect import scan_batch
from ..redact import keyed_digest

# Most identifying first: the first present names the figure.
IDENTIFYING = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "IBAN_CODE",
    "US_SSN",
    "FR_NIR",
    "DE_TAX_ID",
    "NL_BSN",
    "UK_NINO",
    "ES_NIF",
    "ES_NIE",
    "IT_FISCAL_CODE",
    "CREDIT_CARD",
)


def people_type(types: Iterable[str]) -> str | None:
    """The most identifying type among ``types``, or None."""
    present = set(types)
    return next((t for t in IDENTIFYING if t in present), None)


@dataclass
class SampledIdentifiers:
    """The identifiers of one type a sample held: keyed digests only, never a value.

    ``docs`` counts how many sampled records hold each digest; ``fields``, where each was
    found; ``per_record``, the most distinct values one record held.
    """

    entity_type: str
    records: int = 0  # records sampled
    docs: Counter[bytes] = field(default_factory=Counter)
    fields: dict[str, set[bytes]] = field(default_factory=dict)
    per_record: int = 0

    def merge(self, other: SampledIdentifiers) -> None:
        """Add another container's sample (of the same store)."""
        self.records += other.records
        self.docs.update(other.docs)
        for name, digests in other.fields.items():
            self.fields.setdefault(name, set()).update(digests)
        self.per_record = max(self.per_record, other.per_record)


def shlosser(frequencies: Mapping[int, int], sampled: int, total: int) -> float:
    """Distinct values in ``total`` records, from ``frequencies`` (k -> values seen in k
    sampled records) in ``sampled`` records (Shlosser 1981, Bernoulli sampling)."""
    seen = sum(frequencies.values())
    if sampled <= 0 or total <= sampled or seen == 0:
        return float(seen)
    q = sampled / total
    f1 = frequencies.get(1, 0)
    num = sum((1 - q) ** k * n for k, n in frequencies.items())
    den = sum(k * q * (1 - q) ** (k - 1) * n for k, n in frequencies.items())
    return seen + (f1 * num / den if den else 0.0)


def halving_sample(frequencies: Mapping[int, int], sampled: int, total: int) -> int | None:
    """Records a sample would need for the estimate's range to be half as wide (the range
    shrinks with the records not read); None when the sample is already the whole store."""
    if sampled >= total:
        return None
    return min(total, max(sampled + 1, (total + sampled) // 2))


@dataclass(frozen=True, slots=True)
class Estimate:
    """A distinct count from a sample, with a range that holds."""

    value: int
    low: int
    high: int
    basis: str


def from_sample(
    sample: SampledIdentifiers,
    total: int,
    *,
    leave_out: set[bytes] | None = None,
    scope: tuple[int, int] | None = None,
) -> Estimate:
    """Distinct identifiers in ``total`` records from what the sample saw (``leave_out``:
    values already counted another way, e.g. by the store).

    ``scope`` (records sampled, records) narrows the extrapolation to the containers whose
    sample held such identifiers at all: records of a kind that never carries them (a
    payroll beside support cases) would dilute the rate. The range stays over every record.
    """
    counts = Counter(n for d, n in sample.docs.items() if not leave_out or d not in leave_out)
    seen = sum(counts.values())
    n = sample.records
    if n >= total or n == 0:
        return Estimate(seen, seen, seen, f"{seen:,} distinct in all {total:,} records read")
    scoped_n, scoped_total = scope if scope and 0 < scope[0] <= scope[1] else (n, total)
    value = round(shlosser(counts, scoped_n, scoped_total))
    rate = max(sample.per_record, 1) if seen else 0
    high = seen + (total - n) * rate
    more = halving_sample(counts, n, total)
    where = (
        f" (extrapolated over the {scoped_total:,} records of the containers whose "
        f"sample held them)"
        if (scoped_n, scoped_total) != (n, total)
        else ""
    )
    return Estimate(
        min(max(value, seen), high),
        seen,
        high,
        f"{seen:,} distinct in {n:,} sampled records of {total:,}{where}, extrapolated with "
        f"Shlosser's estimator from how often each recurs (range: the values seen, up to "
        f"{rate} new per unread record); a sample of {more:,} records would halve the range",
    )


def identifier_digests(
    docs: Sequence[Any],
    *,
    entity_type: str,
    field_types: Mapping[str, str] | None,
    min_score: float,
    key: bytes,
) -> list[bytes]:
    """The keyed digests of one type's identifiers in some records (what a worker returns
    when a store's identifiers are read whole: never a value)."""
    out: list[bytes] = []
    for hits in scan_batch(
        docs, types=(entity_type,), min_score=min_score, field_types=field_types
    ):
        out += [
            keyed_digest(key, h.normalized)
            for h in hits
            if h.entity_type == entity_type and h.normalized
        ]
    return out
