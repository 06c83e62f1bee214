"""A table's rows a year, as ``extract(year …), count(*) … GROUP BY 1`` answers them."""

from __future__ import annotations

from leakhound.models import YearCount
from leakhound.probes.postgresql import ALLOW
from leakhound.probes.postgresql.probe import _by_year


def test_rows_a_year_and_the_undated_rows_in_the_total() -> None:
    rows: list[list[str | None]] = [["2020", "300"], [None, "7"], ["2019", "600"]]
    assert _by_year(rows) == (907, (YearCount(2019, 600), YearCount(2020, 300)))
    # 'infinity', a "never" sentinel, has no year: its rows are in the total alone
    assert _by_year([["Infinity", "2"], ["-Infinity", "1"], ["2019", "5"]]) == (
        8,
        (YearCount(2019, 5),),
    )
    assert _by_year([]) == (0, ())  # an empty table


def test_an_answer_that_is_not_years_and_counts_gives_none() -> None:
    assert _by_year([["2019", "many"]]) == (None, ())
    assert _by_year([["MMXIX", "3"]]) == (None, ())
    assert _by_year([["2019"]]) == (None, ())
    # each count fits, their sum does not: no store holds that many rows
    assert _by_year([["2020", str(2**62)], ["2021", str(2**62)]]) == (None, ())


def test_the_statement_is_allowed_and_nothing_around_it() -> None:
    sent = (
        'SELECT extract(year FROM "created_at")::text, count(*) '
        'FROM ONLY "public"."cases" GROUP BY 1'
    )
    assert ALLOW.allows("query", sent)
    assert not ALLOW.allows("query", sent + "; DROP TABLE x")
    assert not ALLOW.allows("query", sent.replace('"created_at"', "pg_read_file('/etc/passwd')"))


def test_no_time_zone_is_named_in_a_statement() -> None:
    # The session is UTC from its startup (wire.startup): a year's statement names no zone.
    sent = (
        "SELECT extract(year FROM \"created_at\" AT TIME ZONE 'Pacific/Auckland')::text, "
        'count(*) FROM ONLY "public"."cases" GROUP BY 1'
    )
    assert not ALLOW.allows("query", sent)
    assert not ALLOW.allows("query", sent.replace("'Pacific/Auckland'", "current_setting('x')"))
