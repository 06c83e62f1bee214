"""Synthetic personal data for the lab, written through _bulk, and the truth of what was written.

The story: a software vendor's customer-support database (support-cases-YYYY, 2005-2019) left
open, its payroll (hr-payroll) behind the "secured" proxy, and the marks wiper and ransom bots
leave (a read_me index with a ransom note, an empty ...-meow index). Everything is generated
from one seed; the truth is counted from the generated documents, never written by hand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import string
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import orjson
import phonenumbers
from stdnum import iban as stdnum_iban

from .errors import LabError
from .state import LabPaths

if TYPE_CHECKING:
    from faker import Faker

SUPPORT_PREFIX = "support-cases-"
PAYROLL_INDEX = "hr-payroll"
RANSOM_INDEX = "read_me"
# A hidden index (index.hidden: true): listed only with expand_wildcards=all, so a scanner that
# forgets it misses the audit trail's e-mails and client IPs.
HIDDEN_INDEX = "audit-trail"
YEARS = tuple(range(2005, 2020))
TRUTH_FORMAT = 3  # 2: the hidden audit-trail index; 3: distinct e-mail addresses

EMAIL_ADDRESS = "EMAIL_ADDRESS"
IP_ADDRESS = "IP_ADDRESS"
PHONE_NUMBER = "PHONE_NUMBER"
PERSON = "PERSON"
LOCATION = "LOCATION"
IBAN_CODE = "IBAN_CODE"
CREDIT_CARD = "CREDIT_CARD"

# Locale -> (ISO region, country name, weight among customers). Weights give a US/UK-heavy
# customer base with the large EU markets behind, as a vendor selling in Europe would have.
LOCALES: dict[str, tuple[str, str, int]] = {
    "en_US": ("US", "United States", 30),
    "en_GB": ("GB", "United Kingdom", 20),
    "fr_FR": ("FR", "France", 12),
    "de_DE": ("DE", "Germany", 14),
    "es_ES": ("ES", "Spain", 9),
    "it_IT": ("IT", "Italy", 8),
    "nl_NL": ("NL", "Netherlands", 7),
}
_EU_LOCALES = ("en_GB", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL")  # IBAN countries
_CURRENCY = {"en_GB": "GBP"}

VENDOR_DOMAIN = "contoso.com"  # a name reserved for fiction: the vendor's staff addresses
PRODUCTS = ("Contoso Mail", "Contoso Drive", "Contoso Pay", "Contoso VPN", "Contoso Backup")
STATUSES = ("open", "pending", "solved", "closed")
DEPARTMENTS = ("Support", "Engineering", "Sales", "Finance", "Legal", "Marketing")

# (subject, first sentence): what customers write about.
PROBLEMS = (
    ("Login problem", "I can't log in to {product} since this morning: wrong password, it says."),
    ("App crash", "{product} keeps crashing when I open the settings page."),
    ("Charged twice", "I was charged twice for my {product} subscription this month."),
    ("Close my account", "Please cancel my {product} account and delete my data."),
    ("Sync stopped", "Sync in {product} stopped working after the last update."),
    ("Invoice request", "I need an invoice for my {product} plan for my accountant."),
    ("Suspicious login", "Someone else seems to be logged in to my {product} account."),
    ("Data export", "How do I export all my data from {product}?"),
    ("Storage full", "My {product} storage is full although I deleted most of my files."),
    ("Refund", "I would like a refund, {product} did not work for me at all."),
)  # fmt: skip
DETAILS = (
    "I already tried restarting my computer and reinstalling the app.",
    "This is urgent, I need it for work tomorrow.",
    "Your FAQ did not help.",
    "It worked fine until last week.",
    "I have been a customer for years and this is the first time I write to you.",
    "",
)
EMAIL_SENTENCES = (
    "Please write to me at {v}.",
    "My contact address is {v}, not the one on file.",
    "Reply to {v} please.",
    "(email: {v})",
)
PHONE_SENTENCES = ("You can call me on {v}.", "My number is {v}.", "Call me back at {v} after 6pm.")
IP_SENTENCES = (
    "The login notification showed the address {v}.",
    "I am connecting from {v}.",
    "Your firewall blocked {v}.",
)
CITY_SENTENCES = ("I live in {v}.", "I am travelling to {v} next week and need it working.")
SIGNATURES = ("\n\nRegards,\n{v}", "\n\nThanks, {v}", "\n\n-- \n{v}")
NOTES = (
    "customer is a reseller, apply discount policy B.",
    "escalated to tier 2.",
    "suspected account sharing, do not refund.",
    "legal hold requested by compliance.",
    "goodwill credit approved by team lead.",
    "duplicate of an earlier case.",
)

# How customers write an address to dodge spam harvesters (and naive scanners). The ids are
# the ones the detector tests use; "plain" is the address as is.
EMAIL_FORMS: dict[str, Any] = {
    "plain": lambda local, domain: f"{local}@{domain}",
    "space-for-dot": lambda local, domain: f"{local} @{domain.replace('.', ' ')}",
    "at-dot-words": lambda local, domain: f"{local} at {domain.replace('.', ' dot ')}",
    "bracketed": lambda local, domain: f"{local}[at]{domain.replace('.', '[dot]')}",
    "parenthesised": lambda local, domain: f"{local} (at) {domain.replace('.', ' (dot) ')}",
}
_EMAIL_FORM_WEIGHTS = (50, 14, 14, 12, 10)

_CASE_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "case_id": {"type": "keyword"},
        "created_at": {"type": "date"},
        "customer": {
            "properties": {
                "name": {"type": "text", "fields": {"raw": {"type": "keyword"}}},
                "email": {"type": "keyword"},
                "phone": {"type": "keyword"},
                "ip": {"type": "ip"},
                "location": {
                    "properties": {
                        "city": {"type": "keyword"},
                        "country": {"type": "keyword"},
                        "geo": {"type": "geo_point"},
                    }
                },
            }
        },
        "agent_email": {"type": "keyword"},
        "subject": {"type": "text"},
        "description": {"type": "text"},
        "internal_notes": {"type": "text"},
        "status": {"type": "keyword"},
        "product": {"type": "keyword"},
    },
}
_PAYROLL_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "employee_id": {"type": "keyword"},
        "name": {"type": "text", "fields": {"raw": {"type": "keyword"}}},
        "email": {"type": "keyword"},
        "iban": {"type": "keyword"},
        "salary": {"properties": {"amount": {"type": "integer"}, "currency": {"type": "keyword"}}},
        "department": {"type": "keyword"},
        "hired_at": {"type": "date", "format": "strict_date"},
        "city": {"type": "keyword"},
    },
}
_AUDIT_MAPPING: dict[str, Any] = {
    "properties": {
        "created_at": {"type": "date"},
        "user_email": {"type": "keyword"},
        "client_ip": {"type": "ip"},
        "action": {"type": "keyword"},
    }
}

_RANSOM_MAPPING: dict[str, Any] = {
    "properties": {
        "message": {"type": "text"},
        "btc": {"type": "keyword"},
        "email": {"type": "keyword"},
    }
}


@dataclass(frozen=True)
class Doc:
    """One generated document and what personal data it carries, field by field."""

    index: str
    id: str
    source: dict[str, Any]
    pii: Mapping[str, frozenset[str]]  # kind -> field paths holding it
    email_forms: Mapping[str, str] = field(default_factory=dict)  # field path -> form id
    customer: str | None = None  # the customer's e-mail: who the document is about
    emails: frozenset[str] = frozenset()  # every address it carries, in any field or form

    def placed(
        self,
        container: str,
        key: str,
        source: dict[str, Any],
        path: Callable[[str], str] = str,
        more: Mapping[str, frozenset[str]] | None = None,
    ) -> Doc:
        """The same record as another store holds it: in container under key, as source, its
        field paths renamed by path, plus the paths in more (kind -> paths, e.g. a key name);
        the same customer and e-mail addresses."""
        if path is str:  # the same paths (the common case: skip 10,000 set rebuilds)
            pii = dict(self.pii)
            forms = self.email_forms
        else:
            pii = {kind: frozenset(map(path, paths)) for kind, paths in self.pii.items()}
            forms = {path(p): form for p, form in self.email_forms.items()}
        for kind, paths in (more or {}).items():
            pii[kind] = pii.get(kind, frozenset()) | paths
        return Doc(container, key, source, pii, forms, self.customer, self.emails)


@dataclass(frozen=True)
class Dataset:
    """Everything seed() writes: index bodies (settings + mappings) and the documents."""

    indices: dict[str, dict[str, Any]]
    docs: list[Doc]


@dataclass(frozen=True)
class IndexTruth:
    """What one index holds: counts, date range, distinct customers, PII kinds per field."""

    name: str
    documents: int
    created_at_min: str | None
    created_at_max: str | None
    distinct_customers: int
    distinct_emails: int  # distinct e-mail addresses in all fields: leakhound's "people"
    pii: Mapping[str, Mapping[str, int]]  # kind -> field path -> documents carrying it there
    email_forms: Mapping[str, Mapping[str, int]]  # field path -> form id -> documents
    # What else a scanner of this store kind should see (Redis: the key type, members).
    info: Mapping[str, Any] = field(default_factory=dict)
    created_at_years: Mapping[int, int] = field(default_factory=dict)  # year -> documents

    def fields(self, kind: str) -> tuple[str, ...]:
        """The field paths carrying kind in this index (empty when none)."""
        return tuple(sorted(self.pii.get(kind, {})))


@dataclass(frozen=True)
class SeedTruth:
    """What seed() wrote to one store kind, per container (index, collection, table, key
    pattern) and in total; saved as truth.json (Elasticsearch) or truth-KIND.json."""

    records: int
    seed: int
    documents: int
    distinct_customers: int
    distinct_emails: int  # distinct e-mail addresses in all fields and indices
    indices: Mapping[str, IndexTruth]
    seconds: float = 0.0  # wall time of the seed() call that wrote it (0 when only generated)
    kind: str = "elasticsearch"  # the store kind (probe kind id) it describes

    @property
    def containers(self) -> Mapping[str, IndexTruth]:
        """indices under the name every store kind shares (collections, tables, key patterns)."""
        return self.indices

    def to_json(self) -> dict[str, Any]:
        """The truth.json document."""
        kind = {} if self.kind == "elasticsearch" else {"kind": self.kind}
        return {
            "format": TRUTH_FORMAT,
            **kind,
            "records": self.records,
            "seed": self.seed,
            "documents": self.documents,
            "distinct_customers": self.distinct_customers,
            "distinct_emails": self.distinct_emails,
            "seconds": round(self.seconds, 3),
            "indices": {
                name: {
                    "documents": t.documents,
                    "created_at": {
                        "min": t.created_at_min,
                        "max": t.created_at_max,
                        "years": {str(y): n for y, n in sorted(t.created_at_years.items())},
                    },
                    "distinct_customers": t.distinct_customers,
                    "distinct_emails": t.distinct_emails,
                    "pii": {kind: dict(fields) for kind, fields in t.pii.items()},
                    "email_forms": {path: dict(forms) for path, forms in t.email_forms.items()},
                    **({"info": dict(t.info)} if t.info else {}),
                }
                for name, t in self.indices.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SeedTruth:
        """Read back what to_json() wrote."""
        indices = {
            name: IndexTruth(
                name=name,
                documents=body["documents"],
                created_at_min=body["created_at"]["min"],
                created_at_max=body["created_at"]["max"],
                distinct_customers=body["distinct_customers"],
                distinct_emails=body["distinct_emails"],
                pii=body["pii"],
                email_forms=body["email_forms"],
                info=body.get("info", {}),
                created_at_years={
                    int(y): n for y, n in body["created_at"].get("years", {}).items()
                },
            )
            for name, body in data["indices"].items()
        }
        return cls(
            records=data["records"],
            seed=data["seed"],
            documents=data["documents"],
            distinct_customers=data["distinct_customers"],
            distinct_emails=data["distinct_emails"],
            indices=indices,
            seconds=data.get("seconds", 0.0),
            kind=data.get("kind", "elasticsearch"),
        )


# ---------------------------------------------------------------------------------------------
# Generation (pure: no server, no files)


@dataclass(frozen=True)
class _Person:
    """A generated customer or employee."""

    locale: str
    name: str
    local: str  # the e-mail's local part
    domain: str
    phone: phonenumbers.PhoneNumber | None
    ip: str
    city: str
    lat: float
    lon: float

    @property
    def email(self) -> str:
        """The plain address."""
        return f"{self.local}@{self.domain}"


class _Generator:
    """Deterministic generator: one Random for our choices, one seeded Faker per locale."""

    def __init__(self, seed: int) -> None:
        # Imported here: `import leakhound.lab` works without the lab extra, and up()/seed()
        # say in one line which extra to install (extras.require_lab()).
        from faker import Faker

        self.rng = random.Random(seed)
        self.fakers: dict[str, Faker] = {}
        for offset, locale in enumerate(LOCALES):
            fake = Faker(locale)
            fake.seed_instance(seed * 1000 + offset)  # per instance: no global Faker state
            self.fakers[locale] = fake
        self.emails: set[str] = set()

    def person(self, locale: str, domain: str | None = None) -> _Person:
        """A new person with a unique e-mail, a valid phone number and a real place."""
        fake, rng = self.fakers[locale], self.rng
        region = LOCALES[locale][0]
        first, last = fake.first_name(), fake.last_name()
        a, b = _ascii(first), _ascii(last)
        local = rng.choice((f"{a}.{b}", f"{a}{b}", f"{a[:1]}.{b}", f"{a}_{b}", f"{b}.{a}"))
        if domain is None:
            # Mostly webmail, some company addresses; never example.* (scanners drop those).
            domain = fake.free_email_domain() if rng.random() < 0.75 else fake.domain_name()
        while f"{local}@{domain}" in self.emails or not local.strip("._"):
            local = f"{local or 'user'}{rng.randint(1, 999)}"
        self.emails.add(f"{local}@{domain}")
        ip = fake.ipv4_public() if rng.random() < 0.85 else fake.ipv6()
        place = fake.local_latlng(country_code=region)
        lat, lon, city = (float(place[0]), float(place[1]), place[2]) if place else (0.0, 0.0, "")
        return _Person(locale, f"{first} {last}", local, domain, _phone(fake, region), ip, city,
                       lat, lon)  # fmt: skip

    def locale(self, choices: tuple[str, ...] = tuple(LOCALES)) -> str:
        """A locale drawn by the customer-base weights."""
        return self.rng.choices(choices, weights=[LOCALES[c][2] for c in choices])[0]

    def phone_text(self, person: _Person) -> str:
        """The person's number the way people type it: international, national or E.164."""
        assert person.phone is not None
        fmt = self.rng.choice((
            phonenumbers.PhoneNumberFormat.INTERNATIONAL,
            phonenumbers.PhoneNumberFormat.NATIONAL,
            phonenumbers.PhoneNumberFormat.E164,
        ))  # fmt: skip
        return phonenumbers.format_number(person.phone, fmt)


def generate(records: int = 10_000, seed: int = 1, customer_count: int | None = None) -> Dataset:
    """All indices and documents for records support cases; the same seed gives the same data.
    ``customer_count`` (default a quarter of the cases) sets how often people write again."""
    if records < 1:
        raise LabError(f"records must be at least 1, not {records}")
    gen = _Generator(seed)
    employees = [_employee(gen, n) for n in range(max(10, records // 50))]
    agents = [e for e in employees if e[1]["department"] == "Support"] or employees[:5]
    # Fewer customers than cases, drawn with a skew, so that some write many times.
    customers = [gen.person(gen.locale()) for _ in range(max(1, customer_count or records // 4))]
    docs: list[Doc] = []
    counter: Counter[int] = Counter()
    weights = [1.0 + 0.3 * (year - YEARS[0]) for year in YEARS]  # business grows every year
    for _ in range(records):
        year = gen.rng.choices(YEARS, weights=weights)[0]
        counter[year] += 1
        customer = customers[int(len(customers) * gen.rng.random() ** 2)]
        agent_email = gen.rng.choice(agents)[1]["email"]
        docs.append(_case(gen, year, counter[year], customer, agent_email))
    docs.sort(key=lambda d: (d.index, d.id))
    docs += [doc for doc, _ in employees]
    docs.append(_ransom_note(gen))
    docs += [
        _audit_entry(gen, n, agents[n % len(agents)][1]["email"])
        for n in range(max(5, records // 100))
    ]
    return Dataset(index_bodies(seed), docs)


def index_bodies(seed: int = 1) -> dict[str, dict[str, Any]]:
    """Name -> settings and mappings of every index seed() creates, known before any document."""
    settings = {"number_of_shards": 1, "number_of_replicas": 0}
    indices: dict[str, dict[str, Any]] = {}
    for year in YEARS:  # every year, even one that drew no case: the indices exist up front
        indices[f"{SUPPORT_PREFIX}{year}"] = {"settings": settings, "mappings": _CASE_MAPPING}
    indices[PAYROLL_INDEX] = {"settings": settings, "mappings": _PAYROLL_MAPPING}
    indices[RANSOM_INDEX] = {"settings": settings, "mappings": _RANSOM_MAPPING}
    indices[HIDDEN_INDEX] = {"settings": {**settings, "hidden": True}, "mappings": _AUDIT_MAPPING}
    # Wiper bots leave empty indices named <random>-meow; ours is random but seeded.
    letters = random.Random(f"meow-{seed}").choices(string.ascii_lowercase + string.digits, k=10)
    indices["".join(letters) + "-meow"] = {"settings": settings}
    return indices


def _year(when: Any) -> int:
    """A created_at's year: ISO text (UTC) or a datetime, as a store kind's shape keeps it."""
    return when.year if isinstance(when, dt.date) else int(str(when)[:4])


def tally(
    dataset: Dataset,
    records: int,
    seed: int,
    seconds: float = 0.0,
    store_kind: str = "elasticsearch",
) -> SeedTruth:
    """Count the truth from the generated documents (never from what we meant to generate).

    For the other store kinds, dataset is what the kind's shape() made of the generated one; a
    container's body may carry an "info" mapping, copied to its truth.
    """
    docs_by_index: dict[str, list[Doc]] = {name: [] for name in dataset.indices}
    for doc in dataset.docs:
        docs_by_index[doc.index].append(doc)
    indices: dict[str, IndexTruth] = {}
    everyone: set[str] = set()
    addresses: set[str] = set()
    for name, docs in docs_by_index.items():
        pii: dict[str, Counter[str]] = defaultdict(Counter)
        forms: dict[str, Counter[str]] = defaultdict(Counter)
        dates = [d.source["created_at"] for d in docs if "created_at" in d.source]
        customers = {d.customer for d in docs if d.customer}
        everyone |= customers
        emails = {e for d in docs for e in d.emails}
        addresses |= emails
        for doc in docs:
            for kind, paths in doc.pii.items():
                pii[kind].update(paths)
            for path, form in doc.email_forms.items():
                forms[path][form] += 1
        indices[name] = IndexTruth(
            name=name,
            documents=len(docs),
            created_at_min=min(dates) if dates else None,
            created_at_max=max(dates) if dates else None,
            distinct_customers=len(customers),
            distinct_emails=len(emails),
            pii={kind: dict(sorted(c.items())) for kind, c in sorted(pii.items())},
            email_forms={path: dict(sorted(c.items())) for path, c in sorted(forms.items())},
            info=dict(dataset.indices[name].get("info", {})),
            created_at_years=dict(sorted(Counter(_year(d) for d in dates).items())),
        )
    return SeedTruth(
        records=records,
        seed=seed,
        documents=len(dataset.docs),
        distinct_customers=len(everyone),
        distinct_emails=len(addresses),
        indices=indices,
        seconds=seconds,
        kind=store_kind,
    )


def _case(gen: _Generator, year: int, number: int, who: _Person, agent_email: str) -> Doc:
    """One support case by customer who, with PII embedded in its free text now and then."""
    rng = gen.rng
    pii: dict[str, set[str]] = defaultdict(set)
    forms: dict[str, str] = {}
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    days = 366 if year % 4 == 0 else 365
    created = start + dt.timedelta(seconds=int(rng.random() * days * 86400))
    product = rng.choice(PRODUCTS)
    subject_text, opening = rng.choice(PROBLEMS)
    subject = f"{subject_text} ({product})"
    if rng.random() < 0.1:
        subject = f"{subject_text}: {who.name}"
        pii[PERSON].add("subject")

    parts = [opening.format(product=product), rng.choice(DETAILS)]
    if rng.random() < 0.45:
        form = rng.choices(tuple(EMAIL_FORMS), weights=_EMAIL_FORM_WEIGHTS)[0]
        written = EMAIL_FORMS[form](who.local, who.domain)
        parts.append(rng.choice(EMAIL_SENTENCES).format(v=written))
        pii[EMAIL_ADDRESS].add("description")
        forms["description"] = form
    if who.phone is not None and rng.random() < 0.35:
        parts.append(rng.choice(PHONE_SENTENCES).format(v=gen.phone_text(who)))
        pii[PHONE_NUMBER].add("description")
    if rng.random() < 0.25:
        parts.append(rng.choice(IP_SENTENCES).format(v=who.ip))
        pii[IP_ADDRESS].add("description")
    if who.city and rng.random() < 0.1:
        parts.append(rng.choice(CITY_SENTENCES).format(v=who.city))
        pii[LOCATION].add("description")
    description = " ".join(p for p in parts if p)
    if rng.random() < 0.6:
        description += rng.choice(SIGNATURES).format(v=who.name)
        pii[PERSON].add("description")

    notes = ["Confidential: " + rng.choice(NOTES)]
    if who.phone is not None and rng.random() < 0.3:
        notes.append(f"Called back on {gen.phone_text(who)}, no answer.")
        pii[PHONE_NUMBER].add("internal_notes")
    if rng.random() < 0.15:
        notes.append(f"{who.name} asked for a manager.")
        pii[PERSON].add("internal_notes")
    emails = {who.email, agent_email}
    if rng.random() < 0.1:
        other = gen.fakers[who.locale].free_email()
        emails.add(other)
        notes.append(f"Customer also uses {other}.")
        pii[EMAIL_ADDRESS].add("internal_notes")
        forms["internal_notes"] = "plain"
    if rng.random() < 0.03:
        card = gen.fakers[who.locale].credit_card_number()
        notes.append(f"Customer read card number {card} over the phone; do not store.")
        pii[CREDIT_CARD].add("internal_notes")

    customer: dict[str, Any] = {"name": who.name, "email": who.email}
    pii[PERSON].add("customer.name")
    pii[EMAIL_ADDRESS].add("customer.email")
    if who.phone is not None:
        customer["phone"] = phonenumbers.format_number(
            who.phone, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        pii[PHONE_NUMBER].add("customer.phone")
    customer["ip"] = who.ip
    pii[IP_ADDRESS].add("customer.ip")
    location: dict[str, Any] = {"country": LOCALES[who.locale][1]}
    pii[LOCATION].add("customer.location.country")
    if who.city:
        location["city"] = who.city
        location["geo"] = {"lat": who.lat, "lon": who.lon}
        pii[LOCATION] |= {"customer.location.city", "customer.location.geo"}
    customer["location"] = location
    pii[EMAIL_ADDRESS].add("agent_email")

    age = 2019 - year  # old cases are closed, recent ones may still be open
    status = "closed" if age > 2 else rng.choices(STATUSES, weights=(1, 1, 3, 5 + 2 * age))[0]
    case_id = f"CS-{year}-{number:06d}"
    source = {
        "case_id": case_id,
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "customer": customer,
        "agent_email": agent_email,
        "subject": subject,
        "description": description,
        "internal_notes": " ".join(notes),
        "status": status,
        "product": product,
    }
    frozen = {kind: frozenset(paths) for kind, paths in pii.items()}
    return Doc(
        f"{SUPPORT_PREFIX}{year}",
        case_id,
        source,
        frozen,
        forms,
        who.email,
        frozenset(e.lower() for e in emails),
    )


def _employee(gen: _Generator, number: int) -> tuple[Doc, dict[str, Any]]:
    """One payroll record of the vendor's staff (its support agents among them)."""
    rng = gen.rng
    locale = gen.locale(_EU_LOCALES)
    person = gen.person(locale, domain=VENDOR_DOMAIN)
    fake = gen.fakers[locale]
    account = fake.iban()
    for _ in range(20):  # Faker's IBANs carry correct check digits; make sure of it
        if stdnum_iban.is_valid(account):
            break
        account = fake.iban()
    department = DEPARTMENTS[0] if number % 3 == 0 else rng.choice(DEPARTMENTS)
    hired = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(20 * 365))
    employee_id = f"E{number + 1:05d}"
    salary = {"amount": rng.randrange(28, 140) * 1000, "currency": _CURRENCY.get(locale, "EUR")}
    source: dict[str, Any] = {
        "employee_id": employee_id,
        "name": person.name,
        "email": person.email,
        "iban": account,
        "salary": salary,
        "department": department,
        "hired_at": hired.isoformat(),
        "city": person.city,
    }
    pii = {
        PERSON: frozenset({"name"}),
        EMAIL_ADDRESS: frozenset({"email"}),
        IBAN_CODE: frozenset({"iban"}),
        LOCATION: frozenset({"city"} if person.city else set()),
    }
    pii = {kind: paths for kind, paths in pii.items() if paths}
    return Doc(
        PAYROLL_INDEX, employee_id, source, pii, emails=frozenset({person.email.lower()})
    ), source


def _ransom_note(gen: _Generator) -> Doc:
    """The note ransom bots leave after wiping an open cluster (wording after real ones)."""
    rng = gen.rng
    btc = "bc1q" + "".join(rng.choices("023456789acdefghjklmnpqrstuvwxyz", k=38))
    email = "".join(rng.choices(string.ascii_lowercase, k=8)) + "@onionmail.org"
    message = (
        f"All your data is backed up. You must pay 0.05 BTC to {btc} to recover it. "
        "After 48 hours expiration we will leak and expose all your data. In case of refusal "
        "to pay, we will contact the General Data Protection Regulation, GDPR and notify them "
        "that you store user data in an open form and is not safe. After paying write to me "
        f"in the mail with your DB IP: {email}"
    )
    source = {"message": message, "btc": btc, "email": email}
    pii = {EMAIL_ADDRESS: frozenset({"message", "email"})}
    return Doc(
        RANSOM_INDEX,
        "1",
        source,
        pii,
        {"message": "plain", "email": "plain"},
        emails=frozenset({email}),
    )


def _audit_entry(gen: _Generator, number: int, email: str) -> Doc:
    """One sign-in record of a support agent, in the hidden audit index."""
    rng = gen.rng
    when = dt.datetime(2019, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=int(rng.random() * 3e7))
    ip = ".".join(
        str(rng.randint(1, 223)) if i == 0 else str(rng.randint(0, 255)) for i in range(4)
    )
    source = {
        "created_at": when.isoformat().replace("+00:00", "Z"),
        "user_email": email,
        "client_ip": ip,
        "action": rng.choice(("login", "logout", "export")),
    }
    pii = {EMAIL_ADDRESS: frozenset({"user_email"}), IP_ADDRESS: frozenset({"client_ip"})}
    return Doc(
        HIDDEN_INDEX,
        str(number),
        source,
        pii,
        {"user_email": "plain"},
        emails=frozenset({email.lower()}),
    )


def _phone(fake: Faker, region: str) -> phonenumbers.PhoneNumber | None:
    """A number libphonenumber deems valid for region (Faker's are often not), or None."""
    for _ in range(30):
        try:
            number = phonenumbers.parse(fake.phone_number(), region)
        except phonenumbers.NumberParseException:
            continue
        number.extension = None  # Faker adds "x123" extensions that no one types
        if phonenumbers.is_valid_number(number):
            return number
    return None


def _ascii(text: str) -> str:
    """A name folded to the lowercase ASCII letters an e-mail local part would use."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


# ---------------------------------------------------------------------------------------------
# Writing to the lab's node


def lab_owned(name: str) -> bool:
    """True for index names seed() creates (and so may delete before writing again)."""
    return (
        name.startswith(SUPPORT_PREFIX)
        or name in (PAYROLL_INDEX, RANSOM_INDEX, HIDDEN_INDEX)
        or name.endswith("-meow")
    )


def prepare(http: httpx.Client, bodies: Mapping[str, Mapping[str, Any]]) -> None:
    """Delete the lab's old indices and create the new ones (in parallel: each waits a shard)."""
    listing = _ok(
        http.get(
            "/_cat/indices", params={"format": "json", "h": "index", "expand_wildcards": "all"}
        )
    )
    stale = sorted(row["index"] for row in listing.json() if lab_owned(row["index"]))
    if stale:
        _ok(http.delete("/" + ",".join(stale)))
    with ThreadPoolExecutor(max_workers=8) as pool:
        for response in pool.map(lambda name: http.put(f"/{name}", json=bodies[name]), bodies):
            _ok(response)


def load(http: httpx.Client, docs: list[Doc], chunk_bytes: int = 1 << 20) -> None:
    """Index docs through _bulk, two chunks of about chunk_bytes in flight, then refresh."""
    headers = {"content-type": "application/x-ndjson"}

    def send(chunk: bytes) -> None:
        result = _ok(http.post("/_bulk", content=chunk, headers=headers)).json()
        if result.get("errors"):
            first = next(i for i in result["items"] if "error" in next(iter(i.values())))
            raise LabError(f"_bulk rejected a document: {json.dumps(first)[:300]}")

    # Two requests at a time keep both cores of a small machine busy (3 s instead of 5 s for
    # 10,000 cases on a cold node); more only queue up behind them.
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in pool.map(send, _chunks(docs, chunk_bytes)):
            pass
    _ok(http.post("/" + ",".join(sorted({d.index for d in docs})) + "/_refresh"))


def write_truth(paths: LabPaths, truth: SeedTruth) -> None:
    """Save the truth of its store kind (truth.json, truth-KIND.json) atomically."""
    paths.root.mkdir(parents=True, exist_ok=True)
    target = paths.truth_of(truth.kind)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(truth.to_json(), indent=2, ensure_ascii=False) + "\n")
    tmp.replace(target)


def read_truth(paths: LabPaths, kind: str = "elasticsearch") -> SeedTruth | None:
    """The truth of a store kind in the state directory, or None when absent or unreadable."""
    try:
        data = json.loads(paths.truth_of(kind).read_text())
        if data.get("format") != TRUTH_FORMAT or data.get("kind", "elasticsearch") != kind:
            return None
        return SeedTruth.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def populate(
    node_url: str,
    paths: LabPaths,
    records: int,
    seed: int,
    beside: Callable[[Dataset], object] | None = None,
) -> SeedTruth:
    """Generate, write and check the data set against _count; save and return its truth.

    beside(dataset), when given, runs in a thread while the node indexes: the lab's other stores
    are written from the same generated data at the same time.
    """
    started = time.monotonic()
    limits = httpx.Limits(max_connections=16)
    with (
        httpx.Client(base_url=node_url, timeout=120.0, trust_env=False, limits=limits) as http,
        ThreadPoolExecutor(max_workers=2) as background,
    ):
        # The node creates indices while Python generates documents: both take a second or two.
        prepared = background.submit(prepare, http, index_bodies(seed))
        dataset = generate(records, seed)
        others = background.submit(beside, dataset) if beside else None
        prepared.result()
        load(http, dataset.docs)
        truth = tally(dataset, records, seed)
        for name, expected in truth.indices.items():
            got = int(_ok(http.get(f"/{name}/_count")).json()["count"])
            if got != expected.documents:
                raise LabError(
                    f"{name} holds {got} documents after seeding, expected {expected.documents}"
                )
        if others is not None:
            others.result()
    truth = dataclasses.replace(truth, seconds=round(time.monotonic() - started, 3))
    write_truth(paths, truth)
    return truth


def _chunks(docs: list[Doc], limit: int) -> Iterator[bytes]:
    """NDJSON _bulk bodies of at most about limit bytes each."""
    lines: list[bytes] = []
    size = 0
    for doc in docs:
        action = orjson.dumps({"index": {"_index": doc.index, "_id": doc.id}})
        body = orjson.dumps(doc.source)
        lines += [action, body]
        size += len(action) + len(body) + 2
        if size >= limit:
            yield b"\n".join(lines) + b"\n"
            lines, size = [], 0
    if lines:
        yield b"\n".join(lines) + b"\n"


def _ok(response: httpx.Response) -> httpx.Response:
    """response, or a LabError naming the request when the node refused it."""
    if response.status_code >= 300:
        request = response.request
        raise LabError(
            f"{request.method} {request.url.path} -> {response.status_code}: {response.text[:200]}"
        )
    return response
