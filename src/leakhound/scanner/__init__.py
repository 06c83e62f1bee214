"""Scanning: the async entry points (``scan``, ``resume``) over one set-up path
(``session.py``) and one scheduler (``engine.py``).

A long-running process with its own event loop (a watch daemon, a web application) awaits
these directly; the command line runs them with ``asyncio.run``. Every result is recorded as it
arrives; a cancelled scan (Ctrl-C, SIGTERM) is marked ``interrupted`` with what it found kept,
a full-depth one with its checkpoints for ``resume``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence

from ..errors import StoreError, UsageError
from ..models import Service, TargetResult, Verdict
from ..net import Credentials, secrets_of
from ..probes.base import Probe
from ..probes.registry import DEFAULT, Registry
from ..redact import hide_secrets
from ..store.sqlite import SqliteStore
from ..targets import DEFAULT_MAX_HOSTS
from .engine import ProgressCallback, scan_targets
from .full import DocsCallback
from .options import FullOptions, ScanOptions
from .session import Session, begin, reopen

__all__ = ["FullOptions", "ScanOptions", "record_result", "resume", "scan"]

StartCallback = Callable[[str, int], None]  # (scan id, targets to scan)


def record_result(store: SqliteStore, scan_id: str, result: TargetResult) -> None:
    """Save one result; a result the database refuses is saved as a one-line error instead."""
    try:
        store.record(scan_id, result)
    except (StoreError, ValueError, OverflowError, TypeError) as exc:
        svc = result.service
        reason = f"result could not be stored: {type(exc).__name__}: {exc}"[:300]
        store.record(
            scan_id, TargetResult(Service(svc.endpoint, svc.url, svc.kind, Verdict.ERROR, reason))
        )


def _registry(probes: Iterable[Probe]) -> Registry:
    return DEFAULT.with_probes(probes)


async def scan(
    specs: Sequence[str],
    options: ScanOptions | None = None,
    *,
    store: SqliteStore,
    probes: Iterable[Probe] = (),
    credentials: Credentials | None = None,
    scope_file: str | None = None,
    max_hosts: int = DEFAULT_MAX_HOSTS,
    yes: bool = False,
    on_start: StartCallback | None = None,
    on_progress: ProgressCallback | None = None,
    on_docs: DocsCallback | None = None,
) -> str:
    """Scan targets (hosts, ranges, URLs, files), record every result; the scan id.

    ``options.full`` reads every record of the selected containers instead of a sample.
    ``probes`` adds store kinds to the built-in ones (or replaces one of the same kind).
    """
    options = options or ScanOptions()
    _on_dask(options, credentials)
    registry = _registry(probes)
    session = begin(
        store, specs, options, registry, scope_file=scope_file, max_hosts=max_hosts, yes=yes
    )
    return await _run(store, session, registry, credentials, on_start, on_progress, on_docs)


async def resume(
    scan_id: str,
    options: ScanOptions | None = None,
    *,
    store: SqliteStore,
    probes: Iterable[Probe] = (),
    credentials: Credentials | None = None,
    scope_file: str | None = None,
    max_hosts: int = DEFAULT_MAX_HOSTS,
    yes: bool = False,
    on_start: StartCallback | None = None,
    on_progress: ProgressCallback | None = None,
    on_docs: DocsCallback | None = None,
) -> str:
    """Continue stored scan ``scan_id``: the targets it has no result for yet, under the
    options and the scope it started with (a full-depth scan from its checkpoints)."""
    registry = _registry(probes)
    session = reopen(
        store,
        scan_id,
        options or ScanOptions(),
        registry,
        scope_file=scope_file,
        max_hosts=max_hosts,
        yes=yes,
    )
    _on_dask(session.options, credentials)
    return await _run(store, session, registry, credentials, on_start, on_progress, on_docs)


def _on_dask(options: ScanOptions, credentials: Credentials | None) -> None:
    """UsageError where a read on a Dask cluster would need what stays on this machine: the
    owner's credentials (they would travel to the cluster's workers), a --ca-file (a file of
    this machine's, not of theirs)."""
    if not (options.full and options.full.dask):
        return
    if credentials:
        raise UsageError(
            "--dask does not take --auth: the credentials would travel to the cluster's workers"
        )
    if options.ca_file:
        raise UsageError("--dask does not take --ca-file: the file is on this machine only")


async def _run(
    store: SqliteStore,
    session: Session,
    registry: Registry,
    credentials: Credentials | None,
    on_start: StartCallback | None,
    on_progress: ProgressCallback | None,
    on_docs: DocsCallback | None,
) -> str:
    scan_id = session.scan_id
    if on_start:
        on_start(scan_id, len(session.targets))
    # What a server says back is recorded without the credentials in it (an error quoting
    # the password it refused): the store, every report and every draft are made from it.
    secrets = secrets_of(credentials)
    status = "failed"
    try:
        across = await scan_targets(
            session.targets,
            session.options,
            registry,
            lambda result: record_result(store, scan_id, hide_secrets(result, secrets)),
            credentials=credentials,
            store=store,
            scan_id=scan_id,
            on_progress=on_progress,
            on_docs=on_docs,
        )
        if session.targets or not store.counted_people(scan_id):
            # A resumed scan with nothing left to scan that has counted its people was killed
            # past that count (between its checkpoints dropped and its status marked done),
            # or was done: the identifiers it counted them from are gone, and the count stands.
            store.record_people(scan_id, across)
        status = "done"
        if session.options.full:
            store.drop_checkpoints(scan_id)
    except (asyncio.CancelledError, KeyboardInterrupt):
        status = "interrupted"
        raise
    finally:
        store.finish_scan(scan_id, status)
    return scan_id
