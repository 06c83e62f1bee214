"""Scan options: what a full read selects, what a stored scan keeps."""

from __future__ import annotations

from leakhound.models import Container
from leakhound.scanner.options import PEOPLE_READ, FullOptions, ScanOptions


def _index(name: str, system: bool = False) -> Container:
    return Container(name, 1, None, system, system)


def test_selection_defaults_to_non_system_indices() -> None:
    assert FullOptions().selects(_index("cases"))
    assert not FullOptions().selects(_index(".kibana", system=True))
    assert FullOptions(containers=("cases-201*",)).selects(_index("cases-2019"))
    assert not FullOptions(containers=("cases-*",)).selects(_index("payroll"))


def test_options_survive_the_database_for_resume() -> None:
    full = FullOptions(containers=("a*",), partitions=3, docs_rate=100.0, batch=50)
    assert FullOptions.from_json(full.to_json()) == full


def test_a_sample_scan_keeps_how_far_it_reads_people_for_resume() -> None:
    opts = ScanOptions(people_read=0)
    assert opts.to_json()["people_read"] == 0
    assert ScanOptions().stored(opts.to_json()).people_read == 0
    assert "people_read" not in ScanOptions().to_json()  # the default is not stored
    assert ScanOptions().stored(ScanOptions().to_json()).people_read == PEOPLE_READ


def test_include_system_is_kept_for_resume() -> None:
    opts = ScanOptions(include_system=True)
    assert opts.to_json()["include_system"] is True
    assert ScanOptions().stored(opts.to_json()).include_system
    assert "include_system" not in ScanOptions().to_json()  # the default is not stored
    assert not ScanOptions().stored(ScanOptions().to_json()).include_system
