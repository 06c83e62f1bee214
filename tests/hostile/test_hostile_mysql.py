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
from .mysql import (
    EVERY_ROW,
    TABLES,
    Answer,
    FakeMysql,
    ended_by_error,
    many_rows,
    result,
    table_row,
)

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


def _keyless(stop: str) -> Answer:
    """A shop whose tables have no key; the first statement of every row of ``shop.a`` is
    stopped after its first row by the server's error (``stop == "error"``)."""
    stopped: list[str] = []

    def answer(sql: str) -> bytes | None:
        if sql.startswith("SELECT INDEX_NAME"):
            return result(["i", "u", "s", "c"], [])
        if stop == "error" and sql.startswith(EVERY_ROW) and not stopped:
            stopped.append(sql)
            return ended_by_error([("id", 3), "email"], ROWS[:1], 1317)
        return None

    return answer


# A table without a key, read in full a row a part: its one statement cut midway, or stopped
# by the server's error after its first row; asked again from the rows read so far (cut, the
# server walks past the rows before that offset for longer than the read deadline).
ROWS: list[list[str | bytes | None]] = [[str(i), f"user{i}@example.com"] for i in (1, 2, 3)]
# The cut: three bytes into the second row, the first one whole (a part of one row is read):
# a result of the first row alone, but for its EOF (9 bytes).
AFTER_ONE = len(result([("id", 3), "email"], ROWS[:1])) - 9 + 3
KEYLESS = {
    "every-row-cut-once": lambda: FakeMysql(
        _keyless("cut"),
        cut_once=EVERY_ROW,
        cut_at=AFTER_ONE,
        slow=lambda sql: sql.startswith(EVERY_ROW) and not sql.endswith(" OFFSET 0"),
    ),
    "every-row-stopped-once": lambda: FakeMysql(_keyless("error")),
}


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scan]:
    """The servers of tables without a key, read in full in one run of the CLI."""
    tmp = tmp_path_factory.mktemp("hostile-mysql-full")
    with S.ServerLoop() as loop:
        handlers = {name: make() for name, make in KEYLESS.items()}
        yield audited.scan_servers(
            loop, handlers, "mysql", tmp / "f.db", "--depth", "full", "--batch", "1"
        )


@pytest.mark.parametrize("name", list(KEYLESS))
def test_a_keyless_table_cut_or_stopped_midway_is_read_on_from_its_offset(
    full: Scan, name: str
) -> None:
    audited.assert_quiet_and_in_time(full, WALL_BOUND)
    got = full.by_name[name]
    reads = {i["index"]["name"]: i["full"] for i in got["indices"]}
    assert set(reads) == {"shop.a", "shop.b"}
    for read in reads.values():
        assert (read["complete"], read["error"], read["docs"]) == (True, None, 3), read
        assert read["method"] == "offset"
        assert {p["entity_type"] for p in read["pii"]} == {"EMAIL_ADDRESS"}
    # The statement was asked again from the rows read so far, on a new connection.
    if name == "every-row-cut-once":
        port = full.ports[name]
        asked = [
            r.target for r in full.sent if r.target.startswith(EVERY_ROW) and f":{port}" in r.url
        ]
        assert asked == [EVERY_ROW + "0", EVERY_ROW + "1"]
    for request in full.sent:
        assert ALLOW.allows(request.method, request.target), request
