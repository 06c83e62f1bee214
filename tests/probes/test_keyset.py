"""Keyset pages of distinct values sized by a byte budget: a reply over the byte cap (values
far longer than the last page's) asked again smaller, never the listing's end while a page
of ``keyset.PAGE`` values, what every page asked before, fits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence

import pytest

from leakhound.errors import ClosedError, TooLargeError
from leakhound.probes import keyset

_CAP = 4_000_000  # the reply's byte cap of these tests; a page's budget is a quarter of it


class _Column:
    """A column's distinct values in order, each page ``after`` the last; a reply whose
    values (each with ``keyset.FRAMING``) exceed ``_CAP`` is TooLargeError, as the
    connection's byte budget makes it."""

    def __init__(self, values: list[str]) -> None:
        self.values = sorted(values)
        self.asked: list[int] = []

    async def ask(self, after: str | None, n: int) -> Sequence[str | None]:
        self.asked.append(n)
        page = [v for v in self.values if after is None or v > after][:n]
        if sum(len(v) + keyset.FRAMING for v in page) > _CAP:
            raise TooLargeError(f"reply over the {_CAP} byte cap")
        return page

    async def ask_bytes(self, after: str | None, n: int) -> Sequence[bytes | None]:
        self.asked.append(n)
        raw = sorted((v.encode() for v in self.values), key=keyset.digest)
        page = [v for v in raw if after is None or keyset.digest(v) > after][:n]
        if sum(len(v) + keyset.FRAMING + 33 for v in page) > _CAP:
            raise TooLargeError(f"reply over the {_CAP} byte cap")
        return page


def _listed(listing: AsyncGenerator[str, None]) -> list[str]:
    async def go() -> list[str]:
        return [v async for v in listing]

    return asyncio.run(go())


# 20,000 addresses of 20 bytes, then 20,000 values of 300: a page sized at the addresses'
# length (27,777 values) of the long ones is over the cap (8.8 MB), one of 10,000 is not.
_SHORT = [f"a{n:05d}@example.org" + "x" * 2 for n in range(20_000)]
_LONG = [f"b{n:05d}" + "y" * 294 for n in range(20_000)]


def test_a_page_over_the_byte_cap_is_asked_again_a_quarter_as_large() -> None:
    column = _Column(_SHORT + _LONG)
    got = _listed(keyset.keyset(column.ask, 20_000, budget=_CAP // 4))
    assert got == sorted(_SHORT + _LONG)
    sized = keyset.sized(_CAP // 4, 20_000, 20_000 * 20)
    assert sized == 27_777
    # The addresses, then 27,777 long values over the cap: asked again for 10,000 (a
    # quarter, 6,944, at least PAGE), then pages sized at the long values' length.
    long_sized = keyset.sized(_CAP // 4, 10_000, 10_000 * 300)
    assert column.asked[:4] == [20_000, sized, keyset.PAGE, long_sized]


def test_a_page_over_the_byte_cap_is_asked_again_smaller_when_listed_as_bytes() -> None:
    # The first page sized at a row's length far shorter than the column's values (a table's
    # average row): 40,000 of them fill 14 MB, 10,000 fill 3.5.
    column = _Column(_LONG[:6_000] + [f"d{n:05d}" + "w" * 294 for n in range(6_000)])
    got = _listed(keyset.keyset_bytes(column.ask_bytes, bytes.decode, 40_000, budget=_CAP // 4))
    assert sorted(got) == sorted(column.values)
    assert column.asked[:2] == [40_000, keyset.PAGE]


def test_a_page_of_page_values_over_the_byte_cap_is_the_listings_error() -> None:
    # 10,000 values of 500 bytes fill 5 MB: a page as large as every page was before fails
    # as it did then, after one page a quarter as large.
    column = _Column([f"c{n:05d}" + "z" * 494 for n in range(12_000)])
    with pytest.raises(TooLargeError):
        _listed(keyset.keyset(column.ask, 40_000, budget=_CAP // 4))
    assert column.asked == [40_000, keyset.PAGE]


def test_a_page_is_never_larger_than_max_page() -> None:
    # A million addresses of 25 bytes fit a quarter of the 32 MiB cap in 5 pages; a page's
    # values are held at once (about 220 bytes each in Python), so at most MAX_PAGE.
    assert keyset.MAX_PAGE == 100_000
    assert keyset.sized(8 * 2**20, 1_000, 25_000) == keyset.MAX_PAGE
    assert keyset.first_size(40, 8 * 2**20) == keyset.MAX_PAGE


def test_pages_after_one_over_the_byte_cap_ask_no_more_until_past_it() -> None:
    # A first page sized at 10-byte rows (38,461 values) reaches the long values after the
    # addresses: asked again at 10,000 (addresses alone), the next page, sized at their
    # length, would reach them again (29,411 values, over the cap: a pass and a connection
    # each). It asks no more than 10,000 until past the 38,461 the first asked for.
    column = _Column(_SHORT + _LONG)
    got = _listed(keyset.keyset(column.ask, 38_461, budget=_CAP // 4))
    assert got == sorted(_SHORT + _LONG)
    long_sized = keyset.sized(_CAP // 4, 10_000, 10_000 * 300)
    assert column.asked[:5] == [38_461, keyset.PAGE, keyset.PAGE, keyset.PAGE, long_sized]


def test_a_listing_that_cannot_ask_again_ends_on_the_reply_over_the_cap() -> None:
    # The reply over the cap closed the connection, and none could be opened again: the
    # listing's error is the reply over the cap, its cause, not the closed connection.
    column = _Column(_SHORT + _LONG)
    closed = False

    async def ask(after: str | None, n: int) -> Sequence[str | None]:
        nonlocal closed
        if closed:
            raise ClosedError("the connection was closed after an error")
        try:
            return await column.ask(after, n)
        except TooLargeError:
            closed = True
            raise

    with pytest.raises(TooLargeError, match="byte cap"):
        _listed(keyset.keyset(ask, 20_000, budget=_CAP // 4))


def test_a_closed_connection_before_any_reply_over_the_cap_is_its_own_error() -> None:
    async def ask(after: str | None, n: int) -> Sequence[str | None]:
        raise ClosedError("the connection was closed after an error")

    with pytest.raises(ClosedError):
        _listed(keyset.keyset(ask, 1_000, budget=_CAP // 4))
