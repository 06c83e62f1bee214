"""Hostile MySQL servers past the login: answers of the wrong shape to the inventory's
statements, and names no MySQL server has. Each costs the table (or the listing) it touches
one line of reason; the tables inventoried before it are kept, nothing is an internal error,
and only statements of the allow-list are sent.

One scan through the real CLI over every server at once, as ``test_hostile_wire.py`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from leakhound.probes.mysql import ALLOW

from . import audited
from . import servers as S
from .audited import Scan
from .mysql import TABLES, Answer, FakeMysql, many_rows, result, table_row

WALL_BOUND = 60.0  # seconds: a correctness bound, not a benchmark


def _on(prefix: str, answer: bytes) -> Answer:
    return lambda sql: answer if sql.startswith(prefix) else None


def _listing(*rows: list[str | bytes | None]) -> Answer:
    return _on("SELECT TABLE_SCHEMA", result(TABLES, list(rows)))


@dataclass(frozen=True)
class Case:
    """One hostile server: what it answers, and each table's error the scan must report
    (``None``: the whole listing's)."""

    name: str
    answers: Answer
    errors: dict[str, str] | None
    listing: str = ""


MANY = "a-sample-of-300000-rows"  # the sample asks for 100
ODD_COLUMN = "a-column-of-a-hostile-character-set"

CASES = [
    Case(
        MANY,
        _on("SELECT * FROM", many_rows(300_032)),
        {"shop.a": "^$", "shop.b": "^$"},
    ),
    Case(
        "listing-of-two-columns",
        _on("SELECT TABLE_SCHEMA", result(["s", "n"], [["shop", "a"]])),
        None,
        "cannot list tables: an answer of 2 columns where the statement asks for 6",
    ),
    Case(
        "columns-of-two-columns",
        _on("SELECT COLUMN_NAME", result(["c", "d"], [["id", "int"]])),
        {
            "shop.a": "columns: an answer of 2 columns where the statement asks for 5",
            "shop.b": "columns: an answer of 2 columns where the statement asks for 5",
        },
    ),
    Case(
        "keys-of-three-columns",
        _on("SELECT INDEX_NAME", result(["i", "u", "s"], [["PRIMARY", "0", "1"]])),
        {
            "shop.a": "columns: an answer of 3 columns where the statement asks for 4",
            "shop.b": "columns: an answer of 3 columns where the statement asks for 4",
        },
    ),
    Case(
        "nul-in-a-table-name",
        _listing(table_row("shop", "a"), table_row("shop", "b\0c")),
        {"shop.a": "^$", "shop.b\0c": "^a name that is empty or holds NUL: not read$"},
    ),
    Case(
        "a-table-without-a-database",
        _listing(table_row("shop", "a"), table_row(None, "x")),
        {"shop.a": "^$", ".x": "^a name that is empty or holds NUL: not read$"},
    ),
    Case(
        "nul-in-a-column-name",
        _on(
            "SELECT COLUMN_NAME",
            result(
                ["c", "d", "t", "n", "s"],
                [["id", "int", "int", "NO", None], ["e\0", "text", "t", "NO", "utf8mb4"]],
            ),
        ),
        {
            "shop.a": "^columns: a column name that is empty or holds NUL$",
            "shop.b": "^columns: a column name that is empty or holds NUL$",
        },
    ),
    Case(
        # A text key of a character set no server has (its name would go back in the key's
        # literal, ``_<name> X'…'``, at each page of a full read): not a key, the table read
        # without one, its values byte for byte.
        "a-text-key-of-a-hostile-character-set",
        lambda sql: (
            result(
                ["c", "d", "t", "n", "s"],
                [["email", "varchar", "text", "NO", "ascii X'00' OR 1=1 -- "]],
            )
            if sql.startswith("SELECT COLUMN_NAME")
            else result(["i", "u", "s", "c"], [["PRIMARY", "0", "1", "email"]])
            if sql.startswith("SELECT INDEX_NAME")
            else result(["email"], [[f"user{i}@example.com"] for i in (1, 2, 3)])
            if sql.startswith("SELECT CAST(`email` AS BINARY) AS `email` FROM")
            else None
        ),
        {"shop.a": "^$", "shop.b": "^$"},
    ),
    Case(
        # One column of a character set no server has, beside a key of numbers: the rest of
        # the table is no less readable.
        ODD_COLUMN,
        lambda sql: (
            result(
                ["c", "d", "t", "n", "s"],
                [["id", "int", "int", "NO", None], ["email", "varchar", "text", "YES", "klingon"]],
            )
            if sql.startswith("SELECT COLUMN_NAME")
            else result([("id", 3), "email"], [[str(i), f"user{i}@example.com"] for i in (1, 2, 3)])
            if sql.startswith("SELECT `id`, CAST(`email` AS BINARY) AS `email` FROM")
            else None
        ),
        {"shop.a": "^$", "shop.b": "^$"},
    ),
]


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scan]:
    """Every hostile server, sampled in one run of the CLI."""
    tmp = tmp_path_factory.mktemp("hostile-mysql")
    with S.ServerLoop() as loop:
        handlers = {c.name: FakeMysql(c.answers) for c in CASES}
        got = audited.scan_servers(loop, handlers, "mysql", tmp / "f.db")
    yield got


def test_the_scan_ends_in_time_without_a_traceback(scan: Scan) -> None:
    audited.assert_quiet_and_in_time(scan, WALL_BOUND)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_answer_costs_what_it_touches_with_one_line(scan: Scan, case: Case) -> None:
    got = scan.by_name[case.name]
    assert got["service"]["verdict"] == "open"
    inventory_error = got.get("inventory_error") or ""
    assert "internal error" not in inventory_error
    if case.errors is None:
        assert inventory_error == case.listing
        assert not got["indices"]
        return
    audited.assert_index_errors(got, case.errors)


def test_a_good_table_listed_beside_a_bad_name_is_sampled(scan: Scan) -> None:
    for name in ("nul-in-a-table-name", "a-table-without-a-database"):
        (good,) = [i for i in scan.by_name[name]["indices"] if i["index"]["name"] == "shop.a"]
        assert good["index"]["docs"] == 3
        assert {p["entity_type"] for p in good["sample"]["pii"]} == {"EMAIL_ADDRESS"}


def test_a_column_of_a_character_set_no_server_has_costs_no_table(scan: Scan) -> None:
    for name in ("a-text-key-of-a-hostile-character-set", ODD_COLUMN):
        for index in scan.by_name[name]["indices"]:
            assert index["index"]["docs"] == 3
            assert {p["entity_type"] for p in index["sample"]["pii"]} == {"EMAIL_ADDRESS"}


def test_more_rows_than_asked_for_cost_the_sample_not_the_memory(scan: Scan) -> None:
    for index in scan.by_name[MANY]["indices"]:
        sample = index["sample"]
        assert sample["error"] == "more rows than the 100 the statement asks for"
        assert sample["docs"] == 0


def test_only_allow_listed_statements_were_sent(scan: Scan) -> None:
    assert scan.sent
    for request in scan.sent:
        assert request.kind == "mysql"
        assert ALLOW.allows(request.method, request.target), request
