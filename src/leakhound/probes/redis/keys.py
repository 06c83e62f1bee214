"""Keys as records: how a key's name groups it with others, and how its value reads as a document.

Redis has no tables: applications name keys by a pattern (``case:1042``, ``customer:<email>``,
``customer:<email>:cases``). A key's pattern keeps the segments (split on ``:``) that name a
kind of record and replaces those that vary (digits, an ``@``, a long hexadecimal or base64
run) by ``*``; each pattern is a container. A value becomes a document: a hash's fields, a JSON
string's object, or ``_value``/``items``/``members``/``entries``, with the key under ``_key``
(a key's name often holds personal data itself).
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from .resp import Reply, text

KEY_FIELD = "_key"
VALUE_FIELD = "_value"
# Read at most this much of one value: enough for the personal data a record holds.
MAX_VALUE_BYTES = 64 * 1024
MAX_ITEMS = 200  # elements of one list, set, sorted set or stream read
_VARYING = re.compile(r"\d|@|^[0-9a-f]{16,}$|^[A-Za-z0-9+/=_-]{24,}$", re.I)
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


def pattern_of(key: str) -> str:
    """The key's pattern: its varying segments as ``*`` (``case:1042`` -> ``case:*``)."""
    segments = key.split(":")
    return ":".join("*" if _VARYING.search(s) else s for s in segments)[:300]


def glob_of(pattern: str) -> str:
    """A ``SCAN MATCH`` glob that every key of the pattern matches (and some others may:
    ``*`` also crosses ``:``, so keys are checked with ``pattern_of`` again)."""
    return "*".join(_GLOB_SPECIAL.sub(r"\\\1", part) for part in pattern.split("*"))


def reads(key: bytes, kind: str) -> tuple[str, list[bytes | str | int]] | None:
    """The one bounded read that shows a value of this type: (command, arguments)."""
    if kind == "string":
        return "GETRANGE", [key, 0, MAX_VALUE_BYTES - 1]
    if kind == "hash":
        return "HSCAN", [key, 0, "COUNT", MAX_ITEMS]
    if kind == "list":
        return "LRANGE", [key, 0, MAX_ITEMS - 1]
    if kind == "set":
        return "SSCAN", [key, 0, "COUNT", MAX_ITEMS]
    if kind == "zset":
        return "ZRANGE", [key, 0, MAX_ITEMS - 1, "WITHSCORES"]
    if kind == "stream":
        return "XRANGE", [key, "-", "+", "COUNT", MAX_ITEMS]
    return None  # a module's type (JSON, time series…): listed, not read


def document(key: bytes, kind: str, reply: Reply) -> dict[str, Any]:
    """A key and its value as one document."""
    doc: dict[str, Any] = {KEY_FIELD: key.decode("utf-8", "replace")}
    if kind == "string":
        # GETRANGE asked for MAX_VALUE_BYTES: a longer reply is cut to them (a server sending
        # 32 MiB of JSON would have us build millions of values).
        raw = reply[:MAX_VALUE_BYTES] if isinstance(reply, bytes) else b""
        parsed = _json_object(raw)
        if parsed is not None:
            return {**parsed, **doc}
        doc[VALUE_FIELD] = raw.decode("utf-8", "replace")
    elif kind == "hash":
        pairs = _page(reply)
        for name, value in zip(pairs[::2], pairs[1::2], strict=False):
            doc.setdefault(text(name) or "", text(value) or "")
    elif kind == "list":
        doc["items"] = [text(v) or "" for v in _list(reply)]
    elif kind == "set":
        doc["members"] = [text(v) or "" for v in _page(reply)]
    elif kind == "zset":
        items = _list(reply)
        doc["members"] = {
            text(m) or "": text(s) or "" for m, s in zip(items[::2], items[1::2], strict=False)
        }
    elif kind == "stream":
        doc["entries"] = [_entry(e) for e in _list(reply)]
    return doc


def _json_object(raw: bytes) -> dict[str, Any] | None:
    if not raw.startswith(b"{"):
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None  # cut at MAX_VALUE_BYTES, or not JSON: read as text
    return value if isinstance(value, dict) else None


def _list(reply: Reply) -> list[Reply]:
    return reply if isinstance(reply, list) else []


def _page(reply: Reply) -> list[Reply]:
    """The items of a ``*SCAN`` reply: [cursor, [items…]]."""
    if isinstance(reply, list) and len(reply) == 2 and isinstance(reply[1], list):
        return reply[1]
    return []


def _entry(entry: Reply) -> dict[str, str]:
    """One stream entry, [id, [field, value…]], as its fields."""
    if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[1], list):
        return {}
    fields = entry[1]
    return {text(f) or "": text(v) or "" for f, v in zip(fields[::2], fields[1::2], strict=False)}
