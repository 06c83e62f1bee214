"""Command line: parse options, call one library function, render. No logic lives here."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import LeakhoundError, UsageError
from .redact import neutralize

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_RUNTIME, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from exc
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above zero: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line grammar."""
    parser = _Parser(prog="leakhound", description=(
        "Find Elasticsearch/OpenSearch stores open to the world and measure the personal data "
        "they expose. Scan only what you are authorised to scan."))
    parser.add_argument("--version", action="version", version=f"leakhound {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    scan = sub.add_parser("scan", help="scan targets for open stores",
                          description="Scan targets: host, host:port, http(s)://URL, CIDR, "
                                      "[IPv6]:port, or @FILE (one target a line, or an nmap -oX "
                                      "/ masscan -oJ export).")
    scan.add_argument("targets", nargs="*", metavar="TARGET")
    scan.add_argument("--sample", type=_positive_int, default=100, metavar="N",
                      help="documents read per index for PII detection (default 100; 0: none)")
    _db_option(scan)
    _format_options(scan, ("terminal", "json", "jsonl", "markdown", "html", "sarif"))
    scan.add_argument("--fail-on", choices=("open", "exposed"),
                      help="exit 1 when an open (or open/partial: exposed) store is found")
    scan.add_argument("--concurrency", type=_positive_int, default=128, metavar="N",
                      help="open connections at most (default 128)")
    scan.add_argument("--rate", type=_positive_float, metavar="R",
                      help="requests per second per host at most (default: no cap)")
    scan.add_argument("--connect-timeout", type=_positive_float, default=3.0, metavar="S")
    scan.add_argument("--read-timeout", type=_positive_float, default=10.0, metavar="S")
    scan.add_argument("--timeout", type=_positive_float, default=30.0, metavar="S",
                      help="total seconds for one request, body included (default 30)")
    scan.add_argument("--max-indices", type=_positive_int, default=1000, metavar="N",
                      help="indices inventoried in detail per endpoint (default 1000)")
    scan.add_argument("--max-hosts", type=_positive_int, default=4096, metavar="N",
                      help="addresses a CIDR may expand to without --yes (default 4096)")
    scan.add_argument("--yes", action="store_true",
                      help="confirm a large range, or a public one you are authorised for")
    _credential_options(scan, "credentials to read secured/partial stores you own (visible to "
                              "other local users in the process list: prefer --auth-env)")
    scan.add_argument("--scope", metavar="FILE",
                      help="authorised ranges (one CIDR a line): any target outside is refused")
    scan.add_argument("--workers", type=_positive_int, default=1, metavar="N",
                      help="detection processes (default 1; 0: in-process)")
    scan.add_argument("--show-closed", action="store_true",
                      help="list closed and silent endpoints in the terminal table")
    scan.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    full = scan.add_argument_group("full depth (--depth full): read every document")
    full.add_argument("--depth", choices=("sample", "full"), default="sample",
                      help="sample: --sample documents per index (default); full: all of them")
    full.add_argument("--index", action="append", default=[], metavar="PATTERN",
                      help="indices to read in full, fnmatch pattern (repeatable; default: all "
                           "non-system indices)")
    full.add_argument("--slices", type=_positive_int, default=2, metavar="N",
                      help="slices read in parallel per index (default 2)")
    full.add_argument("--docs-rate", type=_positive_float, metavar="DOCS_PER_S",
                      help="documents per second at most over the whole scan (default: no cap)")
    full.add_argument("--batch", type=_positive_int, default=1000, metavar="N",
                      help="documents per request and per checkpoint (default 1000)")
    full.add_argument("--resume", metavar="SCAN_ID",
                      help="continue an interrupted full scan from its checkpoints")
    full.add_argument("--dask", metavar="tcp://HOST:8786",
                      help="run slices as tasks on this Dask scheduler (leakhound[dask])")

    report = sub.add_parser("report", help="render a stored scan")
    report.add_argument("scan_id", metavar="SCAN_ID", help="a scan id, or 'last'")
    report.add_argument("--redact", action="store_true",
                        help="mask IP addresses of the stored access-log investigation (html)")
    _db_option(report)
    _format_options(report, ("terminal", "json", "jsonl", "markdown", "html", "sarif"))

    assess = sub.add_parser("assess", help="assess a stored scan as a personal data breach",
                            description="ENISA severity and the GDPR Art. 33/34 decision aid, "
                                        "each input shown with why; advice, not legal advice.")
    assess.add_argument("scan_id", metavar="SCAN_ID", help="a scan id, or 'last'")
    _db_option(assess)
    _context_options(assess)
    _format_options(assess, ("terminal", "json", "markdown", "html"))

    notify = sub.add_parser("notify", help="draft a breach notification (Art. 33 / Art. 34)")
    notify.add_argument("scan_id", metavar="SCAN_ID", help="a scan id, or 'last'")
    notify.add_argument("--kind", choices=("authority", "subjects"), required=True)
    _db_option(notify)
    _context_options(notify)
    _format_options(notify, ("markdown", "html"))

    detect = sub.add_parser("detect", help="find personal data in JSON lines",
                            description="Read JSON documents, one a line (stdin without FILE); "
                                        "write one JSON line per finding, values masked.")
    detect.add_argument("file", nargs="?", type=Path, metavar="FILE")
    detect.add_argument("--types", metavar="T1,T2",
                        help="entity types (default: all), e.g. EMAIL_ADDRESS,IP_ADDRESS")
    detect.add_argument("--min-score", type=float, default=0.0, metavar="S",
                        help="report findings scoring at least S (0..1, default 0)")
    detect.add_argument("--workers", type=_positive_int, default=1, metavar="N",
                        help="processes (default 1)")
    detect.add_argument("--ner", action=argparse.BooleanOptionalAction, default=False,
                        help="names and places from the optional NER model (leakhound[ner])")

    scans = sub.add_parser("scans", help="list stored scans")
    _db_option(scans)

    subjects = sub.add_parser(
        "export-subjects", help="list the identifiers a stored scan found exposed (hashed)",
        description="Read again the indices a stored scan found open or partial (the findings "
                    "database keeps no raw value) and list each distinct identifier once: its "
                    "type, its keyed hash (HMAC-SHA256 under this database's key) and the "
                    "indices it was found in, never the raw value. The data's owner matches "
                    "the hashes by running the same command with --reveal on their side "
                    "(leakhound may add a matcher later).")
    subjects.add_argument("scan_id", metavar="SCAN_ID", help="a scan id, or 'last'")
    subjects.add_argument("--types", metavar="T1,T2",
                          help="identifying types (default EMAIL_ADDRESS,PHONE_NUMBER; also "
                               "IBAN_CODE, CREDIT_CARD, US_SSN, national ids…)")
    subjects.add_argument("--reveal", action="store_true",
                          help="the raw identifiers too: personal data, only with --output "
                               "(file created 0600)")
    _db_option(subjects)
    _format_options(subjects, ("jsonl", "csv"))
    _credential_options(subjects, "credentials to read partial stores you own (prefer "
                                  "--auth-env)")

    purge = sub.add_parser("purge", help="delete a stored scan for good (and VACUUM)")
    purge.add_argument("scan_id", metavar="SCAN_ID")
    _db_option(purge)

    from .investigate import command as investigate

    investigate.add_parser(sub)
    lab = sub.add_parser("lab", help="the local demo lab: a real OpenSearch node and nginx")
    lab.add_argument("action", choices=("up", "seed", "down", "status", "targets"),
                     help="targets: print the running lab's target URLs, one a line")
    lab.add_argument("--records", type=_positive_int, default=10_000, metavar="N",
                     help="records to seed (default 10000)")
    lab.add_argument("--dir", type=Path, metavar="PATH", help="lab state folder")
    return parser


def _db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, metavar="PATH",
                   help="findings database (default: under the user's data directory)")


def _when(text: str) -> Any:
    from .assess import ContextError, parse_when

    try:
        return parse_when(text)
    except ContextError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 date or date-time: {text!r}") from None


def _context_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--context", type=Path, metavar="FILE",
                   help="YAML file with what the data's owner knows (overrides the scanner's view)")
    p.add_argument("--aware-since", type=_when, metavar="DATETIME",
                   help="when the owner became aware (ISO 8601, UTC without offset; default: "
                        "the end of the scan)")


def _format_options(p: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    p.add_argument("--format", choices=formats, default=formats[0])
    p.add_argument("--output", "-o", type=Path, metavar="FILE",
                   help="write the report here (created 0600) instead of stdout")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: one line per error, an exit status, never a traceback."""
    try:
        args = build_parser().parse_args(argv)
        return int(_COMMANDS[args.command](args))
    except KeyboardInterrupt:
        print("leakhound: interrupted; results found so far are saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    except LeakhoundError as exc:
        print(f"leakhound: error: {neutralize(str(exc))}", file=sys.stderr)
        return exc.exit_status
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: one line, no locals, no traceback
        print(f"leakhound: internal error: {type(exc).__name__}: {neutralize(str(exc))[:300]}"
              " (please report it)", file=sys.stderr)
        return EXIT_RUNTIME


def _store(args: argparse.Namespace) -> Any:
    from .store import SqliteStore

    return SqliteStore(args.db)


def _emit(args: argparse.Namespace, doc: dict[str, Any]) -> None:
    if args.format == "terminal":
        from rich.console import Console

        from .report.terminal import render

        if args.output:
            with _private_file(args.output) as fh:
                render(doc, Console(file=fh, width=160, no_color=True),
                       show_closed=getattr(args, "show_closed", False))
        else:
            render(doc, Console(), show_closed=getattr(args, "show_closed", False))
        return
    from .report import FORMATS

    _write(args, FORMATS[args.format](doc))


def _write(args: argparse.Namespace, output: str) -> None:
    if args.output:
        with _private_file(args.output) as fh:
            fh.write(output)
    else:
        sys.stdout.write(output)


def _private_file(path: Path) -> Any:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return os.fdopen(fd, "w", encoding="utf-8")


def _credential_options(parser: argparse.ArgumentParser, auth_help: str) -> None:
    creds = parser.add_mutually_exclusive_group()
    creds.add_argument("--auth", metavar="USER:PASS", help=auth_help)
    creds.add_argument("--auth-env", metavar="VAR",
                       help="read USER:PASS from this environment variable")
    creds.add_argument("--netrc", nargs="?", const="~/.netrc", metavar="FILE",
                       help="per-host credentials from a netrc file (default ~/.netrc)")
    parser.add_argument("--ca-file", metavar="FILE",
                        help="CA certificates (PEM) to trust when sending credentials over "
                             "https (default: the system's)")
    parser.add_argument("--insecure-auth", action="store_true",
                        help="send credentials without verifying the server's certificate, "
                             "or over plain http to a host other than loopback")


def _credentials(args: argparse.Namespace) -> Any:
    """The owner's credentials (``_plain_credentials``) with how they may travel."""
    plain = _plain_credentials(args)
    if plain is None:
        if getattr(args, "ca_file", None) or getattr(args, "insecure_auth", False):
            raise UsageError("--ca-file and --insecure-auth go with --auth, --auth-env or --netrc")
        return None
    from .net import OwnerAuth

    ca_file = getattr(args, "ca_file", None)
    if ca_file is not None and not Path(ca_file).is_file():
        raise UsageError(f"--ca-file: cannot read {ca_file}")
    return OwnerAuth(plain, ca_file=ca_file, insecure=getattr(args, "insecure_auth", False))


def _plain_credentials(args: argparse.Namespace) -> Any:
    """USER:PASS from --auth or the variable named by --auth-env, or a netrc file's per-host
    entries (--netrc); never echoed back."""
    if getattr(args, "netrc", None):
        import httpx

        path = Path(args.netrc).expanduser()
        if not path.is_file():
            raise UsageError(f"--netrc: cannot read {path}")
        return httpx.NetRCAuth(str(path))
    text = args.auth
    if args.auth_env:
        text = os.environ.get(args.auth_env)
        if text is None:
            raise UsageError(f"--auth-env: the environment variable {args.auth_env} is not set")
    if text is None:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise UsageError("credentials must have the form USER:PASS")
    return user, password


def _cmd_scan(args: argparse.Namespace) -> int:
    from .engine import ScanOptions, run_scan
    from .net import Limits
    from .progress import ScanProgress

    options = ScanOptions(
        sample=args.sample, max_indices=args.max_indices, workers=args.workers,
        limits=Limits(connect_timeout=args.connect_timeout, read_timeout=args.read_timeout,
                      total_timeout=args.timeout, concurrency=max(1, args.concurrency),
                      rate=args.rate))
    if args.resume:
        if args.targets:
            raise UsageError("--resume takes its targets from the stored scan: give no TARGET")
        with _store(args) as store:
            full_depth = store.scan_options(args.resume).get("depth") == "full"
        if full_depth:
            return _cmd_full_scan(args, options)
    elif args.depth == "full":
        return _cmd_full_scan(args, options)
    elif not args.targets:
        raise UsageError("the following arguments are required: TARGET")
    with _store(args) as store, ScanProgress(enabled=not args.no_progress) as progress:
        scan_id = run_scan(args.targets, options, store, max_hosts=args.max_hosts, yes=args.yes,
                           scope_file=args.scope, auth=_credentials(args), resume=args.resume,
                           on_start=progress.start, on_progress=progress.advance)
        doc = store.load(scan_id)
    return _finish(args, doc)


def _finish(args: argparse.Namespace, doc: dict[str, Any]) -> int:
    """Render the scan; exit 1 when --fail-on asked about what was found."""
    _emit(args, doc)
    verdicts = {r["service"]["verdict"] for r in doc["results"]}
    wanted = {"open"} if args.fail_on == "open" else {"open", "partial"}
    return EXIT_FOUND if args.fail_on and verdicts & wanted else EXIT_OK


def _cmd_full_scan(args: argparse.Namespace, options: Any) -> int:
    from .fullscan import FullOptions, run_full_scan
    from .progress import FullProgress

    if args.resume and args.targets:
        raise UsageError("--resume takes its targets from the stored scan: give no TARGET")
    if not args.resume and not args.targets:
        raise UsageError("the following arguments are required: TARGET")
    if not args.slices:
        raise UsageError("--slices must be at least 1")
    full = FullOptions(indices=tuple(args.index), slices=args.slices, docs_rate=args.docs_rate,
                       batch=max(1, args.batch), dask=args.dask)
    with _store(args) as store, FullProgress(enabled=not args.no_progress) as progress:
        scan_id = run_full_scan(args.targets, options, full, store, max_hosts=args.max_hosts,
                                yes=args.yes, resume=args.resume, on_start=progress.start,
                                on_docs=progress.docs, scope_file=args.scope,
                                auth=_credentials(args))
        doc = store.load(scan_id)
    return _finish(args, doc)


def _cmd_detect(args: argparse.Namespace) -> int:
    from .detect import entity_types
    from .detect.jsonl import run_jsonl

    types = None
    if args.types:
        types = [t.strip().upper() for t in args.types.split(",") if t.strip()]
        unknown = sorted(set(types) - set(entity_types()))
        if unknown:
            raise UsageError(f"unknown entity type(s): {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(entity_types()))})")
    if not 0.0 <= args.min_score <= 1.0:
        raise UsageError("--min-score must be between 0 and 1")
    source: Any = args.file if args.file else sys.stdin.buffer
    if args.file and not args.file.is_file():
        raise UsageError(f"cannot read {args.file}: no such file")
    return run_jsonl(source, sys.stdout, sys.stderr, types=types, min_score=args.min_score,
                     workers=max(1, args.workers), ner=args.ner)


def _cmd_report(args: argparse.Namespace) -> int:
    from .investigate.hooks import attach

    with _store(args) as store:
        doc = store.load(args.scan_id)
        if args.format == "html":  # the JSON formats keep the scan's schema
            doc = attach(store, doc, redact=args.redact)
    _emit(args, doc)
    return EXIT_OK


def _assessment(args: argparse.Namespace, doc: dict[str, Any]) -> Any:
    from .assess import assess, load_context

    context = load_context(args.context) if args.context else None
    return assess(doc, context, args.aware_since)


def _cmd_assess(args: argparse.Namespace) -> int:
    from .assess import render
    from .investigate.hooks import attach

    with _store(args) as store:
        doc = attach(store, store.load(args.scan_id))
    assessment = _assessment(args, doc)
    if args.format == "terminal":
        from rich.console import Console

        if args.output:
            with _private_file(args.output) as fh:
                render.render_terminal(assessment, Console(file=fh, width=120, no_color=True))
        else:
            render.render_terminal(assessment, Console())
        return EXIT_OK
    if args.format == "html":
        from .report import html

        _write(args, html.render(doc, assessment))
    elif args.format == "json":
        _write(args, render.render_json(assessment))
    else:
        _write(args, render.render_markdown(assessment))
    return EXIT_OK


def _cmd_notify(args: argparse.Namespace) -> int:
    from .investigate.hooks import attach
    from .notify import notify

    with _store(args) as store:
        doc = attach(store, store.load(args.scan_id))
    _write(args, notify(doc, _assessment(args, doc), kind=args.kind, fmt=args.format))
    return EXIT_OK


def _cmd_scans(args: argparse.Namespace) -> int:
    with _store(args) as store:
        for s in store.scans():
            print(f"{s['scan_id']}  {s['started_at']}  {s['status']:<11}  "
                  f"{s['endpoints']} endpoint(s), {s['exposed']} exposed")
    return EXIT_OK


def _cmd_export_subjects(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from .subjects_export import ExportOptions, export_subjects, parse_types

    if args.reveal and not args.output:
        raise UsageError("--reveal writes personal data: it needs --output FILE, never stdout")
    options = ExportOptions(types=parse_types(args.types), reveal=args.reveal, fmt=args.format)
    try:
        with _store(args) as store:
            summary = export_subjects(
                store, args.scan_id,
                lambda: _private_file(args.output) if args.output else nullcontext(sys.stdout),
                options, auth=_credentials(args),
                on_error=lambda line: print(f"leakhound: {neutralize(line)}", file=sys.stderr))
    except KeyboardInterrupt:
        print("leakhound: interrupted; nothing exported", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"leakhound: {neutralize(summary.describe())}", file=sys.stderr)
    if args.reveal:
        print(f"leakhound: warning: {neutralize(str(args.output))} holds personal data (raw "
              "identifiers): keep it private and delete it after the notification run",
              file=sys.stderr)
    return EXIT_OK


def _cmd_purge(args: argparse.Namespace) -> int:
    with _store(args) as store:
        scan_id = store.resolve(args.scan_id)
        store.purge(scan_id)
    print(f"purged scan {scan_id}")
    return EXIT_OK


def _cmd_investigate(args: argparse.Namespace) -> int:
    from .investigate.command import run

    return run(args)


def _cmd_lab(args: argparse.Namespace) -> int:
    from . import lab

    if args.action == "up":
        print(lab.up(args.dir))
    elif args.action == "seed":
        truth = lab.seed(args.dir, records=args.records)
        print(f"seeded {truth.documents:,} documents in {len(truth.indices)} indices "
              f"({truth.distinct_customers:,} distinct customers) in {truth.seconds:.1f}s")
    elif args.action == "down":
        lab.down(args.dir)
        print("lab stopped")
    elif args.action == "targets":
        for target in lab.status(args.dir).targets:
            print(target.url)
    else:
        print(lab.status(args.dir))
    return EXIT_OK


_COMMANDS = {"scan": _cmd_scan, "detect": _cmd_detect, "report": _cmd_report,
             "assess": _cmd_assess, "notify": _cmd_notify, "scans": _cmd_scans,
             "purge": _cmd_purge, "lab": _cmd_lab, "export-subjects": _cmd_export_subjects,
             "investigate": _cmd_investigate}
