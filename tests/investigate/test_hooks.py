"""What assess takes from a stored investigation: confidentiality, malicious intent, Art. 34."""

from __future__ import annotations

import orjson
from investigate_helpers import SAMPLES, Run

from leakhound.investigate import hooks
from leakhound.investigate.render import to_json


def _doc(run: Run, *paths: object, **kw: object) -> dict:
    """The investigation as the findings database keeps it (``load_investigation``)."""
    return dict(orjson.loads(to_json(run(*paths, **kw))))


def test_unknown_readers_are_an_unknown_number_of_recipients(run: Run) -> None:
    ev = hooks.evidence(_doc(run, SAMPLES / "nginx-combined.log"))
    assert ev is not None and ev.unknown_readers >= 1
    score, why = hooks.confidentiality(ev)
    assert score == 0.5 and "unknown recipients" in why
    assert hooks.malicious(ev) is not None  # the meow wipe and the ransom note
    assert "no Art. 34(3)(b) argument" in hooks.article_34(ev)


def test_logs_with_only_the_owner_show_no_unlawful_processing(run: Run) -> None:
    ev = hooks.evidence(
        _doc(run, SAMPLES / "apache-common.log", owner=("192.0.2.0/24", "127.0.0.1/32"))
    )
    assert ev is not None and ev.unknown_readers == 0
    score, why = hooks.confidentiality(ev)
    assert score == 0.0 and "without evidence of unlawful processing" in why
    assert hooks.malicious(ev) is None
    assert "supports an Art. 34(3)(b) argument" in hooks.article_34(ev)


def test_no_or_malformed_investigation_is_no_evidence() -> None:
    assert hooks.evidence(None) is None
    assert hooks.evidence({"sources": 3}) is None


def test_unknown_aggregations_temper_the_no_reader_reasoning(tmp_path, run: Run) -> None:
    log = tmp_path / "access.log"
    log.write_text(
        '203.0.113.5 - - [06/Dec/2026:10:00:00 +0000] "GET /customers/_search?size=0 HTTP/1.1" '
        '200 600 "-" "curl/8.5.0"\n'
    )
    ev = hooks.evidence(_doc(run, log))
    assert ev is not None and ev.unknown_readers == 0 and ev.aggregators == 1
    score, why = hooks.confidentiality(ev)
    assert score == 0.0
    assert "1 unknown source(s) ran searches of size 0" in why
    assert "a terms aggregation lists a field's values" in hooks.article_34(ev)
