"""Elasticsearch and OpenSearch: fingerprint and verdict, index inventory, document sample."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from ... import compromise
from ...errors import NetError, ProtocolError, TooLargeError
from ...models import (
    Container,
    Distinct,
    Endpoint,
    FieldInfo,
    FieldType,
    Fingerprint,
    Service,
    Verdict,
    Words,
    YearCount,
)
from ...net import Http, Response, Transport
from ..base import FullReader, Inventory, Probe, SampleDocs, failures_said, unsettled
from ..http_root import (
    answered_over,
    cut_said,
    first_answer,
    not_the_kind,
    not_welcome,
    over_said,
    realm_of,
    redirect,
)
from ..reason import REASON_CHARS, fitted, listed, short
from .allow import ALLOW
from .names import Indices, cat_indices_cut, requestable_rows, shown_names
from .refusal import blocked, refused

# Preferred names for the "main date" of a record, most telling first.
_DATE_NAMES = (
    "@timestamp",
    "created_at",
    "createdAt",
    "created",
    "timestamp",
    "date",
    "creation_date",
    "opened_at",
    "updated_at",
    "time",
)
_ES_TAGLINE = "You Know, for Search"
_OS_TAGLINE = "The OpenSearch Project"

MAX_FIELDS = 5000  # per index: a hostile mapping may declare millions
MAX_FIELD_PATH = 512  # characters: longer dotted paths are skipped (a long parent name would
# otherwise be copied into every child's path: 300 KB of mapping, 1 GB of paths)
# Dates an aggregation may report: digits, letters (month names), separators. Anything else
# (escape sequences, markup) is not a date and must not reach a report.
_DATE_TEXT = re.compile(r"[\w :.,/+\-]{1,40}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_YEARS = 10_000  # buckets of a date histogram by year: more is not a calendar


def _xml_error(resp: Response) -> bool:
    """An XML error document (S3's and Azure's ``<Error><Code>…``), never Elasticsearch's."""
    head = resp.body[:512].lstrip()
    if head.startswith(b"<?xml"):
        head = head[head.find(b"?>") + 2 :].lstrip()
    return head.startswith(b"<Error>") or head.startswith(b"<Error ")


def _product_from_realm(realm: str | None) -> str:
    if realm == "security":
        return "elasticsearch"
    if realm and "opensearch" in realm.lower():
        return "opensearch"
    return "unknown"


def parse_root(body: Any) -> Fingerprint | None:
    """Recognise an Elasticsearch/OpenSearch root document; None when it is not one."""
    if not isinstance(body, dict):
        return None
    version = body.get("version")
    if not isinstance(version, dict) or not isinstance(version.get("number"), str):
        return None
    tagline = body.get("tagline") if isinstance(body.get("tagline"), str) else None
    distribution = version.get("distribution")
    if distribution == "opensearch" or (tagline and tagline.startswith(_OS_TAGLINE)):
        product = "opensearch"
    elif (tagline and _ES_TAGLINE in tagline) or "lucene_version" in version:
        product = "elasticsearch"
    else:
        return None

    def text(key: str) -> str | None:
        value = body.get(key)
        return value[:200] if isinstance(value, str) else None

    return Fingerprint(
        product=product,
        version=version["number"][:50],
        distribution=distribution[:50] if isinstance(distribution, str) else None,
        # OpenSearch with compatibility.override_main_response_version claims to be 7.10.2
        # and drops "distribution"; its tagline still names OpenSearch.
        compatibility_mode=product == "opensearch" and distribution is None,
        cluster_name=text("cluster_name"),
        cluster_uuid=text("cluster_uuid"),
        node_name=text("name"),
        tagline=tagline[:200] if tagline else None,
    )


def _data_answer(api: str, resp: Response) -> bool:
    """Whether a data API's answer reads as Elasticsearch's: a list of index rows, or search
    hits."""
    body = resp.json_or_none()
    if api == "_cat/indices":
        return isinstance(body, list) and all(isinstance(r, dict) for r in body[:10])
    return isinstance(body, dict) and isinstance(body.get("hits"), dict)


def _data_head(api: str, head: bytes) -> bool:
    """Whether the first bytes of a data API's answer over the size cap read as
    Elasticsearch's: a JSON list of index rows (``{"index": …}``, the one column asked), or a
    search answer (``took`` first)."""
    start = head[:1024].lstrip()
    if api == "_cat/indices":
        row = start[1:].lstrip()
        return (
            start.startswith(b"[") and row.startswith(b"{") and row[1:].lstrip()[:7] == b'"index"'
        )
    return start.startswith(b"{") and b'"took"' in start[:200]


def _looks_like_es_error(body: Any) -> bool:
    return isinstance(body, dict) and "error" in body and "status" in body


def flatten_mapping(mapping: Any) -> list[FieldInfo]:
    """Leaf fields of one index's mapping, as dotted paths with their types.

    Handles typeless mappings (7.x+) and the per-type layer of 5.x/6.x.
    """
    if not isinstance(mapping, dict):
        return []
    roots: list[dict[str, Any]] = []
    if isinstance(mapping.get("properties"), dict):
        roots.append(mapping["properties"])
    else:  # 5.x/6.x: {"doc_type": {"properties": {...}}}
        for value in mapping.values():
            if isinstance(value, dict) and isinstance(value.get("properties"), dict):
                roots.append(value["properties"])
    out: dict[str, str] = {}
    stack: list[tuple[str, dict[str, Any], int]] = [("", r, 0) for r in roots]
    while stack and len(out) < MAX_FIELDS:
        prefix, props, depth = stack.pop()
        if depth > 64:
            continue
        for name, spec in props.items():
            if not isinstance(spec, dict) or not isinstance(name, str):
                continue
            path = f"{prefix}{name}"
            if len(path) > MAX_FIELD_PATH:
                continue
            sub = spec.get("properties")
            if isinstance(sub, dict):
                stack.append((path + ".", sub, depth + 1))
                if spec.get("type") == "nested":
                    out.setdefault(path, "nested")
            else:
                ftype = spec.get("type")
                out.setdefault(path, ftype if isinstance(ftype, str) else "object")
    return [FieldInfo(p, t) for p, t in sorted(out.items())]


def _year_interval(fp: Fingerprint | None) -> str | None:
    """How a date histogram asks for calendar years on this cluster: ``calendar_interval``
    (OpenSearch, Elasticsearch 7.2 and later; 8.0 refuses ``interval``), ``interval`` before
    7.2, None where the version is unknown (no histogram: the date range alone)."""
    m = re.match(r"(\d+)\.(\d+)", (fp.version if fp is not None else None) or "")
    if fp is None or not m:
        return None
    if fp.product == "elasticsearch" and (int(m[1]), int(m[2])) < (7, 2):
        return "interval"
    return "calendar_interval"


def can_hide(fp: Fingerprint | None) -> bool:
    """Whether an index of the cluster can be hidden (``index.hidden``): every OpenSearch,
    Elasticsearch 7.7 and later; assumed where the version is unknown."""
    m = re.match(r"(\d+)\.(\d+)", (fp.version if fp is not None else None) or "")
    if fp is None or not m or fp.product != "elasticsearch":
        return True
    return (int(m[1]), int(m[2])) >= (7, 7)


def random_sample(fp: Fingerprint | None) -> bool:
    """Whether the cluster scores documents at random from a field's values, the same
    every time (``random_score`` with ``seed`` and ``field``: every OpenSearch, Elasticsearch
    7 and later; before 7 a seed alone used ``_uid``'s field data, heavy on the heap)."""
    m = re.match(r"(\d+)\.", (fp.version if fp is not None else None) or "")
    if fp is None or not m:
        return False
    return fp.product == "opensearch" or int(m[1]) >= 7


# A random sample's seed: the same documents scan after scan (of an index not rewritten).
SAMPLE_SEED = 1
# A shard scores every document of the index for a random sample: a hash of each one's
# ``_seq_no`` (doc values). OpenSearch 2.19 took 0.4-0.65 s a million documents on one shard
# (a force-merged index, two cores at load 10), where the first 100 in index order take 10 ms.
# A shard may score for this share of the scan's read timeout (5 s of the default 10 s: about
# ten million documents a shard); past it, the shards answer with what they scored
# (``timed_out``) and the sample is the first documents instead.
SAMPLE_TIME_SHARE = 0.5


def sample_query(size: int, seconds: float = 5.0) -> dict[str, Any]:
    """A search for ``size`` documents at random over the index: each scored by a hash of
    its ``_seq_no`` and a fixed seed (salted by index and shard, unique within a shard), the
    highest scores kept: one pass over the index's doc values, no field data, no script;
    each shard scoring for ``seconds`` at most."""
    return {
        "size": size,
        "timeout": f"{max(1, int(seconds * 1000))}ms",
        "track_total_hits": False,
        "query": {
            "function_score": {
                "query": {"match_all": {}},
                "random_score": {"seed": SAMPLE_SEED, "field": "_seq_no"},
                "boost_mode": "replace",
            }
        },
    }


async def _sample_search(
    http: Http, path: str, query: dict[str, Any], size: int, drawn: str = "first"
) -> SampleDocs | None:
    """A sample search's documents, drawn as ``drawn`` says; None for a random one
    ("spread") the cluster refused (HTTP 400: a version that knows no such query) or did not
    finish in time (the caller asks for the first records then)."""
    random = drawn == "spread"
    try:
        resp = await http.request("POST", path, ALLOW, json=query)
    except NetError as exc:
        if random and not exc.denied:
            return None  # the scoring outlasted the read (or the answer was odd)
        return SampleDocs.failed(exc)
    body = resp.json_or_none()
    if random and (resp.status == 400 or (isinstance(body, dict) and body.get("timed_out"))):
        return None
    if resp.status != 200 or not isinstance(body, dict):
        why = " (the index is blocked for reads: index.blocks.read)" if blocked(resp) else ""
        return SampleDocs((), f"HTTP {resp.status} on _search{why}", denied=refused(resp))
    hits = body.get("hits", {})
    hits = hits.get("hits") if isinstance(hits, dict) else None
    if not isinstance(hits, list):
        return SampleDocs((), "no hits in the _search answer")
    docs = tuple(
        h.get("_source")
        for h in hits[:size]
        if isinstance(h, dict) and h.get("_source") is not None
    )
    return SampleDocs(docs, drawn=drawn)


def years_of(body: Any) -> tuple[YearCount, ...]:
    """The documents a year of a ``date_histogram`` by year named ``years``; () unless every
    bucket is one (a year's start in milliseconds since the epoch, a count)."""
    aggs = body.get("aggregations") if isinstance(body, dict) else None
    agg = aggs.get("years") if isinstance(aggs, dict) else None
    buckets = agg.get("buckets") if isinstance(agg, dict) else None
    if not isinstance(buckets, list) or len(buckets) > _MAX_YEARS:
        return ()
    years = []
    for b in buckets:
        key = b.get("key") if isinstance(b, dict) else None
        n = _int(b.get("doc_count")) if isinstance(b, dict) else None
        if not isinstance(key, int) or isinstance(key, bool) or n is None:
            return ()
        try:
            start = _EPOCH + timedelta(milliseconds=key)
        except OverflowError:
            return ()
        if (start.month, start.day, start.hour, start.minute) != (1, 1, 0, 0):
            return ()  # not a calendar year's start: some other interval
        years.append(YearCount(start.year, n))
    return tuple(years)


def main_date_field(fields: list[FieldInfo]) -> str | None:
    """The field most likely to carry a record's own date."""
    dates = [f.path for f in fields if f.type in ("date", "date_nanos")]
    if not dates:
        return None
    for name in _DATE_NAMES:
        for path in dates:
            if path == name or path.endswith("." + name):
                return path
    return sorted(dates, key=lambda p: (p.count("."), p))[0]


def _int(value: Any) -> int | None:
    # A count must fit SQLite's signed 64-bit INTEGER; str.isdigit() is also true of "²",
    # which int() refuses, and of 5000-digit strings, which int() refuses too.
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
        return value
    return None


def _short_text(value: Any, limit: int) -> str | None:
    # Never str() an arbitrary JSON value: a 1000-deep list makes repr() raise RecursionError.
    if isinstance(value, str):
        return value[:limit]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)[:limit]
    return None


class ElasticsearchProbe(Probe):
    """Elasticsearch 5–9 and OpenSearch 1–3, over http or https."""

    kind = "elasticsearch"
    words = Words(("index", "indices"), ("document", "documents"))
    default_ports = (9200, 9243)
    speaks_http = True
    allow = ALLOW
    distinct_counted = "cardinality, within its error bounds"
    distinct_listed = "every value listed by the store (a composite aggregation)"

    def __init__(self) -> None:
        # The indices behind masked container names (``names``): searched by their own.
        self._indices = Indices()

    async def verdict(
        self, transport: Transport, endpoint: Endpoint, *, room: int = REASON_CHARS
    ) -> Service:
        """Try the endpoint's scheme (http, then https when none was given) and classify;
        the reason in ``room`` characters (a Kibana's says its own words around it)."""
        first = await first_answer(
            transport, endpoint, self.kind, "/", ALLOW, too_large=_NOT_ES, what="root answer"
        )
        if isinstance(first, Service):
            return first
        return await self._classify(transport.http, endpoint, first.base, first.response, room)

    async def _classify(
        self, http: Http, endpoint: Endpoint, base: str, root: Response, room: int
    ) -> Service:
        if root.status in (401, 403) and _xml_error(root):
            # Elasticsearch and OpenSearch refuse in JSON, a proxy in front of them in HTML or
            # text; an XML <Error> is an S3-compatible or Azure store's, for its kind to judge.
            why = f"HTTP {root.status} with an XML error document, as object stores answer"
            return not_the_kind(endpoint, base, self.kind, root, why)
        if root.status in (401, 403):
            # The root's refusal is evidence, not the verdict: a proxy may guard / alone, an
            # anonymous role may read indices but not cluster information.
            realm = realm_of(root)
            fp = Fingerprint(product=_product_from_realm(realm), realm=realm, tls=root.tls)
            # The realm is kept whole in the fingerprint; a reason names its first characters.
            why = f"HTTP {root.status}" + (f", realm {short(realm)!r}" if realm else ", no realm")
            why += cut_said(root)  # a challenge is judged by its status and headers
            return await self._data_access(
                http, endpoint, base, fp, root_refused=why, root=root, room=room
            )
        if (moved := redirect(root)) is not None:
            return not_the_kind(endpoint, base, self.kind, root, moved)
        body = root.json_or_none()
        if root.status != 200:
            if _looks_like_es_error(body):
                return Service(
                    endpoint,
                    base,
                    self.kind,
                    Verdict.ERROR,
                    f"the cluster answers HTTP {root.status} on /",
                    Fingerprint(product="elasticsearch", tls=root.tls),
                )
            why = f"HTTP {root.status} on / with no Elasticsearch answer"
            return not_the_kind(endpoint, base, self.kind, root, why)
        parsed = parse_root(body)
        if parsed is None:
            why = not_welcome(root, "an Elasticsearch/OpenSearch root")
            return not_the_kind(endpoint, base, self.kind, root, why)
        fp = _with_tls(parsed, root)
        return await self._data_access(http, endpoint, base, fp, room=room)

    async def _data_access(
        self,
        http: Http,
        endpoint: Endpoint,
        base: str,
        fp: Fingerprint,
        root_refused: str | None = None,
        root: Response | None = None,
        room: int = REASON_CHARS,
    ) -> Service:
        """Ask the data APIs (list and search) whether they need credentials: they decide the
        verdict. ``root_refused``: why the root (``root``) asked for credentials; the data APIs
        must then answer as Elasticsearch does to count as open (the root did not prove the
        product), and one this address does not serve (``_UNSERVED``) reads nothing."""
        checks = {
            "_cat/indices": http.get(
                base + "/_cat/indices",
                ALLOW,
                params={"format": "json", "h": "index"},
            ),
            "_search": http.get(base + "/_search", ALLOW, params={"size": "0"}),
        }
        results = await asyncio.gather(*checks.values(), return_exceptions=True)
        open_apis, closed_apis, failing, realm = [], [], [], None
        unserved: list[str] = []  # behind a refusing root: not served here (``_UNSERVED``)
        failed: list[object] = []  # each failure: the exception, or the answer's status
        over: list[str] = []  # data APIs that answered 2xx over the size cap
        for name, res in zip(checks, results, strict=True):
            if isinstance(res, BaseException):
                if not isinstance(res, NetError):
                    raise res
                # A 2xx over the cap: the store served it without credentials, only its size
                # failed. Behind a refusing root its first bytes must read as the API's answer.
                if (
                    isinstance(res, TooLargeError)
                    and answered_over(res)
                    and (root_refused is None or _data_head(name, res.head))
                ):
                    open_apis.append(name)
                    over.append(f"{name}: {over_said(res)}")
                    continue
                said = over_said(res) if isinstance(res, TooLargeError) else str(res)
                failing.append(f"{name}: {said}")
                failed.append(res)
            elif res.status in (401, 403) and not blocked(res):
                closed_apis.append(name)
                realm = realm or realm_of(res)
            elif 200 <= res.status < 300 and (root_refused is None or _data_answer(name, res)):
                open_apis.append(name)
            elif 200 <= res.status < 300:
                pass  # not as Elasticsearch answers (a login page): the root's refusal stands
            elif root_refused is not None and res.status in _UNSERVED and not _es_said(res):
                unserved.append(f"{name}: HTTP {res.status}")
            else:  # a read block (``refusal``) among them: not a request for credentials
                failing.append(f"{name}: HTTP {res.status}")
                failed.append(res.status)
        if realm and not fp.realm:
            fp = replace(fp, realm=realm)
        # A data API that failed (timed out, reset, an error) neither reads nor refuses: it is
        # named in the reason, and only refusals from every one asked make ``secured``.
        # The failures' words are fitted to the room the reason leaves (``fitted``).
        fails = (
            listed(
                failing, "; ", " (failed)", short=f"; {len(failing)} failed", sep="; ", width=200
            )
            if failing
            else ""
        )
        asks = f"; {', '.join(closed_apis)} ask for them" if closed_apis else ""
        answered = f" ({'; '.join(over)})" if over else ""
        if root_refused is not None:
            # A data API this address does not serve (HTTP 404/405: a proxy that guards / and
            # routes nothing else) read nothing, and asked nothing either: the root's challenge
            # is the evidence of authentication. Without a challenge (a bare 403: nginx's
            # answer for a folder with no index page) and no refusal from a data API, nothing
            # here says Elasticsearch at all.
            # Elasticsearch's own refusal (a JSON error: an anonymous user without the right)
            # says Elasticsearch as surely as a challenge; a 401 asks for credentials by its
            # status alone (a gateway's token check sends no WWW-Authenticate), never a folder.
            challenged = root is not None and (
                root.challenge or root.status == 401 or _es_said(root)
            )
            if unserved and not (open_apis or closed_apis or failing or challenged):
                assert root is not None
                why = fitted(
                    f"HTTP {root.status} on / without an auth challenge, and no data API "
                    f"served ({'; '.join(unserved)}): nothing answers as Elasticsearch",
                    limit=room,
                )
                return not_the_kind(endpoint, base, self.kind, root, why)
            if not open_apis and not failing:  # the root's own words, confirmed
                reason = fitted(
                    f"/ asks for credentials ({root_refused}){asks}{_unserved(unserved)}: "
                    "nothing readable was reached"
                    if unserved
                    else root_refused,
                    limit=room,
                )
                return Service(
                    endpoint,
                    base,
                    self.kind,
                    Verdict.SECURED,
                    reason,
                    fp,
                    closed_apis=("/", *closed_apis),
                )
            if not open_apis:
                return Service(
                    endpoint,
                    base,
                    self.kind,
                    unsettled(failed),
                    fitted(
                        f"/ asks for credentials ({root_refused}){asks}{_unserved(unserved)}",
                        fails,
                        limit=room,
                    ),
                    fp,
                    closed_apis=("/", *closed_apis),
                )
            verdict = Verdict.OPEN if not closed_apis else Verdict.PARTIAL
            reason = fitted(
                f"{', '.join(open_apis)} answer without credentials{answered} although / asks "
                f"for them ({root_refused}){asks}{_unserved(unserved)}",
                fails,
                limit=room,
            )
            return Service(
                endpoint,
                base,
                self.kind,
                verdict,
                reason,
                fp,
                tuple(open_apis),
                ("/", *closed_apis),
            )
        if open_apis:
            verdict = Verdict.PARTIAL if closed_apis else Verdict.OPEN
            reason = fitted(
                f"{', '.join(open_apis)} answer without credentials{answered}{asks}",
                fails,
                limit=room,
            )
        elif not failing:
            verdict = Verdict.SECURED
            reason = fitted("root answers without credentials, data APIs ask for them", limit=room)
        elif closed_apis:
            verdict = unsettled(failed)
            reason = fitted(f"root answers without credentials{asks}", fails, limit=room)
        else:
            verdict = unsettled(failed)
            fail = listed(failing, "data APIs fail: ", "", sep="; ", width=200)
            reason = fitted(fail, limit=room)
        return Service(
            endpoint, base, self.kind, verdict, reason, fp, tuple(open_apis), tuple(closed_apis)
        )

    async def inventory(
        self, transport: Transport, service: Service, *, max_containers: int
    ) -> Inventory:
        """Every index with exact counts, sizes, fields, date range and wipe/ransom signs."""
        http, base = transport.http, service.url
        try:
            # Over the size cap, the rows whole in its first bytes: what was read is kept.
            rows, cut = await self._cat_indices(http, base)
        except NetError as exc:
            return Inventory((), f"cannot list indices: {exc}")
        if rows is None:
            return Inventory((), "cannot list indices: unexpected _cat/indices answer")
        hidden: set[str] = set()
        unknown = None
        # No index listed, or none of it can be hidden: nothing to mark, nothing unknown.
        if rows and can_hide(service.fingerprint):
            hidden, unknown = await self._hidden(http, base)
        valid, skipped, repeated = await requestable_rows(rows)
        detailed, rest = valid[:max_containers], valid[max_containers:]
        interval = _year_interval(service.fingerprint)
        # Masking is CPU work: the names reported only (numbered as ``names.behind`` reads).
        shown = await asyncio.to_thread(shown_names, [str(r["index"]) for r in detailed])
        self._indices.keep(base, shown)
        indices = await asyncio.gather(
            *(self._index(http, base, r, hidden, interval, shown) for r in detailed)
        )
        # Missing from the listing: what the cut left out, names that cannot be asked for.
        missing = [cut] if cut else []
        if skipped:
            missing.append(f"{skipped} index name(s) refused as invalid")
        # Not missing: every index is listed and counted all the same.
        notes = [unknown] if unknown else []
        if repeated:
            notes.append(f"{repeated} repeated index name(s) listed once")
        return Inventory(
            tuple(indices), "; ".join(missing) or None, len(rest), "; ".join(notes) or None
        )

    async def _cat_indices(
        self, http: Http, base: str
    ) -> tuple[list[dict[str, Any]] | None, str | None]:
        return await cat_indices_cut(
            http, base, bytes="b", h="health,status,index,docs.count,store.size"
        )

    async def _hidden(self, http: Http, base: str) -> tuple[set[str], str | None]:
        """The indices whose ``index.hidden`` is set, and what the inventory says where the
        settings were asked and not read (over the size cap: a cluster whose listing was cut
        has more settings than the cap holds), rather than show hidden indices unmarked
        without a word; so does a 200 whose JSON is no object of settings, and any other
        status (settings that ask for credentials while the listing does not, a proxy that
        does not pass them on, a node that fails them): only names starting with "." are then
        marked hidden, and the note says why no more are."""
        unknown = "which indices are hidden is unknown (index.hidden settings: {})"
        try:
            resp = await http.get(
                base + "/_all/_settings/index.hidden",
                ALLOW,
                params={"expand_wildcards": "all", "flat_settings": "true"},
            )
            if resp.status != 200:
                return set(), unknown.format(f"HTTP {resp.status}")
            body = resp.json()
        except NetError as exc:
            said = over_said(exc) if isinstance(exc, TooLargeError) else str(exc)
            return set(), unknown.format(said)
        if not isinstance(body, dict):
            return set(), unknown.format("HTTP 200, no object of settings")
        out = set()
        for name, value in body.items():
            settings = value.get("settings") if isinstance(value, dict) else None
            if isinstance(settings, dict) and settings.get("index.hidden") in ("true", True):
                out.add(name)
        return out, None

    async def _index(
        self,
        http: Http,
        base: str,
        row: dict[str, Any],
        hidden: set[str],
        interval: str | None,
        shown: dict[str, str],
    ) -> Container:
        """One index as a container, named as ``shown`` says where its name holds personal
        data (``names``)."""
        name = str(row["index"])
        path = base + "/" + quote(name, safe="")
        errors: list[str] = []
        shut: list[bool] = []  # each per-index read that failed: refused for credentials?
        docs: int | None = None
        try:
            resp = await http.get(path + "/_count", ALLOW)
            body = resp.json_or_none()
            if resp.status == 200 and isinstance(body, dict):
                docs = _int(body.get("count"))
            else:
                errors.append(f"_count: HTTP {resp.status}")
                shut.append(refused(resp))
        except NetError as exc:
            errors.append(f"_count: {exc}")
        fields: list[FieldInfo] = []
        try:
            resp = await http.get(path + "/_mapping", ALLOW)
            body = resp.json_or_none()
            if resp.status == 200 and isinstance(body, dict):
                entry: Any = body.get(name) or next(iter(body.values()), {})
                fields = flatten_mapping(entry.get("mappings") if isinstance(entry, dict) else None)
            else:
                errors.append(f"_mapping: HTTP {resp.status}")
                shut.append(refused(resp))
        except NetError as exc:
            errors.append(f"_mapping: {exc}")
        docs_exact = docs is not None
        if docs is None:  # _count refused (a partial store): _cat counts nested docs too
            docs = _int(row.get("docs.count"))
        date_field = main_date_field(fields)
        date_min = date_max = None
        years: tuple[YearCount, ...] = ()
        if date_field and docs:
            date_min, date_max, years = await self._date_range(
                http, path, date_field, errors, interval
            )
        reasons = compromise.by_name(shown.get(name, name))
        return Container(
            name=shown.get(name, name),
            docs=docs,
            store_bytes=_int(row.get("store.size")),
            hidden=name in hidden or name.startswith("."),
            system=name.startswith("."),
            fields=tuple(fields),
            date_field=date_field,
            date_min=date_min,
            date_max=date_max,
            compromised=bool(reasons),
            compromise_reasons=tuple(reasons),
            error=failures_said(errors),
            docs_exact=docs_exact,
            # _cat's count holds nested documents too: at most that many records.
            docs_high=docs if not docs_exact and docs else None,
            docs_basis="_cat/indices, which counts nested documents too"
            if not docs_exact and docs is not None
            else None,
            years=years,
            # Its count and its mapping both refused for credentials (a partial store's proxy).
            denied=len(shut) == 2 and all(shut),
            details={
                "health": _short_text(row.get("health"), 20),
                "status": _short_text(row.get("status"), 20),
            },
        )

    async def _date_range(
        self, http: Http, path: str, field: str, errors: list[str], interval: str | None
    ) -> tuple[str | None, str | None, tuple[YearCount, ...]]:
        """The field's first and last date and, in the same search, its documents a
        calendar year (a date histogram: every document, from the field's doc values) where
        the cluster's version says how to ask (``interval``: ``_year_interval``)."""
        aggs: dict[str, Any] = {"min": {"min": {"field": field}}, "max": {"max": {"field": field}}}
        if interval is not None:
            aggs["years"] = {
                "date_histogram": {"field": field, interval: "year", "min_doc_count": 1}
            }
        try:
            resp = await http.request(
                "POST", path + "/_search", ALLOW, json={"size": 0, "aggs": aggs}
            )
            body = resp.json_or_none()
        except NetError as exc:
            errors.append(f"date range: {exc}")
            return None, None, ()
        if resp.status != 200 or not isinstance(body, dict):
            errors.append(f"date range: HTTP {resp.status}")
            return None, None, ()
        found = body.get("aggregations") or {}

        def edge(key: str) -> str | None:
            agg = found.get(key) if isinstance(found, dict) else None
            if not isinstance(agg, dict):
                return None
            text = agg.get("value_as_string")
            return text if isinstance(text, str) and _DATE_TEXT.fullmatch(text) else None

        return edge("min"), edge("max"), years_of(body)

    async def sample(
        self, transport: Transport, service: Service, container: Container, size: int
    ) -> SampleDocs:
        """Up to ``size`` documents at random over the whole index (``sample_query``); the
        first in index order where the cluster cannot score at random from a field (an
        Elasticsearch before 7, a version unknown), refuses the query or does not score the
        whole index in its share of the read timeout, or the index holds no more than
        ``size`` documents."""
        try:
            index = await self._indices.index(transport.http, service.url, container.name)
        except ProtocolError as exc:
            return SampleDocs((), str(exc))
        path = service.url + "/" + quote(index, safe="") + "/_search"
        spread = random_sample(service.fingerprint) and (container.docs or 0) > size
        if spread:
            seconds = transport.limits.read_timeout * SAMPLE_TIME_SHARE
            query = sample_query(size, seconds)
            got = await _sample_search(transport.http, path, query, size, "spread")
            if got is not None:
                return got
        got = await _sample_search(transport.http, path, {"size": size, "sort": ["_doc"]}, size)
        assert got is not None  # only a random search gives way
        return got

    @property
    def indices(self) -> Indices:
        """The indices behind the masked names its inventories listed (``names``): what a
        reader of a cluster it listed through another way (Kibana's console proxy) asks."""
        return self._indices

    def reader(self, transport: Transport, service: Service) -> FullReader:
        """Point in time + search_after where the version has it, sliced scroll otherwise."""
        from .read import ElasticsearchReader

        return ElasticsearchReader(transport.http, service, indices=self._indices)

    async def count_distinct(
        self,
        transport: Transport,
        service: Service,
        containers: Sequence[Container],
        fields: Sequence[str],
    ) -> dict[str, Distinct] | None:
        """Each keyword field's distinct values across all the indices at once, one request:
        ``cardinality`` at its highest precision, a person in several yearly indices counted
        once. The bounds are the aggregation's (``CARDINALITY_ERROR``)."""
        if not containers or not fields:
            return None
        names = await self._indices.indices(
            transport.http, service.url, [c.name for c in containers]
        )
        aggs = {
            f"f{n}": {"cardinality": {"field": f, "precision_threshold": PRECISION}}
            for n, f in enumerate(fields)
        }
        query = {
            "size": 0,
            "track_total_hits": False,
            "query": {"terms": {"_index": names}},
            "aggs": aggs,
        }
        resp, body = await _search_all(transport, service, query)
        if resp.status != 200:
            raise NetError(f"its cardinality count was refused: HTTP {resp.status}")
        found = body.get("aggregations") if isinstance(body, dict) else None
        if not isinstance(found, dict):
            raise NetError("its cardinality count answered without aggregations")
        if _failed_shards(body):
            raise NetError("its cardinality count failed on some shards")
        out = {}
        for n, f in enumerate(fields):
            agg = found.get(f"f{n}")
            value = _int(agg.get("value")) if isinstance(agg, dict) else None
            if value is not None:
                err = 0.005 if value < PRECISION else CARDINALITY_ERROR
                out[f] = Distinct(
                    value, int(value * (1 - err)), round(value * (1 + err) + 0.5), value == 0
                )
        return out or None

    async def distinct_values(
        self, transport: Transport, service: Service, containers: Sequence[Container], field: str
    ) -> AsyncIterator[str]:
        """A keyword field's values across the indices, each once: a ``composite``
        aggregation, paged (Elasticsearch 6.1+, OpenSearch)."""
        source: dict[str, Any] = {
            "size": TERMS_PAGE,
            "sources": [{"v": {"terms": {"field": field}}}],
        }
        names = await self._indices.indices(
            transport.http, service.url, [c.name for c in containers]
        )
        while True:
            query = {
                "size": 0,
                "track_total_hits": False,
                "query": {"terms": {"_index": names}},
                "aggs": {"v": {"composite": source}},
            }
            resp, body = await _search_all(transport, service, query)
            if resp.status != 200:
                raise NetError(f"its list of {field} values was refused: HTTP {resp.status}")
            aggs = body.get("aggregations") if isinstance(body, dict) else None
            agg = aggs.get("v") if isinstance(aggs, dict) else None
            if not isinstance(agg, dict):
                raise NetError(f"its list of {field} values came back without them")
            buckets = agg.get("buckets")
            if not isinstance(buckets, list) or _failed_shards(body):
                raise NetError(f"its list of {field} values came back incomplete")
            for b in buckets:
                key = b.get("key") if isinstance(b, dict) else None
                value = key.get("v") if isinstance(key, dict) else None
                if value is not None:
                    yield str(value)
            after = agg.get("after_key")
            if not buckets or not isinstance(after, dict):
                return
            source = {**source, "after": after}

    def field_type(self, native: str) -> FieldType:
        """A mapping type in neutral words (``long`` is a number, ``match_only_text`` text)."""
        return _FIELD_TYPES.get(native, FieldType.UNKNOWN)


_NOT_ES = Verdict.not_of(ElasticsearchProbe.kind)
# Statuses of a data API behind a refusing root that say the address does not serve it (not
# found, method not allowed): a proxy that routes / alone. Elasticsearch answers neither to a
# GET of _cat/indices or _search; a server error (5xx: a backend down) is a failure instead.
_UNSERVED = (404, 405)


def _es_said(resp: Response) -> bool:
    """Whether an answer is Elasticsearch's own error document: the address serves it (a 404
    of an index not found is the cluster's answer, not a path no proxy routes). Its error is
    an object with a type (``security_exception``): a web framework's error document
    (Spring's ``{"status": 404, "error": "Not Found"}``) names no Elasticsearch."""
    body = resp.json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    return (
        isinstance(body, dict)
        and isinstance(body.get("status"), int)
        and isinstance(error, dict)
        and isinstance(error.get("type"), str)
    )


def _unserved(unserved: list[str]) -> str:
    """The data APIs not served here, for a reason (empty where none)."""
    return f"; not served here: {'; '.join(unserved)}" if unserved else ""


# cardinality's precision_threshold at its highest: below it counts are "expected to be close
# to accurate", above it HyperLogLog++'s error (measured: benchmarks/people_count.py).
PRECISION = 40_000
CARDINALITY_ERROR = 0.02
TERMS_PAGE = 10_000  # values per composite page


async def _search_all(
    transport: Transport, service: Service, query: dict[str, Any]
) -> tuple[Response, Any]:
    """A search over every index the query names, hidden ones included (7.7+; an older node
    refuses the word and is asked again without it)."""
    url = service.url + "/_search"
    resp = await transport.http.request(
        "POST", url, ALLOW, json=query, params={"expand_wildcards": "open,hidden"}
    )
    if resp.status == 400:
        resp = await transport.http.request("POST", url, ALLOW, json=query)
    return resp, resp.json_or_none()


def _failed_shards(body: Any) -> bool:
    shards = body.get("_shards") if isinstance(body, dict) else None
    failed = shards.get("failed") if isinstance(shards, dict) else None
    return isinstance(failed, int) and failed > 0


_FIELD_TYPES: dict[str, FieldType] = {
    **{t: FieldType.TEXT for t in ("text", "match_only_text")},
    **{t: FieldType.KEYWORD for t in ("keyword", "constant_keyword", "wildcard")},
    **{
        t: FieldType.NUMBER
        for t in (
            "long",
            "integer",
            "short",
            "byte",
            "double",
            "float",
            "half_float",
            "scaled_float",
            "unsigned_long",
        )
    },
    **{t: FieldType.DATE for t in ("date", "date_nanos")},
    "version": FieldType.VERSION,
    "boolean": FieldType.BOOLEAN,
    "ip": FieldType.IP,
    "geo_point": FieldType.GEO_POINT,
    "geo_shape": FieldType.GEO_SHAPE,
    "object": FieldType.OBJECT,
    "nested": FieldType.NESTED,
    "binary": FieldType.BINARY,
}


def _with_tls(fp: Fingerprint, resp: Response) -> Fingerprint:
    return replace(fp, tls=resp.tls) if resp.tls else fp
