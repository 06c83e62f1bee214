"""Scan options: what a full read selects, what a stored scan keeps."""

from __future__ import annotations

from leakhound.models import Container
from leakhound.scanner.options import FullOptions


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

