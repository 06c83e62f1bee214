"""Elasticsearch/OpenSearch REST requests, as a proxy or the store itself logs them: the action
(CouchDB's own paths are decided by ``couchdb_api``).

Read from the REST API reference: ``_cat``/``_mapping``/``_aliases``/``_cluster/state`` list what
the store holds, and so does ``_count`` (a number, no document); ``_search``/``_doc``/``_mget``
read, and so do async search, EQL, kNN, ES|QL (``_query``) and ``_terms_enum``; a ``scroll=``
search, a point in time (OpenSearch ``/_search/point_in_time``, Elasticsearch ``/_pit``) and
their follow-up pages read in bulk, as does a page of ``size`` >= ``BULK_SIZE``; a search of
``size=0`` returns no document, only counts and aggregations, and is an ``aggregate`` (a read
when its answer is larger than a few counts: ``Activity`` decides by its bytes); ``DELETE
/index`` and ``_delete_by_query`` wipe; the meow attack's ``*-meow`` indices and the ransom
indices (``read_me``, ``how_to_recover``…) mark the attacks the 2020 wave left behind.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from ..actions import (
    AGGREGATE,
    BULK_READ,
    CTX_MAYBE_PAGE,
    CTX_NONE,
    CTX_OPEN,
    CTX_PAGE,
    ENUMERATE,
    EXACT,
    NO_RECORDS,
    PAGE_SIZE,
    PROBE,
    RANSOM_NOTE,
    READ,
    WIPE,
    WRITE,
)
from . import couchdb_api

BULK_SIZE = 1000  # a page this large is a dump, not an application's search
RANSOM_NAMES = re.compile(
    r"(?i)^(read_?me|readme\d*|how_to_recover\w*|warning|recover\w*|please_read\w*|"
    r"backup_?info\w*|your_data\w*)$"
)
# More digits: no page size. Elasticsearch keeps the last of a repeated parameter
# (``?size=0&size=10000`` returns 10,000 hits): every one is found, the last one counts.
_SIZE = re.compile(r"(?:^|(?<=&))size=(\d{1,18})(?=&|$)")
# Tools made to copy a whole index, by the user agent they send (elasticdump's own requests
# carry none of their own; these name themselves).
DUMP_AGENTS = re.compile(
    rb"(?i)elasticdump|elasticsearch-dump|es2csv|esdump|elastic-dump|estransfer|es-dump|"
    rb"elasticsearch-exporter|logstash-input-elasticsearch"
)
_READ_TAILS = (
    "_search",
    "_doc",
    "_source",
    "_mget",
    "_msearch",
    "_explain",
    "_termvectors",
    "_field_caps",
    "_validate",
    "_sql",
    "_plugins",
    "_opendistro",
    # searches by other names: async (ES 7.7+), EQL, kNN, ES|QL, and a field's values listed
    "_async_search",
    "_eql",
    "_knn_search",
    "_query",
    "_terms_enum",
)
# Read tails that take no index in the path (each search, document or query names its own)
_ROOT_READS = ("_msearch", "_mget", "_async_search", "_eql", "_query")
# Stored searches and their results, released by DELETE (``/_async_search/<id>``): no data
_STORED_SEARCHES = ("_search", "_pit", "_async_search", "_eql", "_query")
_ENUM_HEADS = (
    "_cat",
    "_mapping",
    "_mappings",
    "_aliases",
    "_alias",
    "_cluster",
    "_stats",
    "_settings",
    "_all",
    "_resolve",
    "_data_stream",
    "_template",
    "_index_template",
    "_segments",
    "_recovery",
    "_shard_stores",
    "_nodes",
    "_snapshot",
    "_tasks",
)
_PROBE_HEADS = ("", "favicon.ico", "_nodes", "_license", "_xpack", "robots.txt")

# action, target, records, how they are known (NO_RECORDS, PAGE_SIZE, EXACT), bulk context op
Classified = tuple[int, str | None, int, int, int]
_WEB_FILE = re.compile(
    r"(?i)\.(php\d?|html?|gif|png|jpe?g|ico|svg|js|css|txt|xml|aspx?|jsp|cgi|env|git|bak|ini|"
    r"cfg|conf|yml|yaml|map|woff2?)$"
)


_by_target: dict[tuple[str, str], Classified] = {}


def classify(method: str, target: str) -> Classified:
    """The action of one REST request (method, path?query) on an Elasticsearch-like store."""
    hit = _by_target.get((method, target))
    if hit is not None:
        return hit
    result = _classified(method, target)
    if len(_by_target) > 65536:  # unique targets must not grow memory
        _by_target.clear()
    _by_target[(method, target)] = result
    return result


def _classified(method: str, target: str) -> Classified:
    action, index, size, ctx = _classify(method, target)
    if size < 0:
        return action, index, -size, EXACT, ctx
    return action, index, size, PAGE_SIZE if size else NO_RECORDS, ctx


def _classify(method: str, target: str) -> tuple[int, str | None, int, int]:
    """``classify`` with the size alone: above 0 a page size, below 0 an exact count."""
    path, _, query = target.partition("?")
    if "%" in path:
        path = unquote(path)
    parts = [p for p in path.split("/") if p]
    head = parts[0] if parts else ""
    if (head in _PROBE_HEADS and len(parts) <= 1) or _WEB_FILE.search(path):
        return PROBE, None, 0, CTX_NONE
    index = None if head.startswith("_") or not head else head
    size = 0
    sized = False  # size= given, 0 included: a search of size 0 returns no document
    if "size=" in query:
        found = _SIZE.findall(query)
        if found:
            size = int(found[-1])
            sized = True
    tails = parts[1:] if index else parts
    verb = tails[0] if tails else ""
    method = method.upper()
    couch = couchdb_api.classify(method, head, index, tails, query)
    if couch is not None:
        named = [p for p in (index, *tails[:1]) if p]  # the database, and a document's id
        if couch[0] == WRITE and index and any(RANSOM_NAMES.match(p) for p in named):
            return RANSOM_NOTE, index, 0, CTX_NONE
        return couch
    if method in ("DELETE",):
        if verb in ("_search", "_async_search") or head in _STORED_SEARCHES:
            return PROBE, None, 0, CTX_NONE  # releasing a scroll/PIT the source opened
        if index and not tails:
            return WIPE, index, 0, CTX_NONE
        if index and verb in ("_doc", "_delete_by_query"):
            return WIPE, index, 0, CTX_NONE
        if not index:
            return WIPE, head or "*", 0, CTX_NONE
        return WRITE, index, 0, CTX_NONE
    if verb == "_delete_by_query":
        return WIPE, index, 0, CTX_NONE
    if index and RANSOM_NAMES.match(index) and method in ("PUT", "POST"):
        return RANSOM_NOTE, index, 0, CTX_NONE
    if index and index.lower().endswith("-meow") and method in ("PUT", "POST"):
        return WIPE, index, 0, CTX_NONE  # the meow bot writes <random>-meow over what it wiped
    if verb == "_search":  # (a root /_search has verb "_search" too: tails are the parts)
        sub = tails[1] if len(tails) > 1 else ""
        if sub == "point_in_time":
            return BULK_READ, index, 0, CTX_OPEN
        if sub == "scroll":
            return BULK_READ, index, size, CTX_PAGE
        if "scroll=" in query:
            return BULK_READ, index, size, CTX_OPEN
        if size >= BULK_SIZE:
            return BULK_READ, index or "*", size, CTX_NONE
        if sized and not size:  # hits.total and aggregations, no hit: no record taken
            return AGGREGATE, index or "*", 0, CTX_NONE
        if index is None:  # a root search: a point-in-time page when the source opened one
            return READ, "*", size, CTX_MAYBE_PAGE
        return READ, index, size, CTX_NONE
    if verb == "_pit" or head == "_pit":
        if method == "POST" and index:
            return BULK_READ, index, 0, CTX_OPEN
        return PROBE, None, 0, CTX_NONE
    if (
        method in ("PUT", "POST")
        and (index or verb == "_bulk")
        and (verb in ("_doc", "_create", "_update", "_bulk") or (method == "PUT" and not verb))
    ):
        return WRITE, index, 0, CTX_NONE
    if verb in ("_doc", "_source") and len(tails) == 2 and method in ("GET", "HEAD"):
        return READ, index, -1, CTX_NONE  # one document by its id
    if verb in _ROOT_READS and index is None:
        return READ, "*", size, CTX_NONE
    if verb in _READ_TAILS:
        return READ, index, size, CTX_NONE
    if verb == "_count":  # a number of documents, never one of them: what the store holds
        return ENUMERATE, index, 0, CTX_NONE
    if head in _PROBE_HEADS and not index:
        return PROBE, None, 0, CTX_NONE
    if head in _ENUM_HEADS or verb in _ENUM_HEADS:
        return ENUMERATE, index, 0, CTX_NONE
    if index and not tails and method in ("GET", "HEAD"):
        return ENUMERATE, index, 0, CTX_NONE  # GET /index: its settings and mappings
    if method in ("PUT", "POST"):
        return WRITE, index, 0, CTX_NONE
    return PROBE, index, 0, CTX_NONE


_cache: dict[bytes, Classified] = {}
_SIZE_B = re.compile(rb"(?:^|(?<=&))size=(\d{1,18})(?=&|$)")  # the last counts, as _SIZE
_LIMIT_B = re.compile(rb"(?:^|&)limit=(\d{1,18})(?:&|$)")  # CouchDB's page size
_DOCS_B = re.compile(rb"(?:^|&)include_docs=true(?:&|$)")


def classify_line(request: bytes) -> Classified | None:
    """The action of a request line ``METHOD /path?query HTTP/1.1`` (bytes), cached; None when
    it is no request line (a TLS handshake sent to a plain port, garbage)."""
    hit = _cache.get(request)
    if hit is not None:
        return hit
    # Query strings make most requests unique (q=customer_id:…), but the action depends on the
    # query only through size=, scroll=, limit= and include_docs=: cache on the rest, so a
    # busy log stays a dict hit.
    key = request
    q = request.find(b"?")
    if q > 0:
        end = request.find(b" ", q)
        query = request[q + 1 : end] if end > 0 else request[q + 1 :]
        sizes = _SIZE_B.findall(query) if b"size=" in query else []
        limit = _LIMIT_B.search(query) if b"limit=" in query else None
        key = (
            request[:q]
            + b"?"
            + (b"size=" + sizes[-1] if sizes else b"")
            + (b"&scroll=1" if b"scroll=" in query else b"")
            + (b"&limit=" + limit.group(1) if limit else b"")
            + (b"&include_docs=true" if _DOCS_B.search(query) else b"")
        )
        hit = _cache.get(key)
        if hit is not None:
            return hit
    parts = key.split(b" ")
    if len(parts) < 2 or not parts[0].isalpha() or parts[1][:1] not in (b"/", b"*", b"h"):
        return None
    target = parts[1].decode("utf-8", "replace")
    if target.startswith(("http://", "https://")):  # absolute form, as a forward proxy sees it
        target = "/" + target.split("/", 3)[-1] if target.count("/") >= 3 else "/"
    result = classify(parts[0].decode("ascii", "replace"), target)
    if len(_cache) > 65536:  # a log of unique paths must not grow memory
        _cache.clear()
    _cache[key] = result
    return result
