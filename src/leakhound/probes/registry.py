"""The built-in probes, listed explicitly, and how a target picks its kind."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..models import Words
from ..targets import Kinds
from .azblob import AzblobProbe
from .base import FileBounds, Probe
from .couchdb import CouchdbProbe
from .elasticsearch import ElasticsearchProbe
from .kibana import KibanaProbe
from .mongodb import MongodbProbe
from .mysql import MysqlProbe
from .postgresql import PostgresqlProbe
from .redis import RedisProbe
from .s3 import S3Probe

# HTTP kinds are tried in this order on a port that names none of them: Elasticsearch first
# (the most common), Kibana last (it answers as itself only on /api/status). Object stores
# after the databases: on a port that names no kind, those are likelier.
# Packages of probes/ that serve several kinds rather than being one (what object stores share).
SHARED_PACKAGES = ("objects",)
PROBES: tuple[Probe, ...] = (
    ElasticsearchProbe(),
    CouchdbProbe(),
    KibanaProbe(),
    MongodbProbe(),
    MysqlProbe(),
    PostgresqlProbe(),
    RedisProbe(),
    S3Probe(),
    AzblobProbe(),
)


class Registry:
    """A set of probes, one per kind, and the rules that pick kinds for a target.

    A URL scheme names its kind (``mongodb://``); ``http(s)://`` names the HTTP kinds; a port
    names the kinds whose default ports hold it; a host without a port is tried on every
    default port of the kinds asked for (``--kinds``, default: all).
    """

    def __init__(self, probes: Iterable[Probe] = PROBES) -> None:
        self.probes: tuple[Probe, ...] = tuple(probes)
        kinds = [p.kind for p in self.probes]
        if len(set(kinds)) != len(kinds):
            raise ValueError(f"two probes share a kind: {kinds}")

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every kind, in the registry's order."""
        return tuple(p.kind for p in self.probes)

    def by_kind(self, kind: str) -> Probe:
        """The probe of one kind; KeyError when there is none."""
        for probe in self.probes:
            if probe.kind == kind:
                return probe
        raise KeyError(kind)

    def bounded(self, bounds: FileBounds) -> Registry:
        """These probes reading files within ``bounds`` (``--max-objects``, ``--max-bytes``)."""
        return Registry(p.bounded(bounds) for p in self.probes)

    def with_probes(self, extra: Iterable[Probe]) -> Registry:
        """This registry with more probes (a kind given again replaces the built-in one)."""
        extra = tuple(extra)
        replaced = {p.kind for p in extra}
        return Registry((*(p for p in self.probes if p.kind not in replaced), *extra))

    def schemes(self, chosen: Sequence[str] = ()) -> dict[str, tuple[str, ...]]:
        """URL scheme → the kinds it names (http and https also name the kinds that take
        http URLs only when ``chosen`` names them)."""
        out: dict[str, list[str]] = {}
        for p in self.probes:
            for s in p.schemes:
                out.setdefault(s, []).append(p.kind)
            if p.speaks_http or (p.http_if_chosen and p.kind in chosen):
                for s in ("http", "https"):
                    out.setdefault(s, []).append(p.kind)
        return {s: tuple(k) for s, k in out.items()}

    def for_scheme(self, scheme: str, chosen: Sequence[str]) -> tuple[str, ...]:
        """The kinds a URL scheme names, within ``chosen`` (all when empty)."""
        named = self.schemes(chosen).get(scheme.lower(), ())
        return tuple(k for k in named if not chosen or k in chosen)

    def for_port(self, port: int, candidates: Sequence[str]) -> tuple[str, ...]:
        """The candidates, those whose default ports hold ``port`` first."""
        first = [k for k in candidates if port in self.by_kind(k).default_ports]
        return (*first, *(k for k in candidates if k not in first))

    def default_ports(self, chosen: Sequence[str]) -> list[tuple[int, str]]:
        """(port, kind) for every default port of the chosen kinds (all when empty)."""
        return [
            (port, p.kind)
            for p in self.probes
            if not chosen or p.kind in chosen
            for port in p.default_ports
        ]

    def target_kinds(self, chosen: Sequence[str] = ()) -> Kinds:
        """What the target parser needs to know of the chosen kinds (all when empty)."""
        schemes = {
            s: tuple(k for k in kinds if not chosen or k in chosen)
            for s, kinds in self.schemes(chosen).items()
        }
        schemes.setdefault("http", ())
        schemes.setdefault("https", ())
        return Kinds(
            tuple(self.default_ports(chosen)),
            schemes,
            {p.kind: p.locate for p in self.probes if p.names_containers},
            {p.kind: p.url_port for p in self.probes if p.url_port},
        )

    def check(self, chosen: Sequence[str]) -> None:
        """ValueError naming the kinds that have no probe."""
        unknown = [k for k in chosen if k not in self.kinds]
        if unknown:
            raise ValueError(
                f"unknown store kind(s): {', '.join(unknown)} (known: {', '.join(self.kinds)})"
            )


DEFAULT = Registry()


def words(kind: str) -> Words:
    """What reports call the containers and records of a built-in kind; the neutral words
    ("containers", "records") for a kind without a probe here (a result stored by another
    version, a plug-in's)."""
    try:
        return by_kind(kind).words
    except KeyError:
        return Words()


def by_kind(kind: str) -> Probe:
    """The built-in probe of one kind; KeyError when there is none."""
    return DEFAULT.by_kind(kind)
