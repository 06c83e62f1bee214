"""The one rule of a container listed but refused (``ContainerResult.refused``): a partial
store's container of which every read tried gave an error and nothing."""

from __future__ import annotations

import pytest

from leakhound.models import Container, ContainerResult, FullRead, Sample, Verdict

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
    ],
)
def test_a_partial_stores_container_that_could_not_be_read_is_refused(
    verdict: Verdict, result: ContainerResult
) -> None:
    assert result.refused(verdict)


@pytest.mark.parametrize(
    ("verdict", "result"),
    [
        # An open store's data reads without credentials: a failed sample is a failure.
        pytest.param(
            Verdict.OPEN, ContainerResult(LISTED, Sample(100, 0, error="timed out")), id="open"
        ),
        pytest.param(Verdict.PARTIAL, ContainerResult(LISTED), id="never-sampled"),
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
