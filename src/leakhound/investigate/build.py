"""From the counters to the answer: records estimates, classes, the summary, the timeline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from .. import __version__
from .actions import NAMES, RANSOM_NOTE, READS, WIPE
from .activity import (
    SKEW,
    T_BYTES,
    T_BYTES_SIZED,
    T_BYTES_UNSIZED,
    T_EXACT,
    T_FILED,
    T_FOLDED,
    T_LOOPS,
    T_PAGES,
    T_PLAIN,
    T_PLAIN_BYTES,
    T_PLAIN_N,
    T_REQUESTS,
    T_UNCOUNTED,
    T_UPPER,
    Activity,
    FileState,
    SourceState,
)
from .classify import OWNER, SCANNER, UNKNOWN
from .inventory import IndexFacts, Inventory
from .model import (
    Action,
    Estimate,
    Example,
    Hour,
    Investigation,
    LogFile,
    Quiet,
    Skipped,
    Source,
    Summary,
    Target,
    Window,
)
from .timeparse import to_iso

MAX_QUIET = 500  # probe-only sources listed one by one; the rest are counted
MAX_PARTS = 5  # targets named in a method; more are summed
CALIBRATION_PAGES = 5  # sized pages of a target needed to trust their bytes per record
# How far a bytes-based figure may be off: the log's own sized pages of the same index are
# the same JSON as the unsized ones (±25% for hit metadata and page fill); the scan's stored
# size per document is another encoding of the data (compression, index structures: ±50%).
CALIBRATED_SPREAD, STORED_SPREAD = 0.25, 0.5
# The counts a log states: the counter, whether it is exact (else an upper bound), its words
_STATED = (
    (T_EXACT, True, "records returned, as the log states them"),
    (
        T_FILED,
        True,
        "records written into a file on the server (SELECT … INTO OUTFILE/DUMPFILE), as the "
        "log states them",
    ),
    (
        T_FOLDED,
        False,
        "the rows the server read for statements that fold them into one row "
        "(GROUP_CONCAT…), as the log states them",
    ),
)


def _calibration(sources: Sequence[SourceState]) -> dict[str, float]:
    """Bytes out per record, per target, from every source's pages of a known size."""
    pages: dict[str, list[int]] = {}
    for s in sources:
        for name, c in s.targets.items():
            if c[T_PAGES]:
                acc = pages.setdefault(name, [0, 0, 0])
                acc[0] += c[T_PAGES]
                acc[1] += c[T_UPPER]
                acc[2] += c[T_BYTES_SIZED]
    return {n: b / r for n, (p, r, b) in pages.items() if p >= CALIBRATION_PAGES and r and b}


def estimate(s: SourceState, calib: dict[str, float], inv: Inventory | None) -> Estimate | None:
    """Records one source read, from what its requests say, else from its bytes out."""
    value = lower = upper = 0.0
    parts: list[str] = []
    uncounted: list[str] = []  # never summed into "more targets": they say there is no bound
    unconverted = 0
    for name, c in s.targets.items():
        if c[T_UNCOUNTED]:
            uncounted.append(
                f"{c[T_UNCOUNTED]:,} file write(s) on {name}: records written into a file on "
                "the server that the log does not count (no Rows_affected line, and Rows_sent "
                "0 or a DUMPFILE's): no upper bound"
            )
        for counter, exact, said in _STATED:
            if c[counter]:
                value += c[counter]
                lower += c[counter] if exact else 0
                upper += c[counter]
                parts.append(f"{c[counter]:,} {'on' if exact else 'at most on'} {name}: {said}")
        if c[T_PAGES]:
            page = c[T_UPPER] / c[T_PAGES]
            hi = float(c[T_UPPER])
            facts = inv.find(name) if inv else []
            held = sum(f.docs or 0 for f in facts)
            if held and c[T_LOOPS]:  # a loop cannot return more than the index holds
                hi = min(hi, float(held * c[T_LOOPS]))
            lo = max(0.0, min(hi, c[T_UPPER] - c[T_LOOPS] * page))
            value += (hi + lo) / 2
            lower += lo
            upper += hi
            parts.append(
                f"{(hi + lo) / 2:,.0f} on {name}: {c[T_PAGES]:,} pages × their size "
                f"(size= or limit= in the requests, about {page:,.0f}); the last page of each of "
                f"{c[T_LOOPS]:,} loop(s) may be short"
            )
        if c[T_PLAIN]:
            # A single search returns up to its page, and no more than the index holds: the
            # page size alone is a bound, not a count (size=10000 on an index of 200 returns
            # 200). The bytes the pages took, ÷ a record's size where one is known, say how
            # full they were.
            hi = float(c[T_PLAIN])
            bound = "single requests' page size (size= or limit=: a request returns up to its page"
            held = _held(inv, [name]) or 0
            if inv is not None and held and held * c[T_PLAIN_N] < hi:
                hi = float(held * c[T_PLAIN_N])
                bound += (
                    f", and no more than the {held:,} documents scan {inv.scan_id} counted "
                    f"in {name}"
                )
            bound += ")"
            per, spread, how = _per_record(name, calib, inv)
            if per is not None and c[T_PLAIN_BYTES]:
                v = c[T_PLAIN_BYTES] / per
                value += min(hi, v)
                lower += min(hi, v * (1 - spread))
                upper += hi  # the bound holds whatever the records weigh
                parts.append(
                    f"{min(hi, v):,.0f} on {name}: {c[T_PLAIN_BYTES]:,} bytes out of "
                    f"{c[T_PLAIN_N]:,} single search(es) ÷ {per:,.0f} bytes a record ({how}; "
                    f"-{spread:.0%}), at most {hi:,.0f}: {bound}"
                )
            else:
                value += hi
                upper += hi
                parts.append(f"{hi:,.0f} at most on {name}: {bound}")
        nbytes = c[T_BYTES_UNSIZED]
        if nbytes:
            per, spread, how = _per_record(name, calib, inv)
            if per is None:
                unconverted += nbytes
                continue
            v = nbytes / per
            value += v
            lower += v * (1 - spread)
            upper += v * (1 + spread)
            parts.append(
                f"{v:,.0f} on {name}: {nbytes:,} bytes out ÷ {per:,.0f} bytes a "
                f"record ({how}; ±{spread:.0%})"
            )
    if not parts and not uncounted and not unconverted:
        return None
    if len(parts) > MAX_PARTS:  # the largest first; the rest in one clause
        parts.sort(key=_leading_number, reverse=True)
        rest = parts[MAX_PARTS:]
        total = f"{sum(_leading_number(p) for p in rest):,.0f} records"
        if any(" at most on " in p for p in rest):  # a bound among them: the sum is one too
            total = f"up to {total} (bounds added)"
        parts = [
            *parts[:MAX_PARTS],
            f"and {len(rest)} more target(s), {total}, by the same methods",
        ]
    parts.extend(uncounted)
    if unconverted:
        # Records went out in those bytes, and nothing says how many: the range above counts
        # only the rest, so it is no upper bound.
        parts.append(
            f"{unconverted:,} bytes out not converted to records (no document size "
            "known: give --scan SCAN_ID): no upper bound"
        )
    return Estimate(
        round(value),
        round(lower),
        round(upper),
        "; ".join(parts),
        bounded=not uncounted and not unconverted,
    )


def _leading_number(part: str) -> float:
    head = part.split(" ", 1)[0].replace(",", "")
    try:
        return float(head)
    except ValueError:
        return 0.0


def _per_record(
    name: str, calib: dict[str, float], inv: Inventory | None
) -> tuple[float | None, float, str]:
    if name in calib:
        return calib[name], CALIBRATED_SPREAD, f"measured on this log's sized pages of {name}"
    if inv is not None:
        facts = [f for f in inv.find(name) if f.doc_bytes]
        if facts:
            docs = sum(f.docs or 0 for f in facts)
            size = sum(f.store_bytes or 0 for f in facts)
            return (
                size / docs,
                STORED_SPREAD,
                (f"average stored size of {name} in scan {inv.scan_id}: store size ÷ documents"),
            )
        if inv.doc_bytes:
            return (
                inv.doc_bytes,
                STORED_SPREAD,
                (f"average stored size over the indices of scan {inv.scan_id}"),
            )
    return None, 0.0, ""


def _source(addr: str, s: SourceState, calib: dict[str, float], inv: Inventory | None) -> Source:
    actions = tuple(
        Action(NAMES[i], n, tuple(Example(f, ln, t) for f, ln, t in s.examples.get(i, ())))
        for i, n in enumerate(s.actions)
        if n
    )
    targets = tuple(
        Target(
            name,
            c[T_REQUESTS],
            c[T_BYTES],
            _personal(name, inv),
        )
        for name, c in sorted(s.targets.items(), key=lambda kv: -kv[1][T_REQUESTS])
    )
    reads = any(s.actions[i] for i in READS)
    return Source(
        address=addr,
        kind=s.kind,
        kind_basis=s.basis,
        first_seen=to_iso(s.first) or "",
        last_seen=to_iso(s.last) or "",
        requests=s.requests,
        denied=s.denied,
        bytes_out=s.bytes_out,
        targets=targets,
        actions=actions,
        records=estimate(s, calib, inv) if reads else None,
        user_agents=tuple(s.agents),
        read=bool(reads),
    )


def _personal(name: str, inv: Inventory | None) -> bool | None:
    """Whether a target holds personal data, as the scan says (None without a scan). A flow's
    target is a port: the whole store behind it."""
    if inv is None:
        return None
    if name.startswith("port "):
        return inv.personal
    return any(f.personal for f in inv.find(name))


def _file(f: FileState) -> LogFile:
    notes = list(f.notes)
    if len(f.offsets) > 1:
        notes.append(
            f"mixed time zones ({', '.join(sorted(f.offsets))}): all times are converted to UTC"
        )
    if f.backwards:
        notes.append(
            f"{f.backwards:,} line(s) more than 5 minutes earlier than a line before "
            "them: clock skew or merged files; times are taken as written"
        )
    return LogFile(
        path=f.path,
        format=f.format,
        lines=f.lines,
        parsed=f.parsed,
        skipped=f.skipped,
        skipped_examples=tuple(Skipped(*e) for e in f.skipped_examples),
        outside_window=f.outside_window,
        first=to_iso(f.first),
        last=to_iso(f.last),
        notes=tuple(notes),
    )


def _files(files: Sequence[FileState]) -> tuple[LogFile, ...]:
    """Each file, with a note when it starts well before the file read before it ended (files
    of one set are read oldest first: clock skew between hosts, or an overlapping rotation)."""
    out = []
    prev: FileState | None = None
    for f in files:
        if (
            prev is not None
            and prev.last is not None
            and f.first is not None
            and (f.format == prev.format and f.first < prev.last - SKEW)
        ):
            f.notes.append(
                f"starts {(prev.last - f.first) / 60:,.0f} minutes before "
                f"{prev.path} ends: clock skew between the hosts, or overlapping "
                "files; times are taken as written"
            )
        out.append(_file(f))
        prev = f if f.last is not None else prev
    return tuple(out)


def _delay(seconds: float) -> str:
    if seconds < 0:
        return "before the window's start"
    hours = seconds / 3600
    if hours < 1:
        return f"{seconds / 60:.0f} minutes after the window's start"
    if hours < 48:
        return f"{hours:.1f} hours after the window's start"
    return f"{hours / 24:.1f} days after the window's start"


def _held(inv: Inventory | None, targets: Iterable[str]) -> int | None:
    """The documents the scan counted in every index the logged targets name, or None when
    one of them is no index it counted (created after it, an alias, its count refused): a
    bound from the others alone would leave that index's records out."""
    if inv is None:
        return None
    facts: dict[str, IndexFacts] = {}
    for target in targets:
        for part in target.split(","):
            found = inv.find(part)
            if not found or any(f.docs is None for f in found):
                return None
            facts.update((f.name, f) for f in found)
    return sum(f.docs or 0 for f in facts.values()) or None


def _sum(estimates: Sequence[Estimate], cap: int | None) -> Estimate | None:
    if not estimates:
        return None
    value = sum(e.value for e in estimates)
    lower = max(e.lower for e in estimates)  # the same records may have been read twice
    upper = sum(e.upper for e in estimates)
    method = (
        "the sum of the unknown sources' estimates (upper bound: the same records may "
        "have been read by several); lower bound: the largest single source's"
    )
    if cap is not None and upper > cap:
        upper = cap
        value = min(value, cap)
        lower = min(lower, cap)
        method += f"; capped at the {cap:,} documents the scan counted in the indices read"
    bounded = all(e.bounded for e in estimates)
    open_ended = [e.method for e in estimates if not e.bounded]
    if any("file write(s) on" in m for m in open_ended):
        method += (
            "; no upper bound: some records were written into files on the server that the "
            "logs do not count"
        )
    if any("bytes out not converted" in m for m in open_ended):
        method += (
            "; no upper bound: some bytes out could not be converted to records (no document "
            "size known: give --scan SCAN_ID)"
        )
    return Estimate(value, lower, upper, method, bounded)


def summarise(
    sources: Sequence[Source],
    window: Window,
    inv: Inventory | None,
    since: float | None,
    hidden: Sequence[tuple[float, str]] = (),
) -> Summary:
    """The first unknown access, who read, how many records; one sentence for the drafts.

    ``hidden``: (first seen, address) of the unknown sources not listed (they only probed)."""
    unknown = [s for s in sources if s.kind == UNKNOWN]
    first = min(unknown, key=lambda s: s.first_seen, default=None)
    first_at = first.first_seen if first else None
    first_src = first.address if first else None
    if hidden:
        h_t, h_addr = min(hidden)
        h_iso = to_iso(h_t)
        if first_at is None or (h_iso is not None and h_iso < first_at):
            first_at, first_src = h_iso, h_addr
    n_unknown = len(unknown) + len(hidden)
    readers = [s for s in unknown if s.read]
    personal = [
        s
        for s in readers
        if any(t.personal for t in s.targets)
        or (inv is not None and inv.personal and not s.targets)
    ]
    estimates = [s.records for s in readers if s.records]
    cap = None
    if inv is not None:
        names = {t.name for s in readers for t in s.targets}
        cap = _held(inv, names)
    records = _sum(estimates, cap)
    wipes = tuple(
        s.address
        for s in sources
        if s.kind != OWNER and any(a.action in ("wipe", "ransom-note") for a in s.actions)
    )
    delay = None
    if first_at is not None and since is not None:
        t = datetime.strptime(first_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        delay = _delay(t.timestamp() - since)
    between = f"between {window.since or 'the first line'} and {window.until or 'the last line'}"
    if readers:
        what = records.of("records") if records else "an unknown number of records"
        sentence = (
            f"{len(readers)} unknown source{'s' if len(readers) != 1 else ''} read {what} {between}"
        )
        if records and records.is_bound:
            sentence += (
                " (the most the logs allow: page sizes and counts added, not a likely figure; "
                "see each source's method)"
            )
        elif records:
            sentence += " (estimated from the logs; see each source's method)"
    elif n_unknown:
        sentence = (
            f"{n_unknown} unknown source{'s' if n_unknown != 1 else ''} touched "
            f"the store {between}, but the logs show none of them reading documents"
        )
    else:
        sentence = f"no unknown source touched the store {between}, as far as the logs show"
    aggregated = [s for s in unknown if not s.read and "aggregate" in s.action_names]
    if aggregated:
        other = "other " if readers else ""
        sentence += (
            f"; {len(aggregated)} {other}unknown source(s) ran searches of size 0 (no "
            "document came back, only counts and aggregations, which can list a field's values)"
        )
    if wipes:
        sentence += f"; {len(wipes)} source(s) deleted data or left a ransom note"
    return Summary(
        first_unknown=first_at,
        first_unknown_source=first_src,
        time_to_first_unknown=delay,
        unknown_sources=n_unknown,
        unknown_readers=tuple(s.address for s in readers),
        unknown_personal_readers=tuple(s.address for s in personal),
        records_unknown=records,
        wipes=wipes,
        sentence=sentence,
    )


def build(
    activity: Activity,
    window: Window,
    inv: Inventory | None,
    since: float | None,
    dated: str,
    problems: Sequence[str],
    passed: Sequence[str] = (),
) -> Investigation:
    """The investigation of everything ``activity`` counted.

    Every source that did more than probe is listed; of those that only probed or were refused
    (internet noise: a public address meets thousands), the ``MAX_QUIET`` busiest are listed
    and the rest counted in ``quiet``.
    """
    calib = _calibration(list(activity.sources.values()))
    order = {UNKNOWN: 0, SCANNER: 1, OWNER: 2}
    loud: list[tuple[str, SourceState]] = []
    quiet: list[tuple[str, SourceState]] = []
    for (addr, _claim), st in activity.sources.items():
        probing = not any(st.actions[1:]) and st.kind == UNKNOWN
        (quiet if probing else loud).append((addr, st))
    quiet.sort(key=lambda x: -x[1].requests)
    shown, hidden = quiet[:MAX_QUIET], quiet[MAX_QUIET:]
    sources = sorted(
        (_source(a, s, calib, inv) for a, s in loud + shown),
        key=lambda s: (order.get(s.kind, 0), -_gravity(s), -s.requests, s.address),
    )
    hidden_unknown = [(st.first, a) for a, st in hidden if st.kind == UNKNOWN]
    summary = summarise(sources, window, inv, since, hidden_unknown)
    summary = replace(summary, sentence=_honest(summary.sentence, activity.files, problems))
    timeline = tuple(
        Hour(to_iso(h * 3600.0) or "", kind, cell[0], cell[1])
        for (h, kind), cell in sorted(activity.timeline.items())
    )
    return Investigation(
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        tool_version=__version__,
        scan_id=inv.scan_id if inv else None,
        window=window,
        files=_files(activity.files),
        sources=tuple(sources),
        summary=summary,
        timeline=timeline,
        scanner_data=dated,
        problems=tuple(problems),
        passed_over=tuple(passed),
        quiet=Quiet(
            len(hidden), sum(st.requests for _, st in hidden), sum(st.bytes_out for _, st in hidden)
        ),
    )


def _honest(sentence: str, files: Sequence[FileState], problems: Sequence[str]) -> str:
    """``sentence`` no stronger than the logs that were read: with no line read it is not
    said at all (that nothing was seen would read as nobody came); with some lines unread,
    how many of how many, and the commonest reason (give --log-time-zone), beside it."""
    skipped = sum(f.skipped for f in files)
    lines = sum(f.lines for f in files)
    why = ""
    if c := _commonest(files):
        reason, n = c
        why = f"; why, for {'all' if n == skipped else f'{n:,}'} of them: {reason}"
    if skipped and not any(f.parsed for f in files):
        unread = (
            f", not one of their {lines:,} line(s)"
            if skipped == lines
            else f": {skipped:,} of their {lines:,} line(s) were not and the others held no request"
        )
        said = f"the logs could not be read{unread}, so they say nothing of who touched the store"
        if why:
            said += f" ({why.removeprefix('; ')})"
        if problems:
            said += f"; {len(problems):,} log file(s) or argument(s) could not be read at all"
        return said
    parts = []
    if skipped:
        sentence = sentence.replace(", as far as the logs show", ", as far as the lines read show")
        parts.append(
            f"{skipped:,} of {lines:,} log lines could not be read, so this covers the "
            f"{lines - skipped:,} read only{why}"
        )
    if problems:
        parts.append(f"{len(problems):,} log file(s) or argument(s) could not be read at all")
    return f"{sentence} ({'; '.join(parts)})" if parts else sentence


def _commonest(files: Sequence[FileState]) -> tuple[str, int] | None:
    """The kind of reason most unread lines were skipped for, by its first example (a reason
    quoting each line's own text is one kind), and their count (None: none skipped)."""
    counts: dict[str, int] = {}
    examples: dict[str, str] = {}
    for f in files:
        for kind, n in f.reasons.items():
            counts[kind] = counts.get(kind, 0) + n
            examples.setdefault(kind, f.reason_examples.get(kind, kind))
    if not counts:
        return None
    kind, n = max(counts.items(), key=lambda x: x[1])
    return examples[kind], n


def unread_lines(inv: Investigation) -> bool:
    """Whether ``inv`` read files but not one line of them: every line skipped (times in a
    zone abbreviation of several meanings without --log-time-zone, a wrong --format)."""
    return any(f.skipped for f in inv.files) and not any(f.parsed for f in inv.files)


def _gravity(s: Source) -> int:
    names = s.action_names
    return max((NAMES.index(n) for n in names), default=0) if names else 0


__all__ = ["RANSOM_NOTE", "WIPE", "build", "estimate", "summarise", "unread_lines"]
