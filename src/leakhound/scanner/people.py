"""A sample scan's people in one store (the definition and the estimator: ``count/people.py``).

Most exact first: a store small enough (``ScanOptions.people_read`` records at most) has its
identifying fields read whole, every record, and counted; otherwise the store counts the
distinct values of its fields of identifiers (of a type it counts whole,
``Probe.distinct_types``, each identifier the sample found there the value whole: ``_listable``)
(``Probe.count_distinct``), lists them when they are few enough (``LIST_VALUES``,
``Probe.distinct_values``) so that a value in two fields or two containers counts once, and
what the sample found only in free text is estimated; otherwise everything is estimated from
the sample.

A store counted exactly (read or listed whole) hands its identifiers on to the scan's
``AcrossStores``, which counts people once across all such stores of the scan.

A store read whole also has each container's records counted a year of its main date, where
the store did not count them at inventory (CouchDB, which cannot group without a view of its
own; a MySQL table too large to group): the date field is read with the identifiers. Where the
inventory named no date field (a Redis hash, the rows of an exported file), the records are
dated by the first of the usual names of a record's date (``DATE_NAMES``) that dates the most
of them.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

from ..count.people import (
    Estimate,
    Folds,
    SampledIdentifiers,
    Stratum,
    drawn_as,
    from_sample,
    identifier_digests,
    people_type,
)
from ..count.tally import DATE_NAMES, most_dated, years_by_name, years_of
from ..detect import email
from ..errors import NetError, TimeoutError_
from ..models import (
    Container,
    Distinct,
    FieldType,
    PeopleCount,
    StoreDistinct,
    YearCount,
)
from ..probes.base import ReadPlan
from .access import Access
from .across import AcrossStores, Pooled
from .full import LocalExecutor, ReadContext, Sink, read_container
from .options import ScanOptions
from .pacing import Pacer
from .workers import Workers

# Distinct values a store may list for the people count (all keyword fields together, as
# its own count gives them): beyond, its counts are added with the sample's overlaps.
LIST_VALUES = 1_000_000
_LIST_BATCH = 5_000
# Seconds a store's listing may take, all its fields together: past them it stops, and its
# own counts stand, said so. Each statement has the read deadline, the listing as a whole
# this: an SQL column no index orders is read whole again for each page of its values (the
# lab's PostgreSQL, a million rows without an index: 0.3 s a page of 10,000, 34 s for the
# million values; a table of tens of millions of rows would take an hour). Pages now hold
# what a quarter of a reply's byte cap holds, 100,000 values at most (``keyset.sized``,
# ``keyset.MAX_PAGE``): a million addresses are about 10 pages, as many passes.
LIST_SECONDS = 120.0


def _identifiers_and_years(
    docs: Sequence[Any], *, date_field: str | None, guess: bool, **identifiers: Any
) -> tuple[list[bytes], dict[str, Counter[int]]]:
    """A page's identifiers (``identifier_digests``) and its records a year: of
    ``date_field``, else (``guess``) of each of the usual names of a record's date."""
    if date_field:
        years = {date_field: years_of(docs, date_field)}
    else:
        years = years_by_name(docs) if guess else {}
    return identifier_digests(docs, **identifiers), years


def _undated(container: Container) -> str | None:
    """The main date field of a container whose records the store did not count a year."""
    return container.date_field if container.date_field and not container.years else None


def _guesses(container: Container) -> bool:
    """Whether its records are dated by the usual names of a record's date: it names no
    date field, and the store counted no year."""
    return not container.date_field and not container.years


class Dated(NamedTuple):
    """A container's records a year, counted in every record read for its people, and the
    field they were dated by where the inventory named none."""

    years: tuple[YearCount, ...] = ()
    date_field: str | None = None  # None: the container's own (``Container.date_field``)

    @classmethod
    def of(cls, container: Container, found: dict[str, Counter[int]]) -> Dated:
        """Of its main date field, else of the usual name that dated the most records (the
        more telling first); ``found``: the years each field dated."""
        if container.date_field:
            field, years = None, found.get(container.date_field, Counter[int]())
        else:
            field, years = most_dated(found)
        return cls(tuple(YearCount(y, n) for y, n in sorted(years.items())), field)


class _Digests(Sink):
    """The identifiers of one type in every record read, as keyed digests, in memory (a
    store this small holds a few hundred thousand at most), and each container's records a
    year where the store did not count them (``_undated``)."""

    def __init__(
        self,
        entity_type: str,
        key: bytes,
        min_score: float,
        field_types: Callable[[Container], dict[str, str]],
    ) -> None:
        self.entity_type, self.key, self.min_score = entity_type, key, min_score
        self._field_types = field_types
        self.seen: set[bytes] = set()
        self.by_container: dict[str, set[bytes]] = {}
        # Per (container, partition), so that a partition read again from its start (its
        # position expired: ``Sink.start``) counts its records and their years once; its
        # identifiers, a set, need not be.
        self._records: dict[tuple[str, int], int] = {}
        self._years: dict[tuple[str, int], dict[str, Counter[int]]] = {}

    def start(self, container: Container, plan: ReadPlan, partitions: Sequence[int]) -> None:
        for n in partitions:
            self._records.pop((container.name, n), None)
            self._years.pop((container.name, n), None)

    @property
    def records(self) -> int:
        """Records read, each once."""
        return sum(self._records.values())

    @property
    def years(self) -> dict[str, dict[str, Counter[int]]]:
        """Each container's records a year, by each field that dated them."""
        out: dict[str, dict[str, Counter[int]]] = {}
        for (name, _), fields in self._years.items():
            mine = out.setdefault(name, {})
            for field, years in fields.items():
                mine.setdefault(field, Counter()).update(years)
        return out

    def work(self, container: Container) -> Callable[[Sequence[Any]], Any]:
        return partial(
            _identifiers_and_years,
            date_field=_undated(container),
            guess=_guesses(container),
            entity_type=self.entity_type,
            field_types=self._field_types(container),
            min_score=self.min_score,
            key=self.key,
        )

    def page(
        self,
        container: Container,
        plan: ReadPlan,
        partition: int,
        result: Any,
        docs: int,
        position: Any,
    ) -> None:
        digests, years = result
        self.seen.update(digests)
        self.by_container.setdefault(container.name, set()).update(digests)
        at = (container.name, partition)
        fields = self._years.setdefault(at, {})
        for name, counted in years.items():
            fields.setdefault(name, Counter()).update(counted)
        self._records[at] = self._records.get(at, 0) + docs


def _merged(found: Sequence[dict[str, SampledIdentifiers]]) -> dict[str, SampledIdentifiers]:
    out: dict[str, SampledIdentifiers] = {}
    for part in found:
        for etype, ids in part.items():
            out.setdefault(etype, SampledIdentifiers(etype)).merge(ids)
    return out


async def count_people(
    acc: Access,
    sampled: Sequence[tuple[Container, int]],
    found: Sequence[dict[str, SampledIdentifiers]],
    options: ScanOptions,
    workers: Workers,
    key: bytes,
) -> PeopleCount | None:
    """The store's people from its containers' samples (container, records sampled).
    Containers of copies (a materialized view: ``Container.derived``) hold people their
    sources already count: they are left out, unless nothing else held an identifier."""
    store, _, _ = await count_people_by_container(acc, sampled, found, options, workers, key)
    return store


async def count_people_by_container(
    acc: Access,
    sampled: Sequence[tuple[Container, int]],
    found: Sequence[dict[str, SampledIdentifiers]],
    options: ScanOptions,
    workers: Workers,
    key: bytes,
    across: AcrossStores | None = None,
    drawn: Sequence[str | None] | None = None,
) -> tuple[PeopleCount | None, tuple[PeopleCount | None, ...], tuple[Dated, ...]]:
    """``count_people``, and beside it each container's people (in the order of
    ``sampled``) counted the same way: read whole where the store's identifiers were, else
    estimated from the container's own sample, never above the store's count. Where the
    store's identifiers were all read (or listed), they join ``across`` under ``endpoint``.
    ``drawn``: how each container's sample was drawn (``Sample.drawn``; None: its first
    records), which an estimate's basis says. Third, each container's records a year as
    that read counted them (``Dated``; empty where the store counted them, or where its
    records were not read whole)."""
    each = list(drawn) if drawn is not None else [None] * len(sampled)
    store, read, digests, years, pooled = await _count_store(
        acc, sampled, found, options, workers, key, each
    )
    dated = tuple(Dated.of(c, years.get(c.name, {})) for c, _ in sampled)
    if store is None:
        return None, tuple(None for _ in sampled), dated
    if across is not None and digests is not None:
        across.add(acc.reported.endpoint.key, store.entity_type, digests)
    elif across is not None and pooled is not None:
        across.add_sampled(acc.reported.endpoint.key, pooled)
    return (
        store,
        tuple(
            _container_people(store, c, n, f.get(store.entity_type), read, d)
            for (c, n), f, d in zip(sampled, found, each, strict=True)
        ),
        dated,
    )


def _container_people(
    store: PeopleCount,
    container: Container,
    sampled: int,
    ids: SampledIdentifiers | None,
    read: dict[str, set[bytes]] | None,
    drawn: str | None = None,
) -> PeopleCount | None:
    """One container's people, of the type its store's are counted in."""
    etype = store.entity_type
    if read is not None:  # every record's identifiers were read: counted
        n = len(read.get(container.name, ()))
        if not n:
            return None
        return PeopleCount(
            etype,
            n,
            n,
            n,
            True,
            "read",
            f"distinct {etype} read in every one of its {container.docs or 0:,} records",
            store.fields,
        )
    if ids is None or not ids.docs or not sampled or not container.docs:
        return None
    own = SampledIdentifiers(etype, sampled, ids.docs, ids.fields, ids.per_record)
    est = from_sample(own, container.docs, drawn=drawn_as([drawn]))
    # A part of the store holds no more people than the whole store was counted to hold.
    high = est.high if store.high is None else min(est.high, max(store.high, est.low))
    value = min(est.value, high, max(store.value, est.low))
    basis = f"{etype}: {est.basis}"
    if value < est.value:
        basis += f"; at most the whole store's {value:,}"
    return PeopleCount(
        etype, value, est.low, high, est.exact, "sample", basis, tuple(sorted(ids.fields))
    )


async def _count_store(
    acc: Access,
    sampled: Sequence[tuple[Container, int]],
    found: Sequence[dict[str, SampledIdentifiers]],
    options: ScanOptions,
    workers: Workers,
    key: bytes,
    drawn: Sequence[str | None] | None = None,
) -> tuple[
    PeopleCount | None,
    dict[str, set[bytes]] | None,
    set[bytes] | None,
    dict[str, dict[str, Counter[int]]],
    Pooled | None,
]:
    """The store's people, each container's identifiers where they were read whole, all of
    the store's where they were read or listed whole (an exact count), each container's
    records a year where that read counted them (``_Digests``), and where the count is an
    estimate from the sample alone, that sample (``Pooled``)."""
    each = list(drawn) if drawn is not None else [None] * len(sampled)
    own = [(s, f, d) for s, f, d in zip(sampled, found, each, strict=True) if not s[0].derived]
    if any(f for _, f, _ in own):
        sampled, found, each = [s for s, _, _ in own], [f for _, f, _ in own], [d for *_, d in own]
    # A container read whole by its sample was drawn neither way.
    how = drawn_as(d for (c, n), d in zip(sampled, each, strict=True) if 0 < n < (c.docs or 0))
    merged = _merged(found)
    etype = people_type(merged)
    if etype is None:
        return None, None, None, {}, None
    ids = merged[etype]
    # Each container's sample at its own rate: 1% of the cases beside half the payroll.
    strata = [
        Stratum(f[etype].docs if etype in f else {}, n, c.docs or 0)
        for (c, n), f in zip(sampled, found, strict=True)
        if n and c.docs
    ]
    counted = [c for c, n in sampled if n and c.docs]
    ids.records = sum(n for c, n in sampled if n and c.docs)
    total = sum(c.docs or 0 for c in counted)
    fields = tuple(sorted(ids.fields))
    why_not_read = ""
    # Only a store known to be small is read whole: an estimated count (files whose records
    # the sample extrapolated) may stand for far more than it says.
    if total <= options.people_read and all(c.docs_exact for c in counted):
        try:
            people, by_container, years = await _read_all(
                acc, counted, etype, fields, options, workers, key
            )
            return people, by_container, set().union(*by_container.values()), years, None
        except NetError as exc:
            why_not_read = f" (reading them whole failed: {exc})"[:200]
    kinds = _field_kinds(acc, counted)
    keyword = _listable(acc, ids, kinds)
    counts = None
    if keyword:
        try:
            counts = await acc.probe.count_distinct(acc.transport, acc.read_as, counted, keyword)
        except NetError as exc:
            why_not_read += f" (the store's own count failed: {exc})"[:200]
    if counts and sum(d.upper for d in counts.values()) <= LIST_VALUES:
        try:
            listed = await _listed(acc, counted, etype, list(counts), kinds, options, workers, key)
        except NetError as exc:
            why_not_read += f" (listing the values failed: {exc})"[:200]
            listed = None
        if listed is not None:
            people = _with_listed(
                etype,
                ids,
                total,
                listed,
                list(counts),
                why_not_read,
                strata,
                how,
                acc.probe.distinct_listed,
                merged=_merged_by_conversion(counts),
            )
            if people.exact:
                return people, None, listed, {}, None
            # Identifiers in free text too: its figure is pooled with other stores' samples,
            # as an estimate from its sample alone is (``AcrossStores.add_sampled``).
            mine = Estimate(people.value, people.low, people.high or people.value, people.basis)
            return people, None, None, {}, Pooled(ids, tuple(strata), total, how, mine)
    if counts:
        people = _with_store_count(
            etype,
            ids,
            total,
            counts,
            fields,
            why_not_read,
            strata,
            how,
            acc.probe.distinct_counted,
        )
        return people, None, None, {}, None
    est = from_sample(ids, total, strata=strata, drawn=how)
    people = PeopleCount(
        etype,
        est.value,
        est.low,
        est.high,
        est.exact,
        "sample",
        f"{etype}: {est.basis}{why_not_read}",
        fields,
    )
    return people, None, None, {}, Pooled(ids, tuple(strata), total, how, est)


def _listable(acc: Access, ids: SampledIdentifiers, kinds: Mapping[str, FieldType]) -> list[str]:
    """The fields whose distinct values the store is asked to count and list: of a type it
    counts whole (``Probe.distinct_types``), every identifier the sample found in them the
    value whole (an e-mail column, not the free text of a ticket that mentions one: its
    distinct values are texts, as many as its records)."""
    return sorted(
        f for f in ids.fields if kinds.get(f) in acc.probe.distinct_types and ids.whole(f)
    )


def _field_kinds(acc: Access, containers: Sequence[Container]) -> dict[str, FieldType]:
    out: dict[str, FieldType] = {}
    for c in containers:
        for f in c.fields:
            out.setdefault(f.path, acc.probe.field_type(f.type))
    return out


async def _read_all(
    acc: Access,
    containers: Sequence[Container],
    etype: str,
    fields: tuple[str, ...],
    options: ScanOptions,
    workers: Workers,
    key: bytes,
) -> tuple[PeopleCount, dict[str, set[bytes]], dict[str, dict[str, Counter[int]]]]:
    """Every record's identifying fields, read and counted (NetError when a read fails),
    each container's identifiers, and its records a year where the store did not count
    them (its date field read beside the identifiers)."""
    sink = _Digests(etype, key, options.min_score, acc.probe.field_types)
    dates = {d for c in containers if (d := _undated(c))}
    if any(_guesses(c) for c in containers):
        dates |= set(DATE_NAMES)  # where the reader projects (Elasticsearch, MongoDB)
    dates = dates - set(fields)
    reader = acc.probe.reader(acc.transport, acc.read_as).project((*fields, *sorted(dates)))
    ctx = ReadContext(acc.probe, acc.read_as, reader, sink, workers, Pacer(None))
    for c in containers:
        error = await read_container(ctx, c, LocalExecutor(), partitions=1)
        if error:
            raise NetError(f"{c.name}: {error}")
    n = len(sink.seen)
    return (
        PeopleCount(
            etype,
            n,
            n,
            n,
            True,
            "read",
            f"distinct {etype} in {', '.join(fields)}, read in every one of {sink.records:,} "
            f"records of {acc.probe.words.containers(len(containers))}, each counted once",
            fields,
        ),
        sink.by_container,
        sink.years,
    )


async def _listed(
    acc: Access,
    containers: Sequence[Container],
    etype: str,
    fields: Sequence[str],
    kinds: Mapping[str, FieldType],
    options: ScanOptions,
    workers: Workers,
    key: bytes,
) -> set[bytes] | None:
    """The keyed digests of ``etype`` in the values the store lists for ``fields``, or None
    when it cannot list them. Each value is read as the sample's were, a value of its field
    of its type: the same identifiers, normalised alike (an address's letter case…), in the
    scan's workers (a few hundred thousand values are seconds of detection)."""
    digests: set[bytes] = set()
    deadline = time.monotonic() + LIST_SECONDS
    for f in fields:
        values = acc.probe.distinct_values(acc.transport, acc.read_as, containers, f)
        if values is None:
            return None
        digest = partial(
            identifier_digests,
            entity_type=etype,
            field_types={f: kinds[f].value} if f in kinds else None,
            min_score=options.min_score,
            key=key,
        )
        batch: list[dict[str, str]] = []
        try:
            async for v in values:
                if time.monotonic() > deadline:
                    raise TimeoutError_(
                        f"still listing after {LIST_SECONDS:g} s (each page of a column no "
                        f"index orders reads it whole)"
                    )
                batch.append({f: v})
                if len(batch) >= _LIST_BATCH:
                    digests.update(await workers.run(digest, batch))
                    batch = []
        finally:
            # A listing stopped early closes its connection now, not when collected.
            if (close := getattr(values, "aclose", None)) is not None:
                await close()
        if batch:
            digests.update(await workers.run(digest, batch))
    return digests


def _merged_by_conversion(counts: Mapping[str, Distinct]) -> int:
    """Values the store holds apart byte for byte but counted (and lists) as one once
    converted to be compared (``StoreDistinct.as_bytes``), all fields together: at most this
    many people more than its listing gives."""
    return sum(
        max(0, d.as_bytes - d.estimate)
        for d in counts.values()
        if isinstance(d, StoreDistinct) and d.as_bytes is not None
    )


def _with_listed(
    etype: str,
    ids: SampledIdentifiers,
    total: int,
    listed: set[bytes],
    fields: Sequence[str],
    note: str,
    strata: Sequence[Stratum],
    drawn: str = "first",
    how: str = "every value listed by the store",
    *,
    merged: int = 0,
) -> PeopleCount:
    """Every identifier of the fields whose values are identifiers, listed by the store
    (``how``) and counted once, plus the sample's estimate of those found only in free
    text. ``merged``: values the store holds apart but listed as one
    (``_merged_by_conversion``): the listing is then a lower end, up to that many more."""
    rest = from_sample(ids, total, leave_out=listed, strata=strata, drawn=drawn)
    n = len(listed)
    exact = rest.exact and not merged
    if merged:
        note += (
            f"; at least {n:,} listed: {merged:,} more distinct values byte for byte than "
            f"the server compares once converted (bytes its character set cannot map "
            f'become "?"), up to {merged:,} more'
        )
    basis = (
        f"{etype}: {n:,} distinct in {', '.join(fields)}, {how} across all its "
        f"containers and each counted once (an identifier in two fields or "
        f"two containers once); found only in free text: {rest.basis}{note}"
    )
    return PeopleCount(
        etype,
        n + rest.value,
        n + rest.low,
        n + merged + rest.high,
        exact,
        "store-list",
        basis,
        tuple(sorted(ids.fields)),
    )


def _at_least(etype: str, counted: Distinct, folds: Folds) -> float:
    """The people one field's count says a store holds at least. A count of values as stored
    bounds people below only where no two of them are one identifier: an SQL server's
    (``StoreDistinct``) says nothing of it, but its lower-cased count of values that are each
    one whole address does, of addresses; another store's (Elasticsearch's ``cardinality`` of
    a keyword field) keeps its own lower bound where the values the sample read in the field
    held no variants ("Jane@x.com" beside "jane@x.com": ``Folds``; a field counted is one
    the sample read whole), and bounds nothing where they did."""
    if not isinstance(counted, StoreDistinct):
        return 0 if folds.variants else counted.lower
    if etype == email.ENTITY and counted.folded is not None:
        return counted.folded
    return 0


def _how_counted(etype: str, f: str, counted: Distinct, folds: Folds) -> str:
    """How one field's count became people, as the basis says it."""
    said = f"{f} {counted.estimate:,} values as stored"
    if folds.variants:
        # Not scaled by the sample's share of variants: a pair or two read say little of
        # the whole field, and a keyword field whose normalizer folds case already counts
        # the variants as one. The count stays the upper end it is.
        said += (
            f", which may count one person more than once: the {folds.values:,} distinct "
            f"values the sample read there are {folds.identifiers:,} identifiers (variants "
            'such as "Jane@x.com" and "jane@x.com")'
        )
        if not isinstance(counted, StoreDistinct):
            said += ", and its count bounds no people below"
        return said
    said += (
        f" (the {folds.values:,} distinct values the sample read there are as many "
        "identifiers, no variants"
    )
    if not isinstance(counted, StoreDistinct):
        said += f": at least {counted.lower:,} people, the count's own lower bound"
    return said + ")"


def _with_store_count(
    etype: str,
    ids: SampledIdentifiers,
    total: int,
    counts: dict[str, Any],
    fields: tuple[str, ...],
    note: str,
    strata: Sequence[Stratum],
    drawn: str = "first",
    how: str = "counted by the store",
) -> PeopleCount:
    """The store's counts of its fields whose values are identifiers (``how``), one union
    (overlaps between fields as the sample shows them), plus the sample's estimate of
    identifiers found in free text only."""
    folds = {f: ids.folds(f) for f in counts}
    ranked = sorted(counts, key=lambda f: -counts[f].estimate)
    union_seen: set[bytes] = set()
    value = low = high = 0.0
    for n, f in enumerate(ranked):
        sample = ids.fields.get(f, set())
        overlap = len(sample & union_seen) / len(sample) if sample and n else 0.0
        value += counts[f].estimate * (1 - overlap)
        high += counts[f].upper
        low = max(low, _at_least(etype, counts[f], folds[f]))
        union_seen |= sample
    # Each identifier the sample read in these fields is one the store holds.
    low = max(low, len(union_seen))
    value = max(value, low)
    rest = from_sample(ids, total, leave_out=union_seen, strata=strata, drawn=drawn)
    kw = "; ".join(_how_counted(etype, f, counts[f], folds[f]) for f in ranked)
    stored = [counts[f] for f in ranked if isinstance(counts[f], StoreDistinct)]
    if stored:
        kw += (
            f"; at least {round(low):,}: "
            + (
                "the most distinct values one table holds that are each one whole "
                "address, letter case folded, or "
                if etype == email.ENTITY and any(d.folded is not None for d in stored)
                else ""
            )
            + "the distinct identifiers the sample read in them (values as stored are not "
            'people: "Jane@x.com" and "jane@x.com" are two values and one address)'
        )
    elif any(folds[f].variants for f in ranked):
        kw += (
            f"; at least {round(low):,}: the greatest of the {len(union_seen):,} distinct "
            "identifiers the sample read in them and the lower bounds of the counts in whose "
            "values it read no variants"
        )
    basis = (
        f"{etype}: distinct values counted by the store across all its containers at "
        f"once ({kw}; {how}), overlaps between fields as "
        f"the sample shows them; found only in free text: {rest.basis}{note}"
    )
    return PeopleCount(
        etype,
        round(value) + rest.value,
        round(low) + rest.low,
        round(high) + rest.high,
        False,
        "store-count",
        basis,
        fields,
    )
