"""A cursor's reply as MongoDB sends it (``firstBatch``/``nextBatch``, the cursor's id), and
the error of one no server sends."""

from __future__ import annotations

from typing import Any

from ...errors import ProtocolError


class BadCursor(ProtocolError):
    """A cursor reply no server sends (a lie about the cursor or its order): not retried."""


def batch_of(reply: dict[str, Any], key: str, asked: int) -> tuple[int, list[dict[str, Any]]]:
    """A cursor reply's id and documents (``key``: firstBatch or nextBatch); ProtocolError
    for what no server sends: no cursor, an id that is not a 64-bit integer, more documents
    than asked for."""
    cursor = reply.get("cursor")
    if not isinstance(cursor, dict) or not isinstance(batch := cursor.get(key), list):
        raise BadCursor(f"a cursor reply without {key}")
    cursor_id = cursor.get("id")
    # bool is an int to Python, not a cursor id; the C decoder gives int (or Int64) 64-bit.
    if not isinstance(cursor_id, int) or isinstance(cursor_id, bool):
        raise BadCursor("a cursor reply without a valid cursor id")
    if len(batch) > asked:
        raise BadCursor(f"a batch of {len(batch)} documents where {asked} were asked for")
    return int(cursor_id), [d for d in batch if isinstance(d, dict)]
