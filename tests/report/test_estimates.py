"""A container's records estimated, not counted, are shown so: '~' with their 95% bounds in
the terminal and Markdown tables, and a line under the table saying how they were estimated."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from test_words import rendered, store, stored

from leakhound.models import ContainerResult, TargetResult
from leakhound.report import markdown
from leakhound.store import ScanRecord

KEYED = (
    "estimated from 256 windows of its whole-number key (131,072 of the 4,000,000 keys "
    "between the first and the last, 98,304 rows counted): 95% between 2,990,000 and "
    "3,010,000, and never more than the 4,000,000 keys"
)


def _estimated(tmp_path: Path) -> ScanRecord:
    result = store("mysql", ("shop.orders", 3_000_000), ("shop.notes", 12), ("shop.log", 5_000_000))
    orders, notes, log = result.containers
    orders = ContainerResult(
        replace(
            orders.container,
            docs_exact=False,
            docs_low=2_990_000,
            docs_high=3_010_000,
            docs_basis=KEYED,
        )
    )
    log = ContainerResult(
        replace(
            log.container,
            docs_exact=False,
            docs_basis="the server's statistics (information_schema TABLE_ROWS): may be off",
        )
    )
    return stored(tmp_path, TargetResult(result.service, (orders, notes, log)))


def test_the_terminal_shows_an_estimate_with_its_bounds_and_how(tmp_path: Path) -> None:
    out = rendered(_estimated(tmp_path))
    assert "~3,000,000 (2,990,000–3,010,000)" in out
    assert "~5,000,000 " in out and "│ 12 " in out
    assert "~: an estimate, not a count" in out
    assert "windows of its whole-number key" in out and "the server's statistics" in out


def test_markdown_shows_an_estimate_with_its_bounds_and_how(tmp_path: Path) -> None:
    out = markdown.render(_estimated(tmp_path))
    assert "| ~3,000,000 (2,990,000–3,010,000) |" in out and "| 12 |" in out
    assert "~: an estimate, not a count" in out
