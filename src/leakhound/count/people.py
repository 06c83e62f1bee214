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
2. the store counts the distinct values of its fields of identifiers itself, and lists them
   where they are few enough to count each once (Elasticsearch's keyword fields:
   ``cardinality``, ``composite``; PostgreSQL's and MySQL's text columns whose identifiers
   the sample found whole: ``count(DISTINCT …)``, ``SELECT DISTINCT`` in keyset pages), and
   identifiers found only in free text are estimated from the sample. A count of values as
   stored holds "Jane@x.com" and "jane@x.com" apart: it stands for as many people as the
   sample's values of that field are identifiers per value (``Folds``), and bounds people
   below only where the sample read no two values of one identifier there;
3. everything estimated from the sample.

The sample estimate starts from how many identifiers the sample saw once, twice and three
times, each weighted by its container's records not read per record read ((N - n) / n:
containers sampled at different rates, a 1% sample of the cases beside half the payroll, are
never pooled as one).
Its range is a likely one: at least the values seen plus Chao's lower estimate of those not
seen (f1^2 / (2 f2 + f1 n / (N - n)), a lower bound in expectation for any population), at
most each value seen once standing for all the records not read (f1 (N - n) / n, an upper
bound in expectation: it is exact when every identifier appears once), each widened by two
standard deviations of f1 and f2 for the sample's chance. Where the sample saw identifiers
three times (f3), the upper end is lowered: of people who write alike, several times each,
those seen twice and three times tell how many are seen once (f2² / (f2 + f3) in the weights'
terms, as in Chao's count of the unseen from f1 and f2: the sample read as two kinds, people
in one record of the store and people who write alike), and only the values seen once beyond
them stand for the records unread; f3 is taken at its likely high, so that a sample that saw
few tells nothing and the upper end stays where it was (``_two_kinds``). The figure is the
geometric middle of the two bounds without that margin (but f3's), and the basis says within
what factor of either end of the range it lies (about the square root of their ratio): a
1% sample of support cases, where a customer writes three times but a one-off address appears
once, cannot tell more. Where that
factor is over ``TOLD_FACTOR`` (the range's ends over four times apart: a sample too thin to
tell people who write once from people who write often) the range is the figure, shown as
"between A and B" (``told``; ``benchmarks/people_estimate.py`` measures both). The range
assumes the records sampled are like the rest. PostgreSQL's and MySQL's samples are drawn
at random over the whole table where its size and key allow (``probes/sampling.py``),
Elasticsearch's and OpenSearch's over the whole index, MongoDB's at a random place of each span
of the ``_id`` range and CouchDB's of its id range, which makes it hold whatever the
container's order; FerretDB's are runs of neighbours, which may be alike; other kinds' samples
are the first records a store returns,
which holds in the lab (its indices are in case order, customers drawn apart from it) but not
in a table ordered by customer. The basis says which (``DRAWN``). Beside the
likely range stands the one that always holds: at least the values seen, at most what the
unread records could hold at the sample's own highest rate per record (in the basis).

Shlosser's estimator (1981), which this replaced, extrapolates as if such a sample could tell
how often the unseen recur: it read the first 100 of the lab's 10,000 cases as 10,228 people
where they hold 3,433, and the whole store's pooled sample as 6,921 of its 3,543.
"""

from __future__ import annotations

import math
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


@dataclass(frozen=True, slots=True)
class Folds:
    """The distinct values of one field a sample read whole, as stored, and the distinct
    identifiers they are (an address's letter case folded): what a store's count of that
    field's values as stored is worth in people."""

    identifiers: int
    values: int

    @property
    def variants(self) -> bool:
        """Whether two values read are one identifier ("Jane@x.com", "jane@x.com"): the
        store's count as stored then counts some people twice or more."""
        return self.values > self.identifiers


@dataclass
class SampledIdentifiers:
    """The identifiers of one type a sample held: keyed digests only, never a value.

    ``docs`` counts how many sampled records hold each digest; ``fields``, where each was
    found; ``per_record``, the most distinct values one record held; ``partial``, the fields
    where one was found inside a longer value (free text that mentions it), or where a value
    read alone does not give it (a phone number whose country another field said): a field
    not in it held its identifiers whole, each value the identifier itself, which a store
    can count and list (``Probe.count_distinct``) as identifiers.
    """

    entity_type: str
    records: int = 0  # records sampled
    docs: Counter[bytes] = field(default_factory=Counter)
    fields: dict[str, set[bytes]] = field(default_factory=dict)
    per_record: int = 0
    partial: set[str] = field(default_factory=set)
    # Per field, each distinct value read whole there as stored (its keyed digest) and the
    # identifier it gave (the digest in ``fields``): two values of one identifier
    # ("Jane@x.com" and "jane@x.com") are variants, which a store's count of values as stored
    # counts apart (``folds``).
    stored: dict[str, dict[bytes, bytes]] = field(default_factory=dict)

    def whole(self, name: str) -> bool:
        """Whether every identifier the sample found in field ``name`` was its value whole."""
        return name in self.fields and name not in self.partial

    def folds(self, name: str) -> Folds:
        """What the values of field ``name`` the sample read whole fold to: how many distinct
        identifiers, of how many distinct values as stored."""
        values = self.stored.get(name, {})
        return Folds(len(set(values.values())), len(values))

    def merge(self, other: SampledIdentifiers) -> None:
        """Add another container's sample (of the same store)."""
        self.records += other.records
        self.docs.update(other.docs)
        for name, digests in other.fields.items():
            self.fields.setdefault(name, set()).update(digests)
        self.per_record = max(self.per_record, other.per_record)
        self.partial |= other.partial
        for name, values in other.stored.items():
            self.stored.setdefault(name, {}).update(values)


def halving_sample(frequencies: Mapping[int, int], sampled: int, total: int) -> int | None:
    """Records a sample would need for the estimate's range to be half as wide (the range
    shrinks with the records not read); None when the sample is already the whole store."""
    if sampled >= total:
        return None
    return min(total, max(sampled + 1, (total + sampled) // 2))


@dataclass(frozen=True, slots=True)
class Stratum:
    """One container's sample: how many sampled records held each digest, of its records."""

    docs: Mapping[bytes, int]
    sampled: int
    total: int

    @property
    def unread_per_read(self) -> float:
        """Records not read for each record read: what one value seen once stands for."""
        if 0 < self.sampled < self.total:
            return (self.total - self.sampled) / self.sampled
        return 0.0


# Standard deviations of margin on the counts of values seen once and twice: a sample's
# chance moves them by about their square root (the range's coverage of populations of many
# shapes: tests/count/test_people.py).
MARGIN = 2.0


@dataclass(frozen=True, slots=True)
class LikelyRange:
    """Distinct values from strata of a sample: seen, the likely range and its middle."""

    seen: int
    once: int  # values seen in one sampled record
    twice: int  # values seen in two
    low: float
    value: float
    high: float
    thrice: int = 0  # values seen in three
    told_apart: bool = False  # the upper end lowered by those seen three times (``_two_kinds``)


def _two_kinds(a: float, b: float, c: float) -> float:
    """The values not seen, were the values of a sample of two kinds: people seen once in the
    whole store (every one seen once standing for the records unread) and people who write
    alike, several times each (Chao's count): ``a``, ``b``, ``c`` the weighted counts of values
    seen once, twice and three times. Of people who write alike, those seen twice and three
    times tell how many are seen once (b² / (b + c), in ``a``'s weight); those seen once beyond
    them are the first kind. Never above ``a`` (all of the first kind) nor below Chao's count
    (none of it); it is either where the sample is of one kind."""
    if b <= 0:
        return a
    alike = min(a, b * b / (b + c))
    return a - alike + alike * alike / (b + alike)


def likely_range(strata: Sequence[Stratum], leave_out: set[bytes] | None = None) -> LikelyRange:
    """The distinct values of the strata's records, from their samples (the module's
    docstring says how; ``leave_out``: values counted another way)."""
    held: dict[bytes, list[float]] = {}
    r_max = 0.0
    for st in strata:
        r = st.unread_per_read
        found = False
        for d, k in st.docs.items():
            if k > 0 and not (leave_out and d in leave_out):
                held.setdefault(d, []).extend([r] * k)
                found = True
        if found:
            r_max = max(r_max, r)
    seen = len(held)
    once = twice = thrice = 0
    # Values seen once, twice, three times, each weighted by what it stands for, and the
    # weights' squares: a sample's chance moves each count by about its square root, each
    # value by its weight.
    a = b = c = a2 = b2 = c2 = 0.0
    for rs in held.values():
        if len(rs) == 1:
            once, a, a2 = once + 1, a + rs[0], a2 + rs[0] ** 2
        elif len(rs) == 2:
            w = 2 * rs[0] * rs[1]
            twice, b, b2 = twice + 1, b + w, b2 + w * w
        elif len(rs) == 3:
            w = 6 * rs[0] * rs[1] * rs[2]
            thrice, c, c2 = thrice + 1, c + w, c2 + w * w
    z = MARGIN
    a_low = max(0.0, a - z * math.sqrt(a2))
    a_high = a + z * math.sqrt(a2) + r_max * z * z / 2
    b_low = max(0.0, b - z * math.sqrt(b2))
    b_high = b + z * math.sqrt(b2) + r_max**2 * z * z
    # Those seen three times at their likely high: few of them (none, in a thin sample) tell
    # nothing, and the upper end stays each seen once standing for the records unread.
    c_high = c + z * math.sqrt(c2) + 3 * r_max**3 * z * z
    low0 = seen + (a * a / (b + a) if a else 0.0)
    high = seen + _two_kinds(a_high, b_low, c_high)
    return LikelyRange(
        seen,
        once,
        twice,
        seen + (a_low * a_low / (b_high + a_low) if a_low else 0.0),
        math.sqrt(low0 * (seen + _two_kinds(a, b, c_high))),
        high,
        thrice,
        high < seen + a_high,
    )


# The factor within which a figure from a sample is shown as one figure: past it (a figure
# that may be off by more, its range's ends over four times apart) the range is the figure,
# "between A and B". Where a sample saw too few identifiers twice or more, it cannot tell
# people who write once from people who write often: five records a person and one each
# give it the same identifiers seen once, and the truth may lie anywhere between Chao's
# count (right for the first) and each seen once standing for the records unread (right for
# the second) (``benchmarks/people_estimate.py``).
TOLD_FACTOR = 2.0


def told(value: int, low: int, high: int | None) -> bool:
    """Whether an estimate's figure is shown as one figure: within ``TOLD_FACTOR`` of either
    end of its range (else its range is the figure: "between ``low`` and ``high``")."""
    if high is None or low <= 0 or value <= 0:
        return high is not None and low == high
    return max(value / low, high / value) <= TOLD_FACTOR


# How the records sampled were drawn (``Sample.drawn``), as the basis says it: the likely range
# assumes they are like the rest.
DRAWN = {
    "first": "the first a store returns are taken as such",
    "spread": "they were drawn at random over each container's records",
    "runs": (
        "they are runs of neighbouring records at places spread over each container, "
        "neighbours perhaps more alike than the rest"
    ),
    "mixed": (
        "some containers' were drawn over all their records (at random places, or in runs "
        "of neighbours), the first of others taken as such"
    ),
}


def drawn_as(each: Iterable[str | None]) -> str:
    """How a store's samples were drawn, from each container's (None: its first records):
    the one way they all share, "mixed" where some are the first records, else "runs" (the
    weaker of the two spread ways)."""
    found = {d or "first" for d in each}
    if len(found) <= 1:
        return found.pop() if found else "first"
    return "mixed" if "first" in found else "runs"


@dataclass(frozen=True, slots=True)
class Estimate:
    """A distinct count from a sample, with its likely range and the range that holds."""

    value: int
    low: int
    high: int
    basis: str
    floor: int = 0  # the range that always holds: the values seen …
    ceiling: int = 0  # … and what the unread records could hold at the sample's rate

    @property
    def exact(self) -> bool:
        """Nothing left unread that could hold another value."""
        return self.floor == self.ceiling


def from_sample(
    sample: SampledIdentifiers,
    total: int,
    *,
    leave_out: set[bytes] | None = None,
    strata: Sequence[Stratum] | None = None,
    drawn: str = "first",
    figure: tuple[float, str] | None = None,
) -> Estimate:
    """Distinct identifiers in ``total`` records from what the sample saw (``leave_out``:
    values already counted another way, e.g. by the store).

    ``strata``: the sample container by container, each extrapolated at its own rate (the
    store's records are theirs: a container whose sample held no such identifier, a payroll
    beside support cases, dilutes no other's rate). Without them the sample is one stratum.
    The range that always holds stays over every record. ``drawn``: how the records sampled
    were drawn (a key of ``DRAWN``), which the basis says. ``figure``: the figure, and how it
    was had, where the caller knows better than the middle of the range (kept inside it).
    """
    counts = Counter(n for d, n in sample.docs.items() if not leave_out or d not in leave_out)
    seen = sum(counts.values())
    n = sample.records
    if n >= total or n == 0:
        return Estimate(
            seen, seen, seen, f"{seen:,} distinct in all {total:,} records read", seen, seen
        )
    rate = max(sample.per_record, 1) if seen else 0
    ceiling = seen + (total - n) * rate
    if strata is None:
        strata = [Stratum(sample.docs, n, total)]
    where = f", each of {len(strata)} containers at its own rate" if len(strata) > 1 else ""
    got = likely_range(strata, leave_out)
    high = max(seen, min(math.ceil(got.high), ceiling))
    low = min(max(math.floor(got.low), seen), high)
    value = min(max(round(got.value if figure is None else figure[0]), low), high)
    how = (
        "the figure the middle of the two bounds before that margin on a log scale"
        if figure is None
        else figure[1]
    )
    factor = max(value / low, high / value) if low and value else None
    rates = {round(st.unread_per_read, 1) for st in strata if st.docs}
    stands = (
        f"{rates.pop():,.1f} more, the records not read per record read"
        if len(rates) == 1
        else "as many more as its container has records not read per record read"
    )
    more = halving_sample(counts, n, total)
    return Estimate(
        value,
        low,
        high,
        f"{seen:,} distinct in {n:,} sampled records of {total:,}{where}; likely between "
        f"{low:,} and {high:,} if the records sampled are like the rest "
        f"({DRAWN.get(drawn, DRAWN['first'])}): at least those seen plus Chao's lower estimate "
        f"of those not seen, at most each of the {got.once:,} seen once standing for {stands}"
        + (
            f" but for those of them the {got.twice:,} seen twice and {got.thrice:,} three "
            "times show to be people who write again, counted as Chao counts them"
            if got.told_apart
            else ""
        )
        + f" ({got.twice:,} seen twice; {MARGIN:g} standard deviations of margin for the "
        f"sample's chance), {how}"
        + (f", within a factor of {factor:.1f} of either end of the range" if factor else "")
        + (
            ""
            if not factor or told(value, low, high)
            else f" (more than {TOLD_FACTOR:g}: too few identifiers seen twice or more to "
            "tell people who write once from people who write often, the sample cannot say "
            "where in the range they lie, and the range is the figure)"
        )
        + f"; for "
        f"certain no fewer than the {seen:,} seen nor more than {ceiling:,} (up to {rate} "
        f"new per unread record), a range a sample of {more:,} records would halve",
        seen,
        ceiling,
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
