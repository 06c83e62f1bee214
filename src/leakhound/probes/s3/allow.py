"""What leakhound may send to an S3-compatible store: GET and HEAD, and three shapes of query.

An object read (GET or HEAD, no query; a ``Range`` header bounds it) and the anonymous bucket
list (``GET /``, no query) carry no query at all; a listing is ``list-type=2`` with only the
listing's own parameters. So no sub-resource ever leaves (``?acl``, ``?policy``,
``?versions``, ``?uploads``, ``?delete``…), and no signed query. Any path: keys are free text,
and under a reverse-proxy path the bucket is not the first segment.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from ...net import rules

LIST_PARAMS = frozenset(
    {
        "list-type",
        "max-keys",
        "prefix",
        "delimiter",
        "continuation-token",
        "start-after",
        "encoding-type",
    }
)


def no_query(query: str) -> bool:
    """An object read or the bucket list: nothing after the path."""
    return query == ""


def listing_query(query: str) -> bool:
    """ListObjectsV2 and only its parameters, each once."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return False
    names = [k for k, _ in pairs]
    return (
        len(names) == len(set(names))
        and set(names) <= LIST_PARAMS
        and dict(pairs).get("list-type") == "2"
    )


ALLOW = rules(
    "s3",
    [
        ("GET", r"/.*", no_query),
        ("HEAD", r"/.*", no_query),
        ("GET", r"/.*", listing_query),
    ],
)
