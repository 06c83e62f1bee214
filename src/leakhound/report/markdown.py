"""Markdown: a summary, one table of endpoints, one table of containers per exposed endpoint."""

from __future__ import annotations

import re

from ..assess.render import container_count, estimate_note
from ..models import Documents, TargetResult
from ..probes.registry import words
from ..redact import neutralize
from ..store.records import ScanRecord
from . import text
from .summary import summarise

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def cell(value: object) -> str:
    """Target-controlled text made inert in a Markdown table cell."""
    flat = " ".join(neutralize(str(value)).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)[:500]


def _where_seen(scan: ScanRecord) -> str:
    """Where the personal data types were seen: samples, full reads, or both."""
    reads = [cr for r in scan.results for cr in r.containers]
    full = sum(cr.full is not None for cr in reads)
    whole = sum(cr.full is not None and cr.full.complete for cr in reads)
    if whole and whole == len(reads):
        return "every record read"
    return "samples and full reads" if full else "samples"


def render(scan: ScanRecord) -> str:
    """The scan as a Markdown document."""
    s = summarise(scan)
    shut = text.refused(
        s.refused_containers,
        s.refused_documents,
        s.refused_for_credentials,
        s.refused_by_kind,
        s.refused_estimated_documents,
    )
    out = [
        f"# leakhound scan {scan.scan_id}",
        "",
        f"- Started: {scan.started_at}; finished: {scan.finished_at or '—'} ({scan.status})",
        # the verdicts are of every endpoint: a secured one is never among the exposed
        f"- Endpoints: {s.endpoints} ({', '.join(f'{k} {v}' for k, v in s.by_verdict.items())}); "
        f"exposed: {s.exposed_endpoints}",
        f"- Exposed: {s.named()}, {text.records(s.documents, s.words)}; "
        f"compromised {s.all_words.container[1]}: {s.compromised_containers}",
        *([f"- {shut}"] if shut else []),
        f"- Personal data types seen in {_where_seen(scan)}: {', '.join(s.pii_types) or 'none'}",
        *(
            f"- People: {text.people_across(p, scan.stores_at(p.endpoints))}"
            for p in scan.people_across
        ),
        "",
        "| Endpoint | Verdict | Product | Reason | First seen |",
        "|---|---|---|---|---|",
    ]
    for r in scan.results:
        svc = r.service
        out.append(
            f"| {cell(svc.url)} | **{svc.verdict}** | "
            f"{cell(text.product(svc.fingerprint))} | {cell(svc.reason)} | "
            f"{cell(r.history.first_seen or '')} |"
        )
    for r in scan.results:
        if not r.exposed and not r.containers:
            continue
        out += ["", f"## {cell(r.service.url)}", ""]
        if r.authenticated:
            out += ["Read with the credentials given (--auth); the verdict is without them.", ""]
        if r.inventory_error:
            out += [f"Inventory incomplete: {cell(r.inventory_error)}", ""]
        if r.inventory_note:  # the listing is whole: its figures stand
            out += [f"Inventory note: {cell(r.inventory_note)}", ""]
        w = words(r.service.kind)
        out += [
            f"| {w.container_heading} | {w.records_heading} | Size | Dates "
            "| Personal data in sample | Flags |",
            "|---|---:|---:|---|---|---|",
        ]
        for cr in r.containers:
            c = cr.container
            flags = []
            if c.compromised:
                flags.append("COMPROMISED: " + "; ".join(c.compromise_reasons))
            if c.hidden:
                flags.append("hidden")
            if c.derived:
                flags.append(f"copies ({c.derived})")
            if c.error:
                flags.append(c.error)
            docs = container_count(c)
            out.append(
                f"| {cell(c.name)} | {docs} | "
                f"{text.size(c.store_bytes)} | {cell(text.container_dates(cr))} | "
                f"{cell(text.pii_line(cr.sample, cr.full))} | {cell(' · '.join(flags))} |"
            )
        if note := estimate_note(cr.container for cr in r.containers):
            out += ["", cell(note)]
        if r.truncated:
            more = w.containers(r.truncated, "more")
            out.append(
                f"\n{more} {'was' if r.truncated == 1 else 'were'} listed but not inventoried."
            )
        if r.people is not None and r.full is None:  # a full read prints its own count
            out += ["", f"People: {cell(text.store_people(r.people))}"]
        out += _full(r)
    out += ["", "Values shown are masked; raw personal data is never stored or printed.", ""]
    return "\n".join(out)


def _full(r: TargetResult) -> list[str]:
    """The full read (--depth full) of an endpoint's containers, when there was one."""
    read = [(cr.container, cr.full) for cr in r.containers if cr.full is not None]
    if not read:
        return []
    w = words(r.service.kind)
    total = text.records(Documents.read((c, full.docs) for c, full in read), w)
    records = w.record[1]
    out = [
        "",
        f"### Full read: {total}, distinct people {cell(text.people(r.full) or '0')}",
        "",
        f"| {w.container_heading} | Read | People "
        f"| Personal data ({records}, {records}/distinct per field) | Per year |",
        "|---|---:|---|---|---|",
    ]
    for c, full in read:
        out.append(
            f"| {cell(c.name)} | {full.docs:,} | "
            f"{cell(text.people(full))} | {cell(text.full_pii_line(full, words=w))} | "
            f"{cell(text.years(full))} |"
        )
    return out
