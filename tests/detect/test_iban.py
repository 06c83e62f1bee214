"""IBAN_CODE: country length and mod-97 checked; near misses left alone."""

from __future__ import annotations

import pytest

from .util import found, hits

IB = "IBAN_CODE"


@pytest.mark.parametrize(
    ("text", "iban"),
    [
        pytest.param(
            "IBAN DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00", id="de-grouped"
        ),
        pytest.param("GB82WEST12345698765432", "GB82WEST12345698765432", id="gb-compact"),
        pytest.param(
            "FR1420041010050500013M02606", "FR1420041010050500013M02606", id="fr-letter-in-bban"
        ),
        pytest.param("NL91ABNA0417164300.", "NL91ABNA0417164300", id="nl-sentence-end"),
        pytest.param("ES9121000418450200051332", "ES9121000418450200051332", id="es"),
        pytest.param("IT60X0542811101000000123456", "IT60X0542811101000000123456", id="it"),
        pytest.param(
            "DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX",
            "DE89 3704 0044 0532 0130 00",
            id="followed-by-bic",
        ),
    ],
)
def test_ibans_are_found(text: str, iban: str) -> None:
    result = hits(text, IB)
    assert [text[h.start : h.end] for h in result] == [iban]
    assert result[0].normalized == iban.replace(" ", "")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("DE89 3704 0044 0532 0130 01", id="check-digits-wrong"),
        pytest.param("DE89370400440532013", id="too-short-for-country"),
        pytest.param("XX89370400440532013000", id="unknown-country"),
        pytest.param("de89370400440532013000", id="lower-case"),
        pytest.param("ORDER12345678901234567", id="order-reference"),
        pytest.param("KB5034441 and 0x80070005", id="kb-and-hresult"),
    ],
)
def test_non_ibans_are_not_found(text: str) -> None:
    assert found(text, IB) == []


def test_masked_iban_keeps_only_the_country() -> None:
    (h,) = hits("IBAN DE89 3704 0044 0532 0130 00", IB)
    assert h.masked == "DE***"


_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_cached_validation_agrees_with_stdnum() -> None:
    import random

    from faker import Faker
    from stdnum import iban

    from leakhound.detect.iban import is_valid_iban

    rnd = random.Random(3)
    checked = valid = 0
    for locale in ("de_DE", "en_GB", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_PT", "pl_PL", "de_CH"):
        fake = Faker(locale)
        fake.seed_instance(1)
        for _ in range(150):
            value = fake.iban()
            if rnd.random() < 0.5:  # one character changed: check digits or structure break
                chars = list(value)
                chars[rnd.randrange(len(chars))] = rnd.choice(_ALNUM)
                value = "".join(chars)
            if rnd.random() < 0.1:
                value = value[:-1]
            expected = iban.is_valid(value)
            assert is_valid_iban(value) == expected, value
            checked += 1
            valid += expected
    assert valid > 400 and checked - valid > 300


def test_one_int_mod_97_agrees_with_stdnum() -> None:
    import random

    from stdnum.iso7064 import mod_97_10

    from leakhound.detect.iban import mod_97_valid

    rnd = random.Random(8)
    valid = 0
    for _ in range(20000):
        number = "".join(rnd.choice(_ALNUM + "0123456789" * 3) for _ in range(rnd.randint(1, 34)))
        if rnd.random() < 0.3:  # make the remainder 1 for a share of them
            rest = int(number.translate(str.maketrans({c: str(int(c, 36)) for c in _ALNUM})))
            number += f"{(1 - rest * 100) % 97:02d}"
        assert mod_97_valid(number) == mod_97_10.is_valid(number), number
        valid += mod_97_valid(number)
    assert valid > 3000
    for odd in ("", "٣٤AB", "ab12", "12 34", "DE89-3704"):
        assert mod_97_valid(odd) == mod_97_10.is_valid(odd)
