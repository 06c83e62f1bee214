"""Elasticsearch/OpenSearch search bodies as audit and slow logs record them: the page they ask
for, and whether their aggregations send back documents or a field's values.

Elasticsearch reads ``size`` from the URL over the body's; a search of size 0 returns no hit,
only counts and aggregations, but ``top_hits`` returns documents and a ``terms`` aggregation a
field's values, past any page; an ``_msearch`` body is header and search lines, one JSON object
each.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from ..actions import AGGREGATE, BULK_READ, NO_RECORDS, PAGE_SIZE, READ
from .http import BULK_SIZE

_SIZE = re.compile(r'"size"\s*:\s*(\d+)')
# Aggregations whose answer holds documents or a field's values, not figures about them (from
# the aggregations reference): top_hits returns the hits themselves, top_metrics and a
# scripted_metric the fields or whatever the script collects, and the bucketing ones keyed by
# a field's values list them (a terms aggregation on ``email`` returns the addresses).
_VALUE_AGGS = frozenset(
    (
        "top_hits",
        "top_metrics",
        "scripted_metric",
        "terms",
        "multi_terms",
        "rare_terms",
        "significant_terms",
        "significant_text",
        "composite",
        "categorize_text",
        "frequent_item_sets",
    )
)
# Those that send back documents, or fields of them, whatever the search's own page: no page
# size bounds what such a search returned (a terms aggregation's values are no documents).
_DOC_AGGS = frozenset(("top_hits", "top_metrics", "scripted_metric"))
_VALUE_AGG_TEXT = re.compile(r'"(' + "|".join(sorted(_VALUE_AGGS)) + r')"\s*:')

Parsed = dict[str, Any] | list[dict[str, Any]] | str | None


def _parsed(body: Any) -> Parsed:
    """A logged search body as a JSON object; an ``_msearch``'s (header and search lines, one
    JSON object each) as its searches; else its text (cut short), else None."""
    if isinstance(body, dict):
        return body
    if not isinstance(body, str) or ("size" not in body and "agg" not in body):
        return None  # neither a page nor an aggregation to read: not worth parsing
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        lines = [ln for ln in body.splitlines() if ln.strip()]
        try:
            objects = [orjson.loads(ln) for ln in lines]
        except orjson.JSONDecodeError:
            return body
        if len(objects) < 2 or len(objects) % 2 or not all(isinstance(o, dict) for o in objects):
            return body
        return objects[1::2]  # header, search, header, search…
    return parsed if isinstance(parsed, dict) else None


def _size(search: dict[str, Any]) -> int | None:
    size = search.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        return size
    if isinstance(size, str) and size.isdigit():
        return int(size)
    return None


def _size_of(parsed: Parsed) -> int | None:
    if isinstance(parsed, str):
        m = _SIZE.search(parsed)
        return (int(m.group(1)) or None) if m else None
    if isinstance(parsed, list):
        sizes = [_size(search) for search in parsed]
        return None if None in sizes else sum(s for s in sizes if s is not None)
    return None if parsed is None else _size(parsed)


def _value_aggs(parsed: Parsed) -> set[str]:
    """The aggregations of ``_VALUE_AGGS`` a search body holds, at any depth."""
    if isinstance(parsed, str):
        return set(_VALUE_AGG_TEXT.findall(parsed))
    found: set[str] = set()
    searches = parsed if isinstance(parsed, list) else [parsed] if parsed else []
    stack: list[Any] = [s.get(k) for s in searches for k in ("aggs", "aggregations")]
    while stack:  # a loop, not recursion: a logged body may nest deeper than Python's stack
        aggs = stack.pop()
        if not isinstance(aggs, dict):
            continue
        for spec in aggs.values():
            if isinstance(spec, dict):
                found.update(_VALUE_AGGS.intersection(spec))
                stack += [spec.get("aggs"), spec.get("aggregations")]
    return found


def body_size(body: Any) -> int | None:
    """``size`` in a logged search body, None when absent: the top-level one (a terms
    aggregation's own ``size`` is how many values it lists, no page); of an ``_msearch``, the
    sum of its searches' (None when one names none); in a body cut short, the first one
    written, unless 0: which search, or aggregation, that one belongs to is unknown, so it is
    not taken for a search that returned no document."""
    return _size_of(_parsed(body))


def returns_values(body: Any) -> bool:
    """Whether a logged search body's aggregations send back documents or a field's values
    (at any depth); in a body cut short, whether one of them is named in it."""
    return bool(_value_aggs(_parsed(body)))


def search_action(action: int, size: int | None, values: bool = False) -> int:
    """A search's action by the page size it asks for and whether its aggregations return
    documents or a field's values (``returns_values``): size 0 returns no hit, only counts and
    aggregations (an ``aggregate``), unless they return values (a ``read``); a page of
    ``BULK_SIZE`` or more is a dump."""
    if action == AGGREGATE or (action == READ and size == 0):
        return READ if values else AGGREGATE
    if action == READ and size is not None and size >= BULK_SIZE:
        return BULK_READ
    return action


def searched(action: int, body: Any, url: tuple[int, int] | None = None) -> tuple[int, int, int]:
    """A search's action, its records and how they are known (``PAGE_SIZE``, ``NO_RECORDS``…)
    from its logged body and, on a REST request, what ``classify`` made of the URL (``action``,
    and ``url``: its records and how): the URL's size wins over the body's (its size 0 made the
    action ``aggregate``); aggregations returning documents leave no page bound."""
    parsed = _parsed(body)
    asked = _size_of(parsed)
    found = _value_aggs(parsed)
    if action == AGGREGATE:  # size=0 in the URL
        asked = 0
    elif url is not None and url[0]:
        asked = url[0]
    action = search_action(action, asked, bool(found))
    if action in (READ, BULK_READ) and found & _DOC_AGGS:
        return action, 0, NO_RECORDS  # top_hits: documents past the page, however many
    if url is not None and url[0]:
        return action, url[0], url[1]
    size = asked or 0
    return action, size, PAGE_SIZE if size else NO_RECORDS
