"""How MongoDB's collections are named: a container's name for (database, collection), the
names holding personal data masked, and the listing (``listDatabases``, ``listCollections``)
a masked name is found in again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from contextlib import suppress
from functools import partial

import bson

from ...errors import NetError, ProtocolError
from ...models import Container
from ..shown import Listing, Originals, masked_name, masked_names, unnumbered
from .connection import Connection
from .cursor import BadCursor, batch_of


def container_name(db: str, collection: str) -> str:
    """A collection's container name: ``db.collection``, as MongoDB writes a namespace. A
    database name MongoDB refuses (one holding a ``.``, or starting with a quote: only a
    server of its own invention lists one) is written as JSON text (``"a.b".c``), so that no
    two collections share a name: database ``a.b`` holding ``c`` beside database ``a``
    holding ``b.c`` (collection names may hold dots). Never parsed back: the pair is kept in
    the container's details and in its read plan."""
    if "." in db or db.startswith('"'):
        return f"{json.dumps(db, ensure_ascii=False)}.{collection}"
    return f"{db}.{collection}"


def _masked(pair: tuple[str, str]) -> str | None:
    """The container name of (database, collection) with the personal data in either
    masked (``shown.masked_name``), unnumbered; None when neither holds any."""
    db, collection = pair
    mdb, mcollection = masked_name(db), masked_name(collection)
    if mdb is None and mcollection is None:
        return None
    return container_name(mdb or db, mcollection or collection)


def shown_names(
    pairs: Sequence[tuple[str, str]], listed: Sequence[tuple[str, str]] | None = None
) -> dict[tuple[str, str], str]:
    """(database, collection) → the container name shown and stored instead, for the pairs
    of ``pairs`` (those an inventory reports, in its order) whose names hold personal data
    (a database or a collection a customer); never the name of one of ``listed`` (every
    pair the server listed; ``pairs`` when None) shown as named (``_as_named``)."""
    return masked_names(pairs, _masked, _as_named(pairs if listed is None else listed))


def _as_named(pairs: Sequence[tuple[str, str]]) -> set[str]:
    """The container names of ``pairs`` shown as named that a masked one could be: a
    collection may be named like a masked one, numbered too (``c***@g***.com #1``: ``*``
    is allowed). Every mask holds a ``*``: only names holding one are masked to know."""
    names = ((p, container_name(*p)) for p in pairs)
    return {name for p, name in names if "*" in name and _masked(p) is None}


def place(container: Container) -> tuple[str, str] | None:
    """The database and collection of a container the inventory made (its details); None
    for a masked name (``unmasked``)."""
    if container.details.get("masked_name"):
        return None
    db, collection = container.details.get("database"), container.details.get("collection")
    if not isinstance(db, str) or not isinstance(collection, str):
        raise ProtocolError(f"{container.name}: not a collection this probe listed")
    return db, collection


async def unmasked(
    conn: Connection, originals: Originals[tuple[str, str]], store: str, name: str
) -> tuple[str, str]:
    """The database and collection behind a masked container ``name`` of ``store``
    (``Endpoint.key``): kept by the inventory, else found in the server's listing again."""

    async def listing() -> Listing[tuple[str, str]]:
        names, _errors, gaps = await listed_names(conn)
        taken = await asyncio.to_thread(_as_named, names)
        return Listing(names, _masked, taken, partial(_unsure, gaps))

    pair = await originals.find(store, name, listing)
    if pair is None:
        raise ProtocolError(f"{name}: no collection of that name is listed any more")
    return pair


def _unsure(gaps: Sequence[tuple[str, str]], shown: str, found: tuple[str, str] | None) -> None:
    """ProtocolError where a database listed in part or not at all (``gaps``: database, why)
    before the one ``found`` for masked name ``shown`` (any, when none was) could hold names
    masking alike: they would move its number, and another collection be read as it."""
    base = unnumbered(shown)[0]
    for db, why in gaps:
        if found is not None and db >= found[0]:  # listed in database order (``listed_names``)
            continue
        mdb = masked_name(db) or db
        if base.startswith(container_name(mdb, "")):
            raise ProtocolError(
                f"{shown}: database {mdb} could not be listed whole ({why}), and names in it"
                " masking alike would number this one otherwise; not read, lest another"
                " collection be read as it: scan again"
            )


LIST_BATCHES = 100  # listCollections batches of one database, at most (a cursor that never ends)
LIST_LIMIT = 100_000  # names in one listCollections batch, at most (a server sends ~16 MiB)


async def listed_names(
    conn: Connection,
) -> tuple[list[tuple[str, str]], list[str], list[tuple[str, str]]]:
    """Every (database, collection) the server lists, each once, in database order; what
    could not be listed, by database; and the databases not listed whole, with why."""
    errors: list[str] = []
    gaps: list[tuple[str, str]] = []
    listing = await conn.run(
        "admin", {"listDatabases": 1, "nameOnly": True, "authorizedDatabases": False}
    )
    listed_dbs = listing.get("databases")
    if not isinstance(listed_dbs, list):
        raise ProtocolError("listDatabases answered without a list of databases")
    # Each once: a database listed twice would make two containers of one name.
    dbs = {d["name"] for d in listed_dbs if isinstance(d, dict) and isinstance(d.get("name"), str)}
    names: list[tuple[str, str]] = []
    for db in sorted(dbs):
        try:
            listed, short = await _collections(conn, db)
        except NetError as exc:
            errors.append(f"{masked_name(db) or db}: {exc}")
            gaps.append((db, "listCollections failed"))
            continue
        if short:
            errors.append(f"{masked_name(db) or db}: {short}")
            gaps.append((db, "listed in part"))
        names += [(db, name) for name in dict.fromkeys(listed)]
    return names, errors, gaps


async def _collections(conn: Connection, db: str) -> tuple[list[str], str | None]:
    """The collections of ``db`` (not views, not ``system.*``), and why the list stopped
    before its end (None: it did not): the first batch of ``listCollections``, then
    ``getMore`` while its cursor goes on (a server may answer a database of many collections
    in batches), ``LIST_BATCHES`` at most; the cursor killed when the list stops first. A
    ``getMore`` that fails keeps the collections listed before it."""
    got = await conn.run(db, {"listCollections": 1, "nameOnly": True})
    cursor, batch = batch_of(got, "firstBatch", LIST_LIMIT)
    names: list[str] = []
    short: str | None = None
    try:
        for turn in range(LIST_BATCHES):
            # A view holds no documents of its own: read, it would count its source
            # collection's again (the source is listed and read as itself).
            names += [
                c["name"]
                for c in batch
                if isinstance(c.get("name"), str)
                and not c["name"].startswith("system.")
                and c.get("type", "collection") != "view"
            ]
            if not cursor:
                break
            if turn == LIST_BATCHES - 1:
                short = f"collections listed in {LIST_BATCHES} batches, no more"
                break
            try:
                got = await conn.run(
                    db, {"getMore": bson.Int64(cursor), "collection": "$cmd.listCollections"}
                )
                more, batch = batch_of(got, "nextBatch", LIST_LIMIT)
                if more not in (0, cursor):
                    raise BadCursor("getMore answered with another cursor's id")
            except NetError as exc:
                short = f"collections listed in part: {exc}"
                break
            cursor = more
    finally:
        if cursor:
            with suppress(NetError):
                await conn.run(
                    db, {"killCursors": "$cmd.listCollections", "cursors": [bson.Int64(cursor)]}
                )
    return names, short
