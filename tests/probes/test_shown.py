"""Names a store chose, as they may be shown: masked where they hold personal data (hits and
non-hits), numbered where two mask alike, and the store's own names kept for a few stores."""

from __future__ import annotations

import asyncio
import pickle

import pytest

from leakhound.probes import shown
from leakhound.probes.shown import (
    Listing,
    Originals,
    behind,
    masked_name,
    numbered,
    unnumbered,
)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        pytest.param("jane.doe@gmail.com", "j***@g***.com", id="email"),
        pytest.param("calls +33612345678", "calls +33 ***78", id="phone-inside"),
        pytest.param("support-cases-2019", None, id="a-year"),
        pytest.param("jdoe", None, id="a-user-name"),
        pytest.param("orders@2019", None, id="an-at-without-an-address"),
    ],
)
def test_a_name_is_masked_only_where_it_holds_personal_data(name: str, masked: str | None) -> None:
    assert masked_name(name) == masked


def test_names_that_mask_alike_are_numbered_in_their_own_order() -> None:
    assert numbered({"b@x.org": "b***@x***.org", "bo@x.org": "b***@x***.org", "a": "a*"}) == {
        "a": "a*",
        "b@x.org": "b***@x***.org #1",
        "bo@x.org": "b***@x***.org #2",
    }


def test_a_masked_name_never_takes_a_number_a_real_name_holds() -> None:
    own = {"b@x.org": "b***@x***.org", "bo@x.org": "b***@x***.org", "c@x.org": "c***@x***.org"}
    taken = {"b***@x***.org #1", "c***@x***.org", "c***@x***.org #1"}
    shown_as = numbered(own, taken)
    assert shown_as == {
        "b@x.org": "b***@x***.org #2",
        "bo@x.org": "b***@x***.org #3",
        "c@x.org": "c***@x***.org #2",
    }
    listing = Listing(list(own), masked_name, taken)
    assert {listing.find(s): s for s in shown_as.values()} == shown_as
    assert listing.find("b***@x***.org #1") is None  # the store's own name, not a masked one


def test_a_masked_form_ending_like_a_number_is_numbered_itself() -> None:
    # "jane@gmail.com #1" masks to what "#1" of two addresses masking alike would be shown as.
    own = {"ja@g.com": "j***@g***.com", "jo@g.com": "j***@g***.com"}
    own["jane@g.com #1"] = "j***@g***.com #1"
    shown_as = numbered(own)
    assert len(set(shown_as.values())) == 3
    assert shown_as["jane@g.com #1"] == "j***@g***.com #1 #1"
    listing = Listing(list(own), lambda n: own[n])
    assert {listing.find(s): s for s in shown_as.values()} == shown_as


def test_the_own_names_of_the_newest_stores_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shown, "MAX_NAMES", 2)
    kept: Originals[str] = Originals()
    for store in ("s1", "s2", "s3"):
        kept.keep(store, {f"{store}-own": f"{store}-shown"})
    assert kept.get("s1", "s1-shown") is None  # the oldest forgotten
    assert kept.get("s2", "s2-shown") == "s2-own"
    assert kept.get("s3", "s3-shown") == "s3-own"
    assert kept.get("s3", "s3-own") is None
    kept.add("s3", "s3-more", "s3-other")
    assert kept.get("s2", "s2-shown") is None
    assert kept.get("s3", "s3-more") == "s3-other"


def test_the_own_names_of_every_store_a_scan_reads_at_once_are_kept() -> None:
    # A scan reads 128 stores at once by default: one forgotten before its samples are drawn
    # lists all its names again for each masked one it sampled.
    kept: Originals[str] = Originals()
    for n in range(1000):
        kept.keep(f"s{n}", {"own": "shown"} if n % 10 == 0 else {})  # most: none masked
    assert all(kept.get(f"s{n}", "shown") == "own" for n in range(0, 1000, 10))


def test_a_shown_name_is_found_behind_in_the_inventory_s_order_masking_no_further() -> None:
    names = ["a@x.org", "b@y.org", "bo@y.org", "c@z.org", "bu@y.org"]
    asked: list[str] = []

    def mask(name: str) -> str | None:
        asked.append(name)
        return masked_name(name)

    shown = numbered({n: m for n in names[:3] if (m := masked_name(n)) is not None})
    assert shown == {"a@x.org": "a***@x***.org", "b@y.org": "b***@y***.org #1"} | {
        "bo@y.org": "b***@y***.org #2"
    }
    assert behind(names, mask, "b***@y***.org #2") == "bo@y.org"
    assert asked == names[:3]  # the rest of the listing is not masked
    assert behind(names, masked_name, "a***@x***.org") == "a@x.org"
    assert behind(names, masked_name, "b***@y***.org #3") == "bu@y.org"  # not reported
    assert behind(names, masked_name, "d***@y***.org") is None


@pytest.mark.parametrize(
    ("name", "base"),
    [
        pytest.param("j***@g***.com #2", ("j***@g***.com", 2), id="numbered"),
        pytest.param("k8s-10.244.*.* #1", ("k8s-10.244.*.*", 1), id="numbered-address"),
        pytest.param("j***@g***.com", ("j***@g***.com", 0), id="masked-alone"),
        pytest.param("orders #2", ("orders #2", 0), id="a-store-s-own-name"),
        pytest.param("j***@g***.com #0", ("j***@g***.com #0", 0), id="no-such-number"),
    ],
)
def test_a_numbered_name_gives_the_masked_name_it_was_made_from(
    name: str, base: tuple[str, int]
) -> None:
    assert unnumbered(name) == base


def test_a_listing_is_masked_once_for_all_the_names_asked_of_it() -> None:
    names = ["a@x.org", "b@y.org", "bo@y.org", "c@z.org", "bu@y.org"]
    asked: list[str] = []

    def mask(name: str) -> str | None:
        asked.append(name)
        return masked_name(name)

    listing = Listing(names, mask)
    assert listing.find("b***@y***.org #2") == "bo@y.org"
    assert listing.find("a***@x***.org") == "a@x.org"  # masked already
    assert listing.find("b***@y***.org #3") == "bu@y.org"
    assert listing.find("d***@y***.org") is None
    assert asked == names  # each once


def test_the_names_found_go_with_a_probe_to_the_processes_that_read() -> None:
    kept: Originals[str] = Originals()

    async def listing() -> Listing[str]:
        return Listing(["a@x.org", "b@y.org"], masked_name)

    assert asyncio.run(kept.find("s", "a***@x***.org", listing)) == "a@x.org"
    copy = pickle.loads(pickle.dumps(kept))  # a ReadTask pickles its probe
    assert copy.get("s", "a***@x***.org") == "a@x.org"


def test_an_inventory_supersedes_a_listing_kept_of_its_store() -> None:
    kept: Originals[str] = Originals()

    async def old() -> Listing[str]:
        return Listing(["bb@y.org", "bo@y.org", "bu@y.org"], masked_name)

    assert asyncio.run(kept.find("s", "b***@y***.org #3", old)) == "bu@y.org"
    # A new inventory of its first two names: "ba@y.org" came first, "#3" is bo's now.
    kept.keep("s", {"ba@y.org": "b***@y***.org #1", "bb@y.org": "b***@y***.org #2"})

    async def new() -> Listing[str]:
        return Listing(["ba@y.org", "bb@y.org", "bo@y.org", "bu@y.org"], masked_name)

    assert asyncio.run(kept.find("s", "b***@y***.org #3", new)) == "bo@y.org"
