"""Numbers of people and records: exact when counted, estimates labelled with their basis."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from scans import READ_AND_REFUSED, Build, Ix

from leakhound.assess import Method, assess, records_by_year, years_basis
from leakhound.assess.render import figure_text, render_markdown, render_terminal, to_dict
from leakhound.models import (
    Container,
    ContainerResult,
    Distinct,
    Endpoint,
    Fingerprint,
    FullField,
    FullPii,
    FullRead,
    FullTotals,
    People,
    PeopleAcross,
    PeopleCount,
    PiiSummary,
    Sample,
    Service,
    TargetResult,
    Verdict,
    YearCount,
)
from leakhound.notify import notify
from leakhound.report import html, markdown
from leakhound.store import SqliteStore


def test_people_are_extrapolated_from_the_sample(build_scan: Build) -> None:
    # 80 distinct e-mails in 100 sampled documents of 1,000: about 800 people.
    a = assess(
        build_scan(
            Ix(
                "crm",
                docs=1000,
                sampled=100,
                pii={"EMAIL_ADDRESS": (90, 80), "IP_ADDRESS": (100, 95)},
            )
        )
    )
    people = a.data_subjects
    assert people.method is Method.ESTIMATE
    assert people.value == 800
    assert people.low == 80
    assert people.approximate
    assert "sample" in people.basis


def test_people_are_exact_when_the_whole_index_was_read(build_scan: Build) -> None:
    a = assess(build_scan(Ix("small", docs=50, sampled=50, pii={"PHONE_NUMBER": (50, 42)})))
    assert (a.data_subjects.value, a.data_subjects.method) == (42, Method.EXACT)


def test_people_add_up_over_indices_and_lean_high(build_scan: Build) -> None:
    # 2019: 50 distinct / 100 sampled of 400 -> 200; 2020: 30 / 100 of 1,000 -> 300.
    a = assess(
        build_scan(
            Ix("c-2019", docs=400, pii={"EMAIL_ADDRESS": (60, 50)}),
            Ix("c-2020", docs=1000, pii={"PERSON": (60, 30)}),
        )
    )
    assert a.data_subjects.value == 500
    assert a.data_subjects.low == 50
    assert "leans high" in a.data_subjects.basis


def test_ip_addresses_stand_in_only_when_nothing_else_names_people(build_scan: Build) -> None:
    a = assess(build_scan(Ix("logs", docs=200, pii={"IP_ADDRESS": (100, 10)})))
    assert a.data_subjects.value == 20
    assert "IP addresses standing in" in a.containers[0].subjects.basis


def test_owner_stated_number_of_people_wins(build_scan: Build) -> None:
    a = assess(build_scan(Ix("crm", pii={"EMAIL_ADDRESS": (90, 80)})), {"data_subjects": 12000})
    assert (a.data_subjects.value, a.data_subjects.method) == (12000, Method.GIVEN)


def test_records_count_documents_of_indices_with_personal_data(build_scan: Build) -> None:
    a = assess(
        build_scan(
            Ix("crm", docs=1000, pii={"EMAIL_ADDRESS": (90, 80)}),
            Ix("metrics", docs=50000, pii={}),
            Ix("secrets", docs=7, pii={"SECRET": (1, 1)}),
        )
    )
    assert a.records.value == 1000
    assert a.records.method is Method.EXACT


def test_records_of_indices_never_sampled_are_unknown_not_zero(build_scan: Build) -> None:
    # --sample 0: nothing was read, so nothing says which records hold personal data.
    a = assess(build_scan(Ix("cases", docs=10000, sampled=0), Ix("hr", docs=200, sampled=0)))
    assert a.records.value is None
    assert a.records.method is Method.UNKNOWN
    assert "2 exposed indices were not sampled" in a.records.basis
    assert "(exact)" not in figure_text(a.records, "records")


def test_records_beside_indices_never_sampled_are_a_lower_bound(build_scan: Build) -> None:
    a = assess(
        build_scan(
            Ix("crm", docs=1000, pii={"EMAIL_ADDRESS": (90, 80)}),
            Ix("cases", docs=10000, sampled=0),
        )
    )
    assert (a.records.value, a.records.low, a.records.method) == (1000, 1000, Method.ESTIMATE)
    assert "1 exposed index was not sampled" in a.records.basis


def test_estimated_records_add_their_bounds_and_say_how_they_were_estimated(
    build_scan: Build,
) -> None:
    keyed = "estimated from 256 windows of its whole-number key (131,072 of …)"
    a = assess(
        build_scan(
            Ix("crm", docs=1000, pii={"EMAIL_ADDRESS": (90, 80)}),
            Ix(
                "big",
                docs=300_000,
                pii={"EMAIL_ADDRESS": (90, 80)},
                estimate=(299_000, 301_500, keyed),
            ),
        )
    )
    assert (a.records.value, a.records.method) == (301_000, Method.ESTIMATE)
    assert (a.records.low, a.records.high) == (300_000, 302_500)
    assert "1 of them estimated, not counted (1 within 95% bounds" in a.records.basis
    assert "windows of its whole-number key" in a.records.basis
    assert "nested" not in a.records.basis


def test_records_estimated_with_wide_bounds_keep_their_figure(build_scan: Build) -> None:
    # A sparse key's windows: 40,000 rows likely between 5,000 and 90,000. A records figure
    # is the stores' counts (the scan report says "≈40,000"; the HTML card "40,000"), not
    # people from a sample: it stays itself, its bounds beside it, where the people's rule
    # (``count.people.told``) printed "between 5,000 and 91,000 records (estimate; the
    # sample cannot tell where within)".
    keyed = "estimated from 256 windows of its whole-number key (131,072 of …)"
    a = assess(
        build_scan(
            Ix("crm", docs=1000, pii={"EMAIL_ADDRESS": (90, 80)}),
            Ix("big", docs=40_000, pii={"EMAIL_ADDRESS": (90, 80)}, estimate=(5000, 90_000, keyed)),
        )
    )
    assert (a.records.value, a.records.low, a.records.high) == (41_000, 6000, 91_000)
    assert figure_text(a.records, "records") == (
        "about 41,000 records (estimate; between 6,000 and 91,000)"
    )
    assert to_dict(a)["records"]["shown_as_range"] is False


def test_an_estimate_from_statistics_has_no_upper_bound(build_scan: Build) -> None:
    """InnoDB's TABLE_ROWS may be off by half either way: the total is not an upper bound."""
    stats = "the server's statistics (information_schema TABLE_ROWS): may be off by half"
    a = assess(
        build_scan(
            Ix("crm", docs=1000, pii={"EMAIL_ADDRESS": (90, 80)}),
            Ix(
                "big", docs=5_000_000, pii={"EMAIL_ADDRESS": (90, 80)}, estimate=(None, None, stats)
            ),
        )
    )
    assert (a.records.value, a.records.method) == (5_001_000, Method.ESTIMATE)
    assert (a.records.low, a.records.high) == (1000, None)
    assert "1 without bounds: the server's statistics" in a.records.basis
    assert "(exact)" not in figure_text(a.records, "records")


def test_copies_are_shown_but_add_no_records_and_no_people(build_scan: Build) -> None:
    # A materialized view of the customers table: the same 1,000 rows and the same people.
    a = assess(
        build_scan(
            Ix(
                "crm.public.customers",
                docs=1000,
                pii={"EMAIL_ADDRESS": (90, 80)},
                date_min="2019-01-01",
                date_max="2019-12-31",
                years=((2019, 1000),),
            ),
            Ix(
                "crm.public.customers_by_city",
                docs=1000,
                pii={"EMAIL_ADDRESS": (90, 80)},
                date_min="2019-01-01",
                date_max="2019-12-31",
                years=((2019, 1000),),
                derived="materialized view",
            ),
        )
    )
    assert (a.records.value, a.records.method) == (1000, Method.EXACT)
    assert "1,000 records of 1 container of copies (materialized view) not added" in (
        a.records.basis
    )
    assert a.data_subjects.value == 800  # the table's people alone
    assert [st.docs for st in a.stores] == [1000]
    assert len(a.containers) == 2  # still shown, with what its sample held
    assert records_by_year(a.containers) == [(2019, 1000)]


def test_copies_are_counted_where_nothing_else_held_personal_data(build_scan: Build) -> None:
    # The view readable, its table not (its sample refused): the view is what was exposed.
    scan = build_scan(
        Ix("crm.public.customers", docs=1000, sampled=0),
        Ix(
            "crm.public.customers_by_city",
            docs=1000,
            pii={"EMAIL_ADDRESS": (90, 80)},
            date_min="2019-01-01",
            date_max="2019-12-31",
            years=((2019, 1000),),
            derived="materialized view",
        ),
    )
    a = assess(scan)
    assert a.records.value == 1000
    copies = "only 1 container of copies (materialized view) held personal data"
    assert copies in a.records.basis
    assert a.data_subjects.value == 800
    # the same containers' records by year, and by kind in the HTML report
    assert records_by_year(a.containers_with_personal_data) == [(2019, 1000)]
    (kind,) = html.view(scan, a)["kinds"]
    assert (kind.type, kind.records) == ("EMAIL_ADDRESS", 900)


def test_date_range_spans_indices_with_personal_data(build_scan: Build) -> None:
    a = assess(
        build_scan(
            Ix(
                "c-2019",
                pii={"EMAIL_ADDRESS": (1, 1)},
                date_min="2019-01-02T00:00:00.000Z",
                date_max="2019-12-30T00:00:00.000Z",
            ),
            Ix(
                "c-2021",
                pii={"EMAIL_ADDRESS": (1, 1)},
                date_min="2021-03-01T10:00:00+02:00",
                date_max="2021-06-01",
            ),
            Ix("metrics", date_min="2010-01-01", date_max="2030-01-01"),
        )
    )
    assert a.date_range == ("2019-01-02", "2021-06-01")


def test_date_range_of_containers_without_a_date_field_is_the_years_of_their_records_read(
    build_scan: Build,
) -> None:
    # A Redis key pattern, a bucket's folder: no date field at inventory, but the store was
    # read whole for its people and every record dated (the terminal: "2005 – 2019 (years
    # read)"). The assessment, the HTML report and the 72-hour draft said "unknown".
    scan = build_scan(
        Ix(
            "case:*",
            docs=10_000,
            pii={"EMAIL_ADDRESS": (100, 90)},
            read_years=((2005, 227), (2012, 614), (2019, 1132), (2020, 0)),
        ),
        Ix("exports/2021/", docs=10, pii={"EMAIL_ADDRESS": (10, 10)}, read_years=((2021, 10),)),
    )
    a = assess(scan)
    assert a.date_range == ("2005", "2021")
    rows = {c["name"]: c["dates"] for c in html.view(scan, a)["containers"]}
    assert rows == {"case:*": "2005 – 2019 (years read)", "exports/2021/": "2021 (years read)"}
    page = html.render(scan)
    assert "<td>2005 – 2021</td>" in page and "<td>unknown</td>" not in page
    draft = notify(scan, a, kind="authority")
    assert (
        "**Date range of the records:** from 2005 to 2021 (from the indices' date fields, or "
        in (draft)
    )
    assert "| 2005 – 2019 (years read) |" in draft
    assert (
        "| Dates of the records | 2005 – 2021 | index date fields, or the years of the records "
        "read where none was named |"
    ) in render_markdown(a)
    # a year read holds any of its days: the range is the wider, each end as precise as known
    dated = Ix("dated", pii={"EMAIL_ADDRESS": (1, 1)}, date_min="2005-03-04", date_max="2019-06-30")
    for read, expected in (
        (((2005, 3), (2019, 4)), ("2005", "2019")),
        (((2010, 3),), ("2005-03-04", "2019-06-30")),
    ):
        read_ix = Ix("read", pii={"EMAIL_ADDRESS": (1, 1)}, read_years=read)
        assert assess(build_scan(dated, read_ix)).date_range == expected


def test_records_by_year_leave_out_what_was_not_counted(build_scan: Build) -> None:
    # A date range alone says nothing of the years between: 732 records over 2019-07-02 ..
    # 2020-07-01 may all be of one week. No year is given a share of them.
    a = assess(
        build_scan(
            Ix(
                "c",
                docs=732,
                pii={"EMAIL_ADDRESS": (1, 1)},
                date_min="2019-07-02",
                date_max="2020-07-01",
            ),
            Ix(
                "d",
                docs=10,
                pii={"EMAIL_ADDRESS": (1, 1)},
                date_min="2021-05-01",
                date_max="2021-05-02",
            ),
        )
    )
    assert records_by_year(a.containers) == []
    assert years_basis(a.containers) == (
        "Documents of the 2 indices with personal data, by year: 2 left out, dated from "
        "2019-07-02 to 2021-05-02 but not counted by year (742 records: neither read whole "
        "nor counted by the store)."
    )


def test_records_by_year_as_the_store_counted_them_or_a_read_dated_them(
    build_scan: Build,
) -> None:
    # The store counted its records a year (one of them undated): each year as counted, where
    # spreading the same 1,000 records over 2019-12-31 .. 2021-01-01 would put 2 in 2019. A
    # CouchDB database cannot count a year without a view of its own: read whole for its
    # people, its records were dated one by one. A date range alone, or no date, counts none.
    a = assess(
        build_scan(
            Ix(
                "cases",
                docs=1000,
                pii={"EMAIL_ADDRESS": (1, 1)},
                date_min="2019-12-31",
                date_max="2021-01-01",
                years=((2019, 600), (2020, 300), (2021, 99)),
                read_years=((2018, 1),),  # never used over the store's own count
            ),
            Ix("couch", docs=10, pii={"EMAIL_ADDRESS": (1, 1)}, read_years=((2020, 7), (2021, 2))),
            Ix(
                "d",
                docs=10,
                pii={"EMAIL_ADDRESS": (1, 1)},
                date_min="2021-05-01",
                date_max="2021-05-02",
            ),
            Ix("dateless", docs=5, pii={"EMAIL_ADDRESS": (1, 1)}),
        )
    )
    assert records_by_year(a.containers) == [(2019, 600), (2020, 307), (2021, 101)]
    assert years_basis(a.containers) == (
        "Documents of the 4 indices with personal data, by year: 1 read whole, each record "
        "counted in its own date's year; 1 counted a year by the store itself (every record, "
        "no sample); 2 of their records without a date, in no year; 1 left out, dated from "
        "2021-05-01 to 2021-05-02 but not counted by year (10 records: neither read whole nor "
        "counted by the store); 1 left out, without a date read (5 records)."
    )


def test_exposure_window_from_owner_and_history(build_scan: Build) -> None:
    doc = build_scan(Ix("crm", pii={"EMAIL_ADDRESS": (1, 1)}))
    a = assess(doc)
    assert a.exposure.started is None
    assert a.exposure.first_seen_exposed == doc.started_at
    assert "at the latest" in a.exposure.started_text
    assert "still open" in a.exposure.ended_text
    b = assess(doc, {"exposure_started": "2024-03-01", "exposure_ended": "2024-04-12T09:30:00Z"})
    assert b.exposure.started_text == "2024-03-01"
    assert b.exposure.ended_text == "2024-04-12T09:30:00+00:00"
    assert not any(s.startswith("Close access") for s in b.next_steps)


def test_full_read_counts_replace_sample_estimates(tmp_path: Path) -> None:
    # A --depth full read: people counted once across the endpoint's indices (exact), and
    # documents per year counted, not spread.
    exact = Distinct(1234, 1234, 1234, True)
    hll = Distinct(50_000, 48_000, 52_000, False)
    crm = Container(
        "crm",
        5000,
        1,
        False,
        False,
        date_min="2019-01-01",
        date_max="2020-12-31",
        details={"health": "green", "status": "open"},
    )
    logs = Container(
        "shop-2020", 70_000, 1, False, False, details={"health": "green", "status": "open"}
    )
    full_crm = FullRead(
        "pit",
        1,
        5000,
        (FullPii("EMAIL_ADDRESS", 4990, exact, (FullField("email", 4990, exact),)),),
        People("EMAIL_ADDRESS", "email", exact),
        (YearCount(2019, 1000), YearCount(2020, 4000)),
    )
    full_shop = FullRead(
        "pit",
        2,
        70_000,
        (FullPii("EMAIL_ADDRESS", 70_000, hll, (FullField("buyer.email", 70_000, hll),)),),
        People("EMAIL_ADDRESS", "buyer.email", hll),
    )
    ep = Endpoint("198.51.100.7", 9200)
    svc = Service(ep, ep.url("http"), "elasticsearch", Verdict.OPEN, "open")
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(
            scan_id,
            TargetResult(
                svc, (ContainerResult(crm, None, full_crm), ContainerResult(logs, None, full_shop))
            ),
        )
        doc = store.load(scan_id)
    a = assess(doc)
    crm_ix = next(i for i in a.containers if i.name == "crm")
    assert (crm_ix.subjects.value, crm_ix.subjects.method) == (1234, Method.EXACT)
    shop_ix = next(i for i in a.containers if i.name == "shop-2020")
    assert (shop_ix.subjects.low, shop_ix.subjects.high) == (48_000, 52_000)
    assert "HyperLogLog" in shop_ix.subjects.basis
    assert a.data_subjects.value == 51_234  # per-index counts added (no endpoint total)
    # every record was read: the basis says so, not "whose sample held"
    assert "whose records, every one read, held personal data" in a.records.basis
    assert "every record read" in markdown.render(doc)
    assert records_by_year(a.containers)[:2] == [(2019, 1000), (2020, 4000)]
    # what the chart's caption says: the dated read counted, the undated one left out
    assert years_basis(a.containers) == (
        "Documents of the 2 indices with personal data, by year: 1 read whole, each record "
        "counted in its own date's year; 1 left out, without a date read (70,000 records)."
    )

    # With the endpoint's totals, each person counts once across its indices.
    with SqliteStore(tmp_path / "g.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(
            scan_id,
            TargetResult(
                svc,
                (ContainerResult(crm, None, full_crm), ContainerResult(logs, None, full_shop)),
                full=FullTotals(
                    75_000,
                    (),
                    People("EMAIL_ADDRESS", "email", Distinct(50_500, 49_000, 52_000, False)),
                ),
            ),
        )
        b = assess(store.load(scan_id))
    assert (b.data_subjects.value, b.data_subjects.low, b.data_subjects.high) == (
        50_500,
        49_000,
        52_000,
    )
    assert "counted once" in b.data_subjects.basis


def _counted_store(host: str, kind: str, exact: bool = True) -> TargetResult:
    """A store of 10,000 records read whole (3,543 people), or estimated (about 5,000)."""
    ep = Endpoint(host, 5432)
    crm = Container("crm", 10_000, 1, False, False)
    sample = Sample(100, 100, (PiiSummary("EMAIL_ADDRESS", 100, (), (), 160),))
    people = (
        PeopleCount(
            "EMAIL_ADDRESS", 3543, 3543, 3543, True, "read", "distinct EMAIL_ADDRESS, read whole"
        )
        if exact
        else PeopleCount("EMAIL_ADDRESS", 5000, 160, 9000, False, "sample", "estimated")
    )
    svc = Service(ep, ep.url("http"), kind, Verdict.OPEN, "open")
    return TargetResult(svc, (ContainerResult(crm, sample),), people=people)


def test_people_of_several_stores_added_are_an_upper_bound_not_a_count(tmp_path: Path) -> None:
    # A database and its copy in a bucket, each read whole: 3,543 people in each, maybe the
    # same 3,543. Added, 7,086 is the most there can be, never an exact count.
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(scan_id, _counted_store("198.51.100.7", "postgresql"))
        store.record(scan_id, _counted_store("198.51.100.8", "s3"))
        a = assess(store.load(scan_id))
    people = a.data_subjects
    assert people.method is Method.ESTIMATE
    assert (people.value, people.low, people.high) == (7086, 3543, 7086)
    assert "most there can be" in people.basis
    assert f"export-subjects {scan_id} counts each identifier once" in people.basis
    assert figure_text(people, "people") == "up to 7,086 people (estimate; at least 3,543)"


def test_people_of_stores_read_whole_are_counted_once_across_them(tmp_path: Path) -> None:
    # The same two stores, their identifiers counted together by the scan: 3,600 people in
    # all (57 in one of them only).
    across = PeopleAcross(
        "EMAIL_ADDRESS",
        Distinct(3600, 3600, 3600, True),
        ("198.51.100.7:5432", "198.51.100.8:5432"),
    )
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(scan_id, _counted_store("198.51.100.7", "postgresql"))
        store.record(scan_id, _counted_store("198.51.100.8", "s3"))
        store.record_people(scan_id, [across])
        scan = store.load(scan_id)
        assert scan.people_across == (across,)
        people = assess(scan).data_subjects
        assert (people.value, people.method) == (3600, Method.EXACT)
        assert "of the 2 stores whose identifiers were all read" in people.basis
        assert "each store alone: 198.51.100.7:5432 3,543, 198.51.100.8:5432 3,543" in people.basis
        # A third store, estimated from its sample: added to the count of the two.
        store.record(scan_id, _counted_store("198.51.100.9", "redis", exact=False))
        people = assess(store.load(scan_id)).data_subjects
    assert (people.value, people.low, people.high) == (8600, 3600, 12600)
    # added, the two counts are the most there are at their figures, never "about" 8,600
    assert figure_text(people, "people") == (
        "up to 8,600 people (estimate; at least 3,600; 12,600 with each count at its likely high)"
    )
    # the estimate's figure is a likely one: the sum is the most the figures allow, not a bound
    assert "the most these counts allow (the estimates' likely highs added" in people.basis
    assert "most there can be" not in people.basis


def test_people_of_stores_each_estimated_from_its_sample_are_up_to_their_sum(
    tmp_path: Path,
) -> None:
    # Six stores of the same people, each estimated from its own sample, with no estimate
    # across them (a scan stored before samples were pooled, or stores a resumed scan did
    # not read again): the lab's were "about 22,200" people of 3,543. Added, the figures are
    # what six stores sharing no one would hold: an upper bound, never "about".
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        for n in range(6):
            store.record(scan_id, _counted_store(f"198.51.100.{n + 1}", "postgresql", False))
        scan = store.load(scan_id)
    a = assess(scan)
    people = a.data_subjects
    assert (people.value, people.low, people.high, people.added) == (30_000, 160, 54_000, True)
    assert figure_text(people, "people") == (
        "up to 30,000 people (estimate; at least 160; 54,000 with each count at its likely high)"
    )
    assert to_dict(a)["data_subjects"]["counts_added"] is True
    # the HTML report's card says the same, and so does the notification draft
    page = html.render(scan)
    assert "≤ 30,000" in page and "≈ 30,000" not in page and "about 30,000" not in page
    assert "at most (stores&#39; counts added), at least 160" in page
    draft = notify(scan, a, kind="authority")
    assert "**Approximate number of data subjects:** up to 30,000 people" in draft


def test_people_of_stores_estimated_from_their_samples_pooled_are_one_estimate(
    tmp_path: Path,
) -> None:
    # The scan pooled the two stores' samples (``PeopleAcross.basis``): one estimate across
    # them, an identifier seen in both samples one person; not their figures added.
    pooled = PeopleAcross(
        "EMAIL_ADDRESS",
        Distinct(6000, 2400, 15_000, False),
        ("198.51.100.7:5432", "198.51.100.8:5432"),
        "EMAIL_ADDRESS: the samples of the 2 stores pooled, each container at its own rate",
    )
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(scan_id, _counted_store("198.51.100.7", "postgresql", exact=False))
        store.record(scan_id, _counted_store("198.51.100.8", "s3", exact=False))
        store.record_people(scan_id, [pooled])
        scan = store.load(scan_id)
        # a third store, read whole: apart from the pooled two, so the two figures added
        store.record(scan_id, _counted_store("198.51.100.9", "redis"))
        mixed = store.load(scan_id)
    assert scan.people_across == (pooled,)
    people = assess(scan).data_subjects
    assert (people.value, people.low, people.high, people.added) == (6000, 2400, 15_000, False)
    # each store alone is 5,000 likely between 160 and 9,000: its own line says "between 160
    # and 9,000 (estimate; the sample cannot tell where within)", and so does the basis,
    # where it said "≈5,000"
    assert people.basis == (
        "EMAIL_ADDRESS: the samples of the 2 stores pooled, each container at its own rate "
        "(each store alone: 198.51.100.7:5432 between 160 and 9,000, 198.51.100.8:5432 "
        "between 160 and 9,000)"
    )
    # 6,000 may be off by a factor of 2.5 either way: the range is the figure
    assert figure_text(people, "people") == (
        "between 2,400 and 15,000 people (estimate; the sample cannot tell where within)"
    )
    # the assessment's JSON says the reports show the range, not the value
    assert to_dict(assess(scan))["data_subjects"]["shown_as_range"] is True
    # the HTML report's card says the range, not the low end alone
    page = html.render(scan)
    assert "estimate from samples, likely between 2,400 and 15,000" in page
    assert "2,400–15,000" in page and "≈ 6,000" not in page  # its headline figure too
    # and so does the 72-hour draft to the authority
    draft = notify(scan, assess(scan), kind="authority")
    assert (
        "between 2,400 and 15,000 people (estimate; the sample cannot tell where within)" in draft
    )
    added = assess(mixed).data_subjects
    assert (added.value, added.low, added.added) == (9543, 3543, True)
    assert "198.51.100.7:5432 between 160 and 9,000, 198.51.100.8:5432 between" in added.basis


def test_each_store_pooled_is_said_beside_its_own_figure(tmp_path: Path) -> None:
    # The scan met the stores in another order than their endpoints sort in: the basis listed
    # the endpoints sorted, then "each store alone" in the scan's order, so 198.51.100.7's
    # figure read as 198.51.100.9's (the lab: its Redis's 4,235 beside PostgreSQL's address).
    pooled = PeopleAcross(
        "EMAIL_ADDRESS",
        Distinct(6000, 2400, 15_000, False),
        ("198.51.100.7:5432", "198.51.100.9:5432"),
        "EMAIL_ADDRESS: the samples of the 2 stores pooled",
    )
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        for host, value in (("198.51.100.9", 4235), ("198.51.100.7", 752)):
            result = _counted_store(host, "postgresql", exact=False)
            assert result.people is not None
            people = replace(result.people, value=value, low=value // 3 * 2, high=value * 3 // 2)
            store.record(scan_id, replace(result, people=people))
        store.record_people(scan_id, [pooled])
        basis = assess(store.load(scan_id)).data_subjects.basis
    assert "(each store alone: 198.51.100.7:5432 ≈752, 198.51.100.9:5432 ≈4,235)" in basis, basis


def test_what_an_inventory_could_not_list_is_said_not_counted_in_every_format(
    tmp_path: Path,
) -> None:
    # The lab's MinIO: readable-cases gives any object to anyone who names it, but nobody
    # may list it. The terminal said "inventory incomplete"; assess, the HTML report and the
    # 72-hour draft gave their "exact" figures without a word of it.
    why = (
        "readable-cases: anyone reads its objects by key, but nobody may list them: name "
        "objects to read (s3://readable-cases@198.51.100.7:9000/KEY)"
    )
    ep = Endpoint("198.51.100.7", 9000)
    svc = Service(ep, ep.url("http"), "s3", Verdict.OPEN, "public-cases: anyone lists it")
    files = Container("public-cases/exports/2019/", 1132, 1, False, False)
    sample = Sample(100, 100, (PiiSummary("EMAIL_ADDRESS", 100, (), (), 90),))
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(
            scan_id,
            TargetResult(svc, (ContainerResult(files, sample),), inventory_error=why, truncated=3),
        )
        scan = store.load(scan_id)
    a = assess(scan)
    left = f"http://198.51.100.7:9000: {why}; http://198.51.100.7:9000: 3 more folders listed"
    assert to_dict(a)["stores"][0]["not_counted"] == [
        why,
        "3 more folders listed but not inventoried (--max-indices)",
    ]
    assert f"| Not counted | what the stores' inventories could not list | {left}" in (
        render_markdown(a).replace("\\", "")
    )
    draft = notify(scan, a, kind="authority").replace("\\", "")
    assert (
        "**Not counted:** what the stores' inventories could not list is in none of these "
        f"figures: {left}" in draft
    )
    assert '<th scope="row">Not counted</th>' in html.render(scan)
    # a complete inventory says nothing of it
    with SqliteStore(tmp_path / "g.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(scan_id, TargetResult(svc, (ContainerResult(files, sample),)))
        whole = store.load(scan_id)
    assert "Not counted" not in render_markdown(assess(whole))
    assert "Not counted" not in html.render(whole)


def test_an_inventory_note_is_said_by_assess_beside_exact_figures(tmp_path: Path) -> None:
    # Which indices are hidden is unknown, every index listed and counted: it was in assess's
    # "not_counted" while an inventory error; moved to the result's inventory_note, only the
    # HTML report said it, assess's JSON, markdown and terminal nothing at all.
    note = "which indices are hidden is unknown (index.hidden settings: read timed out after 1s)"
    ep = Endpoint("198.51.100.7", 9200)
    svc = Service(ep, ep.url("http"), "elasticsearch", Verdict.OPEN, "open")
    cases = Container("cases", 1000, 4096, False, False)
    sample = Sample(100, 100, (PiiSummary("EMAIL_ADDRESS", 100, (), (), 90),))
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(
            scan_id, TargetResult(svc, (ContainerResult(cases, sample),), inventory_note=note)
        )
        a = assess(store.load(scan_id))
    (st,) = to_dict(a)["stores"]
    assert (st["not_counted"], st["inventory_notes"]) == ([], [note])
    text = render_markdown(a).replace("\\", "")
    assert "| Inventory notes | what the stores' inventories could not learn; " in text
    assert f"http://198.51.100.7:9200: {note} |" in text and "Not counted" not in text
    buf = io.StringIO()
    render_terminal(a, Console(file=buf, width=400, force_terminal=False))
    out = buf.getvalue()
    assert "Inventory notes" in out and note in out and "Not counted" not in out


def test_a_servers_words_in_an_inventory_error_or_note_are_inert_in_markdown(
    tmp_path: Path,
) -> None:
    # An error or a note may quote the server (MongoDB's errmsg, MySQL's login refusal): the
    # assessment and the 72-hour draft wrote them into their Markdown as markup, links live.
    said = "cannot list databases: [click](http://evil.example) *now*"
    ep = Endpoint("198.51.100.7", 27017)
    svc = Service(ep, "mongodb://198.51.100.7:27017", "mongodb", Verdict.OPEN, "open")
    users = Container("shop.users", 10, None, False, False)
    sample = Sample(10, 10, (PiiSummary("EMAIL_ADDRESS", 10, (), (), 9),))
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        result = TargetResult(
            svc, (ContainerResult(users, sample),), inventory_error=said, inventory_note=said
        )
        store.record(scan_id, result)
        scan = store.load(scan_id)
    a = assess(scan)
    for text in (render_markdown(a), notify(scan, a, kind="authority")):
        assert not re.search(r"(?<!\\)\]\(http://evil|(?<!\\)\*now", text), text
        assert text.count(r"\[click\](http://evil.example) \*now\*") == 2, text


def test_a_store_sampled_at_two_endpoints_is_not_pooled_twice(tmp_path: Path) -> None:
    # Two nodes of one cluster, each sampled (the same records), and a second store: the pool
    # holds the cluster's sample twice, each identifier seen "twice", an estimate too low.
    # The stores' own figures are added instead, as an upper bound.
    def node(host: str) -> TargetResult:
        r = _counted_store(host, "elasticsearch", exact=False)
        fp = Fingerprint(product="opensearch", cluster_uuid="c-1")
        return replace(r, service=replace(r.service, fingerprint=fp))

    pooled = PeopleAcross(
        "EMAIL_ADDRESS",
        Distinct(5100, 4000, 6000, False),
        ("198.51.100.7:5432", "198.51.100.8:5432", "198.51.100.9:5432"),
        "EMAIL_ADDRESS: the samples of the 3 stores pooled",
    )
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(scan_id, node("198.51.100.7"))
        store.record(scan_id, node("198.51.100.8"))
        store.record(scan_id, _counted_store("198.51.100.9", "redis", exact=False))
        store.record_people(scan_id, [pooled])
        scan = store.load(scan_id)
    assert len(scan.stores) == 2
    people = assess(scan).data_subjects
    assert (people.value, people.added) == (10_000, True)
    assert "pooled" not in people.basis


def test_an_index_never_holds_more_people_than_its_store_was_counted_to_hold(
    tmp_path: Path,
) -> None:
    # 10,000 support cases of 3,433 people: a sample of 100 saw 160 distinct e-mails
    # (customer, agent, some in the text) and 170 distinct phones. Scaled linearly, 16,000
    # or 17,000 people; the store's identifiers, read whole, are 3,543 e-mail addresses.
    ep = Endpoint("198.51.100.7", 5432)
    cases = Container("support.public.cases", 10_000, 1, False, False)
    sample = Sample(
        100,
        100,
        (
            PiiSummary("EMAIL_ADDRESS", 100, (), (), 160),
            PiiSummary("PHONE_NUMBER", 100, (), (), 170),
        ),
    )
    people = PeopleCount(
        "EMAIL_ADDRESS", 3543, 3543, 3543, True, "read", "distinct EMAIL_ADDRESS, read whole"
    )
    svc = Service(ep, ep.url("http"), "postgresql", Verdict.OPEN, "open")
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(scan_id, TargetResult(svc, (ContainerResult(cases, sample),), people=people))
        a = assess(store.load(scan_id))
    subjects = a.containers[0].subjects
    assert (subjects.value, subjects.low, subjects.high) == (3543, 160, 3543)
    assert "EMAIL_ADDRESS" in subjects.basis and "counted in the whole store" in subjects.basis


def test_a_store_without_a_display_name_is_named_as_it_named_itself(tmp_path: Path) -> None:
    ep = Endpoint("198.51.100.7", 5984)
    fp = Fingerprint(product="pouchdb-server", version="4.2.0")
    svc = Service(ep, ep.url("http"), "couchdb", Verdict.OPEN, "admin party", fp)
    db = Container("support-cases-2019", 1132, 1, False, False)
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(scan_id, TargetResult(svc, (ContainerResult(db, None),)))
        a = assess(store.load(scan_id))
    assert [s.product for s in a.stores] == ["pouchdb-server 4.2.0"]


def test_an_index_counted_by_the_scan_keeps_that_count(tmp_path: Path) -> None:
    # The scan read the store's identifiers whole and counted each index's: 3,433 people in
    # 10,000 cases, exactly; no scale-up of the 160 addresses its sample of 100 saw.
    ep = Endpoint("198.51.100.7", 5432)
    cases = Container("support.public.cases", 10_000, 1, False, False)
    counted = PeopleCount("EMAIL_ADDRESS", 3433, 3433, 3433, True, "read", "read in every record")
    sample = Sample(100, 100, (PiiSummary("EMAIL_ADDRESS", 100, (), (), 160),), people=counted)
    svc = Service(ep, ep.url("http"), "postgresql", Verdict.OPEN, "open")
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(scan_id, TargetResult(svc, (ContainerResult(cases, sample),)))
        a = assess(store.load(scan_id))
    subjects = a.containers[0].subjects
    assert (subjects.value, subjects.method, subjects.basis) == (
        3433,
        Method.EXACT,
        "read in every record",
    )


def test_every_way_into_a_store_is_named_where_it_must_be_closed(tmp_path: Path) -> None:
    # The node itself open, and nginx in front of it partly open: one store, two ways in.
    fp = Fingerprint(product="opensearch", version="2.19.1", cluster_uuid="u-1")
    cases = Container("support-cases-2019", 1132, 1, False, False)
    sample = Sample(100, 100, (PiiSummary("EMAIL_ADDRESS", 100, (), (), 90),))

    def at(port: int, verdict: Verdict) -> TargetResult:
        ep = Endpoint("198.51.100.7", port)
        svc = Service(ep, ep.url("http"), "elasticsearch", verdict, "open", fp)
        return TargetResult(svc, (ContainerResult(cases, sample),))

    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(scan_id, at(9200, Verdict.OPEN))
        store.record(scan_id, at(8080, Verdict.PARTIAL))
        doc = store.load(scan_id)
    a = assess(doc)
    assert [s.other_endpoints for s in a.stores] == [("198.51.100.7:8080",)]
    close = next(s for s in a.next_steps if s.startswith("Close access"))
    assert "also 198.51.100.7:8080" in close
    assert to_dict(a)["stores"][0]["other_endpoints"] == ["198.51.100.7:8080"]
    assert "also reached at 198.51.100.7:8080" in html.render(doc, a)


def test_records_of_several_stores_say_a_copy_in_each_counts_in_each(tmp_path: Path) -> None:
    sample = Sample(100, 100, (PiiSummary("EMAIL_ADDRESS", 100, (), (), 90),))

    def at(host: str) -> TargetResult:
        ep = Endpoint(host, 5432)
        svc = Service(ep, ep.url("http"), "postgresql", Verdict.OPEN, "open")
        return TargetResult(svc, (ContainerResult(Container("cases", 1000, 1), sample),))

    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(scan_id, at("198.51.100.7"))
        store.record(scan_id, at("198.51.100.8"))
        a = assess(store.load(scan_id))
    assert a.records.value == 2000
    assert "in 2 stores, each counting its own (a record kept in two counts twice)" in (
        a.records.basis
    )


def test_a_partial_stores_indices_that_refused_a_read_are_left_out_of_its_figures(
    build_scan: Build,
) -> None:
    # support-cases-2018 listed, not readable: neither in the store's indices nor documents
    doc = build_scan(*READ_AND_REFUSED, verdict=Verdict.PARTIAL)
    a = assess(doc)
    (store,) = a.stores
    assert (store.containers, store.docs) == (1, 1132)
    assert (store.refused, store.refused_docs) == (1, 10_000)
    assert [i.refused for i in a.containers] == [False, True]
    out = to_dict(a)
    assert {k: out["stores"][0][k] for k in ("indices", "documents")} == {
        "indices": 1,
        "documents": 1132,
    }
    assert (out["stores"][0]["refused_indices"], out["stores"][0]["refused_documents"]) == (
        1,
        10_000,
    )
    assert out["stores"][0]["refused_for_credentials"] == 1
    assert [i["refused"] for i in out["indices"]] == [False, True]
    assert [i["asked_credentials"] for i in out["indices"]] == [False, True]
    short = html.view(doc, a)["in_short"]
    assert (
        "holding 1,132 documents in 1 index (1 more index listed but not readable (asked "
        "for credentials), holding 10,000 documents)."
    ) in short


def test_an_open_stores_index_whose_sample_failed_is_still_exposed(build_scan: Build) -> None:
    doc = build_scan(
        Ix("support-cases-2019", docs=1132, pii={"EMAIL_ADDRESS": (100, 90)}),
        Ix("support-cases-2018", docs=10_000, sample_error="timed out"),
    )
    a = assess(doc)
    assert (a.stores[0].containers, a.stores[0].docs, a.stores[0].refused) == (2, 11_132, 0)
    assert not any(i.refused for i in a.containers)


def test_the_report_says_what_was_left_out_when_no_year_was_counted(build_scan: Build) -> None:
    # Nothing counted a year: no chart, but the caption says what was left out and why.
    scan = build_scan(
        Ix(
            "crm",
            docs=742,
            pii={"EMAIL_ADDRESS": (1, 1)},
            date_min="2019-07-02",
            date_max="2020-07-01",
        )
    )
    a = assess(scan)
    view = html.view(scan, a)
    assert view["years_chart"] is None
    page = html.render(scan, a)
    assert "Records by year" in page and "Records with personal data per year" not in page
    assert "1 left out, dated from 2019-07-02 to 2020-07-01 but not counted by year" in page


def test_records_by_year_of_a_read_that_stopped_early_say_so(tmp_path: Path) -> None:
    # A full read stopped after 3,000 of 10,000 records: its years are of those it read, a
    # lower figure, neither a read whole nor 7,000 records without a date.
    crm = Container("crm", 10_000, 1, False, False, docs_exact=True)
    exact = Distinct(2500, 2500, 2500, True)
    full = FullRead(
        "pit",
        1,
        3000,
        (FullPii("EMAIL_ADDRESS", 3000, exact, (FullField("email", 3000, exact),)),),
        People("EMAIL_ADDRESS", "email", exact),
        (YearCount(2019, 1000), YearCount(2020, 2000)),
        complete=False,
        error="read timed out after 10s",
    )
    ep = Endpoint("198.51.100.7", 9200)
    svc = Service(ep, ep.url("http"), "elasticsearch", Verdict.OPEN, "open")
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(scan_id, TargetResult(svc, (ContainerResult(crm, None, full),)))
        doc = store.load(scan_id)
    a = assess(doc)
    assert records_by_year(a.containers) == [(2019, 1000), (2020, 2000)]
    assert years_basis(a.containers) == (
        "Documents of the 1 index with personal data, by year: 1 read in part (its read "
        "stopped early), the 3,000 records read each counted in its own date's year, a lower "
        "figure of its 10,000."
    )
    # a read that stopped early is not said to have read every record
    assert "every one read" not in a.records.basis
    assert "every record read" not in markdown.render(doc)


def test_an_inventory_note_beside_a_listing_cut_short_claims_no_container_was_missed(
    tmp_path: Path,
) -> None:
    # A cluster whose _cat/indices was cut at the size cap has more settings than the cap holds:
    # an error and a note on one store. "Not counted" said what was not listed, and the row or
    # the sentence after it that every container was listed (assess, the HTML report, the
    # 72-hour draft): the two contradicted each other.
    cut = "the _cat/indices listing was cut at the size cap"
    note = "which indices are hidden is unknown (index.hidden settings: over the size cap)"
    ep = Endpoint("198.51.100.7", 9200)
    svc = Service(ep, ep.url("http"), "elasticsearch", Verdict.OPEN, "open")
    cases = Container("cases", 1000, 4096, False, False)
    sample = Sample(100, 100, (PiiSummary("EMAIL_ADDRESS", 100, (), (), 90),))
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(
            scan_id,
            TargetResult(
                svc,
                (ContainerResult(cases, sample),),
                inventory_error=cut,
                truncated=2,
                inventory_note=note,
            ),
        )
        scan = store.load(scan_id)
    a = assess(scan)
    texts = {
        "assess": render_markdown(a).replace("\\", ""),
        "report": html.render(scan),
        "draft": notify(scan, a, kind="authority").replace("\\", ""),
    }
    for where, text in texts.items():
        assert "Not counted" in text and cut in text and note in text, where
        assert "listed every container" not in text, where
        assert "every container is listed" not in text, where
    assert "every container they listed is counted all the same" in texts["assess"]
    assert "every container they listed is counted all the same" in texts["report"]
    assert (
        "**Inventory notes:** what the stores' inventories could not learn of the containers "
        "they listed, every one of them counted in these figures all the same: "
        f"http://198.51.100.7:9200: {note}." in texts["draft"]
    )


def test_copies_the_store_estimated_are_left_out_as_an_estimate(build_scan: Build) -> None:
    # The view's rows are pg_class's estimate: the rows left out say so, as its table does.
    a = assess(
        build_scan(
            Ix("crm.public.customers", docs=1000, pii={"EMAIL_ADDRESS": (90, 80)}),
            Ix(
                "crm.public.customers_by_city",
                docs=1200,
                pii={"EMAIL_ADDRESS": (90, 80)},
                derived="materialized view",
                estimate=(None, None, "pg_class.reltuples"),
            ),
        )
    )
    assert (a.records.value, a.records.method) == (1000, Method.EXACT)
    assert "; ~1,200 records of 1 container of copies (materialized view) not added" in (
        a.records.basis
    )
