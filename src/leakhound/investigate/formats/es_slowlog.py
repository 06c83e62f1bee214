"""Elasticsearch/OpenSearch search slow logs: JSON (ES 7.x ``index_search_slowlog.json``, ES 8
ECS fields) and the classic text lines (OpenSearch, ES 6).

ES 7.x JSON: ``type`` index_search_slowlog, ``timestamp``, ``message`` ``[index][shard]``,
``source`` (the query), ``id`` (X-Opaque-Id), ``total_shards``; ES 8 prefixes them with
``elasticsearch.slowlog.`` and adds ``user.name``. Text: ``[time][WARN ][index.search.slowlog.
query] [node] [index][0] took[…], took_millis[…], total_hits[…], …, source[{…}], id[…],``.
A slow log names no client address: its source is the X-Opaque-Id or the user, else
``(unattributed)``. Each shard logs its own line: a request is counted on its shard 0 line.
The text lines' time (log4j's ``%d{ISO8601}``) is the node's local time with no zone: read in
``--log-time-zone``, else as UTC, and the file's notes say which.
"""

from __future__ import annotations

import re
from typing import Any

from ..actions import BULK_READ, CTX_NONE, READ
from ..activity import Activity
from ..reader import Lines
from ..timeparse import BadTime, iso_or_local
from .base import ParseOptions, first_lines, local_time_note
from .search_body import searched

NAME = "es-slowlog"
DOC = "Elasticsearch/OpenSearch search slow log (JSON or text)"
UNATTRIBUTED = "(unattributed)"
_KIND_KEYS = ("type", "component", "log.logger", "event.dataset")  # name the phase: query/fetch
_SHARD = re.compile(r"\[([^\]]+)\]\[(\d+)\]")
_TEXT = re.compile(
    rb"^\[([^\]]+)\]\[\s*\w+\s*\]\[[^\]]*(?:slowlog|i\.s\.s\.)[^\]]*\]\s*\[[^\]]*\]\s*\[([^\]]+)\]\[(\d+)\]"
    rb"(.*)$"
)
_FIELD = re.compile(rb"(\w+)\[((?:[^\[\]]|\[[^\]]*\])*)\]")


def sniff(head: bytes) -> bool:
    """Slow-log JSON (``index_search_slowlog`` or ``elasticsearch.slowlog``) or text lines."""
    lines = first_lines(head)
    hits = sum(
        1
        for ln in lines
        if b"search_slowlog" in ln or b"elasticsearch.slowlog" in ln or _TEXT.match(ln) is not None
    )
    return bool(lines) and hits * 2 > len(lines)


def _get(e: dict[str, Any], key: str) -> Any:
    return e.get(key, e.get("elasticsearch.slowlog." + key))


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Every query-phase slow-log line into ``sink``."""
    import orjson

    f = sink.file
    lineno = f.lines
    local_note = local_time_note(options.log_zone)  # once, not a string a line
    for batch in stream.batches():
        for line in batch:
            lineno += 1
            if not line.strip():
                continue
            if line.lstrip()[:1] == b"{":
                try:
                    e = orjson.loads(line)
                except orjson.JSONDecodeError:
                    sink.skip(lineno, line, "not valid JSON (truncated or corrupt)")
                    continue
                if not isinstance(e, dict):
                    sink.skip(lineno, line, "not a JSON object")
                    continue
                when = e.get("@timestamp") or e.get("timestamp")
                m = _SHARD.search(str(_get(e, "message") or ""))
                who = _get(e, "id") or e.get("user.name") or UNATTRIBUTED
                source = _get(e, "source")
                kind = " ".join(
                    str(e.get(k) or "")
                    for k in ("type", "component", "log.logger", "event.dataset")
                )
            else:
                t_m = _TEXT.match(line)
                if t_m is None:
                    sink.skip(lineno, line, "not a slow-log line")
                    continue
                when = t_m.group(1).decode().replace(",", ".")
                fields = {
                    k.decode(): v.decode("utf-8", "replace")
                    for k, v in _FIELD.findall(t_m.group(4))
                }
                m = _SHARD.match(f"[{t_m.group(2).decode()}][{t_m.group(3).decode()}]")
                who = fields.get("id") or UNATTRIBUTED
                source = fields.get("source")
                kind = "query"
            if not isinstance(when, str) or m is None:
                sink.skip(lineno, line, "no time or [index][shard]")
                continue
            if "fetch" in kind:
                continue  # the fetch phase of a request already counted in its query phase
            try:
                t, local = iso_or_local(when, options.log_zone)
            except BadTime as exc:
                sink.skip(lineno, line, str(exc))
                continue
            if local:  # the text lines' log4j [%d{ISO8601}]: the node's local time, no zone
                sink.note(lineno, local_note)
            if m.group(2) != "0":
                continue
            action, size, how = searched(READ, source)
            if "scroll" in str(source):
                action = BULK_READ
            sink.add(
                str(who),
                t,
                action,
                m.group(1),
                size,
                how,
                0,
                True,
                None,
                CTX_NONE,
                line,
                lineno,
            )
    f.lines = lineno
