"""Stored rounds built by hand: what change detection reads."""

from __future__ import annotations

from leakhound.models import (
    Container,
    ContainerResult,
    Endpoint,
    Fingerprint,
    PiiField,
    PiiSummary,
    Sample,
    Service,
    TlsInfo,
    Verdict,
)
from leakhound.store.records import ResultRecord, ScanRecord, Tool


def pii(kind: str, example: str, docs: int = 10) -> PiiSummary:
    """One kind found in a sample."""
    return PiiSummary(kind, docs, (PiiField("customer.field", docs),), (example,), docs)


def result(
    port: int,
    verdict: Verdict = Verdict.OPEN,
    *,
    containers: dict[str, int | None] | None = None,
    kinds: dict[str, tuple[PiiSummary, ...]] | None = None,
    compromised: tuple[str, ...] = (),
    not_after: str | None = None,
    host: str = "127.0.0.1",
) -> ResultRecord:
    """One endpoint's stored result."""
    tls = TlsInfo(subject="CN=store", not_after=not_after) if not_after else None
    svc = Service(
        Endpoint(host, port),
        f"http://{host}:{port}",
        "elasticsearch",
        verdict,
        f"reason for {verdict}",
        Fingerprint(product="opensearch", version="2.19.0", tls=tls),
    )
    out = []
    for name, docs in (containers or {}).items():
        found = (kinds or {}).get(name, ())
        out.append(
            ContainerResult(
                Container(
                    name,
                    docs,
                    1000,
                    compromised=name in compromised,
                    compromise_reasons=("a read_me index",) if name in compromised else (),
                ),
                Sample(100, min(docs or 0, 100), found),
            )
        )
    return ResultRecord(svc, tuple(out))


def scan(scan_id: str, *results: ResultRecord) -> ScanRecord:
    """A stored round."""
    return ScanRecord(
        scan_id, "2026-01-05T12:00:00+00:00", None, "done", (), {}, Tool(), tuple(results)
    )
