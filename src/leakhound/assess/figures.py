"""The numbers a breach notification asks for, read from a scan document.

Art. 33(3)(a) asks for the *approximate* number of data subjects and of records. Records are
counted exactly (documents, from ``_count``); people are estimated from each index's sample
until a full scan counts distinct identifiers. A ``Figure`` says which of the two it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
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
    docs_exact: bool = True  # False: a _cat/indices count, nested documents included
    full: bool = False  # every document was read (--depth full), not a sample
    years: tuple[tuple[int, int], ...] = ()  # documents per year, from a full read

    @property
    def entity_types(self) -> tuple[str, ...]:
        """The entity types found in the sample."""
        return tuple(k.entity_type for k in self.pii)

    @property
    def names_people(self) -> bool:
        """True when the sample holds a type that stands for one person (e-mail, name…)."""
        return any(entity_class(t).person_key for t in self.entity_types)

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
            fp.get("product", ""), "unknown product"
        )
        product = " ".join(x for x in (name, fp.get("version") or "") if x)
        out.append(
            Store(
                url=svc["url"],
                endpoint=_netloc(svc),
                verdict=svc["verdict"],
                product=product,
                reason=svc["reason"],
                first_seen_exposed=r["history"].get("first_seen_exposed"),
                indices=len(r["indices"]),
                docs=sum(ir["index"]["docs"] or 0 for ir in r["indices"]),
            )
        )
    return tuple(out)


def index_exposures(doc: dict[str, Any]) -> tuple[IndexExposure, ...]:
    """Every index of every exposed store, with its people counted or estimated.

    A full read (``--depth full``) gives counts over every document read; without one the
    index's sample is scaled up.
    """
    out = []
    for r in exposed_results(doc):
        svc = r["service"]
        for ir in r["indices"]:
            idx = ir["index"]
            common = {
                "url": svc["url"],
                "endpoint": _netloc(svc),
                "name": idx["name"],
                "docs": idx["docs"],
                "date_min": idx.get("date_min"),
                "date_max": idx.get("date_max"),
                "compromised": bool(idx["compromised"]),
                "compromise_reasons": tuple(idx.get("compromise_reasons") or ()),
                "docs_exact": bool(idx.get("docs_exact", True)),
            }
            full = ir.get("full")
            if full and full.get("docs"):
                out.append(_from_full(full, common))
                continue
            sample = ir.get("sample") or {}
            sampled = int(sample.get("docs") or 0)
            pii = tuple(
                PiiKind(
                    p["entity_type"],
                    p["docs"],
                    _distinct_value(p["distinct"]),
                    tuple(f["path"] for f in p["fields"]),
                )
                for p in sample.get("pii", [])
            )
            out.append(
                IndexExposure(
                    sampled=sampled,
                    sample_error=sample.get("error") if sample else "not sampled",
                    pii=pii,
                    subjects=_index_subjects(idx["docs"], sampled, pii),
                    **common,
                )
            )
    return tuple(out)


def _distinct_value(d: Any) -> int:
    """A distinct count as the sample (an int) or a full read ({"estimate", …}) gives it."""
    return int(d["estimate"]) if isinstance(d, dict) else int(d)


def _distinct_figure(d: dict[str, Any], basis: str, complete: bool = True) -> Figure:
    exact = bool(d.get("exact")) and complete
    value = int(d["estimate"])
    if exact:
        return Figure(value, Method.EXACT, value, value, basis)
    if not complete:
        return Figure(
            value,
            Method.ESTIMATE,
            low=int(d.get("lower", value)),
            basis=basis + "; the read stopped early, so this is a lower figure",
        )
    return Figure(
        value,
        Method.ESTIMATE,
        low=int(d["lower"]),
        high=int(d["upper"]),
        basis=basis + " (HyperLogLog estimate, bounds hold ~95% of the time)",
    )


def _from_full(full: dict[str, Any], common: dict[str, Any]) -> IndexExposure:
    read = int(full["docs"])
    complete = bool(full.get("complete", True))
    pii = tuple(
        PiiKind(
            p["entity_type"],
            p["docs"],
            _distinct_value(p["distinct"]),
            tuple(f["path"] for f in p.get("fields", [])),
        )
        for p in full.get("pii", [])
    )
    people = full.get("people")
    if people:
        subjects = _distinct_figure(
            people["distinct"],
            f"distinct {people['entity_type']} in {people['field']} over {read:,} documents read",
            complete,
        )
    else:
        subjects = Figure(None, Method.UNKNOWN, basis="no identifier in the documents read")
    return IndexExposure(
        sampled=read,
        sample_error=None if complete else (full.get("error") or "incomplete"),
        pii=pii,
        subjects=subjects,
        full=True,
        years=tuple((int(y["year"]), int(y["docs"])) for y in full.get("years", [])),
        **common,
    )


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
        return Figure(
            None, Method.UNKNOWN, basis="no identifier in the sample" if sampled else "not sampled"
        )
    best = max(keys, key=lambda k: k.distinct)
    if docs is not None and sampled >= docs:
        return Figure(
            best.distinct,
            Method.EXACT,
            best.distinct,
            best.distinct,
            f"distinct {best.entity_type} in all {docs:,} documents{proxy}",
        )
    if docs is None:
        return Figure(
            best.distinct,
            Method.ESTIMATE,
            low=best.distinct,
            basis=(
                f"{best.distinct:,} distinct {best.entity_type} in {sampled:,} sampled documents; "
                f"the index refused a count, so no scale-up{proxy}"
            ),
        )
    scaled = round(best.distinct * docs / sampled)
    return Figure(
        scaled,
        Method.ESTIMATE,
        low=best.distinct,
        basis=(
            f"{best.distinct:,} distinct {best.entity_type} in {sampled:,} sampled documents, "
            f"scaled to {docs:,} documents{proxy}"
        ),
    )


def data_subjects(
    indices: Iterable[IndexExposure], totals: Mapping[str, dict[str, Any]] | None = None
) -> Figure:
    """Approximate number of people over all indices with personal data.

    Per-index figures are added: someone present in two indices counts twice, and a linear
    scale-up of a sample's distinct values overshoots when people recur, so a sample-based
    figure leans high; its lower bound is the most distinct identifiers seen in one index.
    ``totals`` maps an endpoint to its full-read totals, whose people are already counted
    once across its indices: when present they replace that endpoint's per-index sum.
    """
    items = list(indices)
    totals = totals or {}
    parts: list[Figure] = []
    for endpoint, people in totals.items():
        parts.append(
            _distinct_figure(
                people["distinct"],
                f"distinct {people['entity_type']} in {people['field']} over "
                f"every document read on {endpoint}, each person counted once",
            )
        )
    items = [i for i in items if i.endpoint not in totals]
    with_people = [i for i in items if i.subjects.value]
    named = [i for i in with_people if i.names_people]
    # IP addresses stand in for people only when no index names anyone: one person uses many
    # addresses and one address serves many people, so they would swamp a real count.
    with_people = named or with_people
    parts += [i.subjects for i in with_people]
    if not parts:
        return Figure(None, Method.UNKNOWN, basis="no identifier found in the samples")
    if len(parts) == 1:
        return parts[0]
    total = sum(f.value or 0 for f in parts)
    low = max(f.low or 0 for f in parts)
    if totals and not with_people:
        basis = "full-read counts of each endpoint, each person counted once per endpoint, added"
    elif all(i.full for i in with_people) and not totals:
        basis = (
            f"distinct identifiers over every document read in {len(parts)} indices, "
            "added (a person in several indices counts once per index, so this leans "
            "high)"
        )
    else:
        sampled = sum(i.sampled for i in with_people)
        basis = (
            f"estimate from {sampled:,} documents read in {len(with_people)} "
            f"ind{'ex' if len(with_people) == 1 else 'ices'}: distinct identifiers in "
            "each sample scaled to the index's size, then added (a person in several "
            "indices counts once per index, so this leans high)"
        )
    return Figure(total, Method.ESTIMATE, low=low, basis=basis)


def full_totals(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Endpoint -> its full-read people (counted once across its indices), where read."""
    out = {}
    for r in exposed_results(doc):
        people = (r.get("full") or {}).get("people")
        if people:
            out[_netloc(r["service"])] = people
    return out


def records(indices: Iterable[IndexExposure]) -> Figure:
    """Documents in the exposed indices whose sample held personal data."""
    with_pii = [i for i in indices if _personal(i)]
    if not with_pii:
        return Figure(0, Method.EXACT, basis="no exposed index held personal data in its sample")
    unknown = [i for i in with_pii if i.docs is None]
    nested = [i for i in with_pii if not i.docs_exact]
    total = sum(i.docs or 0 for i in with_pii)
    basis = (
        f"documents in {len(with_pii)} exposed "
        f"ind{'ex' if len(with_pii) == 1 else 'ices'} whose sample held personal data, "
        "counted by the store"
    )
    if unknown:
        return Figure(
            total, Method.ESTIMATE, low=total, basis=basis + f"; {len(unknown)} refused a count"
        )
    if nested:
        return Figure(
            total,
            Method.ESTIMATE,
            high=total,
            basis=basis + f"; {len(nested)} counted with nested documents, "
            "so the figure may be high",
        )
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
    """Documents per calendar year.

    A full read counts them by each document's date. Otherwise each index's documents are
    spread evenly over its date range: only indices with both dates and a count take part,
    and the split inside an index is an assumption (uniform over time).
    """
    years: dict[int, float] = defaultdict(float)
    for i in indices:
        if i.years:  # counted by a full read: no assumption needed
            for year, n in i.years:
                years[year] += n
            continue
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
