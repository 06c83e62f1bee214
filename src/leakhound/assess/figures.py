"""The numbers a breach notification asks for, read from a scan document.

Art. 33(3)(a) asks for the *approximate* number of data subjects and of records. Records are
counted exactly (documents, from ``_count``); people are estimated from each index's sample
until a full scan counts distinct identifiers. A ``Figure`` says which of the two it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from .categories import entity_class

EXPOSED = ("open", "partial")


class Method(StrEnum):
    """How a figure was obtained."""

    EXACT = "exact"  # counted
    ESTIMATE = "estimate"  # extrapolated (from a sample today; from a sketch tomorrow)
    GIVEN = "given"  # stated by the data's owner in the context file
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Figure:
    """A count that says how it was obtained, with bounds when it is an estimate."""

    value: int | None
    method: Method
    low: int | None = None  # a lower bound, when one is known
    high: int | None = None  # an upper bound, when one is known
    basis: str = ""  # one sentence: how the number was obtained

    @property
    def approximate(self) -> bool:
        """True unless the figure was counted or stated."""
        return self.method in (Method.ESTIMATE, Method.UNKNOWN)


@dataclass(frozen=True, slots=True)
class PiiKind:
    """One entity type in one index's sample."""

    entity_type: str
    docs: int  # sampled documents carrying it
    distinct: int  # distinct values in the sample
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IndexExposure:
    """One index of an exposed store, with what its sample showed."""

    url: str  # the store's base URL
    endpoint: str  # host:port
    name: str  # attacker-controllable: escape before showing
    docs: int | None
    sampled: int  # documents read in the sample (0: none)
    sample_error: str | None
    pii: tuple[PiiKind, ...]
    date_min: str | None
    date_max: str | None
    compromised: bool
    compromise_reasons: tuple[str, ...]
    subjects: Figure  # people in this index

    @property
    def entity_types(self) -> tuple[str, ...]:
        """The entity types found in the sample."""
        return tuple(k.entity_type for k in self.pii)

    @property
    def measured(self) -> bool:
        """True when a sample was read (or the index is empty), so PII absence means something."""
        return self.docs == 0 or (self.sampled > 0 and not self.sample_error)


@dataclass(frozen=True, slots=True)
class Store:
    """An exposed endpoint."""

    url: str
    endpoint: str
    verdict: str
    product: str
    reason: str
    first_seen_exposed: str | None
    indices: int
    docs: int


def exposed_results(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The results of endpoints that are open or partly open."""
    return (r for r in doc["results"] if r["service"]["verdict"] in EXPOSED)


def stores(doc: dict[str, Any]) -> tuple[Store, ...]:
    """Every exposed endpoint of the scan."""
    out = []
    for r in exposed_results(doc):
        svc = r["service"]
        fp = svc["fingerprint"]
        name = {"elasticsearch": "Elasticsearch", "opensearch": "OpenSearch"}.get(
            fp.get("product", ""), "unknown product")
        product = " ".join(x for x in (name, fp.get("version") or "") if x)
        out.append(Store(
            url=svc["url"], endpoint=_netloc(svc), verdict=svc["verdict"], product=product,
            reason=svc["reason"], first_seen_exposed=r["history"].get("first_seen_exposed"),
            indices=len(r["indices"]),
            docs=sum(ir["index"]["docs"] or 0 for ir in r["indices"])))
    return tuple(out)


def index_exposures(doc: dict[str, Any]) -> tuple[IndexExposure, ...]:
    """Every index of every exposed store, with its people estimated from its sample."""
    out = []
    for r in exposed_results(doc):
        svc = r["service"]
        for ir in r["indices"]:
            idx = ir["index"]
            sample = ir.get("sample") or {}
            sampled = int(sample.get("docs") or 0)
            pii = tuple(
                PiiKind(p["entity_type"], p["docs"], p["distinct"],
                        tuple(f["path"] for f in p["fields"]))
                for p in sample.get("pii", []))
            out.append(IndexExposure(
                url=svc["url"], endpoint=_netloc(svc), name=idx["name"], docs=idx["docs"],
                sampled=sampled, sample_error=sample.get("error") if sample else "not sampled",
                pii=pii, date_min=idx.get("date_min"), date_max=idx.get("date_max"),
                compromised=bool(idx["compromised"]),
                compromise_reasons=tuple(idx.get("compromise_reasons") or ()),
                subjects=_index_subjects(idx["docs"], sampled, pii)))
    return tuple(out)


def _netloc(svc: dict[str, Any]) -> str:
    ep = svc["endpoint"]
    host = f"[{ep['host']}]" if ":" in ep["host"] else ep["host"]
    return f"{host}:{ep['port']}"


def _index_subjects(docs: int | None, sampled: int, pii: tuple[PiiKind, ...]) -> Figure:
    """People in one index: distinct identifiers in the sample, scaled to the whole index.

    The type with the most distinct values among those that name one person each (e-mail,
    phone, name, card, account, national id) stands for the people; IP addresses only when
    nothing else does, because one person uses many and one address serves many people.
    """
    keys = [k for k in pii if entity_class(k.entity_type).person_key]
    proxy = ""
    if not keys:
        keys = [k for k in pii if k.entity_type == "IP_ADDRESS"]
        proxy = " (IP addresses standing in for people)"
    if not keys or sampled == 0:
        return Figure(None, Method.UNKNOWN,
                      basis="no identifier in the sample" if sampled else "not sampled")
    best = max(keys, key=lambda k: k.distinct)
    if docs is not None and sampled >= docs:
        return Figure(best.distinct, Method.EXACT, best.distinct, best.distinct,
                      f"distinct {best.entity_type} in all {docs:,} documents{proxy}")
    if docs is None:
        return Figure(best.distinct, Method.ESTIMATE, low=best.distinct, basis=(
            f"{best.distinct:,} distinct {best.entity_type} in {sampled:,} sampled documents; "
            f"the index refused a count, so no scale-up{proxy}"))
    scaled = round(best.distinct * docs / sampled)
    return Figure(scaled, Method.ESTIMATE, low=best.distinct, basis=(
        f"{best.distinct:,} distinct {best.entity_type} in {sampled:,} sampled documents, "
        f"scaled to {docs:,} documents{proxy}"))


def data_subjects(indices: Iterable[IndexExposure]) -> Figure:
    """Approximate number of people over all indices with personal data.

    Per-index estimates are added: someone present in two indices counts twice, and a
    linear scale-up of a sample's distinct values overshoots when people recur, so the
    figure leans high. The lower bound is the most distinct identifiers seen in one sample.
    """
    with_people = [i for i in indices if i.subjects.value]
    if not with_people:
        return Figure(None, Method.UNKNOWN, basis="no identifier found in the samples")
    total = sum(i.subjects.value or 0 for i in with_people)
    low = max(i.subjects.low or 0 for i in with_people)
    if len(with_people) == 1 and with_people[0].subjects.method is Method.EXACT:
        only = with_people[0].subjects
        return Figure(total, Method.EXACT, total, total, only.basis)
    sampled = sum(i.sampled for i in with_people)
    return Figure(total, Method.ESTIMATE, low=low, basis=(
        f"estimate from samples of {sampled:,} documents in {len(with_people)} "
        f"ind{'ex' if len(with_people) == 1 else 'ices'}: distinct identifiers in each sample "
        "scaled to the index's size, then added (a person in several indices counts once per "
        "index, so this leans high)"))


def records(indices: Iterable[IndexExposure]) -> Figure:
    """Documents in the exposed indices whose sample held personal data."""
    with_pii = [i for i in indices if _personal(i)]
    if not with_pii:
        return Figure(0, Method.EXACT, basis="no exposed index held personal data in its sample")
    unknown = [i for i in with_pii if i.docs is None]
    total = sum(i.docs or 0 for i in with_pii)
    basis = (f"documents in {len(with_pii)} exposed "
             f"ind{'ex' if len(with_pii) == 1 else 'ices'} whose sample held personal data, "
             "counted by the store")
    if unknown:
        return Figure(total, Method.ESTIMATE, low=total,
                      basis=basis + f"; {len(unknown)} refused a count")
    return Figure(total, Method.EXACT, total, total, basis)


def _personal(i: IndexExposure) -> bool:
    return any(entity_class(t).category is not None for t in i.entity_types)


def date_range(indices: Iterable[IndexExposure]) -> tuple[str | None, str | None]:
    """Oldest and newest record dates over the indices with personal data (else all)."""
    items = list(indices)
    chosen = [i for i in items if _personal(i)] or items
    lows = [d for d in (_day(i.date_min) for i in chosen) if d]
    highs = [d for d in (_day(i.date_max) for i in chosen) if d]
    return (min(lows).isoformat() if lows else None, max(highs).isoformat() if highs else None)


def records_by_year(indices: Iterable[IndexExposure]) -> list[tuple[int, int]]:
    """Documents per calendar year, each index's documents spread evenly over its date range.

    Only indices with both dates and a document count take part; the split inside an index
    is an assumption (uniform over time), the totals per index are exact.
    """
    years: dict[int, float] = defaultdict(float)
    for i in indices:
        lo, hi = _day(i.date_min), _day(i.date_max)
        if not (lo and hi and i.docs) or hi < lo:
            continue
        span = (hi - lo).days + 1
        for year in range(lo.year, hi.year + 1):
            start = max(lo, date(year, 1, 1))
            end = min(hi, date(year, 12, 31))
            years[year] += i.docs * ((end - start).days + 1) / span
    return [(y, round(n)) for y, n in sorted(years.items())]


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.date()
