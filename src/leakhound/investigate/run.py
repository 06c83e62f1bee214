"""One investigation: expand the LOG arguments, recognise each file, stream it, build the answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo

from .activity import Activity
from .build import build
from .classify import Classifier, Rule
from .formats import by_name, error_log, sniff
from .formats.base import DEFAULT_BULK_BYTES, ParseOptions
from .inventory import Inventory
from .model import Investigation, Window
from .reader import InputProblem, LogStream, display, expand
from .timeparse import iso, to_iso


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
    the result; what is no log to read (a web server's error log, a folder inside a folder) a
    passed-over line; a bad line is counted and skipped; nothing stops the run.
    """
    since, until, win = window(options)
    classifier = Classifier(options.owner, options.scanners, builtin=options.builtin_scanners)
    activity = Activity(classifier.classify, since, until)
    paths, problems, passed = expand(logs)
    popts = ParseOptions(
        log_format=options.log_format, bulk_bytes=options.bulk_bytes, log_zone=options.log_zone
    )
    for path in paths:
        try:
            stream = LogStream(path)
        except InputProblem as exc:
            problems.append(str(exc))
            continue
        with stream:
            head = stream.head
            kind = error_log.recognise(head)
            if kind:
                head = error_log.others(head)
                if sniff(head) is None:  # whatever --format says: no request in it
                    passed.append(f"{display(path)}: {kind}: no request line in it, not read")
                    continue
            name = options.format
            if name == "auto":
                found = sniff(head)
                if found is None:
                    why = "format not recognised from its first lines (give --format)"
                    if stream.stats.stopped and not head.strip():
                        why = f"nothing read: {stream.stats.stopped}"  # no --format helps
                    problems.append(f"{display(path)}: {why}")
                    continue
                name = found
            if on_file:
                on_file(display(path), name)
            f = activity.begin(display(path), name)
            by_name(name).parse(stream, activity, popts)
            f.notes.extend(stream.stats.notes)
            if stream.stats.overlong:
                f.skipped += stream.stats.overlong
                f.notes.append(f"{stream.stats.overlong:,} line(s) over 1 MiB cut out unread")
            if stream.stats.stopped:
                f.notes.append(f"stopped early: {stream.stats.stopped}")
            if f.lines and f.skipped * 2 > f.lines and options.format != "auto":
                f.notes.append(f"most lines did not parse as {name}: is --format right?")
    return build(activity, win, options.inventory, since, classifier.dated, problems, passed)
