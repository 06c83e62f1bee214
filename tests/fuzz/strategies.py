"""JSON values the fuzz tests hand the probes' parsers."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# What orjson can hand a probe: integers beyond 64 bits arrive as floats, never as int.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)


def json_trees(
    hints: st.SearchStrategy[str], keys: st.SearchStrategy[str], *, width: int, leaves: int
) -> st.SearchStrategy[Any]:
    """Lists and objects up to ``width`` wide over scalars and ``hints`` (the words a parser
    looks for), object keys from ``keys``, at most ``leaves`` leaves."""
    return st.recursive(
        SCALARS | hints,
        lambda inner: (
            st.lists(inner, max_size=width) | st.dictionaries(keys, inner, max_size=width)
        ),
        max_leaves=leaves,
    )
