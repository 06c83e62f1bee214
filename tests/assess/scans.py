"""Build stored scans through the real store: one exposed store holding the indices asked for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from leakhound.models import (
    Container,
    ContainerResult,
    Endpoint,
    Failure,
    Fingerprint,
    PiiField,
    PiiSummary,
    Sample,
    Service,
    TargetResult,
    Verdict,
    YearCount,
)
from leakhound.store import ScanRecord, SqliteStore


@dataclass
class Ix:
    """One index to put in the scan: ``pii`` maps an entity type to (docs, distinct)."""

    name: str
    docs: int | None = 1000
    pii: dict[str, tuple[int, int]] = field(default_factory=dict)
    sampled: int = 100
    date_min: str | None = None
    date_max: str | None = None
    compromised: bool = False
    reasons: tuple[str, ...] = ()
    derived: str | None = None
    sample_error: str | None = None  # the sample could not be read (then nothing sampled)
    # Why, as the probe marked it; None: a result stored before reads were marked.
    failure: Failure | None = None
    years: tuple[tuple[int, int], ...] = ()  # (year, docs) the store counted at inventory
    # (year, docs) counted in every record, its store read whole for its people
    read_years: tuple[tuple[int, int], ...] = ()
    system: bool = False  # the store's own (a dot index, CouchDB's _users)
    denied: bool = False  # the inventory's own reads of it were refused for credentials
    # An estimate, not a count: its bounds (None: unknown) and how it was obtained.
    estimate: tuple[int | None, int | None, str] | None = None


Build = Callable[..., ScanRecord]

# A partial store's two indices (build with verdict=Verdict.PARTIAL): _cat/indices counts
# both, _search asks for credentials on support-cases-2018, so its 10,000 documents were
# listed, not readable.
READ_AND_REFUSED = (
    Ix("support-cases-2019", docs=1132, pii={"EMAIL_ADDRESS": (100, 90)}),
    Ix(
        "support-cases-2018",
        docs=10_000,
        sample_error="HTTP 401 on _search",
        failure=Failure.CREDENTIALS,
    ),
)


def builder(folder: Path) -> Build:
    """``build(Ix(...), ..., verdict=Verdict.OPEN, host=...)`` -> the stored scan."""
    counter = iter(range(1000))

    def build(
        *indices: Ix, verdict: Verdict = Verdict.OPEN, host: str = "198.51.100.7"
    ) -> ScanRecord:
        ep = Endpoint(host, 9200)
        svc = Service(
            ep,
            ep.url("http"),
            "elasticsearch",
            verdict,
            "_cat/indices, _search answer without credentials",
            Fingerprint(product="opensearch", version="2.19.1"),
        )
        results = []
        for ix in indices:
            pii = tuple(
                PiiSummary(t, d, (PiiField(f"doc.{t.lower()}", d),), (), distinct)
                for t, (d, distinct) in ix.pii.items()
            )
            index = Container(
                ix.name,
                ix.docs,
                4096,
                ix.system,
                ix.system,
                details={"health": "green", "status": "open"},
                date_field="created_at" if ix.date_min else None,
                date_min=ix.date_min,
                date_max=ix.date_max,
                compromised=ix.compromised,
                compromise_reasons=ix.reasons,
                derived=ix.derived,
                years=tuple(YearCount(y, n) for y, n in ix.years),
                denied=ix.denied,
                docs_exact=ix.estimate is None,
                docs_low=ix.estimate[0] if ix.estimate else None,
                docs_high=ix.estimate[1] if ix.estimate else None,
                docs_basis=ix.estimate[2] if ix.estimate else None,
            )
            read_years = tuple(YearCount(y, n) for y, n in ix.read_years)
            sample = Sample(ix.sampled, ix.sampled, pii, years=read_years) if ix.sampled else None
            if ix.sample_error:
                sample = Sample(100, 0, (), ix.sample_error, failure=ix.failure)
            results.append(ContainerResult(index, sample))
        with SqliteStore(folder / f"f{next(counter)}.db") as store:
            scan_id = store.begin_scan([host], {"sample": 100})
            store.record(scan_id, TargetResult(svc, tuple(results)))
            store.finish_scan(scan_id)
            return store.load(scan_id)

    return build
