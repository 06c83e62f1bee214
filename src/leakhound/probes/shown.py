"""Names a store chose from its own data (a folder, a database, a collection named after a
customer), as they may be shown and stored: the personal data in them masked.

A container's name is written in every report and kept in the findings database; where a
store named one after a person (``users/jane.doe@gmail.com/``, a per-user database, a
collection a customer), the name is the store's data and is masked like any value the
detectors find. Probes keep reading by the store's own name: how is theirs to say.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from ..detect import masked_text

_T = TypeVar("_T")
# Own names one probe keeps, across stores (the oldest stores' forgotten past it): a scan reads
# up to --concurrency stores at once (128 by default), and a store forgotten before its
# samples are drawn costs a listing of every name it holds for each masked one. Only masked
# names are kept: a store whose names hold no personal data takes no room.
MAX_NAMES = 200_000
MAX_LISTINGS = 4  # stores whose listing one probe keeps to find more names in (``find``)

# What a name may hold of a person: an e-mail address, a phone number, a card, an account or
# an id number; names with neither an '@' nor a run of digits hold none of them, and are not
# asked (a bucket's listing has up to 100,000 folders).
_MAYBE_PERSONAL = re.compile(r"@|\d[\d .()+-]{5,}\d")
# A masked name numbered (``numbered``): its masked form, then " #" and its number.
_NUMBER = re.compile(r"(.*) #([1-9][0-9]{0,8})", re.DOTALL)


def masked_name(name: str) -> str | None:
    """``name`` with the personal data in it masked (``j***@g***.com``); None when it holds
    none."""
    if not _MAYBE_PERSONAL.search(name):
        return None
    shown = masked_text(name)
    return shown if shown != name else None


def numbered(masked: Mapping[_T, str], taken: Collection[str] = ()) -> dict[_T, str]:
    """Name → its masked form (``masked``, in the inventory's order of the names), numbered
    where two or more mask alike (``… #1``, ``… #2``, in that order): each stays a container
    of its own. The inventory numbers the names it reports; those it left out come after
    them in its order, so they never change a reported name's number (``behind``). No name
    shown is one ``taken`` (a container shown as the store named it: a MongoDB collection
    may be named ``c***@g***.com`` or ``c***@g***.com #1``): one masking to a name taken is
    numbered alone, and a number that would make a name taken is passed over (``Listing``
    passes it over too). A masked form that itself ends like a number (``… #1``: a name
    ``jane@gmail.com #1``) is always numbered: two containers never share a name."""
    groups: dict[str, list[_T]] = {}
    for name, shown in masked.items():
        groups.setdefault(shown, []).append(name)
    out: dict[_T, str] = {}
    for shown, group in groups.items():
        if len(group) == 1 and shown not in taken and _NUMBER.fullmatch(shown) is None:
            out[group[0]] = shown
        else:
            free = (n for n in itertools.count(1) if f"{shown} #{n}" not in taken)
            out |= {name: f"{shown} #{n}" for name, n in zip(group, free, strict=False)}
    return out


def masked_names(
    names: Iterable[_T], mask: Callable[[_T], str | None], taken: Collection[str] = ()
) -> dict[_T, str]:
    """Each of ``names`` (an inventory's, in its order) whose name holds personal data → the
    name shown and stored instead: its ``mask``, numbered where two mask alike (``numbered``,
    ``taken`` as it says)."""
    found = {}
    for name in names:
        shown = mask(name)
        if shown is not None:
            found[name] = shown
    return numbered(found, taken)


def unnumbered(name: str) -> tuple[str, int]:
    """The masked name a numbered one (``numbered``) was made from, and its number:
    ``j***@g***.com #2`` → (``j***@g***.com``, 2); any other name → (itself, 0). A number
    says where a name stands among those masked alike, in the store's order: one added or
    removed moves the numbers after it, and a name may then stand for another container."""
    m = _NUMBER.fullmatch(name)
    if m is None or "*" not in m.group(1):  # a mask holds "*"; a name of the store's own
        return name, 0
    return m.group(1), int(m.group(2))


def behind(names: Iterable[_T], mask: Callable[[_T], str | None], shown: str) -> _T | None:
    """The name a shown one (``numbered``) stands for, among ``names`` in the inventory's
    order: the n-th that masks to it (``… #n``), or the first; None when none does. Names are
    masked only as far as the one found: a listing of 100,000 is not masked whole."""
    return Listing(list(names), mask).find(shown)


class Listing(Generic[_T]):
    """A store's names in the inventory's order, masked as far as the names asked of it were
    found (``behind``): each one asked costs the names between the last found and it, not the
    whole listing again (a store of 10,000 masked indices read by a new process). ``taken``:
    the names the store lists that are shown as named and could be taken for masked ones
    (``numbered`` passed their numbers over). ``check``: given a shown name and the name
    found for it (None: none), raises NetError where the listing could not tell for sure
    (a part of the store it could not list, whose names would have moved the numbers)."""

    def __init__(
        self,
        names: Sequence[_T],
        mask: Callable[[_T], str | None],
        taken: Collection[str] = (),
        check: Callable[[str, _T | None], None] | None = None,
    ) -> None:
        self._names, self._mask, self._check = names, mask, check
        self._at = 0  # names masked so far
        self._alike: dict[str, list[_T]] = {}  # masked name → those of names[:_at], in order
        self._lock = threading.Lock()  # asked from worker threads (masking is CPU work)
        self._passed: dict[str, list[int]] = {}  # masked name → the numbers ``numbered`` passed
        for name in taken:
            if (m := _NUMBER.fullmatch(name)) is not None:
                self._passed.setdefault(m.group(1), []).append(int(m.group(2)))

    def find(self, shown: str) -> _T | None:
        """The name ``shown`` stands for: the n-th that masks to it (``… #n``, counting not
        the numbers passed over), or the first; None when none does."""
        m = _NUMBER.fullmatch(shown)
        if m is None:
            wanted, nth = shown, 1
        else:
            wanted, number = m.group(1), int(m.group(2))
            passed = self._passed.get(wanted, [])
            if number in passed:  # a name of the store's own, never a masked one
                return None
            nth = number - sum(1 for n in passed if n < number)
        with self._lock:
            while len(self._alike.get(wanted, ())) < nth and self._at < len(self._names):
                name = self._names[self._at]
                self._at += 1
                if (masked := self._mask(name)) is not None:
                    self._alike.setdefault(masked, []).append(name)
            alike = self._alike.get(wanted, [])
            found = alike[nth - 1] if len(alike) >= nth else None
        if self._check is not None:
            self._check(shown, found)
        return found


class Originals(Generic[_T]):
    """The store's own names behind the masked ones, for the stores being read: a sample or
    a full read asks the store by its own name, which is stored nowhere."""

    def __init__(self) -> None:
        self._by: dict[str, dict[str, _T]] = {}  # store → shown name → its own
        self._names = 0  # in all of ``_by``
        self._listings: dict[str, Listing[_T]] = {}  # the last few stores' (``find``)

    def __getstate__(self) -> dict[str, Any]:
        # A probe is pickled to the processes that read partitions (``ReadTask``): the names
        # found go with it, not the listings kept to find more (large, and holding a lock).
        return {**self.__dict__, "_listings": {}}

    def keep(self, store: str, shown: Mapping[_T, str]) -> None:
        """Remember the names behind ``shown`` (own → shown) of ``store`` (its URL or key),
        as a new inventory numbered them: a listing kept of it before is forgotten."""
        self._listings.pop(store, None)
        self._names -= len(self._by.pop(store, {}))
        if shown:
            self._by[store] = {v: k for k, v in shown.items()}
            self._names += len(shown)
            self._bound()

    def add(self, store: str, shown: str, own: _T) -> None:
        """Remember one more name behind a shown one (found by ``behind``)."""
        names = self._by.setdefault(store, {})
        if shown not in names:
            self._names += 1
        names[shown] = own
        self._bound()

    def get(self, store: str, name: str) -> _T | None:
        """The own name behind a shown ``name`` of ``store``, when kept."""
        return self._by.get(store, {}).get(name)

    async def find(
        self, store: str, shown: str, listing: Callable[[], Awaitable[Listing[_T]]]
    ) -> _T | None:
        """The own name behind ``shown``: kept, else found in the listing of ``store`` kept
        from the last search, else in the one ``listing()`` asks the store for (and kept);
        None when that one names none (NetError from ``listing``)."""
        own = self.get(store, shown)
        if own is None and (kept := self._listings.get(store)) is not None:
            own = await asyncio.to_thread(kept.find, shown)
        if own is None:  # a store that changed since its listing was kept: asked again
            self._listings.pop(store, None)
            kept = self._listings[store] = await listing()
            while len(self._listings) > MAX_LISTINGS:
                self._listings.pop(next(iter(self._listings)))
            own = await asyncio.to_thread(kept.find, shown)
        if own is not None:
            self.add(store, shown, own)
        return own

    def _bound(self) -> None:
        """The oldest stores forgotten while more than ``MAX_NAMES`` are kept (never the
        newest: its names are being read)."""
        while self._names > MAX_NAMES and len(self._by) > 1:
            self._names -= len(self._by.pop(next(iter(self._by))))
