"""Every human-facing text names a store's containers and records in its kind's words (a
MySQL store's tables of rows, a MongoDB store's collections), totals over kinds that differ
say containers and records with the breakdown, and a kind no probe knows gets the neutral
words; JSON, SARIF properties and options keep their names."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from leakhound.assess import assess
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
    Words,
)
from leakhound.notify import notify
from leakhound.probes.registry import PROBES, words
from leakhound.report import html, markdown, sarif, terminal
from leakhound.report.summary import summarise
from leakhound.store import ScanRecord, SqliteStore

PORTS = {"mysql": 3306, "postgresql": 5432, "mongodb": 27017, "elasticsearch": 9200}
SCHEMES = {"elasticsearch": "http", "toykv": "toykv"}


def store(kind: str, *containers: tuple[str, int], pii: bool = False) -> TargetResult:
    """An open store of ``kind`` holding ``containers`` (name, records), each sampled with an
    e-mail address in every record when ``pii``."""
    port = PORTS.get(kind, 7000)
    ep = Endpoint("127.0.0.1", port)
    url = f"{SCHEMES.get(kind, kind)}://127.0.0.1:{port}"
    svc = Service(ep, url, kind, Verdict.OPEN, "no password", Fingerprint(product=kind))
    email = PiiSummary("EMAIL_ADDRESS", 10, (PiiField("email", 10),), ("j***@e***.com",), 10)
    return TargetResult(
        svc,
        tuple(
            ContainerResult(
                Container(name, n, 8192, False, False),
                Sample(10, 10, (email,)) if pii else None,
                None,
            )
            for name, n in containers
        ),
    )


def stored(tmp_path: Path, *results: TargetResult) -> ScanRecord:
    with SqliteStore(tmp_path / "f.db") as db:
        scan_id = db.begin_scan(["127.0.0.1"], {"sample": 10})
        for r in results:
            db.record(scan_id, r)
        db.finish_scan(scan_id)
        return db.load(scan_id)


def rendered(scan: ScanRecord) -> str:
    buf = io.StringIO()
    terminal.render(scan, Console(file=buf, width=300, force_terminal=False))
    return buf.getvalue()


def test_every_built_in_kind_names_its_containers_and_records() -> None:
    assert {p.kind: (p.words.container[1], p.words.record[1]) for p in PROBES} == {
        "elasticsearch": ("indices", "documents"),
        "kibana": ("indices", "documents"),
        "couchdb": ("databases", "documents"),
        "mongodb": ("collections", "documents"),
        "mysql": ("tables", "rows"),
        "postgresql": ("tables", "rows"),
        "redis": ("key patterns", "keys"),
        "s3": ("folders", "records"),
        "azblob": ("folders", "records"),
    }


def test_a_kind_without_a_probe_gets_the_neutral_words() -> None:
    assert words("toykv") == Words() == Words(("container", "containers"), ("record", "records"))


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0 tables"), (1, "1 table"), (2048, "2,048 tables")],
)
def test_a_count_takes_the_singular_only_for_one(n: int, expected: str) -> None:
    assert words("mysql").containers(n) == expected


@pytest.mark.parametrize("kind", ["mysql", "postgresql"])
def test_an_sql_store_shows_tables_of_rows(tmp_path: Path, kind: str) -> None:
    scan = stored(tmp_path, store(kind, ("hr.payroll", 200), ("hr.staff", 40), pii=True))
    out = rendered(scan)
    assert f"Tables of {kind}://127.0.0.1:{PORTS[kind]}" in out
    assert "Indices" not in out and "Index" not in out and "indices" not in out
    header = next(
        line for line in out.splitlines() if "hr.payroll" not in line and "Table " in line
    )
    assert "Rows" in header
    assert "Exposed: 1 endpoint(s), 2 tables, 240 rows; " in out
    assert "compromised tables: 0" in out
    assert "Sampled rows" in out  # the personal data by type table
    md = markdown.render(scan)
    assert "- Exposed: 2 tables, 240 rows; compromised tables: 0" in md
    assert "| Table | Rows | Size | Dates | Personal data in sample | Flags |" in md


def test_one_table_is_singular(tmp_path: Path) -> None:
    out = rendered(stored(tmp_path, store("mysql", ("shop.orders", 1))))
    assert "Exposed: 1 endpoint(s), 1 table, 1 rows" not in out
    assert "Exposed: 1 endpoint(s), 1 table, 1 row; " in out


def test_a_mongodb_store_shows_collections(tmp_path: Path) -> None:
    out = rendered(stored(tmp_path, store("mongodb", ("shop.orders", 500), ("shop.users", 20))))
    assert "Collections of mongodb://127.0.0.1:27017" in out
    assert "Exposed: 1 endpoint(s), 2 collections, 520 documents; " in out


def test_a_mixed_scan_totals_containers_with_the_breakdown(tmp_path: Path) -> None:
    scan = stored(
        tmp_path,
        store("elasticsearch", ("cases-2019", 1000), ("cases-2020", 2000)),
        store("mysql", ("hr.payroll", 200)),
        store("mongodb", ("shop.orders", 500), ("shop.users", 20)),
    )
    out = rendered(scan)
    assert (
        "Exposed: 3 endpoint(s), 5 containers (2 collections, 2 indices, 1 table), 3,720 records; "
    ) in out
    assert "compromised containers: 0" in out
    # each store's own table keeps its words
    assert "Indices of http://127.0.0.1:9200" in out
    assert "Tables of mysql://127.0.0.1:3306" in out
    assert "Collections of mongodb://127.0.0.1:27017" in out
    md = markdown.render(scan)
    assert "- Exposed: 5 containers (2 collections, 2 indices, 1 table), 3,720 records" in md


def test_stores_that_share_their_words_total_in_them(tmp_path: Path) -> None:
    scan = stored(
        tmp_path, store("mysql", ("hr.payroll", 200)), store("postgresql", ("public.cases", 5))
    )
    assert "Exposed: 2 endpoint(s), 2 tables, 205 rows; " in rendered(scan)


def test_a_kind_no_probe_knows_is_shown_in_neutral_words(tmp_path: Path) -> None:
    scan = stored(tmp_path, store("toykv", ("people", 25), ("notes", 7)))
    out = rendered(scan)
    assert "Containers of toykv://127.0.0.1:7000" in out
    assert "Exposed: 1 endpoint(s), 2 containers, 32 records; " in out


def test_the_authority_draft_names_an_sql_stores_tables(tmp_path: Path) -> None:
    scan = stored(tmp_path, store("postgresql", ("hr.payroll", 200), pii=True))
    a = assess(scan, None, datetime(2026, 1, 1, tzinfo=UTC))
    draft = notify(scan, a, kind="authority")
    assert "### Stores and tables concerned" in draft
    assert "| Store | Table | Rows | Personal data found | Dates |" in draft
    assert "could read the 200 rows held in 1 table" in draft
    assert "indices" not in draft.lower() and "| Index |" not in draft


def test_html_and_sarif_speak_the_stores_words(tmp_path: Path) -> None:
    scan = stored(tmp_path, store("mysql", ("hr.payroll", 200), pii=True))
    page = html.render(scan)
    assert "<th>Table</th>" in page and '<th class="num">Rows</th>' in page
    assert "tables with personal data" in page
    log = json.loads(sarif.render(scan))
    texts = [r["message"]["text"] for r in log["runs"][0]["results"]]
    assert any(t.endswith("; 1 table") for t in texts)
    assert any("sampled rows of table 'hr.payroll' (200 rows)" in t for t in texts)
    (opened,) = [r for r in log["runs"][0]["results"] if "indices" in r["properties"]]
    assert opened["properties"]["indices"] == 1  # the property keeps its name


def test_the_json_summary_keeps_its_field_names(tmp_path: Path) -> None:
    scan = stored(tmp_path, store("mysql", ("hr.payroll", 200)), store("mongodb", ("a.b", 3)))
    summary = summarise(scan).to_dict()
    assert summary["exposed_indices"] == 2 and summary["exposed_documents"] == 203
    assert not any("kind" in k for k in summary)  # the words' inputs stay out of the JSON
