"""CouchDB REST requests, as a proxy or CouchDB itself logs them: the action, where the path
is CouchDB's (``http.classify`` asks here first; Elasticsearch's paths never match).

Read from CouchDB's API reference: ``/_all_dbs`` and ``/_dbs_info`` list the databases;
``/{db}/_all_docs`` lists ids, and with ``include_docs=true`` reads the documents (``limit=``
is the page); ``_changes?include_docs=true`` is the whole database as a feed, a bulk read;
``_find``, ``_bulk_get``, a view and ``GET /{db}/{docid}`` read; ``POST /_replicate`` copies a
database to wherever the body says, a bulk read; ``DELETE /{db}/{docid}`` and ``_purge`` wipe.
"""

from __future__ import annotations

import re

from ..actions import BULK_READ, CTX_NONE, ENUMERATE, PROBE, READ, WIPE, WRITE

BULK_SIZE = 1000  # as http.BULK_SIZE: a page this large is a dump
_LIMIT = re.compile(r"(?:^|&)limit=(\d{1,18})(?:&|$)")  # more digits: no page, every record
_INCLUDE_DOCS = re.compile(r"(?:^|&)include_docs=true(?:&|$)")
_ROOT_LISTS = frozenset(("_all_dbs", "_dbs_info"))
_ROOT_PROBES = frozenset(
    ("_up", "_session", "_utils", "_node", "_membership", "_uuids", "_active_tasks", "_scheduler")
)
_READS = frozenset(("_find", "_bulk_get"))
_LISTS = frozenset(("_index", "_security", "_design_docs", "_local_docs", "_revs_limit"))
# What only CouchDB sends after a database's name: the paths this module decides.
VERBS = frozenset(("_all_docs", "_changes", "_design", "_purge", "_bulk_docs")) | _READS | _LISTS
HEADS = _ROOT_LISTS | _ROOT_PROBES | {"_replicate"}


def limit_of(query: str) -> int:
    """The page size a query asks for (``limit=``), 0 when none."""
    m = _LIMIT.search(query) if "limit=" in query else None
    return int(m.group(1)) if m else 0


def _page(index: str, size: int, whole: bool) -> tuple[int, str | None, int, int]:
    """A page of documents: ``limit=`` its size (a bulk read from ``BULK_SIZE``); without
    one, ``whole`` (a GET of documents) is every document of the database, a bulk read of a
    number the request does not say."""
    if size:
        return (BULK_READ if size >= BULK_SIZE else READ), index, size, CTX_NONE
    return (BULK_READ if whole else READ), index, 0, CTX_NONE


def classify(
    method: str, head: str, index: str | None, tails: list[str], query: str
) -> tuple[int, str | None, int, int] | None:
    """(action, database, page size, bulk context) of a CouchDB request, None when the path
    is not CouchDB's own. ``tails``: the path's parts after the database's name."""
    verb = tails[0] if tails else ""
    if head == "_config" or (head == "_node" and "_config" in tails):
        # the server's configuration: an admin created, a query server set (a command run)
        return (PROBE if method in ("GET", "HEAD") else WRITE), None, 0, CTX_NONE
    if index is None:
        if head in _ROOT_LISTS:
            return ENUMERATE, None, 0, CTX_NONE
        if head in _ROOT_PROBES:
            return PROBE, None, 0, CTX_NONE
        if head == "_replicate" and method == "POST":
            return BULK_READ, "*", 0, CTX_NONE
        return None
    if verb not in VERBS and not (len(tails) in (1, 2) and not verb.startswith("_")):
        return None
    size = limit_of(query)
    docs = _INCLUDE_DOCS.search(query) is not None
    if verb == "_all_docs":
        if not docs and method == "GET":
            return ENUMERATE, index, 0, CTX_NONE  # the ids alone
        return _page(index, size, docs and method == "GET")
    if verb == "_changes":
        return (BULK_READ, index, size, CTX_NONE) if docs else (ENUMERATE, index, 0, CTX_NONE)
    if verb in _READS:
        return (BULK_READ if size >= BULK_SIZE else READ), index, size, CTX_NONE
    if verb == "_design":
        if "_view" in tails or "_list" in tails or "_show" in tails:
            return _page(index, size, docs and method == "GET")
        return (WRITE if method in ("PUT", "POST", "DELETE") else ENUMERATE), index, 0, CTX_NONE
    if verb == "_purge":
        return WIPE, index, 0, CTX_NONE
    if verb == "_bulk_docs":
        return WRITE, index, 0, CTX_NONE
    if verb in _LISTS:
        return (ENUMERATE if method in ("GET", "HEAD") else WRITE), index, 0, CTX_NONE
    # /{db}/{docid}: one document; /{db}/{docid}/{attachment}: one of its files
    if method in ("GET", "HEAD"):
        return READ, index, -1, CTX_NONE
    if method == "DELETE":
        return WIPE, index, 0, CTX_NONE
    return WRITE, index, 0, CTX_NONE
