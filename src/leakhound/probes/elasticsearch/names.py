"""Index names a cluster's users made of a person (``cart-jane.doe@gmail.com``), shown and
stored with the personal data masked (``c***@g***.com``, numbered ``#1``, ``#2`` where two
mask alike, in the inventory's order: ``shown.numbered``). An index is still searched by
its own name, found again from the shown one in ``_cat/indices`` (``Indices``) and stored
nowhere. A masked name holds ``*`` (or the words of a withheld one, spaces), which no index
name may: the two cannot be confused.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

import orjson

from ...errors import NetError, ProtocolError, TooLargeError
from ...net import Http
from ..http_root import answered_over, listing_cut
from ..shown import Listing, Originals, masked_name, masked_names
from .allow import ALLOW


def valid_index_name(name: Any) -> bool:
    """Whether a listed name may be requested: the server's own rules. A hostile server may
    list names that would be wildcards or paths in a URL: those are never requested."""
    return (
        isinstance(name, str)
        and 0 < len(name.encode()) <= 255
        and not name.startswith(("_", "-", "+"))
        and _FORBIDDEN.search(name) is None
    )


# Characters Elasticsearch refuses in an index name; one search, not one scan a character
# (a hostile listing names 200,000 indices).
_FORBIDDEN = re.compile(r'[\\/*?"<>| ,#:]')


def requestable(
    rows: Iterable[dict[str, Any]], stop: threading.Event | None = None
) -> tuple[list[dict[str, Any]], int, int]:
    """The rows of ``_cat/indices`` whose names may be requested (``valid_index_name``), each
    name once (its first row: a hostile listing naming an index twice would make two
    containers of it, its records read and counted twice), in the inventory's order (the
    users' first, then the system's: ``.``); how many were refused, and how many repeated a
    name listed before. CPU work in proportion to the listing: run it off the event loop,
    where other targets' deadlines are running.
    Once ``stop`` is set (the scan that waits for it cancelled) it gives up within a few
    thousand names, its answer unused: a thread cannot be cancelled, and a hostile listing
    of a million names would hold a stopped scan's exit for seconds."""
    rows = list(rows)
    users: list[dict[str, Any]] = []
    system: list[dict[str, Any]] = []
    seen: set[str] = set()
    repeated = 0
    for start in range(0, len(rows), _STOP_CHECKED):
        if stop is not None and stop.is_set():
            return [], len(rows), 0
        for row in rows[start : start + _STOP_CHECKED]:
            name: Any = row.get("index")
            if not valid_index_name(name):
                continue
            if name in seen:
                repeated += 1
                continue
            seen.add(name)
            (system if name.startswith(".") else users).append(row)
    if stop is not None and stop.is_set():
        return [], len(rows), 0
    # Two sorts by the name alone, not one by (is-system, name): the same order (both are
    # stable), but strings compare in C where tuples do not, four times faster.
    users.sort(key=_index_name)
    system.sort(key=_index_name)
    return users + system, len(rows) - len(users) - len(system) - repeated, repeated


_STOP_CHECKED = 4096  # names judged between two looks at ``stop``
_index_name = itemgetter("index")


async def requestable_rows(
    rows: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], int, int]:
    """``requestable`` off the event loop: a listing of 200,000 names costs a second of CPU,
    on the loop a stall of every other target's request past its deadline. Cancelled, it
    tells the thread to stop rather than judge the listing to its end."""
    stop = threading.Event()
    try:
        return await asyncio.to_thread(requestable, rows, stop)
    finally:
        stop.set()


def shown_names(indices: Iterable[str]) -> dict[str, str]:
    """Index → the name shown and stored instead, for those of ``indices`` (the indices an
    inventory reports, in its order: ``requestable``) whose names hold personal data."""
    return masked_names(indices, masked_name)


async def cat_indices(http: Http, base: str, **params: str) -> list[dict[str, Any]] | None:
    """The rows of ``_cat/indices`` as JSON (``params``: its columns, ``h``, and units), hidden
    indices included (over the size cap, those whole in its first bytes: ``cat_indices_cut``);
    None where its answer is no list. ``ProtocolError`` where it is not answered."""
    return (await cat_indices_cut(http, base, **params))[0]


async def cat_indices_cut(
    http: Http, base: str, **params: str
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """``cat_indices``, and where its answer was a 2xx over the size cap, the rows whole in
    its first bytes (``rows_begun``) with what the inventory says of the cut
    (``listing_cut``); the ``TooLargeError`` where none is whole."""
    params = {"format": "json", **params, "expand_wildcards": "all"}
    try:
        resp = await http.get(base + "/_cat/indices", ALLOW, params=params)
        if resp.status == 400:  # before 7.7, _cat/indices has no expand_wildcards
            params.pop("expand_wildcards")
            resp = await http.get(base + "/_cat/indices", ALLOW, params=params)
    except TooLargeError as exc:
        begun = rows_begun(exc.head) if answered_over(exc) else None
        if begun is None:
            raise
        return begun, listing_cut(exc, "_cat/indices", len(begun), "rows")
    if resp.status != 200:
        raise ProtocolError(f"HTTP {resp.status} on _cat/indices")
    body = resp.json()
    return ([r for r in body if isinstance(r, dict)] if isinstance(body, list) else None), None


_BEGUN_TRIES = 3  # ends of a row a cut listing is parsed up to: each parse reads it all
_ROW_END = re.compile(rb"}\s*,")


def rows_begun(head: bytes) -> list[dict[str, Any]] | None:
    """The rows whole in the first bytes of a ``_cat/indices`` JSON answer over the size cap
    (a list of flat objects of strings cut anywhere: up to its last object followed by a
    comma); None where they do not begin a list of objects that each name an index, or none
    is whole."""
    start = head.lstrip()
    if not start.startswith(b"["):
        return None
    ends = [m.start() for m in _ROW_END.finditer(start)][-_BEGUN_TRIES:]
    for end in reversed(ends):
        try:
            body = orjson.loads(start[: end + 1] + b"]")
        except orjson.JSONDecodeError:
            continue  # a "}," inside a string: an earlier end
        rows = body if isinstance(body, list) else []
        if rows and all(isinstance(r, dict) and isinstance(r.get("index"), str) for r in rows):
            return rows
        return None
    return None


async def listed(http: Http, base: str) -> list[str]:
    """Every index ``_cat/indices`` names that may be requested, hidden ones included, each
    once, in the inventory's order (``requestable_rows``: judged as the inventory judges
    them, off the event loop)."""
    rows = await cat_indices(http, base, h="index") or []
    # Once each (``requestable``): a name listed twice would count twice among those masked
    # alike (``Listing``) where the inventory's numbering (``shown_names``) counts it once.
    valid, _refused, _repeated = await requestable_rows(rows)
    return [str(r["index"]) for r in valid]


class Indices(Originals[str]):
    """The indices behind the masked names of a few clusters' listings, by cluster URL."""

    async def index(self, http: Http, base: str, name: str) -> str:
        """The index a container's ``name`` stands for: itself, unless masked; a masked one
        from the listing kept, else from the cluster's listing asked again."""
        return (await self.indices(http, base, [name]))[0]

    async def indices(self, http: Http, base: str, names: Sequence[str]) -> list[str]:
        """``index`` of each of ``names``, the listing asked at most once (``find``)."""

        async def listing() -> Listing[str]:
            try:
                return Listing(await listed(http, base), masked_name)
            except NetError as exc:  # its ProtocolError and TooLargeError too
                raise ProtocolError(f"cannot list indices to find {masked[0]}: {exc}") from exc

        masked = [n for n in names if not valid_index_name(n)]
        found = []
        for name in names:
            index = name if name not in masked else await self.find(base, name, listing)
            if index is None:
                raise ProtocolError(f"{name}: no index of that name is listed any more")
            found.append(index)
        return found
