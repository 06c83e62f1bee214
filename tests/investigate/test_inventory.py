"""What the investigation reads from a stored scan (a ``ScanRecord``): each exposed store's
containers once, their sizes and personal data, and when the store was first seen open."""

from __future__ import annotations

from pathlib import Path

from leakhound.investigate.inventory import from_scan
from leakhound.models import (
    Container,
    ContainerResult,
    Endpoint,
    Fingerprint,
    PiiField,
    PiiSummary,
    Sample,
    Service,
    TargetResult,
    Verdict,
)
from leakhound.store import SqliteStore


def _result(port: int, verdict: Verdict, *, uuid: str, pii: str | None) -> TargetResult:
    ep = Endpoint("127.0.0.1", port)
    svc = Service(
        ep,
        f"http://127.0.0.1:{port}",
        "elasticsearch",
        verdict,
        "",
        Fingerprint(product="opensearch", cluster_uuid=uuid),
    )
    found = (PiiSummary(pii, 40, (PiiField("f", 40),), (), 40),) if pii else ()
    sample = Sample(100, 100, found) if pii else Sample(100, 0, error="HTTP 401 on _search")
    boxes = (
        ContainerResult(Container("cases", 1000, 2_000_000), sample),
        ContainerResult(Container("keys", 10, 5_000), Sample(10, 10, ())),
    )
    return TargetResult(svc, boxes)


def test_each_exposed_container_once_with_its_size_and_personal_data(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        # one cluster at a node (sampled) and at its proxy (refused), and a closed endpoint
        store.record(scan_id, _result(9200, Verdict.OPEN, uuid="u", pii="EMAIL_ADDRESS"))
        store.record(scan_id, _result(9300, Verdict.PARTIAL, uuid="u", pii=None))
        store.record(scan_id, _result(9400, Verdict.SECURED, uuid="v", pii="SECRET"))
        store.finish_scan(scan_id)
        scan = store.load(scan_id)
    inv = from_scan(scan)
    assert inv.scan_id == scan_id and set(inv.indices) == {"cases", "keys"}
    cases, keys = inv.indices["cases"], inv.indices["keys"]
    assert (cases.docs, cases.store_bytes, cases.personal) == (1000, 2_000_000, True)
    assert cases.doc_bytes == 2000 and not keys.personal
    assert inv.personal and inv.doc_bytes == 2_005_000 / 1010
    assert inv.first_seen_exposed == scan.started_at
    assert inv.last_scan == scan.finished_at
    assert [f.name for f in inv.find("ca*,keys")] == ["cases", "keys"]
