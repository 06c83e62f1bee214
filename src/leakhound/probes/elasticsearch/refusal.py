"""Whether an Elasticsearch/OpenSearch answer refused a request for want of credentials.

By its status first: 401, and 403, which the security plugins answer (``security_exception``)
to a user without the right. One 403 is not theirs: an index blocked for reads
(``index.blocks.read``) answers every caller, with or without credentials, with
``cluster_block_exception`` as its error's type (Elasticsearch's own code for it, not the words
of its reason). The request was let in; the index is closed to reads for everyone, so no
credentials would read it, and a search over all indices fails the same way for one such index.
"""

from __future__ import annotations

from ...net import Response

BLOCKED = "cluster_block_exception"


def blocked(resp: Response) -> bool:
    """A 403 whose error is an index's read block (``BLOCKED``)."""
    if resp.status != 403:
        return False
    body = resp.json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and error.get("type") == BLOCKED


def refused(resp: Response) -> bool:
    """Whether the answer asks for credentials: HTTP 401 or 403, but for a read block."""
    return resp.denied and not blocked(resp)
