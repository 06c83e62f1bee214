"""The summary every format leads with: a container a partial store listed but refused to
read is counted apart, never as exposed, in every format."""

from __future__ import annotations

import dataclasses
import io
import json

from rich.console import Console
from test_json import validate

from leakhound.models import Container, ContainerResult, Failure, Sample, Verdict
from leakhound.report import json as json_report
from leakhound.report import markdown, sarif, terminal
from leakhound.report.summary import summarise
from leakhound.store import ScanRecord

REFUSED = "the database asks for credentials"


def partly(scan: ScanRecord) -> ScanRecord:
    """The fixture's store made partial: its two indices read, two more listed but refused
    (one the store counted, one it would not count), as a partial CouchDB answers."""
    node, closed = scan.results
    shut = (
        ContainerResult(Container("hr-payroll", 200, None), Sample(100, 0, error=REFUSED)),
        # its read timed out: refused all the same (nothing of it read), not for credentials
        ContainerResult(
            Container("audit-trail", None, None),
            Sample(100, 0, error="timed out", failure=Failure.OTHER),
        ),
    )
    node = dataclasses.replace(
        node,
        service=dataclasses.replace(node.service, verdict=Verdict.PARTIAL),
        containers=(*node.containers, *shut),
    )
    return dataclasses.replace(scan, results=(node, closed))


def test_a_refused_container_is_not_exposed_and_is_counted_apart(scan: ScanRecord) -> None:
    doc = json_report.document(partly(scan))
    validate(json.loads(json.dumps(doc)))
    summary = doc["summary"]
    assert summary["exposed_indices"] == 2  # not 4: two were listed, not readable
    assert summary["exposed_documents"] == 1001  # hr-payroll's 200 are not exposed
    assert (summary["refused_indices"], summary["refused_documents"]) == (2, 200)
    assert summary["refused_for_credentials"] == 1
    assert summary["indices_with_pii"] == 1


def test_an_open_stores_failed_read_stays_exposed(scan: ScanRecord) -> None:
    node, closed = scan.results
    failed = ContainerResult(Container("slow", 50, None), Sample(100, 0, error="timed out"))
    node = dataclasses.replace(node, containers=(*node.containers, failed))
    s = summarise(dataclasses.replace(scan, results=(node, closed)))
    assert (s.exposed_containers, s.exposed_documents, s.refused_containers) == (3, 1051, 0)


def test_a_scan_without_refusals_writes_the_summary_it_always_wrote(scan: ScanRecord) -> None:
    summary = json_report.document(scan)["summary"]
    assert "refused_indices" not in summary and "refused_documents" not in summary
    assert summary["exposed_indices"] == 2


def test_terminal_and_markdown_say_how_many_were_refused(scan: ScanRecord) -> None:
    doc = partly(scan)
    buf = io.StringIO()
    terminal.render(doc, Console(file=buf, width=400))
    out = buf.getvalue()
    assert (
        "Exposed: 1 endpoint(s), 2 indices, 1,001 documents; 2 more indices listed but not "
        "readable (1 asked for credentials, 1 failed), holding 200 documents;"
    ) in out
    assert "2 (+2 refused)" in out  # the endpoint's row
    md = markdown.render(doc)
    assert "- Exposed: 2 indices, 1,001 documents; compromised indices: 1" in md
    assert "- 2 more indices listed but not readable (" in md


def test_sarif_counts_the_readable_indices_and_the_refused_apart(scan: ScanRecord) -> None:
    found = sarif.results(partly(scan))[0]
    assert found["properties"]["indices"] == 2
    assert found["properties"]["documents"] == 1001
    assert found["properties"]["refused_indices"] == 2
    assert "2 indices (2 more listed but not readable)" in found["message"]["text"]
