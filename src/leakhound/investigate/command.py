"""``leakhound investigate``: its options and its run (the CLI registers it in two lines)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..redact import neutralize

FORMAT_NAMES = (
    "auto",
    "nginx",
    "apache",
    "json",
    "es-audit",
    "opensearch-audit",
    "es-slowlog",
    "mongodb",
    "postgresql",
    "mysql",
    "couchdb",
    "redis",
    "azure-nsg",
    "aws-vpc",
    "s3-access",
    "cloudtrail",
    "azure-storage",
    "w3c",
)
OUT_FORMATS = ("terminal", "json", "markdown", "html")
EXIT_STATUS = (
    "Exit status: 0 done (whatever the logs show), 2 a usage error or nothing to investigate "
    "(no log line read: every LOG empty, unreadable or no log, one line saying so; or every "
    "line of the logs read skipped, as times in EST without --log-time-zone: the result is "
    "written, saying so, and not stored), 3 an internal error or a findings database (--db) "
    "that cannot be opened, 130 interrupted."
)


def _size(text: str) -> int:
    units = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    t = text.strip().lower().removesuffix("ib").removesuffix("b")
    unit = t[-1:] if t[-1:] in units else ""
    try:
        value = int(float(t[: len(t) - len(unit)]) * units[unit])
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10M)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above zero: {text!r}")
    return value


def _time(text: str) -> float:
    from .timeparse import BadTime, parse_user_time

    try:
        return parse_user_time(text)
    except BadTime:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or date-time: {text!r}") from None


def _zone(text: str) -> Any:
    from .timeparse import zone_of

    try:
        return zone_of(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``investigate`` on the CLI's subparsers."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "investigate",
        help="read a store's logs: who touched the data during the exposure",
        description="Read access, audit, database and flow logs of the exposure window and say, "
        "per source address, who touched the data, what they did and roughly how "
        "much they took, with evidence lines. LOG: a file, a glob, a rotated set, "
        "a folder (its files, oldest first), gzip/bz2/zstd-compressed, or - for stdin.",
        epilog=EXIT_STATUS,
    )
    p.add_argument("logs", nargs="+", metavar="LOG")
    p.add_argument(
        "--format",
        choices=FORMAT_NAMES,
        default="auto",
        help="the logs' format (default auto: recognised from each file's first lines)",
    )
    p.add_argument(
        "--log-format",
        metavar="FORMAT",
        help="a custom access-log format in GoAccess's notation (%%h %%^[%%d:%%t "
        '%%^] "%%r" %%s %%b …, or a JSON template) or one of its names (COMBINED, COMMON, '
        "VCOMBINED, W3C, CLOUDFRONT), implies --format json for JSON templates and nginx "
        "otherwise",
    )
    p.add_argument(
        "--owner",
        action="append",
        default=[],
        metavar="CIDR|@FILE",
        help="the owner's own networks (repeatable): never called unknown; leakhound's own "
        "requests from them are listed as the owner's scan",
    )
    p.add_argument(
        "--scanners",
        action="append",
        default=[],
        metavar="CIDR|@FILE",
        help="more research-scanner ranges, beside the dated ones shipped",
    )
    p.add_argument(
        "--log-time-zone",
        type=_zone,
        metavar="ZONE",
        help="the server's time zone, an IANA name (Europe/Berlin) or an offset from UTC "
        "(+01:00, -0500). Times written with no zone (general, slow, audit and Redis logs, "
        "access logs without one; not W3C or CloudFront: UTC) are read in it, not as UTC; a "
        "zone abbreviation of several meanings (IST, CST, EST, BST) at its meaning there",
    )
    p.add_argument("--since", type=_time, metavar="T", help="window start (ISO 8601, UTC)")
    p.add_argument("--until", type=_time, metavar="T", help="window end (ISO 8601, UTC)")
    p.add_argument(
        "--scan",
        metavar="SCAN_ID",
        help="tie the result to a stored scan ('last' works): its history sets the "
        "window, its inventory the index sizes; the result is stored with it",
    )
    p.add_argument("--db", type=Path, metavar="PATH", help="findings database")
    p.add_argument(
        "--bulk-bytes",
        type=_size,
        default=None,
        metavar="SIZE",
        help="a flow sending more than this out is a bulk read (default 10M)",
    )
    p.add_argument("--format-out", choices=OUT_FORMATS, default="terminal")
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="write the result here (created 0600) instead of stdout",
    )
    p.add_argument(
        "--redact",
        action="store_true",
        help="mask IP addresses (for readers outside the team); JSON keeps them otherwise",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Run one investigation and print or write it; 0 done, 2 a usage error or nothing to
    investigate (no log line read: every LOG empty, unreadable or no log, or every line of
    those read skipped, then with the result written)."""
    from .build import unread_lines
    from .classify import networks
    from .formats.base import DEFAULT_BULK_BYTES
    from .inventory import from_scan
    from .render import RENDERERS
    from .run import Options, empty_files, investigate, nothing_read

    fmt = args.format
    if args.log_format and fmt == "auto":
        fmt = "json" if args.log_format.lstrip().startswith("{") else "nginx"
    if args.since is not None and args.until is not None and args.since > args.until:
        raise UsageError("--since is after --until")
    if args.logs.count("-") > 1:
        raise UsageError("stdin (-) can be read once")
    if args.log_format:  # the user's mistake, said before any file is read: not a crash
        from .formats import logformat

        try:
            if args.log_format.lstrip().startswith("{"):
                logformat.compile_json(args.log_format)
            else:
                logformat.compile_text(args.log_format)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    inventory = None
    store = None
    scan_id = None
    if args.scan:
        from ..store import SqliteStore

        store = SqliteStore(args.db, create=False)
        scan_id = store.resolve(args.scan)
        inventory = from_scan(store.load(scan_id))
    try:
        options = Options(
            format=fmt,
            owner=networks(args.owner, "--owner", "owner"),
            scanners=networks(args.scanners, "--scanners", "given scanner"),
            since=args.since,
            until=args.until,
            inventory=inventory,
            log_format=args.log_format,
            bulk_bytes=args.bulk_bytes or DEFAULT_BULK_BYTES,
            log_zone=args.log_time_zone,
        )
        inv = investigate(args.logs, options)
        # Read nothing: the empty files are named in the one line that says so, not each
        folded = {p for p in inv.passed_over if empty_files([p])} if not inv.files else set()
        for problem in (*inv.problems, *inv.passed_over):
            if problem not in folded:
                print(f"leakhound: {neutralize(problem)}", file=sys.stderr)
        for f in inv.files:
            if f.skipped:
                print(
                    f"leakhound: {neutralize(f.path)}: {f.skipped:,} of {f.lines:,} line(s) "
                    "skipped (examples in the result)",
                    file=sys.stderr,
                )
        if not inv.files:  # not "nothing found": exit 2, apart from 0 done and 3 a crash
            raise UsageError(nothing_read(inv))
        # Files read, not one line of them (times in EST without --log-time-zone): the result,
        # its skipped lines the evidence of why, is written, not stored, and exits 2 as above
        unread = unread_lines(inv)
        if store is not None and scan_id is not None and not unread:
            from .render import to_json

            store.save_investigation(scan_id, to_json(inv))
            print(
                f"leakhound: stored with scan {scan_id} (assess, notify and report use it)",
                file=sys.stderr,
            )
    finally:
        if store is not None:
            store.close()
    if args.format_out == "json" and not args.redact:  # bytes straight out: no copies
        from .model import to_json_bytes

        data = to_json_bytes(inv) + b"\n"
    else:
        data = RENDERERS[args.format_out](inv, redact=args.redact).encode()
    if args.output:
        _write_private(args.output, data)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    if unread:
        raise UsageError(f"nothing to investigate: {inv.summary.sentence}")
    return 0


def _write_private(path: Path, data: bytes) -> None:
    """``data`` to a file only its owner may read (the result names source addresses)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
