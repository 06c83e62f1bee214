"""Containers nobody counted (an object store's folders with --sample 0, a count refused):
every format says how many were not counted, never "0 documents" for records unknown."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from leakhound.models import (
    Container,
    ContainerResult,
    Documents,
    Endpoint,
    Fingerprint,
    Service,
    TargetResult,
    Verdict,
)
from leakhound.report import markdown, terminal
from leakhound.report.summary import summarise
from leakhound.store import ScanRecord, SqliteStore


def folder(name: str, docs: int | None) -> Container:
    return Container(name, docs, 4096, False, False)


def stored(tmp_path: Path, *containers: Container) -> ScanRecord:
    ep = Endpoint("127.0.0.1", 9000, "http")
    svc = Service(
        ep,
        "http://127.0.0.1:9000",
        "s3",
        Verdict.OPEN,
        "public-cases: anyone lists it",
        Fingerprint(product="minio"),
    )
    results = tuple(ContainerResult(c, None, None) for c in containers)
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["127.0.0.1"], {"sample": 0})
        store.record(scan_id, TargetResult(svc, results))
        store.finish_scan(scan_id)
        return store.load(scan_id)


def rendered(scan: ScanRecord) -> str:
    buf = io.StringIO()
    terminal.render(scan, Console(file=buf, width=240, force_terminal=False))
    return buf.getvalue()


def test_containers_nobody_counted_are_not_zero_documents(tmp_path: Path) -> None:
    scan = stored(tmp_path, folder("public-cases/exports/", None), folder("public-cases/hr/", None))
    assert Documents.of(c for _, cr in scan.stores[0].containers for c in [cr.container]) == (
        Documents(0, 0, 2)
    )
    out = rendered(scan)
    assert "Exposed: 1 endpoint(s), 2 folders, ? (2 folders not counted) records" in out
    assert " 0 documents" not in out
    md = markdown.render(scan)
    assert "- Exposed: 2 folders, ? (2 folders not counted) records" in md
    summary = summarise(scan).to_dict()
    assert (summary["exposed_documents"], summary["uncounted_indices"]) == (0, 2)


def test_counted_records_beside_uncounted_containers_say_so(tmp_path: Path) -> None:
    scan = stored(tmp_path, folder("public-cases/hr/", 200), folder("public-cases/bin/", None))
    out = rendered(scan)
    assert "Exposed: 1 endpoint(s), 2 folders, 200 (+1 folder not counted) records" in out
    assert "uncounted_indices" not in summarise(stored(tmp_path / "x", folder("a/", 3))).to_dict()


def _plain(page: str) -> str:
    import html as html_lib
    import re

    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_html_summary_neither_says_zero_documents_nor_samples_it_never_read(
    tmp_path: Path,
) -> None:
    from leakhound.report import html

    scan = stored(tmp_path, folder("public-cases/exports/", None), folder("public-cases/hr/", None))
    text = _plain(html.render(scan))
    assert "holding 0 records" not in text and "holding 0 documents" not in text
    assert (
        "1 data store answered without a password, holding 2 folders whose records were "
        "not counted." in text
    )
    assert "The samples read found no personal data" not in text
    assert (
        "2 exposed folders were not sampled, so whether they hold personal data is not "
        "known." in text
    )


def test_the_html_summary_says_which_folders_were_not_counted(tmp_path: Path) -> None:
    from leakhound.report import html

    scan = stored(tmp_path, folder("public-cases/hr/", 200), folder("public-cases/bin/", None))
    text = _plain(html.render(scan))
    assert "holding 200 records in 2 folders (1 of them not counted)." in text


def test_sarif_names_the_indices_nobody_counted(tmp_path: Path) -> None:
    import json

    from leakhound.report import sarif

    scan = stored(tmp_path, folder("public-cases/hr/", 200), folder("public-cases/bin/", None))
    log = json.loads(sarif.render(scan))
    (store,) = [r for r in log["runs"][0]["results"] if "documents" in r["properties"]]
    assert store["properties"]["documents"] == 200
    assert store["properties"]["uncounted_indices"] == 1
