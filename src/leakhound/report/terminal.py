"""The terminal summary: rich tables, colour only on a TTY, every target string neutralised."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..redact import neutralize
from . import text
from .summary import EXPOSED, summarise

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


def render(doc: dict[str, Any], console: Console, *, show_closed: bool = False) -> None:
    """Print the scan summary and, for exposed endpoints, their indices."""
    s = summarise(doc)
    table = Table(title=f"leakhound scan {doc['scan_id']}", title_justify="left")
    for col in ("Endpoint", "Verdict", "Product", "Cluster", "Indices", "Documents", "Reason"):
        table.add_column(col, overflow="fold")
    hidden = 0
    for r in doc["results"]:
        svc = r["service"]
        if svc["verdict"] in ("closed", "timeout") and not show_closed:
            hidden += 1
            continue
        fp = svc["fingerprint"]
        docs = sum(ir["index"]["docs"] or 0 for ir in r["indices"])
        table.add_row(
            safe(svc["url"]),
            Text(svc["verdict"], style=_STYLE.get(svc["verdict"], "")),
            safe(text.product(fp)),
            safe(fp.get("cluster_name") or ""),
            str(len(r["indices"])) if r["indices"] else "",
            text.count(docs) if r["indices"] else "",
            safe(svc["reason"]),
        )
    if table.row_count:
        console.print(table, highlight=False)
    else:
        console.print(f"leakhound scan {doc['scan_id']}", highlight=False)
    if hidden:
        console.print(
            f"{hidden} endpoint(s) closed or silent (not listed; --show-closed lists them)",
            highlight=False,
        )
    for r in doc["results"]:
        if r["service"]["verdict"] in EXPOSED or r["indices"]:
            _indices(r, console)
    console.print(
        f"Exposed: {s['exposed_endpoints']} endpoint(s), {s['exposed_indices']} indices, "
        f"{s['exposed_documents']:,} documents; personal data: "
        f"{', '.join(s['pii_types']) or 'none found in samples'}; "
        f"compromised indices: {s['compromised_indices']}",
        highlight=False,
    )
    console.print(f"scan_id: {doc['scan_id']}", highlight=False)


def _pii_fields(r: dict[str, Any], console: Console) -> None:
    """One row per PII type over all sampled indices: how often, in which fields, an example."""
    rows = text.pii_by_type(r["indices"])
    if not rows:
        return
    table = Table(title="Personal data by type (samples)", title_justify="left")
    for col in ("Type", "Indices", "Sampled docs", "Fields", "Example (masked)"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(row["type"], str(row["indices"]), f"{row['docs']:,}/{row['sampled']:,}",
                      safe(", ".join(row["fields"])), safe(row["example"]))
    console.print(table, highlight=False)


def _indices(r: dict[str, Any], console: Console) -> None:
    table = Table(
        title=Text.assemble("Indices of ", safe(r["service"]["url"])), title_justify="left"
    )
    for col in ("Index", "Documents", "Size", "Dates", "Personal data in sample", "Flags"):
        table.add_column(col, overflow="fold")
    for ir in r["indices"]:
        idx = ir["index"]
        flags = Text()
        if idx["compromised"]:
            flags.append("COMPROMISED ", style="bold red")
        if idx["hidden"]:
            flags.append("hidden ", style="dim")
        if idx.get("error"):
            flags.append(neutralize(idx["error"]), style="magenta")
        table.add_row(
            safe(idx["name"]),
            text.count(idx["docs"], idx.get("docs_exact", True)),
            text.size(idx["store_bytes"]),
            safe(text.dates(idx)),
            safe(text.pii_kinds(ir.get("sample"))),
            flags,
        )
    console.print(table, highlight=False)
    if r.get("authenticated"):
        console.print("read with the credentials given (--auth); the verdict is without them",
                      highlight=False)
    _pii_fields(r, console)
    _full(r, console)
    if r.get("inventory_error"):
        console.print(
            Text.assemble("inventory incomplete: ", safe(r["inventory_error"])), highlight=False
        )
    if r.get("indices_truncated"):
        console.print(
            f"{r['indices_truncated']} more indices listed but not inventoried "
            "(raise --max-indices)",
            highlight=False,
        )


def _full(r: dict[str, Any], console: Console) -> None:
    """The full read (--depth full) of an endpoint's indices, when there was one."""
    read = [ir for ir in r["indices"] if ir.get("full")]
    if not read:
        return
    total = r.get("full") or {}
    table = Table(title=Text.assemble(
        f"Full read: {total.get('docs', 0):,} documents, distinct people ",
        safe(text.people(total) or "0")), title_justify="left")
    for col in ("Index", "Read", "People", "Personal data (docs, docs/distinct per field)",
                "Per year"):
        table.add_column(col, overflow="fold")
    for ir in read:
        full = ir["full"]
        table.add_row(safe(ir["index"]["name"]), f"{full['docs']:,}", safe(text.people(full)),
                      safe(text.full_pii_line(full)), safe(text.years(full)))
    console.print(table, highlight=False)
