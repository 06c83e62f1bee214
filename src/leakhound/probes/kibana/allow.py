"""What leakhound may send to Kibana and OpenSearch Dashboards: the read-only allow-list.

``GET /api/status`` (what answers), and ``POST /api/console/proxy`` only when its query string
says ``method=GET`` and a ``path`` the Elasticsearch allow-list admits: the console proxy
forwards ``method`` and ``path`` to the cluster, so the query, not the POST, is what the
cluster receives. A GET never writes in Elasticsearch or OpenSearch; the path is held to the
Elasticsearch list all the same (no ``/_nodes``, no ``/_security``…), and the POST reads that
list admits only as POST (a scroll page) pass as the same read by GET. ``_PRE`` allows the
target URL's own path prefix (``server.basePath``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from ...net import rules
from ..elasticsearch import ALLOW as ELASTICSEARCH

_SEG = r"/(?!\.\.?(?:/|$))[^/_\-+][^/]*"
_PRE = rf"(?:{_SEG})*"
PROXY_PATH = "/api/console/proxy"
# POST reads Elasticsearch answers by GET alike (search, count, scroll pages); opening a point
# in time is POST only and never passes.
READ_AS_GET = re.compile(r".*/(?:_search|_count|_search/scroll)")
# Escapes a URL parser turns into "." or "/" (Kibana builds the cluster's URL with WHATWG's):
# a path that holds them is not the path that was checked.
_NORMALISED = re.compile(r"%(?:2e|2f|5c)", re.I)


def proxied_path_allowed(path: str) -> bool:
    """Whether the console proxy may be asked to GET ``path`` (with its own query) from the
    cluster: a path on the Elasticsearch allow-list, nothing a URL parser would rewrite."""
    inner = path.partition("?")[0]
    if not inner.startswith("/") or _NORMALISED.search(inner) or "\\" in inner:
        return False
    return ELASTICSEARCH.allows("GET", inner) or (
        READ_AS_GET.fullmatch(inner) is not None and ELASTICSEARCH.allows("POST", inner)
    )


def proxied_read(query: str) -> bool:
    """Whether a console proxy query string asks for a read: exactly ``path`` and
    ``method``, each once, ``method=GET``, the path allowed."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return False
    params = dict(pairs)
    return (
        len(pairs) == 2
        and set(params) == {"path", "method"}
        and params["method"] == "GET"
        and proxied_path_allowed(params["path"])
    )


ALLOW = rules(
    "kibana",
    [
        ("GET", rf"{_PRE}/api/status"),
        ("POST", rf"{_PRE}{re.escape(PROXY_PATH)}", proxied_read),
    ],
)
