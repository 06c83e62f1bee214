"""CouchDB database names a server made of a person, shown with the personal data masked.

With ``couch_peruser`` on, CouchDB gives each user a database of its own named
``userdb-`` and the hex of the user's name in UTF-8, and a user name is often an e-mail address:
``userdb-6a616e65…`` is ``jane.doe@gmail.com`` to anyone who decodes it. Such a database is
shown and stored as ``userdb-`` and the user name with its personal data masked
(``userdb-j***@g***.com``), found by the same detectors as any record's values; names that
collide once masked are numbered in the inventory's order of the names they stand for
(``… #1``, ``… #2``). A database is still read by its own name: it is found again from the
shown one in the server's listing (``Databases``), never stored. Masked names hold ``*``,
which no CouchDB database name may: the two cannot be confused. (A server whose
``database_prefix`` is not the default names them otherwise: they are shown as named.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import orjson

from ...errors import NetError, ProtocolError, TooLargeError
from ...net import Http
from ..http_root import answered_over, listing_cut
from ..shown import Listing, Originals, masked_name, masked_names
from .allow import ALLOW

# couch_peruser's default database_prefix, then the hex of the user name's UTF-8 bytes.
_USERDB = re.compile(r"userdb-((?:[0-9a-f]{2})+)")
PREFIX = "userdb-"
_OWN = re.compile(r"[a-z0-9_$()+/-]*")  # what may follow it in a database's own name
MAX_DATABASES = 100_000  # names kept of one /_all_dbs answer


def database_names(body: Any) -> list[str] | None:
    """The names of an ``/_all_dbs`` answer (at most MAX_DATABASES); None when it is not a
    list of names."""
    if not isinstance(body, list) or not all(isinstance(n, str) for n in body[:100]):
        return None
    return [n for n in body[:MAX_DATABASES] if isinstance(n, str)]


_BEGUN_TRIES = 3  # ends of a name a cut listing is parsed up to: each parse reads it all


def names_begun(head: bytes) -> list[str] | None:
    """The names whole in the first bytes of an ``/_all_dbs`` answer over the size cap (a
    JSON list cut anywhere: up to its last name followed by a comma, not an escaped quote
    inside a name); None where they do not begin a list of names, or none is whole (a list
    over the cap names some: an empty one is no listing read)."""
    start = head.lstrip()
    if not start.startswith(b"["):
        return None
    end, tries = len(start), 0
    while tries < _BEGUN_TRIES and (end := start.rfind(b'",', 0, end)) > 0:
        back = end
        while back > 0 and start[back - 1] == ord("\\"):
            back -= 1
        if (end - back) % 2:  # \" inside a name
            continue
        tries += 1
        try:
            body = orjson.loads(start[: end + 1] + b"]")
        except orjson.JSONDecodeError:
            continue
        return database_names(body) or None
    return None


async def all_dbs(http: Http, base: str) -> tuple[list[str] | None, int, str | None]:
    """The names ``/_all_dbs`` lists (None where its answer is no list of names), its status,
    and where it answered 2xx over the size cap, what the inventory says of the cut
    (``listing_cut``): then the names are those whole in its first bytes (``names_begun``).
    ``NetError`` where it is not answered (``TooLargeError`` over the cap with no name
    whole)."""
    try:
        resp = await http.get(base + "/_all_dbs", ALLOW)
    except TooLargeError as exc:
        begun = names_begun(exc.head) if answered_over(exc) else None
        if begun is None or exc.status is None:
            raise
        return begun, exc.status, listing_cut(exc, "/_all_dbs", len(begun), "names")
    names = database_names(resp.json_or_none()) if resp.status == 200 else None
    return names, resp.status, None


def user_of(name: str) -> str | None:
    """The user name a per-user database (``userdb-<hex>``) was made for, or None."""
    m = _USERDB.fullmatch(name)
    if m is None:
        return None
    try:
        return bytes.fromhex(m.group(1)).decode("utf-8")
    except UnicodeDecodeError:
        return None


def masked(name: str) -> str | None:
    """The name with the personal data of its user name masked, unnumbered; None when it
    holds none."""
    user = user_of(name)
    shown = masked_name(user) if user is not None else None
    return PREFIX + shown if shown is not None else None


def in_order(names: Iterable[str]) -> list[str]:
    """Database names in the inventory's order: the users' first, then the system's."""
    return sorted(set(names), key=lambda n: (n.startswith("_"), n))


def shown_names(names: Iterable[str]) -> dict[str, str]:
    """Database name → the name shown and stored instead, for those of ``names`` (the
    databases an inventory reports, ``in_order``) that hold personal data."""
    return masked_names(names, masked)


def is_shown(name: str) -> bool:
    """Whether ``name`` is a masked name: one no CouchDB database may have."""
    return name.startswith(PREFIX) and _OWN.fullmatch(name, len(PREFIX)) is None


class Databases(Originals[str]):
    """The databases behind the masked names of a few servers' listings, by server."""

    async def database(self, http: Http, base: str, name: str) -> str:
        """The database a container's ``name`` stands for: itself, unless masked; a masked
        one from the listing kept, else from the server's listing asked again."""
        if not is_shown(name):
            return name

        async def listing() -> Listing[str]:
            try:
                names, status, _cut = await all_dbs(http, base)
            except NetError as exc:  # its ProtocolError and TooLargeError too
                raise ProtocolError(f"{name}: cannot list databases to find it: {exc}") from exc
            if names is None:
                raise ProtocolError(f"{name}: cannot list databases to find it (HTTP {status})")
            return Listing(in_order(names), masked)

        real = await self.find(base, name, listing)
        if real is None:
            raise ProtocolError(f"{name}: no database of that name is listed any more")
        return real
