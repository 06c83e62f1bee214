"""A column's distinct values listed by an SQL server in keyset pages: each page the next
values in order after the last one listed (``SELECT DISTINCT v … WHERE v > last ORDER BY v
LIMIT n``). Nothing stays open on the server. The statements are each kind's (PostgreSQL's,
MySQL's ``distinct``): each value as stored, in a binary collation, which an index on the
column in its own collation does not order, or, where that collation merges no two of its
values, the column in its own order, which its index does; a column listed as its values'
bytes, in the order of their MD5 (``keyset_bytes``), each page after the MD5 of the last."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from ..errors import ClosedError, ProtocolError, TooLargeError

V = TypeVar("V", str, bytes)
# A listing's question: the next ``n`` values after ``after`` (None: from the first).
Ask = Callable[[str | None, int], Awaitable[Sequence[V | None]]]

PAGE = 10_000  # values a page, where nothing tells how long they are
# Values one page asks for at most, however short they are (``sized``). A page's values are
# all held at once, about 220 bytes each as Python objects beside the reply's bytes (their
# text, their bytes, the values left to give; tracemalloc's peak over ``keyset`` of one page
# of 25-byte addresses: 21 MiB for 100,000, 211 MiB for a million), and a scan lists in
# several workers at once: tens of MiB each, not hundreds. The win stays: 200,000 addresses
# no index orders are 3 pages, passes over the table, where pages of ``PAGE`` took 21 (9.2 s
# of MariaDB's time beside 76 s). Both measured by ``benchmarks/sql_listing.py``.
MAX_PAGE = 100_000
# Bytes a value takes in a reply beside its own, at least (MySQL: a row's 4-byte header and
# its value's length; PostgreSQL: a DataRow's 11): a page's size is measured with them.
FRAMING = 16
# A value to page after, at most: longer is free text, not an identifier (and would go back
# to the server in every page's statement). A longer one is listed all the same: the next
# page goes on after the last value short enough (``keyset``).
MAX_VALUE_BYTES = 2048
# Values in a row, in the listing's order, too long to page after: each is listed again by
# every page until a value short enough comes (a column of free text, not identifiers).
MAX_LONG = 1_000
# Values one column of one table may list: a server listing more than the scan would ever
# ask for (a million at most, all fields together) is not answering the statement.
MAX_VALUES = 5_000_000


def counts(rows: Sequence[Sequence[str | None]]) -> list[int]:
    """The counts of an answer that is one row of them (``count(DISTINCT …)``, as text);
    ProtocolError for anything else."""
    row = rows[0] if len(rows) == 1 else None
    if not row or any(v is None or not v.isdigit() or len(v) > 18 for v in row):
        raise ProtocolError("count(DISTINCT …) answered without a count")
    return [int(v or 0) for v in row]


def first_size(row_bytes: int | None, budget: int | None) -> int:
    """The values a listing's first page asks for: as many as ``budget`` bytes hold where a
    value is as long as a row of the table on average (``row_bytes``, from its size and
    count: a column's value is no longer on average), else ``PAGE``."""
    if not budget or not row_bytes or row_bytes <= 0:
        return PAGE
    return max(1, min(MAX_PAGE, budget // (row_bytes + FRAMING)))


def sized(budget: int, values: int, nbytes: int) -> int:
    """The values the next page asks for: as many as ``budget`` bytes of reply hold at the
    length of the last page's (``values`` of ``nbytes`` together, each with its
    ``FRAMING``). A column no index orders is read whole for every page (``SELECT DISTINCT
    … ORDER BY``: a table of 200,000 addresses took 21 pages of 10,000, 57-76 s of the
    server's time on MariaDB 10.11, ``benchmarks/sql_listing.py``); pages as large as the
    reply's byte budget allows, ``MAX_PAGE`` at most, list it in a few passes (3 pages,
    9.2 s), and a column of long values still in pages within it."""
    return max(1, min(MAX_PAGE, budget * values // max(1, nbytes + FRAMING * values)))


class _Asking(Generic[V]):
    """The pages of one listing, each ``ask(after, n)``: a reply over the byte cap
    (TooLargeError: values far longer than the last page's, which sized this one) is asked
    again for a quarter as many, down to ``PAGE``, how many every page asked before pages
    were sized by bytes (a listing that went then goes now), before the error stands. The
    error closed the connection: ``ask`` opens another (``distinct.values``' ``reopen``); if it
    cannot, the listing ends on the reply over the cap, its cause.
    The pages after it ask for no more until the listing is past the values the page over
    the cap asked for: a page after short ones, sized at their length, would reach the long
    ones again, each time a pass over the table and a connection (the probes open 3 at
    most: ``reconnect.RECONNECTS``)."""

    def __init__(self, ask: Ask[V]) -> None:
        self._ask: Ask[V] = ask
        self._most = MAX_PAGE  # values a page asks for at most, while ``listed < _until``
        self._until = 0

    async def page(
        self, after: str | None, n: int, listed: int, more: int = 0
    ) -> tuple[int, Sequence[V | None]]:
        """``ask(after, n + more)``'s page, ``listed`` values into the listing, and the
        ``n`` it holds."""
        if listed < self._until:
            n = min(n, self._most)
        over: TooLargeError | None = None  # the reply over the cap this page is asked after
        while True:
            try:
                return n, await self._ask(after, n + more)
            except TooLargeError as exc:
                if n <= PAGE:
                    raise
                over = exc
                self._until = listed + n
                n = self._most = max(PAGE, n // 4)
            except ClosedError as exc:
                # Asked again on a connection that could not be opened again (or none to
                # open): the reply over the cap is why the listing ends, not the closed
                # connection it left.
                if over is None:
                    raise
                raise over from exc


async def keyset(
    ask: Callable[[str | None, int], Awaitable[Sequence[str | None]]],
    size: int = PAGE,
    *,
    budget: int | None = None,
) -> AsyncGenerator[str, None]:
    """Each value ``ask(after, size)`` lists (the next ``size`` values after ``after``; None:
    from the first), once, page by page until a page comes short; ``budget``: the bytes a
    page's values may fill, each page after the first as many values as that holds at the
    length of the last page's (``sized``; None: ``size`` every page), a page whose reply is
    over the byte cap asked again smaller (``_Asking``).

    A page goes on after its last value short enough to go back to the server
    (``MAX_VALUE_BYTES``): the values after that one, too long, are listed again first by
    the next page, which asks for as many more, and are left out there (a column of short
    identifiers holding a few of free text is listed whole, where a long value last of a
    page once ended the listing). More than ``MAX_LONG`` of them in a row is one
    ProtocolError."""
    after: str | None = None
    # The values listed after ``after`` (each too long to page after), by digest.
    since: set[str] = set()
    listed = 0
    n = size
    asking = _Asking(ask)
    while True:
        n, page = await asking.page(after, n, listed, len(since))
        asked = n + len(since)
        # The order is the server's collation, not Python's: a page is only checked to hold
        # each value once and to move on from the last (``>`` never lists it again).
        if any(v is None for v in page) or after in page or len(set(page)) < len(page):
            raise ProtocolError("a page of distinct values that does not move on")
        raw = [v.encode() for v in page if v is not None]
        fresh = [(v, b) for v, b in zip(page, raw, strict=True) if digest(b) not in since]
        if len(page) >= asked and not fresh:
            raise ProtocolError("a page of distinct values that does not move on")
        for v, _ in fresh:
            assert v is not None
            yield v
        listed += len(fresh)
        if len(page) < asked:
            return
        if listed > MAX_VALUES:
            raise ProtocolError(f"more than {MAX_VALUES:,} distinct values in one column")
        short = [i for i, b in enumerate(raw) if len(b) <= MAX_VALUE_BYTES]
        if short:
            after = page[short[-1]]
            since = {digest(b) for b in raw[short[-1] + 1 :]}
        else:
            since |= {digest(b) for b in raw}
        if len(since) > MAX_LONG:
            raise ProtocolError(
                f"more than {MAX_LONG:,} values in a row too long to page after: free text, "
                "not identifiers"
            )
        if budget:
            n = sized(budget, len(raw), sum(map(len, raw)))


def digest(raw: bytes) -> str:
    """A value's MD5 as 32 lower-case hex digits: what a listing as bytes pages after
    (``keyset_bytes``), as the server computes it (MySQL's ``MD5``, PostgreSQL's ``md5``)."""
    return hashlib.md5(raw, usedforsecurity=False).hexdigest()


async def keyset_bytes(
    ask: Callable[[str | None, int], Awaitable[Sequence[bytes | None]]],
    decode: Callable[[bytes], str],
    size: int = PAGE,
    *,
    budget: int | None = None,
) -> AsyncGenerator[str, None]:
    """``keyset`` of values listed as their bytes (a character set the session cannot carry
    whole), each value as ``decode`` reads it: two values whose bytes differ may read alike
    (cp932's two codes of one character, SQL_ASCII's Latin-1 and UTF-8 spellings), each is
    given, and the listing goes on. In the order of their MD5 digests (``digest``), each page
    ``ask(after, size)`` after the digest of the last value (None: from the first): 32 hex
    digits whatever that value's length, where its bytes as a literal could not go past
    ``MAX_VALUE_BYTES`` (a value of free text stopped the listing). The digests are computed
    again here, so a page out of their order, or not after the last, is one ProtocolError.
    A value whose digest another's equals (made to, MD5 being broken) is not listed: one
    value fewer, never a page that does not end. ``budget``: as ``keyset``'s (a value's
    digest, 32 hex digits, counted with it), a reply over the cap asked again smaller."""
    after: str | None = None
    listed = 0
    asking = _Asking(ask)
    while True:
        size, page = await asking.page(after, size, listed)
        keys = [None if v is None else digest(v) for v in page]
        # Two values of one digest are next to each other in a page as across two (the
        # second not after the first's): the second is left out in both, never an error.
        if any(
            k is None or (prev is not None and k < prev)
            for prev, k in zip([after, *keys], keys, strict=False)
        ) or (after is not None and keys[:1] == [after]):
            raise ProtocolError("a page of distinct values that does not move on")
        for prev, k, v in zip([after, *keys], keys, page, strict=False):
            if k != prev:
                assert v is not None
                yield decode(v)
        listed += len(page)
        if len(page) < size:
            return
        if listed > MAX_VALUES:
            raise ProtocolError(f"more than {MAX_VALUES:,} distinct values in one column")
        after = keys[-1]
        if budget:
            size = sized(budget, len(page), sum(len(v or b"") + 33 for v in page))
