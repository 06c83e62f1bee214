"""An assessment shown as terminal text, Markdown or JSON (``leakhound assess --format``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from ..redact import neutralize
from .assessment import Assessment, asks_credentials
from .categories import entity_class
from .document import (
    Block,
    Bullets,
    Heading,
    Note,
    Para,
    Table,
    Target,
    to_markdown,
)
from .figures import (
    Figure,
    Method,
    common_words,
    estimate_ways,
    inventory_notes,
    not_counted,
    shown_as_range,
)
from .gdpr import Duty
from .severity import Criterion

if TYPE_CHECKING:
    from rich.console import Console

FORMATS = ("terminal", "json", "markdown")


def figure_text(f: Figure, unit: str) -> str:
    """'about 800 people (estimate; at least 80)', 'about 800 people (estimate; between 780
    and 830)', 'up to 9,000 people (estimate; at least 3,000)', 'up to 9,000 people
    (estimate; at least 3,000; 12,600 with each count at its likely high)', '1,000 records
    (exact)'."""
    if f.value is None:
        return f"unknown ({f.basis})" if f.basis else "unknown"
    if f.added and f.low is not None:
        # Counts of stores that may hold the same people, added: the most they allow, never
        # "about" (six copies of one database's 3,543 people are not about 22,200 people).
        return f"up to {f.value:,} {unit} (estimate; at least {f.low:,}{likely_high(f)})"
    if f.method is Method.ESTIMATE:
        if f.low is not None and f.high is not None and f.low < f.high == f.value:
            # The figure is its own upper bound (stores' counts added): said so.
            return f"up to {f.value:,} {unit} (estimate; at least {f.low:,})"
        if unit == "people" and shown_as_range(f):
            # A figure that may be off by more than a small factor: the range is the figure.
            return (
                f"between {f.low:,} and {f.high:,} {unit} (estimate; the sample cannot tell "
                "where within)"
            )
        if f.low is not None and f.high is not None:
            bound = f"; between {f.low:,} and {f.high:,}"
        else:
            bound = f"; at least {f.low:,}" if f.low is not None else ""
        return f"about {f.value:,} {unit} (estimate{bound})"
    if f.method is Method.GIVEN:
        return f"{f.value:,} {unit} (stated by the owner)"
    return f"{f.value:,} {unit} (exact)"


def likely_high(f: Figure) -> str:
    """What an added figure (``Figure.added``) comes to with each count at its likely high,
    as a clause to follow its low end; nothing where that is not above the figure."""
    if f.value is None or f.high is None or f.high <= f.value:
        return ""
    return f"; {f.high:,} with each count at its likely high"


def duty_text(duty: Duty) -> str:
    """Plain words for a duty."""
    return {
        Duty.REQUIRED: "required",
        Duty.PUBLIC_COMMUNICATION: "a public communication instead (Art. 34(3)(c))",
        Duty.LIKELY_NOT_REQUIRED: "likely not required (document why)",
        Duty.NOT_REQUIRED: "not required",
        Duty.UNDETERMINED: "undetermined: the scan did not measure enough",
    }[duty]


def deadline_text(a: Assessment) -> str:
    """'2024-04-13 09:00 UTC (67 h left)', '… (overdue by 8 h)', '… (overdue by 12 days)'."""
    d = a.deadline
    when = f"{d.due:%Y-%m-%d %H:%M} UTC"
    hours = abs(d.hours_left)
    span = f"{hours / 24:.0f} days" if hours > 72 else f"{hours:.0f} h"
    if d.overdue:
        return f"{when} (overdue by {span})"
    return f"{when} ({span} left)"


def _when(dt: datetime) -> str:
    return f"{dt:%Y-%m-%d %H:%M} UTC"


# ---------------------------------------------------------------- JSON


def _figure(f: Figure, *, people: bool = False) -> dict[str, Any]:
    return {
        "value": f.value,
        "method": f.method.value,
        "low": f.low,
        "high": f.high,
        # the value adds counts of stores that may hold the same people: an upper bound
        "counts_added": f.added,
        # the reports show the range as the figure ("between low and high"), not the value
        "shown_as_range": people and shown_as_range(f),
        "basis": f.basis,
    }


def _criterion(c: Criterion) -> dict[str, Any]:
    return {"value": c.value, "overridden": c.overridden, "why": list(c.why)}


def to_dict(a: Assessment) -> dict[str, Any]:
    """The assessment as JSON-ready data."""
    s = a.severity
    return {
        "kind": "leakhound-assessment",
        "version": 1,
        "scan_id": a.scan_id,
        "assessed_at": a.assessed_at.isoformat(timespec="seconds"),
        "personal_data_found": a.personal_data_found,
        "entity_types": list(a.entity_types),
        "categories": [c.value for c in a.categories],
        "severity": {
            "method": "ENISA 2013: SE = DPC x EI + CB",
            "score": s.score,
            "level": s.level.value,
            "formula": s.formula,
            "dpc": _criterion(s.dpc),
            "ei": _criterion(s.ei),
            "cb": s.cb,
            "circumstances": {
                "confidentiality": _criterion(s.confidentiality),
                "integrity": _criterion(s.integrity),
                "availability": _criterion(s.availability),
                "malicious_intent": _criterion(s.malicious),
            },
        },
        "gdpr": {
            "art_33": {"duty": a.authority.duty.value, "reasons": list(a.authority.reasons)},
            "art_34": {"duty": a.subjects.duty.value, "reasons": list(a.subjects.reasons)},
            "deadline": {
                "aware_since": a.deadline.aware_since.isoformat(timespec="seconds"),
                "aware_since_basis": a.deadline.aware_since_basis,
                "due": a.deadline.due.isoformat(timespec="seconds"),
                "overdue": a.deadline.overdue,
                "hours_left": round(a.deadline.hours_left, 1),
            },
        },
        "data_subjects": _figure(a.data_subjects, people=True),
        "records": _figure(a.records),
        "date_range": {"min": a.date_range[0], "max": a.date_range[1]},
        "exposure": {
            "started": a.exposure.started,
            "first_seen_exposed": a.exposure.first_seen_exposed,
            "ended": a.exposure.ended,
            "scanned_at": a.exposure.scanned_at,
        },
        "stores": [
            {
                "url": st.url,
                "verdict": st.verdict.value,
                "product": st.product,
                "indices": st.containers,
                "documents": st.docs,
                "refused_indices": st.refused,
                "refused_documents": st.refused_docs,
                "refused_for_credentials": st.refused_credentials,
                "first_seen_exposed": st.first_seen_exposed,
                "other_endpoints": list(st.other_endpoints),
                # what its inventory could not list: in none of the figures
                "not_counted": list(st.incomplete),
                # what its inventory could not learn of a whole listing: the figures stand
                "inventory_notes": list(st.notes),
            }
            for st in a.stores
        ],
        "indices": [
            {
                "url": i.url,
                "name": i.name,
                "documents": i.docs,
                # False: an estimate, its 95% bounds (None: not known) and how it was made
                "documents_exact": i.docs_exact,
                "documents_low": i.docs_low,
                "documents_high": i.docs_high,
                "documents_basis": i.docs_basis,
                "sampled": i.sampled,
                "entity_types": list(i.entity_types),
                "date_min": i.date_min,
                "date_max": i.date_max,
                "compromised": i.compromised,
                "refused": i.refused,
                # refused for want of credentials, as the probe marked its read (or, in an
                # older record, as its error said): not unmeasured data
                "asked_credentials": asks_credentials(i),
                "data_subjects": _figure(i.subjects, people=True),
            }
            for i in a.containers
        ],
        "consequences": list(a.consequences),
        "next_steps": list(a.next_steps),
    }


def render_json(a: Assessment) -> str:
    """Pretty JSON."""
    return orjson.dumps(to_dict(a), option=orjson.OPT_INDENT_2).decode() + "\n"


# ---------------------------------------------------------------- Markdown


def blocks(a: Assessment) -> list[Block]:
    """The assessment as document blocks."""
    s = a.severity
    out: list[Block] = [
        Heading(f"Breach assessment of scan {a.scan_id}", 1),
        Para(
            f"Assessed {_when(a.assessed_at)}. Advice to support the controller's decision, "
            "not a legal opinion; every input below can be corrected in the context file."
        ),
        Heading("Decision"),
        Table(
            ("Question", "Answer"),
            (
                ("ENISA severity", f"{s.level.value} (SE = DPC × EI + CB = {s.formula})"),
                ("Notify the supervisory authority (Art. 33)", duty_text(a.authority.duty)),
                ("Tell the people concerned (Art. 34)", duty_text(a.subjects.duty)),
                (
                    "Aware since",
                    f"{_when(a.deadline.aware_since)} ({a.deadline.aware_since_basis})",
                ),
                ("Art. 33 deadline (72 h)", deadline_text(a)),
            ),
        ),
    ]
    if a.deadline.overdue and a.authority.duty is Duty.REQUIRED:
        out.append(
            Note(
                "The 72 hours have passed: notify now and give the reasons for the "
                "delay (Art. 33(1))."
            )
        )
    out += [
        Heading("Why", 3),
        Bullets(a.authority.reasons),
        Bullets(a.subjects.reasons),
        Heading("Figures"),
        Table(
            ("Figure", "Value", "How it was obtained"),
            (
                (
                    "People (data subjects)",
                    figure_text(a.data_subjects, "people"),
                    a.data_subjects.basis,
                ),
                ("Records", figure_text(a.records, "records"), a.records.basis),
                (
                    "Dates of the records",
                    _range(a.date_range),
                    f"{common_words(a.containers).container[0]} date fields"
                    + (
                        ", or the years of the records read where none was named"
                        if any(d is not None and len(d) == 4 for d in a.date_range)
                        else ""
                    ),
                ),
                *(
                    (("Not counted", "what the stores' inventories could not list", Target(left)),)
                    if (left := not_counted(a.stores))
                    else ()
                ),
                *(
                    (
                        (
                            "Inventory notes",
                            "what the stores' inventories could not learn; every container "
                            "they listed is counted all the same",
                            Target(noted),  # a server's words among them
                        ),
                    )
                    if (noted := inventory_notes(a.stores))
                    else ()
                ),
                ("Exposure began", a.exposure.started_text, ""),
                ("Exposure ended", a.exposure.ended_text, ""),
            ),
        ),
        Heading("Severity inputs (ENISA 2013)"),
        Table(
            ("Input", "Value", "Why"),
            tuple(
                (
                    c.name + (" (set by the owner)" if c.overridden else ""),
                    f"{c.value:g}",
                    Target(" · ".join(c.why)),
                )
                for c in (s.dpc, s.ei, *s.circumstances)
            ),
        ),
    ]
    if a.containers_with_personal_data:
        out += [
            Heading("Personal data found"),
            Table(
                (
                    "Store",
                    common_words(a.containers_with_personal_data).container_heading,
                    common_words(a.containers_with_personal_data).records_heading,
                    "Personal data (sample)",
                    "People",
                ),
                tuple(
                    (
                        Target(i.url),
                        Target(i.name),
                        container_count(i),
                        ", ".join(
                            f"{entity_class(k.entity_type).label} {k.docs}/{i.sampled}"
                            for k in i.pii
                        ),
                        figure_text(i.subjects, "people"),
                    )
                    for i in a.containers_with_personal_data
                ),
            ),
        ]
        if (note := estimate_note(a.containers_with_personal_data)) is not None:
            out.append(Para(note))
    if a.consequences:
        out += [Heading("Likely consequences"), Bullets(a.consequences)]
    out += [Heading("Next steps"), Bullets(a.next_steps, ordered=True)]
    return out


class Counted(Protocol):
    """A container's records as counted or estimated (a ``Container``, a ``ContainerExposure``)."""

    @property
    def docs(self) -> int | None: ...
    @property
    def docs_exact(self) -> bool: ...
    @property
    def docs_low(self) -> int | None: ...
    @property
    def docs_high(self) -> int | None: ...
    @property
    def docs_basis(self) -> str | None: ...


def container_count(i: Counted) -> str:
    """A container's records for a table: '1,000' counted, '~301,000 (300,000–302,500)' an
    estimate with its bounds, '~301,000' one without, '?' where none was counted."""
    if i.docs is None:
        return "?"
    if i.docs_exact:
        return f"{i.docs:,}"
    if i.docs_low is not None and i.docs_high is not None:
        return f"~{i.docs:,} ({i.docs_low:,}–{i.docs_high:,})"
    return f"~{i.docs:,}"


ESTIMATE_NOTE = (
    "~: an estimate, not a count (its 95% bounds in brackets where known); the other "
    "figures were counted by the store"
)


def estimate_note(containers: Iterable[Counted]) -> str | None:
    """The note a table of ``container_count`` figures needs when one is an estimate: how
    each was estimated."""
    estimated = [i for i in containers if i.docs is not None and not i.docs_exact]
    if not estimated:
        return None
    return f"{ESTIMATE_NOTE}. Estimated: {estimate_ways(i.docs_basis for i in estimated)}."


def _range(r: tuple[str | None, str | None]) -> str:
    if not r[0] and not r[1]:
        return "unknown"
    return f"{r[0] or '?'} – {r[1] or '?'}"


def render_markdown(a: Assessment) -> str:
    """The assessment as Markdown."""
    return to_markdown(blocks(a))


# ---------------------------------------------------------------- terminal


def render_terminal(a: Assessment, console: Console) -> None:
    """The assessment on a rich console; every target string neutralised."""
    from rich.table import Table as RichTable
    from rich.text import Text

    s = a.severity
    style = {
        "low": "green",
        "medium": "yellow",
        "high": "bold red",
        "very high": "bold white on red",
    }[s.level.value]
    console.print(
        Text.assemble(
            ("Breach assessment of scan ", "bold"),
            (a.scan_id, "bold"),
            "\n",
            "ENISA severity: ",
            (s.level.value.upper(), style),
            f"  SE = DPC × EI + CB = {s.formula}",
        ),
        highlight=False,
    )
    t = RichTable(show_header=True, title="GDPR", title_justify="left")
    t.add_column("Question")
    t.add_column("Answer", overflow="fold")
    t.add_row("Notify the authority (Art. 33)", duty_text(a.authority.duty))
    t.add_row("Tell the people (Art. 34)", duty_text(a.subjects.duty))
    t.add_row("Aware since", f"{_when(a.deadline.aware_since)} ({a.deadline.aware_since_basis})")
    t.add_row(
        "Art. 33 deadline", Text(deadline_text(a), style="bold red" if a.deadline.overdue else "")
    )
    for label, figure, unit in (
        ("People", a.data_subjects, "people"),
        ("Records", a.records, "records"),
    ):
        how = f"\n{neutralize(figure.basis)}" if figure.basis and figure.value is not None else ""
        t.add_row(label, Text(figure_text(figure, unit)).append(how, style="dim"))
    t.add_row("Dates of the records", _range(a.date_range))
    if left := not_counted(a.stores):
        t.add_row("Not counted", neutralize(left))
    if noted := inventory_notes(a.stores):  # the listings are whole: the figures stand
        t.add_row("Inventory notes", neutralize(noted))
    t.add_row("Exposure", f"{a.exposure.started_text} → {a.exposure.ended_text}")
    console.print(t, highlight=False)
    inputs = RichTable(title="Severity inputs (ENISA 2013)", title_justify="left")
    inputs.add_column("Input")
    inputs.add_column("Value", justify="right")
    inputs.add_column("Why", overflow="fold")
    for c in (s.dpc, s.ei, *s.circumstances):
        inputs.add_row(
            c.name + (" *" if c.overridden else ""),
            f"{c.value:g}",
            Text("\n".join(neutralize(w) for w in c.why)),
        )
    console.print(inputs, highlight=False)
    if any(c.overridden for c in (s.dpc, s.ei, *s.circumstances)):
        console.print("* set by the owner in the context file", highlight=False)
    for decision in (a.authority, a.subjects):
        console.print(Text(decision.summary, style="bold"), highlight=False)
        for r in decision.reasons:
            console.print(Text("  - " + neutralize(r)), highlight=False)
    console.print(Text("Next steps", style="bold"), highlight=False)
    for n, step in enumerate(a.next_steps, 1):
        console.print(Text(f"  {n}. {step}"), highlight=False)
