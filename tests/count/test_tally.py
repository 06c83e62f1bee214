"""Tallies: what a full read counts, merged from batches, serialised without raw values."""

from __future__ import annotations

import pytest

from leakhound.count.distinct import DistinctCounter
from leakhound.count.tally import Tally, count_batch, merged, most_dated, year_of, years_by_name

KEY = b"k" * 32


@pytest.mark.parametrize(
    ("value", "year"),
    [
        ("2012-03-04T05:06:07Z", 2012),
        ("2012-03-04", 2012),
        (1325376000000, 2012),
        ("1325376000000", 2012),
        (["2019-01-01"], 2019),
        ("yesterday", None),
        (None, None),
        (True, None),
        ("99999999999999999999999", None),
        pytest.param("²" * 10, None, id="digits-int-refuses"),
        pytest.param("9" * 5000, None, id="past-int-conversion-limit"),
        # written with an offset: the year in UTC, as the stores count theirs
        pytest.param("2020-01-01 09:00:00+13", 2019, id="pg-timestamptz-ahead-of-utc"),
        pytest.param("2019-12-31T23:30:00-05:00", 2020, id="behind-utc"),
        pytest.param("2019-12-31T23:30:00.123456789-05:00", 2020, id="nanoseconds"),
        pytest.param("2020-01-01T09:00:00Z", 2020, id="utc"),
        pytest.param("2020-01-01T00:30:00", 2020, id="no-offset-as-written"),
        pytest.param("2020-01-01", 2020, id="a-date"),
        pytest.param("2020-06-01T00:30:00+13:00", 2020, id="mid-year-never-parsed"),
        pytest.param("2019-12-31T23:30:00-05:00 garbage", 2019, id="unparsed-as-written"),
        # the calendar's ends in an offset: past what Python's dates hold, as written
        pytest.param("9999-12-31T23:30:00-01:00", 9999, id="end-of-time"),
        pytest.param("0001-01-01T00:30:00+01:00", 1, id="start-of-time"),
    ],
)
def test_year_of_a_stored_date(value: object, year: int | None) -> None:
    assert year_of(value) == year


def test_records_without_a_schema_are_dated_by_date_text_under_the_usual_names() -> None:
    docs = [
        {"created_at": "2019-03-04T10:00:00Z", "updated_at": "2021-01-01", "name": "2015-01-01"},
        {"created_at": "2020-12-31T23:30:00-05:00", "timestamp": "1577836800"},  # seconds? ms?
        {"created_at": "not yet", "date": "2018-07-01"},
        {"customer": {"created_at": "2017-01-01"}},  # nested: not the record's own date
        "2016-01-01",  # a list's or a set's member: no field at all
    ]
    assert years_by_name(docs) == {
        "created_at": {2019: 1, 2021: 1},  # the year in UTC, as everywhere else
        "updated_at": {2021: 1},
        "date": {2018: 1},
    }
    assert years_by_name([]) == {}


DOCS = [
    {
        "created_at": "2012-01-02T00:00:00Z",
        "customer": {"email": "jane.doe@gmail.com"},
        "agent_email": "bob@contoso.com",
    },
    {
        "created_at": "2013-01-02T00:00:00Z",
        "customer": {"email": "jane.doe@gmail.com"},
        "agent_email": "bob@contoso.com",
    },
    {
        "created_at": "2013-05-02T00:00:00Z",
        "customer": {"email": "max.mustermann@web.de"},
        "agent_email": "bob@contoso.com",
    },
]


def test_batches_merge_to_the_whole() -> None:
    whole = Tally.from_bytes(count_batch(DOCS, None, "created_at", 0.5, KEY), KEY)
    parts = merged(
        KEY,
        [
            count_batch(DOCS[:1], None, "created_at", 0.5, KEY),
            count_batch(DOCS[1:], None, "created_at", 0.5, KEY),
        ],
    )
    for t in (whole, parts):
        assert t.docs == 3
        assert dict(t.years) == {2012: 1, 2013: 2}
        people = t.people()
        assert people is not None
        # People: every distinct address, in whichever field (the agent's too).
        assert (people.entity_type, people.fields) == (
            "EMAIL_ADDRESS",
            ("agent_email", "customer.email"),
        )
        assert people.distinct.estimate == 3 and people.distinct.exact
        email = next(p for p in t.pii() if p.entity_type == "EMAIL_ADDRESS")
        assert email.docs == 3 and email.distinct.estimate == 3
        assert {f.path: f.docs for f in email.fields} == {"customer.email": 3, "agent_email": 3}
        assert set(t.pii_fields()) >= {"customer.email", "agent_email"}


def test_an_address_in_two_fields_and_two_forms_is_one_person() -> None:
    docs = [
        {
            "customer": {"email": "jane.doe@gmail.com"},
            "description": "write to me at jane.doe [at] gmail [dot] com please",
        },
        {"customer": {"email": "max.mustermann@web.de"}, "description": "no address"},
        {"notes": "Customer also uses Jane.Doe@GMAIL.com, and +44 20 7946 0958."},
    ]
    t = Tally.from_bytes(count_batch(docs, None, None, 0.5, KEY), KEY)
    people = t.people()
    assert people is not None and people.entity_type == "EMAIL_ADDRESS"
    assert set(people.fields) == {"customer.email", "description", "notes"}
    assert people.distinct.estimate == 2 and people.distinct.exact


def test_without_an_address_the_next_identifying_kind_counts_people() -> None:
    docs = [
        {"phone": "+44 20 7946 0958"},
        {"phone": "+44 20 7946 0959"},
        {"note": "call +44 20 7946 0958"},
        {"ip": "203.0.113.7"},
    ]
    t = Tally.from_bytes(count_batch(docs, None, None, 0.3, KEY), KEY)
    people = t.people()
    assert people is not None and people.entity_type == "PHONE_NUMBER"
    assert people.distinct.estimate == 2


def test_a_tally_holds_no_raw_value_and_round_trips() -> None:
    blob = count_batch(DOCS, None, "created_at", 0.5, KEY)
    assert b"jane" not in blob and b"gmail" not in blob
    again = Tally.from_bytes(Tally.from_bytes(blob, KEY).to_bytes(), KEY)
    assert again.docs == 3 and again.pii() == Tally.from_bytes(blob, KEY).pii()
    with pytest.raises(ValueError):
        Tally.from_bytes(blob, b"another key")


def test_a_batch_merged_from_bytes_counts_as_one_restored() -> None:
    blobs = [count_batch([doc], None, "created_at", 0.5, KEY) for doc in DOCS]
    restored, direct = Tally(KEY), Tally(KEY)
    for blob in blobs:
        part = Tally.from_bytes(blob, KEY)
        restored.merge(part)
        part.close()
        direct.merge_bytes(blob)
    assert direct.to_bytes() == restored.to_bytes()
    assert (direct.docs, direct.pii(), direct.people()) == (3, restored.pii(), restored.people())
    with pytest.raises(ValueError):
        direct.merge_bytes(count_batch(DOCS, None, None, 0.5, b"another key"))
    assert direct.docs == 3  # refused whole: nothing half-added


def test_tally_figures_do_not_depend_on_the_memory_budget() -> None:
    blob = count_batch(DOCS * 4, None, "created_at", 0.5, KEY)
    tallies = [Tally(KEY, DistinctCounter(KEY, memory_limit=budget)) for budget in (1, 3, 10**6)]
    for t in tallies:
        t.merge_bytes(blob)
        t.merge_bytes(blob)  # every digest twice: the repeats go to disk with the rest
    first = tallies[0]
    assert first.people() is not None and first.people().distinct.estimate == 3
    for t in tallies:
        assert (t.docs, t.pii(), t.people()) == (24, first.pii(), first.people())
        t.close()


def test_records_without_a_date_field_are_dated_by_the_name_dating_the_most() -> None:
    # Two batches of a Redis hash pattern: created_at in every record, updated_at in one.
    first, second = Tally(KEY), Tally(KEY)
    first.add_documents(
        [{"created_at": "2019-05-01", "updated_at": "2021-01-01"}, {"created_at": "2019-06-01"}],
        None,
        None,
    )
    second.add_documents([{"created_at": "2020-01-02T03:04:05Z"}], None, None)
    restored = Tally.from_bytes(second.to_bytes(), KEY)  # a checkpoint keeps them
    first.merge(restored)
    assert first.dated_by() == ("created_at", {2019: 2, 2020: 1})
    assert first.year_counts() == [(2019, 2), (2020, 1)]
    # a named date field is counted, never a guessed one
    named = Tally(KEY)
    named.add_documents([{"opened": "2018-01-01", "created_at": "2019-01-01"}], None, "opened")
    assert named.year_counts() == [(2018, 1)] and named.dated_by() == (None, {})
    # no usual name in the records: no years
    assert Tally(KEY).year_counts() == [] and most_dated({}) == (None, {})
    for t in (first, second, restored, named):
        t.close()


def test_a_checkpoint_made_before_guessed_dates_restores_and_merges() -> None:
    import orjson

    from leakhound.count.tally import _pack

    # A partition checkpointed before dates were guessed: its counts, no "guessed" key.
    old = Tally(KEY)
    old.add_documents(DOCS, None, None)
    head = orjson.loads(old._head())
    assert head.pop("guessed") == {"created_at": {"2012": 1, "2013": 2}}
    blob = _pack(orjson.dumps(head), old.subjects.to_bytes())
    restored = Tally.from_bytes(blob, KEY)
    assert restored.docs == 3 and restored.guessed == {} and restored.year_counts() == []
    # merged with a page read after the resume: that page's years alone
    later = Tally(KEY)
    later.add_documents([{"created_at": "2014-01-02"}], None, None)
    later.merge_bytes(blob)
    assert later.docs == 4 and later.year_counts() == [(2014, 1)]
    for t in (old, restored, later):
        t.close()
