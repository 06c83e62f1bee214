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


def test_a_dates_year_is_read_from_its_text_ad_only() -> None:
    from leakhound.probes.postgresql.probe import _year_of

    assert _year_of("2005-01-01 15:20:56+00") == 2005
    assert _year_of("2019-12-31") == 2019
    assert _year_of("0044-03-15 BC") is None
    assert _year_of("infinity") is None and _year_of("-infinity") is None
    assert _year_of(None) is None and _year_of("") is None


def test_the_years_along_the_index_are_allowed_and_nothing_around_them() -> None:
    sent = (
        'SELECT y::text, (SELECT count(*) FROM ONLY "public"."cases" WHERE "created_at" >= '
        'make_date(y, 1, 1) AND "created_at" < make_date(y + 1, 1, 1)) '
        "FROM generate_series(2005, 2019) AS y UNION ALL "
        'SELECT NULL, count(*) FROM ONLY "public"."cases" WHERE "created_at" IS NULL'
    )
    assert ALLOW.allows("query", sent)
    assert not ALLOW.allows("query", sent + "; DROP TABLE x")
    assert not ALLOW.allows("query", sent.replace("2019", "pg_sleep(1)"))
    assert not ALLOW.allows("query", sent.replace('"public"', '"pg_catalog"'))
