"""Elasticsearch and OpenSearch: fingerprint, auth verdict, index inventory, document sample."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from ..errors import ConnectError, NetError, ProtocolError, TimeoutError_, TooLargeError
from ..models import Endpoint, FieldInfo, Fingerprint, Index, Service, Verdict
from ..net import Http, Response, rules
from .base import Inventory, Probe, SampleDocs

# Path shapes. An index segment never starts with "_", "-" or "+" (the server forbids it), so
# "/{index}" can never be mistaken for an API such as "/_bulk". PRE allows the target URL's own
# path prefix (a cluster behind a reverse-proxy path).
_SEG = r"/(?!\.\.?(?:/|$))[^/_\-+][^/]*"  # never "." or ".." segments
_PRE = rf"(?:{_SEG})*"
_IDX = _SEG

ALLOW = rules("elasticsearch", [
    ("GET", rf"{_PRE}/?"),
    ("HEAD", rf"{_PRE}/?"),
    ("GET", rf"{_PRE}/_cat/indices"),
    ("GET", rf"{_PRE}/_cluster/health"),
    ("GET", rf"{_PRE}/_all/_settings/index\.hidden"),
    ("GET", rf"{_PRE}/_search"),
    ("POST", rf"{_PRE}(?:{_IDX})?/_search"),
    ("GET", rf"{_PRE}{_IDX}/_count"),
    ("POST", rf"{_PRE}{_IDX}/_count"),
    ("GET", rf"{_PRE}{_IDX}/_mapping"),
    # Full-depth reads (fullscan.py). On Elasticsearch 5/6 "POST /{index}/_pit" would index a
    # document (type "_pit"): the PIT paths are sent only when the fingerprint proves a version
    # that has them (OpenSearch >= 2.4, Elasticsearch >= 7.10). Scroll exists in every version.
    ("POST", rf"{_PRE}{_IDX}/_search/point_in_time"),
    ("POST", rf"{_PRE}{_IDX}/_pit"),
    ("POST", rf"{_PRE}/_search/scroll"),
], releases=[
    # DELETE frees the contexts a full scan opened, at the root only: under a prefix,
    # "/x/_search/scroll" would be a document delete (index x, type _search) on 5.x/6.x.
    r"/_search/point_in_time",
    r"/_pit",
    r"/_search/scroll",
])

# What wiper and ransom bots leave behind: "meow" bots rename or empty indices with a "-meow"
# suffix; ransom gangs create an index named like "read_me" or "how_to_recover" with a note.
_WIPE_NAME = re.compile(r"(?:^|[-_])meow$", re.I)
_RANSOM_NAME = re.compile(
    r"^(?:read[_\-. ]?me|readme|read[_ ]me[_ ]to[_ ]recover.*|how[_\-]?to[_\-]?recover.*|"
    r"recover[_\-]?your[_\-]?data|warning|please[_\-]?read(?:[_\-]?me)?|restore[_\-]?data)$",
    re.I)
# A note names a coin and asks to pay or recover, in either order. Two searches, not one
# "coin.*ask|ask.*coin" pattern: that backtracks quadratically (seconds per document) on text
# repeating one word without the other.
_RANSOM_COIN = re.compile(r"\b(?:bitcoin|btc|monero|xmr)\b", re.I)
_RANSOM_ASK = re.compile(r"\b(?:recover|restore|backed?\s?up|pay)\b", re.I)

# Preferred names for the "main date" of a record, most telling first.
_DATE_NAMES = ("@timestamp", "created_at", "createdAt", "created", "timestamp", "date",
               "creation_date", "opened_at", "updated_at", "time")
_REALM = re.compile(r'realm="([^"]*)"', re.I)
_ES_TAGLINE = "You Know, for Search"
_OS_TAGLINE = "The OpenSearch Project"

MAX_FIELDS = 5000  # per index: a hostile mapping may declare millions
MAX_FIELD_PATH = 512  # characters: longer dotted paths are skipped (a long parent name would
# otherwise be copied into every child's path: 300 KB of mapping, 1 GB of paths)
# Dates an aggregation may report: digits, letters (month names), separators. Anything else
# (escape sequences, markup) is not a date and must not reach a report.
_DATE_TEXT = re.compile(r"[\w :.,/+\-]{1,40}")


def _realm(resp: Response) -> str | None:
    m = _REALM.search(resp.headers.get("www-authenticate", ""))
    return m.group(1)[:200] if m else None


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


def _looks_like_es_error(body: Any) -> bool:
    return isinstance(body, dict) and "error" in body and "status" in body


def _json_or_none(resp: Response) -> Any:
    try:
        return resp.json()
    except (ProtocolError, TooLargeError):
        return None


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


def compromise_by_name(name: str) -> list[str]:
    """Reasons an index name says the store was wiped or held to ransom."""
    reasons = []
    if _WIPE_NAME.search(name):
        reasons.append(f"index name {name!r} matches what 'meow' wiper bots leave")
    if _RANSOM_NAME.match(name):
        reasons.append(f"index name {name!r} looks like a ransom note")
    return reasons


def ransom_text(doc: Any) -> bool:
    """Whether a document reads like a ransom note (payment in crypto to recover data)."""
    text = " ".join(_strings(doc, 50))[:20000]
    return bool(_RANSOM_COIN.search(text) and _RANSOM_ASK.search(text))


def _strings(value: Any, budget: int) -> list[str]:
    out: list[str] = []
    stack = [value]
    while stack and len(out) < budget:
        v = stack.pop()
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


def _valid_index_name(name: Any) -> bool:
    # The server's own rules; a hostile server may return names that would be wildcards or
    # paths in a URL, so those are never requested.
    return (isinstance(name, str) and 0 < len(name.encode()) <= 255
            and not name.startswith(("_", "-", "+"))
            and not any(c in name for c in '\\/*?"<>| ,#:'))


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
    default_ports = (9200, 9243)
    allow = ALLOW

    async def fingerprint(self, http: Http, endpoint: Endpoint) -> Service:
        """Try the endpoint's scheme (http, then https when none was given) and classify."""
        schemes = [endpoint.scheme] if endpoint.scheme else ["http", "https"]
        reason = ""
        for scheme in schemes:
            base = endpoint.url(scheme)
            try:
                root = await http.get(base + "/", ALLOW)
            except ConnectError as exc:
                verdict = Verdict.CLOSED if "refused" in str(exc) else Verdict.ERROR
                return Service(endpoint, base, self.kind, verdict, str(exc))
            except TimeoutError_ as exc:
                return Service(endpoint, base, self.kind, Verdict.TIMEOUT, str(exc))
            except TooLargeError as exc:
                return Service(endpoint, base, self.kind, Verdict.NOT_ELASTICSEARCH,
                               f"root answer too large: {exc}")
            except NetError as exc:
                reason = f"{scheme}: {exc}" if not reason else f"{reason}; {scheme}: {exc}"
                continue
            if (scheme == "http" and len(schemes) > 1 and root.status == 400
                    and b"https" in root.body[:2000].lower()):
                reason = "http: the server asks for https"
                continue
            return await self._classify(http, endpoint, base, root)
        return Service(endpoint, endpoint.url(schemes[0]), self.kind, Verdict.ERROR,
                       reason or "no answer")

    async def _classify(self, http: Http, endpoint: Endpoint, base: str,
                        root: Response) -> Service:
        if root.status in (401, 403):
            realm = _realm(root)
            fp = Fingerprint(product=_product_from_realm(realm), realm=realm, tls=root.tls)
            why = f"HTTP {root.status}" + (f", realm {realm!r}" if realm else ", no realm")
            return Service(endpoint, base, self.kind, Verdict.SECURED, why, fp,
                           closed_apis=("/",))
        if 300 <= root.status < 400:
            where = root.headers.get("location", "")[:200]
            return Service(endpoint, base, self.kind, Verdict.NOT_ELASTICSEARCH,
                           f"HTTP {root.status} redirect to {where!r} (not followed)",
                           Fingerprint(tls=root.tls))
        body = _json_or_none(root)
        if root.status != 200:
            if _looks_like_es_error(body):
                return Service(endpoint, base, self.kind, Verdict.ERROR,
                               f"the cluster answers HTTP {root.status} on /",
                               Fingerprint(product="elasticsearch", tls=root.tls))
            return Service(endpoint, base, self.kind, Verdict.NOT_ELASTICSEARCH,
                           f"HTTP {root.status} on / with no Elasticsearch answer",
                           Fingerprint(tls=root.tls))
        parsed = parse_root(body)
        if parsed is None:
            server = root.headers.get("server", "")[:80]
            return Service(endpoint, base, self.kind, Verdict.NOT_ELASTICSEARCH,
                           "HTTP 200 on / but not an Elasticsearch/OpenSearch root"
                           + (f" (server {server!r})" if server else ""),
                           Fingerprint(tls=root.tls))
        fp = _with_tls(parsed, root)
        return await self._data_access(http, endpoint, base, fp)

    async def _data_access(self, http: Http, endpoint: Endpoint, base: str,
                           fp: Fingerprint) -> Service:
        """Root answered; ask the data APIs whether they need credentials."""
        checks = {
            "_cat/indices": http.get(base + "/_cat/indices", ALLOW,
                                     params={"format": "json", "h": "index"}),
            "_search": http.get(base + "/_search", ALLOW, params={"size": "0"}),
        }
        results = await asyncio.gather(*checks.values(), return_exceptions=True)
        open_apis, closed_apis, failing, realm = [], [], [], None
        for name, res in zip(checks, results, strict=True):
            if isinstance(res, BaseException):
                if not isinstance(res, NetError):
                    raise res
                failing.append(f"{name}: {res}")
            elif res.status in (401, 403):
                closed_apis.append(name)
                realm = realm or _realm(res)
            elif 200 <= res.status < 300:
                open_apis.append(name)
            else:
                failing.append(f"{name}: HTTP {res.status}")
        if realm:
            fp = _replace(fp, realm=realm)
        if open_apis and closed_apis:
            verdict = Verdict.PARTIAL
            reason = (f"{', '.join(open_apis)} answer without credentials; "
                      f"{', '.join(closed_apis)} ask for them")
        elif open_apis:
            verdict, reason = Verdict.OPEN, f"{', '.join(open_apis)} answer without credentials"
        elif closed_apis:
            verdict = Verdict.SECURED
            reason = "root answers without credentials, data APIs ask for them"
        else:
            verdict, reason = Verdict.ERROR, "data APIs fail: " + "; ".join(failing)
        return Service(endpoint, base, self.kind, verdict, reason, fp,
                       tuple(open_apis), tuple(closed_apis))

    async def inventory(self, http: Http, service: Service, *, max_indices: int) -> Inventory:
        """Every index with exact counts, sizes, fields, date range and wipe/ransom signs."""
        base = service.url
        try:
            rows = await self._cat_indices(http, base)
        except NetError as exc:
            return Inventory((), f"cannot list indices: {exc}")
        if rows is None:
            return Inventory((), "cannot list indices: unexpected _cat/indices answer")
        hidden = await self._hidden(http, base)
        valid = [r for r in rows if _valid_index_name(r.get("index"))]
        skipped = len(rows) - len(valid)
        valid.sort(key=lambda r: (str(r["index"]).startswith("."), str(r["index"])))
        detailed, rest = valid[:max_indices], valid[max_indices:]
        indices = await asyncio.gather(*(self._index(http, base, r, hidden) for r in detailed))
        error = f"{skipped} index name(s) refused as invalid" if skipped else None
        return Inventory(tuple(indices), error, len(rest))

    async def _cat_indices(self, http: Http, base: str) -> list[dict[str, Any]] | None:
        params = {"format": "json", "bytes": "b", "expand_wildcards": "all",
                  "h": "health,status,index,docs.count,store.size"}
        resp = await http.get(base + "/_cat/indices", ALLOW, params=params)
        if resp.status == 400:  # before 7.7, _cat/indices has no expand_wildcards
            params.pop("expand_wildcards")
            resp = await http.get(base + "/_cat/indices", ALLOW, params=params)
        if resp.status != 200:
            raise ProtocolError(f"HTTP {resp.status} on _cat/indices")
        body = resp.json()
        if not isinstance(body, list):
            return None
        return [r for r in body if isinstance(r, dict)]

    async def _hidden(self, http: Http, base: str) -> set[str]:
        try:
            resp = await http.get(base + "/_all/_settings/index.hidden", ALLOW,
                                  params={"expand_wildcards": "all", "flat_settings": "true"})
            body = resp.json() if resp.status == 200 else {}
        except NetError:
            return set()
        out = set()
        if isinstance(body, dict):
            for name, value in body.items():
                settings = value.get("settings") if isinstance(value, dict) else None
                if isinstance(settings, dict) and settings.get("index.hidden") in ("true", True):
                    out.add(name)
        return out

    async def _index(self, http: Http, base: str, row: dict[str, Any],
                     hidden: set[str]) -> Index:
        name = str(row["index"])
        path = base + "/" + quote(name, safe="")
        errors: list[str] = []
        docs: int | None = None
        try:
            resp = await http.get(path + "/_count", ALLOW)
            body = _json_or_none(resp)
            if resp.status == 200 and isinstance(body, dict):
                docs = _int(body.get("count"))
            else:
                errors.append(f"_count: HTTP {resp.status}")
        except NetError as exc:
            errors.append(f"_count: {exc}")
        fields: list[FieldInfo] = []
        try:
            resp = await http.get(path + "/_mapping", ALLOW)
            body = _json_or_none(resp)
            if resp.status == 200 and isinstance(body, dict):
                entry: Any = body.get(name) or next(iter(body.values()), {})
                fields = flatten_mapping(entry.get("mappings") if isinstance(entry, dict) else None)
            else:
                errors.append(f"_mapping: HTTP {resp.status}")
        except NetError as exc:
            errors.append(f"_mapping: {exc}")
        docs_exact = docs is not None
        if docs is None:  # _count refused (a partial store): _cat counts nested docs too
            docs = _int(row.get("docs.count"))
        date_field = main_date_field(fields)
        date_min = date_max = None
        if date_field and docs:
            date_min, date_max = await self._date_range(http, path, date_field, errors)
        reasons = compromise_by_name(name)
        return Index(
            name=name,
            docs=docs,
            store_bytes=_int(row.get("store.size")),
            health=_short_text(row.get("health"), 20),
            status=_short_text(row.get("status"), 20),
            hidden=name in hidden or name.startswith("."),
            system=name.startswith("."),
            fields=tuple(fields),
            date_field=date_field,
            date_min=date_min,
            date_max=date_max,
            compromised=bool(reasons),
            compromise_reasons=tuple(reasons),
            error="; ".join(errors) or None,
            docs_exact=docs_exact,
        )

    async def _date_range(self, http: Http, path: str, field: str,
                          errors: list[str]) -> tuple[str | None, str | None]:
        query = {"size": 0, "aggs": {"min": {"min": {"field": field}},
                                     "max": {"max": {"field": field}}}}
        try:
            resp = await http.request("POST", path + "/_search", ALLOW, json=query)
            body = _json_or_none(resp)
        except NetError as exc:
            errors.append(f"date range: {exc}")
            return None, None
        if resp.status != 200 or not isinstance(body, dict):
            errors.append(f"date range: HTTP {resp.status}")
            return None, None
        aggs = body.get("aggregations") or {}

        def edge(key: str) -> str | None:
            agg = aggs.get(key) if isinstance(aggs, dict) else None
            if not isinstance(agg, dict):
                return None
            text = agg.get("value_as_string")
            return text if isinstance(text, str) and _DATE_TEXT.fullmatch(text) else None

        return edge("min"), edge("max")

    async def sample(self, http: Http, service: Service, index: Index, size: int) -> SampleDocs:
        """The first ``size`` documents in index order: cheap for the server."""
        query = {"size": size, "sort": ["_doc"]}
        path = service.url + "/" + quote(index.name, safe="") + "/_search"
        try:
            resp = await http.request("POST", path, ALLOW, json=query)
        except NetError as exc:
            return SampleDocs((), str(exc))
        body = _json_or_none(resp)
        if resp.status != 200 or not isinstance(body, dict):
            return SampleDocs((), f"HTTP {resp.status} on _search")
        hits = body.get("hits", {})
        hits = hits.get("hits") if isinstance(hits, dict) else None
        if not isinstance(hits, list):
            return SampleDocs((), "no hits in the _search answer")
        docs = tuple(h.get("_source") for h in hits[:size]
                     if isinstance(h, dict) and h.get("_source") is not None)
        return SampleDocs(docs)

    def flag_sample(self, index: Index, docs: Sequence[Any]) -> Index:
        """Mark the index compromised when a sampled document reads like a ransom note."""
        if not any(ransom_text(d) for d in docs[:20]):
            return index
        reasons = (*index.compromise_reasons, "a document reads like a ransom note")
        return _replace(index, compromised=True, compromise_reasons=reasons)


def _replace(value: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(value, **changes)


def _with_tls(fp: Fingerprint, resp: Response) -> Fingerprint:
    return _replace(fp, tls=resp.tls) if resp.tls else fp
