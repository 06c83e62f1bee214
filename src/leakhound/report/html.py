"""HTML: one self-contained page a manager can read — figures, charts, deadlines, next steps.

No script and no external asset: styles and SVG charts are inline, and a Content-Security-
Policy forbids anything else. Every value goes through Jinja2's autoescaping after control
characters are neutralised, because index names, URLs and reasons come from the scanned
servers and may be written by an attacker.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ..assess import (
    Assessment,
    ContainerExposure,
    LogEvidence,
    Method,
    assess,
    common_words,
    counted,
    entity_class,
    records_by_year,
    tally,
    years_basis,
)
from ..assess.categories import category_score
from ..assess.document import CSP
from ..assess.figures import Figure, container_dates, inventory_notes, not_counted
from ..assess.figures import held as held_records
from ..assess.render import deadline_text, duty_text, figure_text, likely_high, shown_as_range
from ..models import Words
from ..redact import neutralize
from ..store.records import ScanRecord
from . import text
from .summary import summarise

if TYPE_CHECKING:
    import jinja2

SEVERITY_COLOURS = {
    "low": "#2f855a",
    "medium": "#b7791f",
    "high": "#c53030",
    "very high": "#742a2a",
}


def _finalize(value: object) -> object:
    # Runs on every {{ … }} before autoescaping: control and bidi characters from a target
    # are shown escaped, never passed to the page.
    from markupsafe import Markup

    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return neutralize(value)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2  # imported here so that other formats work without it

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("leakhound", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["count"] = text.count
    return env


def render(
    scan: ScanRecord, assessment: Assessment | None = None, *, logs: LogEvidence | None = None
) -> str:
    """The scan as one HTML page; with an assessment, severity and GDPR deadlines too; with
    ``logs`` (or an assessment made with them), what the access logs say."""
    template = _environment().get_template("report.html.j2")
    return template.render(**view(scan, assessment, logs=logs))


def view(
    scan: ScanRecord, assessment: Assessment | None = None, *, logs: LogEvidence | None = None
) -> dict[str, Any]:
    """Everything the template shows, as plain values (no logic in the template)."""
    a = assessment or assess(scan, logs=logs)
    s = summarise(scan)
    with_pii = a.containers_with_personal_data
    w = common_words(a.containers)  # the scan's words, neutral over kinds that differ
    people = a.data_subjects
    kinds = _kinds(a)
    years = records_by_year(with_pii)
    v: dict[str, Any] = {
        "csp": CSP,
        "title": f"leakhound report — scan {scan.scan_id}",
        "scan": {
            "id": scan.scan_id,
            "started": _short(scan.started_at),
            "finished": _short(scan.finished_at),
            "status": scan.status,
            "version": scan.tool.version,
            "endpoints": s.endpoints,
            "hidden": s.endpoints - s.exposed_endpoints,
            # the verdicts of the endpoints not exposed, said beside them (a secured store is
            # never counted among the open ones)
            "hidden_verdicts": ", ".join(
                f"{k} {n}"
                for k, n in Counter(
                    r.service.verdict.value for r in scan.results if not r.exposed
                ).most_common()
            ),
        },
        "cards": [
            {
                "label": "exposed stores",
                "value": f"{len(a.stores):,}",
                "note": "answer without a password",
                "alert": bool(a.stores),
            },
            {
                "label": f"{w.container[1]} with personal data",
                "value": f"{len(with_pii):,}",
                "note": f"of {s.named('exposed')}",
                "alert": bool(with_pii),
            },
            {
                "label": "records",
                "value": _figure_value(a.records.value),
                # the label says "records": the store's own word only where it differs
                "note": (f"{w.record[1]} " if w.record != Words().record else "")
                + f"in those {w.container[1]}",
                "alert": False,
            },
            {
                "label": "people",
                "value": (
                    f"≤ {people.value:,}"
                    if people.value is not None
                    and (people.added or people.high == people.value != people.low)
                    else f"{people.low:,}–{people.high:,}"
                    if shown_as_range(people)
                    else _figure_value(people.value, approx=people.approximate)
                ),
                "note": _people_note(a),
                "alert": False,
            },
        ],
        "compromised": [
            {"store": i.url, "container": i.name, "reasons": "; ".join(i.compromise_reasons)}
            for i in a.containers
            if i.compromised
        ],
        "in_short": _in_short(a, kinds),
        "investigation": _investigation(a.logs),
        "stores": [
            {
                "url": st.url,
                "verdict": st.verdict.value,
                "product": st.product,
                "reason": st.reason,
                "containers": st.containers,
                "refused": st.refused,
                "docs": text.count(
                    st.docs,
                    held_records(i for i in a.containers if i.url == st.url).method
                    is not Method.ESTIMATE,
                ),
                "first_seen": _short(st.first_seen_exposed),
                "also": ", ".join(st.other_endpoints),
            }
            for st in a.stores
        ],
        "containers": [_container_row(i) for i in (with_pii or a.containers)],
        "several_stores": len(a.stores) > 1,
        # Headings in the stores' words (neutral where the kinds' differ).
        "words": {
            "containers": common_words(with_pii or a.containers).containers_heading,
            "container": common_words(with_pii or a.containers).container_heading,
            "records": common_words(with_pii or a.containers).records_heading,
            "store_containers": common_words(a.stores).containers_heading,
            "store_records": common_words(a.stores).records_heading,
        },
        "compromised_text": _shows([i for i in a.containers if i.compromised]),
        "other_text": tally(
            (i for i in a.containers if not i.refused and i not in with_pii), "other exposed"
        ),
        "other_containers": (
            sum(not i.refused for i in a.containers) - len(with_pii) if with_pii else 0
        ),
        "kinds_chart": _bars([(k.label, k.records, k.text) for k in kinds], width=560),
        "kinds_basis": _kinds_basis(a),
        "kinds": kinds,
        "years_chart": _columns(years),
        "years": years,
        # Said even where no year was counted: what was left out, and why.
        "years_basis": years_basis(with_pii) if with_pii else "",
        "people": {"text": figure_text(people, "people"), "basis": people.basis},
        "records_fig": {"text": figure_text(a.records, "records"), "basis": a.records.basis},
        "date_range": _range(a.date_range),
        "not_counted": not_counted(a.stores),
        "inventory_notes": inventory_notes(a.stores),
        "next_steps": list(a.next_steps),
        "assessment": _assessment(a) if assessment is not None else None,
    }
    return v


def _shows(containers: list[ContainerExposure]) -> str:
    """'1 index shows', '3 tables show'."""
    return f"{tally(containers)} {'shows' if len(containers) == 1 else 'show'}"


def _investigation(logs: LogEvidence | None) -> Markup | None:
    """The access-log section (``leakhound investigate --scan``), already escaped."""
    section = logs.html if logs is not None else None
    return Markup(section) if section else None  # noqa: S704 - built escaped by investigate.render


def _short(value: str | None) -> str:
    if not value:
        return "—"
    return value[:16].replace("T", " ")


def _figure_value(n: int | None, *, approx: bool = False) -> str:
    if n is None:
        return "?"
    return ("≈ " if approx else "") + f"{n:,}"


def _bounds(f: Figure) -> str:
    """' (387–13,895)': an estimate's likely range beside it, as assess gives it; '' for a
    count, or where no bound is known."""
    if f.method is not Method.ESTIMATE or f.low is None or f.high is None or f.low == f.high:
        return ""
    return f" ({f.low:,}–{f.high:,})"


def _people_note(a: Assessment) -> str:
    f = a.data_subjects
    if f.value is None:
        return "no identifier found in the samples"
    if f.added and f.low is not None:
        return f"at most (stores' counts added), at least {f.low:,}{likely_high(f)}"
    if f.method.value == "estimate":
        if f.low is not None and f.high is not None and f.low < f.high == f.value:
            return f"at most (stores' counts added), at least {f.low:,}"
        if f.low and f.high is not None and f.high > f.low:
            return f"estimate from samples, likely between {f.low:,} and {f.high:,}"
        return "estimate from samples" + (f", at least {f.low:,}" if f.low else "")
    if f.method.value == "given":
        return "stated by the data's owner"
    return "counted"


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of personal data: where, and how many records carry it (sample-scaled)."""

    type: str  # the entity type
    label: str
    category: str  # the ENISA category's label, or "credentials"
    containers: int
    records: int
    # Where any container's figure is scaled from its sample: the range its samples' sizes
    # allow (each container's 95% Wilson interval, their errors added); else ``records``.
    low: int | None = None
    high: int | None = None

    @property
    def text(self) -> str:
        """'1,776' counted, '≈ 2,211 (1,410–3,180)' scaled from samples."""
        if self.low is None or self.high is None or self.low == self.high == self.records:
            return f"{self.records:,}"
        return f"≈ {self.records:,} ({self.low:,}–{self.high:,})"


def _carrying(k: int, n: int, total: int) -> tuple[int, int, int]:
    """Records of ``total`` carrying a kind ``k`` of ``n`` sampled carry: the figure and its
    95% range (Wilson's score interval, narrowed by the share of the records the sample read;
    never fewer than the ``k`` seen nor more than the records not seen to lack it)."""
    if n >= total:
        return k, k, k
    fpc = (total - n) / (total - 1)
    z2 = 1.96**2 * fpc
    p = k / n
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = math.sqrt(z2 * (p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n)
    low = max(k, math.floor((centre - half) * total))
    high = min(total - (n - k), math.ceil((centre + half) * total))
    return round(total * k / n), low, high


def _kinds(a: Assessment) -> list[Kind]:
    """Each kind of personal data, the most records first."""
    records: Counter[str] = Counter()
    # squared distances of each container's 95% bounds from its figure, below and above: the
    # sum's range adds them as independent errors (root of the sum of squares), where adding
    # the bounds themselves would claim far more doubt than the samples leave
    below: Counter[str] = Counter()
    above: Counter[str] = Counter()
    seen: Counter[str] = Counter()  # records seen carrying it: the fewest there can be
    most: Counter[str] = Counter()  # records not seen to lack it: the most there can be
    containers: Counter[str] = Counter()
    for i in a.containers:
        for k in i.pii:
            containers[k.entity_type] += 1
    for i in counted(i for i in a.containers if i.pii):  # copies: their sources' records
        for k in i.pii:
            if i.sampled:
                total = i.docs or i.sampled
                if i.full and not i.sample_error:  # every record read: counted
                    figure = low = high = round(total * k.docs / i.sampled)
                else:
                    figure, low, high = _carrying(k.docs, i.sampled, total)
                t = k.entity_type
                records[t] += figure
                below[t] += (figure - low) ** 2
                above[t] += (high - figure) ** 2
                seen[t] += k.docs if low < figure else figure
                most[t] += total - (i.sampled - k.docs) if high > figure else figure
    out = []
    for t in a.entity_types:
        cls = entity_class(t)
        category = cls.category.label if cls.category else "credentials"
        low = max(seen[t], round(records[t] - math.sqrt(below[t])))
        high = min(most[t], round(records[t] + math.sqrt(above[t])))
        out.append(Kind(t, cls.label, category, containers[t], records[t], low, high))
    out.sort(key=lambda k: -k.records)
    return out


def _kinds_basis(a: Assessment) -> str:
    """How ``_kinds`` came by its records: counted where every document was read, estimated
    from the sample elsewhere."""
    shown = [i for i in counted(i for i in a.containers if i.pii) if i.sampled]
    whole = sum(i.full and not i.sample_error for i in shown)  # a read that stopped: a part
    w = common_words(shown)
    one, records = w.container[0], w.record[1]
    estimated = (
        f"estimated from each {one}'s sample: the share of sampled {records} carrying the "
        f"kind, times the {one}'s {records}, with the range the samples' sizes allow (each "
        f"{one}'s 95% Wilson interval, their errors added)"
    )
    if whole == len(shown):
        return (
            f"Counted in every {w.record[0]} read: the {records} of each {one} carrying the kind."
        )
    if not whole:
        return estimated[0].upper() + estimated[1:] + "."
    read_whole = tally(i for i in shown if i.full and not i.sample_error)
    return (
        f"Counted in every {w.record[0]} of the {read_whole} read "
        f"in full; in the {len(shown) - whole} other{'' if len(shown) - whole == 1 else 's'}, "
        f"{estimated}."
    )


def _in_short(a: Assessment, kinds: list[Kind]) -> str:
    if not a.stores:
        return "No store in this scan answered without a password: nothing was found exposed."
    n = len(a.stores)
    docs = sum(st.docs for st in a.stores)
    refused = sum(st.refused for st in a.stores)
    held = sum(st.refused_docs for st in a.stores)
    asked = sum(st.refused_credentials for st in a.stores)
    refused_by: Counter[str] = Counter()
    for st in a.stores:
        refused_by[st.kind] += st.refused
    guessed = sum(st.refused_estimated for st in a.stores)
    shut = f" ({text.refused(refused, held, asked, refused_by, guessed)})" if refused else ""
    exposed = [i for i in a.containers if not i.refused]
    # Containers nobody counted (an object store's folders no sample read) are not 0 records.
    uncounted = sum(1 for i in exposed if i.docs is None and not i.derived)
    indices = sum(st.containers for st in a.stores)
    held_in = (
        text.containers(Counter(i.kind for i in exposed))
        if exposed
        else common_words(a.stores).containers(0)
    )
    figure = held_records(exposed)
    if uncounted and not docs and uncounted == indices:
        held_text = f"{held_in} whose records were not counted"
    elif figure.method is Method.ESTIMATE:  # some counts are estimates: said, with bounds
        held_text = f"{figure_text(figure, common_words(a.stores).record[1])} in {held_in}" + (
            f" ({uncounted:,} of them not counted)" if uncounted else ""
        )
    else:
        held_text = f"{common_words(a.stores).records(docs)} in {held_in}" + (
            f" ({uncounted:,} of them not counted)" if uncounted else ""
        )
    parts = [
        f"{n} data store{'s' if n != 1 else ''} answered without a password, holding "
        f"{held_text}{shut}."
    ]
    unsampled = [i for i in exposed if not i.measured and not i.system and i.docs != 0]
    # Most serious first; data that barely identifies anyone (IP addresses) last.
    personal = sorted(
        (k for k in kinds if k.category != "credentials"),
        key=lambda k: (
            entity_class(k.type).identifies.score == 0.25,
            -(category_score(k.type) or 0),
        ),
    )
    if personal:
        labels = [k.label for k in personal]
        listed = ", ".join(labels[:-1]) + (" and " if len(labels) > 1 else "") + labels[-1]
        who = figure_text(a.data_subjects, "people")
        parts.append(
            f"{len(a.containers_with_personal_data)} of those "
            f"{common_words(exposed).container[1]} hold personal "
            f"data — {listed} — {who}."
        )
    elif unsampled:
        u = len(unsampled)
        parts.append(
            f"{tally(unsampled, 'exposed')} {'was' if u == 1 else 'were'} not sampled, so whether "
            f"{'it holds' if u == 1 else 'they hold'} personal data is not known."
        )
    else:
        parts.append("The samples read found no personal data.")
    if any(k.category == "credentials" for k in kinds):
        parts.append("Credentials (passwords, keys or tokens) were found too.")
    if any(i.compromised for i in a.containers):
        parts.append(
            f"Some {common_words(a.containers).container[1]} show signs of a prior wipe or "
            "ransom demand."
        )
    return " ".join(parts)


def _container_row(i: ContainerExposure) -> dict[str, Any]:
    flags = []
    if i.compromised:
        flags.append("compromised: " + "; ".join(i.compromise_reasons))
    if i.sample_error and i.docs:
        flags.append(f"sample: {i.sample_error}")
    if i.note:  # how its full read differed from its method (as the text reports say)
        flags.append(f"note: {i.note}")
    return {
        "store": i.url,
        "name": i.name,
        "docs": text.count(i.docs, i.docs_exact),
        "dates": container_dates(i),
        "pii": [
            {
                "label": entity_class(k.entity_type).label,
                "type": k.entity_type,
                "share": f"{k.docs:,}/{i.sampled:,} {'read' if i.full else 'sampled'}",
                "fields": ", ".join(k.fields[:4]) + (" …" if len(k.fields) > 4 else ""),
            }
            for k in i.pii
        ],
        "people": "—"
        if i.subjects.value is None
        else (
            f"{i.subjects.low:,}–{i.subjects.high:,}"  # the range is the figure
            if shown_as_range(i.subjects)
            else _figure_value(i.subjects.value, approx=i.subjects.approximate)
            + _bounds(i.subjects)
        )
        + ("" if i.names_people else " IP addresses"),
        "flags": flags,
    }


def _range(r: tuple[str | None, str | None]) -> str:
    if not r[0] and not r[1]:
        return "unknown"
    return f"{r[0] or '?'} – {r[1] or '?'}"


def _assessment(a: Assessment) -> dict[str, Any]:
    s = a.severity
    return {
        "level": s.level.value,
        "meaning": s.level.meaning,
        "formula": s.formula,
        "colour": SEVERITY_COLOURS[s.level.value],
        "gauge": _gauge(s.score),
        "art33": {
            "duty": duty_text(a.authority.duty),
            "key": a.authority.duty.value,
            "reasons": list(a.authority.reasons),
        },
        "art34": {
            "duty": duty_text(a.subjects.duty),
            "key": a.subjects.duty.value,
            "reasons": list(a.subjects.reasons),
        },
        "deadline": deadline_text(a),
        "overdue": a.deadline.overdue,
        "aware_since": f"{a.deadline.aware_since:%Y-%m-%d %H:%M} UTC",
        "aware_basis": a.deadline.aware_since_basis,
        "inputs": [
            {
                "name": c.name,
                "value": f"{c.value:g}",
                "why": list(c.why),
                "overridden": c.overridden,
            }
            for c in (s.dpc, s.ei, *s.circumstances)
        ],
        "consequences": list(a.consequences),
        "exposure": f"{a.exposure.started_text} → {a.exposure.ended_text}",
    }


# ------------------------------------------------------------------ charts (numbers only)


def _bars(items: list[tuple[str, int, str]], width: int) -> dict[str, Any] | None:
    """Horizontal bars: geometry for the template's SVG, each bar's value text beside it."""
    items = [(label, n, value) for label, n, value in items if n > 0]
    if not items:
        return None
    top = max(n for _, n, _ in items)
    # room beside the longest bar for the longest value (a range too), never cut off
    right = max(90, 8 * max(len(value) for _, _, value in items) + 12)
    label_w, bar_w, row = 230, width - 230 - right, 30
    bars = [
        {
            "label": label,
            "value": value,
            "y": i * row,
            "w": max(2, round(bar_w * n / top)),
            "x": label_w,
            "tx": label_w + max(2, round(bar_w * n / top)) + 8,
        }
        for i, (label, n, value) in enumerate(items)
    ]
    return {"width": width, "height": len(items) * row, "bars": bars, "label_w": label_w}


def _columns(years: list[tuple[int, int]]) -> dict[str, Any] | None:
    """Vertical bars per year."""
    if not years:
        return None
    top = max(n for _, n in years) or 1
    col, gap, plot_h = 46, 14, 160
    cols: list[dict[str, Any]] = [
        {
            "label": str(y),
            "value": f"{n:,}",
            "x": 10 + i * (col + gap),
            "h": max(1, round(plot_h * n / top)),
            "w": col,
        }
        for i, (y, n) in enumerate(years)
    ]
    for c in cols:
        c["y"] = 20 + plot_h - c["h"]
    return {
        "width": 20 + len(cols) * (col + gap),
        "height": plot_h + 50,
        "cols": cols,
        "base": 20 + plot_h,
    }


def _gauge(score: float) -> dict[str, Any]:
    """ENISA's scale 0–6 as four bands, with a marker at the score."""
    scale = 6.0
    width = 480
    bands = [(0, 2, "low"), (2, 3, "medium"), (3, 4, "high"), (4, 6, "very high")]
    return {
        "width": width,
        "bands": [
            {
                "x": round(width * lo / scale),
                "w": round(width * (hi - lo) / scale),
                "label": label,
                "colour": SEVERITY_COLOURS[label],
                "tx": round(width * (lo + hi) / 2 / scale),
            }
            for lo, hi, label in bands
        ],
        "marker": (m := round(width * min(score, scale) / scale)),
        "label_x": m + 10 if m < width / 2 else m - 10,
        "anchor": "start" if m < width / 2 else "end",
        "score": f"{score:g}",
    }
