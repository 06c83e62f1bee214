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

import asyncio
import csv
import itertools
import os
import shutil
import signal
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import orjson

from .engine import access
from .errors import LeakhoundError, NetError, UsageError
from .models import Endpoint, Verdict
from .net import Credentials, Http, Limits, Scope
from .probes.elasticsearch_read import (
    SCROLL,
    ContextGone,
    ReadPlan,
    SliceReader,
    next_page,
    open_plan,
    read_method,
    release_all,
)
from .probes.registry import PROBES
from .redact import keyed_hash, neutralize
from .store.sqlite import SqliteStore
from .tally import IDENTIFYING

__all__ = ["DEFAULT_TYPES", "FORMATS", "ExportOptions", "ExportSummary", "Subject",
           "SubjectSpill", "export_subjects", "identifiers", "parse_types", "write_subjects"]

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
    slices: int = 2  # slices read in parallel per index
    batch: int = 1000  # documents per page
    keep_alive: str = "5m"  # of each point in time / scroll context between pages


@dataclass(frozen=True, slots=True)
class Subject:
    """One distinct identifier: its type, keyed hash, raw value (reveal only), where found."""

    entity_type: str
    keyed_hash: str
    value: str | None
    indices: tuple[str, ...]  # "host:port/index"


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
        return (f"exported {self.identifiers:,} distinct identifier(s) ({kinds}) from "
                f"{self.docs:,} document(s) in {self.indices} index(es) of "
                f"{self.endpoints} endpoint(s) of scan {self.scan_id}"
                + (f"; {len(self.errors)} could not be read" if self.errors else ""))


def parse_types(text: str | None) -> tuple[str, ...]:
    """``--types EMAIL_ADDRESS,PHONE_NUMBER`` checked against the identifying types."""
    if not text:
        return DEFAULT_TYPES
    types = tuple(dict.fromkeys(t.strip().upper() for t in text.split(",") if t.strip()))
    unknown = [t for t in types if t not in IDENTIFYING]
    if unknown or not types:
        raise UsageError(f"not an identifying type: {', '.join(unknown) or text!r} "
                         f"(identifying: {', '.join(IDENTIFYING)})")
    return types


def identifiers(docs: Iterable[Any], key: bytes, types: Sequence[str], *,
                field_types: Mapping[str, str] | None = None, min_score: float = 0.5,
                reveal: bool = False) -> list[Row]:
    """The distinct identifiers of the given types in some documents, keyed-hashed.

    The raw value is kept beside its hash only when ``reveal``; otherwise it is dropped here,
    the moment the detector has produced it.
    """
    from .detect import scan_batch

    wanted = frozenset(types)
    seen: dict[tuple[str, str], str | None] = {}
    found = scan_batch((d for d in docs if d is not None), types=wanted, min_score=min_score,
                       field_types=field_types)
    for hits in found:
        for hit in hits:
            if hit.entity_type not in wanted or not hit.normalized:
                continue
            digest = keyed_hash(key, hit.normalized)
            seen.setdefault((hit.entity_type, digest), hit.normalized if reveal else None)
    return [(t, h, v) for (t, h), v in seen.items()]


class SubjectSpill:
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

    def __enter__(self) -> SubjectSpill:
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
        self._db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?, ?, ?)",
                             ((t, h, v, pid) for t, h, v in rows))
        self._db.execute("COMMIT")

    def counts(self) -> tuple[tuple[str, int], ...]:
        """Distinct identifiers per type."""
        return tuple((t, n) for t, n in self._db.execute(
            "SELECT entity_type, COUNT(DISTINCT hash) FROM seen GROUP BY entity_type "
            "ORDER BY entity_type"))

    def subjects(self) -> Iterator[Subject]:
        """Every distinct identifier once, by type then hash, streamed from disk."""
        names = {pid: name for name, pid in self._places.items()}
        cursor = self._db.execute(
            "SELECT entity_type, hash, value, place FROM seen ORDER BY entity_type, hash, place")
        for (etype, digest), group in itertools.groupby(cursor, key=lambda r: (r[0], r[1])):
            rows = list(group)  # one row per index it was found in
            yield Subject(etype, digest, next((r[2] for r in rows if r[2] is not None), None),
                          tuple(names[r[3]] for r in rows))


def _cell(text: str) -> str:
    if text.startswith(_FORMULA_START) and not (text[0] == "+" and text[1:].isdigit()):
        return "'" + text
    return text


def write_subjects(subjects: Iterable[Subject], fh: IO[str], fmt: str = "jsonl", *,
                   reveal: bool = False) -> int:
    """One line per identifier (JSON lines, or CSV with a header); returns the lines written."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    writer = csv.writer(fh, lineterminator="\n") if fmt == "csv" else None
    if writer:
        writer.writerow(["entity_type", *(["value"] if reveal else []), "keyed_hash", "indices"])
    n = 0
    for s in subjects:
        indices = [neutralize(i) for i in s.indices]
        if writer:
            writer.writerow([s.entity_type, *([_cell(s.value or "")] if reveal else []),
                             s.keyed_hash, _cell(";".join(indices))])
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
    endpoint: Endpoint
    indices: tuple[tuple[str, dict[str, str]], ...]  # (name, field path -> mapping type)


def _exposed(doc: Mapping[str, Any]) -> list[_Exposed]:
    """The open/partial endpoints of a stored scan and the indices it looked into."""
    out = []
    for result in doc.get("results") or ():
        service = result.get("service") or {}
        if service.get("verdict") not in (Verdict.OPEN.value, Verdict.PARTIAL.value):
            continue
        entries = result.get("indices") or []
        if not entries:
            continue
        read = [e for e in entries if e.get("sample") or e.get("full")]
        # An inventory-only scan (--sample 0) read nothing: take what a scan would sample.
        chosen = read or [e for e in entries if not e["index"].get("system")]
        ep = service["endpoint"]
        scheme = urlsplit(service.get("url") or "").scheme or ep.get("scheme")
        endpoint = Endpoint(ep["host"], int(ep["port"]), scheme, ep.get("base_path") or "")
        out.append(_Exposed(endpoint, tuple(
            (e["index"]["name"], {f["path"]: f["type"] for f in e["index"].get("fields") or ()})
            for e in chosen)))
    return out


def _limits(options: Mapping[str, Any]) -> Limits:
    """The stored scan's request limits (what it did not store: the defaults)."""
    base = Limits()
    stored = options.get("limits") or options

    def num(key: str, default: float) -> float:
        value = stored.get(key)
        return float(value) if isinstance(value, int | float) and value > 0 else default

    rate = stored.get("rate")
    return Limits(connect_timeout=num("connect_timeout", base.connect_timeout),
                  read_timeout=num("read_timeout", base.read_timeout),
                  total_timeout=num("total_timeout", base.total_timeout),
                  concurrency=int(num("concurrency", base.concurrency)),
                  rate=float(rate) if isinstance(rate, int | float) and rate > 0 else None)


# -- reading -----------------------------------------------------------------------------------


@dataclass
class _Export:
    """What every task of one export shares."""

    spill: SubjectSpill
    key: bytes
    options: ExportOptions
    on_error: ErrorCallback
    endpoints: int = 0
    indices: int = 0
    docs: int = 0


async def _read_slice(run: _Export, reader: SliceReader, place: str,
                      field_types: Mapping[str, str]) -> None:
    opts = run.options
    try:
        while True:
            page = await next_page(reader)
            if page is None:
                return
            # Detection is CPU work: off the event loop.
            rows = await asyncio.to_thread(identifiers, page.docs, run.key, opts.types,
                                           field_types=field_types, min_score=opts.min_score,
                                           reveal=opts.reveal)
            run.spill.add(place, rows)
            run.docs += len(page.docs)
    finally:
        await reader.close()


async def _read_index(run: _Export, http: Http, base: str, place: str, name: str,
                      field_types: Mapping[str, str], method: str) -> None:
    """Every document of one index; a point in time that expires is reopened once and the index
    read again (identifiers are deduplicated, so a document read twice costs nothing)."""
    opts = run.options
    for attempt in range(2):
        plan: ReadPlan = await open_plan(http, base, name, method, opts.slices, opts.keep_alive)
        readers = [SliceReader(http, base, plan, n, size=opts.batch, keep_alive=opts.keep_alive)
                   for n in range(plan.slices)]
        try:
            results = await asyncio.gather(
                *(_read_slice(run, r, place, field_types) for r in readers),
                return_exceptions=True)
        finally:
            contexts = {plan.context} | {r.context for r in readers if plan.method != SCROLL}
            await release_all(http, base, plan, contexts)
        for res in results:
            if isinstance(res, BaseException) and not isinstance(res, Exception):
                raise res  # cancellation, KeyboardInterrupt
        failed = [r for r in results if isinstance(r, Exception)]
        if failed and all(isinstance(r, ContextGone) for r in failed) and attempt == 0 \
                and plan.method != SCROLL:
            continue
        if failed:
            raise failed[0]
        return


async def _read_endpoint(run: _Export, http: Http, authed: Http | None,
                         target: _Exposed) -> None:
    netloc = target.endpoint.netloc
    try:
        _service, read_as, reader = await access(PROBES[0], http, authed, target.endpoint)
    except Exception as exc:  # a bug must cost one endpoint, not the export
        run.on_error(f"{netloc}: internal error: {type(exc).__name__}: {exc}"[:300])
        return
    if read_as.verdict not in (Verdict.OPEN, Verdict.PARTIAL):
        why = f": {read_as.reason}" if read_as.reason else ""
        run.on_error(f"{netloc}: no longer open ({read_as.verdict.value}{why})"[:300])
        return
    run.endpoints += 1
    method = read_method(read_as.fingerprint)
    for name, field_types in target.indices:
        try:
            await _read_index(run, reader, read_as.url, f"{netloc}/{name}", name, field_types,
                              method)
            run.indices += 1
        except NetError as exc:
            run.on_error(f"{netloc}/{name}: cannot read: {exc}"[:300])


async def _collect(run: _Export, targets: Sequence[_Exposed], limits: Limits,
                   auth: Credentials | None) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    with suppress(NotImplementedError, RuntimeError):  # not on Windows, not off the main thread
        loop.add_signal_handler(signal.SIGTERM, task.cancel)  # type: ignore[union-attr]
    scope = Scope()
    for t in targets:
        scope.add(t.endpoint.host, t.endpoint.port)
    # As in a scan: the verdict without credentials; given ones only read what they open.
    authed = Http(limits, scope, auth=auth) if auth else None
    try:
        async with Http(limits, scope) as http:
            for target in targets:
                await _read_endpoint(run, http, authed, target)
    finally:
        if authed is not None:
            await authed.aclose()
        with suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)


def export_subjects(store: SqliteStore, scan_id: str,
                    output: Callable[[], AbstractContextManager[IO[str]]],
                    options: ExportOptions = ExportOptions(), *,
                    auth: Credentials | None = None, on_error: ErrorCallback | None = None,
                    spill_dir: str | Path | None = None) -> ExportSummary:
    """Re-read what stored scan ``scan_id`` found exposed and write its distinct identifiers.

    ``output`` opens the destination, and is called only once something was read (no empty
    file is left when nothing could be). ``on_error`` gets one line per endpoint no longer open
    and per index that cannot be read; the rest goes on. LeakhoundError (exit 3) when nothing
    could be read at all. Ctrl-C or SIGTERM: contexts released, temporary file deleted,
    KeyboardInterrupt raised.
    """
    if options.fmt not in FORMATS:
        raise UsageError(f"unknown format {options.fmt!r} (known: {', '.join(FORMATS)})")
    doc = store.load(scan_id)
    targets = _exposed(doc)
    if not targets:
        raise LeakhoundError(f"scan {doc['scan_id']} recorded no open or partial endpoint "
                             "with indices: nothing to export")
    errors: list[str] = []

    def error(line: str) -> None:
        errors.append(line)
        if on_error:
            on_error(line)

    with SubjectSpill(spill_dir) as spill:
        run = _Export(spill, store.hash_key, options, error)
        try:
            asyncio.run(_collect(run, targets, _limits(doc.get("options") or {}), auth))
        except asyncio.CancelledError as exc:  # SIGTERM
            raise KeyboardInterrupt from exc
        if run.indices == 0 and run.docs == 0:
            raise LeakhoundError(f"nothing could be read from the {len(targets)} exposed "
                                 f"endpoint(s) of scan {doc['scan_id']}: nothing exported")
        with output() as fh:
            write_subjects(spill.subjects(), fh, options.fmt, reveal=options.reveal)
        by_type = spill.counts()
    return ExportSummary(doc["scan_id"], run.endpoints, run.indices, run.docs, by_type,
                         tuple(errors))

