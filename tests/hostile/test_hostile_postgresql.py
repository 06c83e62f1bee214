"""Hostile PostgreSQL servers past the startup: answers of the wrong shape to the inventory's
statements, names no server has, and a connection cut in the middle of a full read's page.
Each costs the database or table it touches one line of reason, nothing is an internal error,
a page cut short is asked again on a new connection, and only statements of the allow-list
are sent.

Two scans through the real CLI over every server at once (a sample, then a full read), as
``test_hostile_wire.py`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from leakhound.probes.postgresql import ALLOW

from . import audited
from . import servers as S
from .audited import Scan
from .postgresql import (
    INT8,
    RANGE_PLAN,
    READY,
    STREAM,
    TABLES,
    Answer,
    FakePostgresql,
    many_rows,
    message,
    result,
    table_row,
)

WALL_BOUND = 60.0  # seconds: a correctness bound, not a benchmark


def _on(prefix: str, answer: bytes) -> Answer:
    return lambda sql: answer if sql.startswith(prefix) else None


LISTING = "SELECT n.nspname, c.relname, c.reltuples"


@dataclass(frozen=True)
class Case:
    """One hostile server: what it answers, and each table's error the scan must report
    (``None``: no table, the database's own error is ``listing``)."""

    name: str
    answers: Answer
    errors: dict[str, str] | None
    listing: str = ""
    samples: dict[str, str] | None = None  # each table's sample error, where it has one


WIDTH = "an answer of {} columns where the statement asks for {}"
MANY = "a-sample-of-300000-rows"  # the sample asks for 100
CASES = [
    Case(
        MANY,
        _on("SELECT * FROM", many_rows(300_000)),
        {"shop.public.a": "^$", "shop.public.b": "^$"},
        samples=dict.fromkeys(
            ("shop.public.a", "shop.public.b"), "more rows than the 100 the statement asks for"
        ),
    ),
    Case(
        "listing-of-three-columns",
        _on(LISTING, result(["a", "b", "c"], [["public", "a", "3"]])),
        None,
        "shop: " + WIDTH.format(3, 7),
    ),
    Case(
        "columns-of-two-columns",
        _on("SELECT table_schema", result(["a", "b"], [["public", "a"]])),
        None,
        "shop: " + WIDTH.format(2, 4),
    ),
    Case(
        "indexes-of-two-columns",
        _on("SELECT n.nspname, c.relname, a.attname", result(["a", "b"], [["public", "a"]])),
        None,
        "shop: " + WIDTH.format(2, 3),
    ),
    Case(
        "count-of-no-columns",
        _on("SELECT count(*)", result([], [[]])),
        {"shop.public.a": "^count: " + WIDTH.format(0, 1), "shop.public.b": "^count: "},
    ),
    Case(
        "count-refused-in-two-lines",
        _on("SELECT count(*)", message(b"E", b"SERROR\0C57014\0Mcanceling\nstatement\0\0") + READY),
        {
            "shop.public.a": "^count: 57014: canceling statement$",
            "shop.public.b": "^count: ",
        },
    ),
    Case(
        "count-of-no-rows",
        _on("SELECT count(*)", result([("count", INT8)], [])),
        {
            "shop.public.a": "^count: count\\(\\*\\) answered without a row$",
            "shop.public.b": "^count: count\\(\\*\\) answered without a row$",
        },
    ),
    Case(
        "nul-in-a-table-name",
        _on(LISTING, result(TABLES, [table_row("public", "a"), table_row("public", "b\0c")])),
        {"shop.public.a": "^$", "shop.public.b\0c": "^a name that holds NUL: not read$"},
        samples={"shop.public.a": "", "shop.public.b\0c": "a name with a NUL character"},
    ),
]
CUT = "copy-cut-once"  # the first page of the full read is cut midway
# A server that cannot scan a range of ctids (before 14): the table in one COPY, read a row a
# part, cut after the first row; asked again after that row, it passes over the rows before
# it for longer than the read deadline before it answers.
STREAM_CUT = "stream-cut-once"


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Scan, Scan]]:
    """Every hostile server sampled in one run of the CLI; then the one that cuts a page,
    read in full."""
    tmp = tmp_path_factory.mktemp("hostile-postgresql")
    with S.ServerLoop() as loop:
        ports = {c.name: loop.serve(FakePostgresql(c.answers)) for c in CASES}
        targets = [f"postgresql://127.0.0.1:{ports[c.name]}" for c in CASES]
        sampled = audited.scan(audited.scan_argv(targets, tmp / "s.db", *audited.SHORT), ports)
        cut = {
            CUT: loop.serve(FakePostgresql(_on("EXPLAIN", RANGE_PLAN), cut_once="COPY (")),
            STREAM_CUT: loop.serve(
                FakePostgresql(
                    cut_once=STREAM, slow=lambda sql: sql.startswith(STREAM) and "WHERE" in sql
                )
            ),
        }
        full = audited.scan(
            audited.scan_argv(
                [f"postgresql://127.0.0.1:{port}" for port in cut.values()],
                tmp / "f.db",
                "--depth",
                "full",
                "--batch",
                "1",
                *audited.SHORT,
            ),
            cut,
        )
    yield sampled, full


def test_the_scans_end_in_time_without_a_traceback(scans: tuple[Scan, Scan]) -> None:
    for scan in scans:
        audited.assert_quiet_and_in_time(scan, WALL_BOUND)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_answer_costs_what_it_touches_with_one_line(
    scans: tuple[Scan, Scan], case: Case
) -> None:
    got = scans[0].by_name[case.name]
    assert got["service"]["verdict"] == "open"
    inventory_error = got.get("inventory_error") or ""
    assert "internal error" not in inventory_error
    if case.errors is None:
        assert inventory_error == case.listing
        assert not got["indices"]
        return
    audited.assert_index_errors(got, case.errors)
    samples = {i["index"]["name"]: i["sample"]["error"] or "" for i in got["indices"]}
    assert samples == (case.samples or dict.fromkeys(case.errors, ""))


@pytest.mark.parametrize(("name", "method"), [(CUT, "ctid-range"), (STREAM_CUT, "ctid-stream")])
def test_a_page_cut_midway_is_asked_again_on_a_new_connection(
    scans: tuple[Scan, Scan], name: str, method: str
) -> None:
    got = scans[1].by_name[name]
    assert len(got["indices"]) == 2
    for index in got["indices"]:
        full = index["full"]
        assert full["complete"] is True, full["error"]
        assert (full["docs"], full["method"]) == (3, method)
    if name == STREAM_CUT:  # the first row's page was taken: the stream asked again after it
        assert any(
            r.target.startswith(STREAM)
            and r.target.endswith(" WHERE ctid > '(0,1)'::tid) TO STDOUT")
            for r in scans[1].sent
        )
        assert {p["entity_type"] for p in full["pii"]} == {"EMAIL_ADDRESS"}
    notes = sorted(i["full"].get("note") or "" for i in got["indices"])
    if name == STREAM_CUT:  # the table cut had its rows from two COPYs: the report says so
        assert notes[0] == "" and notes[1].startswith("read in 2 snapshots, not one: its one ")
    else:  # each page is a statement of its own: asked again, it says nothing more
        assert notes == ["", ""]


def test_only_allow_listed_statements_were_sent(scans: tuple[Scan, Scan]) -> None:
    for scan in scans:
        assert scan.sent
        for request in scan.sent:
            assert request.kind == "postgresql"
            assert ALLOW.allows(request.method, request.target), request
