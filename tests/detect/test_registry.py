"""The registry lists every detector module once, with unique ids and Presidio-style names."""

from __future__ import annotations

import pkgutil

import leakhound.detect as detect_pkg
from leakhound.detect.base import Detector
from leakhound.detect.registry import DETECTORS, OPTIONAL_MODULES, by_id

# Modules of leakhound.detect that are plumbing, not detectors.
SUPPORT = {
    *("base", "context", "cues", "digits", "gate", "gazetteer", "hints", "jsonl", "region"),
    *("registry", "scan", "subjects"),
}


def test_every_detector_module_is_registered() -> None:
    modules = {m.name for m in pkgutil.iter_modules(detect_pkg.__path__)} - SUPPORT
    registered = {type(d).__module__.rsplit(".", 1)[1] for d in DETECTORS}
    assert modules == registered | set(OPTIONAL_MODULES)
    assert not registered & set(OPTIONAL_MODULES)


def test_detector_ids_are_unique_and_name_their_module() -> None:
    ids = [d.id for d in DETECTORS]
    assert len(ids) == len(set(ids))
    for d in DETECTORS:
        assert type(d).__module__.endswith("." + d.id)


def test_detectors_follow_the_contract() -> None:
    for d in DETECTORS:
        assert isinstance(d, Detector)
        assert d.entities and all(e.isupper() and " " not in e for e in d.entities)
        assert by_id(d.id) is d
        assert type(d).__name__.endswith("Detector")


def test_by_id_refuses_unknown_ids() -> None:
    import pytest

    with pytest.raises(KeyError):
        by_id("shoe_size")


def test_public_api_is_small_and_explicit() -> None:
    assert sorted(detect_pkg.__all__) == [
        "Hit",
        "entity_types",
        "masked_text",
        "run_jsonl",
        "scan_batch",
        "scan_document",
    ]
    for name in detect_pkg.__all__:
        assert getattr(detect_pkg, name).__doc__
