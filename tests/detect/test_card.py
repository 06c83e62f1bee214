"""CREDIT_CARD: Luhn-valid numbers in known issuer ranges; other 16-digit ids left alone."""

from __future__ import annotations

import pytest

from leakhound.detect import scan_document

from .util import found, hits

C = "CREDIT_CARD"


@pytest.mark.parametrize(
    ("text", "card"),
    [
        pytest.param("card 4111 1111 1111 1111 exp 12/27", "4111 1111 1111 1111", id="visa-spaced"),
        pytest.param("4111-1111-1111-1111", "4111-1111-1111-1111", id="visa-dashed"),
        pytest.param("cc=4539148803436467;", "4539148803436467", id="visa-unbroken"),
        pytest.param("5555 5555 5555 4444", "5555 5555 5555 4444", id="mastercard"),
        pytest.param("2223 0031 2200 3222", "2223 0031 2200 3222", id="mastercard-2-series"),
        pytest.param("amex 3782 822463 10005", "3782 822463 10005", id="amex-4-6-5"),
        pytest.param("6011 1111 1111 1117", "6011 1111 1111 1117", id="discover"),
        pytest.param("3530 1113 3330 0000", "3530 1113 3330 0000", id="jcb"),
        pytest.param("4222222222222", "4222222222222", id="visa-13"),
        pytest.param("card 3852 0000 0232 37 on file", "3852 0000 0232 37", id="diners-38-14"),
        pytest.param("diners 38520000023237", "38520000023237", id="diners-38-14-unbroken"),
        pytest.param("jcb 213110767651300", "213110767651300", id="jcb-15-2131"),
        pytest.param("card 1800 3754 0886 748", "1800 3754 0886 748", id="jcb-15-1800"),
        pytest.param("my credit card: 122000000000003", "122000000000003", id="uatp"),
        # Outside the issuer table, Luhn-valid, and called a card by the words before it.
        pytest.param(
            "Customer read card number 3504302666520536 over the phone",
            "3504302666520536",
            id="called-a-card-outside-the-table",
        ),
        pytest.param(
            "Customer read card number 639086491540 over the phone",
            "639086491540",
            id="12-digit-maestro-not-a-phone",
        ),
        pytest.param("n° de carte 0604 7820 1605", "0604 7820 1605", id="carte-outside-the-table"),
        pytest.param(
            "credit card 3504302666520536", "3504302666520536", id="credit-card-outside-the-table"
        ),
        pytest.param("maestro 3504302666520536", "3504302666520536", id="brand-outside-the-table"),
        pytest.param(
            "tarjeta de crédito 3504302666520536",
            "3504302666520536",
            id="tarjeta-de-credito-outside-the-table",
        ),
    ],
)
def test_card_numbers_are_found(text: str, card: str) -> None:
    result = hits(text, C)
    assert [text[h.start : h.end] for h in result] == [card]
    assert result[0].normalized == card.replace(" ", "").replace("-", "")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("4111 1111 1111 1112", id="luhn-fails"),
        pytest.param("id 1234567812345678", id="16-digit-id-not-luhn"),
        pytest.param("9999 9999 9999 9995", id="luhn-ok-unknown-issuer"),
        pytest.param("4111 1111-1111 1111", id="mixed-separators"),
        pytest.param("2024 0305 1022 0100", id="digits-of-a-timestamp"),
        pytest.param("epoch 1709634121000", id="epoch-millis"),
        pytest.param("uuid 550e8400-e29b-41d4-a716-446655440000", id="uuid"),
        pytest.param("Windows build 10.0.19045.2965", id="windows-build"),
        pytest.param("v4111.1111.1111.1111", id="dotted-version"),
        pytest.param("x41111111111111111", id="glued-to-letters"),
        pytest.param("41111111111111111111111", id="too-long"),
        # Luhn-valid outside the table: a card only when something calls it one.
        pytest.param("ref 3504302666520536", id="outside-the-table-an-id"),
        pytest.param("payment ref 3504302666520536", id="outside-the-table-a-payment-ref"),
        pytest.param("card order number 3504302666520536", id="card-order-number"),
        # "card", "credit", "debit" alone name other things than a payment card.
        pytest.param("SIM card 8944100003030303030", id="iccid-after-sim-card"),
        pytest.param("SIM card number 8944100003030303030", id="iccid-after-sim-card-number"),
        pytest.param("gift card balance 702312150001238", id="gift-card-balance"),
        pytest.param("gift card number 702312150001238", id="gift-card-number"),
        pytest.param("Direct debit mandate 202312150001233", id="direct-debit-mandate"),
        pytest.param("Credit note 902312150001236", id="credit-note"),
        # In the issuer table, and Luhn-valid: the document's number, not a card called one.
        pytest.param("Credit note 4539148803436467", id="credit-note-in-table"),
        pytest.param("debit memo 4539148803436467", id="debit-memo-in-table"),
        pytest.param("Direct debit 4539148803436467", id="direct-debit-in-table"),
        pytest.param("card 3504302666520536", id="outside-the-table-card-alone"),
    ],
)
def test_ids_that_are_not_cards_are_not_found(text: str) -> None:
    assert found(text, C) == []


def test_id_field_lowers_the_score() -> None:
    in_text = hits("4539148803436467", C)[0].score
    (in_id,) = scan_document({"order_id": "4539148803436467"}, types={C})
    assert in_id.score < in_text


def test_card_stored_as_a_number_is_found_in_a_card_field() -> None:
    (h,) = scan_document({"payment": {"card_number": 4539148803436467}}, types={C})
    assert h.path == "payment.card_number"
    assert h.masked == "****6467"


def test_luhn_agrees_with_stdnum() -> None:
    import random

    from stdnum import luhn

    from leakhound.detect.card import luhn_valid

    rnd = random.Random(2)
    numbers = [
        "".join(rnd.choice("0123456789") for _ in range(rnd.randint(12, 19))) for _ in range(3000)
    ]
    numbers += ["４１１１１１１１１１１１１１１１", "4111111111111111", "79927398713"]
    for number in numbers:
        assert luhn_valid(number) == luhn.is_valid(number), number
    assert sum(map(luhn_valid, numbers)) > 250  # about one in ten passes


def test_a_field_named_for_cards_calls_a_number_outside_the_table_a_card() -> None:
    (hit,) = scan_document({"card_number": "3504302666520536"}, types={C})
    assert hit.normalized == "3504302666520536"
    assert scan_document({"reference": "3504302666520536"}, types={C}) == []


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param({"sim_card": "8944100003030303030"}, id="sim-card-iccid"),
        pytest.param({"sim_card": "3504302666520536"}, id="sim-card"),
        pytest.param({"loyalty_card": "3504302666520536"}, id="loyalty-card"),
        pytest.param({"card_id": "3504302666520536"}, id="card-id"),
        pytest.param({"sim_card": {"number": "3504302666520536"}}, id="number-under-sim-card"),
        pytest.param({"card_number": "8944100003030303030"}, id="iccid-in-a-card-field"),
    ],
)
def test_a_card_field_that_is_no_payment_card_calls_nothing_outside_the_table_a_card(
    doc: dict[str, object],
) -> None:
    assert scan_document(doc, types={C}) == []


def test_card_number_is_not_read_as_a_phone() -> None:
    """The seeder's Maestro numbers are 12 digits, a phone's length: "number" belongs to
    "card" here, so the phone detector leaves them to the card's."""
    text = "Customer read card number 630440236028 over the phone; do not store."
    assert [h.entity_type for h in scan_document({"internal_notes": text})] == [C]


def test_every_card_number_the_lab_seeds_is_found_as_a_card() -> None:
    """The lab's cases hold Faker's card numbers of every kind it makes (JCB 15 and 16,
    12-digit Maestro, Diners, UATP-like…): each one is a card, and none is a phone."""
    from leakhound.lab.seeder import generate

    seeded = 0
    for doc in generate(4_000, seed=5).docs:
        notes = doc.source.get("internal_notes", "")
        if "card number" not in notes:
            continue
        seeded += 1
        card = notes.split("card number ", 1)[1].split(" ", 1)[0]
        start = notes.index(card)
        on_card = [
            (h.entity_type, h.normalized)
            for h in scan_document({"internal_notes": notes})
            if h.start < start + len(card) and start < h.end
        ]
        assert on_card == [(C, card)], notes
    assert seeded >= 80
