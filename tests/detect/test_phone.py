"""PHONE_NUMBER: international and national formats found; timestamps, builds and ids not."""

from __future__ import annotations

import re

import pytest
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

from leakhound.detect import Hit, digits, masked_text, scan_document

from .util import found, hits

P = "PHONE_NUMBER"


@pytest.mark.parametrize(
    ("text", "number", "e164"),
    [
        pytest.param(
            "call +33 6 12 34 56 78 now", "+33 6 12 34 56 78", "+33612345678", id="fr-intl"
        ),
        pytest.param("tel 06 12 34 56 78", "06 12 34 56 78", "+33612345678", id="fr-national"),
        pytest.param("06.12.34.56.78", "06.12.34.56.78", "+33612345678", id="fr-dotted"),
        pytest.param("0033 6 12 34 56 78", "0033 6 12 34 56 78", "+33612345678", id="fr-00-prefix"),
        pytest.param(
            "my number: 0612345678", "0612345678", "+33612345678", id="fr-unbroken-context"
        ),
        pytest.param("(415) 555-0123", "(415) 555-0123", "+14155550123", id="us-brackets"),
        pytest.param("+1 (415) 555-0123", "+1 (415) 555-0123", "+14155550123", id="us-intl"),
        pytest.param("+1-202-555-0173", "+1-202-555-0173", "+12025550173", id="us-dashes"),
        pytest.param("1-800-555-0199", "1-800-555-0199", "+18005550199", id="us-toll-free"),
        pytest.param("+44 20 7946 0958", "+44 20 7946 0958", "+442079460958", id="uk-intl"),
        pytest.param(
            "+44 (0)20 7946 0958",
            "+44 (0)20 7946 0958",
            "+442079460958",
            id="uk-intl-trunk-in-brackets",
        ),
        pytest.param("020 7946 0958", "020 7946 0958", "+442079460958", id="uk-london"),
        pytest.param("07911 123456", "07911 123456", "+447911123456", id="uk-mobile"),
        pytest.param("+49 30 12345678", "+49 30 12345678", "+493012345678", id="de-intl"),
        pytest.param("Tel. 030 12345678", "030 12345678", "+493012345678", id="de-berlin"),
        pytest.param("0151 23456789", "0151 23456789", "+4915123456789", id="de-mobile"),
        pytest.param("+34 612 34 56 78", "+34 612 34 56 78", "+34612345678", id="es-intl"),
        pytest.param("612 34 56 78", "612 34 56 78", "+34612345678", id="es-mobile"),
        pytest.param("91 123 45 67", "91 123 45 67", "+34911234567", id="es-madrid"),
        pytest.param("+39 06 6982 1234", "+39 06 6982 1234", "+390669821234", id="it-intl"),
        pytest.param("06 6982 1234", "06 6982 1234", "+390669821234", id="it-rome"),
        pytest.param("333 123 4567", "333 123 4567", "+393331234567", id="it-mobile"),
        pytest.param("+31 20 123 4567", "+31 20 123 4567", "+31201234567", id="nl-intl"),
        pytest.param("020 123 4567", "020 123 4567", "+31201234567", id="nl-amsterdam"),
        pytest.param("06-12345678", "06-12345678", "+31612345678", id="nl-mobile"),
        pytest.param("tel +33612345678", "+33612345678", "+33612345678", id="e164-unbroken"),
        # Ofcom's drama range: phonenumbers refuses it, Germany's open plan took it.
        pytest.param("07700 900123", "07700 900123", "+447700900123", id="uk-drama-mobile"),
        pytest.param("tel 07700900123", "07700900123", "+447700900123", id="uk-drama-unbroken"),
        pytest.param("tel 07700-900123", "07700-900123", "+447700900123", id="uk-drama-dash"),
        pytest.param("07700 900 123", "07700 900 123", "+447700900123", id="uk-drama-5-3-3"),
        # Germany's 07 area codes where the UK has given out no number: towns, not the UK.
        pytest.param("07621 123456", "07621 123456", "+497621123456", id="de-loerrach"),
        pytest.param("tel 07651 123456", "07651 123456", "+497651123456", id="de-titisee"),
    ],
)
def test_phone_numbers_are_found(text: str, number: str, e164: str) -> None:
    result = hits(text, P)
    assert [text[h.start : h.end] for h in result] == [number]
    assert result[0].normalized == e164


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Windows 10 build 10.0.19045.2965", id="windows-build"),
        pytest.param("version 6.1.7601.17514", id="windows-version"),
        pytest.param("installed KB5034441", id="kb-article"),
        pytest.param("error 0x80070005", id="hresult"),
        pytest.param("at 2024-03-05T10:22:01Z", id="iso-timestamp"),
        pytest.param("2024-03-05 10:22:01", id="sql-timestamp"),
        pytest.param("09:53:24.679590", id="clock-with-microseconds"),
        pytest.param("05/03/2024 10:22", id="european-date-time"),
        pytest.param("epoch 1709634121000", id="epoch-millis"),
        pytest.param("4155550123", id="bare-digits-no-context"),
        pytest.param("order 0612345678", id="order-id"),
        pytest.param("order number 0612345678", id="order-number"),
        pytest.param("card number 630440236028", id="twelve-digit-card-number"),
        pytest.param("numéro de commande 0612345678", id="numero-de-commande"),
        pytest.param("numéro de carte 06 12 34 56 78", id="numero-de-carte"),
        pytest.param("número de tarjeta 612 345 678", id="numero-de-tarjeta"),
        pytest.param("see #4155550123", id="hash-id"),
        pytest.param("serial SN 4829-1739-5521", id="serial-number"),
        pytest.param("ticket id 2024-000123", id="ticket-id"),
        pytest.param("ISBN 978-3-16-148410-0", id="isbn"),
        pytest.param("from 81.2.69.160", id="ip-address"),
        pytest.param("v2.3.4567890", id="version"),
        pytest.param("price 1 234 567,89 €", id="grouped-amount"),
        pytest.param("between 100000 and 200000 users", id="round-numbers"),
        pytest.param("uuid 550e8400-e29b-41d4-a716-446655440000", id="uuid"),
        pytest.param("08275746-6499-4b5c-9156-47f870e7dd60", id="uuid-digits-first"),
        pytest.param("req 35467492-5812-498b-a8fd-52ab41464407 done", id="uuid-in-a-log"),
        pytest.param("sha 3f786850e387550fdab836ed7e6dc881de23001b", id="sha1"),
        pytest.param("mac 00-1A-2B-3C-4D-5E", id="mac-address"),
        pytest.param("Call me on 555-0123", id="too-short"),
        pytest.param("card 4111 1111 1111 1111", id="card-number"),
        pytest.param("card number 4902093618327700", id="unbroken-card-after-number"),
        pytest.param("number 4926099550648834", id="sixteen-digits-past-e164"),
        pytest.param("tel 1777 6317 0669 0735 21", id="digits-in-fours-past-e164"),
        pytest.param("phone 612-34-5678", id="ssn-shape"),
        pytest.param("phone 3714 496353 98431", id="amex-shape"),
    ],
)
def test_timestamps_builds_and_ids_are_not_phones(text: str) -> None:
    assert found(text, P) == []


# Dates and times as logs, JavaScript, .NET and mail headers print them: a month's name or a
# US month-first date leaves digits that read as a number ("05 2024 10" is +49 5202 410).
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Tue Mar 05 2024 10:22:01 GMT+0100", id="js-date-to-string"),
        pytest.param(
            "at Fri Jun 08 2012 10:09:21 GMT+0000 (Coordinated Universal Time)",
            id="js-date-utc-zone-name",
        ),
        pytest.param("Jun 02 2024 09:31", id="month-day-year-time"),
        pytest.param("Tue, 05 Mar 2024 10:22:01 +0100", id="rfc-2822"),
        pytest.param("[05/Mar/2024:10:22:01 +0100]", id="common-log-format"),
        pytest.param("Tue Mar  5 10:22:01 CET 2024", id="unix-date"),
        pytest.param("02/13/2014 04:24:54 AM", id="us-month-first-date-time"),
        pytest.param("logged 12/31/2023 23:59", id="us-date-end-of-year"),
        pytest.param("2014 01 19 10:32:56", id="spaced-year-first-date-time"),
        pytest.param("03 03 2021 01:22:56", id="spaced-day-first-date-time"),
        pytest.param("17:32 03 09 2028", id="clock-then-spaced-date"),
        pytest.param("17:32:05 03 09 2028", id="clock-seconds-then-spaced-date"),
        pytest.param("at 17:32, 03 09 2028", id="clock-comma-spaced-date"),
        pytest.param("due 03 09 2028", id="spaced-day-first-date"),
        pytest.param("logged 12 31 2023", id="spaced-month-first-date"),
        pytest.param("17:32 2028 09 03", id="clock-then-spaced-year-first-date"),
        # A capital letter and ":" label a phone in signatures ("P: 020 …"), not a date.
        pytest.param("P: 2019-03-12", id="p-label-iso-date"),
        pytest.param("P: 12.03.2019", id="p-label-dotted-date"),
        pytest.param("P:2019-03-12", id="p-label-glued-date"),
        pytest.param("T: 12/03/2019 10:30", id="t-label-date-time"),
        pytest.param("M: 03 09 2028", id="m-label-spaced-date"),
        pytest.param("P: 2028 09 03 10:30", id="p-label-spaced-date-time"),
        pytest.param("12.03.2019 2019-03-12", id="two-dates-one-run"),
    ],
)
def test_dates_and_times_are_not_phones(text: str) -> None:
    assert found(text, P) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        pytest.param("call 06 12 34 56 78 10:30", "06 12 34 56 78", id="national-then-clock"),
        pytest.param(
            "Tel +44 20 7183 8750 09:15", "+44 20 7183 8750", id="international-then-clock"
        ),
        pytest.param("17:32 call 06 12 34 56 78", "06 12 34 56 78", id="clock-then-number"),
        pytest.param("17:32 06 12 34 56 78", "06 12 34 56 78", id="clock-then-bare-number"),
        pytest.param("03 09 2028: 06 12 34 56 78", "06 12 34 56 78", id="date-then-number"),
        pytest.param(
            "17:32 03 09 2028 06 12 34 56 78", "06 12 34 56 78", id="clock-date-number-one-run"
        ),
        pytest.param("2028-09-03 06 12 34 56 78", "06 12 34 56 78", id="iso-date-number-one-run"),
    ],
)
def test_a_clock_or_date_beside_a_number_is_not_read_into_it(text: str, number: str) -> None:
    assert found(text, P) == [number]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        pytest.param("call 020 7946 0958 12.03.2019", ["020 7946 0958"], id="dotted-date-after"),
        pytest.param("0207946 0958 2019-03-12", ["0207946 0958"], id="iso-date-after-no-cue"),
        pytest.param("call 020 7946 0958 2019-03-12", ["020 7946 0958"], id="iso-date-after-cue"),
        pytest.param("call 06 12 34 56 78 12/03/2019", ["06 12 34 56 78"], id="slashed-date-after"),
        pytest.param("call 020 7946 0958 12 03 2019", ["020 7946 0958"], id="spaced-date-after"),
        pytest.param(
            "call 020 7946 0958 12.03.2019 10:30", ["020 7946 0958"], id="date-and-clock-after"
        ),
        pytest.param("call 0207946 0958 12.03.19", ["0207946 0958"], id="two-digit-year-after"),
        pytest.param("P: 020 7946 0958 2019-03-12", ["020 7946 0958"], id="label-date-after"),
        # An ISO date and time glued ("T") leaves its year at the end of the run.
        pytest.param(
            "call 020 7946 0958 2019-03-12T10:00", ["020 7946 0958"], id="iso-date-time-after"
        ),
        pytest.param(
            "call 06 12 34 56 78 2019-03-12T10:00:00Z",
            ["06 12 34 56 78"],
            id="iso-date-time-zulu-after",
        ),
        pytest.param(
            "call 020 7946 0958 12.03.2019 06 12 34 56 78",
            ["020 7946 0958", "06 12 34 56 78"],
            id="date-between-two-numbers",
        ),
        # A date before the number too: what is before the glued date and time is read
        # around its own date.
        pytest.param(
            "call 12.03.2019 0612345678 2019-03-12T10:00",
            ["0612345678"],
            id="date-before-and-iso-date-time-after",
        ),
        pytest.param(
            "call 2019-03-11 020 7946 0958 2019-03-12T10:00:00Z",
            ["020 7946 0958"],
            id="iso-date-before-and-iso-date-time-after",
        ),
        # Two numbers joined by a hyphen beside a date: read apart, as without the date.
        pytest.param(
            "call 0612345678-06 12 34 56 78 2019-03-12",
            ["0612345678", "06 12 34 56 78"],
            id="joined-numbers-before-a-date",
        ),
        pytest.param(
            "call 12.03.2019 0612345678-06 98 76 54 32",
            ["0612345678", "06 98 76 54 32"],
            id="joined-numbers-after-a-date",
        ),
        pytest.param(
            "call 0612345678-0698765432 2019-03-12T10:00",
            ["0612345678", "0698765432"],
            id="joined-numbers-before-an-iso-date-time",
        ),
        # A date written with spaces, inside the whole run, ends what is left once the other
        # date is cut: a date, not a number (+49 30 92028).
        pytest.param(
            "call 0612345678 03 09 2028 12.03.2019",
            ["0612345678"],
            id="spaced-date-then-date-after",
        ),
        pytest.param(
            "call 0612345678 2028 09 03 2019-03-12T10:00",
            ["0612345678"],
            id="spaced-date-then-iso-date-time-after",
        ),
        # The second of two joined numbers starts after the hyphen, where no run starts.
        pytest.param(
            "call 0612345678-0698765432 12.03.2019",
            ["0612345678", "0698765432"],
            id="date-after-joined-numbers",
        ),
        pytest.param(
            "call 0612345678-0698765432 03 09 2028",
            ["0612345678", "0698765432"],
            id="spaced-date-after-joined-numbers",
        ),
    ],
)
def test_a_run_ending_with_a_date_keeps_the_number_before_it(text: str, numbers: list[str]) -> None:
    assert found(text, P) == numbers


def test_the_quick_look_for_a_date_misses_none_the_search_finds() -> None:
    # _may_hold_date spares most runs _RUN_DATE's search; it must not spare one with a date.
    from leakhound.detect import phone

    dates = ["12.03.2019", "2019-03-12", "12/03/19", "1.1.19", "12-31-2023", "03 09 2028"]
    dates += ["2028 09 03", "9 3 2028", "2028\t9\t3"]
    numbers = ["020 7946 0958", "06 12 34 56 78", "0207946 0958", "+44 20 7946 0958", "1-800"]
    runs = [*dates]
    for date in dates:
        for number in numbers:
            runs += [f"{number} {date}", f"{date} {number}", f"{number} {date} {number}"]
    for run in runs:
        if phone._RUN_DATE.search(run):
            assert phone._may_hold_date(run), run
    assert sum(phone._RUN_DATE.search(run) is not None for run in runs) > len(runs) // 2


def test_a_number_before_a_date_is_read_as_alone() -> None:
    (dated,) = hits("call 020 7946 0958 12.03.2019", P)
    (alone,) = hits("call 020 7946 0958", P)
    assert (dated.normalized, dated.score) == (alone.normalized, alone.score)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        pytest.param("tel 0612345678 192.168.1.10", ["0612345678"], id="address-after"),
        pytest.param("tel 06 12 34 56 78 10.0.0.1", ["06 12 34 56 78"], id="address-after-grouped"),
        pytest.param("tel 192.168.1.10 0612345678", ["0612345678"], id="address-before"),
        pytest.param(
            "tel 06 12 34 56 78 10.0.0.1 06 98 76 54 32",
            ["06 12 34 56 78", "06 98 76 54 32"],
            id="address-between-two-numbers",
        ),
        pytest.param("0612345678 192.168.1.10", [], id="bare-number-stays-bare"),
        # Spain may dot a landline as an address is written (91.123.45.67): such a group is
        # an address beside a number, as it already was alone.
        pytest.param("tel 91.123.45.67", [], id="address-shaped-spanish-alone"),
        pytest.param(
            "tel 91.123.45.67 0612345678", ["0612345678"], id="address-shaped-spanish-beside"
        ),
        # Belgium dots its numbers: after a country code, or with a leading zero, which no
        # octet has, the dotted groups are a number's.
        pytest.param("+32 2.555.12.12", ["+32 2.555.12.12"], id="belgian-international"),
        pytest.param("+32 2.555.12.12 10.0.0.1", ["+32 2.555.12.12"], id="belgian-then-address"),
        pytest.param("tel 02.555.12.12", ["02.555.12.12"], id="belgian-national"),
        # Dotted groups straight after an international prefix are a number's however
        # they read as an address: Spain and Belgium write numbers so.
        pytest.param("+34 91.123.45.67", ["+34 91.123.45.67"], id="spanish-dotted-after-a-code"),
        pytest.param("0034 91.123.45.67", ["0034 91.123.45.67"], id="spanish-dotted-after-00"),
        pytest.param("+32 2.250.12.12", ["+32 2.250.12.12"], id="belgian-dotted-quad-after-a-code"),
        pytest.param(
            "tel +34 91.123.45.67 0612345678",
            ["+34 91.123.45.67", "0612345678"],
            id="spanish-dotted-after-a-code-beside",
        ),
        pytest.param(
            "tel 0612345678 +34 91.123.45.67 06 98 76 54 32",
            ["0612345678", "+34 91.123.45.67", "06 98 76 54 32"],
            id="spanish-dotted-after-a-code-between-numbers",
        ),
        pytest.param(
            "tel 0612345678 0034 91.123.45.67 06 98 76 54 32",
            ["0612345678", "0034 91.123.45.67", "06 98 76 54 32"],
            id="spanish-dotted-after-00-between-numbers",
        ),
        # Not after a country code's digits with no "+" or "00": an address.
        pytest.param("tel 34 91.123.45.67 0612345678", ["0612345678"], id="code-without-prefix"),
        pytest.param(
            "tel 02.555.12.12 192.168.1.10", ["02.555.12.12"], id="belgian-national-then-address"
        ),
    ],
)
def test_an_ip_address_beside_a_number_is_not_read_into_it(text: str, numbers: list[str]) -> None:
    assert found(text, P) == numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # With or without a cue, and the number beside it: the number, not an address.
        pytest.param("+34 91.123.45.67", [(P, "+34 91.123.45.67")], id="cue-less"),
        pytest.param("tel +34 91.123.45.67", [(P, "+34 91.123.45.67")], id="cued"),
        pytest.param("0032 2.250.12.12", [(P, "0032 2.250.12.12")], id="belgian-after-00"),
        pytest.param(
            "+34 91.123.45.67 +34 91 123 45 68",
            [(P, "+34 91.123.45.67"), (P, "+34 91 123 45 68")],
            id="beside-a-number",
        ),
        pytest.param(
            "from +34 91.123.45.67", [(P, "+34 91.123.45.67")], id="after-a-word-saying-ip"
        ),
        # No number reads it: the address still stands.
        pytest.param("+34 10.0.0.1", [("IP_ADDRESS", "10.0.0.1")], id="no-number-there"),
        # No international prefix: an address, the numbers beside it whole.
        pytest.param(
            "tel 06 12 34 56 78 91.123.45.67 06 98 76 54 32",
            [(P, "06 12 34 56 78"), ("IP_ADDRESS", "91.123.45.67"), (P, "06 98 76 54 32")],
            id="between-numbers",
        ),
        pytest.param(
            "tel 91.123.45.67 0612345678",
            [("IP_ADDRESS", "91.123.45.67"), (P, "0612345678")],
            id="before-a-number",
        ),
        pytest.param(
            "tel 34 91.123.45.67", [("IP_ADDRESS", "91.123.45.67")], id="code-without-prefix"
        ),
    ],
)
def test_a_dotted_quad_after_a_country_code_is_a_phone_number_not_an_address(
    text: str, expected: list[tuple[str, str]]
) -> None:
    # "+34 91.123.45.67" is how Spain writes a Madrid number: the address scored above it
    # with nothing saying "phone", and the branch before this read it as an address always.
    got = scan_document({"text": text}, types={P, "IP_ADDRESS"})
    assert [(h.entity_type, text[h.start : h.end]) for h in got] == expected


def test_a_number_beside_an_ip_address_is_read_as_alone() -> None:
    doc = {"country": "FR", "text": "0612345678 192.168.1.10"}
    got = [(h.normalized, h.score) for h in scan_document(doc, types={P})]
    alone = [
        (h.normalized, h.score) for h in scan_document(doc | {"text": "0612345678"}, types={P})
    ]
    assert got == alone == [("+33612345678", alone[0][1])]


@pytest.mark.parametrize(
    ("text", "score_of"),
    [
        # A date glued by a hyphen to a "+": the "+" starts the number, the date is not read
        # into it.
        pytest.param("20191231-+33612345678", "+33612345678", id="date-hyphen-plus"),
        pytest.param("tel 20191231-+33612345678", "tel +33612345678", id="cue-date-hyphen-plus"),
    ],
)
def test_a_date_joined_to_a_plus_is_not_read_into_the_number(text: str, score_of: str) -> None:
    (got,) = hits(text, P)
    (alone,) = hits(score_of, P)
    assert (text[got.start : got.end], got.normalized) == ("+33612345678", "+33612345678")
    assert got.score == alone.score


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("P: 12.03.2019 0612345678", id="letter-label-dotted-date"),
        pytest.param("M: 2019-03-12 07911 123456", id="letter-label-iso-date"),
        pytest.param("Mob. 12/03/2019 020 7946 0958", id="word-label-slashed-date"),
        pytest.param("Tel.: 12.03.19 030 1234567", id="tel-dot-colon-two-digit-year"),
    ],
)
def test_a_label_carries_past_a_date_to_the_number_after_it(text: str) -> None:
    label, _, rest = text.partition(" ")
    number = rest.partition(" ")[2]
    (dated,) = hits(text, P)
    (labelled,) = hits(f"{label} {number}", P)
    assert text[dated.start : dated.end] == number
    assert (dated.normalized, dated.score) == (labelled.normalized, labelled.score)


def test_a_label_carries_past_one_date_only_to_the_next_number() -> None:
    # The label is the first number's; a second date and number after it are not labelled.
    text = "P: 12.03.2019 0612345678 13.03.2019 0698765432"
    assert found(text, P) == ["0612345678"]


@pytest.mark.parametrize(
    ("text", "numbers", "e164s"),
    [
        pytest.param(
            "tel: 06 12 34 56 78 / 06 98 76 54 32",
            ["06 12 34 56 78", "06 98 76 54 32"],
            ["+33612345678", "+33698765432"],
            id="slash",
        ),
        pytest.param(
            "tel 0612345678-0698765432",
            ["0612345678", "0698765432"],
            ["+33612345678", "+33698765432"],
            id="hyphen-unbroken",
        ),
        pytest.param(
            "tel 06 12 34 56 78-06 98 76 54 32",
            ["06 12 34 56 78", "06 98 76 54 32"],
            ["+33612345678", "+33698765432"],
            id="hyphen-grouped",
        ),
        # Each number's country is chosen by its own digits, not the run's length (20
        # digits: Germany first), and its span holds no space before it.
        pytest.param(
            "tel 0612345678 - 0698765432",
            ["0612345678", "0698765432"],
            ["+33612345678", "+33698765432"],
            id="spaced-hyphen",
        ),
        pytest.param(
            "tel 0612345678 / 07911 123456",
            ["0612345678", "07911 123456"],
            ["+33612345678", "+447911123456"],
            id="french-then-british",
        ),
        # A label covers the number joined to the one after it, as a cue word does.
        pytest.param(
            "M: 0612345678-0698765432",
            ["0612345678", "0698765432"],
            ["+33612345678", "+33698765432"],
            id="hyphen-after-a-label",
        ),
        pytest.param(
            "tel 07700 900123 / 030 1234567",
            ["07700 900123", "030 1234567"],
            ["+447700900123", "+49301234567"],
            id="uk-drama-then-berlin",
        ),
        # A "+" after a hyphen is the next number when the run before it holds one; each is
        # read in its own country.
        pytest.param(
            "+33612345678-+33698765432",
            ["+33612345678", "+33698765432"],
            ["+33612345678", "+33698765432"],
            id="hyphen-two-international-unbroken",
        ),
        pytest.param(
            "+442079460958-+33612345678",
            ["+442079460958", "+33612345678"],
            ["+442079460958", "+33612345678"],
            id="hyphen-uk-then-fr-international-unbroken",
        ),
        pytest.param(
            "+33 1 23 45 67 89-+33612345678",
            ["+33 1 23 45 67 89", "+33612345678"],
            ["+33123456789", "+33612345678"],
            id="hyphen-spaced-then-unbroken-international",
        ),
        pytest.param(
            "tel 0612345678-+442079460958",
            ["0612345678", "+442079460958"],
            ["+33612345678", "+442079460958"],
            id="hyphen-national-then-international",
        ),
        pytest.param(
            "M: +33612345678-+33698765432-+442079460958",
            ["+33612345678", "+33698765432", "+442079460958"],
            ["+33612345678", "+33698765432", "+442079460958"],
            id="hyphen-three-international-after-a-label",
        ),
        pytest.param(
            "+33 1 23 45 67 89-+33 6 12 34 56 78",
            ["+33 1 23 45 67 89", "+33 6 12 34 56 78"],
            ["+33123456789", "+33612345678"],
            id="hyphen-two-international-spaced",
        ),
        pytest.param(
            "+44 20 7946 0958-+44 161 496 0000",
            ["+44 20 7946 0958", "+44 161 496 0000"],
            ["+442079460958", "+441614960000"],
            id="hyphen-two-uk-international-spaced",
        ),
        pytest.param(
            "+33612345678/+442079460958",
            ["+33612345678", "+442079460958"],
            ["+33612345678", "+442079460958"],
            id="slash-two-international-unbroken",
        ),
        pytest.param(
            "+33612345678,+442079460958",
            ["+33612345678", "+442079460958"],
            ["+33612345678", "+442079460958"],
            id="comma-two-international-unbroken",
        ),
    ],
)
def test_two_numbers_in_one_run_are_both_found(
    text: str, numbers: list[str], e164s: list[str]
) -> None:
    got = hits(text, P)
    assert [text[h.start : h.end] for h in got] == numbers
    assert [h.normalized for h in got] == e164s


@pytest.mark.parametrize(
    ("text", "e164s"),
    [
        pytest.param(
            "tel 06 12 34 56 78 06 98 76 54 32 01 23 45 67 89 06 11 22 33 44",
            ["+33612345678", "+33698765432", "+33123456789", "+33611223344"],
            id="four-grouped-with-spaces",
        ),
        pytest.param(
            "tel 06 12 34 56 78 12.03.2019 06 98 76 54 32 01 23 45 67 89 06 11 22 33 44",
            ["+33612345678", "+33698765432", "+33123456789", "+33611223344"],
            id="grouped-third-and-fourth-after-a-date",
        ),
        pytest.param(
            "tel +33612345678 12.03.2019 33698765432 33611223344 33123456789 33699887766",
            ["+33612345678", "+33698765432", "+33611223344", "+33123456789", "+33699887766"],
            id="unbroken-after-a-date",
        ),
        pytest.param(
            "tel 0612345678 12.03.2019 0698765432 0123456789 0611223344 0699887766 0612345678",
            [
                *("+33612345678", "+33698765432", "+33123456789"),
                *("+33611223344", "+33699887766", "+33612345678"),
            ],
            id="unbroken-national-after-a-date",
        ),
        # Two numbers grouped with spaces, no longer than two numbers: the matcher does not
        # split them.
        pytest.param(
            "tel 06 12 34 56 78 06 98 76 54 32",
            ["+33612345678", "+33698765432"],
            id="two-grouped-with-spaces",
        ),
        pytest.param(
            "tel 06 12 34 56 78 06 98 76 54 32 10:30",
            ["+33612345678", "+33698765432"],
            id="two-grouped-with-spaces-then-clock",
        ),
        pytest.param(
            "tel 020 7946 0958 020 7946 0959 020 7946 0960 020 7946 0961",
            ["+442079460958", "+442079460959", "+442079460960", "+442079460961"],
            id="uk-grouped",
        ),
        pytest.param(
            "call (415) 555-0123 (415) 555-0124 (415) 555-0125 (415) 555-0126",
            ["+14155550123", "+14155550124", "+14155550125", "+14155550126"],
            id="us-brackets",
        ),
    ],
)
def test_each_number_of_a_long_run_of_them_is_found(text: str, e164s: list[str]) -> None:
    got = hits(text, P)
    assert [h.normalized for h in got] == e164s
    # Each span is one number, no group of the next glued to it, and a cue before the run
    # covers all its numbers, as it did when a run of two was read whole.
    assert all(len(text[h.start : h.end].split()) <= 5 for h in got)
    assert len({h.score for h in got}) == 1


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        # Grouped as people write them, not as phonenumbers prints them ("01512 3456789",
        # "612 34 56 78", "07911 123456"): each is still one number, and no number is read
        # from the groups of two ("345 678 612" is no Italian mobile).
        pytest.param(
            "tel 0151 23456789 0151 23456710 0151 23456741",
            ["0151 23456789", "0151 23456710", "0151 23456741"],
            id="de-mobile",
        ),
        pytest.param(
            "tel 612 345 678 612 345 609 612 345 630",
            ["612 345 678", "612 345 609", "612 345 630"],
            id="es-mobile-in-threes",
        ),
        pytest.param(
            "tel 912 345 678 912 345 609",
            ["912 345 678", "912 345 609"],
            id="es-landline-in-threes-two",
        ),
        pytest.param(
            "tel 91 123 45 67 91 123 45 98 91 123 45 29",
            ["91 123 45 67", "91 123 45 98", "91 123 45 29"],
            id="es-madrid",
        ),
        pytest.param(
            "tel 07911 123 456 07911 123 487 07911 123 418",
            ["07911 123 456", "07911 123 487", "07911 123 418"],
            id="uk-mobile-5-3-3",
        ),
        pytest.param(
            "tel 0207 946 0958 0207 946 0989 0207 946 0910",
            ["0207 946 0958", "0207 946 0989", "0207 946 0910"],
            id="uk-london-4-3-4",
        ),
    ],
)
def test_a_long_run_of_numbers_grouped_otherwise_than_printed_is_read_number_by_number(
    text: str, numbers: list[str]
) -> None:
    assert found(text, P) == numbers


@pytest.mark.parametrize(
    "text",
    [
        # A row of figures with nothing saying "phone": stretches of it read as Spanish or
        # Italian numbers ("340 560 780", "800 900 100"), no country code or trunk "0".
        pytest.param(
            "values 120 340 560 780 901 234 567 890 123 456 789 012 345 678 901", id="threes"
        ),
        pytest.param("100 200 300 400 500 600 700 800 900 100 200 300 400 500 600", id="hundreds"),
        pytest.param(
            "sizes 1024 2048 4096 8192 16384 32768 65536 131072 262144 524288", id="powers"
        ),
        pytest.param("ports 8080 8443 9200 9300 5601 6379 27017 5432 3306 11211 2375", id="ports"),
        # Stretches grouped as North America groups a number ("256 512 1024"), in a row of
        # figures whose widths go on: no US number.
        pytest.param("sizes 256 512 1024 2048 4096 8192 16384", id="powers-from-256"),
        pytest.param("sizes 128 256 512 1024 2048 4096 8192 16384", id="powers-from-128"),
        pytest.param("widths 320 480 768 1024 1280 1920 2560 3840", id="screen-widths"),
        pytest.param("modes 640 480 800 600 1024 768 1280 720 1920 1080", id="screen-modes"),
        # Unbroken, each is refused alone as an id (a "+" dropped needs a cue): so in a row.
        pytest.param(
            "values 16094592000 16094592001 16094592002 16094592003 16094592004",
            id="unbroken-ids",
        ),
    ],
)
def test_a_long_row_of_figures_holds_no_number(text: str) -> None:
    assert found(text, P) == []


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        # With nothing saying "phone", a long run's numbers written with a trunk "0", a
        # country code, brackets or in one token are still found.
        pytest.param(
            "06 12 34 56 78 06 98 76 54 32 01 23 45 67 89",
            ["06 12 34 56 78", "06 98 76 54 32", "01 23 45 67 89"],
            id="trunk-zero",
        ),
        pytest.param(
            "+33 6 12 34 56 78 +33 6 98 76 54 32 +33 1 23 45 67 89",
            ["+33 6 12 34 56 78", "+33 6 98 76 54 32", "+33 1 23 45 67 89"],
            id="country-code",
        ),
        pytest.param(
            "(415) 555-0123 (415) 555-0124 (415) 555-0125 (415) 555-0126",
            ["(415) 555-0123", "(415) 555-0124", "(415) 555-0125", "(415) 555-0126"],
            id="brackets",
        ),
        pytest.param(
            "415-555-0123 415-555-0124 415-555-0125 415-555-0126",
            ["415-555-0123", "415-555-0124", "415-555-0125", "415-555-0126"],
            id="one-token",
        ),
    ],
)
def test_a_long_run_of_numbers_with_no_cue_is_still_read(text: str, numbers: list[str]) -> None:
    assert found(text, P) == numbers


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        # Spaces padding a column, more than a stretch is read over: the number after them
        # is read, not passed as a group too long to be one.
        pytest.param(
            "tel 0612345678" + " " * 50 + "0698765432",
            ["0612345678", "0698765432"],
            id="unbroken",
        ),
        pytest.param(
            "tel 06 12 34 56 78" + " " * 45 + "06 98 76 54 32 01 23 45 67 89",
            ["06 12 34 56 78", "06 98 76 54 32", "01 23 45 67 89"],
            id="grouped",
        ),
    ],
)
def test_numbers_in_columns_padded_with_spaces_are_all_found(text: str, numbers: list[str]) -> None:
    assert found(text, P) == numbers


def test_a_megabyte_run_of_numbers_yields_one_number_a_window() -> None:
    from leakhound.detect import phone

    text = "tel " + "06 12 34 56 78 " * 70_000
    got = hits(text, P)
    assert [(text[h.start : h.end], h.normalized) for h in got] == [
        ("06 12 34 56 78", "+33612345678")
    ] * phone._MAX_WINDOWS


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("1" * 1_000_000, id="unbroken-digits"),
        pytest.param("tel " + "1 " * 500_000, id="single-digit-groups"),
        pytest.param("tel " + "0 12 3 45 6 78 9 " * 60_000, id="uneven-groups"),
        pytest.param("tel " + "06-" * 330_000 + "1", id="hyphen-pairs"),
        pytest.param(("x " + "1 2 3 4 5 6 7 8 9 0 " * 5 + "y ") * 20_000, id="many-long-runs"),
        pytest.param(
            ("x " + "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 " + "y ") * 30_000,
            id="many-runs-of-two-numbers-worth",
        ),
    ],
)
def test_a_megabyte_run_of_digit_groups_holding_no_number_yields_none(text: str) -> None:
    assert hits(text, P) == []


# A row of 2-digit figures, none with a leading "0", that holds no number.
_FIGURES = " ".join(str(i * 37 % 90 + 10) for i in range(120))


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        # Single digits, in as many groups as no country prints a number in: none is read.
        pytest.param(
            "tel 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 0612345678",
            ["0612345678"],
            id="single-digits-then-a-number",
        ),
        # Nothing says "phone" before the row: find_in refuses its stretches, unread.
        pytest.param(
            _FIGURES + "\ntel 06 12 34 56 78 06 98 76 54 32 01 23 45 67 89",
            ["06 12 34 56 78", "06 98 76 54 32", "01 23 45 67 89"],
            id="row-of-figures-then-numbers",
        ),
        # A cue before the junk: its stretches are read, a bounded number of them.
        pytest.param(
            "tel " + " ".join(["11"] * 80) + "\ntel 06 12 34 56 78 06 98 76 54 32 01 23 45 67 89",
            ["06 12 34 56 78", "06 98 76 54 32", "01 23 45 67 89"],
            id="cued-junk-then-numbers",
        ),
        pytest.param(
            "tel " + "1 " * 500_000 + "\ntel 06 12 34 56 78 06 98 76 54 32 01 23 45 67 89",
            ["06 12 34 56 78", "06 98 76 54 32", "01 23 45 67 89"],
            id="megabyte-of-single-digits-then-numbers",
        ),
        pytest.param(
            # The text's reads spent, a run of two numbers' worth is still read whole.
            ("tel " + " ".join(["11"] * 40) + "\n") * 12_000 + "tel 0612345678 0698765432",
            ["0612345678", "0698765432"],
            id="megabyte-of-cued-junk-runs",
        ),
        # Runs of junk after a cue each spend reads: four spent all the text's, and the
        # numbers of the run after them were lost. Each leaves the runs after it a share.
        pytest.param(
            ("tel " + " ".join(["11"] * 40) + "\n") * 4
            + "tel 06 12 34 56 78 06 98 76 54 32 01 23 45 67 89",
            ["06 12 34 56 78", "06 98 76 54 32", "01 23 45 67 89"],
            id="four-cued-junk-runs-then-numbers",
        ),
        # Junk before a number in the same run: the run's share spent, it goes on at the
        # next group a number starts with a trunk "0", "+" or "(", with a fresh share.
        pytest.param(
            "tel " + " ".join(str(n) for n in range(10, 22)) + " 06 12 34 56 78",
            ["06 12 34 56 78"],
            id="twelve-junk-pairs-then-a-number",
        ),
        pytest.param(
            "tel " + " ".join(["11"] * 40) + " 06 12 34 56 78 +44 20 7946 0958",
            ["06 12 34 56 78", "+44 20 7946 0958"],
            id="forty-junk-pairs-then-numbers",
        ),
        pytest.param(
            "tel " + " ".join(str(1001 + 13 * n) for n in range(30)) + " 0612345678",
            ["0612345678"],
            id="thirty-junk-figures-then-a-number",
        ),
        pytest.param(
            "".join(f"tel {' '.join([str(n)] * 40)}\n" for n in range(11, 17))
            + "tel 06 12 34 56 78 06 98 76 54 32 01 23 45 67 89",
            ["06 12 34 56 78", "06 98 76 54 32", "01 23 45 67 89"],
            id="six-unlike-cued-junk-runs-then-numbers",
        ),
    ],
)
def test_a_long_run_of_junk_figures_leaves_the_numbers_after_it(
    text: str, numbers: list[str]
) -> None:
    assert found(text, P) == numbers


def test_runs_of_junk_after_a_cue_spend_no_more_than_the_texts_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each run has a share of what is left, never all of it: many runs of junk figures in
    # one text still cost no more phonenumbers reads than the text's bound.
    from leakhound.detect import phone

    reads = []
    one_number = phone._one_number

    def counted(window: str, *args: object) -> bool | None:
        reads.append(window)
        return one_number(window, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(phone, "_one_number", counted)
    text = "".join(f"tel {' '.join([str(n)] * 40)}\n" for n in range(10, 24))
    assert found(text, P) == []
    assert 0 < len(reads) <= phone._LONG_RUN_TRIES


@pytest.mark.parametrize(
    "junk",
    [
        pytest.param("11 ", id="pairs"),
        pytest.param("06 ", id="trunk-zero-pairs"),
        pytest.param("012 345 ", id="trunk-zero-row"),
        pytest.param("1001 0612 ", id="figures-and-trunk-zero"),
    ],
)
def test_a_long_run_of_junk_stays_bounded_in_reads(
    monkeypatch: pytest.MonkeyPatch, junk: str
) -> None:
    # Going on after junk at the next group that may start a number, with a fresh share of
    # what the text has left: the reads of a megabyte-long run still stay within the text's
    # bound, and the jumps within its bound on groups.
    from leakhound.detect import phone

    reads = []
    one_number = phone._one_number
    after_junk = phone._after_junk
    jumps = []

    def counted(window: str, *args: object) -> bool | None:
        reads.append(window)
        return one_number(window, *args)  # type: ignore[arg-type]

    def jumped(*args: object) -> object:
        jumps.append(args[1])
        return after_junk(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(phone, "_one_number", counted)
    monkeypatch.setattr(phone, "_after_junk", jumped)
    text = "tel " + junk * (1_000_000 // len(junk)) + "1"
    found(text, P)
    assert 0 < len(reads) <= phone._LONG_RUN_TRIES
    assert len(jumps) <= phone._LONG_RUN_STEPS


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        # A column's figure before the numbers: not one of a row of like figures.
        pytest.param(
            "17 0151 23456789 0151 23456710",
            ["0151 23456789", "0151 23456710"],
            id="figure-column",
        ),
        pytest.param(
            "1 0151 23456789 0151 23456710 0151 23456711",
            ["0151 23456789", "0151 23456710", "0151 23456711"],
            id="one-digit-column",
        ),
    ],
)
def test_a_trunk_0_number_after_a_figure_of_another_width_is_kept(
    text: str, numbers: list[str]
) -> None:
    assert found(text, P) == numbers


@pytest.mark.parametrize(
    "text",
    [
        "values 415 555 0123 415 555 0199 212 555 0100",
        "+1 415 555 0123 415 555 0199 212 555 0100",
    ],
)
def test_a_trunk_0_stretch_of_a_row_of_like_figures_is_no_number(text: str) -> None:
    # "0199 212 555": its groups after the first as long as the figure passed before it.
    assert "0199 212 555" not in found(text, P)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        # Nothing says "phone": a stretch grouped as North America prints a number is one,
        # not "0123 415", across two of them.
        pytest.param(
            "values 415 555 0123 415 555 0199 212 555 0100",
            ["415 555 0123", "415 555 0199", "212 555 0100"],
            id="nanp-cue-less",
        ),
        pytest.param(
            "415 555 0123 0612345678 06 12 34 56 78 212 555 0100",
            ["415 555 0123", "0612345678", "06 12 34 56 78", "212 555 0100"],
            id="nanp-beside-french",
        ),
        # A trunk "0" in brackets after the country code is no group of the number.
        pytest.param(
            "+33 (0) 6 12 34 56 78 06 98 76 54 32 01 23 45 67 89",
            ["+33 (0) 6 12 34 56 78", "06 98 76 54 32", "01 23 45 67 89"],
            id="fr-trunk-in-brackets",
        ),
        pytest.param(
            "tel +33 (0) 6 12 34 56 78 06 98 76 54 32 01 23 45 67 89",
            ["+33 (0) 6 12 34 56 78", "06 98 76 54 32", "01 23 45 67 89"],
            id="fr-trunk-in-brackets-cued",
        ),
        pytest.param(
            "+44 (0)20 7946 0958 020 7946 0959 020 7946 0960",
            ["+44 (0)20 7946 0958", "020 7946 0959", "020 7946 0960"],
            id="uk-trunk-in-brackets",
        ),
        # Glued to the group after it, the trunk "0" leaves that group apart from the
        # country code ("+49 30 …", not "+4930 …"): the number as printed ends there.
        pytest.param(
            "+49 (0)30 12345678 06 12 34 56 78 +33 6 98 76 54 32",
            ["+49 (0)30 12345678", "06 12 34 56 78", "+33 6 98 76 54 32"],
            id="de-trunk-in-brackets-glued",
        ),
        # "00", the international call prefix, is no group either.
        pytest.param(
            "0033 6 12 34 56 78 06 98 76 54 32 0033 6 11 22 33 44",
            ["0033 6 12 34 56 78", "06 98 76 54 32", "0033 6 11 22 33 44"],
            id="fr-00-prefix",
        ),
        pytest.param(
            "tel 06 98 76 54 32 0033 6 12 34 56 78 01 23 45 67 89",
            ["06 98 76 54 32", "0033 6 12 34 56 78", "01 23 45 67 89"],
            id="fr-00-prefix-between",
        ),
        # A label glued to the run by a hyphen says "phone" for all of it.
        pytest.param(
            "Fax-06 12 34 56 78 06 98 76 54 32 01 23 45 67 89",
            ["06 12 34 56 78", "06 98 76 54 32", "01 23 45 67 89"],
            id="fax-hyphen",
        ),
        pytest.param(
            "Tel 06 98 76 54 32 Fax-06 12 34 56 78 0611223344 0655443322",
            ["06 98 76 54 32", "06 12 34 56 78", "0611223344", "0655443322"],
            id="fax-hyphen-after-a-number",
        ),
        # Two numbers' worth the matcher reads only part of: the rest is split from it.
        pytest.param(
            "tel 06 12 34 56 78 0611223344",
            ["06 12 34 56 78", "0611223344"],
            id="grouped-then-unbroken",
        ),
    ],
)
def test_each_number_of_a_long_run_is_read_whole_however_written(
    text: str, numbers: list[str]
) -> None:
    assert found(text, P) == numbers


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        # A run of one number's worth of digits that reads as none whole is read as a long
        # run is: the short figure beside the number is passed, the number found.
        pytest.param("tel 456 0612345678", ["0612345678"], id="figure-before-unbroken"),
        pytest.param("tel 456 06 12 34 56 78", ["06 12 34 56 78"], id="figure-before-grouped"),
        pytest.param(
            "tel 123 91.123.45.67 456 0612345678", ["0612345678"], id="figure-after-an-address"
        ),
        pytest.param(
            "+44 (0)20 7946 0958 21 +44 (0)20 7946 0959",
            ["+44 (0)20 7946 0958", "+44 (0)20 7946 0959"],
            id="figure-after-a-country-code-number",
        ),
        # With nothing saying "phone", what a long run keeps: a trunk "0" or country code.
        pytest.param("456 06 12 34 56 78", ["06 12 34 56 78"], id="cue-less-trunk-zero"),
        pytest.param("456 612 345 678", [], id="cue-less-no-trunk"),
        # Refused whole, refused in pieces: an id's cue, a card's or a date's shape.
        pytest.param("order 456 0612345678", [], id="id-cue"),
        pytest.param("ref 456 06 12 34 56 78", [], id="id-cue-grouped"),
        pytest.param("phone 3714 496353 98431", [], id="amex-shape"),
        pytest.param("tel 03 09 2028 5", [], id="spaced-date"),
    ],
)
def test_a_short_figure_beside_a_number_in_a_short_run_leaves_the_number(
    text: str, numbers: list[str]
) -> None:
    assert found(text, P) == numbers


@pytest.mark.parametrize(
    ("doc", "numbers"),
    [
        # An unbroken number with all the digits its country's have, and a figure after it:
        # read whole, Germany's open plan took it for one number (+49 612345678456).
        pytest.param(
            {"text": "tel 0612345678 456"}, [("0612345678", "+33612345678")], id="figure-after"
        ),
        pytest.param(
            {"text": "tel 0612345678 456", "country": "FR"},
            [("0612345678", "+33612345678")],
            id="french-document",
        ),
        # The number is read as it would be alone: in a German document, as German.
        pytest.param(
            {"text": "tel 0612345678 456", "country": "DE"},
            [("0612345678", "+49612345678")],
            id="german-document",
        ),
        pytest.param(
            {"text": "0612345678 456", "country": "FR"},
            [("0612345678", "+33612345678")],
            id="no-cue-french-document",
        ),
        pytest.param(
            {"text": "tel 0612345678 45 67"}, [("0612345678", "+33612345678")], id="two-figures"
        ),
        # Fewer digits than its country's numbers, the first groups may go on in the next:
        # Ofcom's "07700 900 123" is no German 07700 900 and a figure.
        pytest.param(
            {"text": "tel 07700 900 123"},
            [("07700 900 123", "+447700900123")],
            id="uk-drama-5-3-3",
        ),
        pytest.param(
            {"text": "tel 07911123456 12"}, [("07911123456", "+447911123456")], id="uk-mobile"
        ),
        # Shorter than its country's numbers, the unbroken group may go on in the next one.
        pytest.param(
            {"text": "tel 0612345 678"}, [("0612345 678", "+33612345678")], id="grouped-7-3"
        ),
        pytest.param(
            {"text": "tel 0151 23456789"}, [("0151 23456789", "+4915123456789")], id="de-mobile"
        ),
        # In a German customer's record the first groups are read in Germany, whose numbers
        # are longer: Eltville's 06123 456789 and Bonn's 0228 1234567 in pairs, whole.
        pytest.param(
            {"text": "tel 06 12 34 56 78 9", "country": "DE"},
            [("06 12 34 56 78 9", "+496123456789")],
            id="german-document-eltville-in-pairs",
        ),
        pytest.param(
            {"text": "tel 02 28 12 34 56 7", "country": "DE"},
            [("02 28 12 34 56 7", "+492281234567")],
            id="german-document-bonn-in-pairs",
        ),
    ],
)
def test_a_short_figure_after_an_unbroken_number_is_not_read_into_it(
    doc: dict[str, str], numbers: list[tuple[str, str]]
) -> None:
    got = scan_document(doc, types={P})
    assert [(doc["text"][h.start : h.end], h.normalized) for h in got] == numbers


def test_short_runs_that_read_as_no_number_count_in_the_bound_on_windows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Split when it reads as none whole, a short run that holds no number either is still
    # one of the 32 windows a value reads: 300 of them are not all read.
    from leakhound.detect import phone

    reads = set()
    numbers_in = phone._numbers_in

    def counted(window: str, *args: object) -> object:
        reads.add(window)
        return numbers_in(window, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(phone, "_numbers_in", counted)
    text = " ".join(f"qty 1{n:03d} 1{n:03d}1 x" for n in range(300))  # "1000 10001 x", …
    assert found(text, P) == []
    assert len(reads) <= phone._MAX_WINDOWS + phone._LONG_RUN_TRIES + 1


def test_a_long_run_of_two_digit_figures_after_a_cue_holds_no_number() -> None:
    # In groups of two and no trunk "0" first, no country in our list prints a number:
    # 60 random figures read as 8 North American or Italian numbers grouped otherwise.
    figures = " ".join(str(i * 37 % 90 + 10) for i in range(60))
    assert found("tel " + figures, P) == []
    # A French number, "0" first and printed so, is still one beside them.
    assert found(f"tel 06 12 34 56 78 {figures}", P) == ["06 12 34 56 78"]


@pytest.mark.parametrize(
    ("doc", "numbers"),
    [
        # The German number before points the document at Germany, but only a phone does:
        # a number grouped as France prints it, its trunk "0" first, is France's.
        pytest.param(
            {"text": "+49 30 12345678 06 12 34 56 78 06 98 76 54 32"},
            [
                ("+49 30 12345678", "+493012345678"),
                ("06 12 34 56 78", "+33612345678"),
                ("06 98 76 54 32", "+33698765432"),
            ],
            id="after-a-german-number",
        ),
        pytest.param(
            {"text": "tel +49 30 12345678 06 12 34 56 78"},
            [("+49 30 12345678", "+493012345678"), ("06 12 34 56 78", "+33612345678")],
            id="one-after-a-german-number",
        ),
        pytest.param(
            {"text": "+49 30 12345678", "note": "or 06 12 34 56 78"},
            [("+49 30 12345678", "+493012345678"), ("06 12 34 56 78", "+33612345678")],
            id="german-number-in-another-field",
        ),
        # Grouped as Germany prints it, or otherwise than France does, it stays German.
        pytest.param(
            {"text": "+49 30 12345678 06123 45678"},
            [("+49 30 12345678", "+493012345678"), ("06123 45678", "+49612345678")],
            id="german-grouping-after-a-german-number",
        ),
        pytest.param(
            {"text": "+49 30 12345678 0612345678"},
            [("+49 30 12345678", "+493012345678"), ("0612345678", "+49612345678")],
            id="unbroken-after-a-german-number",
        ),
        # Its first group as that country prints it, trunk "0" and prefix, the pairs after
        # are how people write its numbers there too: the Dutch mobile, Rome's number.
        pytest.param(
            {"text": "+31 20 123 4567 06 12 34 56 78"},
            [("+31 20 123 4567", "+31201234567"), ("06 12 34 56 78", "+31612345678")],
            id="dutch-mobile-after-a-dutch-number",
        ),
        pytest.param(
            {"text": "+31 20 123 4567 06 12 34 56 78 06 11 22 33 44"},
            [
                ("+31 20 123 4567", "+31201234567"),
                ("06 12 34 56 78", "+31612345678"),
                ("06 11 22 33 44", "+31611223344"),
            ],
            id="dutch-mobiles-run-after-a-dutch-number",
        ),
        pytest.param(
            {"text": "+39 06 1234 5678", "note": "or 06 12 34 56 79"},
            [("+39 06 1234 5678", "+390612345678"), ("06 12 34 56 79", "+390612345679")],
            id="rome-after-an-italian-number",
        ),
        # A country field says more than a grouping: the document's own country reads it.
        pytest.param(
            {"text": "tel 06 12 34 56 78 06 98 76 54 32", "country": "DE"},
            [("06 12 34 56 78", "+49612345678"), ("06 98 76 54 32", "+49698765432")],
            id="german-document",
        ),
        pytest.param(
            {"text": "tel 06 12 34 56 78 06 11 22 33 44", "country": "NL"},
            [("06 12 34 56 78", "+31612345678"), ("06 11 22 33 44", "+31611223344")],
            id="dutch-document",
        ),
        pytest.param(
            {"text": "tel 030 1234 5678 030 1234 5679 030 1234 5670", "country": "DE"},
            [
                ("030 1234 5678", "+493012345678"),
                ("030 1234 5679", "+493012345679"),
                ("030 1234 5670", "+493012345670"),
            ],
            id="berlin-in-fours",
        ),
    ],
)
def test_a_long_run_in_a_documents_country_ends_each_number_where_its_grouping_does(
    doc: dict[str, str], numbers: list[tuple[str, str]]
) -> None:
    got = scan_document(doc, types={P})
    assert [(_value_at(doc, h), h.normalized) for h in got] == numbers


def _value_at(doc: dict[str, str], hit: Hit) -> str:
    return doc[hit.path][hit.start : hit.end]


@pytest.mark.parametrize(
    ("prefer", "number"),
    [
        pytest.param((("DE", True),), "+33612345678", id="only-a-phone-points-there"),
        pytest.param((("DE", False),), "+49612345678", id="a-field-points-there"),
        pytest.param((("NL", True), ("DE", True)), "+31612345678", id="dutch-prefix-first"),
    ],
)
def test_the_window_reader_is_told_in_so_many_words_which_countries_only_phones_point_at(
    prefer: tuple[tuple[str, bool], ...], number: str
) -> None:
    # The document's countries reach the cached window reader as they are named, each
    # with whether only other phones point at it: no flag hidden in the case of a name
    # that other readers of the same tuple compare as written.
    from leakhound.detect import phone

    assert [n[2] for n in phone._numbers_in("06 12 34 56 78", False, prefer)] == [number]


@pytest.mark.parametrize(
    ("doc", "e164s"),
    [
        # One window of two-digit groups with no trunk "0": no country in our list prints
        # a number so ("63 15 43 75 72" was +1 631 543 7572, "33 31 23 45 67" Italian).
        pytest.param({"text": "tel 63 15 43 75 72"}, [], id="cued-us-digits"),
        pytest.param({"text": "tel 33 31 23 45 67"}, [], id="cued-italian-digits"),
        pytest.param({"text": "63 15 43 75 72", "country": "US"}, [], id="us-document"),
        pytest.param({"phone": "63 15 43 75 72"}, [], id="phone-field"),
        # Dotted, as France dots its numbers: no trunk "0", no country code, no number.
        pytest.param({"text": "63.15.43.75.72"}, [], id="dotted"),
        pytest.param({"text": "tel 63.15.43.75.72"}, [], id="dotted-cued"),
        pytest.param({"phone": "63.15.43.75.72"}, [], id="dotted-phone-field"),
        pytest.param({"text": "tel 06.12.34.56.78"}, ["+33612345678"], id="dotted-french"),
        pytest.param({"text": "+33 6.12.34.56.78"}, ["+33612345678"], id="dotted-intl"),
        # As its own country prints it, or "0" first, it is a number.
        pytest.param(
            {"text": "tel 32 12 34 56", "country": "DK"}, ["+4532123456"], id="danish-document"
        ),
        pytest.param({"text": "tel 06 12 34 56 78"}, ["+33612345678"], id="french-trunk-0"),
        pytest.param({"text": "tel 631 543 7572"}, ["+16315437572"], id="us-as-printed"),
    ],
)
def test_pairs_without_a_trunk_0_are_a_number_only_as_its_country_prints_them(
    doc: dict[str, str], e164s: list[str]
) -> None:
    assert [h.normalized for h in scan_document(doc, types={P})] == e164s


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        pytest.param(
            "tel +33 6 12 34 56 78 06 98 76 54 32 01 23 45 67 89",
            ["+33 6 12 34 56 78", "06 98 76 54 32", "01 23 45 67 89"],
            id="cued",
        ),
        pytest.param(
            "+33 6 12 34 56 78 06 98 76 54 32 01 23 45 67 89",
            ["+33 6 12 34 56 78", "06 98 76 54 32", "01 23 45 67 89"],
            id="cue-less",
        ),
        pytest.param(
            "+49 151 23456789 0151 23456710 0151 23456711",
            ["+49 151 23456789", "0151 23456710", "0151 23456711"],
            id="then-trunk-0",
        ),
    ],
)
def test_a_long_run_starting_with_a_country_code_reads_it(text: str, numbers: list[str]) -> None:
    # The first stretch starts at the "+", not at the country code's digits ("33 6 12 …"
    # was read as an Italian number, "34 56 78 06 98 76" after it).
    assert found(text, P) == numbers


def test_no_country_prints_a_number_in_more_groups_than_a_split_reads() -> None:
    # _split_long reads no stretch of more groups than _MOST_GROUPS with a one-digit group:
    # every format phonenumbers prints with, national prefix and country code included.
    from phonenumbers import PhoneMetadata
    from phonenumbers.phonenumberutil import SUPPORTED_REGIONS

    from leakhound.detect import phone

    most = 0
    for region in SUPPORTED_REGIONS:
        metadata = PhoneMetadata.metadata_for_region(region)
        for fmt in [*metadata.number_format, *metadata.intl_number_format]:
            rule = fmt.format
            if fmt.national_prefix_formatting_rule:
                prefix = fmt.national_prefix_formatting_rule.replace(
                    "$NP", metadata.national_prefix or "0"
                ).replace("$FG", "\\1")
                first = re.search(r"\\\d", rule)
                assert first is not None
                rule = rule[: first.start()] + prefix + rule[first.end() :]
            national = len(re.findall(r"\d+", re.sub(r"\\\d", "9", rule)))
            most = max(most, national + 1)  # "+" and the country code
    assert most <= phone._MOST_GROUPS


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("5-+33612345678", id="difference-of-a-signed-number"),
        pytest.param("v2-+33612345678", id="version-then-signed-number"),
        pytest.param("abc1234567-+33698765432", id="glued-id-then-signed-number"),
    ],
)
def test_a_plus_after_a_hyphen_after_no_number_stays_glued(text: str) -> None:
    assert found(text, P) == []


def test_two_bare_numbers_joined_by_a_hyphen_are_read_as_bare_numbers() -> None:
    # Each is an unbroken run: nothing says "phone" without the document's country.
    assert hits("0612345678-0698765432", P) == []
    doc = {"text": "0612345678-0698765432", "language": "fr"}
    got = [h.normalized for h in scan_document(doc, types={P})]
    assert got == ["+33612345678", "+33698765432"]


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        pytest.param(33612345678, "+33612345678", id="int-without-plus"),
        pytest.param("4155550123", "+14155550123", id="bare-us-in-phone-field"),
        pytest.param("+33 6 12 34 56 78", "+33612345678", id="formatted"),
    ],
)
def test_phone_field_accepts_bare_and_numeric_values(value: object, e164: str) -> None:
    (h,) = scan_document({"customer": {"phone": value}}, types={P})
    assert h.path == "customer.phone"
    assert h.normalized == e164


def test_numbers_in_untitled_numeric_fields_are_not_phones() -> None:
    assert scan_document({"count": 4155550123}, types={P}) == []


@pytest.mark.parametrize(
    ("text", "number", "e164"),
    [
        pytest.param(
            "tel +31(0)20 123 4567", "+31(0)20 123 4567", "+31201234567", id="trunk-zero-no-space"
        ),
        pytest.param(
            "Tel. +49 (0) 30 1234567", "+49 (0) 30 1234567", "+49301234567", id="trunk-zero-spaced"
        ),
        pytest.param(
            "call (415) 555-0123 x7153", "(415) 555-0123", "+14155550123", id="extension-x"
        ),
        pytest.param(
            "call 415-555-0123 ext. 12", "415-555-0123", "+14155550123", id="extension-ext"
        ),
        pytest.param("call 415.555.0123 #318", "415.555.0123", "+14155550123", id="extension-hash"),
        pytest.param("call 001-415-555-0123", "001-415-555-0123", "+14155550123", id="access-001"),
        pytest.param(
            "tel 00 49 30 1234567", "00 49 30 1234567", "+49301234567", id="access-00-spaced"
        ),
        pytest.param(
            "Mi móvil es el 0034612345678", "0034612345678", "+34612345678", id="access-00-unbroken"
        ),
        pytest.param(
            "0049301234567 anytime", "0049301234567", "+49301234567", id="access-00-no-cue"
        ),
        pytest.param("ring +3166 658 9478", "+3166 658 9478", "+31666589478", id="odd-grouping"),
        pytest.param("ring +33613318 123", "+33613318 123", "+33613318123", id="odd-grouping-fr"),
        pytest.param(
            "Mi móvil es el 616.03.34.52", "616.03.34.52", "+34616033452", id="es-dotted-not-an-ip"
        ),
        pytest.param(
            "Pueden llamarme al 611676174.", "611676174", "+34611676174", id="es-cue-unbroken"
        ),
        pytest.param(
            "Sie erreichen mich unter 030 1234567", "030 1234567", "+49301234567", id="de-cue"
        ),
        # "card", "credit" and the like make a number word a card's, and say nothing alone.
        pytest.param(
            "Lost or stolen card? +44 20 7946 0000",
            "+44 20 7946 0000",
            "+442079460000",
            id="after-card-international",
        ),
        pytest.param(
            "Report a stolen card 0800 123 4567",
            "0800 123 4567",
            "+448001234567",
            id="after-card-national",
        ),
        pytest.param(
            "credit union +1 415 555 0123", "+1 415 555 0123", "+14155550123", id="after-credit"
        ),
        pytest.param(
            "Prepaid card, +33 6 12 34 56 78",
            "+33 6 12 34 56 78",
            "+33612345678",
            id="after-card-comma",
        ),
    ],
)
def test_numbers_as_support_data_writes_them_are_found(text: str, number: str, e164: str) -> None:
    result = hits(text, P)
    assert [text[h.start : h.end] for h in result] == [number]
    assert result[0].normalized == e164


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Numéro de série 327.850.3088 sous la batterie", id="serie-after-numero"),
        pytest.param("Die Bestellung 415-555-0123 ist noch offen", id="bestellung"),
        pytest.param("Licence key 415 555 0123 was rejected", id="licence-key"),
        pytest.param("Factuur 624.826.2489 klopt niet", id="factuur"),
        pytest.param("L'ordine 689 418 9540 risulta in lavorazione", id="ordine"),
        pytest.param("El pedido 965 536 5807 sigue en preparación", id="pedido"),
        pytest.param("Invoice 765.688.7253 has the wrong VAT rate", id="invoice-dotted"),
        pytest.param("I'm on 2016100157 most afternoons", id="bare-us-run-no-cue"),
        pytest.param("Windows build 10.0.22631.4691 here", id="windows-build"),
        pytest.param("La aplicación dice versión 11.5.83", id="version"),
        pytest.param("Der Fehler trat am 05.03.2025 14:22 auf", id="german-timestamp"),
    ],
)
def test_ids_and_versions_in_support_text_are_not_phones(text: str) -> None:
    assert found(text, P) == []


@pytest.mark.parametrize(
    ("doc", "e164"),
    [
        pytest.param({"country": "DE", "phone": "0571 457379"}, "+49571457379", id="country-field"),
        pytest.param(
            {"locale": "fr_FR", "text": "tel 01 82 63 85 79"}, "+33182638579", id="locale-field"
        ),
        pytest.param(
            {"text": "call 0571 457379", "address": "Bahnhofstraße 3, Minden, Germany"},
            "+49571457379",
            id="address",
        ),
        pytest.param(
            {"text": "ring 020 123 4567", "email": "anna@ziggo.nl"}, "+31201234567", id="email-tld"
        ),
        pytest.param(
            {"text": "ring 0571 457379 or +39 333 123 4567"}, "+390571457379", id="other-phone"
        ),
        pytest.param(
            {"text": "tel 06 12 34 56 78, IBAN NL91 ABNA 0417 1643 00"},
            "+31612345678",
            id="iban-country",
        ),
        pytest.param({"country": "GB", "phone": "07700 900123"}, "+447700900123", id="uk-drama"),
        pytest.param(
            {"language": "nl", "text": "tel 0612345678 - 0698765432"},
            "+31612345678",
            id="two-numbers-in-one-run",
        ),
        pytest.param(
            {"country": "DE", "text": "call 07700 900123"}, "+497700900123", id="de-07-area"
        ),
    ],
)
def test_a_national_number_is_read_in_its_documents_country(doc: object, e164: str) -> None:
    got = [h.normalized for h in scan_document(doc, types={P})]
    assert e164 in got


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(
            {"customer_lat": "50.82709", "customer_lon": "6.9747", "customer_country": "Germany"},
            id="csv-latitude-german-customer",
        ),
        pytest.param({"geo": {"lat": "-33.86882", "lon": "151.2093"}}, id="signed-latitude"),
        pytest.param({"latitude": 48.07667, "longitude": 8.64409}, id="numeric-coordinates"),
    ],
)
def test_coordinates_in_coordinate_fields_are_not_phones(doc: object) -> None:
    assert scan_document(doc, types={P}) == []


def test_a_phone_in_a_location_field_is_still_found() -> None:
    doc = {"location": "reception, call +49 30 1234567"}
    assert [h.normalized for h in scan_document(doc, types={P})] == ["+49301234567"]


def test_a_bare_national_run_needs_its_documents_country() -> None:
    alone = {"text": "Overdag op 0612345678 bereikbaar? nee: op 0612345678"}
    assert [h.normalized for h in scan_document({"text": "ok 0612345678"}, types={P})] == []
    dutch = {"text": "ok 0612345678", "language": "nl"}
    assert [h.normalized for h in scan_document(dutch, types={P})] == ["+31612345678"]
    assert scan_document(alone, types={P})  # "bereikbaar" says phone


def test_a_guessed_country_scores_lower_than_the_documents_own() -> None:
    guessed = hits("tel 0571 457379", P)[0].score
    (known,) = scan_document({"text": "tel 0571 457379", "country": "DE"}, types={P})
    assert known.score > guessed


# Germany (DIN 5008) writes a direct line's extension after a hyphen: "030 1234567-8" is
# Berlin's 030 1234567, extension 8, dialled as +49 30 12345678. No other country in the
# usual order writes a number so, though Britain's plan accepts the same 11 digits
# (0301 234 5678), France's 0221 12345 0 and the Netherlands' 040 1234567.
@pytest.mark.parametrize(
    ("text", "e164"),
    [
        pytest.param("tel 030 1234567-8", "+493012345678", id="berlin-not-uk-030"),
        pytest.param("tel 0221 12345-0", "+49221123450", id="cologne-not-france"),
        pytest.param("tel 040 123456-7", "+49401234567", id="hamburg-not-netherlands"),
        pytest.param("tel 030 1234567-89", "+4930123456789", id="two-digit-extension"),
        pytest.param("tel 069 1234567-8", "+496912345678", id="frankfurt"),
    ],
)
def test_a_hyphen_extension_is_read_as_germany_writes_it(text: str, e164: str) -> None:
    (h,) = hits(text, P)
    assert (text[h.start : h.end], h.normalized) == (text[4:], e164)
    # Its country is guessed, not known: it scores as a guessed number does.
    assert h.score == hits("tel 0571 457379", P)[0].score


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        pytest.param("tel 0301 234 5678", "+443012345678", id="uk-grouping"),
        pytest.param("tel 0301 234567-8", "+443012345678", id="no-german-grouping-before"),
        pytest.param("tel 06 12 34 56-78", "+33612345678", id="french-pairs"),
    ],
)
def test_other_groupings_of_the_same_digits_keep_their_country(text: str, e164: str) -> None:
    assert [h.normalized for h in hits(text, P)] == [e164]


@pytest.mark.parametrize(
    ("country", "e164"),
    [
        pytest.param("DE", "+493012345678", id="germany"),
        pytest.param("GB", "+443012345678", id="britain"),
    ],
)
def test_a_hyphen_extension_is_read_in_the_documents_country(country: str, e164: str) -> None:
    doc = {"text": "tel 030 1234567-8", "country": country}
    (h,) = scan_document(doc, types={P})
    assert h.normalized == e164
    assert h.score > hits("tel 030 1234567-8", P)[0].score


def test_context_word_raises_the_score() -> None:
    bare = hits("06 12 34 56 78", P)[0].score
    called = hits("call 06 12 34 56 78", P)[0].score
    assert called > bare


def test_masked_phone_keeps_country_code_and_last_two_digits() -> None:
    (h,) = hits("call +33 6 12 34 56 78", P)
    assert h.masked == "+33 ***78"
    assert "612345" not in h.masked


# A number glued to what comes before it: kept when the word says "phone", when the field
# does, or when it is "+", a country code and a separator; read whole, never from its middle.


@pytest.mark.parametrize(
    ("text", "number", "e164"),
    [
        pytest.param("Tel:+442071838750", "+442071838750", "+442071838750", id="tel-colon-plus"),
        pytest.param(
            "Tel:+44 20 7183 8750", "+44 20 7183 8750", "+442071838750", id="tel-colon-spaced"
        ),
        pytest.param("call+15774047737", "+15774047737", "+15774047737", id="call-plus"),
        pytest.param(
            "phone+1 577-404-7737", "+1 577-404-7737", "+15774047737", id="phone-plus-grouped"
        ),
        pytest.param("mobile07911123456", "07911123456", "+447911123456", id="mobile-national"),
        pytest.param("tel0612345678", "0612345678", "+33612345678", id="tel-unbroken"),
        pytest.param("Tel.0612345678", "0612345678", "+33612345678", id="tel-dot"),
        pytest.param(
            "Tel:06 12 34 56 78", "06 12 34 56 78", "+33612345678", id="tel-colon-national"
        ),
        pytest.param(
            "Tel.+44 20 7183 8750", "+44 20 7183 8750", "+442071838750", id="tel-dot-plus"
        ),
        pytest.param("FAX:+49 30 1234567", "+49 30 1234567", "+49301234567", id="fax-upper"),
        pytest.param("Handy0151 23456789", "0151 23456789", "+4915123456789", id="de-handy"),
        pytest.param("call4155550123", "4155550123", "+14155550123", id="call-us-unbroken"),
        pytest.param("phone:(415) 555-0123", "(415) 555-0123", "+14155550123", id="colon-bracket"),
        pytest.param(
            "users/+44 20 7183 8750/", "+44 20 7183 8750", "+442071838750", id="path-segment"
        ),
        pytest.param(
            "a+33 6 12 34 56 78", "+33 6 12 34 56 78", "+33612345678", id="any-word-spaced-code"
        ),
        pytest.param("whatsapp:+14155238886", "+14155238886", "+14155238886", id="uri-scheme-plus"),
        pytest.param("Tel/Fax:030 1234567", "030 1234567", "+49301234567", id="tel-slash-fax"),
        pytest.param(
            "see ABC5034441 06 12 34 56 78",
            "06 12 34 56 78",
            "+33612345678",
            id="after-a-glued-id",
        ),
        pytest.param("Tel.:030 1234567", "030 1234567", "+49301234567", id="tel-dot-colon"),
        pytest.param("M:07700 900456", "07700 900456", "+447700900456", id="m-label-glued"),
        pytest.param("M: 07911123456", "07911123456", "+447911123456", id="m-label-unbroken"),
        pytest.param("Mob:07911123456", "07911123456", "+447911123456", id="mob-label-glued"),
        pytest.param("Mob. 07911123456", "07911123456", "+447911123456", id="mob-dot-label"),
        pytest.param("ph:020 7946 0958", "020 7946 0958", "+442079460958", id="ph-label-glued"),
        pytest.param("ph: 02079460958", "02079460958", "+442079460958", id="ph-label-unbroken"),
        pytest.param("T: 0612345678", "0612345678", "+33612345678", id="t-label-signature"),
        pytest.param("Fax-06 12 34 56 78", "06 12 34 56 78", "+33612345678", id="fax-hyphen"),
        pytest.param("Tel-0612345678", "0612345678", "+33612345678", id="tel-hyphen-unbroken"),
    ],
)
def test_numbers_glued_to_a_word_saying_phone_are_found(text: str, number: str, e164: str) -> None:
    result = hits(text, P)
    assert [text[h.start : h.end] for h in result] == [number]
    assert result[0].normalized == e164


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("hotel0612345678", id="cue-inside-a-longer-word"),
        pytest.param("order0612345678", id="order-glued"),
        pytest.param("INV0612345678", id="invoice-prefix"),
        pytest.param("user4155550123", id="username-digits"),
        pytest.param("SN:0612345678", id="serial-colon"),
        pytest.param("build.4155550123", id="build-dot"),
        pytest.param("abc+15774047737", id="base64-like-plus"),
        pytest.param("ab/+15774047737x", id="base64-like-slash-plus"),
        pytest.param("a+4420 7946 0958", id="plus-four-digits-glued"),
        pytest.param("order+33 6 12 34 56 78", id="order-glued-spaced-code"),
        pytest.param("pkg 3.5.26+352.30676427", id="version-build-metadata"),
        pytest.param("key:+1234567890123", id="signed-id-after-colon"),
        pytest.param("ts:+0100", id="zone-offset-after-colon"),
        pytest.param("offset:+05:30", id="zone-offset-with-colon"),
        pytest.param("v:+1.2.3", id="signed-version"),
        pytest.param('{"n":+15,"m":+4420}', id="signed-json-numbers"),
        pytest.param("2.16.36+459.6756581", id="version-build-metadata-bare"),
        pytest.param("2+33 6 12 34 56 78", id="sum-before-a-spaced-code"),
        pytest.param("at:1709634121000", id="epoch-after-colon"),
        pytest.param("ts=2024-03-05T10:22:01+01:00", id="timezone-offset"),
        pytest.param("release v10.0.19045.2965", id="version-after-v"),
        pytest.param("id_0612345678", id="underscore-id"),
        pytest.param("ticket-0612345678", id="dash-id"),
        pytest.param("user-06 12 34 56 78", id="dash-word-saying-nothing-spaced"),
        pytest.param("SKU-06 12 34 56 78 06 98 76 54 32", id="dash-word-before-a-long-run"),
        pytest.param("telephone" * 3 + "0612345678", id="word-longer-than-any-cue"),
        # Labels count as labels only: a capital letter before ":", "mob" and "ph" before
        # ":" or ".", and nothing longer glued before them.
        pytest.param("m:0612345678", id="lower-case-letter-not-a-label"),
        pytest.param("x: 0612345678", id="other-letter-not-a-label"),
        pytest.param("M. 0612345678", id="initial-not-a-label"),
        pytest.param("I'm 0612345678", id="apostrophe-m-not-a-label"),
        pytest.param("Ph.D. 0612345678", id="phd-not-a-label"),
        pytest.param("amph: 0612345678", id="label-inside-a-word"),
        pytest.param("t:1709634121", id="log-key-t"),
        pytest.param("SN.:0612345678", id="serial-dot-colon"),
    ],
)
def test_ids_glued_to_a_word_are_not_phones(text: str) -> None:
    assert found(text, P) == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("ph:+33 6 12 34 56 78", id="ph-glued-plus"),
        pytest.param("ph: 020 7946 0958", id="ph-spaced"),
        pytest.param("M: 07911 123456", id="m-spaced"),
        pytest.param("Mob: 07911 123456", id="mob-spaced"),
        pytest.param("Tel.: 030 1234567", id="tel-dot-colon-spaced"),
        pytest.param("P: 020 7946 0958", id="p-spaced"),
    ],
)
def test_a_label_says_phone_as_a_cue_word_does(text: str) -> None:
    number = text.partition(":")[2]
    (labelled,) = hits(text, P)
    (called,) = hits("phone " + number.strip(), P)
    assert (labelled.normalized, labelled.score) == (called.normalized, called.score)


@pytest.mark.parametrize(
    ("value", "number", "e164"),
    [
        pytest.param("UK+4420 7183 8750", "+4420 7183 8750", "+442071838750", id="country-prefix"),
        pytest.param("Mob.07911123456", "07911123456", "+447911123456", id="abbreviation-dot"),
    ],
)
def test_a_phone_field_reads_a_number_glued_to_any_word(value: str, number: str, e164: str) -> None:
    (h,) = scan_document({"phone": value}, types={P})
    assert (value[h.start : h.end], h.normalized) == (number, e164)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("Tel:+44 20 7183 8750", "Tel:+44 ***50", id="tel-colon"),
        pytest.param("call+1 577-404-7737 now", "call+1 ***37 now", id="call-plus"),
        pytest.param("users/+44 20 7183 8750/", "users/+44 ***50/", id="path"),
        pytest.param("tel+33 6 12 34 56 78", "tel+33 ***78", id="fr-not-read-as-es"),
        pytest.param("mobile07911123456", "mobile+44 ***56", id="mobile-national"),
        pytest.param("M:07700 900456", "M:+44 ***56", id="m-label-uk-drama"),
        pytest.param("Tel.:030 1234567", "Tel.:+49 ***67", id="tel-dot-colon"),
        pytest.param(
            "tel 0612345678-0698765432", "tel +33 ***78-+33 ***32", id="two-joined-by-a-hyphen"
        ),
    ],
)
def test_a_glued_number_is_masked_whole_with_its_country_code_once(text: str, shown: str) -> None:
    assert masked_text(text) == shown


def test_glued_runs_read_the_text_once_for_its_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    # Which digits a text holds was read again for each run glued to a word: 8,000 ids
    # ("abcd1234567") in 96 KB of text with one CJK character took 30 s instead of 0.02.
    calls = 0
    only_ascii_digits = digits.only_ascii_digits

    def counted(text: str) -> bool:
        nonlocal calls
        calls += 1
        return only_ascii_digits(text)

    monkeypatch.setattr(digits, "only_ascii_digits", counted)
    text = "漢 " + "abcd1234567 " * 200 + "Tue Mar 05 2024 10:22:01 tel 06 12 34 56 78 10:30"
    assert [h.normalized for h in hits(text, P)] == ["+33612345678"]
    assert calls <= 2


# The fast readings (phone._valid_number, phone._is_valid) against phonenumbers itself.


def _windows() -> list[str]:
    import random

    rnd = random.Random(1)
    windows = [
        "+44 (0)20 7946 0958", "+33 (0)6 12 34 56 78", "0033 6 12 34 56 78", "+39 06 6982 1234",
        "06 6982 1234", "333 123 4567", "39 333 123 4567", "34612345678", "1-800-555-0199",
        "(415) 555-0123", "0180020 1234", "+7 800 555 35 35", "+1 242 359 1234", "+44 1624 756789",
        "000 123 4567", "+0 612 345 678", "+999 1234 5678",
    ]  # fmt: skip
    for _ in range(3000):
        digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(7, 13)))
        prefix = rnd.choice(["", "", "0", "+", "+33 ", "+44 ", "+39 ", "+49 ", "+1 ", "00"])
        windows.append(prefix + " ".join([digits[:3], digits[3:6], digits[6:]]).strip())
    # Longer runs (cards, ids), a country code or the US international prefix in front,
    # a zero after a country code (kept in Italy, a trunk prefix elsewhere).
    codes = sorted(COUNTRY_CODE_TO_REGION_CODE)
    for _ in range(3000):
        digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(7, 19)))
        some_code = f"+{rnd.choice(codes)} 0"
        prefix = rnd.choice(
            ["", "1", "11", "111", "34", "39", "011 ", "10.0.", "+39 0", "+39 00", some_code]
        )
        sep = rnd.choice(["", " ", "-"])
        windows.append(prefix + sep.join([digits[:4], digits[4:8], digits[8:]]).strip(sep))
    return windows


def test_unbroken_long_runs_hold_no_number_without_a_trunk_zero() -> None:
    # What _numbers_in assumes when it skips the matcher for such a run.
    import random

    from leakhound.detect import phone

    rnd = random.Random(2)
    for _ in range(150):
        run = str(rnd.randint(1, 9)) + "".join(
            rnd.choice("0123456789") for _ in range(rnd.randint(15, 40))
        )
        assert phone._matched(run, phone._NO_TRUNK) == (), run
        assert phone._numbers_in(run, True) == ()
    # With a trunk "0", Germany's 15-digit numbers do fit: those still go to the matcher.
    assert phone._numbers_in("0777417385612768", True) == (
        (0, 16, "+49777417385612768", False, phone._GUESSED),
    )


def test_national_grouping_agrees_with_format_number_in_every_country() -> None:
    import random

    import phonenumbers
    from phonenumbers import PhoneNumberFormat

    from leakhound.detect import phone

    rnd = random.Random(3)
    checked = 0
    for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            for kind in range(11):
                example = (
                    phonenumbers.example_number_for_non_geo_entity(cc)
                    if region == "001"
                    else phonenumbers.example_number_for_type(region, kind)
                )
                if example is None:
                    continue
                national = phonenumbers.national_significant_number(example)
                for _ in range(3):
                    digits = list(national)
                    digits[rnd.randrange(len(digits))] = rnd.choice("0123456789")
                    if rnd.random() < 0.2:
                        digits.append(rnd.choice("0123456789"))
                    text = "".join(digits)
                    if not text.strip("0"):
                        continue
                    number = phone._number(cc, text)
                    expected = phone._groups(
                        phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
                    )
                    assert phone._national_groups(number) == expected, (cc, region, text)
                    checked += 1
    assert checked > 4000


def test_fast_reading_of_a_window_agrees_with_parsing_it() -> None:
    from leakhound.detect import phone

    for window in _windows():
        compact = phone._NON_DIGIT.sub("", window)
        for region in ("US", "GB", "DE", "FR", "NL", "ES", "IT"):
            fast = phone._valid_number(window, compact, region)
            slow = phone._parsed(window, region)
            assert (fast and phone._e164(fast)) == (slow and phone._e164(slow)), (window, region)


def test_fast_validity_agrees_with_is_valid_number_in_every_country() -> None:
    import random

    import phonenumbers
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneNumber

    from leakhound.detect.phone import _is_valid

    rnd = random.Random(5)
    checked = valid = 0
    for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        for kind in range(11):
            example = (
                phonenumbers.example_number_for_non_geo_entity(cc)
                if regions[0] == "001"
                else phonenumbers.example_number_for_type(regions[0], kind)
            )
            for _ in range(4):
                if example is not None and rnd.random() < 0.7:
                    national = list(phonenumbers.national_significant_number(example))
                    national[rnd.randrange(len(national))] = rnd.choice("0123456789")
                    text = "".join(national)
                else:
                    text = "".join(rnd.choice("123456789") for _ in range(rnd.randint(5, 12)))
                if text[0] == "0":
                    continue
                expected = phonenumbers.is_valid_number(
                    PhoneNumber(country_code=cc, national_number=int(text))
                )
                assert _is_valid(cc, text) == expected, (cc, text)
                checked += 1
                valid += expected
    assert checked > 5000 and valid > 1000  # both answers well represented


def test_fast_validity_agrees_with_is_valid_number_in_each_region_of_a_shared_code() -> None:
    import random

    import phonenumbers
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneNumber

    from leakhound.detect.phone import _is_valid

    # +1, +7, +39, +44, +262…: phonenumbers picks the region by leading digits or by
    # patterns, one after another; _is_valid reads the same regions in the same order.
    rnd = random.Random(7)
    checked = valid = 0
    for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        if len(regions) < 2 or regions[0] == "001":
            continue
        for region in regions:
            for kind in range(11):
                example = phonenumbers.example_number_for_type(region, kind)
                for _ in range(8):
                    if example is not None and rnd.random() < 0.8:
                        national = list(phonenumbers.national_significant_number(example))
                        for _ in range(rnd.randint(0, 2)):
                            national[rnd.randrange(len(national))] = rnd.choice("0123456789")
                        text = "".join(national)
                    else:
                        text = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(4, 15)))
                    if text[0] == "0":
                        continue
                    expected = phonenumbers.is_valid_number(
                        PhoneNumber(country_code=cc, national_number=int(text))
                    )
                    assert _is_valid(cc, text) == expected, (cc, region, text)
                    checked += 1
                    valid += expected
    assert checked > 3000 and valid > 1000  # both answers well represented
