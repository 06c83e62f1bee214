"""The numbers a breach notification asks for, read from a stored scan.

Art. 33(3)(a) asks for the *approximate* number of data subjects and of records. Records are
counted exactly (by the store, where it counts); people are estimated from each container's
sample until a full read counts distinct identifiers. A ``Figure`` says which of the two it is.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum

from ..count.people import people_type, told
from ..models import (
    Container,
    Distinct,
    Documents,
    Fingerprint,
    FullRead,
    People,
    PeopleCount,
    Sample,
    Service,
    TargetResult,
    Verdict,
    Words,
)
from ..probes.registry import words
from ..store.records import ScanRecord
from .categories import entity_class


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
    # The value adds the counts of different stores, which may hold the same people: the most
    # those counts allow (no one in two of them), never a likely figure, shown as "up to".
    added: bool = False

    @property
    def approximate(self) -> bool:
        """True unless the figure was counted or stated."""
        return self.method in (Method.ESTIMATE, Method.UNKNOWN)


def shown_as_range(f: Figure) -> bool:
    """Whether a figure of people is shown as its range, "between A and B"
    (``render.figure_text``, the HTML report, a pooled figure's basis): an estimate that may
    be off by more than ``count.people.TOLD_FACTOR``. Records are not: their bounds are the
    stores' own counts' (a key's windows), shown beside their figure as the scan report
    shows them."""
    return (
        f.method is Method.ESTIMATE
        and not f.added
        and f.value is not None
        and f.low is not None
        and f.high is not None
        and not f.low < f.high == f.value
        and not told(f.value, f.low, f.high)
    )


@dataclass(frozen=True, slots=True)
class PiiKind:
    """One entity type in one container's sample (or full read)."""

    entity_type: str
    docs: int  # sampled documents carrying it
    distinct: int  # distinct values in the sample
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ContainerExposure:
    """One container of an exposed store, with what its sample (or full read) showed."""

    url: str  # the store's base URL
    endpoint: str  # host:port (and the account: ``Endpoint.key``)
    container: Container  # as its store's inventory listed it: name, count, dates, signs
    sampled: int  # documents read in the sample (0: none)
    sample_error: str | None
    pii: tuple[PiiKind, ...]
    subjects: Figure  # people in this container
    full: bool = False  # every document was read (--depth full), not a sample
    # Documents per year: counted in every record read (a full read, or the read of a sample
    # scan's store whole for its people: ``years_read``) or by the store at inventory.
    years: tuple[tuple[int, int], ...] = ()
    years_read: bool = False
    # Listed by a partial store that would not let anyone read it (``ContainerResult.refused``):
    # seen, not exposed; its records are in no exposed figure.
    refused: bool = False
    # A read of it was refused for want of credentials (``ContainerResult.asked_credentials``).
    asked_credentials: bool = False
    kind: str = ""  # its store's kind: what the texts call it and its records (``words``)
    # How its full read differed from its method (``FullRead.note``: a MySQL table read in
    # more than one transaction); None otherwise.
    note: str | None = None

    # What the inventory said of it, read from ``container`` (never copied, never drifting).
    @property
    def name(self) -> str:
        """Its name: attacker-controllable, escape before showing."""
        return self.container.name

    @property
    def docs(self) -> int | None:
        """Its records, as its store counted or estimated them (None: not counted)."""
        return self.container.docs

    @property
    def docs_exact(self) -> bool:
        """False: ``docs`` is an estimate, or a count with nested records included."""
        return self.container.docs_exact

    @property
    def docs_low(self) -> int | None:
        """Where ``docs`` is not exact: a bound known to hold below the true count."""
        return self.container.docs_low

    @property
    def docs_high(self) -> int | None:
        """Where ``docs`` is not exact: a bound known to hold above the true count."""
        return self.container.docs_high

    @property
    def docs_basis(self) -> str | None:
        """Where ``docs`` is not exact: how it was obtained."""
        return self.container.docs_basis

    @property
    def date_min(self) -> str | None:
        """The earliest date of its records' main date field, as the store said it."""
        return self.container.date_min

    @property
    def date_max(self) -> str | None:
        """The latest date of its records' main date field, as the store said it."""
        return self.container.date_max

    @property
    def compromised(self) -> bool:
        """Whether it shows signs of a wipe or a ransom (``compromise_reasons``)."""
        return self.container.compromised

    @property
    def compromise_reasons(self) -> tuple[str, ...]:
        """The signs of a wipe or a ransom it shows."""
        return self.container.compromise_reasons

    @property
    def derived(self) -> str | None:
        """What its records are copies of (never added to the totals)."""
        return self.container.derived

    @property
    def system(self) -> bool:
        """The store's own (a dot index, CouchDB's _users): not sampled without
        --include-system."""
        return self.container.system

    @property
    def words(self) -> Words:
        """What its store's kind calls containers and records (neutral when unknown)."""
        return words(self.kind)

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
        """True when a sample was read (or the container is empty): PII absence means something."""
        return self.docs == 0 or (self.sampled > 0 and not self.sample_error)


@dataclass(frozen=True, slots=True)
class Store:
    """An exposed endpoint."""

    url: str
    endpoint: str
    verdict: Verdict
    product: str
    reason: str
    first_seen_exposed: str | None
    containers: int  # anyone could read them: not those listed but refused
    docs: int  # records in those
    other_endpoints: tuple[str, ...] = ()  # the same store reached at other endpoints
    refused: int = 0  # containers listed, but their read asked for credentials (or failed)
    refused_docs: int = 0  # records the store counted in those
    refused_estimated: int = 0  # of refused_docs, those the store estimated, not counted
    refused_credentials: int = 0  # of those, refused for want of credentials (the rest failed)
    kind: str = ""  # what the texts call its containers and records (``words``)
    # What its inventory could not list, as the scan said it (a bucket anyone reads by key but
    # nobody lists, containers past --max-indices): in none of the figures
    incomplete: tuple[str, ...] = ()
    # What its inventory could not learn of a whole listing (which indices are hidden): the
    # figures hold every container all the same
    notes: tuple[str, ...] = ()

    @property
    def words(self) -> Words:
        """What its kind calls containers and records (neutral when unknown)."""
        return words(self.kind)


def common_words(items: Iterable[ContainerExposure | Store]) -> Words:
    """The words all of ``items``' stores share, else the neutral ones."""
    return Words.common(i.words for i in items)


def tally(items: Iterable[ContainerExposure], before: str = "") -> str:
    """Containers in their stores' words: '3 tables', '5 containers (3 tables, 2 indices)',
    the largest first ('3 exposed tables' with ``before``)."""
    return Words.tally(((i.words, 1) for i in items), before)


def stores(scan: ScanRecord) -> tuple[Store, ...]:
    """Every exposed store of the scan, once however many endpoints it answered at."""
    out = []
    for st in scan.stores:
        svc = st.service
        listed = [cr for _, cr in st.containers]
        shut = [cr for cr in listed if cr.refused(svc.verdict)]
        read = [cr for cr in listed if not cr.refused(svc.verdict)]
        held = Documents.of(cr.container for cr in shut)
        out.append(
            Store(
                url=svc.url,
                endpoint=svc.endpoint.key,
                verdict=svc.verdict,
                product=_product(svc.fingerprint),
                reason=svc.reason,
                first_seen_exposed=st.first_seen_exposed,
                containers=len(read),
                docs=Documents.of(cr.container for cr in read).records,
                other_endpoints=tuple(r.service.endpoint.key for r in st.others),
                refused=len(shut),
                refused_docs=held.records,
                refused_estimated=held.estimated,
                refused_credentials=sum(cr.asked_credentials() for cr in shut),
                kind=svc.kind,
                incomplete=listing_gaps(st.results),
                notes=tuple(
                    dict.fromkeys(r.inventory_note for r in st.results if r.inventory_note)
                ),
            )
        )
    return tuple(out)


def listing_gaps(results: Iterable[TargetResult]) -> tuple[str, ...]:
    """What the inventories of ``results`` (one store's, at one endpoint or several) could not
    list, each said once: their errors, then the containers past --max-indices (() where
    every listing was whole)."""
    results = tuple(results)
    return tuple(
        dict.fromkeys(
            [r.inventory_error for r in results if r.inventory_error]
            + [
                f"{words(r.service.kind).containers(r.truncated, 'more')} listed but not "
                "inventoried (--max-indices)"
                for r in results
                if r.truncated
            ]
        )
    )


def not_counted(stores: Iterable[Store]) -> str:
    """What the stores' inventories could not list, one store after another ('' where
    every inventory was complete): the figures leave it out."""
    return "; ".join(f"{st.url}: {why}" for st in stores for why in st.incomplete)


def inventory_notes(stores: Iterable[Store]) -> str:
    """What the stores' inventories could not learn of listings that are whole, one store
    after another ('' where there is nothing to say): the figures hold every container."""
    return "; ".join(f"{st.url}: {note}" for st in stores for note in st.notes)


def _product(fp: Fingerprint) -> str:
    """'OpenSearch 2.19.1'; a product without a display name as the store named itself
    ('pouchdb-server 4.2.0'), as the terminal report shows it."""
    if fp.title:
        return fp.title
    if fp.product and fp.product != "unknown":
        return " ".join(x for x in (fp.product, fp.version or "") if x)
    return "unknown product"


def container_exposures(scan: ScanRecord) -> tuple[ContainerExposure, ...]:
    """Every container of every exposed store, once, with its people counted or estimated.

    A full read (``--depth full``) gives counts over every record read; without one the
    container's sample is scaled up. Containers are named by their store's main endpoint.
    """
    out = []
    for st in scan.stores:
        counted = next((r.people for r in st.results if r.people is not None), None)
        for _result, cr in st.containers:
            if cr.full is not None and cr.full.docs:
                one = _from_full(st.service, cr.container, cr.full)
            else:
                one = _from_sample(st.service, cr.container, cr.sample, counted)
                if cr.sample is None and cr.full is not None and cr.full.error:
                    # A full read that read nothing: its error says why, not "not sampled".
                    one = replace(one, sample_error=cr.full.error)
            out.append(
                replace(
                    one,
                    refused=cr.refused(st.service.verdict),
                    asked_credentials=cr.asked_credentials(),
                )
            )
    return tuple(out)


def _exposure(
    svc: Service,
    c: Container,
    *,
    sampled: int,
    sample_error: str | None,
    pii: tuple[PiiKind, ...],
    subjects: Figure,
    full: bool = False,
    years: tuple[tuple[int, int], ...] = (),
    years_read: bool = False,
    note: str | None = None,
) -> ContainerExposure:
    return ContainerExposure(
        url=svc.url,
        endpoint=svc.endpoint.key,
        container=c,
        sampled=sampled,
        sample_error=sample_error,
        pii=pii,
        subjects=subjects,
        full=full,
        years=years,
        years_read=years_read or full,
        kind=svc.kind,
        note=note,
    )


def _from_sample(
    svc: Service, c: Container, sample: Sample | None, store: PeopleCount | None = None
) -> ContainerExposure:
    sampled = sample.docs if sample is not None else 0
    pii = tuple(
        PiiKind(p.entity_type, p.docs, p.distinct, tuple(f.path for f in p.fields))
        for p in (sample.pii if sample is not None else ())
    )
    return _exposure(
        svc,
        c,
        sampled=sampled,
        sample_error=sample.error if sample is not None else "not sampled",
        pii=pii,
        # The store's count at inventory, else the one made reading its records whole.
        years=tuple((y.year, y.docs) for y in (c.years or (sample.years if sample else ()))),
        years_read=not c.years and sample is not None and bool(sample.years),
        subjects=(
            _counted_figure(sample.people)
            if sample is not None and sample.people is not None
            else _subjects(c.docs, sampled, pii, store, words(svc.kind))
        ),
    )


def _distinct_figure(d: Distinct, basis: str, complete: bool = True) -> Figure:
    value = d.estimate
    if d.exact and complete:
        return Figure(value, Method.EXACT, value, value, basis)
    if not complete:
        return Figure(
            value,
            Method.ESTIMATE,
            low=d.lower,
            basis=basis + "; the read stopped early, so this is a lower figure",
        )
    return Figure(
        value,
        Method.ESTIMATE,
        low=d.lower,
        high=d.upper,
        basis=basis + " (HyperLogLog estimate, bounds hold ~95% of the time)",
    )


def _from_full(svc: Service, c: Container, full: FullRead) -> ContainerExposure:
    read = full.docs
    w = words(svc.kind)
    pii = tuple(
        PiiKind(p.entity_type, p.docs, p.distinct.estimate, tuple(f.path for f in p.fields))
        for p in full.pii
    )
    if full.people is not None:
        people = full.people
        subjects = _distinct_figure(
            people.distinct,
            f"distinct {people.entity_type} in {people.field} over {w.records(read)} read",
            full.complete,
        )
    else:
        subjects = Figure(None, Method.UNKNOWN, basis=f"no identifier in the {w.record[1]} read")
    return _exposure(
        svc,
        c,
        sampled=read,
        sample_error=None if full.complete else (full.error or "incomplete"),
        pii=pii,
        subjects=subjects,
        full=True,
        years=tuple((y.year, y.docs) for y in full.years),  # each record read, dated
        note=full.note,
    )


def _subjects(
    docs: int | None,
    sampled: int,
    pii: tuple[PiiKind, ...],
    store: PeopleCount | None = None,
    w: Words | None = None,
) -> Figure:
    """People in one container: distinct identifiers in the sample, scaled to the container.

    The most identifying type present stands for the people, as for a whole store
    (``count/people.py``: an e-mail address, else a phone number, an IBAN, a national id, a
    card); without one, the type with the most distinct values among those that name one
    person each (names); IP addresses only when nothing else does, because one person uses
    many and one address serves many people. A linear scale-up assumes no one recurs, so a
    container never holds more than its store was counted to hold (``store``, the sample
    scan's count across all the store's containers, of the same type).
    """
    w = w or Words()
    ranked = people_type(k.entity_type for k in pii)
    keys = [k for k in pii if k.entity_type == ranked] or [
        k for k in pii if entity_class(k.entity_type).person_key
    ]
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
            f"distinct {best.entity_type} in all {w.records(docs)}{proxy}",
        )
    if docs is None:
        return Figure(
            best.distinct,
            Method.ESTIMATE,
            low=best.distinct,
            basis=(
                f"{best.distinct:,} distinct {best.entity_type} in {sampled:,} sampled "
                f"{w.record[1]}; the {w.container[0]} refused a count, so no scale-up{proxy}"
            ),
        )
    scaled = round(best.distinct * docs / sampled)
    basis = (
        f"{best.distinct:,} distinct {best.entity_type} in {sampled:,} sampled {w.record[1]}, "
        f"scaled to {w.records(docs)}{proxy}"
    )
    if store is not None and store.entity_type == best.entity_type and store.high is not None:
        cap = max(store.high, best.distinct)
        if scaled > cap:
            return Figure(
                cap,
                Method.ESTIMATE,
                low=best.distinct,
                high=cap,
                basis=basis + f" ({scaled:,}), at most the {cap:,} counted in the whole store",
            )
    return Figure(scaled, Method.ESTIMATE, low=best.distinct, basis=basis)


def data_subjects(
    containers: Iterable[ContainerExposure], totals: Mapping[str, People] | None = None
) -> Figure:
    """Approximate number of people over all containers with personal data.

    Per-container figures are added: someone present in two containers counts twice, and a
    linear scale-up of a sample's distinct values overshoots when people recur, so a
    sample-based figure leans high; its lower bound is the most distinct identifiers seen in
    one container. ``totals`` maps an endpoint to its full-read people, already counted once
    across its containers: when present they replace that endpoint's per-container sum.
    """
    items = list(containers)
    totals = totals or {}
    parts: list[Figure] = []
    for endpoint, people in totals.items():
        parts.append(
            _distinct_figure(
                people.distinct,
                f"distinct {people.entity_type} in {people.field} over every "
                f"{common_words(i for i in items if i.endpoint == endpoint).record[0]} read on "
                f"{endpoint}, each person counted once",
            )
        )
    items = [i for i in items if i.endpoint not in totals]
    # Copies (a materialized view's rows) hold people their sources already count: they
    # count only where nothing else names anyone.
    with_people = [i for i in items if i.subjects.value and not i.derived] or [
        i for i in items if i.subjects.value
    ]
    named = [i for i in with_people if i.names_people]
    # IP addresses stand in for people only when no container names anyone: one person uses many
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
        w = common_words(with_people)
        basis = (
            f"distinct identifiers over every {w.record[0]} read in {tally(with_people)}, "
            f"added (a person in several {w.container[1]} counts once per {w.container[0]}, "
            "so this leans high)"
        )
    else:
        sampled = sum(i.sampled for i in with_people)
        w = common_words(with_people)
        basis = (
            f"estimate from {w.records(sampled)} read in {tally(with_people)}: distinct "
            f"identifiers in each sample scaled to the {w.container[0]}'s size, then added (a "
            f"person in several {w.container[1]} counts once per {w.container[0]}, so this "
            "leans high)"
        )
    return Figure(total, Method.ESTIMATE, low=low, basis=basis)


def _counted_figure(p: PeopleCount) -> Figure:
    method = Method.EXACT if p.exact else Method.ESTIMATE
    return Figure(p.value, method, p.low, p.high, p.basis)


def store_people(scan: ScanRecord) -> Figure | None:
    """People over the exposed stores, each store counted once (``count/people.py``): its
    full read where there was one, else what its sample scan counted or estimated. Stores
    whose identifiers the scan read whole are counted together, each person once across
    them (``ScanRecord.people_across``). None when no store was counted either way (the
    per-container figures then stand in)."""
    across = {(p.entity_type, p.basis is not None): p for p in scan.people_across}
    parts: list[Figure] = []
    # (type, pooled) -> the counts of the stores read whole, or of those each estimated from
    # its sample whose samples the scan pooled (``PeopleAcross.basis``)
    together: dict[tuple[str, bool], list[tuple[str, Figure]]] = {}  # (its endpoints, its own)
    twice: defaultdict[tuple[str, bool], bool] = defaultdict(bool)
    for st in scan.stores:
        full = next(
            (r.full.people for r in st.results if r.full is not None and r.full.people is not None),
            None,
        )
        sampled = next((r.people for r in st.results if r.people is not None), None)
        own: Figure | None = None
        etype = ""
        if full is not None:
            where = ", ".join(full.fields) if full.fields else full.field
            etype = full.entity_type
            own = _distinct_figure(
                full.distinct,
                f"distinct {full.entity_type} in {where} over every document "
                f"read on {st.service.endpoint.key}, each counted once",
            )
        elif sampled is not None:
            etype, own = sampled.entity_type, _counted_figure(sampled)
        if own is None:
            continue
        # A store the scan counted whole (a full read to every container's end, or its
        # identifiers read or listed) is in the count across such stores; one estimated from
        # its sample alone, in the estimate from such stores' samples pooled.
        endpoints = {r.service.endpoint.key for r in st.results}
        for pooled in (False, True):
            joined = across.get((etype, pooled))
            if pooled and full is not None:
                continue
            if joined is not None and endpoints & set(joined.endpoints):
                at = ", ".join(sorted(endpoints & set(joined.endpoints)))
                together.setdefault((etype, pooled), []).append((at, own))
                # A store sampled at two of its endpoints (two nodes of one cluster) is in
                # the pooled samples twice: the same records, each identifier seen "twice",
                # would make the pool's estimate too low. Its stores are then added instead.
                twice[(etype, pooled)] |= len(endpoints & set(joined.endpoints)) > 1
                break
        else:
            parts.append(own)
    for (etype, pooled), counts in together.items():
        if len(counts) == 1 or (pooled and twice[(etype, pooled)]):
            parts += [f for _, f in counts]  # one store alone: its own count says it
            continue
        joined = across[(etype, pooled)]
        # Each figure beside its store's endpoint: a list of endpoints and one of figures in
        # another order (the scan's) paired a store with another's figure.
        alone = ", ".join(
            f"{at} {f.value:,}"
            if f.method is Method.EXACT
            else f"{at} between {f.low:,} and {f.high:,}"  # as its store's own line says it
            if shown_as_range(f)
            else f"{at} ≈{f.value:,}"
            for at, f in sorted(counts, key=lambda c: c[0])
        )
        if pooled:
            d = joined.distinct
            parts.append(
                Figure(
                    d.estimate,
                    Method.EXACT if d.exact else Method.ESTIMATE,
                    d.lower,
                    d.upper,
                    f"{joined.basis} (each store alone: {alone})",
                )
            )
            continue
        parts.append(
            _distinct_figure(
                joined.distinct,
                f"distinct {etype} of the {len(counts)} stores whose identifiers were all read, "
                f"each person counted once across them (each store alone: {alone})",
            )
        )
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    # One organisation's stores often hold the same people (a database, its cache, its
    # backup in a bucket): added, counts of different stores are the most there can be,
    # never a count. The fewest: everyone of the largest in every other one.
    total = sum(f.value or 0 for f in parts)
    low = max(f.low or 0 for f in parts)
    # An estimate's figure is a likely one: the sum is then the most those figures allow, and
    # the most there likely are the sum of their likely highs (the range's high end).
    most = (
        "the most these counts allow (the estimates' likely highs added: the range's high end)"
        if any(f.method is not Method.EXACT for f in parts)
        else "the most there can be"
    )
    return Figure(
        total,
        Method.ESTIMATE,
        low=low,
        high=sum(f.high or 0 for f in parts) if all(f.high is not None for f in parts) else None,
        added=True,
        basis=f"{len(parts)} counts, each as below, added: someone in several of them counts "
        f"once in each, so the sum is {most}, and the largest's {low:,} the "
        f"fewest (leakhound export-subjects {scan.scan_id} counts each identifier once across "
        "the stores): " + "; ".join(f.basis for f in parts),
    )


def full_totals(scan: ScanRecord) -> dict[str, People]:
    """Store (its main endpoint) -> its full-read people, counted once across its
    containers, where a full read counted them."""
    out = {}
    for st in scan.stores:
        read = next(
            (r.full.people for r in st.results if r.full is not None and r.full.people is not None),
            None,
        )
        if read is not None:
            out[st.service.endpoint.key] = read
    return out


def records(containers: Iterable[ContainerExposure]) -> Figure:
    """Records in the exposed containers whose sample held personal data. A container of
    copies (a materialized view) is named in the basis, its rows not added, unless copies
    are all that held personal data (their sources unreadable, or elsewhere): then they
    are what was exposed, and counted."""
    personal = [i for i in containers if _personal(i)]
    with_pii = counted(personal)
    originals = [i for i in personal if not i.derived]
    copies = [i for i in personal if i.derived]
    note = ""
    if copies:
        what = (
            f"{len(copies)} {'container' if len(copies) == 1 else 'containers'} of copies "
            f"({', '.join(sorted({str(i.derived) for i in copies}))})"
        )
        if originals:
            # '~': some of them the store estimated (docs_exact off), as a table marks them
            rows = sum(i.docs or 0 for i in copies)
            mark = "" if all(i.docs_exact for i in copies) else "~"
            note = f"; {mark}{rows:,} records of {what} not added"
        else:
            note = f"; only {what} held personal data: their records counted"
    # Exposed indices whose sample was never read (--sample 0, or it failed): nobody knows
    # whether their records hold personal data, so they are not "none" (the stores' own,
    # skipped by default, and those refused to everyone are not exposed records either way).
    unread = [
        i for i in containers if not i.measured and not i.refused and not i.system and i.docs != 0
    ]
    not_sampled = (
        f"{tally(unread, 'exposed')} {'was' if len(unread) == 1 else 'were'} not "
        "sampled (or their sample failed), so whether their records hold personal data is "
        "not known"
    )
    if not with_pii:
        if unread:
            return Figure(None, Method.UNKNOWN, basis=not_sampled)
        one = common_words(containers).container[0]
        return Figure(0, Method.EXACT, basis=f"no exposed {one} held personal data in its sample")
    unknown = [i for i in with_pii if i.docs is None]
    estimated = [i for i in with_pii if not i.docs_exact and i.docs is not None]
    total = sum(i.docs or 0 for i in with_pii)
    read_whole = sum(i.full and not i.sample_error for i in with_pii)  # and to its end
    held = (
        "whose records, every one read, held personal data"
        if read_whole == len(with_pii)
        else "whose sample held personal data"
        if not read_whole
        else "whose sample (or, read to the end, whose records) held personal data"
    )
    basis = (
        f"{common_words(with_pii).record[1]} in {tally(with_pii, 'exposed')} "
        f"{held}, counted by the store"
    ) + note
    stores = len({i.url for i in with_pii})
    if stores > 1:
        # Nothing tells a record apart from its copy in another store (a database and its
        # backup in a bucket): each store's are counted.
        basis += f"; in {stores} stores, each counting its own (a record kept in two counts twice)"
    low, high = _bounds(with_pii)
    if estimated:
        basis += "; " + _estimated(estimated)
    if unknown or unread:
        why = [f"{len(unknown)} refused a count"] if unknown else []
        why += [f"{not_sampled}: not counted"] if unread else []
        return Figure(total, Method.ESTIMATE, low=low, basis="; ".join([basis, *why]))
    if estimated:
        return Figure(total, Method.ESTIMATE, low=low, high=high, basis=basis)
    return Figure(total, Method.EXACT, total, total, basis)


def held(containers: Iterable[ContainerExposure]) -> Figure:
    """The records the containers anyone could read hold, as their stores counted them (a
    store's copies added only where nothing else in it holds any, as ``Documents`` adds
    them): an estimate, with its bounds, where some container's count is one."""
    items = [i for i in containers if not i.refused]
    chosen: list[ContainerExposure] = []
    for url in dict.fromkeys(i.url for i in items):
        mine = [i for i in items if i.url == url]
        originals = [i for i in mine if not i.derived]
        if sum(i.docs or 0 for i in originals) or any(i.docs is None for i in originals):
            chosen += originals
        else:
            chosen += [i for i in mine if i.derived]
    total = sum(i.docs or 0 for i in chosen)
    estimated = [i for i in chosen if not i.docs_exact and i.docs is not None]
    if not estimated:
        return Figure(total, Method.EXACT, total, total, "counted by the stores")
    low, high = _bounds(chosen)
    return Figure(total, Method.ESTIMATE, low=low, high=high, basis=_estimated(estimated))


def _bounds(items: list[ContainerExposure]) -> tuple[int | None, int | None]:
    """The lowest and highest the containers' records can be: each one's count, or the bounds
    of its estimate; no upper bound where an estimate has none (a database's statistics), a
    lower one counting such an estimate, or a count refused, as none."""
    low = high = 0
    unbounded = False
    for i in items:
        if i.docs_exact and i.docs is not None:
            low += i.docs
            high += i.docs
            continue
        low += i.docs_low or 0
        if i.docs_high is None:
            unbounded = True
        else:
            high += i.docs_high
    return low, None if unbounded else high


def _estimated(items: list[ContainerExposure]) -> str:
    """How the containers whose records were estimated, not counted, were estimated."""
    bounded = sum(i.docs_low is not None and i.docs_high is not None for i in items)
    parts = [f"{bounded} within 95% bounds"] if bounded else []
    if len(items) - bounded:
        parts.append(f"{len(items) - bounded} without bounds")
    return (
        f"{len(items)} of them estimated, not counted ({', '.join(parts)}: "
        f"{estimate_ways(i.docs_basis for i in items)})"
    )


def estimate_ways(bases: Iterable[str | None]) -> str:
    """The ways estimates were made, each named once by its basis' first words ("the
    server's statistics"; "estimated from 256 windows of its whole-number key"), at most
    three."""
    ways = sorted({(b or "not said how").split(" (")[0].split(":")[0] for b in bases})
    return "; ".join(ways[:3]) + ("; …" if len(ways) > 3 else "")


def counted(containers: Iterable[ContainerExposure]) -> list[ContainerExposure]:
    """The containers whose records count: not the copies (a materialized view's rows are
    their sources' records, counted there), unless copies are all there are."""
    items = list(containers)
    return [i for i in items if not i.derived] or items


def _personal(i: ContainerExposure) -> bool:
    return any(entity_class(t).category is not None for t in i.entity_types)


def date_range(containers: Iterable[ContainerExposure]) -> tuple[str | None, str | None]:
    """Oldest and newest record dates over the containers with personal data (else all):
    of each container's date field, else, where the inventory read none (a Redis key
    pattern, a bucket's folder, a CouchDB database), the years of its records read, each
    dated by its own date ('2005': a year, not a day, is all that was kept)."""
    items = list(containers)
    chosen = [i for i in items if _personal(i)] or items
    # (day, precise?, text): the oldest, and of one day the precise text before the year's
    lows: list[tuple[date, bool, str]] = []
    highs: list[tuple[date, bool, str]] = []
    for i in chosen:
        lo, hi = _day(i.date_min), _day(i.date_max)
        if lo or hi:
            lows += [(lo, True, lo.isoformat())] if lo else []
            highs += [(hi, True, hi.isoformat())] if hi else []
        elif span := _years_span(i):
            lows.append((date(span[0], 1, 1), False, str(span[0])))
            highs.append((date(span[1], 12, 31), False, str(span[1])))
    low = min(lows, key=lambda x: (x[0], not x[1]))[2] if lows else None
    high = max(highs, key=lambda x: (x[0], x[1]))[2] if highs else None
    return (low, high)


def _years_span(i: ContainerExposure) -> tuple[int, int] | None:
    """The first and last year of a container's records counted a year."""
    years = [y for y, n in i.years if n]
    return (min(years), max(years)) if years else None


def container_dates(i: ContainerExposure) -> str:
    """'2005-01-01 – 2019-12-31' from its date field, else, where the inventory read none,
    '2005 – 2019 (years read)' from its records read (as the terminal report says), or ''."""
    if i.date_min or i.date_max:
        return f"{(i.date_min or '?')[:10]} – {(i.date_max or '?')[:10]}"
    span = _years_span(i)
    if span is None:
        return ""
    low, high = span
    return f"{low} (years read)" if low == high else f"{low} – {high} (years read)"


def records_by_year(containers: Iterable[ContainerExposure]) -> list[tuple[int, int]]:
    """Documents per calendar year (copies, ``derived``, left out unless they are all
    there is: ``counted``), each record in the year of its own date: counted in every record
    read, or by the store at inventory. A container counted neither way is left out (its
    records are in no year; ``years_basis`` says how many): spreading them over its date
    range would put a figure on a year that can be off by a factor.
    """
    years: Counter[int] = Counter()
    for i in counted(containers):
        if _years_from(i) is not None:
            years.update(dict(i.years))
    return sorted(years.items())


def years_basis(containers: Iterable[ContainerExposure]) -> str:
    """How ``records_by_year`` counted the same containers, and what it left out."""
    items = counted(containers)
    sources = [_years_from(i) for i in items]
    read, by_store = sources.count("read"), sources.count("counted")
    out = [
        f"{read} read whole, each record counted in its own date's year" if read else "",
        f"{by_store} counted a year by the store itself (every record, no sample)"
        if by_store
        else "",
    ]
    if parts := [i for i, s in zip(items, sources, strict=True) if s == "part"]:
        its = "its" if len(parts) == 1 else "their"
        of = sum(i.docs or 0 for i in parts)
        out.append(
            f"{len(parts)} read in part ({its} read{'s' if len(parts) > 1 else ''} stopped "
            f"early), the {sum(i.sampled for i in parts):,} records read each counted in its "
            f"own date's year, a lower figure" + (f" of {its} {of:,}" if of else "")
        )
    # A record without a date is in no year: the bars fall short of the records by these
    # (where the records were counted, or read to the end: an estimate less the dated is no
    # figure, nor a read that stopped early).
    no_date = sum(
        max(0, ((i.sampled if i.full else i.docs) or 0) - sum(n for _, n in i.years))
        for i, s in zip(items, sources, strict=True)
        if s in ("read", "counted") and (i.full or i.docs_exact)
    )
    if no_date:
        out.append(f"{no_date:,} of their records without a date, in no year")
    left = [i for i, s in zip(items, sources, strict=True) if s is None]
    ranged = [i for i in left if _day(i.date_min) and _day(i.date_max)]
    if ranged:
        lo = min(d for i in ranged if (d := _day(i.date_min)))
        hi = max(d for i in ranged if (d := _day(i.date_max)))
        records = sum(i.docs or 0 for i in ranged)
        out.append(
            f"{len(ranged)} left out, dated from {lo.isoformat()} to {hi.isoformat()} but not "
            f"counted by year ({records:,} records: neither read whole nor counted by the "
            "store)"
        )
    if undated := [i for i in left if not (_day(i.date_min) and _day(i.date_max))]:
        records = sum(i.docs or 0 for i in undated)
        out.append(f"{len(undated)} left out, without a date read ({records:,} records)")
    what = f"{common_words(items).records_heading} of the {tally(items)}"
    return f"{what} with personal data, by year: " + "; ".join(x for x in out if x) + "."


def _years_from(i: ContainerExposure) -> str | None:
    """Where a container's records by year come from: "read" (every record read, each
    dated), "part" (a full read that stopped early: the records it read, each dated),
    "counted" (the store counted them a year at inventory), None (neither: left out)."""
    if i.years:
        if i.full and i.sample_error is not None:
            return "part"
        return "read" if i.years_read else "counted"
    return None


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
