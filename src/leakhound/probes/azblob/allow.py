"""What leakhound may send to Azure Blob Storage: GET and HEAD, and three shapes of query.

A blob read (GET or HEAD, no query; a ``Range`` header bounds it), a container's listing
(``restype=container&comp=list`` with only the listing's own parameters) and an account's
container list (``comp=list``). So no other ``comp`` (``acl``, ``metadata``, ``lease``,
``block``…), no ``restype`` but the listing's, and no shared access signature ever leaves.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from ...net import rules

BLOB_LIST_PARAMS = frozenset({"restype", "comp", "prefix", "delimiter", "marker", "maxresults"})
CONTAINER_LIST_PARAMS = frozenset({"comp", "prefix", "marker", "maxresults"})


def no_query(query: str) -> bool:
    """A blob read: nothing after the path."""
    return query == ""


def _pairs(query: str) -> dict[str, str] | None:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    names = [k for k, _ in pairs]
    return dict(pairs) if len(names) == len(set(names)) else None


def blob_listing(query: str) -> bool:
    """List Blobs of one container, and only its parameters."""
    got = _pairs(query)
    return (
        got is not None
        and set(got) <= BLOB_LIST_PARAMS
        and got.get("restype") == "container"
        and got.get("comp") == "list"
    )


def container_listing(query: str) -> bool:
    """List Containers of the account, and only its parameters."""
    got = _pairs(query)
    return got is not None and set(got) <= CONTAINER_LIST_PARAMS and got.get("comp") == "list"


ALLOW = rules(
    "azblob",
    [
        ("GET", r"/.*", no_query),
        ("HEAD", r"/.*", no_query),
        ("GET", r"/.*", blob_listing),
        ("GET", r"/.*", container_listing),
    ],
)
