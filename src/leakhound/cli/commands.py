"""One function per command: options into a library call, its result rendered. No logic."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Coroutine
from contextlib import nullcontext, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import UsageError
from ..investigate import command as investigate_command
from ..lint import command as lint_command
from ..models import Verdict
from ..redact import neutralize
from ..startup import started
from ..store import ScanRecord, SqliteStore
from .credentials import ca_file, credentials
from .output import emit, private_file, write

if TYPE_CHECKING:
    from ..assess import Assessment, LogEvidence

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_RUNTIME, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a library coroutine to its end; SIGTERM and Ctrl-C cancel it (it then marks what it
    was doing interrupted and frees what it holds) and raise KeyboardInterrupt here."""

    async def main() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        with suppress(NotImplementedError, RuntimeError):  # not on Windows, not off main thread
            loop.add_signal_handler(signal.SIGTERM, task.cancel)  # type: ignore[union-attr]
        try:
            return await coro
        finally:
            with suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signal.SIGTERM)

    started()
    try:
        return asyncio.run(main())
    except asyncio.CancelledError as exc:  # SIGTERM
        raise KeyboardInterrupt from exc


def _store(args: argparse.Namespace, *, create: bool = False) -> SqliteStore:
    """The findings database of ``--db``; made when missing only for a command that writes
    a scan into it (``create``), never by one that reads it."""
    return SqliteStore(args.db, create=create)


def _kinds(text: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k.strip().lower() for k in (text or "").split(",") if k.strip()))


def scan(args: argparse.Namespace) -> int:
    """``leakhound scan``: sample or full depth, new or resumed."""
    from .. import scanner
    from ..net import Limits
    from ..probes.base import FileBounds
    from ..scanner.options import PEOPLE_READ, FullOptions, ScanOptions
    from .progress import FullProgress, ScanProgress

    if args.resume and args.targets:
        raise UsageError("--resume takes its targets from the stored scan: give no TARGET")
    if not args.resume and not args.targets:
        raise UsageError("the following arguments are required: TARGET")
    full = None
    if args.depth == "full":
        if not args.slices:
            raise UsageError("--slices must be at least 1")
        full = FullOptions(
            containers=tuple(args.index),
            partitions=args.slices,
            docs_rate=args.docs_rate,
            batch=max(1, args.batch),
            dask=args.dask,
        )
    options = ScanOptions(
        sample=args.sample,
        people_read=PEOPLE_READ if args.people_read is None else args.people_read,
        max_containers=args.max_indices,
        workers=args.workers,
        kinds=_kinds(args.kinds),
        include_system=args.include_system,
        full=full,
        files=FileBounds(max_objects=max(1, args.max_objects), max_bytes=args.max_bytes),
        ca_file=ca_file(args),
        limits=Limits(
            connect_timeout=args.connect_timeout,
            read_timeout=args.read_timeout,
            total_timeout=args.timeout,
            concurrency=max(1, args.concurrency),
            rate=args.rate,
        ),
    )
    with _store(args, create=not args.resume) as store:
        if args.resume:
            full_depth = store.scan_options(args.resume).get("depth") == "full"
        else:
            full_depth = full is not None
        shown = FullProgress if full_depth else ScanProgress
        with shown(enabled=not args.no_progress) as progress:
            events: dict[str, Any] = {"on_start": progress.start}
            if isinstance(progress, FullProgress):
                events["on_docs"] = progress.docs
            else:
                events["on_progress"] = progress.advance
            common: dict[str, Any] = {
                "store": store,
                "credentials": credentials(args, ca_alone=True),
                "scope_file": args.scope,
                "max_hosts": args.max_hosts,
                "yes": args.yes,
                **events,
            }
            if args.resume:
                scan_id = run(scanner.resume(args.resume, options, **common))
            else:
                scan_id = run(scanner.scan(args.targets, options, **common))
        record = store.load(scan_id)
    return _finish(args, record)


def _finish(args: argparse.Namespace, record: ScanRecord) -> int:
    """Render the scan; exit 1 when --fail-on asked about what was found."""
    emit(args, record)
    if args.fail_on == "open":
        found = any(r.service.verdict == Verdict.OPEN for r in record.results)
    else:
        found = any(r.exposed for r in record.results)
    return EXIT_FOUND if args.fail_on and found else EXIT_OK


def detect(args: argparse.Namespace) -> int:
    """``leakhound detect``: JSON lines in, one finding a line out."""
    from ..detect import entity_types
    from ..detect.jsonl import run_jsonl

    types = None
    if args.types:
        types = [t.strip().upper() for t in args.types.split(",") if t.strip()]
        unknown = sorted(set(types) - set(entity_types()))
        if unknown:
            raise UsageError(
                f"unknown entity type(s): {', '.join(unknown)} "
                f"(known: {', '.join(sorted(entity_types()))})"
            )
    if not 0.0 <= args.min_score <= 1.0:
        raise UsageError("--min-score must be between 0 and 1")
    stdin = args.file in (None, "-")  # "-": stdin, as other tools read it ("./-": a file)
    source: Any = sys.stdin.buffer if stdin else Path(args.file)
    if not stdin and not source.is_file():
        raise UsageError(f"cannot read {args.file}: no such file")
    return run_jsonl(
        source,
        sys.stdout,
        sys.stderr,
        types=types,
        min_score=args.min_score,
        workers=max(1, args.workers),
        ner=args.ner,
        own_process=True,
    )


def _logs(store: SqliteStore, record: ScanRecord, *, redact: bool = False) -> LogEvidence | None:
    """What the access logs say, when ``leakhound investigate --scan`` stored them."""
    from ..investigate.hooks import stored

    return stored(store, record.scan_id, redact=redact)


def report(args: argparse.Namespace) -> int:
    """``leakhound report``: a stored scan in any format (the HTML page with the stored
    access-log investigation; the JSON formats keep the scan's schema)."""
    with _store(args) as store:
        record = store.load(args.scan_id)
        logs = _logs(store, record, redact=args.redact) if args.format == "html" else None
    if logs is not None:
        from ..report import html

        write(args, html.render(record, logs=logs))
    else:
        emit(args, record)
    return EXIT_OK


def _assessment(
    args: argparse.Namespace, record: ScanRecord, logs: LogEvidence | None = None
) -> Assessment:
    from ..assess import assess as assess_scan
    from ..assess import load_context

    context = load_context(args.context) if args.context else None
    return assess_scan(record, context, args.aware_since, logs=logs)


def assess(args: argparse.Namespace) -> int:
    """``leakhound assess``: severity and the GDPR decision aid."""
    from ..assess import render

    with _store(args) as store:
        record = store.load(args.scan_id)
        logs = _logs(store, record)
    assessment = _assessment(args, record, logs)
    if args.format == "terminal":
        from rich.console import Console

        from ..report.console import stdout_console

        if args.output:
            with private_file(args.output) as fh:
                render.render_terminal(assessment, Console(file=fh, width=160, no_color=True))
        else:
            render.render_terminal(assessment, stdout_console())
        return EXIT_OK
    if args.format == "html":
        from ..report import html

        write(args, html.render(record, assessment))
    elif args.format == "json":
        write(args, render.render_json(assessment))
    else:
        write(args, render.render_markdown(assessment))
    return EXIT_OK


def notify(args: argparse.Namespace) -> int:
    """``leakhound notify``: the Art. 33 or Art. 34 draft."""
    from ..notify import notify as draft

    with _store(args) as store:
        record = store.load(args.scan_id)
        logs = _logs(store, record)
    write(args, draft(record, _assessment(args, record, logs), kind=args.kind, fmt=args.format))
    return EXIT_OK


def scans(args: argparse.Namespace) -> int:
    """``leakhound scans``: the stored scans, newest first."""
    with _store(args, create=True) as store:  # none yet: an empty database to scan into
        for s in store.scans():
            print(
                f"{s['scan_id']}  {s['started_at']}  {s['status']:<11}  "
                f"{s['endpoints']} endpoint(s), {s['exposed']} exposed"
            )
    return EXIT_OK


def export_subjects(args: argparse.Namespace) -> int:
    """``leakhound export-subjects``: the distinct identifiers a scan found exposed."""
    from ..scanner.export import ExportOptions, export_subjects, parse_types

    if args.reveal and not args.output:
        raise UsageError("--reveal writes personal data: it needs --output FILE, never stdout")
    options = ExportOptions(types=parse_types(args.types), reveal=args.reveal, fmt=args.format)
    try:
        with _store(args) as store:
            summary = run(
                export_subjects(
                    store,
                    args.scan_id,
                    lambda: private_file(args.output) if args.output else nullcontext(sys.stdout),
                    options,
                    credentials=credentials(args),
                    on_error=lambda line: print(f"leakhound: {neutralize(line)}", file=sys.stderr),
                )
            )
    except KeyboardInterrupt:
        print("leakhound: interrupted; nothing exported", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"leakhound: {neutralize(summary.describe())}", file=sys.stderr)
    if args.reveal:
        print(
            f"leakhound: warning: {neutralize(str(args.output))} holds personal data (raw "
            "identifiers): keep it private and delete it after the notification run",
            file=sys.stderr,
        )
    return EXIT_OK


def purge(args: argparse.Namespace) -> int:
    """``leakhound purge``: one stored scan deleted for good."""
    with _store(args) as store:
        scan_id = store.resolve(args.scan_id)
        store.purge(scan_id)
    print(f"purged scan {scan_id}")
    return EXIT_OK


def watch(args: argparse.Namespace) -> int:
    """``leakhound watch``: rounds on a schedule, alerts on changes, until SIGTERM."""
    from .. import watch as watch_

    cli = {
        "targets": args.targets,
        "config": args.config,
        "every": args.every,
        "sample": args.sample,
        "alerts": args.alert,
        "metrics": args.metrics,
        "scope_file": args.scope,
        "quiet_hours": args.quiet_hours,
        "name": args.name,
        "remind": args.remind,
        "count_jump": args.count_jump,
        "cert_days": args.cert_days,
        "jitter": args.jitter,
        "grace": args.grace,
        "kinds": args.kinds,
        "concurrency": args.concurrency,
        "rate": args.rate,
        "connect_timeout": args.connect_timeout,
        "read_timeout": args.read_timeout,
        "timeout": args.timeout,
        "max_hosts": args.max_hosts,
        "yes": args.yes,
    }
    config = watch_.load(cli)
    with _store(args, create=True) as store:
        w = watch_.Watch(
            config,
            store,
            credentials=credentials(args),
            reload=lambda: watch_.load(cli),
            workers=args.workers,
            db=str(args.db) if args.db else None,
        )
        asyncio.run(w.serve(once=args.once))
    return EXIT_OK


def lab(args: argparse.Namespace) -> int:
    """``leakhound lab``: the local demo lab."""
    from .. import lab as lab_

    if args.action == "up":
        print(lab_.up(args.dir))
    elif args.action == "seed":
        truth = lab_.seed(args.dir, records=args.records)
        print(
            f"seeded {truth.documents:,} documents in {len(truth.indices)} indices "
            f"({truth.distinct_customers:,} distinct customers, {truth.distinct_emails:,} "
            f"distinct e-mail addresses) in {truth.seconds:.1f}s"
        )
        for kind in lab_.KINDS:
            db = lab_.truth(args.dir, kind)
            if db is not None:
                print(
                    f"  {kind}: {db.documents:,} records in {len(db.indices)} containers "
                    f"({db.distinct_customers:,} distinct customers, {db.distinct_emails:,} "
                    f"distinct e-mail addresses), open and secured, in {db.seconds:.1f}s"
                )
        for other in lab_.objectstores.truths(lab_.status(args.dir).state_dir).values():
            if other is not None:
                print(f"  and {lab_.objectstores.summary(other)}")
    elif args.action == "down":
        lab_.down(args.dir)
        print("lab stopped")
    elif args.action in ("open", "close"):
        if not args.name:
            raise UsageError(f"lab {args.action} needs the target's NAME (secured)")
        url = lab_.toggle(args.dir, args.name, opened=args.action == "open")
        said = "open: no credentials asked" if args.action == "open" else "closed again"
        print(f"{args.name} {said} at {url}")
    elif args.action == "build":
        for name, path in lab_.build().items():
            print(f"{name}: {path}")
    elif args.action == "targets":
        for target in lab_.status(args.dir).targets:
            if not args.kind or target.kind in args.kind:
                print(target.url)
    else:
        print(lab_.status(args.dir))
    return EXIT_OK


COMMANDS = {
    "scan": scan,
    "detect": detect,
    "report": report,
    "assess": assess,
    "notify": notify,
    "scans": scans,
    "purge": purge,
    "lab": lab,
    "export-subjects": export_subjects,
    "lint": lint_command.run,
    "watch": watch,
    "investigate": investigate_command.run,
}
