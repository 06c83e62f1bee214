"""The context file: valid files load, every mistake is one line naming the file and the key."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from leakhound.assess import ContextError, load_context, parse_when
from leakhound.errors import UsageError

FULL = """\
controller: "Example Shop SAS, 1 rue de la Paix, 75002 Paris"
dpo_contact: "Jane Doe, dpo@example.com"
data_subject_categories: customers of the web shop
system_description: the search index behind our support desk
supervisory_authority: "CNIL (www.cnil.fr)"
exposure_started: 2024-03-01
exposure_ended: 2024-04-12T09:30:00Z
third_party_access: unknown
data_encrypted: false
data_processing_context: {adjustment: +2, reason: "online pharmacy"}
ease_of_identification: {level: maximum, reason: "customer ids map to accounts"}
circumstances: {availability: temporary, malicious: true, reason: "ransom note found"}
measures_taken: ["port 9200 closed on 2024-04-12"]
measures_proposed: enable authentication on every node
high_risk_mitigated: false
disproportionate_effort: false
likely_consequences: [phishing]
data_subjects: 12000
aware_since: 2024-04-10 09:00
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "context.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_full_context_file_loads(tmp_path: Path) -> None:
    ctx = load_context(write(tmp_path, FULL))
    assert ctx.controller and ctx.controller.startswith("Example Shop")
    assert ctx.exposure_started == "2024-03-01"
    assert ctx.exposure_ended == "2024-04-12T09:30:00+00:00"
    assert ctx.data_processing_context is not None
    assert ctx.data_processing_context.adjustment == 2
    assert ctx.ease_of_identification is not None and ctx.ease_of_identification.score == 1.0
    assert ctx.circumstances.availability == 0.25
    assert ctx.circumstances.malicious == 0.5
    assert ctx.circumstances.confidentiality is None
    assert ctx.measures_proposed == ("enable authentication on every node",)
    assert ctx.data_subjects == 12000
    assert ctx.aware_since == datetime(2024, 4, 10, 9, 0, tzinfo=UTC)


def test_empty_file_is_an_empty_context(tmp_path: Path) -> None:
    assert load_context(write(tmp_path, "# nothing yet\n")).controller is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("controler: x\n", "unknown key 'controler'", id="typo-in-key"),
        pytest.param("- a\n- b\n", "must be a mapping", id="not-a-mapping"),
        pytest.param(
            "data_encrypted: maybe\n", "data_encrypted: expected true or false", id="not-a-flag"
        ),
        pytest.param("data_processing_context: 5\n", "must be 1, 2, 3 or 4", id="dpc-off-scale"),
        pytest.param(
            "data_processing_context: {adjustment: 4}\n", "from -3 to +3", id="adjustment-off-scale"
        ),
        pytest.param(
            "ease_of_identification: 0.6\n",
            "negligible, limited, significant or maximum",
            id="ei-off-scale",
        ),
        pytest.param(
            "circumstances: {confidentiality: leaked}\n",
            "circumstances.confidentiality: must be one of none (0), known (0.25)",
            id="cb-word-unknown",
        ),
        pytest.param("circumstances: {secrecy: 1}\n", "unknown key 'secrecy'", id="cb-key-unknown"),
        pytest.param(
            "third_party_access: maybe\n",
            "none, known, unknown, confirmed",
            id="access-word-unknown",
        ),
        pytest.param("exposure_started: last spring\n", "not an ISO 8601 date", id="bad-date"),
        pytest.param("data_subjects: -3\n", "whole number of people", id="negative-people"),
        pytest.param("measures_taken: {a: 1}\n", "expected a list of text", id="measures-mapping"),
        pytest.param("controller: [1, 2]\n", "controller: expected text", id="controller-list"),
        pytest.param("controller: a: b\n", "line 1: not valid YAML", id="broken-yaml"),
    ],
)
def test_bad_context_is_one_line_naming_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ContextError) as err:
        load_context(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)
    assert isinstance(err.value, UsageError)  # exit status 2 at the CLI


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ContextError, match="cannot read context file"):
        load_context(tmp_path / "absent.yaml")


def test_huge_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContextError, match="larger than"):
        load_context(write(tmp_path, "controller: " + "x" * (1 << 20) + "\n"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2024-04-10", datetime(2024, 4, 10, tzinfo=UTC), id="date-is-utc-midnight"),
        pytest.param("2024-04-10T09:00Z", datetime(2024, 4, 10, 9, tzinfo=UTC), id="zulu"),
        pytest.param("2024-04-10 11:00+02:00", datetime(2024, 4, 10, 9, tzinfo=UTC), id="offset"),
        pytest.param("2024-04-10T09:00", datetime(2024, 4, 10, 9, tzinfo=UTC), id="naive-is-utc"),
    ],
)
def test_parse_when(text: str, expected: datetime) -> None:
    assert parse_when(text) == expected


def test_the_documented_example_loads(tmp_path: Path) -> None:
    from leakhound.assess import context

    doc = context.__doc__ or ""
    example = textwrap.dedent(doc.split("Example::", 1)[1])
    ctx = load_context(write(tmp_path, example))
    assert ctx.third_party_access == "unknown"
    assert ctx.circumstances.malicious == 0.5
