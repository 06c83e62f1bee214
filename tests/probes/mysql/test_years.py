"""A table's rows a year, as ``YEAR(…), COUNT(*) … GROUP BY 1`` answers them."""

from __future__ import annotations

from types import SimpleNamespace

from leakhound.models import YearCount
from leakhound.probes.mysql import ALLOW, sql
from leakhound.probes.mysql.probe import _by_year


def _answer(*rows: tuple[bytes | None, bytes | None]) -> SimpleNamespace:
    return SimpleNamespace(rows=[list(r) for r in rows])


def test_rows_a_year_without_the_undated_and_the_zero_date() -> None:
    got = _answer((b"2020", b"300"), (None, b"7"), (b"0", b"2"), (b"2019", b"600"))
    # the table's rows, the undated among them, and its rows a year
    assert _by_year(got) == (909, (YearCount(2019, 600), YearCount(2020, 300)))
    assert _by_year(_answer()) == (0, ())  # an empty table


def test_an_answer_that_is_not_years_and_counts_gives_none() -> None:
    assert _by_year(_answer((b"2019", b"-1"))) == (None, ())
    assert _by_year(_answer((b"20x9", b"1"))) == (None, ())
    huge = str(2**62).encode()
    assert _by_year(_answer((b"2019", huge), (b"2020", huge))) == (None, ())


def test_the_statement_is_allowed_and_no_other_function_is() -> None:
    sent = sql.by_year("support", "cases", "created_at")
    assert sent == "SELECT YEAR(`created_at`), COUNT(*) FROM `support`.`cases` GROUP BY 1"
    assert ALLOW.allows("query", sent)
    assert not ALLOW.allows("query", sql.by_year("mysql", "user", "password_last_changed"))
    evil = "SELECT LOAD_FILE(`x`), COUNT(*) FROM `support`.`cases` GROUP BY 1"
    assert not ALLOW.allows("query", evil)
