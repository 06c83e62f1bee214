"""Small formatting helpers shared by the human-readable formats."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..count.people import told
from ..models import (
    ContainerResult,
    Distinct,
    Documents,
    Fingerprint,
    FullRead,
    FullTotals,
    PeopleAcross,
    PeopleCount,
    Sample,
    Words,
)
from ..probes.registry import words as kind_words

NEUTRAL = Words()


def size(n: int | None) -> str:
    """Bytes as a short human figure."""
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def count(n: int | None, exact: bool = True) -> str:
    """A count with thousands separators, '?' when unknown, '~' when not exact."""
    return "?" if n is None else f"{'' if exact else '~'}{n:,}"


def documents(d: Documents, words: Words = NEUTRAL) -> str:
    """A store's records, the rows of copies not added to them, and the containers nobody
    counted (in ``words``), when there are any: '?' where none was counted, never 0. A figure
    holding the store's estimates is '~' (the container tables' mark), and says how much of it
    was estimated where the rest was counted: '~12,400 (2,400 of them estimated)'; the copies'
    rows likewise: '10,000 (+~5,000 in copies)'."""
    if d.uncounted and not d.records:
        text = f"? ({words.containers(d.uncounted)} not counted)"
    else:
        text = f"~{d.records:,}" if d.estimated else f"{d.records:,}"
        if d.estimated and d.estimated < d.records:
            text += f" ({d.estimated:,} of them estimated)"
        if d.uncounted:
            text += f" (+{words.containers(d.uncounted)} not counted)"
    if not d.copies:
        return text
    copies = f"~{d.copies:,}" if d.copies_estimated else f"{d.copies:,}"
    some = d.copies_estimated and d.copies_estimated < d.copies
    return f"{text} (+{copies} in copies" + (
        f", {d.copies_estimated:,} of them estimated)" if some else ")"
    )


def records(d: Documents, words: Words = NEUTRAL) -> str:
    """``documents`` followed by the records' word: '1 row', '1,000 (+300 in copies) rows',
    '? (2 folders not counted) records'."""
    figure = documents(d, words)
    return f"{figure} {words.record[0] if figure in ('1', '~1') else words.record[1]}"


def of_kinds(kinds: Iterable[str]) -> Words:
    """The words the stores of ``kinds`` share, else the neutral ones."""
    return Words.common(kind_words(k) for k in kinds)


def containers(by_kind: Mapping[str, int]) -> str:
    """Containers of several stores, by kind, in their words: '112 indices', '18 containers
    (12 indices, 6 tables)' (``Words.tally``)."""
    return Words.tally((kind_words(k), n) for k, n in by_kind.items())


def refused(
    containers: int,
    documents: int,
    credentials: int,
    by_kind: Mapping[str, int] | None = None,
    estimated: int = 0,
) -> str:
    """Containers a partial store listed but refused to read, and the records it said they
    hold: not exposed, so never in the exposed figures ('' when there are none).
    ``credentials``: how many of them asked for credentials (the rest failed otherwise);
    ``by_kind``: the containers by their stores' kinds, which name them (else neutral);
    ``estimated``: of ``documents``, those the store estimated ('~', as ``documents``)."""
    if not containers:
        return ""
    by_kind = by_kind or {"": containers}
    named = Words.tally(((kind_words(k), n) for k, n in by_kind.items()), "more")
    figure = records(Documents(documents, 0, 0, estimated), of_kinds(by_kind))
    held = f", holding {figure}" if documents else ""
    return f"{named} listed but not readable ({why_refused(containers, credentials)}){held}"


def why_refused(containers: int, credentials: int) -> str:
    """Why containers listed were not read: 'asked for credentials', 'the read failed', or
    both with their numbers."""
    if credentials >= containers:
        return "asked for credentials"
    if credentials == 0:
        return "the read failed"
    return f"{credentials:,} asked for credentials, {containers - credentials:,} failed"


def dates(date_min: str | None, date_max: str | None) -> str:
    """A container's date range as 'YYYY-MM-DD – YYYY-MM-DD'."""
    if not date_min and not date_max:
        return ""
    return f"{(date_min or '?')[:10]} – {(date_max or '?')[:10]}"


def container_dates(cr: ContainerResult) -> str:
    """A container's date range, or where the inventory read none (a CouchDB database, a
    bucket's folder), the years of the records its full read or its people read dated."""
    c = cr.container
    if c.date_min or c.date_max:
        return dates(c.date_min, c.date_max)
    read = (cr.full.years if cr.full else ()) or (cr.sample.years if cr.sample else ())
    years = [y.year for y in read if y.docs]
    if not years:
        return ""
    low, high = min(years), max(years)
    return f"{low} (years read)" if low == high else f"{low} – {high} (years read)"


def product(fp: Fingerprint) -> str:
    """'OpenSearch 2.19.1' and the like; a Kibana also names the cluster behind it
    ('Kibana 8.11.3 (Elasticsearch 8.11.3)'), a server speaking another's protocol what it
    answers as ('FerretDB 1.24.2 (as MongoDB 7.0.42)')."""
    text = fp.title
    if not text and fp.product != "unknown":  # a product without a display name
        text = " ".join(x for x in (fp.product, fp.version or "") if x)
    if fp.compatibility_mode:
        text += " (compatibility mode)"
    cluster = fp.details.get("cluster")
    if isinstance(cluster, dict) and isinstance(cluster.get("product"), str):
        version = cluster.get("version")
        behind = Fingerprint(cluster["product"], version if isinstance(version, str) else None)
        text += f" ({product(behind)})"
    return text


def pii_line(sample: Sample | None, full: FullRead | None = None) -> str:
    """'EMAIL_ADDRESS 87/100 (customer.email, description)' per type, joined by '; '; a
    container read in full instead of sampled says where its kinds are."""
    if sample is None:
        return not_sampled(full)
    if sample.error:
        return f"sample failed: {sample.error}"
    parts = []
    for pii in sample.pii:
        fields = ", ".join(f.path for f in pii.fields[:4])
        more = len(pii.fields) - 4
        if more > 0:
            fields += f", +{more}"
        parts.append(f"{pii.entity_type} {pii.docs}/{sample.docs} ({fields})")
    return "; ".join(parts)


def distinct(d: Distinct | None) -> str:
    """'489' when exact, '≈12,300 (12,100–12,500)' when estimated."""
    if d is None:
        return ""
    if d.exact:
        return f"{d.estimate:,}"
    return f"≈{d.estimate:,} ({d.lower:,}–{d.upper:,})"


def people(full: FullRead | FullTotals | None) -> str:
    """'489 (EMAIL_ADDRESS in customer.email)': distinct people of a full read."""
    p = full.people if full is not None else None
    if p is None:
        return ""
    where = p.field
    if where == "*":  # counted once across these fields
        where = ", ".join(p.fields[:3]) + (f", +{len(p.fields) - 3}" if len(p.fields) > 3 else "")
    return f"{distinct(p.distinct)} ({p.entity_type} in {where or 'any field'})"


def people_across(p: PeopleAcross, stores: int) -> str:
    """'3,543 distinct EMAIL_ADDRESS, each counted once across the 4 stores read whole';
    '≈3,900 (estimate, between 2,400 and 6,100) distinct EMAIL_ADDRESS, each counted once
    across the 6 stores estimated from their samples pooled: …'. ``stores``: how many
    stores its endpoints are (``ScanRecord.stores_at``): a master and its replica are one."""
    n = stores
    if p.basis is not None:
        # Its basis counts each sample pooled as a store, and names the copies it pooled once.
        n = len(p.endpoints)
        d = p.distinct
        figure = f"{d.estimate:,} (exact)" if d.exact else estimated(d.estimate, d.lower, d.upper)
        return (
            f"{figure} distinct {p.entity_type}, each counted once across the {n} stores "
            f"estimated from their samples pooled: {p.basis}"
        )
    return (
        f"{distinct(p.distinct)} distinct {p.entity_type}, each counted once across the "
        f"{n} store{'' if n == 1 else 's'} whose identifiers were read whole"
    )


def store_people(p: PeopleCount | None) -> str:
    """A sample scan's people in one store, with how they were counted: '3,543 (exact):
    distinct EMAIL_ADDRESS in …', '≈12,300 (estimate, between 9,800 and 15,100): …'."""
    if p is None:
        return ""
    if p.exact:
        return f"{p.value:,} (exact): {p.basis}"
    return f"{estimated(p.value, p.low, p.high)}: {p.basis}"


def estimated(value: int, low: int, high: int | None) -> str:
    """'≈12,300 (estimate, between 9,800 and 15,100)'; 'between 1,700 and 100,000
    (estimate; the sample cannot tell where within)' where the figure may be off by more than
    ``TOLD_FACTOR`` (``count.people.told``): the range is the figure."""
    shown = f"{high:,}" if high is not None else "unbounded"
    if ranged(value, low, high):
        return f"between {low:,} and {shown} (estimate; the sample cannot tell where within)"
    return f"≈{value:,} (estimate, between {low:,} and {shown})"


def ranged(value: int, low: int, high: int | None) -> bool:
    """Whether an estimate (never an exact figure) is shown as its range, "between A and B",
    not as one figure: it may be off by more than ``TOLD_FACTOR`` (``count.people.told``)."""
    return high is not None and not told(value, low, high)


def people_ranged(p: PeopleCount) -> bool:
    """Whether a store's (or a container's) people are shown as their range
    (``estimated``): the JSON's ``shown_as_range``."""
    return not p.exact and ranged(p.value, p.low, p.high)


def across_ranged(p: PeopleAcross) -> bool:
    """Whether people estimated across stores are shown as their range (``people_across``):
    the JSON's ``shown_as_range``."""
    d = p.distinct
    return p.basis is not None and not d.exact and ranged(d.estimate, d.lower, d.upper)


def full_pii_line(full: FullRead | None, max_fields: int = 4, words: Words = NEUTRAL) -> str:
    """'EMAIL_ADDRESS 614 documents (customer.email 614/489, …)' per type, joined by '; ', the
    records in the store's ``words``."""
    if full is None:
        return ""
    parts = []
    for pii in full.pii:
        fields = ", ".join(
            f"{f.path} {f.docs:,}/{distinct(f.distinct)}" for f in pii.fields[:max_fields]
        )
        more = len(pii.fields) - max_fields
        if more > 0:
            fields += f", +{more}"
        parts.append(f"{pii.entity_type} {words.records(pii.docs)} ({fields})")
    line = "; ".join(parts)
    if full.error:
        line = f"INCOMPLETE: {full.error}" + (f"; {line}" if line else "")
    if full.note:  # how the read differed from its method (a transaction it resumed in)
        line += ("; " if line else "") + f"NOTE: {full.note}"
    return line


def years(full: FullRead | None) -> str:
    """'2005: 227, 2006: 252' records per year of the main date field."""
    return ", ".join(f"{y.year}: {y.docs:,}" for y in (full.years if full is not None else ()))


_SHORT = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "IP_ADDRESS": "ip",
    "PERSON": "name",
    "LOCATION": "place",
    "GEO_COORDINATES": "geo",
    "CREDIT_CARD": "card",
    "IBAN_CODE": "iban",
    "US_SSN": "ssn",
    "SECRET": "secret",
}


READ_IN_FULL = "not sampled: read in full (below)"


def not_sampled(full: FullRead | None) -> str:
    """Where a container not sampled has its kinds: its full read, as far as it went (a read
    refused at its first request read nothing, one that stopped a part); '' where none."""
    if full is None:
        return ""
    if full.docs == 0 and full.error:
        return f"not read: {full.error}"
    if not full.complete:
        return "not sampled: read in part (below)"
    return READ_IN_FULL


def pii_kinds(sample: Sample | None, full: FullRead | None = None) -> str:
    """The PII kinds of one container's sample in short words: 'email, phone, ip'; a
    container read in full (``--depth full``) instead of sampled says where its kinds are."""
    if sample is None:
        return not_sampled(full)
    if sample.error:
        return f"not sampled: {sample.error}"
    kinds = [_SHORT.get(p.entity_type, p.entity_type.lower()) for p in sample.pii]
    return ", ".join(kinds) if kinds else ("none" if sample.docs else "")


@dataclass(slots=True)
class PiiByType:
    """One PII type summed over the sampled containers of one endpoint."""

    type: str
    containers: int = 0  # sampled containers holding it
    docs: int = 0  # sampled records carrying it
    sampled: int = 0  # records sampled in those containers
    fields: tuple[str, ...] = ()  # most frequent first
    example: str = ""  # masked


def pii_by_type(containers: Iterable[ContainerResult]) -> list[PiiByType]:
    """PII summed over the sampled containers of one endpoint, most frequent type first."""
    acc: dict[str, PiiByType] = {}
    per_field: dict[str, dict[str, int]] = {}
    for cr in containers:
        if cr.sample is None:
            continue
        for pii in cr.sample.pii:
            row = acc.setdefault(pii.entity_type, PiiByType(pii.entity_type))
            row.containers += 1
            row.docs += pii.docs
            row.sampled += cr.sample.docs
            tally = per_field.setdefault(pii.entity_type, {})
            for f in pii.fields:
                tally[f.path] = tally.get(f.path, 0) + f.docs
            if not row.example and pii.examples:
                row.example = pii.examples[0]
    out = sorted(acc.values(), key=lambda r: (-r.docs, r.type))
    for row in out:
        tally = per_field[row.type]
        row.fields = tuple(sorted(tally, key=lambda p: (-tally[p], p)))
    return out
