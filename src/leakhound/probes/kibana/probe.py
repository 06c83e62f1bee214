"""Kibana and OpenSearch Dashboards: an open one is read access to the cluster behind it.

``/api/status`` only says what answers (a status page proves nothing about the data). The
verdict is the cluster's, decided by the Elasticsearch probe itself through the console proxy
(``proxy.py``): its data APIs answering without credentials make the Kibana ``open``. The
inventory, samples and full reads are the Elasticsearch probe's too, through the same proxy:
the containers of a Kibana result are the indices of the cluster it exposes, which the
fingerprint names (its name, UUID and version in ``cluster_name``, ``cluster_uuid`` and
``details["cluster"]``), whether or not the cluster's own endpoint is reachable.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...errors import ProtocolError, TooLargeError
from ...models import Container, Endpoint, FieldType, Fingerprint, Service, Verdict, Words
from ...net import Response, Transport
from ..base import FullReader, Inventory, Probe, SampleDocs
from ..elasticsearch import ElasticsearchProbe
from ..elasticsearch.read import SCROLL, ElasticsearchReader
from ..http_root import cut_said, first_answer, not_the_kind, redirect
from ..reason import REASON_CHARS, Fit, fitted
from .allow import ALLOW
from .proxy import ProxyTransport

NAME_HEADERS = {"kbn-name": "kibana", "osd-name": "opensearch-dashboards"}
_NOT_KIBANA = Verdict.not_of("kibana")
_NOT_ES = Verdict.not_of("elasticsearch")
_RECOGNISED = (Verdict.OPEN, Verdict.PARTIAL, Verdict.SECURED)
_CLUSTER_KEYS = ("product", "version", "distribution", "cluster_name", "cluster_uuid", "node_name")
# How long a scroll through the proxy lives between pages: it cannot be released (DELETE never
# passes the proxy), so it is kept short.
KEEP_ALIVE = "2m"


def _text(value: Any, limit: int = 200) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _is_dashboards(body: dict[str, Any], headers: dict[str, str] | Any) -> bool:
    """OpenSearch Dashboards: its name header, or its status naming the OpenSearch service."""
    if "osd-name" in headers:
        return True
    status = body.get("status")
    status = status if isinstance(status, dict) else {}
    statuses = status.get("statuses")
    if isinstance(statuses, list):
        ids = [s.get("id") for s in statuses[:200] if isinstance(s, dict)]
        if any(isinstance(i, str) and i.startswith("core:opensearch@") for i in ids):
            return True
    core = status.get("core")
    return isinstance(core, dict) and "opensearch" in core


def parse_status(body: Any, headers: Any = None) -> Fingerprint | None:
    """Recognise a Kibana or OpenSearch Dashboards ``/api/status`` answer (the 7.x/OSD legacy
    shape, 8.x's, or 8.x's redacted one for anonymous users); None for anything else."""
    headers = headers or {}
    if not isinstance(body, dict):
        return None
    status = body.get("status")
    overall = status.get("overall") if isinstance(status, dict) else None
    if not isinstance(overall, dict) or not ("state" in overall or "level" in overall):
        return None
    version = body.get("version")
    number = version.get("number") if isinstance(version, dict) else None
    product = "opensearch-dashboards" if _is_dashboards(body, headers) else "kibana"
    details: dict[str, Any] = {}
    if _text(body.get("uuid")):
        details["uuid"] = _text(body.get("uuid"))
    state = overall.get("level", overall.get("state"))
    if _text(state, 20):
        details["status"] = _text(state, 20)
    return Fingerprint(
        product=product,
        version=_text(number, 50),
        node_name=_text(body.get("name")),
        details=details,
    )


def _by_headers(resp: Response) -> Fingerprint | None:
    """Kibana's name header on any answer (a 401 too), or its error format on a refusal."""
    for header, product in NAME_HEADERS.items():
        if header in resp.headers:
            return Fingerprint(product=product, node_name=resp.headers[header][:200] or None)
    if resp.status in (401, 403):
        body = resp.json_or_none()
        # hapi's error shape, which Kibana and OpenSearch Dashboards answer refusals in.
        if (
            isinstance(body, dict)
            and body.get("statusCode") == resp.status
            and isinstance(body.get("error"), str)
        ):
            return Fingerprint(product="kibana")
    return None


def cluster_details(fp: Fingerprint) -> dict[str, Any]:
    """What a Kibana result keeps of the cluster it exposes."""
    out: dict[str, Any] = {k: getattr(fp, k) for k in _CLUSTER_KEYS if getattr(fp, k)}
    if fp.compatibility_mode:
        out["compatibility_mode"] = True
    return out


def cluster_fingerprint(fp: Fingerprint) -> Fingerprint:
    """The cluster's own fingerprint, from what a Kibana result kept of it."""
    kept = fp.details.get("cluster")
    kept = kept if isinstance(kept, dict) else {}
    return Fingerprint(
        product=_text(kept.get("product")) or "unknown",
        version=_text(kept.get("version")),
        distribution=_text(kept.get("distribution")),
        compatibility_mode=kept.get("compatibility_mode") is True,
        cluster_name=_text(kept.get("cluster_name")),
        cluster_uuid=_text(kept.get("cluster_uuid")),
        node_name=_text(kept.get("node_name")),
    )


class KibanaProbe(Probe):
    """Kibana 7–8 and OpenSearch Dashboards 1–2: the cluster behind them, read through the
    console proxy with GET only."""

    kind = "kibana"
    words = Words(("index", "indices"), ("document", "documents"))
    default_ports = (5601,)
    speaks_http = True
    allow = ALLOW

    def __init__(self) -> None:
        self._elasticsearch = ElasticsearchProbe()

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        """``/api/status`` says what answers; the cluster's data APIs, through the console
        proxy, decide."""
        first = await first_answer(
            transport,
            endpoint,
            self.kind,
            "/api/status",
            ALLOW,
            too_large=_NOT_KIBANA,
            what="status answer",
        )
        if isinstance(first, Service):
            return first
        return await self._classify(transport, endpoint, first.scheme, first.base, first.response)

    async def _classify(
        self, transport: Transport, endpoint: Endpoint, scheme: str, base: str, resp: Response
    ) -> Service:
        fp = None
        if resp.status == 200:
            try:
                fp = parse_status(resp.json(), resp.headers)
            except (ProtocolError, TooLargeError):
                fp = None
        fp = fp or _by_headers(resp)
        if fp is None:
            why = redirect(resp, "/api/status")
            why = why or f"HTTP {resp.status} on /api/status with no Kibana status{cut_said(resp)}"
            return not_the_kind(endpoint, base, self.kind, resp, why)
        fp = replace(fp, tls=resp.tls)
        # The cluster is asked on the scheme Kibana answered on (one try, no fallback).
        proxied = replace(endpoint, scheme=scheme)
        # The cluster's reason is the end of this one, which says why: it is asked to fit
        # the room Kibana's own words leave before it, whichever are said.
        asks = (
            f"{_name(fp)} asks for credentials (HTTP {resp.status} on /api/status{cut_said(resp)})"
        )
        through = "through the console proxy: "
        secured = f"{asks}, and {through}"
        unreached = f"{_name(fp)} answers, but its console proxy reaches no cluster: "
        heads = (secured, through, unreached + f"{_NOT_ES.value}: ")
        room = REASON_CHARS - max(len(h) for h in heads)
        cluster = await self._elasticsearch.verdict(
            ProxyTransport(transport, base), proxied, room=room
        )
        cfp = cluster.fingerprint
        if cfp.product != "unknown":
            fp = replace(
                fp,
                cluster_name=cfp.cluster_name,
                cluster_uuid=cfp.cluster_uuid,
                details={**fp.details, "cluster": cluster_details(cfp)},
            )
        fp = replace(fp, realm=cfp.realm)
        # A cluster that answered a data API (open or refused) was reached, whatever failed.
        reached = bool(cluster.open_apis or cluster.closed_apis)
        if cluster.verdict in _RECOGNISED or reached:
            refused = cluster.verdict == Verdict.SECURED and resp.status in (401, 403)
            return Service(
                endpoint,
                base,
                self.kind,
                cluster.verdict,
                fitted(secured if refused else through, Fit(cluster.reason)),
                fp,
                cluster.open_apis,
                cluster.closed_apis,
            )
        head = unreached
        if cluster.verdict != Verdict.ERROR:
            head += f"{cluster.verdict.value}: "
        why = fitted(head, Fit(cluster.reason))
        return Service(endpoint, base, self.kind, Verdict.ERROR, why, fp)

    def _cluster(self, transport: Transport, service: Service) -> tuple[Transport, Service]:
        """The console proxy as a transport, and the service as the cluster it reaches."""
        return (
            ProxyTransport(transport, service.url),
            replace(
                service,
                kind=self._elasticsearch.kind,
                fingerprint=cluster_fingerprint(service.fingerprint),
            ),
        )

    async def inventory(
        self, transport: Transport, service: Service, *, max_containers: int
    ) -> Inventory:
        """The cluster's indices, as the Elasticsearch probe lists them, through the proxy."""
        proxy, cluster = self._cluster(transport, service)
        return await self._elasticsearch.inventory(proxy, cluster, max_containers=max_containers)

    async def sample(
        self, transport: Transport, service: Service, container: Container, size: int
    ) -> SampleDocs:
        """Documents of one index as the Elasticsearch probe samples them (at random where
        the cluster's version can), through the proxy."""
        proxy, cluster = self._cluster(transport, service)
        return await self._elasticsearch.sample(proxy, cluster, container, size)

    def reader(self, transport: Transport, service: Service) -> FullReader:
        """A sliced scroll through the proxy (a point in time cannot be opened with GET)."""
        proxy, cluster = self._cluster(transport, service)
        # The inventory's masked index names are found in its listing, not in a new one.
        return ElasticsearchReader(
            proxy.http,
            cluster,
            keep_alive=KEEP_ALIVE,
            method=SCROLL,
            indices=self._elasticsearch.indices,
        )

    def field_type(self, native: str) -> FieldType:
        """The cluster's mapping types, as Elasticsearch's probe reads them."""
        return self._elasticsearch.field_type(native)


def _name(fp: Fingerprint) -> str:
    return "OpenSearch Dashboards" if fp.product == "opensearch-dashboards" else "Kibana"
