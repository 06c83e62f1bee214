"""What the findings database gives back: typed records of stored scans.

``SqliteStore.load`` returns a ``ScanRecord``; renderers, assess and notify read its
attributes, never raw dicts. ``ScanRecord.to_dict`` is the scan's JSON shape
(``schema/scan-result.schema.json``, less the summary a report adds).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..models import (
    ContainerResult,
    PeopleAcross,
    Service,
    TargetResult,
    Verdict,
    from_dict,
    openness,
    to_dict,
)


@dataclass(frozen=True, slots=True)
class History:
    """What earlier scans saw of the same endpoint."""

    first_seen: str | None = None
    first_scan_id: str | None = None
    first_seen_exposed: str | None = None  # the first scan that found it open or partial
    previous_scans: int = 0
    previous_verdict: Verdict | None = None


@dataclass(frozen=True, slots=True)
class ResultRecord(TargetResult):
    """One stored result with the endpoint's history across scans."""

    history: History = field(default_factory=History)

    @classmethod
    def of(cls, result: TargetResult, history: History) -> ResultRecord:
        """A result as the store keeps it."""
        return cls(
            result.service,
            result.containers,
            result.inventory_error,
            result.truncated,
            result.full,
            result.authenticated,
            result.honeypot,
            result.people,
            result.inventory_note,
            history,
        )


def _fullness(cr: ContainerResult) -> tuple[int, ...]:
    """How much a view of a container says, to keep the fullest of several endpoints'. Of
    views read alike, the larger count, an exact one before an estimate only where they are
    equal: a copy behind its source (a replica stopped long ago) or a server claiming the
    store's identity counts its smaller table row by row where the source's is estimated
    (``probes/mysql``: past 2,000,000 rows), and its count would hide the store's."""
    full, sample = cr.full, cr.sample
    return (
        int(full is not None and full.complete),
        int(full is not None),
        int(sample is not None and not sample.error and sample.docs > 0),
        sample.docs if sample else 0,
        cr.container.docs or 0,
        int(cr.container.docs_exact),
    )


def _rank(r: ResultRecord) -> tuple[int, bool, int]:
    """Where an endpoint ranks among its store's: the most open first, then a server before
    its copies (``_a_copy``), then the one that listed the most containers."""
    return (openness(r.service.verdict), _a_copy(r), -len(r.containers))


def _a_copy(r: ResultRecord) -> bool:
    """Whether the endpoint answered as a copy of another of its store, kept from it: a
    Redis replica (``details.role``), a PostgreSQL standby (``details.standby``), a member
    of a MongoDB replica set other than its primary (``details.member``), a MySQL or MariaDB
    replica (``details.replica``). Its primary speaks for the store where it is as open, not
    whichever of them the scan happened to finish first."""
    details = r.service.fingerprint.details
    return (
        details.get("role") == "replica"
        or details.get("standby") is True
        or details.get("member") not in (None, "primary")
        or details.get("replica") is True
    )


def _reach(host: str) -> int:
    """How far an address names one server: 0 the machine it is written on (loopback), 1 a
    network of its own (private, unique-local, link-local, shared: another network has a
    server at the same address), 2 anywhere (a public address, or a name)."""
    if host.lower() == "localhost":
        return 0
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return 2
    return 0 if ip.is_loopback else 2 if ip.is_global else 1


def _sources(exposed: list[ResultRecord]) -> dict[int, str]:
    """The store of each replica that names its source by address alone (a MariaDB replica:
    ``details.replica_of`` and ``details.source_server_id``, ``probes/mysql/replication.py``),
    by its index in ``exposed``: its source's, where the scan reached a server of its kind at
    that very address whose ``details.server_id`` is the one named; an address of loopback
    only where the replica too was reached on loopback (its own machine), a private one
    (``_reach``) only where the replica too was reached on loopback or a private address
    (its network: a replica reached at a public address names a server of a network the
    scan may not be in, its 10.0.0.5 not the scan's). The address is the replica's view,
    and server ids are set by hand (1 by default everywhere): elsewhere, or in another
    scan, nothing says which server that address is."""
    at = {(r.service.kind, r.service.endpoint.netloc.lower()): r for r in exposed}
    out: dict[int, str] = {}
    for n, r in enumerate(exposed):
        details = r.service.fingerprint.details
        address, named = details.get("replica_of"), details.get("source_server_id")
        if r.service.fingerprint.cluster_uuid or not isinstance(address, str):
            continue
        if not isinstance(named, int) or isinstance(named, bool):
            continue
        source = at.get((r.service.kind, address.lower()))
        if source is None or source is r or source.service.fingerprint.cluster_uuid:
            continue
        if source.service.fingerprint.details.get("server_id") != named:
            continue
        if _reach(r.service.endpoint.host) > _reach(source.service.endpoint.host):
            continue
        out[n] = source.service.store_id
    return out


@dataclass(frozen=True, slots=True)
class StoreView:
    """One exposed store as a scan saw it: every endpoint it answered at, most open first,
    and each of its containers once, as the endpoint that said most about it saw it."""

    identity: str
    results: tuple[ResultRecord, ...]
    # (the result whose view was kept, the container) for each container name
    containers: tuple[tuple[ResultRecord, ContainerResult], ...]

    @property
    def main(self) -> ResultRecord:
        """The most open endpoint: its verdict and reason are the store's."""
        return self.results[0]

    @property
    def service(self) -> Service:
        """The main endpoint's service."""
        return self.main.service

    @property
    def others(self) -> tuple[ResultRecord, ...]:
        """Other ways in: the same store at other endpoints."""
        return self.results[1:]

    @property
    def first_seen_exposed(self) -> str | None:
        """The earliest scan that found the store open, at any of its endpoints."""
        seen = [r.history.first_seen_exposed for r in self.results if r.history.first_seen_exposed]
        return min(seen) if seen else None

    @classmethod
    def group(cls, results: tuple[ResultRecord, ...]) -> tuple[StoreView, ...]:
        """The exposed results grouped by store, in the order the scan met the stores."""
        by_store: dict[str, list[ResultRecord]] = {}
        exposed = [r for r in results if r.exposed]
        sources = _sources(exposed)
        for n, r in enumerate(exposed):
            by_store.setdefault(sources.get(n, r.service.store_id), []).append(r)
        out = []
        for identity, found in by_store.items():
            ranked = sorted(found, key=_rank)
            kept: dict[str, tuple[ResultRecord, ContainerResult]] = {}
            for r in ranked:
                for cr in r.containers:
                    name = cr.container.name
                    if name not in kept or _fullness(cr) > _fullness(kept[name][1]):
                        kept[name] = (r, cr)
            out.append(cls(identity, tuple(ranked), tuple(kept.values())))
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Tool:
    """What wrote the scan."""

    name: str = "leakhound"
    version: str = ""


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """One stored scan: when, what was asked, and every result."""

    scan_id: str
    started_at: str
    finished_at: str | None
    status: str  # running, done, interrupted, failed
    targets: tuple[str, ...]
    options: dict[str, Any]
    tool: Tool
    results: tuple[ResultRecord, ...]
    # People counted once across the stores whose identifiers the scan read whole (one a
    # type); each store's own count stays in its result.
    people_across: tuple[PeopleAcross, ...] = field(default=(), metadata={"omit_empty": True})

    @property
    def exposed(self) -> Iterator[ResultRecord]:
        """The results of endpoints open or partly open."""
        return (r for r in self.results if r.exposed)

    @property
    def stores(self) -> tuple[StoreView, ...]:
        """The exposed stores, each once however many endpoints it answered at."""
        return StoreView.group(self.results)

    def stores_at(self, endpoints: Iterable[str]) -> int:
        """How many stores answered at these endpoints (``Endpoint.key``): a store read at
        two of them (a Redis master and its replica, two nodes of one cluster) is one; an
        endpoint of no exposed store counts as a store of its own."""
        wanted = set(endpoints)
        seen = set()
        for st in self.stores:
            at = {r.service.endpoint.key for r in st.results} & wanted
            if at:
                seen.add(st.identity)
                wanted -= at
        return len(seen) + len(wanted)

    def to_dict(self) -> dict[str, Any]:
        """The scan as JSON-ready data."""
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanRecord:
        """A scan from its JSON shape (as ``to_dict`` or ``--format json`` wrote it)."""
        return from_dict(cls, {k: v for k, v in data.items() if k not in ("$schema", "summary")})


def result_from_json(body: dict[str, Any], history: History) -> ResultRecord:
    """A stored result body (``to_dict`` of a TargetResult) with its history."""
    return ResultRecord.of(from_dict(TargetResult, body), history)
