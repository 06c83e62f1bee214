"""The draft notification to the supervisory authority: every item of GDPR Art. 33(3).

(a) the nature of the breach, with the categories and approximate number of data subjects
and of personal data records concerned; (b) the name and contact details of the DPO or other
contact point; (c) the likely consequences; (d) the measures taken or proposed. Art. 33(1)
adds the reasons for a delay past 72 hours; Art. 33(4) lets information follow in phases.
"""

from __future__ import annotations

from ..assess import (
    Assessment,
    ContainerExposure,
    DataCategory,
    Duty,
    Figure,
    Method,
    common_words,
    entity_class,
    tally,
)
from ..assess.categories import SECRET
from ..assess.context import format_when
from ..assess.document import (
    Block,
    Bullets,
    Code,
    Fill,
    Heading,
    Inline,
    Note,
    Para,
    Strong,
    Table,
    Target,
    Text,
)
from ..assess.figures import container_dates, inventory_notes, not_counted
from ..assess.figures import held as held_records
from ..assess.render import (
    container_count,
    deadline_text,
    duty_text,
    estimate_note,
    figure_text,
)
from ..models import Verdict
from ..store.records import ScanRecord


def title(a: Assessment) -> str:
    """The document's title."""
    return f"Personal data breach notification (GDPR Art. 33) — draft, scan {a.scan_id}"


def _when(a: Assessment) -> str:
    return f"{a.deadline.aware_since:%Y-%m-%d %H:%M} UTC"


def _or_fill(value: str | None, prompt: str) -> Inline:
    return value if value else Fill(prompt)


def _range(a: Assessment) -> Text:
    lo, hi = a.date_range
    where = f"the {common_words(a.containers).container[1]}' date fields"
    if not lo and not hi:
        return Fill(f"dates of the oldest and newest records (not found in {where})")
    if any(d is not None and len(d) == 4 for d in (lo, hi)):  # a year: of the records read
        where += ", or the years of the records read where none was named"
    return f"from {lo or '?'} to {hi or '?'} (from {where})"


def blocks(scan: ScanRecord, a: Assessment) -> list[Block]:
    """The draft as document blocks."""
    ctx = a.context
    s = a.severity
    scanned = format_when(scan.finished_at or scan.started_at)
    out: list[Block] = [
        Heading(title(a), 1),
        Note(
            (
                "Draft prepared by leakhound from scan ",
                Code(a.scan_id),
                f" ({scanned}). Check every statement, complete every ",
                Strong("[[TO FILL: …]]"),
                " and "
                "remove this note before sending. The authority's own form may order the items "
                "differently; the numbering below follows GDPR Art. 33(3).",
            )
        ),
        Heading("Controller and timeline"),
        Table(("Item", "Details"), _timeline(a, scanned)),
    ]
    if a.deadline.overdue:
        out.append(
            Para(
                (
                    Strong("Reasons for the delay (Art. 33(1)): "),
                    Fill(
                        "why this notification comes more than 72 hours after becoming "
                        "aware of the breach"
                    ),
                )
            )
        )

    # (a) Nature of the breach.
    kinds = ["confidentiality (unauthorised access to or disclosure of personal data)"]
    if s.availability.value:
        kinds.append("availability (personal data deleted or made unavailable)")
    if s.integrity.value:
        kinds.append("integrity (personal data altered)")
    docs = sum(st.docs for st in a.stores)
    open_ = [st for st in a.stores if st.verdict == Verdict.OPEN]
    partial = [st for st in a.stores if st.verdict == Verdict.PARTIAL]
    what = (
        f"{len(a.stores)} data store{'s' if len(a.stores) != 1 else ''} "
        f"({', '.join(sorted({st.product for st in a.stores})) or 'search engine'}) "
        "answered requests from the network without authentication"
    )
    if partial and not open_:
        what += " on some of their interfaces"
    # A partial store lists some containers it does not let anyone read (_search, or a
    # database, asking for credentials): those were seen, not readable, and the stores'
    # figures leave them out (ContainerResult.refused).
    refused = sum(st.refused for st in a.stores)
    exposed = [i for i in a.containers if not i.refused]
    held = tally(exposed) if exposed else common_words(a.stores).containers(0)
    figure = held_records(exposed)
    records = (  # a count of some containers estimated says so, with its bounds
        figure_text(figure, common_words(a.stores).record[1])
        if figure.method is Method.ESTIMATE
        else f"the {common_words(a.stores).records(docs)}"
    )
    what += (
        f", so that anyone able to reach {'them' if len(a.stores) != 1 else 'it'} could "
        f"read {records} held in {held}"
    )
    if refused:
        asked = sum(st.refused_credentials for st in a.stores)
        why = (
            "asked for credentials"
            if asked == refused
            else "failed"
            if asked == 0
            else f"asked for credentials ({asked}) or failed ({refused - asked})"
        )
        shut = tally((i for i in a.containers if i.refused), "more")
        what += f"; {shut} {'was' if refused == 1 else 'were'} listed, but reading them {why}"
    what += "."
    out += [
        Heading("(a) Nature of the breach"),
        Para((Strong("Type: "), "; ".join(kinds) + ".")),
        Para(
            (
                Strong("What happened: "),
                what,
                " The system concerned: ",
                _or_fill(ctx.system_description, "what the exposed system is used for"),
                ".",
            )
        ),
    ]
    if a.logs is not None:  # leakhound investigate --scan: who read it, from the access logs
        out.append(Para((Strong("Access by others: "), a.logs.sentence)))
    compromised = [i for i in a.containers if i.compromised]
    if compromised:
        parts: list[Inline] = [
            Strong("Signs of an attack: "),
            f"{common_words(compromised).container[1]} showing signs of a prior wipe or "
            "ransom demand: ",
        ]
        for n, i in enumerate(compromised[:10]):
            parts += [
                ", " if n else "",
                Target(i.name),
                " (",
                Target("; ".join(i.compromise_reasons) or "compromised"),
                ")",
            ]
        parts.append(".")
        out.append(Para(tuple(parts)))
    listed = a.containers_with_personal_data or a.containers
    concerned = common_words(listed)
    out += [
        Para(
            (
                Strong("Categories of data subjects: "),
                _or_fill(
                    ctx.data_subject_categories,
                    "who the people are: customers, employees, patients, children…",
                ),
                ".",
            )
        ),
        Para(
            (
                Strong("Approximate number of data subjects: "),
                *_figure(a.data_subjects, "people"),
            )
        ),
        Para((Strong("Categories of personal data: "),)),
        Bullets(_categories(a) or (Fill("the categories of personal data concerned"),)),
        Para(
            (
                Strong("Special categories (Art. 9) and criminal-offence data (Art. 10): "),
                *_special(a),
            )
        ),
        Para(
            (
                Strong("Approximate number of personal data records: "),
                *_figure(a.records, "records"),
            )
        ),
        *(
            (
                Para(
                    (
                        Strong("Not counted: "),
                        "what the stores' inventories could not list is in none of these figures: ",
                        Target(left),  # a server's words among them
                        ".",
                    )
                ),
            )
            if (left := not_counted(a.stores))
            else ()
        ),
        *(
            (
                Para(
                    (
                        Strong("Inventory notes: "),
                        "what the stores' inventories could not learn of the containers "
                        "they listed, every one of them counted in these figures all the same: ",
                        Target(noted),  # a server's words among them
                        ".",
                    )
                ),
            )
            if (noted := inventory_notes(a.stores))
            else ()
        ),
        Para((Strong("Date range of the records: "), _range(a), ".")),
        Heading(f"Stores and {concerned.container[1]} concerned", 3),
        Table(
            (
                "Store",
                concerned.container_heading,
                concerned.records_heading,
                "Personal data found",
                "Dates",
            ),
            tuple(_container_row(i) for i in listed) or (("—", "—", "—", "—", "—"),),
        ),
    ]
    if (note := estimate_note(listed)) is not None:
        out.append(Para(note))

    # (b) Contact point.
    out += [
        Heading("(b) Data protection officer or other contact point"),
        Para(
            _or_fill(
                ctx.dpo_contact,
                "name and contact details (e-mail, phone) of the DPO or "
                "other contact point for more information",
            )
        ),
    ]

    # (c) Likely consequences.
    out += [
        Heading("(c) Likely consequences of the breach"),
        Bullets(a.consequences or (Fill("the likely consequences for the people concerned"),)),
        Para(
            (
                Strong("Severity: "),
                f"{s.level.value}, assessed with ENISA's methodology "
                f"(Recommendations for a methodology of the assessment of severity of personal "
                f"data breaches, 2013): SE = DPC × EI + CB = {s.formula}: {s.level.meaning}.",
            )
        ),
        Table(
            ("Input", "Score", "Reasoning"),
            tuple(
                (
                    _input_name(c.name) + (" (our own assessment)" if c.overridden else ""),
                    f"{c.value:g}",
                    Target(" · ".join(c.why)),
                )
                for c in (s.dpc, s.ei, *s.circumstances)
            ),
        ),
    ]

    # (d) Measures.
    proposed = list(ctx.measures_proposed) or _default_measures(a)
    out += [
        Heading("(d) Measures taken or proposed"),
        Para(Strong("Taken:")),
        Bullets(
            ctx.measures_taken
            or (
                Fill(
                    "measures already taken, with dates: access "
                    "closed, logs and evidence preserved…"
                ),
            )
        ),
        Para(Strong("Proposed:")),
        Bullets(tuple(proposed)),
        Para(
            (
                Strong("Communication to the data subjects (Art. 34): "),
                duty_text(a.subjects.duty),
                ". ",
                "; ".join(a.subjects.reasons),
                ".",
            )
        ),
    ]
    if a.subjects.duty in (Duty.REQUIRED, Duty.PUBLIC_COMMUNICATION):
        out.append(
            Para(
                (
                    "Planned date and channel of the communication: ",
                    Fill("date, and e-mail / letter / public notice"),
                    ".",
                )
            )
        )

    # Art. 33(4): what follows.
    later: list[Text] = []
    if ctx.third_party_access is None and a.logs is None:
        later.append(
            "whether anyone other than the controller accessed the data, once the "
            "access logs of the exposure window have been reviewed"
        )
    if a.data_subjects.approximate:
        later.append("a firmer number of data subjects, from a full count of distinct identifiers")
    if not ctx.exposure_started:
        later.append("when the exposure began")
    if later:
        out += [Heading("Information to follow (Art. 33(4))"), Bullets(tuple(later))]
    return out


def _timeline(a: Assessment, scanned: str) -> tuple[tuple[Text, ...], ...]:
    ctx = a.context
    rows: list[tuple[Text, ...]] = [
        ("Controller", _or_fill(ctx.controller, "name and address of the controller")),
        (
            "How the breach was discovered",
            (
                f"a scan of the stores with leakhound ({scanned}); ",
                Fill("or how it was first reported"),
            ),
        ),
        ("Aware of the breach since", f"{_when(a)} ({a.deadline.aware_since_basis})"),
        ("Notification due (72 hours)", deadline_text(a)),
        (
            "Exposure began",
            ctx.exposure_started
            or (
                Fill("when the store became reachable"),
                f" (at the latest {format_when(a.exposure.first_seen_exposed)}, when a scan first "
                "found it open)"
                if a.exposure.first_seen_exposed
                else "",
            ),
        ),
        (
            "Exposure ended",
            ctx.exposure_ended
            or (
                Fill("when access was closed"),
                f" (still open at the scan, {format_when(a.exposure.scanned_at)})"
                if a.exposure.scanned_at
                else "",
            ),
        ),
    ]
    return tuple(rows)


def _input_name(name: str) -> str:
    return {"DPC": "Data processing context (DPC)", "EI": "Ease of identification (EI)"}.get(
        name, f"Loss of {name}" if name != "malicious intent" else "Malicious intent"
    )


def _categories(a: Assessment) -> tuple[Text, ...]:
    rows: list[Text] = []
    for t in a.entity_types:
        cls = entity_class(t)
        where = [i for i in a.containers if t in i.entity_types]
        cat = cls.category.label if cls.category else "credentials"
        rows.append(
            (
                cls.label,
                f" ({cat}; ",
                Code(t),
                f"): in {tally(where)}",
            )
        )
    return tuple(rows)


def _special(a: Assessment) -> tuple[Inline, ...]:
    sensitive = [
        entity_class(t).label
        for t in a.entity_types
        if entity_class(t).category is DataCategory.SENSITIVE
    ]
    if sensitive:
        return (", ".join(sensitive) + ". ", Fill("confirm and complete"))
    return (
        "none detected by the scan, which does not recognise health, beliefs or other "
        "special categories in free text: ",
        Fill("confirm, or list them"),
    )


def _container_row(i: ContainerExposure) -> tuple[Text, ...]:
    kinds = (
        ", ".join(
            f"{entity_class(k.entity_type).label} ({k.docs:,}/{i.sampled:,} "
            f"{'read' if i.full else 'sampled'})"
            for k in i.pii
        )
        or "—"
    )
    return (Target(i.url), Target(i.name), container_count(i), kinds, container_dates(i))


def _default_measures(a: Assessment) -> list[Text]:
    out: list[Text] = [
        "require authentication on every node and keep the stores off public networks",
        "review the access logs of the whole exposure window",
        "add a scheduled exposure scan to change management so a new exposure is found within "
        "a day",
    ]
    if SECRET in a.entity_types:
        out.append("rotate every credential found in the exposed data")
    if "CREDIT_CARD" in a.entity_types:
        out.append("inform the payment provider so card issuers can monitor or reissue cards")
    if any(i.compromised for i in a.containers):
        out.append("restore deleted data from backups and report the extortion to the police")
    out.append(Fill("other measures to mitigate possible adverse effects"))
    return out


def _figure(f: Figure, unit: str) -> tuple[str, ...]:
    """A figure and how it was obtained, the basis said once (an unknown figure carries it)."""
    if f.value is None or not f.basis:
        return (figure_text(f, unit), ".")
    return (figure_text(f, unit), ": ", f.basis, ".")
