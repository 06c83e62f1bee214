"""The investigation for people and machines: terminal text, Markdown, JSON, HTML (inline SVG).

Every figure says how it was obtained (the records estimate names its method and range).
``redact=True`` masks every IP address, in fields and inside example lines, through
``leakhound.redact.mask``; text from logs is neutralised (terminal, Markdown) or escaped (HTML).
"""

from __future__ import annotations

import html
import re
from typing import Any

import orjson

from ..redact import mask, neutralize
from .classify import OWNER, SCANNER, UNKNOWN
from .model import Estimate, Investigation, Source, to_dict, to_json_bytes

# Dotted quads; IPv6 in full (seven colons) or compressed (a "::" with hex around it). Times
# (10:00:00) have two colons and no "::", so they never match.
_H = r"[0-9A-Fa-f]{1,4}"
_IP = re.compile(
    r"(?<![\w.:])(?:(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"
    rf"|(?:(?:{_H}:){{7}}{_H}|(?:{_H}(?::{_H})*)?::(?:{_H}(?::{_H})*)?"
    r"(?::?(?:\d{1,3}\.){3}\d{1,3})?)(?![\w.:]))"
)
KIND_COLOURS = {UNKNOWN: "#c53030", SCANNER: "#d69e2e", OWNER: "#2f855a"}
_KINDS = list(KIND_COLOURS)  # stacking order, unknown at the bottom


def mask_addresses(text: str) -> str:
    """Every IP address in ``text`` masked (``203.0.*.*``), the rest untouched."""
    return _IP.sub(lambda m: mask("IP_ADDRESS", m.group(0)), text)


def _addr(s: str, redact: bool) -> str:
    if not redact:
        return s
    host = s
    if s.count(":") == 1:  # 1.2.3.4:5678
        host = s.split(":", 1)[0]
    return mask("IP_ADDRESS", host.strip("[]"))


def to_json(inv: Investigation, *, redact: bool = False) -> str:
    """The whole result as JSON (addresses whole unless ``redact``)."""
    if not redact:
        return to_json_bytes(inv).decode() + "\n"
    return orjson.dumps(_redacted(to_dict(inv)), option=orjson.OPT_INDENT_2).decode() + "\n"


def _redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted(v) for v in value]
    if isinstance(value, str):
        return mask_addresses(value)
    return value


def _est(e: Estimate | None) -> str:
    return e.text if e else "—"


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n = n / 1024  # type: ignore[assignment]
    return f"{n} B"


def _line(text: str, redact: bool) -> str:
    text = neutralize(text)
    return mask_addresses(text) if redact else text


def headline(inv: Investigation) -> list[str]:
    """The summary as a few plain sentences."""
    s = inv.summary
    out = [s.sentence[0].upper() + s.sentence[1:] + "."]
    if s.first_unknown:
        out.append(
            f"First unknown access: {s.first_unknown}"
            + (f" ({s.time_to_first_unknown})" if s.time_to_first_unknown else "")
            + "."
        )
    if s.records_unknown:
        out.append(
            f"Records possibly taken by unknown parties: {s.records_unknown.text} "
            f"— {s.records_unknown.method}."
        )
    if s.unknown_personal_readers:
        out.append(
            f"{len(s.unknown_personal_readers)} unknown source(s) read containers (indices, "
            "tables, collections…) in which the scan found personal data."
        )
    return out


def render_text(inv: Investigation, *, redact: bool = False) -> str:
    """Terminal text: summary, then each source with its actions and evidence lines."""
    out = [
        f"leakhound investigate — window {inv.window.since or '(first line)'} → "
        f"{inv.window.until or '(last line)'} ({inv.window.basis})",
        "",
    ]
    out += [_line(x, redact) for x in headline(inv)]
    out.append("")
    probing = [x for x in inv.sources if _probing(x)]
    owners = [x for x in inv.sources if x.kind == OWNER]
    for src in inv.sources:
        if not _probing(src) and src.kind != OWNER:
            out += _source_text(src, redact)
    if owners:
        out.append(f"{len(owners):,} source(s) in the owner's networks:")
        out += [
            f"  {_addr(x.address, redact)} ({_line(x.kind_basis, redact)})  {x.first_seen} → "
            f"{x.last_seen}  {x.requests:,} request(s), {_bytes(x.bytes_out)} out, "
            f"{', '.join(x.action_names) or 'nothing'}; records read: {_est(x.records)}"
            + (f" — {neutralize(x.records.method)}" if x.records else "")
            for x in owners[:TERMINAL_PROBING]
        ]
        if len(owners) > TERMINAL_PROBING:
            out.append(f"  … and {len(owners) - TERMINAL_PROBING:,} more")
        out.append("")
    if probing:
        out.append(
            f"{len(probing):,} unknown source(s) only probed or were refused (the busiest "
            "first; the JSON lists them):"
        )
        out += [
            f"  {_addr(x.address, redact)}  {x.first_seen} → {x.last_seen}  "
            f"{x.requests:,} request(s), {x.denied:,} refused or failed"
            for x in probing[:TERMINAL_PROBING]
        ]
        if len(probing) > TERMINAL_PROBING:
            out.append(f"  … and {len(probing) - TERMINAL_PROBING:,} more")
        out.append("")
    if inv.quiet.count:
        out += [_quiet(inv), ""]
    out += _files_text(inv, redact)
    return "\n".join(out) + "\n"


TERMINAL_PROBING = 20  # probe-only sources a person reads one line each for


def _probing(s: Source) -> bool:
    """An unknown source that only probed or was refused: noise, shown in one line."""
    return s.kind == UNKNOWN and set(s.action_names) <= {"probe"}


def _quiet(inv: Investigation) -> str:
    q = inv.quiet
    return (
        f"{q.count:,} more source(s) only probed or were refused ({q.requests:,} requests, "
        f"{_bytes(q.bytes_out)} out): counted, not listed"
    )


def _source_text(src: Source, redact: bool) -> list[str]:
    out = [
        f"{_addr(src.address, redact)}  [{src.kind}]  {src.first_seen} → {src.last_seen}  "
        f"{src.requests:,} request(s) ({src.denied:,} refused or failed), "
        f"{_bytes(src.bytes_out)} out",
        f"  class: {_line(src.kind_basis, redact)}",
    ]
    if src.user_agents:
        out.append(f"  user agents: {_line(_agents(src), redact)}")
    if src.targets:
        out.append(
            "  touched: "
            + neutralize(
                ", ".join(
                    f"{t.name} ({t.requests:,})" + (" [personal data]" if t.personal else "")
                    for t in src.targets[:10]
                )
            )
            + (" …" if len(src.targets) > 10 else "")
        )
    if src.records:
        out.append(f"  records read: {src.records.text} — {neutralize(src.records.method)}")
    for a in src.actions:
        out.append(f"  {a.action}: {a.count:,}")
        for e in a.examples[:2]:
            out.append(f"    {neutralize(e.file)}:{e.line}: {_line(e.text, redact)[:300]}")
    out.append("")
    return out


AGENT_CHARS = 120  # enough to name a client; the whole one is in the JSON


def _agents(src: Source) -> str:
    """The user agents a source sent (the first few), each cut to ``AGENT_CHARS``."""
    return "; ".join(a if len(a) <= AGENT_CHARS else a[:AGENT_CHARS] + "…" for a in src.user_agents)


def _files_text(inv: Investigation, redact: bool) -> list[str]:
    out = ["Files:"]
    for f in inv.files:
        out.append(
            f"  {neutralize(f.path)} ({f.format}): {f.lines:,} lines, {f.parsed:,} read, "
            f"{f.skipped:,} skipped, {f.outside_window:,} outside the window"
        )
        for ex in f.skipped_examples[:3]:
            out.append(f"    skipped line {ex.line}: {ex.reason}: {_line(ex.text, redact)[:120]}")
        for note in f.notes:
            out.append(f"    note: {neutralize(note)}")
    for p in inv.problems:
        out.append(f"  problem: {neutralize(p)}")
    for p in inv.passed_over:
        out.append(f"  passed over: {neutralize(p)}")
    if inv.scanner_data:
        out.append(f"Known scanners: built-in ranges {inv.scanner_data}")
    return out


def _md(text: str) -> str:
    return neutralize(text).replace("|", "\\|").replace("`", "'")


def render_markdown(inv: Investigation, *, redact: bool = False) -> str:
    """Markdown for a ticket: summary, a table of sources, evidence per source."""
    out = [
        "# Access-log investigation",
        "",
        f"Window: {inv.window.since or '(first line)'} → {inv.window.until or '(last line)'} "
        f"({inv.window.basis}).",
        "",
    ]
    out += [f"- {_md(mask_addresses(x) if redact else x)}" for x in headline(inv)]
    out += [
        "",
        "| Source | Class | First seen | Last seen | Requests | Bytes out | Actions | "
        "Records read |",
        "|---|---|---|---|---:|---:|---|---|",
    ]
    for s in inv.sources:
        out.append(
            f"| {_md(_addr(s.address, redact))} | {s.kind} | {s.first_seen} | "
            f"{s.last_seen} | {s.requests:,} | {s.bytes_out:,} | "
            f"{', '.join(s.action_names)} | {_est(s.records)} |"
        )
    for s in inv.sources:
        if (s.kind == OWNER and not s.records) or _probing(s):
            continue
        out += [
            "",
            f"## {_md(_addr(s.address, redact))} ({s.kind})",
            "",
            f"Class: {_md(mask_addresses(s.kind_basis) if redact else s.kind_basis)}.",
        ]
        if s.user_agents:
            out.append(f"User agents: `{_md(_line(_agents(s), redact))}`.")
        if s.records:
            out.append(f"Records read: {s.records.text}; method: {_md(s.records.method)}.")
        for a in s.actions:
            out.append(f"- **{a.action}** × {a.count:,}")
            for e in a.examples[:2]:
                out.append(f"  - `{_md(e.file)}:{e.line}` `{_md(_line(e.text, redact))[:300]}`")
    if inv.quiet.count:
        out += ["", _quiet(inv) + "."]
    out += ["", "## Files", ""]
    for f in inv.files:
        out.append(
            f"- {_md(f.path)} ({f.format}): {f.lines:,} lines, {f.skipped:,} skipped, "
            f"{f.outside_window:,} outside the window" + "".join(f"; {_md(n)}" for n in f.notes)
        )
    for p in inv.problems:
        out.append(f"- problem: {_md(p)}")
    for p in inv.passed_over:
        out.append(f"- passed over: {_md(p)}")
    return "\n".join(out) + "\n"


def timeline_svg(
    inv: Investigation, metric: str = "requests", width: int = 720, height: int = 140
) -> str:
    """Requests (or bytes out) per class per hour, stacked columns on a continuous time axis
    (a day a column past 1,000 hours), as inline SVG: escaped, no script."""
    if not inv.timeline:
        return ""
    from datetime import UTC, datetime

    def epoch(text: str) -> int:
        return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())

    first = min(epoch(h.hour) for h in inv.timeline)
    last = max(epoch(h.hour) for h in inv.timeline)
    step = 3600 if (last - first) // 3600 < 1000 else 86400
    columns = (last - first) // step + 1
    per: dict[tuple[int, str], int] = {}
    for h in inv.timeline:
        key = ((epoch(h.hour) - first) // step, h.kind)
        per[key] = per.get(key, 0) + (h.requests if metric == "requests" else h.bytes_out)
    top = max(sum(per.get((c, k), 0) for k in KIND_COLOURS) for c in range(columns)) or 1
    bar = (width - 60) / columns
    unit = "h" if step == 3600 else "day"
    label = f"{metric} per {'hour' if step == 3600 else 'day'} by class"
    parts = [
        f'<svg class="chart" role="img" aria-label="{label}" width="{width}" '
        f'height="{height + 30}" viewBox="0 0 {width} {height + 30}">'
    ]
    for (c, kind), n in sorted(per.items()):
        if not n:
            continue
        below = sum(per.get((c, k), 0) for k in _KINDS[: _KINDS.index(kind)])
        hgt = n / top * (height - 10)
        y = height - below / top * (height - 10) - hgt
        when = datetime.fromtimestamp(first + c * step, UTC).strftime("%Y-%m-%d %H:00")
        shown = f"{n:,} requests" if metric == "requests" else _bytes(n)
        parts.append(
            f'<rect x="{50 + c * bar:.2f}" y="{y:.1f}" width="{max(bar - 0.5, 0.5):.2f}" '
            f'height="{max(hgt, 0.5):.1f}" fill="{KIND_COLOURS[kind]}"><title>{when} {kind}: '
            f"{html.escape(shown)}</title></rect>"
        )
    top_text = f"{top:,}" if metric == "requests" else _bytes(top)
    parts.append(f'<text x="0" y="12" font-size="11">{html.escape(top_text)}/{unit}</text>')
    start = datetime.fromtimestamp(first, UTC).strftime("%Y-%m-%d %H:00")
    end = datetime.fromtimestamp(last, UTC).strftime("%Y-%m-%d %H:00")
    parts.append(f'<text x="50" y="{height + 20}" font-size="11">{start}</text>')
    parts.append(f'<text x="{width - 110}" y="{height + 20}" font-size="11">{end}</text>')
    x = 200
    for kind, colour in KIND_COLOURS.items():
        parts.append(
            f'<rect x="{x}" y="{height + 12}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{height + 21}" font-size="11">{kind}</text>'
        )
        x += 110
    parts.append("</svg>")
    return "".join(parts)


def html_section(inv: Investigation, *, redact: bool = False) -> str:
    """The investigation as an HTML fragment (for the scan report and the standalone page)."""
    e = html.escape
    rows = []
    probing = sum(1 for s in inv.sources if _probing(s))
    for s in inv.sources:
        if _probing(s):
            continue
        rows.append(
            f'<tr><td class="t">{e(_addr(s.address, redact))}'
            + (
                f'<br><span class="caption">{e(_line(_agents(s), redact))}</span>'
                if s.user_agents
                else ""
            )
            + f'</td><td>{e(s.kind)}<br><span class="caption">'
            f"{e(_line(s.kind_basis, redact))}</span></td>"
            f'<td class="nowrap">{e(s.first_seen)} → {e(s.last_seen)}</td>'
            f'<td class="num">{s.requests:,}</td><td class="num">{e(_bytes(s.bytes_out))}</td>'
            f"<td>{e(', '.join(s.action_names))}</td><td>{e(_est(s.records))}"
            + (f'<br><span class="caption">{e(s.records.method)}</span>' if s.records else "")
            + "</td></tr>"
        )
    heads = "".join(f"<li>{e(mask_addresses(x) if redact else x)}</li>" for x in headline(inv))
    return (
        '<section id="investigation"><h2>Who read it: access logs</h2>'
        f'<p class="caption">Window {e(inv.window.since or "(first line)")} → '
        f"{e(inv.window.until or '(last line)')} ({e(inv.window.basis)}); "
        f"{sum(f.lines for f in inv.files):,} log lines in {len(inv.files)} file(s).</p>"
        f"<ul>{heads}</ul><h3>Requests per hour</h3>{timeline_svg(inv)}"
        f"<h3>Bytes out per hour</h3>{timeline_svg(inv, 'bytes')}"
        '<table><thead><tr><th>Source</th><th>Class</th><th>Seen</th><th class="num">'
        'Requests</th><th class="num">Out</th><th>Actions</th><th>Records read</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
        + (
            f'<p class="caption">{probing:,} more unknown source(s) only probed or were refused '
            "(each in the JSON result).</p>"
            if probing
            else ""
        )
        + (f'<p class="caption">{e(_quiet(inv))}.</p>' if inv.quiet.count else "")
        + "</section>"
    )


def render_html(inv: Investigation, *, redact: bool = False) -> str:
    """A self-contained page (no script, strict CSP) with the timeline as inline SVG."""
    from ..assess.document import CSP

    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        "<title>leakhound investigation</title><style>body{font-family:sans-serif;"
        "max-width:1100px;margin:auto;padding:1em}table{border-collapse:collapse}td,th{border:"
        "1px solid #ccc;padding:3px 6px;vertical-align:top}.num{text-align:right}.caption{"
        "color:#555;font-size:90%}.t{font-family:monospace}</style></head><body>"
        f"{html_section(inv, redact=redact)}</body></html>\n"
    )


RENDERERS = {
    "terminal": render_text,
    "markdown": render_markdown,
    "json": to_json,
    "html": render_html,
}
