"""The one rule of a container listed but refused (``ContainerResult.refused``): a partial
store's container of which every read tried gave an error and nothing; and why
(``ContainerResult.asked_credentials``): the mark its probe set from the protocol's own code,
or, in a record stored before the mark, its error's words."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources

import jsonschema
import pytest

from leakhound.models import (
    Container,
    ContainerResult,
    Failure,
    FullRead,
    Sample,
    Verdict,
    from_dict,
    legacy_asked_credentials,
    to_dict,
)

LISTED = Container("support-cases-2018", 1081, None)
EMPTY = Container("db-1tytfcb41a-meow", 0, None)
ASKS = "HTTP 401 on _search"


@pytest.mark.parametrize(
    ("verdict", "result"),
    [
        pytest.param(
            Verdict.PARTIAL, ContainerResult(LISTED, Sample(100, 0, error=ASKS)), id="sample-401"
        ),
        pytest.param(
            Verdict.PARTIAL,
            ContainerResult(LISTED, Sample(100, 0, error="the database asks for credentials")),
            id="couchdb-database-asks",
        ),
        pytest.param(
            Verdict.PARTIAL,
            ContainerResult(LISTED, full=FullRead("all_docs", 0, 0, complete=False, error=ASKS)),
            id="full-read-401",
        ),
        # --sample 0: nothing read, but the inventory's own reads were refused for credentials
        pytest.param(
            Verdict.PARTIAL,
            ContainerResult(replace(LISTED, denied=True)),
            id="never-sampled-inventory-denied",
        ),
        # The lab's OpenSearch behind a proxy that opens only _cat: the wiper's index is ~0 to
        # _cat/indices, its _count and _mapping asked for credentials, so no sample was tried.
        # It was "1 (+18 refused)" exposed index of 0 documents, nothing of it readable.
        pytest.param(
            Verdict.PARTIAL,
            ContainerResult(replace(EMPTY, denied=True, docs_exact=False), Sample(100, 0)),
            id="empty-to-a-listing-inventory-denied",
        ),
    ],
)
def test_a_partial_stores_container_that_could_not_be_read_is_refused(
    verdict: Verdict, result: ContainerResult
) -> None:
    assert result.refused(verdict)
    assert result.asked_credentials()


@pytest.mark.parametrize(
    ("verdict", "result"),
    [
        # An open store's data reads without credentials: a failed sample is a failure.
        pytest.param(
            Verdict.OPEN, ContainerResult(LISTED, Sample(100, 0, error="timed out")), id="open"
        ),
        pytest.param(Verdict.PARTIAL, ContainerResult(LISTED), id="never-sampled"),
        pytest.param(
            Verdict.OPEN, ContainerResult(replace(LISTED, denied=True)), id="open-inventory-denied"
        ),
        # the inventory was refused, but the sample read it: the read says
        pytest.param(
            Verdict.PARTIAL,
            ContainerResult(replace(LISTED, denied=True), Sample(100, 100)),
            id="inventory-denied-sample-read",
        ),
        pytest.param(Verdict.PARTIAL, ContainerResult(EMPTY, Sample(100, 0)), id="empty"),
        pytest.param(Verdict.PARTIAL, ContainerResult(LISTED, Sample(100, 100)), id="sample-read"),
        pytest.param(
            Verdict.PARTIAL,
            ContainerResult(LISTED, Sample(100, 40, error="detection failed: ValueError")),
            id="read-then-detection-failed",
        ),
        pytest.param(
            Verdict.PARTIAL,
            ContainerResult(
                LISTED, full=FullRead("all_docs", 1, 500, complete=False, error="timed out")
            ),
            id="full-read-cut-short",
        ),
    ],
)
def test_a_container_read_in_part_or_never_tried_is_not_refused(
    verdict: Verdict, result: ContainerResult
) -> None:
    assert not result.refused(verdict)


# -- why: refused for want of credentials, as the probe marked it -----------------------------


@pytest.mark.parametrize(
    "result",
    [
        pytest.param(
            ContainerResult(LISTED, Sample(100, 0, error=ASKS, failure=Failure.CREDENTIALS)),
            id="sample-marked",
        ),
        pytest.param(
            ContainerResult(
                LISTED,
                full=FullRead(
                    "all_docs", 1, 0, complete=False, error="x", failure=Failure.CREDENTIALS
                ),
            ),
            id="full-read-marked",
        ),
        pytest.param(
            # The mark, whatever the words: a server may say anything in its errors.
            ContainerResult(
                LISTED, Sample(100, 0, error="HTTP 418 teapot", failure=Failure.CREDENTIALS)
            ),
            id="marked-whatever-its-words",
        ),
        pytest.param(ContainerResult(LISTED, Sample(100, 0, error=ASKS)), id="legacy-401"),
        pytest.param(
            ContainerResult(LISTED, Sample(100, 0, error="SCAN: NOAUTH Authentication required.")),
            id="legacy-noauth",
        ),
    ],
)
def test_a_read_marked_refused_for_credentials_or_an_old_record_saying_so_asked(
    result: ContainerResult,
) -> None:
    assert result.asked_credentials() and result.refused(Verdict.PARTIAL)


@pytest.mark.parametrize(
    "result",
    [
        pytest.param(
            # A hostile server's error whose words say 403: marked otherwise, it is no refusal.
            ContainerResult(
                LISTED,
                Sample(
                    100, 0, error="HTTP 500: 403 Forbidden, access denied", failure=Failure.OTHER
                ),
            ),
            id="hostile-words-marked-other",
        ),
        pytest.param(
            ContainerResult(LISTED, Sample(100, 0, error="timed out", failure=Failure.OTHER)),
            id="timeout",
        ),
        pytest.param(
            ContainerResult(LISTED, Sample(100, 0, error="timed out")), id="legacy-timeout"
        ),
        pytest.param(ContainerResult(LISTED, Sample(100, 100)), id="read"),
        pytest.param(ContainerResult(LISTED), id="never-sampled"),
    ],
)
def test_a_read_that_failed_otherwise_did_not_ask_for_credentials(result: ContainerResult) -> None:
    assert not result.asked_credentials()


def test_the_mark_is_kept_in_the_json_and_an_old_record_reads_without_it() -> None:
    marked = ContainerResult(LISTED, Sample(100, 0, error=ASKS, failure=Failure.CREDENTIALS))
    data = to_dict(marked)
    assert data["sample"]["failure"] == "credentials"
    assert from_dict(ContainerResult, data) == marked
    del data["sample"]["failure"]  # as a leakhound before the mark wrote it
    old = from_dict(ContainerResult, data)
    assert old.sample is not None and old.sample.failure is None and old.asked_credentials()
    assert "failure" not in to_dict(ContainerResult(LISTED, Sample(100, 100)))["sample"]


def test_legacy_words_are_read_only_where_there_is_no_mark() -> None:
    assert legacy_asked_credentials("HTTP 403 on _search")
    assert not legacy_asked_credentials("timed out after 30 s")


@pytest.mark.parametrize("failure", list(Failure))
def test_the_schema_knows_the_mark_of_a_sample_and_of_a_full_read(failure: Failure) -> None:
    root = json.loads(
        resources.files("leakhound").joinpath("schema/scan-result.schema.json").read_text()
    )
    for name, value in (
        ("sample", Sample(100, 0, error="x", failure=failure)),
        ("full", FullRead("pit", 1, 0, complete=False, error="x", failure=failure)),
    ):
        schema = {"$defs": root["$defs"], "$ref": f"#/$defs/{name}"}
        jsonschema.Draft202012Validator(schema).validate(to_dict(value))
    with pytest.raises(jsonschema.ValidationError):
        bad = {**to_dict(Sample(100, 0, error="x")), "failure": "forbidden"}
        jsonschema.Draft202012Validator(
            {"$defs": root["$defs"], "$ref": "#/$defs/sample"}
        ).validate(bad)


def test_a_container_never_read_asked_credentials_as_its_inventory_says() -> None:
    assert ContainerResult(replace(LISTED, denied=True)).asked_credentials()
    assert not ContainerResult(LISTED).asked_credentials()
    # a read tried says more than the inventory: a timeout is not a refusal
    timed_out = Sample(100, 0, error="timed out", failure=Failure.OTHER)
    assert not ContainerResult(replace(LISTED, denied=True), timed_out).asked_credentials()


def test_the_inventorys_mark_is_stored_and_read_back() -> None:
    marked = replace(LISTED, denied=True)
    assert to_dict(marked)["denied"] is True and "denied" not in to_dict(LISTED)
    assert from_dict(Container, to_dict(marked)) == marked
