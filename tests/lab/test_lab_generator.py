"""The seeder's generator and truth, with no server: deterministic, and true to the text."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter

import orjson
import pytest

from leakhound.lab import LabError, SeedTruth
from leakhound.lab.seeder import (
    EMAIL_FORMS,
    PAYROLL_INDEX,
    RANSOM_INDEX,
    SUPPORT_PREFIX,
    YEARS,
    Dataset,
    generate,
    index_bodies,
    tally,
)

RECORDS = 2_000


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    """One generated data set shared by the tests of this module."""
    return generate(RECORDS, seed=3)


def digest(data: Dataset) -> str:
    """A hash of every document, in order."""
    h = hashlib.sha256()
    for doc in data.docs:
        h.update(orjson.dumps([doc.index, doc.id, doc.source], option=orjson.OPT_SORT_KEYS))
    return h.hexdigest()


def test_same_seed_gives_the_same_documents(dataset: Dataset) -> None:
    assert digest(generate(RECORDS, seed=3)) == digest(dataset)


def test_same_seed_gives_the_same_documents_in_another_process(dataset: Dataset) -> None:
    # Set iteration order depends on PYTHONHASHSEED: the data must not.
    code = (
        "import hashlib, orjson; from leakhound.lab.seeder import generate\n"
        f"d = generate({RECORDS}, seed=3); h = hashlib.sha256()\n"
        "for x in d.docs: h.update(orjson.dumps([x.index, x.id, x.source], "
        "option=orjson.OPT_SORT_KEYS))\n"
        "print(h.hexdigest())"
    )
    env = {"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.strip() == digest(dataset)


def test_another_seed_gives_other_documents(dataset: Dataset) -> None:
    assert digest(generate(RECORDS, seed=4)) != digest(dataset)


def test_record_count_is_the_number_of_support_cases(dataset: Dataset) -> None:
    cases = [d for d in dataset.docs if d.index.startswith(SUPPORT_PREFIX)]
    assert len(cases) == RECORDS
    assert len({d.id for d in cases}) == RECORDS


def test_customers_recur_and_are_counted_by_email(dataset: Dataset) -> None:
    truth = tally(dataset, RECORDS, 3)
    emails = Counter(d.source["customer"]["email"] for d in dataset.docs
                     if d.index.startswith(SUPPORT_PREFIX))  # fmt: skip
    assert truth.distinct_customers == len(emails)
    assert 1 < truth.distinct_customers < RECORDS
    assert max(emails.values()) > 1  # some customers write many times
    per_index = sum(t.distinct_customers for t in truth.indices.values())
    assert per_index >= truth.distinct_customers  # a customer may appear in several years


def test_index_set_is_modest_and_known_up_front(dataset: Dataset) -> None:
    names = set(dataset.indices)
    assert names == set(index_bodies(3))
    assert len(names) < 20
    assert {f"{SUPPORT_PREFIX}{y}" for y in YEARS} <= names
    assert {PAYROLL_INDEX, RANSOM_INDEX} <= names
    assert sum(n.endswith("-meow") for n in names) == 1


def test_dates_are_spread_over_2005_to_2019_and_match_their_index(dataset: Dataset) -> None:
    truth = tally(dataset, RECORDS, 3)
    for doc in dataset.docs:
        if doc.index.startswith(SUPPORT_PREFIX):
            assert doc.source["created_at"][:4] == doc.index.removeprefix(SUPPORT_PREFIX)
    first = truth.indices[f"{SUPPORT_PREFIX}2005"]
    last = truth.indices[f"{SUPPORT_PREFIX}2019"]
    assert first.created_at_min is not None and first.created_at_min.startswith("2005-")
    assert last.created_at_max is not None and last.created_at_max.startswith("2019-")


def test_truth_of_description_matches_what_the_text_holds(dataset: Dataset) -> None:
    # Recount from the text itself, not from the generator's own marks.
    truth = tally(dataset, RECORDS, 3)
    found: Counter[tuple[str, str, str]] = Counter()
    forms: Counter[tuple[str, str]] = Counter()
    for doc in dataset.docs:
        if not doc.index.startswith(SUPPORT_PREFIX):
            continue
        text, customer = doc.source["description"], doc.source["customer"]
        local, domain = customer["email"].split("@")
        written = [f for f, render in EMAIL_FORMS.items() if render(local, domain) in text]
        assert len(written) <= 1  # one rendering per description, and none contains another
        if written:
            found[(doc.index, "EMAIL_ADDRESS", "description")] += 1
            forms[(doc.index, written[0])] += 1
        if customer["ip"] in text:
            found[(doc.index, "IP_ADDRESS", "description")] += 1
        if customer["name"] in text:
            found[(doc.index, "PERSON", "description")] += 1
    for name, t in truth.indices.items():
        if not name.startswith(SUPPORT_PREFIX):
            continue
        for kind in ("EMAIL_ADDRESS", "IP_ADDRESS", "PERSON"):
            assert t.pii.get(kind, {}).get("description", 0) == found[(name, kind, "description")]
        for form, n in t.email_forms.get("description", {}).items():
            assert forms[(name, form)] == n


def test_obfuscated_email_forms_are_all_present(dataset: Dataset) -> None:
    truth = tally(dataset, RECORDS, 3)
    seen: Counter[str] = Counter()
    for t in truth.indices.values():
        seen.update(t.email_forms.get("description", {}))
    assert set(seen) == set(EMAIL_FORMS)
    assert all(n > 0 for n in seen.values())


def test_space_for_dot_form_looks_like_the_example() -> None:
    assert EMAIL_FORMS["space-for-dot"]("jane", "contoso.com") == "jane @contoso com"
    assert EMAIL_FORMS["at-dot-words"]("jane", "contoso.com") == "jane at contoso dot com"
    assert EMAIL_FORMS["bracketed"]("jane", "contoso.com") == "jane[at]contoso[dot]com"


def test_payroll_carries_valid_ibans(dataset: Dataset) -> None:
    from stdnum import iban

    payroll = [d for d in dataset.docs if d.index == PAYROLL_INDEX]
    assert payroll and all(iban.is_valid(d.source["iban"]) for d in payroll)
    truth = tally(dataset, RECORDS, 3).indices[PAYROLL_INDEX]
    assert truth.pii["IBAN_CODE"] == {"iban": len(payroll)}
    assert truth.fields("PERSON") == ("name",)


def test_ransom_note_and_meow_index(dataset: Dataset) -> None:
    notes = [d for d in dataset.docs if d.index == RANSOM_INDEX]
    assert len(notes) == 1
    assert "BTC" in notes[0].source["message"]
    assert "to recover it" in notes[0].source["message"]
    meow = next(n for n in dataset.indices if n.endswith("-meow"))
    assert not [d for d in dataset.docs if d.index == meow]


def test_truth_round_trips_through_json(dataset: Dataset) -> None:
    truth = tally(dataset, RECORDS, 3, seconds=1.5)
    again = SeedTruth.from_json(json.loads(json.dumps(truth.to_json())))
    assert again == truth


def test_phone_numbers_are_valid_for_their_country(dataset: Dataset) -> None:
    import phonenumbers

    phones = [d.source["customer"]["phone"] for d in dataset.docs[:300] if "customer" in d.source]
    assert phones
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p)) for p in phones)


def test_zero_records_is_refused() -> None:
    with pytest.raises(LabError):
        generate(0)
