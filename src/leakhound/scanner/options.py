"""What a scan reads and how gently: the options, and the form a stored scan keeps of them."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..models import Container
from ..net import Limits
from ..probes.base import FileBounds


@dataclass(frozen=True, slots=True)
class FullOptions:
    """What ``--depth full`` reads and how fast."""

    containers: tuple[str, ...] = ()  # fnmatch patterns on names; empty: all non-system ones
    partitions: int = 2  # read in parallel per container (a kind may round it up: shards)
    docs_rate: float | None = None  # records per second over the whole scan; None: no cap
    batch: int = 1000  # records per page, per detection task and per checkpoint
    queue: int = 2  # pages waiting per partition (back-pressure)
    dask: str | None = None  # tcp://scheduler:8786: partitions run as Dask tasks

    def selects(self, container: Container, include_system: bool = False) -> bool:
        """Whether the full read takes this container: by the patterns, else every
        non-system one."""
        if self.containers:
            return any(fnmatch.fnmatchcase(container.name, p) for p in self.containers)
        return include_system or not container.system

    def to_json(self) -> dict[str, Any]:
        """What the scan's stored options keep, for --resume."""
        return {
            "depth": "full",
            "indices": list(self.containers),
            "slices": self.partitions,
            "docs_rate": self.docs_rate,
            "batch": self.batch,
            "dask": self.dask,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FullOptions:
        """The options a scan was started with."""
        return cls(
            containers=tuple(data.get("indices") or ()),
            partitions=int(data["slices"]),
            docs_rate=data.get("docs_rate"),
            batch=int(data["batch"]),
            dask=data.get("dask"),
        )


PEOPLE_READ = 200_000  # records: a store this small has its people counted, not estimated


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """How deep and how gently to scan."""

    sample: int = 100  # records per container; 0: inventory only
    limits: Limits = field(default_factory=Limits)
    max_containers: int = 1000  # per endpoint, inventoried in detail
    workers: int = 1  # detection processes; 0: a thread of this process
    # --include-system: sample (and read in full) the store's own containers too: dot indices,
    # CouchDB's _users and _replicator (user documents, replication credentials)…
    include_system: bool = False
    min_score: float = 0.5
    kinds: tuple[str, ...] = ()  # store kinds to try (--kinds); empty: all, by port
    # A sample scan reads the identifying fields of every record of a store up to this many
    # records, to count its people instead of estimating them (0: never).
    people_read: int = PEOPLE_READ
    full: FullOptions | None = None  # --depth full: every record of the selected containers
    files: FileBounds = field(default_factory=FileBounds)  # --max-objects, --max-bytes
    # --ca-file without --auth: the CA certificates a target URL's verify-* TLS trusts (the
    # system's where None). A file of this machine's: never stored, given again to --resume.
    ca_file: str | None = None

    def to_json(self, scope: Sequence[str] | None = None) -> dict[str, Any]:
        """What a stored scan keeps of its options (and its --scope ranges)."""
        lim = self.limits
        out: dict[str, Any] = {
            "sample": 0 if self.full else self.sample,
            "max_indices": self.max_containers,
        }
        if self.full:
            out["workers"] = self.workers
        out |= {
            "concurrency": lim.concurrency,
            "rate": lim.rate,
            "connect_timeout": lim.connect_timeout,
            "read_timeout": lim.read_timeout,
            "total_timeout": lim.total_timeout,
        }
        if self.full:
            out["limits"] = {
                "connect_timeout": lim.connect_timeout,
                "read_timeout": lim.read_timeout,
                "total_timeout": lim.total_timeout,
                "max_body": lim.max_body,
                "concurrency": lim.concurrency,
                "rate": lim.rate,
            }
            out |= self.full.to_json()
        if self.kinds:
            out["kinds"] = list(self.kinds)
        if self.include_system:
            out["include_system"] = True
        if self.people_read != PEOPLE_READ and not self.full:
            out["people_read"] = self.people_read
        if self.files != FileBounds():
            out["max_objects"] = self.files.max_objects
            out["max_bytes"] = self.files.max_bytes
        if scope:
            out["scope"] = list(scope)
        return out

    def stored(self, data: Mapping[str, Any]) -> ScanOptions:
        """These options as a stored scan ran with them, for --resume: what it did not store
        stays, and so do the workers, which it stores but which belong to the machine that
        resumes it."""

        def number(key: str, default: float | None) -> float | None:
            value = data.get(key, default)
            return float(value) if isinstance(value, int | float) else default

        lim = self.limits
        limits = replace(
            lim,
            concurrency=int(number("concurrency", lim.concurrency) or 1),
            rate=number("rate", None),
            connect_timeout=number("connect_timeout", lim.connect_timeout) or 3.0,
            read_timeout=number("read_timeout", lim.read_timeout) or 10.0,
            total_timeout=number("total_timeout", lim.total_timeout) or 30.0,
        )
        if isinstance(data.get("limits"), dict):
            limits = Limits(
                **{k: v for k, v in data["limits"].items() if k in Limits.__dataclass_fields__}
            )
        full = FullOptions.from_json(data) if data.get("depth") == "full" else None
        files = replace(
            self.files,
            max_objects=int(number("max_objects", self.files.max_objects) or 1),
            max_bytes=int(number("max_bytes", self.files.max_bytes) or 1),
        )
        kinds = data.get("kinds")
        return replace(
            self,
            sample=int(number("sample", self.sample) or 0),
            max_containers=int(number("max_indices", self.max_containers) or 1),
            limits=limits,
            full=full,
            people_read=int(number("people_read", PEOPLE_READ) or 0),
            files=files,
            # Started without --kinds: every kind by port, as then (a --kinds now is ignored).
            kinds=tuple(str(k) for k in kinds) if isinstance(kinds, list) else (),
            include_system=data.get("include_system") is True,
        )
