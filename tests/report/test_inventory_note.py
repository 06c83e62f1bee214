"""A note on a whole listing (``inventory_note``: which indices are hidden is unknown) is said
by every format as a note; only an ``inventory_error`` says the inventory is incomplete."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console

from leakhound.models import Container, ContainerResult, Endpoint, Service, TargetResult, Verdict
from leakhound.report import html, markdown, terminal
from leakhound.report import json as json_report
from leakhound.store import ScanRecord, SqliteStore

NOTE = "which indices are hidden is unknown"
CUT = "the listing was cut at the byte cap"


def stored(tmp_path: Path, *, note: str | None = None, error: str | None = None) -> ScanRecord:
    ep = Endpoint("127.0.0.1", 9200)
    svc = Service(ep, "http://127.0.0.1:9200", "elasticsearch", Verdict.OPEN, "open")
    cases = ContainerResult(Container("cases", 1000, 4096, False, False), None)
    result = TargetResult(svc, (cases,), inventory_error=error, inventory_note=note)
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["127.0.0.1"], {"sample": 0})
        store.record(scan_id, result)
        store.finish_scan(scan_id)
        return store.load(scan_id)


def rendered(scan: ScanRecord) -> str:
    buf = io.StringIO()
    terminal.render(scan, Console(file=buf, width=240, force_terminal=False))
    return buf.getvalue()


def test_a_note_is_said_as_a_note_in_every_format(tmp_path: Path) -> None:
    scan = stored(tmp_path, note=NOTE)
    for text in (rendered(scan), markdown.render(scan)):
        assert f"nventory note: {NOTE}" in text, text
        assert "incomplete" not in text.lower(), text
    page = html.render(scan)
    assert "Inventory notes" in page and NOTE in page and "Not counted" not in page


def test_an_error_is_still_said_as_incomplete_and_not_as_a_note(tmp_path: Path) -> None:
    scan = stored(tmp_path, error=CUT)
    for text in (rendered(scan), markdown.render(scan)):
        assert f"nventory incomplete: {CUT}" in text, text
        assert "nventory note" not in text, text
    page = html.render(scan)
    assert "Not counted" in page and "Inventory notes" not in page


@pytest.mark.parametrize("note", [NOTE, None], ids=["noted", "nothing-to-note"])
def test_the_json_carries_a_note_only_where_there_is_one(tmp_path: Path, note: str | None) -> None:
    doc = json.loads(json_report.render(stored(tmp_path, note=note)))
    schema = json.loads(
        resources.files("leakhound").joinpath("schema/scan-result.schema.json").read_text()
    )
    jsonschema.Draft202012Validator(schema).validate(doc)
    (result,) = doc["results"]
    assert result["inventory_error"] is None
    if note is None:  # a result with nothing to note is written as before
        assert "inventory_note" not in result
    else:
        assert result["inventory_note"] == note
