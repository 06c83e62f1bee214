"""The held-out corpus: labels point at their text, records are JSON, same by seed."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import phonenumbers
import pytest
from heldout import EMAIL_VARIANTS, LOCALES, PHONE_FORMS, SHAPES, TYPES, Record, records
from stdnum import iban

N = 140


@pytest.fixture(scope="module")
def corpus() -> list[Record]:
    return list(records(N, seed=3))


def _value(doc: object, path: str) -> str:
    node = doc
    for part in path.split("."):
        key, _, index = part.partition("[")
        node = node[key]  # type: ignore[index]
        if index:
            node = node[int(index[:-1])]  # type: ignore[index]
    assert isinstance(node, str)
    return node


def test_the_same_seed_gives_the_same_records(corpus: list[Record]) -> None:
    assert list(records(N, seed=3)) == corpus
    assert list(records(N, seed=4)) != corpus


def test_every_label_points_at_its_text(corpus: list[Record]) -> None:
    for r in corpus:
        json.dumps(r.doc)  # a JSON document
        for lab in (*r.labels, *r.negatives):
            assert _value(r.doc, lab.path)[lab.start : lab.end] == lab.text, lab
            assert lab.type in TYPES or lab.type == "NONE"


def test_labels_do_not_overlap(corpus: list[Record]) -> None:
    for r in corpus:
        by_path = sorted((lab.path, lab.start, lab.end) for lab in (*r.labels, *r.negatives))
        for a, b in itertools.pairwise(by_path):
            assert a[0] != b[0] or a[2] <= b[1], (a, b)


def test_every_locale_shape_type_and_variant_is_present(corpus: list[Record]) -> None:
    assert Counter(r.locale for r in corpus) == {loc: N // len(LOCALES) for loc in LOCALES}
    assert {r.shape for r in corpus} == set(SHAPES)
    labels = [lab for r in corpus for lab in r.labels]
    assert {lab.type for lab in labels} == set(TYPES)
    assert {lab.variant for lab in labels if lab.type == "EMAIL_ADDRESS"} == set(EMAIL_VARIANTS)
    forms = {lab.variant.split(":")[0] for lab in labels if lab.type == "PHONE_NUMBER"}
    assert set(PHONE_FORMS) <= forms


def test_phone_labels_are_valid_numbers_of_their_country(corpus: list[Record]) -> None:
    for r in corpus:
        for lab in r.labels:
            if lab.type != "PHONE_NUMBER":
                continue
            digits = "".join(c for c in lab.text if c.isdigit())
            if lab.text.startswith("+"):
                number = phonenumbers.parse("+" + digits)
            elif digits.startswith("00"):
                number = phonenumbers.parse("+" + digits[2:])
            else:
                number = phonenumbers.parse(lab.text, r.locale[-2:])
            assert phonenumbers.is_valid_number(number), lab
            assert phonenumbers.region_code_for_number(number) == r.locale[-2:] or (
                phonenumbers.region_code_for_number(number) in ("CA", "GG", "JE", "IM")
            ), lab


def test_ibans_are_valid(corpus: list[Record]) -> None:
    for lab in (lab for r in corpus for lab in r.labels if lab.type == "IBAN_CODE"):
        assert iban.is_valid(lab.text), lab
