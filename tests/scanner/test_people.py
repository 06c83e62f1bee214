"""A sample scan's people: the store's own count where it gives one, the sample otherwise,
and the reason said when the store's count fails."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import math
import random
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from leakhound.count.distinct import DistinctCounter
from leakhound.count.people import (
    Estimate,
    SampledIdentifiers,
    Stratum,
    from_sample,
    identifier_digests,
)
from leakhound.errors import NetError
from leakhound.models import (
    Container,
    Distinct,
    Endpoint,
    FieldInfo,
    PeopleCount,
    Service,
    StoreDistinct,
    Verdict,
    YearCount,
)
from leakhound.probes.elasticsearch import ElasticsearchProbe
from leakhound.probes.mysql import MysqlProbe
from leakhound.probes.postgresql import PostgresqlProbe
from leakhound.scanner.access import Access
from leakhound.scanner.across import STEPS_SHOWN, AcrossStores, Pooled
from leakhound.scanner.options import ScanOptions
from leakhound.scanner.people import (
    Dated,
    _container_people,
    count_people,
    count_people_by_container,
)
from leakhound.scanner.workers import Workers

CASES = Container(
    "cases",
    10_000,
    None,
    fields=(
        FieldInfo("customer.email", "keyword"),
        FieldInfo("agent_email", "keyword"),
        FieldInfo("description", "text"),
    ),
)
SERVICE = Service(
    Endpoint("127.0.0.1", 9200), "http://127.0.0.1:9200", "elasticsearch", Verdict.OPEN
)


class _Counting(ElasticsearchProbe):
    def __init__(
        self, counts: dict[str, Distinct] | Exception, values: dict[str, list[str]] | None = None
    ) -> None:
        self.counts, self.values = counts, values
        self.asked: list[tuple[str, ...]] = []
        self.listed: list[str] = []

    def distinct_values(
        self, transport: Any, service: Service, containers: Sequence[Container], field: str
    ) -> AsyncIterator[str] | None:
        if self.values is None:
            return None
        self.listed.append(field)

        async def listing() -> AsyncIterator[str]:
            for v in (self.values or {})[field]:
                yield v

        return listing()

    async def count_distinct(
        self,
        transport: Any,
        service: Service,
        containers: Sequence[Container],
        fields: Sequence[str],
    ) -> dict[str, Distinct] | None:
        self.asked.append(tuple(fields))
        if isinstance(self.counts, Exception):
            raise self.counts
        return self.counts


def _sampled() -> SampledIdentifiers:
    """100 sampled records: 80 customer addresses, 10 of them also in the text, and 10
    addresses found only in the text."""
    ids = SampledIdentifiers("EMAIL_ADDRESS", records=100, per_record=2)
    keyword = {n.to_bytes(4, "big") for n in range(80)}
    text_only = {n.to_bytes(4, "big") for n in range(1000, 1010)}
    ids.docs = Counter(dict.fromkeys(keyword | text_only, 1))
    ids.fields = {"customer.email": keyword, "description": set(list(keyword)[:10]) | text_only}
    # Each customer address read as one value as stored: no case variants.
    ids.stored = {"customer.email": {b"v" + d: d for d in keyword}}
    return ids


def _cases_and_staff(per_record: int) -> tuple[SampledIdentifiers, SampledIdentifiers]:
    """A 100-record sample of cases (80 addresses, 10 of them twice) and a payroll's 200
    records read whole (200 addresses, none of the cases')."""
    ids = SampledIdentifiers("EMAIL_ADDRESS", records=100, per_record=per_record)
    ids.docs = Counter({n.to_bytes(4, "big"): 1 + (n < 10) for n in range(80)})
    ids.fields = {"customer.email": set(ids.docs)}
    staff = SampledIdentifiers("EMAIL_ADDRESS", records=200, per_record=1)
    staff.docs = Counter({n.to_bytes(4, "big"): 1 for n in range(5000, 5200)})
    staff.fields = {"email": set(staff.docs)}
    return ids, staff


def _count(probe: _Counting) -> Any:
    acc = Access(probe, SERVICE, SERVICE, None)  # type: ignore[arg-type]
    return asyncio.run(
        count_people(
            acc,
            [(CASES, 100)],
            [{"EMAIL_ADDRESS": _sampled()}],
            ScanOptions(people_read=0),
            Workers(0),
            b"k" * 32,
        )
    )


def _by_container(
    acc: Access,
    sampled: Sequence[tuple[Container, int]],
    found: Sequence[dict[str, SampledIdentifiers]],
    across: AcrossStores | None = None,
    drawn: Sequence[str | None] | None = None,
) -> Any:
    """``count_people_by_container`` with no record read for people (``people_read=0``), in
    this process, under one key."""
    return asyncio.run(
        count_people_by_container(
            acc, sampled, found, ScanOptions(people_read=0), Workers(0), b"k" * 32, across, drawn
        )
    )


def test_the_store_counts_its_keyword_fields_and_the_sample_adds_free_text() -> None:
    probe = _Counting({"customer.email": Distinct(7_000, 6_965, 7_035, False)})
    people = _count(probe)
    assert probe.asked == [("customer.email",)]  # only the field the store indexes whole
    assert people.method == "store-count" and not people.exact
    # 7,000 counted by the store; the 10 free-text-only addresses in 1% of records: ~1,000.
    assert 7_900 <= people.value <= 8_100
    # The likely range: the store's lower bound plus at least the 10 seen, short of the 1,000.
    assert 6_965 + 10 < people.low < people.value
    assert people.high is not None and people.high > people.value
    assert "cardinality" in people.basis and "free text" in people.basis
    assert "are as many identifiers, no variants: at least 6,965 people" in people.basis


def _es_people(sample: list[dict[str, Any]], probe: _Counting) -> Any:
    """The people of the 10,000 cases of which ``sample`` was sampled (100 records), read as a
    sample scan reads them."""
    from leakhound.count.summary import summarise_sample

    _, found = summarise_sample(sample, key=b"k" * 32)
    acc = Access(probe, SERVICE, SERVICE, None)  # type: ignore[arg-type]
    return asyncio.run(
        count_people(
            acc, [(CASES, 100)], [found], ScanOptions(people_read=0), Workers(0), b"k" * 32
        )
    )


def _cases(spelt: Sequence[str]) -> list[dict[str, Any]]:
    """100 cases, the nth written by customer n % 50, the first 50 in the first of
    ``spelt``'s ways, the last 50 in its last."""
    return [
        {
            "customer": {"email": (spelt[0] if n < 50 else spelt[-1]).format(n % 50)},
            "agent_email": "",
            "description": "",
        }
        for n in range(100)
    ]


def test_case_variants_in_the_sample_keep_a_keyword_count_from_the_lower_end() -> None:
    # 50 customers each read twice, as "Customer7@Gmail.com" and "customer7@gmail.com": the
    # keyword field's 7,000 values as stored may count a person twice, so its cardinality's
    # lower bound (6,965) bounds no people at all. The count stays the figure (a sample's
    # share of variants is not the field's) and the upper end.
    probe = _Counting({"customer.email": Distinct(7_000, 6_965, 7_035, False)})
    people = _es_people(_cases(["Customer{}@Gmail.com", "customer{}@gmail.com"]), probe)
    assert people.method == "store-count"
    assert people.low == 50  # the customers the sample read
    assert people.value == 7_000
    assert people.high == 7_035
    assert "may count one person more than once" in people.basis
    assert "the 100 distinct values the sample read there are 50 identifiers" in people.basis
    assert "its count bounds no people below" in people.basis


def test_a_keyword_count_whose_sample_shows_no_case_variants_is_its_lower_end() -> None:
    # 50 customers each read twice, written alike both times (in capitals, as stored): the
    # count as stored is the people, its lower bound theirs, and the basis says why.
    probe = _Counting({"customer.email": Distinct(7_000, 6_965, 7_035, False)})
    people = _es_people(_cases(["Customer{}@Gmail.com"]), probe)
    assert (people.value, people.low, people.high) == (7_000, 6_965, 7_035)
    assert (
        "the 50 distinct values the sample read there are as many identifiers, no variants"
        in people.basis
    )


def test_case_variants_in_one_of_two_fields_take_that_fields_lower_bound_alone() -> None:
    probe = _Counting(
        {
            "customer.email": Distinct(7_000, 6_965, 7_035, False),
            "agent_email": Distinct(400, 390, 410, False),
        }
    )
    sample = _cases(["Customer{}@Gmail.com", "customer{}@gmail.com"])
    for n, case in enumerate(sample):
        case["agent_email"] = f"agent{n % 20}@corp.example"
    people = _es_people(sample, probe)
    # Customers 7,000 and agents 400 as counted: no address of one is in the other.
    assert people.value == 7_400
    # The agents' count, without variants, bounds people below; the customers' does not.
    assert people.low == 390
    assert "agent_email 400 values as stored (the 20 distinct values" in people.basis


def test_few_values_are_listed_and_one_in_two_fields_counts_once() -> None:
    values = {
        "customer.email": [f"customer{n}@gmail.com" for n in range(300)],
        "agent_email": ["agent@contoso.com", "CUSTOMER7@gmail.com", "n/a"],
    }
    counts = {
        "customer.email": Distinct(300, 300, 300, True),
        "agent_email": Distinct(3, 3, 3, True),
    }
    probe = _Counting(counts, values)
    acc = Access(probe, SERVICE, SERVICE, None)  # type: ignore[arg-type]
    # The sample saw one customer and the agent, in their keyword fields only.
    ids = SampledIdentifiers("EMAIL_ADDRESS", records=100, per_record=2)
    for f, v in (("customer.email", "customer1@gmail.com"), ("agent_email", "agent@contoso.com")):
        (d,) = identifier_digests(
            [{f: v}], entity_type="EMAIL_ADDRESS", field_types=None, min_score=0.5, key=b"k" * 32
        )
        ids.docs[d] += 1
        ids.fields[f] = {d}
    people = asyncio.run(
        count_people(
            acc,
            [(CASES, 100)],
            [{"EMAIL_ADDRESS": ids}],
            ScanOptions(people_read=0),
            Workers(0),
            b"k" * 32,
        )
    )
    assert sorted(probe.listed) == ["agent_email", "customer.email"]
    # 300 customers and one agent: a customer's address in the agent field, in capitals, is
    # the same person, and "n/a" is nobody.
    assert (people.method, people.value, people.exact) == ("store-list", 301, True)
    assert "every value listed by the store" in people.basis


class _PgCounting(PostgresqlProbe):
    """PostgreSQL's count and list of a text column's values, as ``_Counting`` fakes them."""

    __init__ = _Counting.__init__
    count_distinct = _Counting.count_distinct
    distinct_values = _Counting.distinct_values


CUSTOMERS = Container(
    "support.public.customers",
    1_000_000,
    None,
    fields=(FieldInfo("email", "text"), FieldInfo("notes", "text"), FieldInfo("id", "bigint")),
)


def _pg_people(sample: list[dict[str, Any]], probe: _PgCounting) -> Any:
    """The people of a large PostgreSQL table of which ``sample`` was sampled (100 records)."""
    from leakhound.count.summary import summarise_sample

    _, found = summarise_sample(sample, key=b"k" * 32)
    acc = Access(probe, SERVICE, SERVICE, None)  # type: ignore[arg-type]
    return asyncio.run(
        count_people(
            acc, [(CUSTOMERS, 100)], [found], ScanOptions(people_read=0), Workers(0), b"k" * 32
        )
    )


def test_a_text_column_of_addresses_is_counted_and_listed_by_the_server_exactly() -> None:
    # A million customers' rows, 2,000 addresses: the sample saw 100 of them in the email
    # column, each its value whole; the server lists them all (one in capitals: the same).
    addresses = [f"customer{n}@gmail.com" for n in range(2_000)]
    probe = _PgCounting(
        {"email": Distinct(2_001, 2_001, 2_001, True)},
        {"email": [*addresses, "CUSTOMER7@gmail.com"]},
    )
    sample = [{"email": a, "notes": "called back", "id": n} for n, a in enumerate(addresses[:100])]
    people = _pg_people(sample, probe)
    assert probe.asked == [("email",)] and probe.listed == ["email"]
    assert (people.method, people.value, people.low, people.high) == (
        "store-list",
        2_000,
        2_000,
        2_000,
    )
    assert people.exact
    assert "every distinct value listed by the server (SELECT DISTINCT" in people.basis
    assert "2,000 distinct in email" in people.basis


def test_a_free_text_column_is_not_listed_and_its_addresses_stay_estimated() -> None:
    # The notes mention other addresses inside sentences: a text column of as many distinct
    # values as rows, never listed; what it alone holds is estimated from the sample.
    addresses = [f"customer{n}@gmail.com" for n in range(2_000)]
    probe = _PgCounting({"email": Distinct(2_000, 2_000, 2_000, True)}, {"email": addresses})
    sample = [
        {"email": a, "notes": f"Customer also uses other{n}@yahoo.com." if n % 10 == 0 else ""}
        for n, a in enumerate(addresses[:100])
    ]
    people = _pg_people(sample, probe)
    assert probe.asked == [("email",)] and probe.listed == ["email"]
    assert people.method == "store-list" and not people.exact
    assert 2_000 + 10 <= people.low < people.value < (people.high or 0)
    assert "found only in free text: 10 distinct in 100 sampled records" in people.basis


def test_a_store_that_listed_some_and_estimated_its_free_text_is_pooled_across_stores() -> None:
    # Its figure is partly an estimate: it joins the stores estimated from their samples,
    # counted once across them, not added beside them.
    addresses = [f"customer{n}@gmail.com" for n in range(2_000)]
    probe = _PgCounting({"email": Distinct(2_000, 2_000, 2_000, True)}, {"email": addresses})
    sample = [
        {"email": a, "notes": f"Customer also uses other{n}@yahoo.com." if n % 10 == 0 else ""}
        for n, a in enumerate(addresses[:100])
    ]
    from leakhound.count.summary import summarise_sample

    _, found = summarise_sample(sample, key=b"k" * 32)
    across = AcrossStores(b"k" * 32)
    acc = Access(probe, SERVICE, SERVICE, None)  # type: ignore[arg-type]
    store, _, _ = _by_container(acc, [(CUSTOMERS, 100)], [found], across)
    other = Access(_Counting(NetError("no")), SERVICE, SERVICE, None)  # type: ignore[arg-type]
    other_store = dataclasses.replace(SERVICE, endpoint=Endpoint("127.0.0.2", 9200))
    other = Access(other.probe, other_store, other_store, None)  # type: ignore[arg-type]
    _by_container(other, [(CASES, 100)], [{"EMAIL_ADDRESS": _sampled()}], across)
    assert store.method == "store-list" and not store.exact
    (pooled,) = across.counts()
    assert pooled.basis and "the samples of the 2 stores pooled" in pooled.basis
    assert len(pooled.endpoints) == 2
    assert pooled.distinct.lower >= store.low  # never under the store's own figure


def test_a_refused_count_falls_back_to_the_sample_and_says_why() -> None:
    probe = _Counting(NetError("its cardinality count was refused: HTTP 403"))
    people = _count(probe)
    assert people.method == "sample"
    assert (
        "the store's own count failed: its cardinality count was refused: HTTP 403" in people.basis
    )
    # 90 addresses each seen once in 1% of the records: likely 90 x 100, and a range that
    # says how unsure that is (each might recur in the records not read).
    assert people.value == 9_000
    assert people.high is not None and 90 < people.low < people.value < people.high
    assert "likely between" in people.basis


def test_a_store_whose_count_is_an_estimate_is_not_read_whole() -> None:
    """Files whose records a sample extrapolated may hold far more than they say: their
    people are estimated, never read whole on the strength of the estimate."""
    probe = _Counting({"customer.email": Distinct(7_000, 6_965, 7_035, False)})
    guessed = Container("bucket/exports/", 10_000, None, fields=CASES.fields, docs_exact=False)
    acc = Access(probe, SERVICE, SERVICE, None)  # type: ignore[arg-type]
    people = asyncio.run(
        count_people(
            acc,
            [(guessed, 100)],
            [{"EMAIL_ADDRESS": _sampled()}],
            ScanOptions(people_read=1_000_000),
            Workers(0),
            b"k" * 32,
        )
    )
    assert people.method == "store-count"  # the reader (which needs a transport) never ran


def test_a_copy_of_a_table_adds_no_people() -> None:
    """A materialized view of the cases holds their people again: the store's people, from
    its samples, are those of the cases alone."""
    import dataclasses

    view = dataclasses.replace(CASES, name="cases_by_city", derived="materialized view")

    def count(containers: list[Container]) -> Any:
        probe = _Counting(NetError("its cardinality count was refused: HTTP 403"))
        acc = Access(probe, SERVICE, SERVICE, None)  # type: ignore[arg-type]
        return asyncio.run(
            count_people(
                acc,
                [(c, 100) for c in containers],
                [{"EMAIL_ADDRESS": _sampled()} for _ in containers],
                ScanOptions(people_read=0),
                Workers(0),
                b"k" * 32,
            )
        )

    alone, beside = count([CASES]), count([CASES, view])
    assert (beside.value, beside.low, beside.high) == (alone.value, alone.low, alone.high)


def test_each_containers_people_are_counted_as_the_stores_are() -> None:
    # Two containers sampled: 2019's 100 records of 1,132 saw 80 addresses once each and 10
    # twice; the payroll's 200 records were all read. Each container's own sample, never
    # the store's merged one, and never above the store's count.
    cases, payroll = Container("cases-2019", 1132, None), Container("payroll", 200, None)
    ids, staff = _cases_and_staff(per_record=2)
    acc = Access(_Counting(NetError("no")), SERVICE, SERVICE, None)  # type: ignore[arg-type]
    store, each, _ = _by_container(
        acc,
        [(cases, 100), (payroll, 200)],
        [{"EMAIL_ADDRESS": ids}, {"EMAIL_ADDRESS": staff}],
    )
    assert store is not None
    two019, pay = each
    assert pay is not None and (pay.value, pay.exact) == (200, True)
    assert two019 is not None and two019.method == "sample" and not two019.exact
    assert two019.high is not None and 90 <= two019.low < two019.value < two019.high
    assert two019.value <= min(store.value, 1132 * 2)
    assert "likely between" in two019.basis and "at its own rate" not in two019.basis
    # The store's estimate keeps each container at its own rate: the payroll, read whole,
    # adds its 200 and no extrapolation; the cases' 100 of 1,132 extrapolate as 2019's do.
    assert (store.low, store.high) == (two019.low + 200, two019.high + 200)
    assert two019.value + 200 <= store.value < store.high
    assert "each of 2 containers at its own rate" in store.basis


def test_a_containers_people_are_exact_where_the_store_was_read_whole() -> None:
    store = PeopleCount("EMAIL_ADDRESS", 3543, 3543, 3543, True, "read", "read", ("email",))
    cases = Container("cases", 10_000, None)
    read = {"cases": {n.to_bytes(4, "big") for n in range(3433)}}
    got = _container_people(store, cases, 100, None, read)
    assert got is not None and (got.value, got.exact, got.method) == (3433, True, "read")
    assert _container_people(store, Container("empty", 0, None), 0, None, read) is None


def _digests(values: Sequence[str]) -> list[bytes]:
    return identifier_digests(
        [{"email": v} for v in values],
        entity_type="EMAIL_ADDRESS",
        field_types=None,
        min_score=0.5,
        key=b"k" * 32,
    )


def test_people_of_stores_read_whole_are_counted_once_across_them() -> None:
    across = AcrossStores(b"k" * 32)
    assert across.counts() == ()
    # A database and its backup hold the same 300 customers; a cache 50 of them and 20 more.
    customers = [f"customer{n}@gmail.com" for n in range(300)]
    across.add("10.0.0.1:5432", "EMAIL_ADDRESS", _digests(customers))
    across.add("10.0.0.2:9000", "EMAIL_ADDRESS", _digests(customers))
    cache = customers[:50] + [f"visitor{n}@gmail.com" for n in range(20)]
    across.add("10.0.0.3:6379", "EMAIL_ADDRESS", _digests(cache))
    across.add("10.0.0.3:6379", "PHONE_NUMBER", [b"p" * 16])
    (emails, phones) = across.counts()
    assert (emails.entity_type, emails.distinct) == ("EMAIL_ADDRESS", Distinct(320, 320, 320, True))
    assert emails.endpoints == ("10.0.0.1:5432", "10.0.0.2:9000", "10.0.0.3:6379")
    assert (phones.entity_type, phones.distinct.estimate, phones.endpoints) == (
        "PHONE_NUMBER",
        1,
        ("10.0.0.3:6379",),
    )
    across.close()


def test_only_a_store_counted_exactly_joins_the_count_across_stores() -> None:
    values = {"customer.email": [f"customer{n}@gmail.com" for n in range(300)]}
    listed = _Counting({"customer.email": Distinct(300, 300, 300, True)}, values)
    estimated = _Counting({"customer.email": Distinct(7_000, 6_965, 7_035, False)})
    across = AcrossStores(b"k" * 32)
    for probe in (listed, estimated):
        acc = Access(probe, SERVICE, SERVICE, None)  # type: ignore[arg-type]
        ids = SampledIdentifiers("EMAIL_ADDRESS", records=100, per_record=1)
        (d,) = _digests(["customer1@gmail.com"])
        ids.docs[d] += 1
        ids.fields["customer.email"] = {d}
        people, _, _ = _by_container(
            acc,
            [(CASES, 100)],
            [{"EMAIL_ADDRESS": ids}],
            across,
        )
        assert people is not None
    # the listed store (exact) is in; the one the store only counted (an estimate) is not
    (emails,) = across.counts()
    assert (emails.distinct.estimate, emails.endpoints) == (300, ("127.0.0.1:9200",))
    across.close()


def test_a_store_read_in_full_joins_the_count_with_its_counter() -> None:
    across = AcrossStores(b"k" * 32)
    customers = [f"customer{n}@gmail.com" for n in range(300)]
    across.add("10.0.0.1:5432", "EMAIL_ADDRESS", _digests(customers))
    with DistinctCounter(b"k" * 32) as full:  # a full read's tally of a bucket's files
        for v in customers[100:] + [f"visitor{n}@gmail.com" for n in range(40)]:
            full.add("EMAIL_ADDRESS", v)
        full.add("PHONE_NUMBER", "+49 30 1234567")
        across.add_counted("10.0.0.2:9000", "EMAIL_ADDRESS", full)
    (emails,) = across.counts()  # only the type the store's people are counted in
    assert emails.distinct == Distinct(340, 340, 340, True)
    assert emails.endpoints == ("10.0.0.1:5432", "10.0.0.2:9000")
    across.close()


def test_stores_each_estimated_from_its_sample_are_estimated_once_across_them() -> None:
    # A database and its cache hold the same customers; neither is read whole (--people-read
    # 0), so each is estimated from its sample of 100 records of 10,000. Added, the two
    # figures count every customer twice (the lab's six stores: 22,200 of 3,543); pooled, a
    # customer seen in both samples is one person.
    across = AcrossStores(b"k" * 32)
    alone = []
    for n, (host, first) in enumerate((("10.0.0.1", 0), ("10.0.0.2", 30))):
        ep = Endpoint(host, 5432)
        svc = Service(ep, f"http://{host}:5432", "elasticsearch", Verdict.OPEN)
        acc = Access(_Counting(NetError("no")), svc, svc, None)  # type: ignore[arg-type]
        ids = SampledIdentifiers("EMAIL_ADDRESS", records=100, per_record=1)
        # 90 customers of the same 150: 80 once, 10 twice; the two samples share 60
        ids.docs = Counter(
            {
                d: 1 + (i < 10)
                for i, d in enumerate(
                    _digests([f"customer{c}@gmail.com" for c in range(first, first + 90)])
                )
            }
        )
        ids.fields = {"customer.email": set(ids.docs)}
        people, _, _ = _by_container(
            acc,
            [(CASES, 100)],
            [{"EMAIL_ADDRESS": ids}],
            across,
            ["spread"],
        )
        assert people is not None and people.method == "sample" and n in (0, 1)
        alone.append(people)
    (pooled,) = across.counts()
    assert pooled.endpoints == ("10.0.0.1:5432", "10.0.0.2:5432")
    assert pooled.basis is not None
    assert "the samples of the 2 stores pooled" in pooled.basis
    assert "120 distinct in 200 sampled records of 20,000" in pooled.basis
    d = pooled.distinct
    assert not d.exact and 120 <= d.lower < d.estimate < d.upper
    # one person a customer in both: fewer than the two figures added
    assert d.estimate < sum(p.value for p in alone)
    across.close()
    # one store alone keeps its own figure: nothing pooled
    one = AcrossStores(b"k" * 32)
    ids = SampledIdentifiers("EMAIL_ADDRESS", records=100, per_record=1)
    ids.docs = Counter(dict.fromkeys(_digests(["a@gmail.com", "b@gmail.com"]), 1))
    acc = Access(_Counting(NetError("no")), SERVICE, SERVICE, None)  # type: ignore[arg-type]
    _by_container(
        acc,
        [(CASES, 100)],
        [{"EMAIL_ADDRESS": ids}],
        one,
    )
    assert one.counts() == ()


@pytest.mark.parametrize(
    ("drawn", "payroll", "says"),
    [
        pytest.param([None, None], 400, "the first a store returns are taken as such", id="first"),
        pytest.param(["spread", "spread"], 400, "they were drawn at random over each", id="spread"),
        pytest.param([None, "spread"], 400, "some containers' were drawn over all", id="mixed"),
        pytest.param(["spread", "runs"], 400, "they are runs of neighbouring", id="spread-runs"),
        # the payroll, read whole by its sample, was drawn neither way
        pytest.param(["runs", None], 200, "they are runs of neighbouring", id="one-read-whole"),
    ],
)
def test_the_basis_says_how_the_samples_were_drawn(
    drawn: list[str | None], payroll: int, says: str
) -> None:
    cases = Container("cases", 10_000, None)
    ids, staff = _cases_and_staff(per_record=1)
    acc = Access(_Counting(NetError("no")), SERVICE, SERVICE, None)  # type: ignore[arg-type]
    store, (each, _), _ = _by_container(
        acc,
        [(cases, 100), (Container("payroll", payroll, None), 200)],
        [{"EMAIL_ADDRESS": ids}, {"EMAIL_ADDRESS": staff}],
        drawn=drawn,
    )
    assert store is not None and f"if the records sampled are like the rest ({says}" in store.basis
    assert each is not None
    own = "the first a store returns" if drawn[0] is None else "drawn at random"
    if drawn[0] == "runs":
        own = "runs of neighbouring records"
    assert own in each.basis


def test_records_read_whole_are_dated_by_their_main_date_else_the_name_dating_most() -> None:
    found = {
        "updated_at": Counter({2021: 90, 2022: 10}),
        "created_at": Counter({2019: 60}),
        "date": Counter({2018: 60}),
    }
    # The inventory's own date field, whatever else dated more records.
    own = Dated.of(Container("cases", 100, None, date_field="created_at"), found)
    assert own == Dated((YearCount(2019, 60),), None)
    # None named: the field that dated the most records; of two alike, the more telling name.
    assert Dated.of(Container("case:*", 100, None), found) == Dated(
        (YearCount(2021, 90), YearCount(2022, 10)), "updated_at"
    )
    del found["updated_at"]
    assert Dated.of(Container("case:*", 100, None), found).date_field == "created_at"
    assert Dated.of(Container("case:*", 100, None), {}) == Dated((), None)


def test_a_store_read_whole_dates_each_record_once_even_when_a_partition_restarts() -> None:
    # A Redis pattern (no date field named): the page's records dated by created_at in a
    # worker (the partial pickles), a partition read again from its start counted once.
    import pickle

    from leakhound.probes.base import ReadPlan
    from leakhound.scanner.people import _Digests

    sink = _Digests("EMAIL_ADDRESS", b"k" * 32, 0.5, lambda c: {})
    keys = Container("case:*", 3, None)
    plan = ReadPlan("case:*", 2, "scan")
    page = [
        {"created_at": "2019-01-02", "email": "jane.doe@gmail.com"},
        {"created_at": "2020-01-02", "email": "max@web.de"},
    ]
    work = pickle.loads(pickle.dumps(sink.work(keys)))
    sink.start(keys, plan, [0, 1])
    sink.page(keys, plan, 0, work(page), 2, None)
    sink.page(keys, plan, 1, work([{"created_at": "2020-05-05"}]), 1, None)
    sink.start(keys, plan, [0])  # partition 0's position expired: read again
    sink.page(keys, plan, 0, work(page), 2, None)
    assert sink.records == 3 and len(sink.seen) == 2
    assert Dated.of(keys, sink.years["case:*"]) == Dated(
        (YearCount(2019, 1), YearCount(2020, 2)), "created_at"
    )


def test_a_store_and_its_copy_sampled_alike_are_not_estimated_as_one_sample() -> None:
    # A database and its replica (or its backup restored elsewhere) at two addresses: every
    # sample is drawn from a fixed seed (``probes/sampling.py``), so both samples are the same
    # 100 records of the same 10,000, each of its own customer. Pooled as independent samples,
    # every customer sampled was "seen twice" and the estimate was the 100 seen (100-298)
    # where 10,000 are there: the replica's sample is pooled once.
    # A copy that changed since (85 of its 100 sampled records the same) is pooled, and the
    # stores together are never estimated under either alone, which holds 10,000.
    for shared, says in (
        (100, "10.0.0.2:5432's sample is 10.0.0.1:5432's, pooled once"),
        (85, "no fewer than the largest store alone"),
    ):
        across = AcrossStores(b"k" * 32)
        alone = []
        for host, first in (("10.0.0.1", 0), ("10.0.0.2", 100 - shared)):
            digests = _digests([f"customer{c}@gmail.com" for c in range(first, first + 100)])
            ep = Endpoint(host, 5432)
            svc = Service(ep, f"http://{host}:5432", "elasticsearch", Verdict.OPEN)
            acc = Access(_Counting(NetError("no")), svc, svc, None)  # type: ignore[arg-type]
            ids = SampledIdentifiers("EMAIL_ADDRESS", records=100, per_record=1)
            ids.docs = Counter(dict.fromkeys(digests, 1))
            ids.fields = {"customer.email": set(ids.docs)}
            people, _, _ = _by_container(
                acc,
                [(CASES, 100)],
                [{"EMAIL_ADDRESS": ids}],
                across,
                ["spread"],
            )
            assert people is not None and people.low <= 10_000 <= people.high
            alone.append(people)
        (pooled,) = across.counts()
        d = pooled.distinct
        assert d.lower <= 10_000 <= d.upper, (shared, d)
        assert d.estimate >= max(p.value for p in alone)
        assert pooled.basis is not None and says in pooled.basis
        across.close()


def test_a_copy_sampled_at_the_same_places_is_pooled_once_beside_other_stores() -> None:
    # A database, its replica (the same 100 of 10,000 records sampled: the same seed) and a
    # second database of 10,000 other customers: 20,000 people. Pooled as three samples
    # drawn apart, the first two made each of theirs "seen twice", and the range stopped at
    # 12,278; the replica's sample, the same as the database's, is pooled once.
    across = AcrossStores(b"k" * 32)
    first = _digests([f"customer{c}@gmail.com" for c in range(100)])
    other = _digests([f"client{c}@yahoo.com" for c in range(100)])
    for host, digests in (("10.0.0.1", first), ("10.0.0.2", first), ("10.0.0.3", other)):
        ep = Endpoint(host, 5432)
        svc = Service(ep, f"http://{host}:5432", "elasticsearch", Verdict.OPEN)
        acc = Access(_Counting(NetError("no")), svc, svc, None)  # type: ignore[arg-type]
        ids = SampledIdentifiers("EMAIL_ADDRESS", records=100, per_record=1)
        ids.docs = Counter(dict.fromkeys(digests, 1))
        ids.fields = {"customer.email": set(ids.docs)}
        _by_container(
            acc,
            [(CASES, 100)],
            [{"EMAIL_ADDRESS": ids}],
            across,
            ["spread"],
        )
    (pooled,) = across.counts()
    d = pooled.distinct
    assert d.lower <= 20_000 <= d.upper, d
    assert pooled.endpoints == ("10.0.0.1:5432", "10.0.0.2:5432", "10.0.0.3:5432")
    assert pooled.basis is not None
    assert "10.0.0.2:5432's sample is 10.0.0.1:5432's, pooled once" in pooled.basis
    across.close()


def _sampled_store(people: range, sampled: int, seed: int) -> Pooled:
    """A store holding three records of each of ``people``, ``sampled`` of them drawn at
    random, with its own estimate from that sample."""
    records = [p for p in people for _ in range(3)]
    drawn = random.Random(seed).sample(records, sampled)
    ids = SampledIdentifiers("EMAIL_ADDRESS", records=sampled, per_record=1)
    ids.docs = Counter(f"customer{p}".encode() for p in drawn)
    stratum = Stratum(ids.docs, sampled, len(records))
    own = from_sample(ids, len(records), strata=[stratum], drawn="spread")
    return Pooled(ids, (stratum,), len(records), "spread", own)


@pytest.mark.parametrize(
    ("stores", "truth"),
    [
        # four stores of the same 3,000 customers, each sampled at places of its own
        pytest.param([range(3_000)] * 4, 3_000, id="same-people"),
        pytest.param([range(0, 3_000), range(3_000, 6_000)], 6_000, id="other-people"),
        pytest.param([range(0, 3_000), range(1_500, 4_500)], 4_500, id="half-shared"),
    ],
)
def test_stores_pooled_count_the_people_they_share_once_and_add_the_rest(
    stores: list[range], truth: int
) -> None:
    # The middle of the pooled range stood between Chao's count of the unseen and every
    # identifier seen once standing for all the records unread: four stores of the same
    # people, each sampled thinly, were estimated at twice each one's own figure. Each store's
    # own figure now adds the share of its people the stores before it do not hold.
    across = AcrossStores(b"k" * 32)
    alone = []
    for n, people in enumerate(stores):
        pooled = _sampled_store(people, 600, seed=n)
        alone.append(pooled.own.value)
        across.add_sampled(f"10.0.0.{n}:5432", pooled)
    (found,) = across.counts()
    d = found.distinct
    assert d.lower <= truth <= d.upper, d
    largest, shared = max(alone), len(set().union(*map(set, stores))) < sum(map(len, stores))
    if len(set(stores)) == 1:  # the same people: the largest store's own figure
        assert d.estimate == largest, (d, alone)
    elif not shared:  # nobody shared: the stores' figures added
        assert d.estimate == pytest.approx(sum(alone), rel=0.02), (d, alone)
    else:  # half shared: between the largest and the sum, near the largest plus half the other
        other = min(alone)
        assert largest + 0.3 * other <= d.estimate <= largest + 0.7 * other, (d, alone)
    assert found.basis is not None and "the largest store's own estimate" in found.basis
    across.close()


def test_stores_sampled_too_thinly_to_share_anyone_are_not_added_whole() -> None:
    # Two stores of the same 30,000 customers, three records each, 100 of 90,000 records
    # sampled in each: were every customer in both, the samples would share about 0.1 of
    # their identifiers, so sharing none tells nothing. Read as "0% held before", the second
    # store was added whole: 180,000, the sum of both own estimates, as for strangers.
    across = AcrossStores(b"k" * 32)
    alone = []
    for n in range(2):
        ids = SampledIdentifiers("EMAIL_ADDRESS", records=100, per_record=1)
        ids.docs = Counter(f"customer{n * 100 + c}".encode() for c in range(100))
        stratum = Stratum(ids.docs, 100, 90_000)
        own = from_sample(ids, 90_000, strata=[stratum], drawn="spread")
        alone.append(own.value)
        across.add_sampled(f"10.0.0.{n}:5432", Pooled(ids, (stratum,), 90_000, "spread", own))
    (found,) = across.counts()
    d, (first, second) = found.distinct, alone
    assert d.lower <= 30_000 <= d.upper, d
    # the middle, on a log scale, of the second store adding none and adding all
    assert d.estimate == pytest.approx(math.sqrt(first * (first + second)), rel=0.01), (d, alone)
    assert found.basis is not None and "share untold" in found.basis
    assert "0% held before" not in found.basis and "about 0.1 would be" in found.basis
    across.close()


def test_the_basis_of_many_stores_pooled_names_a_few_steps_and_sums_the_rest() -> None:
    # Twelve stores pooled: each step named ("+ 0 of 5,121 (100% held before)") made the
    # basis grow by a step a store, repeated in the terminal, the assessment and the drafts.
    across = AcrossStores(b"k" * 32)
    for n in range(12):
        across.add_sampled(f"10.0.0.{n}:5432", _sampled_store(range(3_000), 600, seed=n))
    (found,) = across.counts()
    assert found.basis is not None
    steps = found.basis.split("their samples saw): + ", 1)[1].split(", within", 1)[0]
    assert steps.count(" + ") == STEPS_SHOWN, steps  # the first few, then one for the rest
    assert f"of the {12 - 1 - STEPS_SHOWN} others'" in steps, steps
    across.close()


def test_a_store_whose_sample_saw_nobody_has_its_share_untold() -> None:
    # A store whose own figure came with no identifier in its sample (its values listed, say)
    # shares nobody with the others' samples because it has nobody to share: "0% held
    # before" read a share nobody measured, and its 500 were added whole.
    across = AcrossStores(b"k" * 32)
    counted = _sampled_store(range(3_000), 600, seed=1)
    across.add_sampled("10.0.0.1:5432", counted)
    nobody = SampledIdentifiers("EMAIL_ADDRESS", records=100, per_record=1)
    own = Estimate(500, 500, 500, "listed")
    across.add_sampled("10.0.0.2:5432", Pooled(nobody, (), 1_000, "spread", own))
    (found,) = across.counts()
    first = counted.own.value
    assert found.distinct.estimate == round(math.sqrt(first * (first + 500))), found.distinct
    assert found.basis is not None and "of 500 (share untold)" in found.basis, found.basis
    across.close()


def test_stores_of_equal_figures_are_pooled_in_the_same_order_whichever_finished_first() -> None:
    # Stores of equal figures were taken in the order the scan finished them, and the share
    # each adds depends on the stores before it: the same three stores gave 5,432, 6,139 or
    # 6,736 people by which answered first.
    first = _sampled_store(range(0, 3_000), 3_000, seed=1)
    second = _sampled_store(range(1_000, 4_000), 3_000, seed=2)._replace(own=first.own)
    third = _sampled_store(range(2_500, 5_500), 1_000, seed=3)._replace(own=first.own)
    stores = [("10.0.0.1:5432", first), ("10.0.0.2:5432", second), ("10.0.0.3:5432", third)]
    said = set()
    for finished in itertools.permutations(stores):
        across = AcrossStores(b"k" * 32)
        for endpoint, pooled in finished:
            across.add_sampled(endpoint, pooled)
        (found,) = across.counts()
        said.add((found.distinct, found.basis))
        across.close()
    assert len(said) == 1, said


def test_a_listing_past_its_time_stops_and_the_stores_own_count_stands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A server paging a column no index orders reads it whole for each page: past the
    # listing's time, its counts stand (an estimate), and the basis says why.
    monkeypatch.setattr("leakhound.scanner.people.LIST_SECONDS", 0.0)
    addresses = [f"customer{n}@gmail.com" for n in range(2_000)]
    probe = _PgCounting({"email": Distinct(2_000, 2_000, 2_000, True)}, {"email": addresses})
    sample = [{"email": a, "notes": "", "id": n} for n, a in enumerate(addresses[:100])]
    people = _pg_people(sample, probe)
    assert probe.listed == ["email"]
    assert people.method == "store-count" and not people.exact
    assert "listing the values failed: still listing after 0 s" in people.basis


class _MyCounting(MysqlProbe):
    """MySQL's count and list of a text column's values, as ``_Counting`` fakes them."""

    __init__ = _Counting.__init__
    count_distinct = _Counting.count_distinct
    distinct_values = _Counting.distinct_values


MY_CUSTOMERS = Container(
    "crm.customers",
    3_000_000,
    None,
    fields=(FieldInfo("email", "varchar"), FieldInfo("notes", "text")),
    details={"database": "crm", "table": "customers", "engine": "InnoDB"},
)


def _my_people(sample: list[dict[str, Any]], probe: _MyCounting) -> Any:
    """The people of a large MySQL table of which ``sample`` was sampled (100 records)."""
    from leakhound.count.summary import summarise_sample

    _, found = summarise_sample(sample, key=b"k" * 32)
    acc = Access(probe, SERVICE, SERVICE, None)  # type: ignore[arg-type]
    return asyncio.run(
        count_people(
            acc, [(MY_CUSTOMERS, 100)], [found], ScanOptions(people_read=0), Workers(0), b"k" * 32
        )
    )


_HUNDRED = [{"email": f"Customer{n}@Gmail.com", "notes": ""} for n in range(100)]


@pytest.mark.parametrize("probe_class", [_MyCounting, _PgCounting], ids=["mysql", "postgresql"])
def test_case_variants_counted_apart_by_the_server_never_raise_the_lower_end(
    probe_class: type[_MyCounting],
) -> None:
    # Two tables too many to list: 1,500,000 values as stored in the larger, which letter
    # case folded are 600,000 addresses ("Jane@x.com", "jane@x.com", "JANE@x.com"…). The
    # largest table's count as stored was the lower end: 1,500,000 people, 2.5 times the
    # most the store can hold in that table alone.
    probe = probe_class(
        {"email": StoreDistinct(2_000_000, 1_500_000, 2_000_000, False, folded=600_000)}
    )
    people = _my_people(_HUNDRED, probe) if probe_class is _MyCounting else None
    if people is None:
        people = _pg_people([{**r, "id": n} for n, r in enumerate(_HUNDRED)], probe)
    assert people.method == "store-count"
    assert people.low == 600_000
    assert people.low <= people.value <= (people.high or 0)
    assert "letter case folded" in people.basis and "are two values and one address" in people.basis


_VARIANTS = [
    {"email": f"Customer{n % 50}@Gmail.com" if n < 50 else f"customer{n % 50}@gmail.com"}
    for n in range(100)
]


@pytest.mark.parametrize("probe_class", [_MyCounting, _PgCounting], ids=["mysql", "postgresql"])
def test_case_variants_the_sample_read_are_said_beside_the_servers_count_as_stored(
    probe_class: type[_MyCounting],
) -> None:
    # The sample read 100 values as stored, 50 addresses: the 2,000,000 values as stored may
    # count a person twice, which the basis says; the server's folded count (600,000) stays
    # the lower end, the count the figure and the upper end.
    probe = probe_class(
        {"email": StoreDistinct(2_000_000, 1_500_000, 2_000_000, False, folded=600_000)}
    )
    sample = [{**r, "notes": "", "id": n} for n, r in enumerate(_VARIANTS)]
    people = (_my_people if probe_class is _MyCounting else _pg_people)(sample, probe)
    assert (people.value, people.low, people.high) == (2_000_000, 600_000, 2_000_000)
    assert "may count one person more than once" in people.basis
    assert "the 100 distinct values the sample read there are 50 identifiers" in people.basis


def test_a_sample_of_no_case_variants_leaves_the_servers_count_as_stored_the_figure() -> None:
    probe = _MyCounting(
        {"email": StoreDistinct(2_000_000, 1_500_000, 2_000_000, False, folded=600_000)}
    )
    people = _my_people(_HUNDRED, probe)
    assert (people.value, people.low) == (2_000_000, 600_000)
    assert (
        "the 100 distinct values the sample read there are as many identifiers, no variants"
        in people.basis
    )


def test_without_a_folded_count_the_lower_end_is_the_identifiers_the_sample_read() -> None:
    # A server count as stored alone bounds nothing below: the 100 addresses the sample read
    # in the column are the people the store surely holds.
    probe = _MyCounting({"email": StoreDistinct(2_000_000, 1_500_000, 2_000_000, False)})
    people = _my_people(_HUNDRED, probe)
    assert people.method == "store-count"
    assert people.low == 100
    assert "the distinct identifiers the sample read in them" in people.basis


def test_values_the_servers_conversion_merged_make_the_listing_a_lower_end() -> None:
    # 2,000 addresses listed, but the column holds 2,003 values byte for byte: bytes an
    # ``ascii`` column cannot map came back as "?" (MariaDB 10.11: X'6a81…' and X'6a83…'
    # both "j?@x.com"), merging values in the count and the listing alike.
    addresses = [f"customer{n}@gmail.com" for n in range(2_000)]
    probe = _MyCounting(
        {"email": StoreDistinct(2_000, 2_000, 2_003, False, folded=2_000, as_bytes=2_003)},
        {"email": addresses},
    )
    sample = [{"email": a, "notes": ""} for a in addresses[:100]]
    people = _my_people(sample, probe)
    assert probe.listed == ["email"] and people.method == "store-list"
    assert (people.value, people.low, people.high, people.exact) == (2_000, 2_000, 2_003, False)
    assert "3 more distinct values byte for byte" in people.basis


def test_a_listing_nothing_merged_stays_exact() -> None:
    addresses = [f"customer{n}@gmail.com" for n in range(2_000)]
    probe = _MyCounting(
        {"email": StoreDistinct(2_000, 2_000, 2_000, True, folded=2_000, as_bytes=2_000)},
        {"email": addresses},
    )
    people = _my_people([{"email": a, "notes": ""} for a in addresses[:100]], probe)
    assert (people.value, people.low, people.high, people.exact) == (2_000, 2_000, 2_000, True)
