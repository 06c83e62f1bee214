"""The detectors over arbitrary JSON documents: hits only, the same in a page as alone."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from leakhound.detect import Hit, scan_batch, scan_document
from leakhound.detect.scan import clear_caches

from .budget import budget

# Pieces that make detectors work: parts of addresses, numbers, ids, odd characters.
_PIECES = st.sampled_from(
    [
        "jane", "@", " at ", "example", ".", " dot ", "com", "it", "+33", " 6 12 34 56 78",
        "0612345678", "4111 1111 1111 1111", "078-05-1120", "DE89 3704 0044 0532 0130 00",
        "81.2.69.160", "2001:db8::1", ":443", "48.8584, 2.2945", "password=", "AKIA", "İ",
        "\u212a", "\u00a0", "٣", "４", "\ud800", " ", "\n", "x", "0", "9", "-", "/", "(", ")",
    ]
)  # fmt: skip
_TEXT = st.lists(_PIECES, max_size=25).map("".join)
_KEYS = st.sampled_from(
    [
        "text",
        "email",
        "phone",
        "ip",
        "notes",
        "customer",
        "location",
        "lat",
        "lon",
        "password",
        "id",
        "order_id",
        "name",
        "city",
    ]
)
_SCALARS = st.one_of(
    _TEXT,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
_JSON: st.SearchStrategy[Any] = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=20,
)


@budget(5000)
@given(st.lists(_JSON, max_size=6))
def test_a_page_of_arbitrary_documents_gives_what_each_gives_alone(docs: list[Any]) -> None:
    clear_caches()
    alone = [scan_document(d) for d in docs]
    clear_caches()
    together = scan_batch(docs)
    assert together == alone
    for hits in together:
        for hit in hits:
            assert type(hit) is Hit and 0.0 < hit.score <= 1.0 and hit.start <= hit.end
            assert not hit.normalized or hit.normalized not in hit.masked
