"""Markdown: a summary, one table of endpoints, one table of indices per exposed endpoint."""

from __future__ import annotations

import re
from typing import Any

from ..redact import neutralize
from . import text
from .summary import EXPOSED, summarise

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def cell(value: object) -> str:
    """Target-controlled text made inert in a Markdown table cell."""
    flat = " ".join(neutralize(str(value)).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)[:500]


def render(doc: dict[str, Any]) -> str:
    """The scan as a Markdown document."""
    s = summarise(doc)
    out = [
        f"# leakhound scan {doc['scan_id']}",
        "",
        f"- Started: {doc['started_at']}; finished: {doc['finished_at'] or '—'} "
        f"({doc['status']})",
        f"- Endpoints: {s['endpoints']}; exposed: {s['exposed_endpoints']} "
        f"({', '.join(f'{k} {v}' for k, v in s['by_verdict'].items())})",
        f"- Exposed indices: {s['exposed_indices']}, documents: {s['exposed_documents']:,}; "
        f"compromised indices: {s['compromised_indices']}",
        f"- Personal data types seen in samples: {', '.join(s['pii_types']) or 'none'}",
        "",
        "| Endpoint | Verdict | Product | Reason | First seen |",
        "|---|---|---|---|---|",
    ]
    for r in doc["results"]:
        svc = r["service"]
        out.append(f"| {cell(svc['url'])} | **{svc['verdict']}** | "
                   f"{cell(text.product(svc['fingerprint']))} | {cell(svc['reason'])} | "
                   f"{cell(r['history'].get('first_seen') or '')} |")
    for r in doc["results"]:
        if r["service"]["verdict"] not in EXPOSED and not r["indices"]:
            continue
        out += ["", f"## {cell(r['service']['url'])}", ""]
        if r.get("authenticated"):
            out += ["Read with the credentials given (--auth); the verdict is without them.", ""]
        if r.get("inventory_error"):
            out += [f"Inventory incomplete: {cell(r['inventory_error'])}", ""]
        out += ["| Index | Documents | Size | Dates | Personal data in sample | Flags |",
                "|---|---:|---:|---|---|---|"]
        for ir in r["indices"]:
            idx = ir["index"]
            flags = []
            if idx["compromised"]:
                flags.append("COMPROMISED: " + "; ".join(idx["compromise_reasons"]))
            if idx["hidden"]:
                flags.append("hidden")
            if idx.get("error"):
                flags.append(idx["error"])
            docs = text.count(idx["docs"], idx.get("docs_exact", True))
            out.append(f"| {cell(idx['name'])} | {docs} | "
                       f"{text.size(idx['store_bytes'])} | {cell(text.dates(idx))} | "
                       f"{cell(text.pii_line(ir.get('sample')))} | {cell(' · '.join(flags))} |")
        if r.get("indices_truncated"):
            out.append(f"\n{r['indices_truncated']} more indices were listed but not inventoried.")
        out += _full(r)
    out += ["", "Values shown are masked; raw personal data is never stored or printed.", ""]
    return "\n".join(out)


def _full(r: dict[str, Any]) -> list[str]:
    """The full read (--depth full) of an endpoint's indices, when there was one."""
    read = [ir for ir in r["indices"] if ir.get("full")]
    if not read:
        return []
    total = r.get("full") or {}
    out = ["", f"### Full read: {total.get('docs', 0):,} documents, distinct people "
                f"{cell(text.people(total) or '0')}", "",
           "| Index | Read | People | Personal data (documents, documents/distinct per field) "
           "| Per year |", "|---|---:|---|---|---|"]
    for ir in read:
        full = ir["full"]
        out.append(f"| {cell(ir['index']['name'])} | {full['docs']:,} | "
                   f"{cell(text.people(full))} | {cell(text.full_pii_line(full))} | "
                   f"{cell(text.years(full))} |")
    return out
