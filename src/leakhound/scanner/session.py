"""The one set-up path of every scan: targets parsed for their kinds, the scope enforced, the
scan recorded (or a stored one reopened for ``--resume``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import StoreError, UsageError
from ..models import Endpoint, Target
from ..probes.registry import Registry
from ..store.sqlite import SqliteStore
from ..targets import DEFAULT_MAX_HOSTS, check_scope, load_scope, parse_targets, targets
from .options import ScanOptions


@dataclass(frozen=True, slots=True)
class Session:
    """A scan about to run: its id, the targets still to scan and the options it runs with."""

    scan_id: str
    targets: tuple[Target, ...]
    options: ScanOptions


def enforce_scope(
    eps: Sequence[Endpoint], scope_file: str | None, stored: Mapping[str, Any] | None = None
) -> list[str] | None:
    """Refuse (ScopeError) endpoints outside ``--scope``, and, for a resumed scan, outside
    the scope it was started under, which its stored options keep: names are resolved
    again on resume, and an address that moved out of the authorised ranges is refused
    even when ``--scope`` is not given again. Returns the ranges to store with a new scan.
    """
    given = load_scope(scope_file) if scope_file else None
    if given is not None:
        check_scope(eps, given)
    kept = stored.get("scope") if stored else None
    if kept:
        try:
            ranges = [ipaddress.ip_network(r, strict=False) for r in kept]
        except (TypeError, ValueError) as exc:
            raise StoreError(f"the stored scope of this scan is unreadable: {exc}") from exc
        check_scope(eps, ranges)
    return [str(n) for n in given] if given else None


def _targets(
    specs: Sequence[str], options: ScanOptions, registry: Registry, *, max_hosts: int, yes: bool
) -> list[Target]:
    try:
        registry.check(options.kinds)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    kinds = registry.target_kinds(options.kinds)
    return targets(parse_targets(specs, kinds, max_hosts=max_hosts, yes=yes))


def begin(
    store: SqliteStore,
    specs: Sequence[str],
    options: ScanOptions,
    registry: Registry,
    *,
    scope_file: str | None = None,
    max_hosts: int = DEFAULT_MAX_HOSTS,
    yes: bool = False,
) -> Session:
    """Parse and check the targets, then record a new scan."""
    found = _targets(specs, options, registry, max_hosts=max_hosts, yes=yes)
    scope = enforce_scope([t.endpoint for t in found], scope_file)
    scan_id = store.begin_scan(list(specs), options.to_json(scope))
    return Session(scan_id, tuple(found), options)


def reopen(
    store: SqliteStore,
    scan_id: str,
    given: ScanOptions,
    registry: Registry,
    *,
    scope_file: str | None = None,
    max_hosts: int = DEFAULT_MAX_HOSTS,
    yes: bool = False,
) -> Session:
    """A stored scan to continue: its targets without a result yet, under the options and the
    scope it started with."""
    scan_id = store.resolve(scan_id)
    specs, stored = store.reopen_scan(scan_id)
    options = given.stored(stored)
    found = _targets(specs, options, registry, max_hosts=max_hosts, yes=yes)
    enforce_scope([t.endpoint for t in found], scope_file, stored)
    skip = store.recorded_endpoints(scan_id)
    return Session(scan_id, tuple(t for t in found if t.endpoint.key not in skip), options)
