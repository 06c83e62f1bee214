"""The terminal summary: rich tables, colour only on a TTY, every target string neutralised."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..assess.render import container_count, estimate_note
from ..models import Documents, TargetResult, Verdict
from ..probes.registry import words
from ..redact import neutralize
from ..store.records import ScanRecord
from . import text
from .summary import summarise

_STYLE = {
    "open": "bold red",
    "partial": "bold yellow",
    "secured": "green",
    "closed": "dim",
    "timeout": "dim",
    "error": "magenta",
    "not-elasticsearch": "dim",
}


def safe(value: object) -> Text:
    """Target-controlled text as a rich Text (never parsed as markup), control chars removed."""
    return Text(neutralize(str(value)))


def render(scan: ScanRecord, console: Console, *, show_closed: bool = False) -> None:
    """Print the scan summary and, for exposed endpoints, their containers."""
    s = summarise(scan)
    table = Table(title=f"leakhound scan {scan.scan_id}", title_justify="left")
    # One table for every kind: its words where all its stores share them, else neutral.
    w = text.of_kinds(r.service.kind for r in scan.results if r.containers)
    shown = [
        r
        for r in scan.results
        if show_closed or r.service.verdict not in (Verdict.CLOSED, Verdict.TIMEOUT)
    ]
    hidden = len(scan.results) - len(shown)
    # A cluster's name is Elasticsearch's and Kibana's word: the column only where one is.
    named = any(r.service.fingerprint.cluster_name for r in shown)
    for col in (
        "Endpoint",
        "Verdict",
        "Product",
        *(("Cluster",) if named else ()),
        w.containers_heading,
        w.records_heading,
        "Reason",
    ):
        table.add_column(col, overflow="fold")
    for r in shown:
        svc = r.service
        # Containers listed but refused are not exposed: beside the count, not in it.
        read = [cr for cr in r.containers if not cr.refused(svc.verdict)]
        shut = len(r.containers) - len(read)
        docs = Documents.of(cr.container for cr in read)
        table.add_row(
            safe(svc.url),
            Text(svc.verdict.value, style=_STYLE.get(svc.verdict, "")),
            safe(text.product(svc.fingerprint)),
            *((safe(svc.fingerprint.cluster_name or ""),) if named else ()),
            (f"{len(read)}" + (f" (+{shut} refused)" if shut else "")) if r.containers else "",
            text.documents(docs, words(svc.kind)) if r.containers else "",
            safe(svc.reason),
        )
    if table.row_count:
        console.print(table, highlight=False)
    else:
        console.print(f"leakhound scan {scan.scan_id}", highlight=False)
    if hidden:
        console.print(
            f"{hidden} endpoint(s) closed or silent (not listed; --show-closed lists them)",
            highlight=False,
        )
    for r in scan.results:
        if r.exposed or r.containers:
            _containers(r, console)
    refused = text.refused(
        s.refused_containers,
        s.refused_documents,
        s.refused_for_credentials,
        s.refused_by_kind,
        s.refused_estimated_documents,
    )
    console.print(
        f"Exposed: {s.exposed_endpoints} endpoint(s), {s.named()}, "
        f"{text.records(s.documents, s.words)}"
        f"{'; ' + refused if refused else ''}; personal data: "
        f"{', '.join(s.pii_types) or 'none found in samples'}; "
        f"compromised {s.all_words.container[1]}: {s.compromised_containers}",
        highlight=False,
    )
    for p in scan.people_across:
        console.print(
            f"People: {text.people_across(p, scan.stores_at(p.endpoints))}", highlight=False
        )
    console.print(f"scan_id: {scan.scan_id}", highlight=False)


def _pii_fields(r: TargetResult, console: Console) -> None:
    """One row per PII type over all sampled containers: how often, where, an example."""
    rows = text.pii_by_type(r.containers)
    if not rows:
        return
    w = words(r.service.kind)
    table = Table(title="Personal data by type (samples)", title_justify="left")
    for col in (
        "Type",
        w.containers_heading,
        f"Sampled {w.record[1]}",
        "Fields",
        "Example (masked)",
    ):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(
            row.type,
            str(row.containers),
            f"{row.docs:,}/{row.sampled:,}",
            safe(", ".join(row.fields)),
            safe(row.example),
        )
    console.print(table, highlight=False)


def _containers(r: TargetResult, console: Console) -> None:
    w = words(r.service.kind)
    title = Text.assemble(f"{w.containers_heading} of ", safe(r.service.url))
    table = Table(title=title, title_justify="left")
    for col in (
        w.container_heading,
        w.records_heading,
        "Size",
        "Dates",
        "Personal data in sample",
        "Flags",
    ):
        table.add_column(col, overflow="fold")
    for cr in r.containers:
        c = cr.container
        flags = Text()
        if c.compromised:
            flags.append("COMPROMISED ", style="bold red")
        if c.hidden:
            flags.append("hidden ", style="dim")
        if c.derived:
            flags.append(f"copies ({neutralize(c.derived)}) ", style="dim")
        if c.error:
            flags.append(neutralize(c.error), style="magenta")
        table.add_row(
            safe(c.name),
            container_count(c),
            text.size(c.store_bytes),
            safe(text.container_dates(cr)),
            safe(text.pii_kinds(cr.sample, cr.full)),
            flags,
        )
    console.print(table, highlight=False)
    if note := estimate_note(cr.container for cr in r.containers):
        console.print(safe(note), highlight=False)
    if r.authenticated:
        console.print(
            "read with the credentials given (--auth); the verdict is without them", highlight=False
        )
    _pii_fields(r, console)
    if r.people is not None and r.full is None:  # a full read prints its own count
        console.print(Text.assemble("People: ", safe(text.store_people(r.people))), highlight=False)
    _full(r, console)
    if r.inventory_error:
        console.print(
            Text.assemble("inventory incomplete: ", safe(r.inventory_error)), highlight=False
        )
    if r.inventory_note:  # the listing is whole: its figures stand
        console.print(Text.assemble("inventory note: ", safe(r.inventory_note)), highlight=False)
    if r.truncated:
        console.print(
            f"{w.containers(r.truncated, 'more')} listed but not inventoried (raise --max-indices)",
            highlight=False,
        )


def _full(r: TargetResult, console: Console) -> None:
    """The full read (--depth full) of an endpoint's containers, when there was one."""
    read = [(cr.container, cr.full) for cr in r.containers if cr.full is not None]
    if not read:
        return
    w = words(r.service.kind)
    total = text.records(Documents.read((c, full.docs) for c, full in read), w)
    table = Table(
        title=Text.assemble(
            f"Full read: {total}, distinct people ",
            safe(text.people(r.full) or "0"),
        ),
        title_justify="left",
    )
    for col in (
        w.container_heading,
        "Read",
        "People",
        f"Personal data ({w.record[1]}, {w.record[1]}/distinct per field)",
        "Per year",
    ):
        table.add_column(col, overflow="fold")
    for c, full in read:
        table.add_row(
            safe(c.name),
            f"{full.docs:,}",
            safe(text.people(full)),
            safe(text.full_pii_line(full, words=w)),
            safe(text.years(full)),
        )
    console.print(table, highlight=False)
