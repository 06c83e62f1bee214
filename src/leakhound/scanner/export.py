"""``export-subjects``: the distinct identifiers a stored scan's exposure put at risk.

The findings database keeps no raw value (by design), so the list for the owner's notification
run is made by reading again what the scan found exposed: the indices of its open and partial
endpoints, and nothing else (the scope is exactly those endpoints, every request passes the
read-only allow-list, every point in time or scroll context opened is released, on error and on
interruption too). The detectors run over every document; each distinct ``normalized``
identifier of the asked types is kept once, with the indices it was found in, in a temporary
SQLite file (0600 in a 0700 folder, deleted at the end whatever happens) so memory stays bounded
however many people an index holds.

Output, one line per identifier: its type, its keyed hash (``redact.keyed_hash`` under the
findings database's key) and the indices it was found in. The raw value only with ``reveal``;
without it no raw value ever reaches the disk, not even the temporary file.
"""

from __future__ import annotations

import csv
import itertools
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

import orjson

from ..count.people import IDENTIFYING
from ..detect import masked_text, scan_batch
from ..errors import LeakhoundError, NetError, UsageError
from ..models import Container, ContainerResult, Target
from ..net import Credentials, Limits, Scope, Transport, secrets_of
from ..probes.base import Probe, ReadPlan
from ..probes.registry import DEFAULT, Registry
from ..redact import hide_secrets, keyed_hash, neutralize
from ..store.records import ResultRecord
from ..store.sqlite import SqliteStore
from .access import access
from .full import LocalExecutor, ReadContext, Sink, Stop, read_container
from .options import ScanOptions
from .owned import not_the_same
from .pacing import Pacer
from .workers import Workers

__all__ = [
    "DEFAULT_TYPES",
    "FORMATS",
    "ExportOptions",
    "ExportSummary",
    "Identifier",
    "IdentifierSpill",
    "export_subjects",
    "identifiers",
    "parse_types",
    "write_identifiers",
]

DEFAULT_TYPES = ("EMAIL_ADDRESS", "PHONE_NUMBER")
FORMATS = ("jsonl", "csv")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); an
# identifier or index name is target-controlled. E.164 numbers ("+4930…") are left alone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Row = tuple[str, str, str | None]  # (entity type, keyed hash, raw value or None)
ErrorCallback = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What to export and how to read it."""

    types: tuple[str, ...] = DEFAULT_TYPES  # identifying entity types kept
    reveal: bool = False  # the raw identifiers too (personal data: a private file only)
    fmt: str = "jsonl"  # "jsonl" or "csv"
    min_score: float = 0.5  # as a scan counts people
    partitions: int = 2  # read in parallel per container
    batch: int = 1000  # records per page
    workers: int = 0  # detection processes; 0: a thread of this process


@dataclass(frozen=True, slots=True)
class Identifier:
    """One distinct identifier: its type, keyed hash, raw value (reveal only), where found."""

    entity_type: str
    keyed_hash: str
    value: str | None
    indices: tuple[str, ...]  # "host:port/container"


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What an export read and found (counts only)."""

    scan_id: str
    endpoints: int  # endpoints read from
    indices: int  # indices read to their end
    docs: int  # documents read
    by_type: tuple[tuple[str, int], ...]  # distinct identifiers per type
    errors: tuple[str, ...]  # one line per endpoint or index that could not be read

    @property
    def identifiers(self) -> int:
        """Distinct identifiers exported."""
        return sum(n for _, n in self.by_type)

    def describe(self) -> str:
        """One line for stderr."""
        kinds = ", ".join(f"{t} {n:,}" for t, n in self.by_type) or "none"
        return (
            f"exported {self.identifiers:,} distinct identifier(s) ({kinds}) from "
            f"{self.docs:,} record(s) in {self.indices} container(s) of "
            f"{self.endpoints} endpoint(s) of scan {self.scan_id}"
            + (f"; {len(self.errors)} could not be read" if self.errors else "")
        )


def parse_types(text: str | None) -> tuple[str, ...]:
    """``--types EMAIL_ADDRESS,PHONE_NUMBER`` checked against the identifying types."""
    if not text:
        return DEFAULT_TYPES
    types = tuple(dict.fromkeys(t.strip().upper() for t in text.split(",") if t.strip()))
    unknown = [t for t in types if t not in IDENTIFYING]
    if unknown or not types:
        raise UsageError(
            f"not an identifying type: {', '.join(unknown) or text!r} "
            f"(identifying: {', '.join(IDENTIFYING)})"
        )
    return types


def identifiers(
    docs: Iterable[Any],
    key: bytes,
    types: Sequence[str],
    *,
    field_types: Mapping[str, str] | None = None,
    min_score: float = 0.5,
    reveal: bool = False,
) -> list[Row]:
    """The distinct identifiers of the given types in some documents, keyed-hashed.

    The raw value is kept beside its hash only when ``reveal``; otherwise it is dropped here,
    the moment the detector has produced it.
    """
    wanted = frozenset(types)
    seen: dict[tuple[str, str], str | None] = {}
    found = scan_batch(
        (d for d in docs if d is not None),
        types=wanted,
        min_score=min_score,
        field_types=field_types,
    )
    for hits in found:
        for hit in hits:
            if hit.entity_type not in wanted or not hit.normalized:
                continue
            digest = keyed_hash(key, hit.normalized)
            seen.setdefault((hit.entity_type, digest), hit.normalized if reveal else None)
    return [(t, h, v) for (t, h), v in seen.items()]


class IdentifierSpill:
    """Distinct identifiers on disk: a SQLite file created 0600 in a fresh 0700 folder.

    ``close`` (or leaving the ``with`` block, whatever the exit) deletes the folder.
    """

    def __init__(self, parent: str | Path | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="leakhound-export-", dir=parent))  # 0700
        try:
            self.path = self.folder / "subjects.db"
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
            self._db = sqlite3.connect(self.path, isolation_level=None)
            # A throw-away file: no journal to leave behind, no fsync to wait for.
            self._db.execute("PRAGMA journal_mode=OFF")
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute("CREATE TABLE places (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
            # The key's order is the output's: rows stream out without a sort (no temp file).
            self._db.execute("""CREATE TABLE seen (entity_type TEXT NOT NULL,
                                hash TEXT NOT NULL, value TEXT, place INTEGER NOT NULL,
                                PRIMARY KEY (entity_type, hash, place)) WITHOUT ROWID""")
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self._places: dict[str, int] = {}

    def __enter__(self) -> IdentifierSpill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close and delete the file and its folder."""
        with suppress(sqlite3.Error):
            self._db.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def add(self, place: str, rows: Iterable[Row]) -> None:
        """Record identifiers found in one place (``host:port/index``)."""
        pid = self._places.get(place)
        if pid is None:
            pid = self._db.execute("INSERT INTO places(name) VALUES (?)", (place,)).lastrowid
            assert pid is not None
            self._places[place] = pid
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT OR IGNORE INTO seen VALUES (?, ?, ?, ?)", ((t, h, v, pid) for t, h, v in rows)
        )
        self._db.execute("COMMIT")

    def counts(self) -> tuple[tuple[str, int], ...]:
        """Distinct identifiers per type."""
        return tuple(
            (t, n)
            for t, n in self._db.execute(
                "SELECT entity_type, COUNT(DISTINCT hash) FROM seen GROUP BY entity_type "
                "ORDER BY entity_type"
            )
        )

    def identifiers(self) -> Iterator[Identifier]:
        """Every distinct identifier once, by type then hash, streamed from disk."""
        names = {pid: name for name, pid in self._places.items()}
        cursor = self._db.execute(
            "SELECT entity_type, hash, value, place FROM seen ORDER BY entity_type, hash, place"
        )
        for (etype, digest), group in itertools.groupby(cursor, key=lambda r: (r[0], r[1])):
            rows = list(group)  # one row per index it was found in
            yield Identifier(
                etype,
                digest,
                next((r[2] for r in rows if r[2] is not None), None),
                tuple(names[r[3]] for r in rows),
            )


def _cell(text: str) -> str:
    if text.startswith(_FORMULA_START) and not (text[0] == "+" and text[1:].isdigit()):
        return "'" + text
    return text


def write_identifiers(
    found: Iterable[Identifier], fh: IO[str], fmt: str = "jsonl", *, reveal: bool = False
) -> int:
    """One line per identifier (JSON lines, or CSV with a header); returns the lines written."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    writer = csv.writer(fh, lineterminator="\n") if fmt == "csv" else None
    if writer:
        writer.writerow(["entity_type", *(["value"] if reveal else []), "keyed_hash", "indices"])
    n = 0
    for s in found:
        indices = [neutralize(i) for i in s.indices]
        if writer:
            writer.writerow(
                [
                    s.entity_type,
                    *([_cell(s.value or "")] if reveal else []),
                    s.keyed_hash,
                    _cell(";".join(indices)),
                ]
            )
        else:
            line: dict[str, Any] = {"entity_type": s.entity_type}
            if reveal:
                line["value"] = s.value
            line |= {"keyed_hash": s.keyed_hash, "indices": indices}
            fh.write(orjson.dumps(line).decode() + "\n")
        n += 1
    return n


# -- what the stored scan found exposed ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Exposed:
    kind: str
    result: ResultRecord
    containers: tuple[ContainerResult, ...]  # as the scan stored them


def _exposed(results: Iterable[ResultRecord]) -> list[_Exposed]:
    """The open/partial endpoints of a stored scan and the containers it looked into."""
    out = []
    for result in results:
        if not result.exposed or not result.containers:
            continue
        read = [c for c in result.containers if c.sample or c.full]
        # An inventory-only scan (--sample 0) read nothing: take what a scan would sample.
        chosen = read or [c for c in result.containers if not c.container.system]
        out.append(_Exposed(result.service.kind, result, tuple(chosen)))
    return out


# -- reading -----------------------------------------------------------------------------------


@dataclass
class _Export(Sink):
    """The export's sink: each page's identifiers into the spill, by container."""

    spill: IdentifierSpill
    key: bytes
    options: ExportOptions
    on_error: ErrorCallback
    probe: Probe | None = None  # of the endpoint being read
    place: str = ""  # its host:port
    endpoints: int = 0
    indices: int = 0
    docs: int = 0
    seen: set[str] = field(default_factory=set)

    def work(self, container: Container) -> Callable[[Sequence[Any]], Any]:
        """The identifiers of one page, keyed-hashed (raw values only with reveal)."""
        assert self.probe is not None
        opts = self.options
        return partial(
            identifiers,
            key=self.key,
            types=opts.types,
            field_types=self.probe.field_types(container),
            min_score=opts.min_score,
            reveal=opts.reveal,
        )

    def page(
        self,
        container: Container,
        plan: ReadPlan,
        partition: int,
        result: Any,
        docs: int,
        position: Any,
    ) -> None:
        """Keep a page's identifiers, once each per container."""
        self.spill.add(f"{self.place}/{container.name}", result)
        self.docs += docs


async def _read_endpoint(
    run: _Export,
    registry: Registry,
    transport: Transport,
    authed: Transport | None,
    workers: Workers,
    target: _Exposed,
) -> None:
    ep = target.result.service.endpoint
    place = ep.key
    try:
        acc = await access(registry, transport, authed, Target(ep, (target.kind,)))
    except Exception as exc:  # a bug must cost one endpoint, not the export
        run.on_error(masked_text(f"{place}: internal error: {type(exc).__name__}: {exc}")[:300])
        return
    if not acc.readable:
        read_as = acc.read_as
        why = f": {read_as.reason}" if read_as.reason else ""
        run.on_error(f"{place}: no longer open ({read_as.verdict.value}{why})"[:300])
        return
    run.endpoints += 1
    run.probe, run.place = acc.probe, place
    reader = acc.probe.reader(acc.transport, acc.read_as)
    ctx = ReadContext(
        acc.probe, acc.read_as, reader, run, workers, Pacer(None), batch=run.options.batch
    )
    for stored in target.containers:
        container = stored.container
        # A partition started over re-reads records: identifiers are deduplicated, so a
        # record read twice costs nothing.
        try:
            # A masked name is found again in today's listing: read only where it names the
            # container the scan did (``owned``), never another's.
            other = await not_the_same(reader, run.key, stored)
            error = (
                Stop(other)
                if other is not None
                else await read_container(
                    ctx, container, LocalExecutor(), partitions=run.options.partitions
                )
            )
        except NetError as exc:
            error = Stop.of(exc, "cannot read: ")
        if error:
            run.on_error(f"{place}/{container.name}: {error}"[:300])
        else:
            run.indices += 1


async def _collect(
    run: _Export,
    registry: Registry,
    targets: Sequence[_Exposed],
    limits: Limits,
    credentials: Credentials | None,
) -> None:
    scope = Scope()
    for t in targets:
        scope.add(t.result.service.endpoint.host, t.result.service.endpoint.port)
    # As in a scan: the verdict without credentials; given ones only read what they open.
    # Its --ca-file (given with them) is what a target URL's verify-* trusts, as in a scan.
    authed = Transport(limits, scope, credentials) if credentials else None
    transport = Transport(limits, scope, ca_file=authed.ca_file if authed else None)
    workers = Workers(run.options.workers)
    try:
        for target in targets:
            await _read_endpoint(run, registry, transport, authed, workers, target)
    finally:
        await transport.aclose()
        if authed is not None:
            await authed.aclose()
        workers.close()


async def export_subjects(
    store: SqliteStore,
    scan_id: str,
    output: Callable[[], AbstractContextManager[IO[str]]],
    options: ExportOptions | None = None,
    *,
    credentials: Credentials | None = None,
    probes: Iterable[Probe] = (),
    on_error: ErrorCallback | None = None,
    spill_dir: str | Path | None = None,
) -> ExportSummary:
    """Re-read what stored scan ``scan_id`` found exposed and write its distinct identifiers.

    ``output`` opens the destination, and is called only once something was read (no empty
    file is left when nothing could be). ``on_error`` gets one line per endpoint no longer open
    and per container that cannot be read; the rest goes on. LeakhoundError (exit 3) when
    nothing could be read at all. Cancelled (Ctrl-C, SIGTERM): contexts released, temporary
    file deleted, the cancellation goes on.
    """
    options = options or ExportOptions()
    if options.fmt not in FORMATS:
        raise UsageError(f"unknown format {options.fmt!r} (known: {', '.join(FORMATS)})")
    record = store.load(scan_id)
    targets = _exposed(record.results)
    if not targets:
        raise LeakhoundError(
            f"scan {record.scan_id} recorded no open or partial endpoint "
            "with containers: nothing to export"
        )
    errors: list[str] = []
    secrets = secrets_of(credentials)

    def error(line: str) -> None:
        line = hide_secrets(line, secrets)  # a server's words may quote the credentials
        errors.append(line)
        if on_error:
            on_error(line)

    limits = ScanOptions().stored(record.options).limits
    with IdentifierSpill(spill_dir) as spill:
        run = _Export(spill, store.hash_key, options, error)
        await _collect(run, DEFAULT.with_probes(probes), targets, limits, credentials)
        if run.indices == 0 and run.docs == 0:
            raise LeakhoundError(
                f"nothing could be read from the {len(targets)} exposed "
                f"endpoint(s) of scan {record.scan_id}: nothing exported"
            )
        with output() as fh:
            write_identifiers(spill.identifiers(), fh, options.fmt, reveal=options.reveal)
        by_type = spill.counts()
    return ExportSummary(
        record.scan_id, run.endpoints, run.indices, run.docs, by_type, tuple(errors)
    )
