"""The whole command-line grammar: every command, every option, its help."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import UsageError
from ..investigate import command as investigate_command
from ..lint import command as lint_command


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


_BYTES = re.compile(r"(\d{1,15})\s*(?:([kmg])(?:i?b)?|b)?", re.I)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def _byte_count(text: str) -> int:
    """A number of bytes, with an optional unit (512K, 1M, 2MiB: powers of 1024)."""
    m = _BYTES.fullmatch(text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"not a number of bytes: {text!r} (e.g. 512K, 1M)")
    value = int(m.group(1)) * _UNITS[(m.group(2) or "").lower()]
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be above zero: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line grammar."""
    parser = _Parser(
        prog="leakhound",
        description=(
            "Find data stores open to the world and measure the personal data they expose. "
            "Scan only what you are authorised to scan."
        ),
    )
    parser.add_argument("--version", action="version", version=f"leakhound {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    scan = sub.add_parser(
        "scan",
        help="scan targets for open stores",
        description="Scan targets: host, host:port, CIDR, [IPv6]:port, a URL whose scheme "
        "names the kind (http://, https://, mongodb://, redis:// or rediss:// over TLS, "
        "postgresql:// or postgres://, mysql:// or mariadb://, s3://, azblob://; TLS as the "
        "URL asks: ?tls=, ?sslmode=, ?ssl-mode=; no password in a URL: "
        "--auth, --auth-env or --netrc give credentials), or @FILE (one "
        "target a line, an nmap -oX / masscan -oJ export, or a search engine's export).",
    )
    scan.add_argument("targets", nargs="*", metavar="TARGET")
    scan.add_argument(
        "--kinds",
        metavar="K1,K2",
        help="store kinds to try (default: all, chosen by port or URL scheme), e.g. elasticsearch",
    )
    scan.add_argument(
        "--sample",
        type=_positive_int,
        default=100,
        metavar="N",
        help="records read per container (index, table, collection…) for PII detection "
        "(default 100; 0: none)",
    )
    scan.add_argument(
        "--include-system",
        action="store_true",
        help="also read the stores' own containers (dot indices, CouchDB's _users and "
        "_replicator…), skipped by default",
    )
    scan.add_argument(
        "--people-read",
        type=_positive_int,
        metavar="N",
        help="count people exactly by reading the identifying fields of every "
        "record in stores of at most N records (default 200,000; 0: never: "
        "the store's own count and the sample)",
    )
    _db_option(scan)
    _format_options(scan, ("terminal", "json", "jsonl", "markdown", "html", "sarif"))
    scan.add_argument(
        "--fail-on",
        choices=("open", "exposed"),
        help="exit 1 when an open (or open/partial: exposed) store is found",
    )
    scan.add_argument(
        "--concurrency",
        type=_positive_int,
        default=128,
        metavar="N",
        help="open connections at most (default 128)",
    )
    scan.add_argument(
        "--rate",
        type=_positive_float,
        metavar="R",
        help="requests per second per host at most (default: no cap)",
    )
    scan.add_argument("--connect-timeout", type=_positive_float, default=3.0, metavar="S")
    scan.add_argument("--read-timeout", type=_positive_float, default=10.0, metavar="S")
    scan.add_argument(
        "--timeout",
        type=_positive_float,
        default=30.0,
        metavar="S",
        help="total seconds for one request, body included (default 30)",
    )
    scan.add_argument(
        "--max-indices",
        type=_positive_int,
        default=1000,
        metavar="N",
        help="containers (indices, tables, collections…) inventoried in detail per endpoint "
        "(default 1000)",
    )
    scan.add_argument(
        "--max-objects",
        type=_positive_int,
        default=100_000,
        metavar="N",
        help="objects listed per bucket or container of an object store (default 100000)",
    )
    scan.add_argument(
        "--max-bytes",
        type=_byte_count,
        default=1024 * 1024,
        metavar="BYTES",
        help="bytes a sample reads of one object, a ranged GET (default 1M; 512K, 4M…)",
    )
    scan.add_argument(
        "--max-hosts",
        type=_positive_int,
        default=4096,
        metavar="N",
        help="addresses a CIDR may expand to without --yes (default 4096)",
    )
    scan.add_argument(
        "--yes",
        action="store_true",
        help="confirm a large range, or a public one you are authorised for",
    )
    _credential_options(
        scan,
        "credentials to read secured/partial stores you own (visible to "
        "other local users in the process list: prefer --auth-env)",
    )
    scan.add_argument(
        "--scope",
        metavar="FILE",
        help="authorised ranges (one CIDR a line): any target outside is refused",
    )
    scan.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        metavar="N",
        help="detection processes (default 1; 0: in-process)",
    )
    scan.add_argument(
        "--show-closed",
        action="store_true",
        help="list closed and silent endpoints in the terminal table",
    )
    scan.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    full = scan.add_argument_group("full depth (--depth full): read every document")
    full.add_argument(
        "--depth",
        choices=("sample", "full"),
        default="sample",
        help="sample: --sample records per container (default); full: all of them",
    )
    full.add_argument(
        "--index",
        action="append",
        default=[],
        metavar="PATTERN",
        help="containers (indices, tables, collections…) to read in full, fnmatch pattern "
        "(repeatable; default: all but the stores' own)",
    )
    full.add_argument(
        "--slices",
        type=_positive_int,
        default=2,
        metavar="N",
        help="slices read in parallel per container (default 2)",
    )
    full.add_argument(
        "--docs-rate",
        type=_positive_float,
        metavar="DOCS_PER_S",
        help="records per second at most over the whole scan (default: no cap)",
    )
    full.add_argument(
        "--batch",
        type=_positive_int,
        default=1000,
        metavar="N",
        help="records per request and per checkpoint (default 1000)",
    )
    full.add_argument(
        "--resume",
        metavar="SCAN_ID",
        help="continue a stored scan (a full one from its checkpoints) with its targets, scope, "
        "depth and reading options (--sample, --people-read, --max-indices, --max-objects, "
        "--max-bytes, --index, --slices, --batch, --docs-rate, --dask, --concurrency, --rate, "
        "timeouts, --kinds): given again, they are ignored; --workers, "
        "credentials, --max-hosts, --yes and the output come from this command line",
    )
    full.add_argument(
        "--dask",
        metavar="tcp://HOST:8786",
        help="run slices as tasks on this Dask scheduler (leakhound[dask])",
    )

    report = sub.add_parser("report", help="render a stored scan")
    report.add_argument("scan_id", metavar="SCAN_ID", help="a scan id, or 'last'")
    report.add_argument(
        "--redact",
        action="store_true",
        help="mask IP addresses of the stored access-log investigation (html)",
    )
    _db_option(report)
    _format_options(report, ("terminal", "json", "jsonl", "markdown", "html", "sarif"))

    assess = sub.add_parser(
        "assess",
        help="assess a stored scan as a personal data breach",
        description="ENISA severity and the GDPR Art. 33/34 decision aid, "
        "each input shown with why; advice, not legal advice.",
    )
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

    detect = sub.add_parser(
        "detect",
        help="find personal data in JSON lines",
        description="Read JSON documents, one a line (stdin without FILE or with -); "
        "write one JSON line per finding, values masked.",
    )
    # A string, not a Path: Path("./-") is Path("-"), and only a bare "-" is stdin.
    detect.add_argument("file", nargs="?", metavar="FILE")
    detect.add_argument(
        "--types",
        metavar="T1,T2",
        help="entity types (default: all), e.g. EMAIL_ADDRESS,IP_ADDRESS",
    )
    detect.add_argument(
        "--min-score",
        type=float,
        default=0.0,
        metavar="S",
        help="report findings scoring at least S (0..1, default 0)",
    )
    detect.add_argument(
        "--workers", type=_positive_int, default=1, metavar="N", help="processes (default 1)"
    )
    detect.add_argument(
        "--ner",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="names and places from the optional NER model (leakhound[ner])",
    )

    scans = sub.add_parser("scans", help="list stored scans")
    _db_option(scans)

    subjects = sub.add_parser(
        "export-subjects",
        help="list the identifiers a stored scan found exposed (hashed)",
        description="Read again the containers a stored scan found open or partial (the findings "
        "database keeps no raw value) and list each distinct identifier once: its "
        "type, its keyed hash (HMAC-SHA256 under this database's key) and the "
        "containers it was found in, never the raw value. The data's owner matches "
        "the hashes by running the same command with --reveal on their side "
        "(leakhound may add a matcher later).",
    )
    subjects.add_argument("scan_id", metavar="SCAN_ID", help="a scan id, or 'last'")
    subjects.add_argument(
        "--types",
        metavar="T1,T2",
        help="identifying types (default EMAIL_ADDRESS,PHONE_NUMBER; also "
        "IBAN_CODE, CREDIT_CARD, US_SSN, national ids…)",
    )
    subjects.add_argument(
        "--reveal",
        action="store_true",
        help="the raw identifiers too: personal data, only with --output (file created 0600)",
    )
    _db_option(subjects)
    _format_options(subjects, ("jsonl", "csv"))
    _credential_options(subjects, "credentials to read partial stores you own (prefer --auth-env)")

    purge = sub.add_parser("purge", help="delete a stored scan for good (and VACUUM)")
    purge.add_argument("scan_id", metavar="SCAN_ID")
    _db_option(purge)

    _watch_parser(sub)

    investigate_command.add_parser(sub)
    lab = sub.add_parser(
        "lab",
        help="the local demo lab: OpenSearch behind nginx, Redis, "
        "PostgreSQL, MariaDB and FerretDB, open and secured; MinIO, "
        "Azurite and CouchDB",
    )
    lab.add_argument(
        "action",
        choices=("up", "seed", "down", "status", "targets", "build", "open", "close"),
        help="targets: print the running lab's target URLs, one a line; build: "
        "build the OpenSearch launcher, FerretDB and the object stores now "
        "(up does it when needed, cached); open/close NAME: take a target's "
        "credentials away, or give them back (NAME: secured)",
    )
    lab.add_argument("name", nargs="?", metavar="NAME", help="the target of open/close")
    lab.add_argument(
        "--records",
        type=_positive_int,
        default=10_000,
        metavar="N",
        help="records to seed (default 10000)",
    )
    lab.add_argument(
        "--kind",
        action="append",
        metavar="KIND",
        choices=(
            "elasticsearch",
            "redis",
            "postgresql",
            "mysql",
            "mongodb",
            "s3",
            "azblob",
            "couchdb",
        ),
        help="targets: only this store kind (repeatable)",
    )
    lab.add_argument("--dir", type=Path, metavar="PATH", help="lab state folder")
    lint_command.add_parser(sub)
    return parser


def _watch_parser(sub: Any) -> None:
    watch = sub.add_parser(
        "watch",
        help="scan again on a schedule and alert on changes",
        description="Scan the targets every interval, store each round as a scan, and alert "
        "through every --alert route when a store opens, closes again, gains a "
        "container or a kind of personal data, jumps in size, shows ransom signs "
        "or its certificate nears expiry. SIGTERM stops after the round under "
        "way (or checkpoints it), SIGHUP reloads --config.",
    )
    watch.add_argument("targets", nargs="*", metavar="TARGET")
    watch.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="YAML settings and alert routes (secrets in it: file 0600); reloaded on SIGHUP",
    )
    watch.add_argument("--every", metavar="DURATION", help="interval between rounds (default 5m)")
    watch.add_argument(
        "--sample",
        type=_positive_int,
        metavar="N",
        help="records read per container for PII detection (default 100)",
    )
    watch.add_argument(
        "--alert",
        action="append",
        default=[],
        metavar="URL",
        help="an alert route (repeatable): https://… (signed webhook, secret "
        "in $LEAKHOUND_WEBHOOK_SECRET), slack, teams (URL in "
        "$LEAKHOUND_SLACK_URL / $LEAKHOUND_TEAMS_URL), smtp://user@host:587"
        "?to=… (password in $LEAKHOUND_SMTP_PASSWORD), smtps://…, "
        "syslog://host:514, syslog+tcp://host:601, exec:COMMAND",
    )
    watch.add_argument(
        "--once",
        action="store_true",
        help="one round, its deliveries, then exit (cron, systemd timers)",
    )
    _db_option(watch)
    watch.add_argument(
        "--metrics", metavar="HOST:PORT", help="serve Prometheus metrics here, e.g. 127.0.0.1:9464"
    )
    watch.add_argument(
        "--scope",
        metavar="FILE",
        help="authorised ranges (one CIDR a line): any target outside is refused",
    )
    watch.add_argument(
        "--quiet-hours",
        metavar="HH:MM-HH:MM",
        help="local hours in which only critical alerts go out; the others wait for the end",
    )
    watch.add_argument(
        "--name",
        metavar="NAME",
        help="this watch's name in the database (default 'default'; one per "
        "estate sharing a database)",
    )
    watch.add_argument(
        "--remind",
        metavar="DURATION",
        help="first reminder while a store stays open, then doubling up to a day (default 1h)",
    )
    watch.add_argument(
        "--count-jump",
        metavar="PCT",
        help="alert when a container's records change by more than this "
        "(default 50%%, and at least 100 records)",
    )
    watch.add_argument(
        "--cert-days",
        type=_positive_int,
        metavar="N",
        help="alert when a TLS certificate expires within N days (default 14)",
    )
    watch.add_argument(
        "--jitter",
        metavar="DURATION",
        help="the first round waits a random part of this (default a tenth "
        "of the interval, at most 1m)",
    )
    watch.add_argument(
        "--grace",
        metavar="DURATION",
        help="on SIGTERM, time the round under way has to finish (default 30s)",
    )
    watch.add_argument("--kinds", metavar="K1,K2", help="store kinds to try (default: all)")
    watch.add_argument(
        "--concurrency",
        type=_positive_int,
        metavar="N",
        help="open connections at most (default 128)",
    )
    watch.add_argument(
        "--rate",
        type=_positive_float,
        metavar="R",
        help="requests per second per host at most (default: no cap)",
    )
    watch.add_argument("--connect-timeout", type=_positive_float, metavar="S")
    watch.add_argument("--read-timeout", type=_positive_float, metavar="S")
    watch.add_argument("--timeout", type=_positive_float, metavar="S")
    watch.add_argument(
        "--max-hosts",
        type=_positive_int,
        metavar="N",
        help="addresses a CIDR may expand to without --yes (default 4096)",
    )
    watch.add_argument(
        "--yes",
        action="store_true",
        default=None,
        help="confirm a large range, or a public one you are authorised for",
    )
    watch.add_argument(
        "--workers",
        type=_positive_int,
        default=0,
        metavar="N",
        help="detection processes (default 0: a thread; a round samples little)",
    )
    _credential_options(
        watch, "credentials to read secured/partial stores you own (prefer --auth-env)"
    )


def _db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="findings database (default: under the user's data directory)",
    )


def _when(text: str) -> Any:
    from ..assess import ContextError, parse_when

    try:
        return parse_when(text)
    except ContextError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or date-time: {text!r}") from None


def _context_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--context",
        type=Path,
        metavar="FILE",
        help="YAML file with what the data's owner knows (overrides the scanner's view)",
    )
    p.add_argument(
        "--aware-since",
        type=_when,
        metavar="DATETIME",
        help="when the owner became aware (ISO 8601, UTC without offset; default: "
        "the end of the scan)",
    )


def _format_options(p: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    p.add_argument("--format", choices=formats, default=formats[0])
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="write the report here (created 0600) instead of stdout",
    )


def _credential_options(parser: argparse.ArgumentParser, auth_help: str) -> None:
    creds = parser.add_mutually_exclusive_group()
    creds.add_argument("--auth", metavar="USER:PASS", help=auth_help)
    creds.add_argument(
        "--auth-env", metavar="VAR", help="read USER:PASS from this environment variable"
    )
    creds.add_argument(
        "--netrc",
        nargs="?",
        const="~/.netrc",
        metavar="FILE",
        help="per-host credentials from a netrc file (default ~/.netrc)",
    )
    parser.add_argument(
        "--ca-file",
        metavar="FILE",
        help="CA certificates (PEM) to trust when sending credentials over https or TLS "
        "(default: the system's); for scan, without credentials too: what a target URL's "
        "verify-* TLS (sslmode=verify-full, ssl-mode=VERIFY_IDENTITY) trusts",
    )
    parser.add_argument(
        "--insecure-auth",
        action="store_true",
        help="send credentials without verifying the server's certificate, "
        "or over plain http to a host other than loopback",
    )
