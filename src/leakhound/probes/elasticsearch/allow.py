"""What leakhound may send to Elasticsearch and OpenSearch: the read-only allow-list.

Path shapes: an index segment never starts with "_", "-" or "+" (the server forbids it), so
"/{index}" can never be mistaken for an API such as "/_bulk". ``_PRE`` allows the target URL's
own path prefix (a cluster behind a reverse-proxy path).
"""

from __future__ import annotations

from ...net import rules

_SEG = r"/(?!\.\.?(?:/|$))[^/_\-+][^/]*"  # never "." or ".." segments
_PRE = rf"(?:{_SEG})*"
_IDX = _SEG

# The root paths where DELETE frees a search context the scan opened; at the root only:
# under a prefix, "/x/_search/scroll" would be a document delete (index x, type _search) on
# 5.x/6.x.
RELEASE_PATHS = ("/_search/point_in_time", "/_pit", "/_search/scroll")

ALLOW = rules(
    "elasticsearch",
    [
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
        # Full-depth reads (read.py). On Elasticsearch 5/6 "POST /{index}/_pit" would index a
        # document (type "_pit"): the PIT paths are sent only when the fingerprint proves a version
        # that has them (OpenSearch >= 2.4, Elasticsearch >= 7.10). Scroll exists in every version.
        ("POST", rf"{_PRE}{_IDX}/_search/point_in_time"),
        ("POST", rf"{_PRE}{_IDX}/_pit"),
        ("POST", rf"{_PRE}/_search/scroll"),
    ],
    releases=RELEASE_PATHS,
)


def is_release(method: str, path: str) -> bool:
    """Whether a request releases a search context (the one DELETE a scan may send)."""
    return method == "DELETE" and path.rstrip("/") in RELEASE_PATHS
