"""IBAN_CODE: country length, mod-97 and national checks; an unlisted bank scores lower;
near misses left alone."""

from __future__ import annotations

import pytest

from leakhound.detect import iban, scan_document

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
        pytest.param("BE71 0961 2345 6769", "BE71 0961 2345 6769", id="belgian-listed-bank"),
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


# Belgian IBANs whose bank code (the BBAN's first three digits) is missing from stdnum's
# registry, though both mod-97 checks hold: the IBAN's and the account's own.
@pytest.mark.parametrize(
    ("text", "iban"),
    [
        pytest.param(
            "BE68 5390 0754 7034", "BE68 5390 0754 7034", id="belgian-textbook-unknown-bank"
        ),
        pytest.param("BE68539007547034", "BE68539007547034", id="belgian-compact-unknown-bank"),
        pytest.param(
            "BE68-5390-0754-7034", "BE68-5390-0754-7034", id="belgian-dashed-unknown-bank"
        ),
        pytest.param(
            "refund to IBAN BE31 1380 7547 0355.", "BE31 1380 7547 0355", id="belgian-bank-138"
        ),
    ],
)
def test_ibans_of_unlisted_banks_are_found(text: str, iban: str) -> None:
    result = scan_document({"text": text})  # every type: no phone or card claims the digits
    assert [(h.entity_type, text[h.start : h.end]) for h in result] == [(IB, iban)]
    assert result[0].normalized == iban.replace(" ", "").replace("-", "")
    assert result[0].masked == "BE***"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("BE69 5390 0754 7034", id="unknown-bank-iban-check-digits-wrong"),
        pytest.param("BE41 5390 0754 7035", id="unknown-bank-national-check-digits-wrong"),
        pytest.param("BE41 0918 1173 5141", id="listed-bank-national-check-digits-wrong"),
        pytest.param("BE68 5390 0754 703", id="unknown-bank-too-short"),
        pytest.param("BE68-5390-0754-7035", id="unknown-bank-dashed-check-digits-wrong"),
    ],
)
def test_unlisted_bank_ibans_still_need_every_check_digit(text: str) -> None:
    assert found(text, IB) == []


def test_unlisted_bank_scores_lower_than_a_listed_one_yet_is_reported() -> None:
    for text, field in [
        ("{} on file", "text"),
        ("IBAN {}", "text"),
        ("{}", "iban"),
        ("{}", "payment_reference"),  # named like an id: the scan takes 0.3 off
    ]:
        listed, unlisted = (
            hits(text.format(number), IB, field=field, min_score=0.5)
            for number in ("BE71 0961 2345 6769", "BE68 5390 0754 7034")
        )
        assert len(listed) == len(unlisted) == 1, (text, field)
        assert unlisted[0].score < listed[0].score, (text, field)
        assert unlisted[0].score >= 0.5  # the scans' threshold


@pytest.mark.parametrize(
    ("text", "iban"),
    [
        pytest.param(
            "IBAN DE89-3704-0044-0532-0130-00", "DE89-3704-0044-0532-0130-00", id="de-dashed"
        ),
        pytest.param(
            "GB82-WEST-1234-5698-7654-32", "GB82-WEST-1234-5698-7654-32", id="gb-dashed-letters"
        ),
        pytest.param("NO93-8601-1117-947", "NO93-8601-1117-947", id="no-dashed-shortest"),
        pytest.param(
            "pay to FR14-2004-1010-0505-0001-3M02-606.",
            "FR14-2004-1010-0505-0001-3M02-606",
            id="fr-dashed-sentence-end",
        ),
        pytest.param(
            "DE89-3704-0044-0532-0130-00 BIC COBADEFFXXX",
            "DE89-3704-0044-0532-0130-00",
            id="dashed-followed-by-bic",
        ),
    ],
)
def test_ibans_grouped_with_dashes_are_found(text: str, iban: str) -> None:
    result = scan_document({"text": text})  # every type: the card detector does not win
    assert [(h.entity_type, text[h.start : h.end]) for h in result] == [(IB, iban)]
    assert result[0].normalized == iban.replace("-", "")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("DE89-3704-0044-0532-0130-01", id="dashed-check-digits-wrong"),
        pytest.param("DE89-3704-0044-0532-0130-00-17", id="dashed-run-goes-on"),
        pytest.param("REF DE89-3704-0044-0532-0130-0017", id="dashed-run-too-long"),
        pytest.param("DE89-3704-0044-0532-0130", id="dashed-too-short-for-country"),
        pytest.param("DE89-3704 0044 0532 0130 00", id="dashes-and-spaces-mixed"),
        pytest.param("DE89-37040-0440-5320-1300", id="dashed-groups-not-of-four"),
        pytest.param("de89-3704-0044-0532-0130-00", id="dashed-lower-case"),
        pytest.param("AB12-3456-7890-1234-5678", id="dashed-digits-unknown-country"),
        pytest.param("SN-2024-0815-4711-0042-1337", id="dashed-serial"),
    ],
)
def test_dashed_digit_runs_are_not_ibans(text: str) -> None:
    assert found(text, IB) == []


@pytest.mark.parametrize(
    "text",
    [
        "BE68-5390-0754-7034 é",
        "IBAN DE89-3704-0044-0532-0130-00 ü",
        "x-DE89-3704-0044-0532-0130-00",
        "GB82-WEST-1234-5698-7654-32 and BE68 5390 0754 7034",
    ],
)
def test_gated_and_ungated_scans_agree_on_dashed_and_unlisted_ibans(text: str) -> None:
    assert scan_document({"t": text}) == scan_document({"t": text}, gated=False)


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


def test_every_belgian_bank_code_is_listed_or_unlisted_never_invalid() -> None:
    from stdnum import numdb
    from stdnum.iso7064 import mod_97_10

    from leakhound.detect.iban import IbanCheck, check_iban

    registry = numdb.get("be/banks")
    seen = set()
    for code in range(1000):
        first = f"{code:03d}0754703"
        national = int(first) % 97 or 97
        for digits, expected in [
            (national, IbanCheck.VALID if registry.info(first[:3])[0][1] else None),
            (national % 97 + 1, IbanCheck.INVALID),  # the account's own check digits wrong
        ]:
            bban = f"{first}{digits:02d}"
            number = f"BE{mod_97_10.calc_check_digits(bban + 'BE')}{bban}"
            got = check_iban(number)
            assert got == (expected or IbanCheck.UNLISTED_BANK), number
            seen.add(got)
    assert seen == set(IbanCheck)


def test_spanish_account_check_agrees_with_stdnum() -> None:
    import random

    from stdnum import iban
    from stdnum.es import ccc

    from leakhound.detect.iban import is_valid_iban

    rnd = random.Random(5)
    valid = 0
    for _ in range(3000):
        bban = "".join(rnd.choice("0123456789") for _ in range(20))
        if rnd.random() < 0.5:  # the account's own check digits right for half of them
            bban = bban[:8] + ccc.calc_check_digits(bban) + bban[10:]
        number = "ES" + iban.calc_check_digits("ES00" + bban) + bban
        expected = iban.is_valid(number)
        assert is_valid_iban(number) == expected, number
        valid += expected
    assert 1000 < valid < 2000


def test_country_rules_agree_with_the_registry_for_every_pair_of_capitals() -> None:
    import itertools
    import string

    from stdnum import numdb

    from leakhound.detect.iban import _listed_countries, _rules

    assert _listed_countries() is not None  # the shortcut is taken
    registry = numdb.get("iban")
    pairs = ["".join(p) for p in itertools.product(string.ascii_uppercase, repeat=2)]
    for code in [*pairs, "", "D", "de", "DE8"]:
        info = registry.info(code)
        listed = bool(info and info[0][1].get("bban"))
        assert (_rules(code)[0] > 0) == listed, code


def test_a_long_text_finds_its_iban_without_being_kept_by_the_cache() -> None:
    # The candidate cache is keyed by whole values: past CACHED_CHARS a string is searched
    # again rather than kept, so a worker reading long texts does not hold thousands of them.
    text = "note " * (iban.CACHED_CHARS // 5) + "IBAN DE89 3704 0044 0532 0130 00 " + "x" * 40
    assert len(text) > iban.CACHED_CHARS
    iban._cached_candidates.cache_clear()
    result = hits(text, IB)
    assert [text[h.start : h.end] for h in result] == ["DE89 3704 0044 0532 0130 00"]
    assert iban._cached_candidates.cache_info().currsize == 0
    assert iban.countries_of(text) == ["DE"]
