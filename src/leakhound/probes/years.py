"""The years a store is asked to count its records in, one by one, between its oldest and
newest date (MongoDB's ``count`` a year, PostgreSQL's index-only count a year)."""

from __future__ import annotations


def year_span(first: int | None, last: int | None, most: int) -> range | None:
    """The years from ``first`` to ``last``, both AD and short of 9999 (the year after the
    last must still be a date), or None: an unknown end, a range that runs backwards, or
    more than ``most`` years (a "never" sentinel date, not a calendar of records)."""
    if first is None or last is None or not 1 <= first <= last <= 9998:
        return None
    if last - first >= most:
        return None
    return range(first, last + 1)
