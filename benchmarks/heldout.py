"""A held-out labelled corpus: support records no detector was tuned on; deterministic by seed.

``corpus.py`` was written from the same list of forms as the detectors. This one was
written afterwards, from other templates (``heldout_phrases.py``, frozen before any
tuning), in the customers' own languages, as JSON records shaped like the fields of
public support-ticket datasets (a helpdesk export with customer columns; multilingual
tickets with subject, body, answer, queue and language; e-mails with from/to/subject/
text; a CRM contact with notes). Phone numbers come in the forms European and US support
data writes them: "+44 (0)20 …", extensions, "00"/"001" access prefixes, odd grouping,
national numbers whose country only the rest of the record tells (a country or language
field, an address, an e-mail's domain, an IBAN, another phone), or nothing at all.
Labels come from the generator, never from a detector.

Run ``python benchmarks/heldout.py [N] [SEED]`` to print N records as JSON lines.
"""

from __future__ import annotations

import ipaddress
import json
import random
import string
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import heldout_phrases as P
import phonenumbers
from arguments import counts
from faker import Faker
from phonenumbers import PhoneNumberFormat, PhoneNumberType

LOCALES = ("en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL")
REGION = {loc: loc[-2:] for loc in LOCALES}
LANGUAGE = {loc: loc[:2] for loc in LOCALES}
EMAIL_VARIANTS = (
    "plain",
    "spaced-at",
    "space-for-dot",
    "spaced-dot",
    "words",
    "brackets",
    "parens",
    "upper",
    "mailto",
)
SHAPES = ("helpdesk", "multilingual", "mail", "crm")
# How a phone number is written; which ones a country can have is in ``_phone_forms``.
PHONE_FORMS = (
    "international",  # +33 6 12 34 56 78
    "e164",  # +33612345678
    "trunk-zero",  # +44 (0)20 7946 0958
    "access-00",  # 0049 30 1234567, 00 33 6 …, 001-415-555-0123
    "odd-grouping",  # +3192 3290886
    "national",  # 06 12 34 56 78, (415) 555-0123
    "national-compact",  # 0612345678
    "national-punctuated",  # 06.12.34.56.78, 030/1234567, 415.555.0123
    "extension",  # (415) 555-0123 x7153
)
# Where a national number's country can be read from, besides the number itself.
REGION_SIGNALS = ("country-field", "language-field", "address", "email-domain", "iban",
                  "other-phone", "none")  # fmt: skip

# Free-mail domains people of each country use, and a generic one for all.
_MAIL_DOMAINS = {
    "US": ("gmail.com", "yahoo.com", "comcast.net", "outlook.com"),
    "GB": ("btinternet.com", "yahoo.co.uk", "gmail.com", "sky.com"),
    "FR": ("orange.fr", "free.fr", "laposte.net", "gmail.com"),
    "DE": ("web.de", "gmx.de", "t-online.de", "gmail.com"),
    "ES": ("hotmail.es", "telefonica.net", "yahoo.es", "gmail.com"),
    "IT": ("libero.it", "virgilio.it", "tiscali.it", "gmail.com"),
    "NL": ("ziggo.nl", "kpnmail.nl", "xs4all.nl", "gmail.com"),
}
_CCTLD = {"US": None, "GB": "co.uk", "FR": "fr", "DE": "de", "ES": "es", "IT": "it", "NL": "nl"}
_STREETS = {
    "US": "{n} Maple Street, {town}, {country}",
    "GB": "{n} Station Road, {town}, {country}",
    "FR": "{n} rue de la République, {town}, {country}",
    "DE": "Bahnhofstraße {n}, {town}, {country}",
    "ES": "Calle Mayor {n}, {town}, {country}",
    "IT": "Via Roma {n}, {town}, {country}",
    "NL": "Dorpsstraat {n}, {town}, {country}",
}
# Look-alike kinds of each LOOKALIKES sentence, in order.
_LOOKALIKE_KINDS = {
    "en": ("serial", "licence", "order", "invoice", "ticket", "version", "build", "timestamp"),
    **{
        lang: ("serial", "order", "invoice", "ticket", "version", "timestamp")
        for lang in ("fr", "de", "es", "it", "nl")
    },
}
TYPES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "IBAN_CODE",
    "IP_ADDRESS",
    "PERSON",
    "LOCATION",
)
PATTERN_TYPES = TYPES[:4]
NER_TYPES = TYPES[4:]


@dataclass(frozen=True, slots=True)
class Label:
    """One labelled span in one string field of a record (``type`` "NONE": a look-alike)."""

    path: str  # as leakhound spells it: "notes[0].text"
    start: int
    end: int
    text: str
    type: str
    variant: str


@dataclass(frozen=True, slots=True)
class Record:
    """One support record: a JSON object, what is in it, what only looks like it."""

    id: int
    locale: str
    shape: str
    doc: dict[str, Any]
    labels: tuple[Label, ...]
    negatives: tuple[Label, ...] = field(default=())


class _Text:
    """One string field written piece by piece, its labels kept."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.spans: list[tuple[int, int, str, str, str]] = []  # start, end, text, type, variant

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def value(
        self, text: str, kind: str, variant: str, inner: tuple[int, int] | None = None
    ) -> None:
        lo, hi = inner if inner else (0, len(text))
        self.spans.append((self.size + lo, self.size + hi, text[lo:hi], kind, variant))
        self.add(text)

    def fill(
        self, template: str, slots: dict[str, tuple[str, str, str, tuple[int, int] | None]]
    ) -> None:
        """``template`` with each {slot} replaced by (text, type, variant, inner span)."""
        for literal, name, _, _ in string.Formatter().parse(template):
            self.add(literal)
            if name is not None:
                text, kind, variant, inner = slots[name]
                self.value(text, kind, variant, inner)

    def done(self, path: str) -> tuple[str, list[Label], list[Label]]:
        text = "".join(self.parts)
        labels, negatives = [], []
        for start, end, value, kind, variant in self.spans:
            assert text[start:end] == value, (text, value)
            lab = Label(path, start, end, value, kind, variant)
            (negatives if kind == "NONE" else labels).append(lab)
        return text, labels, negatives


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def _number(rng: random.Random, region: str) -> phonenumbers.PhoneNumber:
    """A valid mobile or fixed-line number of ``region`` with random digits."""
    kind = rng.choice((PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE))
    example = phonenumbers.example_number_for_type(region, kind)
    nsn = phonenumbers.national_significant_number(example)
    keep = 3 if region == "US" else rng.choice((1, 2))
    for _ in range(500):
        digits = nsn[:keep] + "".join(str(rng.randint(0, 9)) for _ in nsn[keep:])
        number = phonenumbers.parse(f"+{example.country_code}{digits}", None)
        if phonenumbers.is_valid_number(number):
            return number
    raise RuntimeError(region)  # pragma: no cover


def _phone_forms(region: str) -> tuple[str, ...]:
    forms = list(PHONE_FORMS)
    if region not in ("GB", "DE", "FR", "NL"):
        forms.remove("trunk-zero")  # no trunk "0" to put in parentheses
    if region not in ("US", "GB"):
        forms.remove("extension")
    return tuple(forms)


def _split(rng: random.Random, digits: str, groups: int) -> str:
    cuts = sorted(rng.sample(range(2, len(digits) - 2), groups - 1))
    return " ".join(digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True))


def phone(rng: random.Random, region: str, form: str) -> tuple[str, tuple[int, int] | None]:
    """A number of ``region`` written as ``form``; the span of the number if not all of it."""
    number = _number(rng, region)
    cc = str(number.country_code)
    intl = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    nsn = phonenumbers.national_significant_number(number)
    rest = intl[len(cc) + 2 :]  # the international form after "+CC "
    if form == "international":
        return intl, None
    if form == "e164":
        return f"+{cc}{nsn}", None
    if form == "trunk-zero":
        sep = rng.choice((" ", "", " "))
        return f"+{cc}{sep}(0){rng.choice((' ', '', ' '))}{rest}", None
    if form == "access-00":
        if region == "US":
            return rng.choice(("001-{}", "001 {}", "00 1 {}")).format(
                national.replace("(", "").replace(") ", "-")
            ), None
        return rng.choice(("00{} {}", "00 {} {}", "00{}{}")).format(
            cc, rest if rng.random() < 0.7 else nsn
        ), None
    if form == "odd-grouping":
        return "+" + _split(rng, cc + nsn, rng.choice((2, 2, 3))), None
    if form == "national":
        return national, None
    digits = "".join(c for c in national if c.isdigit())
    if form == "national-compact":
        return digits, None
    if form == "national-punctuated":
        groups = national.replace("(", "").replace(")", "").split()
        sep = rng.choice((".", "-", "/")) if region != "US" else rng.choice((".", "-"))
        if len(groups) == 1:
            groups = _split(rng, digits, 2).split()
        if sep == "/":
            return f"{groups[0]}/{''.join(groups[1:])}", None
        return sep.join(groups), None
    if form == "extension":
        ext = rng.choice((" x{}", " ext. {}", " #{}", " ext {}", " x {}")).format(
            rng.randint(2, 9999)
        )
        base = national if region == "US" else intl
        return base + ext, (0, len(base))
    raise ValueError(form)


def email(
    rng: random.Random, fake: Faker, region: str, variant: str, own_domain: str | None
) -> tuple[str, tuple[int, int] | None]:
    """An address written as ``variant``; the span of the address inside it if not all."""
    first, last = _ascii(fake.first_name()), _ascii(fake.last_name())
    local = rng.choice((f"{first}.{last}", f"{first[0]}{last}", f"{last}{rng.randint(1, 999)}",
                        f"{first}_{last[:3]}")) or "client"  # fmt: skip
    domain = own_domain or rng.choice(_MAIL_DOMAINS[region])
    if variant == "plain":
        return f"{local}@{domain}", None
    if variant == "spaced-at":
        return f"{local} @ {domain}", None
    if variant == "space-for-dot":
        head, _, tld = domain.rpartition(".")
        return f"{local}@{head} {tld}", None
    if variant == "spaced-dot":
        return f"{local} @ {domain.replace('.', ' . ')}", None
    if variant == "words":
        return f"{local} at {domain.replace('.', ' dot ')}", None
    if variant == "brackets":
        return f"{local} [at] {domain.replace('.', ' [dot] ')}", None
    if variant == "parens":
        return f"{local}(at){domain.replace('.', '(dot)')}", None
    if variant == "upper":
        return f"{local}@{domain}".upper(), None
    if variant == "mailto":
        address = f"{local}@{domain}"
        return f"<mailto:{address}>", (8, 8 + len(address))
    raise ValueError(variant)


def lookalike(rng: random.Random, kind: str) -> str:
    """A number that is not a phone number though it may read as one."""
    if kind in ("serial", "licence", "order", "invoice", "ticket"):
        a, b, c = rng.randint(200, 989), rng.randint(200, 999), rng.randint(0, 9999)
        return rng.choice(("{}-{}-{:04d}", "{} {} {:04d}", "{}.{}.{:04d}")).format(a, b, c)
    if kind == "version":
        return f"{rng.randint(1, 30)}.{rng.randint(0, 40)}.{rng.randint(0, 300)}"
    if kind == "build":
        return f"10.0.{rng.choice((19045, 22621, 22631, 26100))}.{rng.randint(1000, 6000)}"
    if kind == "timestamp":
        d, m, h, mi = rng.randint(1, 28), rng.randint(1, 12), rng.randint(0, 23), rng.randint(0, 59)
        return rng.choice(
            (f"2025-{m:02d}-{d:02d} {h:02d}:{mi:02d}:{rng.randint(0, 59):02d}",
             f"{d:02d}/{m:02d}/2025 {h:02d}:{mi:02d}", f"{d:02d}.{m:02d}.2025 {h:02d}:{mi:02d}")
        )  # fmt: skip
    raise ValueError(kind)


def _name(fake: Faker) -> tuple[str, str]:
    first = fake.first_name()
    return first, f"{first} {fake.last_name()}"


def _town(rng: random.Random, fake: Faker, region: str) -> tuple[str, str]:
    if rng.random() < 0.5:
        return rng.choice(P.TOWNS[region]), "real"
    return fake.city(), "generated"


def _country(lang: str, region: str) -> tuple[str, tuple[int, int] | None]:
    name = P.COUNTRY_NAMES[lang][region]
    return name, ((4, len(name)) if name.startswith("the ") else None)


def _ipv4(rng: random.Random) -> str:
    while True:
        address = ipaddress.IPv4Address(rng.getrandbits(32))
        # Multicast and reserved ranges are "global" to ipaddress; no customer logs in
        # from one.
        if address.is_global and not (address.is_multicast or address.is_reserved):
            return str(address)


def records(n: int, seed: int = 0) -> Iterator[Record]:
    """``n`` records, the same ones for the same seed."""
    rng = random.Random(seed)
    fakes = {loc: Faker(loc) for loc in LOCALES}
    for i, loc in enumerate(LOCALES):
        fakes[loc].seed_instance(seed * 97 + i)
    for number in range(n):
        locale = LOCALES[number % len(LOCALES)]
        yield _record(number, locale, rng, fakes)


def _record(number: int, locale: str, rng: random.Random, fakes: dict[str, Faker]) -> Record:
    fake = fakes[locale]
    region, lang = REGION[locale], LANGUAGE[locale]
    shape = SHAPES[(number // len(LOCALES)) % len(SHAPES)]
    first, name = _name(fake)
    email_variant = EMAIL_VARIANTS[number % len(EMAIL_VARIANTS)]
    forms = _phone_forms(region)
    form = forms[rng.randrange(len(forms))]
    signal = rng.choice(REGION_SIGNALS) if form.startswith("national") else "none"
    own_domain = None
    if signal == "email-domain" and _CCTLD[region]:
        company = _ascii(fake.last_name())
        suffix = rng.choice(("shop", "bv", "gmbh", "srl", "sa"))
        own_domain = f"{company}-{suffix}.{_CCTLD[region]}"
    elif signal == "email-domain":
        signal = "none"  # no country-code domain for the US

    body = _Text()
    body.add(rng.choice(P.GREETINGS[lang]) + "\n\n")
    problems = rng.sample(P.PROBLEMS[lang], 2)
    body.add(problems[0] + " ")
    pieces = ["phone", "email"]
    if rng.random() < 0.5:
        pieces.append("person")
    if rng.random() < 0.6:
        pieces.append("place")
    if rng.random() < 0.25 or signal == "iban":
        pieces.append("iban")
    if rng.random() < 0.15:
        pieces.append("ip")
    if signal == "other-phone":
        pieces.append("other-phone")
    pieces += ["lookalike"] * rng.choice((1, 1, 2))
    if rng.random() < 0.4:
        pieces.append("trap")
    rng.shuffle(pieces)
    for piece in pieces:
        if piece == "phone":
            value, inner = phone(rng, region, form)
            variant = f"{form}:{signal}" if form.startswith("national") else form
            body.fill(rng.choice(P.PHONE[lang]), {"phone": (value, "PHONE_NUMBER", variant, inner)})
        elif piece == "other-phone":
            value, inner = phone(rng, region, "international")
            body.fill(
                rng.choice(P.PHONE[lang]),
                {"phone": (value, "PHONE_NUMBER", "international", inner)},
            )
        elif piece == "email":
            value, inner = email(rng, fake, region, email_variant, own_domain)
            body.fill(
                rng.choice(P.EMAIL[lang]), {"email": (value, "EMAIL_ADDRESS", email_variant, inner)}
            )
        elif piece == "person":
            other = _name(fake)[1] if rng.random() < 0.5 else name
            body.fill(rng.choice(P.PERSON[lang]), {"name": (other, "PERSON", lang, None)})
        elif piece == "place":
            town, kind = _town(rng, fake, region)
            country, inner = _country(lang, region)
            body.fill(rng.choice(P.PLACE[lang]), {
                "town": (town, "LOCATION", kind, None),
                "country": (country, "LOCATION", "country", inner),
            })  # fmt: skip
        elif piece == "iban":
            country = region if region != "US" else rng.choice(("GB", "FR", "DE"))
            value = fakes[f"{'en' if country == 'GB' else country.lower()}_{country}"].iban()
            if rng.random() < 0.5:
                value = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
            body.fill(rng.choice(P.IBAN[lang]), {"iban": (value, "IBAN_CODE", country, None)})
        elif piece == "ip":
            body.fill(rng.choice(P.IP[lang]), {"ip": (_ipv4(rng), "IP_ADDRESS", "v4", None)})
        elif piece == "lookalike":
            k = rng.randrange(len(P.LOOKALIKES[lang]))
            kind = _LOOKALIKE_KINDS[lang][k]
            body.fill(P.LOOKALIKES[lang][k], {"ref": (lookalike(rng, kind), "NONE", kind, None)})
        elif piece == "trap":
            body.add(rng.choice(P.TRAPS[lang]))
        body.add(" ")
        if rng.random() < 0.3:
            body.add(rng.choice(P.PROBLEMS[lang]) + " ")
    body.add(problems[1] + "\n\n")
    body.fill(rng.choice(P.SIGN_OFFS[lang]), {
        "name": (name, "PERSON", lang, None), "first": (first, "PERSON", lang, None),
    })  # fmt: skip

    subject = rng.choice(P.SUBJECTS[lang])
    fields: dict[str, _Text] = {}
    doc: dict[str, Any] = {}
    domain = own_domain or rng.choice(_MAIL_DOMAINS[region])
    plain_email = f"{_ascii(first)}.{_ascii(name.split()[-1])}@{domain}"
    if shape == "helpdesk":
        doc["Ticket ID"] = 10_000 + number
        fields["Customer Name"] = _whole(name, "PERSON", lang)
        fields["Customer Email"] = _whole(plain_email, "EMAIL_ADDRESS", "plain")
        doc["Product Purchased"] = rng.choice(P.PRODUCTS)
        doc["Ticket Type"] = rng.choice(("Refund request", "Technical issue", "Billing inquiry"))
        doc["Ticket Subject"] = subject
        fields["Ticket Description"] = body
        doc["Ticket Channel"] = rng.choice(("Email", "Chat", "Phone", "Social media"))
        doc["Ticket Priority"] = rng.choice(("Low", "Medium", "High", "Critical"))
    elif shape == "multilingual":
        doc["subject"] = subject
        fields["body"] = body
        doc["answer"] = "Thank you for contacting us. We are looking into it."
        doc["type"] = rng.choice(("Incident", "Request", "Problem"))
        doc["queue"] = rng.choice(("Technical Support", "Billing and Payments", "Returns"))
        doc["priority"] = rng.choice(("low", "medium", "high"))
        if signal == "language-field" or rng.random() < 0.5:
            doc["language"] = lang
        doc["tags"] = rng.sample(["Bug", "Refund", "Login", "Delivery", "Account"], 2)
    elif shape == "mail":
        sender = _Text()
        sender.value(name, "PERSON", lang)
        sender.add(" <")
        sender.value(plain_email, "EMAIL_ADDRESS", "plain")
        sender.add(">")
        fields["from"] = sender
        fields["to"] = _whole("support@example.com", "EMAIL_ADDRESS", "plain")
        doc["date"] = lookalike(rng, "timestamp")
        doc["subject"] = subject
        fields["text"] = body
    else:
        contact: dict[str, Any] = {}
        doc["contact"] = contact
        fields["contact.first_name"] = _whole(first, "PERSON", lang)
        fields["contact.last_name"] = _whole(name.split(" ", 1)[1], "PERSON", lang)
        if rng.random() < 0.5:
            fields["contact.phone"] = _whole(*_phone_value(rng, region))
        if signal == "address" or rng.random() < 0.3:
            fields["contact.address"] = _address(rng, fake, region)
        doc["notes"] = [{"author": "agent", "text": None}]
        fields["notes[0].text"] = body
    if signal == "country-field":
        # A country is a place: labelled LOCATION in a field as in the text.
        if shape == "crm":
            fields["contact.country"] = _whole(region, "LOCATION", "country-field")
        else:
            country_name = P.COUNTRY_NAMES["en"][region].removeprefix("the ")
            fields["customer_country"] = _whole(
                rng.choice((region, country_name)), "LOCATION", "country-field"
            )
    if shape != "crm" and signal == "address":
        fields["shipping_address"] = _address(rng, fake, region)

    labels: list[Label] = []
    negatives: list[Label] = []
    for path, text in fields.items():
        value, labs, negs = text.done(path)
        _put(doc, path, value)
        labels += labs
        negatives += negs
    return Record(number, locale, shape, doc, tuple(labels), tuple(negatives))


def _address(rng: random.Random, fake: Faker, region: str) -> _Text:
    """A postal address, labelled whole: in a field of its own, the address is the place."""
    town, _ = _town(rng, fake, region)
    country_name = P.COUNTRY_NAMES["en"][region].removeprefix("the ")
    street = _STREETS[region].replace("{n}", str(rng.randint(1, 120)))
    return _whole(street.format(town=town, country=country_name), "LOCATION", "address")


def _whole(value: str, kind: str, variant: str) -> _Text:
    t = _Text()
    t.value(value, kind, variant)
    return t


def _phone_value(rng: random.Random, region: str) -> tuple[str, str, str]:
    form = rng.choice(("international", "national", "e164"))
    return phone(rng, region, form)[0], "PHONE_NUMBER", f"field:{form}"


def _put(doc: dict[str, Any], path: str, value: str) -> None:
    """Set ``value`` at a leakhound path ("contact.first_name", "notes[0].text")."""
    parts = path.split(".")
    node: Any = doc
    for part in parts[:-1]:
        key, _, index = part.partition("[")
        node = node[key]
        if index:
            node = node[int(index[:-1])]
    leaf, _, index = parts[-1].partition("[")
    if index:
        node[leaf][int(index[:-1])] = value
    else:
        node[leaf] = value


def main() -> None:
    """Print records as JSON lines: ``heldout.py [N] [SEED]``."""
    n, seed = counts(__doc__, (7, 0))
    for r in records(n, seed):
        sys.stdout.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
