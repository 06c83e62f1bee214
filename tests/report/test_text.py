"""The product cell every human-readable format shows."""

from __future__ import annotations

from typing import Any

import pytest

from leakhound.models import Distinct, Fingerprint, FullRead, FullTotals, People
from leakhound.report import text


@pytest.mark.parametrize(
    ("fp", "shown"),
    [
        pytest.param(
            {"product": "opensearch", "version": "2.19.1"}, "OpenSearch 2.19.1", id="opensearch"
        ),
        pytest.param(
            {"product": "opensearch", "version": "7.10.2", "compatibility_mode": True},
            "OpenSearch 7.10.2 (compatibility mode)",
            id="compatibility-mode",
        ),
        pytest.param({"product": "couchdb", "version": "3.4.2"}, "CouchDB 3.4.2", id="couchdb"),
        pytest.param(
            {"product": "pouchdb-server", "version": "4.2.0"},
            "pouchdb-server 4.2.0",
            id="a-product-without-a-display-name",
        ),
        pytest.param({"product": "unknown", "version": None}, "", id="unknown"),
        pytest.param(
            {
                "product": "kibana",
                "version": "8.11.3",
                "details": {"cluster": {"product": "elasticsearch", "version": "8.11.3"}},
            },
            "Kibana 8.11.3 (Elasticsearch 8.11.3)",
            id="kibana-names-its-cluster",
        ),
        pytest.param(
            {"product": "opensearch-dashboards", "version": None},
            "OpenSearch Dashboards",
            id="dashboards-without-version",
        ),
        pytest.param(
            {
                "product": "mongodb",
                "version": "7.0.42",
                "details": {"implementation": "FerretDB 1.24.2"},
            },
            "FerretDB 1.24.2 (as MongoDB 7.0.42)",
            id="another-server-speaking-the-protocol",
        ),
    ],
)
def test_the_product_is_named_with_its_version(fp: dict[str, Any], shown: str) -> None:
    assert text.product(Fingerprint(**fp)) == shown


def test_people_read_across_fields_name_the_fields_not_a_star() -> None:
    exact = Distinct(3543, 3543, 3543, True)
    fields = ("agent_email", "customer_email", "description", "internal_notes")
    full = FullTotals(10_201, (), People("EMAIL_ADDRESS", "*", exact, fields))
    shown = text.people(full)
    assert shown == "3,543 (EMAIL_ADDRESS in agent_email, customer_email, description, +1)"
    assert text.people(FullTotals(1, (), People("EMAIL_ADDRESS", "*", exact))) == (
        "3,543 (EMAIL_ADDRESS in any field)"
    )


def test_assess_names_another_server_speaking_the_protocol_as_reports_do() -> None:
    from leakhound.assess.figures import _product

    fp = Fingerprint("mongodb", "7.0.42", details={"implementation": "FerretDB 1.24.2"})
    assert _product(fp) == text.product(fp) == "FerretDB 1.24.2 (as MongoDB 7.0.42)"


def test_a_containers_dates_are_its_range_else_the_years_its_records_were_read_in() -> None:
    from leakhound.models import Container, ContainerResult, Sample, YearCount

    ranged = Container("cases", 3, None, date_min="2015-01-02T00:00:00Z", date_max="2016-05-01")
    assert text.container_dates(ContainerResult(ranged)) == "2015-01-02 – 2016-05-01"
    bare = Container("support-cases-2012", 3, None)
    read = Sample(3, 3, years=(YearCount(2011, 0), YearCount(2012, 2), YearCount(2013, 1)))
    assert text.container_dates(ContainerResult(bare, read)) == "2012 – 2013 (years read)"
    one = Sample(3, 3, years=(YearCount(2012, 3),))
    assert text.container_dates(ContainerResult(bare, one)) == "2012 (years read)"
    assert text.container_dates(ContainerResult(bare, Sample(3, 3))) == ""


@pytest.mark.parametrize(
    ("full", "says"),
    [
        pytest.param(FullRead("scan", 1, 10_000), "read in full (below)", id="read-to-its-end"),
        pytest.param(
            FullRead("scan", 1, 4_000, complete=False, error="connection reset"),
            "read in part (below)",
            id="stopped",
        ),
        pytest.param(
            FullRead("scan", 1, 0, complete=False, error="NOAUTH Authentication required"),
            "not read: NOAUTH Authentication required",
            id="refused",
        ),
    ],
)
def test_a_container_not_sampled_says_how_far_its_full_read_went(full: FullRead, says: str) -> None:
    # A --depth full scan's container whose read was refused at its first request was said
    # "not sampled: read in full (below)", as if every record had been read.
    assert text.pii_kinds(None, full).endswith(says)
    assert text.pii_line(None, full).endswith(says)


def test_a_full_reads_note_follows_its_kinds() -> None:
    full = FullRead("offset", 1, 10, note="read in 2 transactions, not one")
    assert text.full_pii_line(full) == "NOTE: read in 2 transactions, not one"
    stopped = FullRead("offset", 1, 10, complete=False, error="reset", note="read in 2")
    assert text.full_pii_line(stopped) == "INCOMPLETE: reset; NOTE: read in 2"
    assert text.full_pii_line(FullRead("offset", 1, 10)) == ""
