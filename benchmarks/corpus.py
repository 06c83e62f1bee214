"""A labelled corpus of support tickets for the detector benchmarks; deterministic by seed.

Each ticket is ~800 bytes of English prose written by customers of seven locales (en_US,
en_GB, fr_FR, de_DE, es_ES, it_IT, nl_NL) and holds personal data at known offsets:
e-mail addresses in every obfuscation people use, phone numbers in the national and
international formats of the seven countries, Luhn-valid cards, valid IBANs and SSNs,
IPv4/IPv6 addresses, names and cities, beside hard negatives that look like them
(Windows builds, KB ids, hex error codes, 16-digit non-Luhn ids, timestamps, versions,
serials, prose with "at" and "dot"). Faker supplies the people; the checksums are ours.

Run ``python benchmarks/corpus.py [N] [SEED]`` to print N tickets as JSON lines.
"""

from __future__ import annotations

import ipaddress
import json
import random
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime

import phonenumbers
from arguments import counts
from faker import Faker
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from stdnum import iban as stdnum_iban
from stdnum import luhn

LOCALES = ("en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL")
REGION = {
    "en_US": "US",
    "en_GB": "GB",
    "fr_FR": "FR",
    "de_DE": "DE",
    "es_ES": "ES",
    "it_IT": "IT",
    "nl_NL": "NL",
}
EMAIL_VARIANTS = (
    "plain",  # jane.doe@example.com
    "spaced-at",  # jane.doe @ example.com
    "space-for-dot",  # jane.doe @example com
    "spaced-dot",  # jane.doe @ example . com
    "words",  # jane.doe at example dot com
    "brackets",  # jane.doe[at]example[dot]com
    "parens",  # jane.doe(at)example.com
    "upper",  # JANE.DOE@EXAMPLE.COM
    "mailto",  # mailto:jane.doe@example.com (the label excludes "mailto:")
)
# Entity types a detector can be asked for, by the Presidio names every tool is mapped to.
PATTERN_TYPES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
)
NER_TYPES = ("PERSON", "LOCATION")
TYPES = PATTERN_TYPES + NER_TYPES
TARGET_BYTES = 800

# Real cities beside Faker's invented ones ("Port Petertown"): a recogniser trained on
# news knows the former, and tickets name both.
_CITIES = {
    "en_US": ("Chicago", "Houston", "Phoenix", "Seattle", "Denver", "Boston", "Atlanta"),
    "en_GB": ("Manchester", "Leeds", "Bristol", "Glasgow", "Liverpool", "Cardiff", "York"),
    "fr_FR": ("Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille", "Nantes", "Strasbourg"),
    "de_DE": ("Hamburg", "Munich", "Cologne", "Frankfurt", "Stuttgart", "Leipzig", "Dresden"),
    "es_ES": ("Madrid", "Barcelona", "Valencia", "Seville", "Bilbao", "Malaga", "Zaragoza"),
    "it_IT": ("Milan", "Rome", "Naples", "Turin", "Florence", "Bologna", "Genoa"),
    "nl_NL": ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Groningen", "Leiden", "Delft"),
}
_IBAN_LOCALES = ("en_GB", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL")

_SUBJECTS = (
    "Cannot log in after update",
    "Refund request",
    "Invoice shows the wrong amount",
    "App crashes on start",
    "Change of bank details",
    "Sync stopped working",
    "Double charge on my card",
    "Account locked",
    "Delivery never arrived",
    "Error during installation",
)
_FILLER = (
    "The app crashes as soon as I open the settings page.",
    "I already tried reinstalling and clearing the cache, with no luck.",
    "This started after the last update and happens every morning.",
    "Could you please look into it as soon as possible?",
    "It worked fine last week and nothing changed on my side.",
    "The progress bar stops halfway and then the window closes.",
    "I attached a screenshot of the message I get.",
    "My colleagues see the same problem on their laptops.",
    "Restarting the router did not help either.",
    "The export to spreadsheet fails with a generic message.",
    "We are on the business plan and have twelve seats.",
    "Please let me know if you need more information from me.",
    "The sync icon keeps spinning and nothing is uploaded.",
    "I was charged but the order still shows as pending.",
)
# Sentences holding a hard negative; "{}" is where the look-alike goes.
_NEGATIVES = {
    "windows-build": ("I am on Windows 10 build {}.", "OS version {} (x64)."),
    "kb-id": ("The update {} failed to install.", "After installing {} the issue began."),
    "hex-error": ("The installer stops with error {}.", "Event log shows code {}."),
    "non-luhn-16": ("My order reference is {}.", "Transaction id {} in the receipt."),
    "iso-timestamp": ("It failed at {} again.", "Last successful sync: {}."),
    "version": ("The client reports version {}.", "Running {} of the desktop app."),
    "serial": ("Device serial {} is on the sticker.", "The S/N is {} according to the box."),
    "prose": (
        "Logged at noon, dot release pending.",
        "We met at lunch and looked at the logs, dot by dot.",
        "I stayed at home on Monday; the fix is at least a dot release away.",
        "Look at the dashboard at 9am, the graph drops to zero.",
    ),
}
_EMAIL_CONTEXTS = (
    "You can email me at {}.",
    "My address is {} if you need it.",
    "Please write to {} instead.",
    "{} is my work address.",
    "Send the invoice to {} please.",
    "Contact: {}",
)
_PHONE_CONTEXTS = (
    "Please call me on {}.",
    "My phone number is {}.",
    "You can reach me at {} during office hours.",
    "Tel: {}",
    "Mobile {} (after 5pm).",
    "I am available on {} all week.",  # nothing that says "phone"
)
_CARD_CONTEXTS = (
    "My card {} was charged twice.",
    "The payment with card number {} failed.",
    "Please refund to the credit card {}.",
    "I paid with {} last Tuesday.",  # nothing that says "card"
)
_IBAN_CONTEXTS = (
    "Please send the refund to IBAN {}.",
    "My new bank account is {}.",
    "Transfer to {} would be best.",
)
_SSN_CONTEXTS = (
    "For the tax form my SSN is {}.",
    "Social security number: {}.",
    "The W-9 needs my social security number {}.",
)
_IP_CONTEXTS = (
    "I logged in from {} this morning.",
    "The client IP was {} according to the log.",
    "Connection from {} is refused.",
)
_PERSON_CONTEXTS = (
    "My name is {} and I have an account with you.",
    "Your colleague {} told me to open a ticket.",
    "Please ask {} to call me back.",
)
_SIGNATURES = ("Best regards,\n{}", "Thanks,\n{}", "Kind regards, {}")
_LOCATION_CONTEXTS = (
    "I am based in {}.",
    "Our office in {} has the same problem.",
    "The parcel was sent to {} two weeks ago.",
)


@dataclass(frozen=True, slots=True)
class Label:
    """One span of personal data (or, for negatives, of a look-alike) in a ticket."""

    text: str
    start: int
    end: int
    type: str  # Presidio's name; "NONE" for a hard negative
    variant: str  # how it is written: "words", "FR:national", "dashes", "kb-id"…


@dataclass(frozen=True, slots=True)
class Ticket:
    """One support ticket: its text, what is in it, and what only looks like it."""

    id: int
    locale: str
    text: str
    labels: tuple[Label, ...]
    negatives: tuple[Label, ...] = field(default=())


class _Builder:
    """Text written piece by piece, remembering where each labelled value landed."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.labels: list[Label] = []
        self.negatives: list[Label] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def sentence(
        self,
        template: str,
        value: str,
        kind: str,
        variant: str,
        inner: tuple[int, int] | None = None,
    ) -> None:
        """``template`` with ``value`` at "{}"; ``inner`` narrows the label inside it."""
        before, _, after = template.partition("{}")
        self.add(before)
        start = self.size
        self.add(value)
        lo, hi = inner if inner else (0, len(value))
        label = Label(value[lo:hi], start + lo, start + hi, kind, variant)
        (self.negatives if kind == "NONE" else self.labels).append(label)
        self.add(after)

    def bytes(self) -> int:
        return len("".join(self.parts).encode())

    def ticket(self, number: int, locale: str) -> Ticket:
        text = "".join(self.parts)
        for lab in (*self.labels, *self.negatives):
            assert text[lab.start : lab.end] == lab.text, lab
        return Ticket(number, locale, text, tuple(self.labels), tuple(self.negatives))


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum() or c in "._-").strip("._-")


def email(fake: Faker, rng: random.Random, variant: str) -> tuple[str, tuple[int, int]]:
    """An address written as ``variant``, and the span of the address inside it."""
    first, last = _ascii(fake.first_name()), _ascii(fake.last_name())
    local = (
        rng.choice(
            (
                f"{first}.{last}",
                f"{first[:1]}{last}",
                _ascii(fake.user_name()),
                f"{first}{rng.randint(1, 99)}",
            )
        ).strip(".")
        or "user"
    )
    domain = rng.choice((fake.free_email_domain(), fake.domain_name())).lower()
    if variant == "plain":
        return f"{local}@{domain}", (0, 0)
    if variant == "spaced-at":
        return f"{local} @ {domain}", (0, 0)
    if variant == "space-for-dot":
        head, _, tld = domain.rpartition(".")
        return f"{local} @{head} {tld}", (0, 0)
    if variant == "spaced-dot":
        return f"{local} @ {domain.replace('.', ' . ')}", (0, 0)
    if variant == "words":
        return f"{local} at {domain.replace('.', ' dot ')}", (0, 0)
    if variant == "brackets":
        return f"{local}[at]{domain.replace('.', '[dot]')}", (0, 0)
    if variant == "parens":
        return f"{local}(at){domain}", (0, 0)
    if variant == "upper":
        return f"{local}@{domain}".upper(), (0, 0)
    if variant == "mailto":
        return f"mailto:{local}@{domain}", (7, 0)
    raise ValueError(variant)


def phone(rng: random.Random, region: str, international: bool) -> str:
    """A valid number of ``region`` (mobile or fixed line) in its national or + format."""
    kind = rng.choice((PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE))
    example = phonenumbers.example_number_for_type(region, kind)
    nsn = phonenumbers.national_significant_number(example)
    keep = 0 if region == "US" else 2
    for _ in range(200):
        digits = nsn[:keep] + "".join(str(rng.randint(0, 9)) for _ in nsn[keep:])
        number = phonenumbers.parse(f"+{example.country_code}{digits}", None)
        if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
            kind,
            PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            fmt = PhoneNumberFormat.INTERNATIONAL if international else PhoneNumberFormat.NATIONAL
            return phonenumbers.format_number(number, fmt)
    raise RuntimeError(f"no valid {region} number found")  # pragma: no cover


def card(rng: random.Random) -> tuple[str, str]:
    """A Luhn-valid Visa, Mastercard, Amex or Discover number, grouped as people write it."""
    brand, prefix, length = rng.choice(
        (
            ("visa", "4", 16),
            ("mastercard", str(rng.randint(51, 55)), 16),
            ("amex", "37", 15),
            ("discover", "6011", 16),
        )
    )
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    number = body + luhn.calc_check_digit(body)
    style = rng.choice(("plain", "spaces", "dashes"))
    groups = (4, 6, 5) if length == 15 else (4, 4, 4, 4)
    if style != "plain":
        chunks, i = [], 0
        for g in groups:
            chunks.append(number[i : i + g])
            i += g
        number = (" " if style == "spaces" else "-").join(chunks)
    return number, f"{brand}:{style}"


def non_luhn_16(rng: random.Random) -> str:
    """Sixteen digits starting like a Visa whose Luhn check fails."""
    body = "4" + "".join(str(rng.randint(0, 9)) for _ in range(14))
    good = int(luhn.calc_check_digit(body))
    return body + str((good + rng.randint(1, 9)) % 10)


def ssn(rng: random.Random) -> str:
    """A number the SSA could have issued: area 001-899 except 666, group and serial not 0."""
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def iban(fake_by_locale: dict[str, Faker], rng: random.Random, locale: str) -> tuple[str, str]:
    """A valid IBAN of the ticket's country (a European one for en_US), compact or grouped."""
    country = locale if locale in _IBAN_LOCALES else rng.choice(_IBAN_LOCALES)
    number = fake_by_locale[country].iban()
    assert stdnum_iban.is_valid(number), number
    if rng.random() < 0.5:
        return " ".join(
            number[i : i + 4] for i in range(0, len(number), 4)
        ), f"{country[-2:]}:grouped"
    return number, f"{country[-2:]}:compact"


def negative(fake: Faker, rng: random.Random, kind: str) -> str:
    """A look-alike of personal data of the given kind."""
    if kind == "windows-build":
        build = rng.choice((19041, 19044, 19045, 22000, 22621, 22631))
        return f"10.0.{build}.{rng.randint(1000, 4999)}"
    if kind == "kb-id":
        return f"KB{rng.randint(4000000, 5059999)}"
    if kind == "hex-error":
        return rng.choice(
            ("0x80070005", "0x8007045D", "0xC1900101", "0x800F081F", f"0x{rng.getrandbits(32):08X}")
        )
    if kind == "non-luhn-16":
        return non_luhn_16(rng)
    if kind == "iso-timestamp":
        # Fixed bounds: "-2y" would depend on today and change the draws that follow.
        ts = fake.date_time_between(
            start_date=datetime(2023, 1, 1), end_date=datetime(2025, 12, 31)
        )
        return rng.choice(
            (ts.strftime("%Y-%m-%dT%H:%M:%SZ"), ts.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3])
        )
    if kind == "version":
        return rng.choice(
            (
                f"{rng.randint(1, 24)}.{rng.randint(0, 20)}.{rng.randint(0, 40)}",
                f"v{rng.randint(1, 9)}.{rng.randint(0, 99)}.{rng.randint(0, 9)}-beta",
            )
        )
    if kind == "serial":
        return rng.choice(
            (fake.bothify("SN-??##-####-??##").upper(), fake.bothify("##??#######").upper())
        )
    raise ValueError(kind)


def ipv6(rng: random.Random) -> str:
    """A global unicast IPv6 address (2000::/3), compressed as software prints it.

    Faker's ``ipv6()`` draws from the whole space, multicast and reserved ranges included,
    which no customer connects from.
    """
    return str(ipaddress.IPv6Address((0b001 << 125) | rng.getrandbits(125)))


def _stable(fake: Faker) -> None:
    """Sort word lists a provider built from a set (it_IT's cities), whose order changes
    with the string hash seed of each process."""
    for provider in fake.get_providers():
        for attr in ("cities",):
            values = getattr(provider, attr, None)
            if isinstance(values, list):
                setattr(provider, attr, sorted(values))


def _city(fake: Faker, rng: random.Random, locale: str) -> str:
    return rng.choice(_CITIES[locale]) if rng.random() < 0.5 else fake.city()


def tickets(n: int, seed: int = 0, locales: tuple[str, ...] = LOCALES) -> Iterator[Ticket]:
    """``n`` tickets, the same ones for the same seed."""
    rng = random.Random(seed)
    fakes = {loc: Faker(loc) for loc in set(locales) | set(_IBAN_LOCALES)}
    for i, loc in enumerate(sorted(fakes)):
        fakes[loc].seed_instance(seed * 31 + i)
        _stable(fakes[loc])
    for number in range(n):
        locale = locales[number % len(locales)]
        fake = fakes[locale]
        region = REGION[locale]
        b = _Builder()
        greeting = rng.choice(("Hi,", "Hello support,", "Dear team,"))
        b.add(f"Subject: {rng.choice(_SUBJECTS)}\n\n{greeting}\n")
        name = f"{fake.first_name()} {fake.last_name()}"
        pieces: list[tuple[str, ...]] = []
        if rng.random() < 0.5:
            pieces.append(("person", name))
        # Two addresses per ticket; variants cycle so each gets the same share.
        for k in range(2):
            pieces.append(("email", EMAIL_VARIANTS[(2 * number + k) % len(EMAIL_VARIANTS)]))
        pieces.append(("phone", "international" if rng.random() < 0.5 else "national"))
        for kind, p in (
            ("card", 0.35),
            ("iban", 0.35),
            ("ssn", 0.5 if region == "US" else 0.1),
            ("ip", 0.5),
            ("location", 0.6),
        ):
            if rng.random() < p:
                pieces.append((kind,))
        for kind in rng.sample(sorted(_NEGATIVES), 3):
            pieces.append(("negative", kind))
        rng.shuffle(pieces)
        for piece in pieces:
            kind = piece[0]
            if rng.random() < 0.5:
                b.add(rng.choice(_FILLER) + " ")
            if kind == "person":
                b.sentence(rng.choice(_PERSON_CONTEXTS), name, "PERSON", locale)
            elif kind == "email":
                value, (lo, hi) = email(fake, rng, piece[1])
                b.sentence(
                    rng.choice(_EMAIL_CONTEXTS),
                    value,
                    "EMAIL_ADDRESS",
                    piece[1],
                    (lo, hi or len(value)),
                )
            elif kind == "phone":
                intl = piece[1] == "international"
                b.sentence(
                    rng.choice(_PHONE_CONTEXTS),
                    phone(rng, region, intl),
                    "PHONE_NUMBER",
                    f"{region}:{piece[1]}",
                )
            elif kind == "card":
                value, variant = card(rng)
                b.sentence(rng.choice(_CARD_CONTEXTS), value, "CREDIT_CARD", variant)
            elif kind == "iban":
                value, variant = iban(fakes, rng, locale)
                b.sentence(rng.choice(_IBAN_CONTEXTS), value, "IBAN_CODE", variant)
            elif kind == "ssn":
                b.sentence(rng.choice(_SSN_CONTEXTS), ssn(rng), "US_SSN", "dashes")
            elif kind == "ip":
                if rng.random() < 0.6:
                    value, variant = fake.ipv4_public(), "v4"
                else:
                    value, variant = ipv6(rng), "v6"
                b.sentence(rng.choice(_IP_CONTEXTS), value, "IP_ADDRESS", variant)
            elif kind == "location":
                b.sentence(
                    rng.choice(_LOCATION_CONTEXTS), _city(fake, rng, locale), "LOCATION", locale
                )
            elif piece[1] == "prose":
                b.sentence("{}", rng.choice(_NEGATIVES["prose"]), "NONE", "prose")
            else:
                b.sentence(
                    rng.choice(_NEGATIVES[piece[1]]),
                    negative(fake, rng, piece[1]),
                    "NONE",
                    piece[1],
                )
            b.add(" ")
        while b.bytes() < TARGET_BYTES - 120:
            b.add(rng.choice(_FILLER) + " ")
        b.add("\n\n")
        b.sentence(rng.choice(_SIGNATURES), name, "PERSON", locale)
        yield b.ticket(number, locale)


def main() -> None:
    """Print tickets as JSON lines: ``corpus.py [N] [SEED]``."""
    n, seed = counts(__doc__, (10, 0))
    for t in tickets(n, seed):
        sys.stdout.write(json.dumps(asdict(t), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
