"""One investigation: expand the LOG arguments, recognise each file, stream it, build the answer."""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import tzinfo

from .activity import OVERLONG, Activity, FileState
from .build import build
from .classify import Classifier, Rule
from .formats import WHOLE_FILE, by_name, error_log, sniff
from .formats.base import DEFAULT_BULK_BYTES, ParseOptions
from .inventory import Inventory
from .model import Investigation, Window
from .reader import InputProblem, LogStream, ReadStats, display, expand, rotated_sets
from .rotated import RotatedSet
from .timeparse import iso, to_iso

# What a file with no line in it is passed over as: ``nothing_read`` names such files apart
EMPTY = "empty: nothing to read"
BLANK = "empty (blank lines only): nothing to read"


@dataclass(frozen=True, slots=True)
class Options:
    """What ``investigate`` is told besides the logs."""

    format: str = "auto"
    owner: list[Rule] = field(default_factory=list)
    scanners: list[Rule] = field(default_factory=list)
    since: float | None = None
    until: float | None = None
    inventory: Inventory | None = None
    log_format: str | None = None
    bulk_bytes: int = DEFAULT_BULK_BYTES
    builtin_scanners: bool = True
    log_zone: tzinfo | None = None  # --log-time-zone


def window(options: Options) -> tuple[float | None, float | None, Window]:
    """The window's ends (epoch) and how they were chosen: given, else the scan's history."""
    since, until = options.since, options.until
    basis = []
    inv = options.inventory
    if since is not None:
        basis.append("start given (--since)")
    elif inv is not None and inv.first_seen_exposed:
        since = iso(inv.first_seen_exposed)[0]
        basis.append(f"start: first seen exposed (scan history of {inv.scan_id})")
    else:
        basis.append("start: the first line")
    if until is not None:
        basis.append("end given (--until)")
    elif inv is not None and inv.last_scan:
        until = iso(inv.last_scan)[0]
        basis.append(f"end: the end of scan {inv.scan_id}")
    else:
        basis.append("end: the last line")
    return since, until, Window(to_iso(since), to_iso(until), "; ".join(basis))


def investigate(
    logs: list[str], options: Options, on_file: Callable[[str, str], None] | None = None
) -> Investigation:
    """Read every log of ``logs`` (files, globs, folders, ``-``) and say who did what in the
    window.

    A file that cannot be read, or whose format is not recognised, becomes a problem line in
    the result; what is no log to read (a web server's error log, a folder inside a folder,
    an empty file) a passed-over line; a bad line is counted and skipped; nothing stops the run.
    """
    since, until, win = window(options)
    classifier = Classifier(options.owner, options.scanners, builtin=options.builtin_scanners)
    activity = Activity(classifier.classify, since, until)
    paths, problems, passed = expand(logs)
    popts = ParseOptions(
        log_format=options.log_format, bulk_bytes=options.bulk_bytes, log_zone=options.log_zone
    )
    for group in rotated_sets(paths):
        # closing: a parser's error closes the file the runs hold open (the next run's first)
        with closing(_runs(group, options, problems, passed)) as runs:
            for fmt, first, rest in runs:
                with first:  # a set's first too, should its parser fail before reading it
                    _read(fmt, first, rest, activity, problems, popts, options, on_file)
    return build(activity, win, options.inventory, since, classifier.dated, problems, passed)


def _read(
    fmt: str,
    first: LogStream,
    rest: list[tuple[str, list[str]]],
    activity: Activity,
    problems: list[str],
    popts: ParseOptions,
    options: Options,
    on_file: Callable[[str, str], None] | None,
) -> None:
    """Parse one run of ``_runs``: a file alone, or a rotated set read as one stream."""
    if rest:
        chain = RotatedSet(first, rest, fmt, activity, problems, on_file)
        by_name(fmt).parse(chain, activity, popts)
        # The lines the parser counted are of them all: each file's own are the chain's
        # count. Its notes stay where it put them, on the file whose lines they are about
        # (Activity.note).
        for f, stats, lines in chain.files:
            f.lines = lines
            _finish(f, stats, fmt, options)
        return
    if on_file:
        on_file(display(first.path), fmt)
    f = activity.begin(display(first.path), fmt)
    by_name(fmt).parse(first, activity, popts)
    _finish(f, first.stats, fmt, options)


def _runs(
    group: list[str], options: Options, problems: list[str], passed: list[str]
) -> Generator[tuple[str, LogStream, list[tuple[str, list[str]]]], None, None]:
    """The files of one rotated set that can be read, as runs of one format: (format, the
    first file open, the others to be read after it as one stream, each with its notes).

    Each run is given as soon as the next one's first file is known, and read before the
    files after that are opened: a set of 365 files of a whole-file format (a run each)
    holds two open at a time, not 365. A file whose first lines say no format (a rotation that cut a
    multi-line entry, a server's startup notices) is read as the last file read before it
    in its set, and says which."""
    run: tuple[str, LogStream, list[tuple[str, list[str]]]] | None = None
    last: str | None = None  # the last file of the set read so far
    prev: str | None = None  # the file just before this one in the set, read or not
    held: LogStream | None = None  # open here and not yet given: closed should we stop
    try:
        for path in group:
            just_before, prev = prev, path
            try:
                held = LogStream(path)
            except InputProblem as exc:
                problems.append(str(exc))
                continue
            before = run[0] if run and run[0] not in WHOLE_FILE else None
            fmt = _format(held, options, problems, passed, before)
            notes = []
            if fmt == "":
                fmt = before
                notes.append(_fallback(before, last, just_before))
            if fmt is None:
                held.close()
                held = None
                continue
            last = path
            if run is not None and fmt == before:
                # opened again in its turn: a set of 365 files holds one open
                held.close()
                held = None
                run[2].append((path, notes))
                continue
            if run is not None:
                given, run = run, None
                yield given
            run, held = (fmt, held, []), None
        if run is not None:
            given, run = run, None
            yield given
    finally:
        for stream in (held, run[1] if run is not None else None):
            if stream is not None:
                stream.close()


def _fallback(fmt: str | None, last: str | None, just_before: str | None) -> str:
    """The note of a file read as the format of the last file read before it in its set.

    When the file just before it was not read (unreadable, passed over), the format is still
    taken from the last one that was, not refused: the files of a set are one log written
    by one server, so that is the best guess there is, and refusing would leave the file's
    lines out of the report. The note names the file whose format it took, so that a reader
    can check it rather than believe it came from its neighbour."""
    said = f"format not recognised from its first lines: read as {fmt}, as "
    if just_before == last:
        return said + "the file before it in its rotated set"
    return (
        f"{said}{display(last or '')}, the last file read before it in its rotated set "
        f"({display(just_before or '')}, just before it, was not read)"
    )


def _format(
    stream: LogStream,
    options: Options,
    problems: list[str],
    passed: list[str],
    before: str | None,
) -> str | None:
    """The format a file is read as; "" when its first lines say none but the file before it
    in its set was read (as ``before``); None when it is not read (why in ``problems`` or
    ``passed``: an empty file is passed over, not a format unknown)."""
    path = stream.path
    head = stream.head
    if stream.empty:
        if stream.stats.stopped:  # corrupt before its first byte: no --format reads more
            problems.append(f"{display(path)}: nothing read: {stream.stats.stopped}")
        else:
            # A log just rotated (logrotate's create or copytruncate leaves it at size 0), or
            # a compressed file of nothing: no line to read, and no format to say, given or not
            passed.append(f"{display(path)}: {EMPTY}")
        return None
    if stream.blank:  # "give --format" would read no line of it either
        passed.append(f"{display(path)}: {BLANK}")
        return None
    kind = error_log.recognise(head)
    if kind:
        head = error_log.others(head)
        if sniff(head) is None:  # whatever --format says: no request in it
            passed.append(f"{display(path)}: {kind}: no request line in it, not read")
            return None
    if options.format != "auto":
        return options.format
    found = sniff(head)
    if found is None:
        if before and head.strip():
            return ""
        why = "format not recognised from its first lines (give --format)"
        if stream.stats.stopped and not head.strip():
            why = f"nothing read: {stream.stats.stopped}"  # no --format helps
        problems.append(f"{display(path)}: {why}")
    return found


def _finish(f: FileState, stats: ReadStats, fmt: str, options: Options) -> None:
    """What the reader dropped of a file, and a doubt about the format given, in its notes."""
    f.notes.extend(stats.notes)
    if stats.overlong:
        f.skipped += stats.overlong
        f.reasons[OVERLONG] = f.reasons.get(OVERLONG, 0) + stats.overlong
        f.notes.append(f"{stats.overlong:,} line(s) over 1 MiB cut out unread")
    if stats.stopped:
        f.notes.append(f"stopped early: {stats.stopped}")
    if f.lines and f.skipped * 2 > f.lines and options.format != "auto":
        f.notes.append(f"most lines did not parse as {fmt}: is --format right?")


def empty_files(passed_over: Sequence[str]) -> list[str]:
    """The files of ``passed_over`` (its lines) passed over for having no line in them (a
    log just rotated, a .gz of nothing, blank lines only)."""
    return [
        p.removesuffix(f": {why}")
        for p in passed_over
        for why in (EMPTY, BLANK)
        if p.endswith(f": {why}")
    ]


def nothing_read(inv: Investigation, shown: int = 5) -> str:
    """One line for an investigation that read no file: that there is nothing to
    investigate, which files were empty and how many others were not read (each of which has
    its own line saying why)."""
    empty = empty_files(inv.passed_over)
    blank = {p.removesuffix(f": {BLANK}") for p in inv.passed_over if p.endswith(f": {BLANK}")}
    others = len(inv.problems) + len(inv.passed_over) - len(empty)
    names = ", ".join(p + (" (blank lines only)" if p in blank else "") for p in empty[:shown])
    if len(empty) > shown:
        names += f" and {len(empty) - shown:,} more"
    head = "nothing to investigate: no log line read"
    if not empty and not inv.passed_over:
        return f"{head}: no log could be read (each LOG's reason above)"
    if not empty:  # an error log of no request, a folder inside a folder…: not unreadable
        return f"{head}: every LOG was passed over or could not be read (each one's reason above)"
    if not others:
        if len(empty) == 1:
            return f"{head}: {empty[0]} is empty" + (" (blank lines only)" if blank else "")
        return f"{head}: the {len(empty):,} files are each empty ({names})"
    return (
        f"{head}: {len(empty):,} file(s) empty ({names}), {others:,} other(s) not read "
        "(each one's reason above)"
    )
