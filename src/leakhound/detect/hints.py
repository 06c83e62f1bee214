"""What a field's name and mapping type suggest before its value is read."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from ..models import FieldType
from .base import Field

EMAIL = "EMAIL_ADDRESS"
IP = "IP_ADDRESS"
PHONE = "PHONE_NUMBER"
CARD = "CREDIT_CARD"
IBAN = "IBAN_CODE"
SSN = "US_SSN"
NATIONAL_ID = "NATIONAL_ID"  # a hint only: national_id.py decides which country's
SECRET = "SECRET"  # noqa: S105 - an entity name, not a password
GEO = "GEO_COORDINATES"
PERSON = "PERSON"
LOCATION = "LOCATION"

# Split snake_case, kebab-case, dotted and camelCase names into lower-case words:
# "clientIP" -> client, ip; "IPAddress" -> ip, address; "e-mail" -> e, mail.
_TOKEN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")

# One word of a field's name -> the entity types it suggests. Compound words appear as
# written because many mappings glue words together ("firstname", "ipaddress").
_WORD_HINTS: dict[str, frozenset[str]] = {}


def _add(entity: str, *words: str) -> None:
    for w in words:
        _WORD_HINTS[w] = _WORD_HINTS.get(w, frozenset()) | {entity}


_add(EMAIL, "email", "mail", "emailaddress", "mailaddress", "emails", "mailto", "courriel")
_add(IP, "ip", "ips", "ipv4", "ipv6", "ipaddr", "ipaddress", "remoteaddr", "forwarded", "xff")
_add(
    PHONE,
    "phone",
    "phones",
    "telephone",
    "tel",
    "mobile",
    "cell",
    "cellphone",
    "fax",
    "msisdn",
    "whatsapp",
    "gsm",
    "phonenumber",
    "telefon",
    "telefono",
    "telefone",
)
_add(CARD, "card", "cc", "pan", "cardnumber", "creditcard", "ccnum", "ccnumber")
_add(IBAN, "iban")
_add(SSN, "ssn", "socialsecurity")
_add(
    NATIONAL_ID,
    "nir",
    "insee",
    "secu",
    "nino",
    "idnr",
    "steuerid",
    "taxid",
    "tin",
    "dni",
    "nie",
    "nif",
    "codicefiscale",
    "fiscal",
    "bsn",
    "burgerservicenummer",
    "national",
    "nationalid",
    "passport",
)
_add(
    SECRET,
    "password",
    "passwd",
    "pwd",
    "secret",
    "secrets",
    "token",
    "tokens",
    "apikey",
    "credential",
    "credentials",
    "authorization",
    "privatekey",
    "passphrase",
)
_add(GEO, "geo", "geopoint", "coordinates", "coords", "latlon", "latlng", "lat", "lon", "lng")
_add(GEO, "latitude", "longitude", "location", "position", "gps")
_add(
    PERSON,
    "firstname",
    "lastname",
    "surname",
    "fullname",
    "forename",
    "givenname",
    "familyname",
    "nachname",
    "vorname",
    "nom",
    "prenom",
    "nombre",
    "apellido",
    "cognome",
)
_add(
    LOCATION,
    "address",
    "addresses",
    "street",
    "streetaddress",
    "city",
    "town",
    "village",
    "zip",
    "zipcode",
    "postcode",
    "postal",
    "postalcode",
    "country",
    "region",
    "location",
    "adresse",
    "strasse",
    "ville",
    "ciudad",
)

# Two-word names whose parts mean something else alone ("api" + "key", "first" + "name").
_PAIR_HINTS: dict[tuple[str, str], str] = {
    ("api", "key"): SECRET,
    ("access", "key"): SECRET,
    ("private", "key"): SECRET,
    ("secret", "key"): SECRET,
    ("auth", "token"): SECRET,
    ("first", "name"): PERSON,
    ("last", "name"): PERSON,
    ("full", "name"): PERSON,
    ("given", "name"): PERSON,
    ("family", "name"): PERSON,
    ("middle", "name"): PERSON,
    ("maiden", "name"): PERSON,
    ("contact", "name"): PERSON,
    ("customer", "name"): PERSON,
    ("user", "name"): PERSON,
    ("real", "name"): PERSON,
    ("display", "name"): PERSON,
    ("social", "security"): SSN,
    ("credit", "card"): CARD,
    ("card", "number"): CARD,
    ("bank", "account"): IBAN,
    ("remote", "addr"): IP,
    ("remote", "address"): IP,
    ("client", "address"): IP,
    ("source", "address"): IP,
    ("city", "name"): LOCATION,
    ("country", "name"): LOCATION,
    ("region", "name"): LOCATION,
    ("codice", "fiscale"): NATIONAL_ID,
    ("national", "insurance"): NATIONAL_ID,
    ("tax", "id"): NATIONAL_ID,
}

# Words that make the rest of a name about something else than an address or a person:
# "email_address" is an e-mail, "ip_address" an IP, "file_name" not a person.
_OVERRIDES_LOCATION = frozenset({EMAIL, IP, PHONE})
_NOT_A_PERSON = frozenset(
    {
        "file",
        "filename",
        "host",
        "hostname",
        "index",
        "product",
        "item",
        "company",
        "org",
        "organization",
        "organisation",
        "business",
        "brand",
        "model",
        "device",
        "app",
        "application",
        "service",
        "server",
        "cluster",
        "node",
        "field",
        "table",
        "db",
        "database",
        "bucket",
        "category",
        "type",
        "event",
        "class",
        "method",
        "function",
        "domain",
        "queue",
        "topic",
        "project",
        "team",
        "group",
        "role",
        "tag",
        "city",
        "country",
        "region",
        "street",
        "key",
        "container",
        "image",
        "pod",
        "namespace",
        "job",
        "task",
        "plan",
        "package",
        "module",
        "logger",
        "thread",
        "process",
        "os",
        "browser",
        "agent",
    }
)

# Words that make a password-ish name about the password's metadata, not its value:
# "token_type": "Bearer", "password_changed_at", "secret_length".
_NOT_A_SECRET = frozenset(
    {
        "type",
        "types",
        "count",
        "expires",
        "expiry",
        "expire",
        "expiration",
        "expired",
        "ttl",
        "length",
        "policy",
        "hint",
        "reset",
        "changed",
        "updated",
        "created",
        "at",
        "date",
        "time",
        "url",
        "uri",
        "endpoint",
        "enabled",
        "required",
        "strength",
        "age",
        "last",
        "id",
        "name",
        "min",
        "max",
        "rules",
        "field",
        "label",
        "prompt",
        "set",
        "change",
        "is",
        "has",
        "version",
        "scope",
        "scopes",
        "issuer",
        "audience",
        "manager",
        "store",
        "path",
        "file",
    }
)

# Leaf names that say nothing alone: look at the parent ("phone.number", "email.keyword").
_GENERIC = frozenset(
    {
        "value",
        "values",
        "number",
        "text",
        "raw",
        "keyword",
        "original",
        "full",
        "home",
        "work",
        "primary",
        "main",
        "data",
        "content",
        "v",
        "s",
        "addr",
        "address",
        "0",
        "1",
    }
)

# Names whose digits are seldom a person's: ids, versions, sizes, times.
_NUMERIC_ID = frozenset(
    {
        "id",
        "ids",
        "uuid",
        "guid",
        "version",
        "ver",
        "build",
        "serial",
        "sku",
        "order",
        "invoice",
        "ticket",
        "ref",
        "reference",
        "hash",
        "checksum",
        "sha",
        "md5",
        "count",
        "size",
        "bytes",
        "length",
        "duration",
        "took",
        "timestamp",
        "ts",
        "time",
        "date",
        "epoch",
        "seq",
        "sequence",
        "offset",
        "port",
        "pid",
        "code",
        "status",
        "amount",
        "price",
        "total",
        "qty",
        "quantity",
        "kb",
        "errno",
        "sid",
        "trace",
        "span",
        "tracking",
    }
)

# Names of fields that say which country a document's person is in (region.py): a country
# or its code, a locale or language tag ("fr_FR", "de"), or an address ending in one.
_COUNTRY_WORDS = frozenset(
    {"country", "countrycode", "locale", "lang", "language", "pays", "land", "paese", "pais"}
)
_ADDRESS_WORDS = frozenset({"address", "addresses", "adresse", "streetaddress", "addr"})

# Last words of a name that make it prose whatever qualifies it: "ticket_description",
# "order_notes" and "case_comment" hold what people wrote, not an id.
_PROSE = frozenset(
    {
        "description",
        "body",
        "text",
        "message",
        "comment",
        "comments",
        "note",
        "notes",
        "summary",
        "details",
        "content",
        "subject",
        "title",
        "resolution",
    }
)

# Field types (``models.FieldType``: each store kind maps its own types onto them) that
# settle the question whatever the name says.
_MAPPING_HINTS: dict[str, frozenset[str]] = {
    FieldType.GEO_POINT: frozenset({GEO}),
    FieldType.GEO_SHAPE: frozenset({GEO}),
    FieldType.IP: frozenset({IP}),
}
_NUMERIC_MAPPINGS = frozenset({FieldType.DATE, FieldType.VERSION})


def tokens(name: str) -> list[str]:
    """Lower-case words of a field name: "clientIP" -> ["client", "ip"]."""
    return [t.lower() for t in _TOKEN.findall(name)]


def _hints_of(words: list[str]) -> set[str]:
    found: set[str] = set()
    for w in words:
        h = _WORD_HINTS.get(w)
        if h:
            found |= h
    for pair in itertools.pairwise(words):
        h2 = _PAIR_HINTS.get(pair)
        if h2:
            found.add(h2)
    joined = "".join(words)
    if joined in _WORD_HINTS:
        found |= _WORD_HINTS[joined]
    if found & _OVERRIDES_LOCATION:
        found.discard(LOCATION)
    return found


@lru_cache(maxsize=8192)
def field_for(path: str, mapping_type: str | None = None) -> Field:
    """The ``Field`` of a dotted path ("customer.email") holding a neutral field type
    (``models.FieldType``, when the store says), with its hints."""
    parts = path.split(".") if path else []
    leaf = parts[-1] if parts else ""
    parent = parts[-2] if len(parts) >= 2 else ""
    leaf_words = tokens(leaf)
    parent_words = tokens(parent)
    if not leaf_words or set(leaf_words) <= _GENERIC:
        hints = _hints_of(parent_words + leaf_words)
    else:
        hints = _hints_of(leaf_words)
    if SECRET in hints and _NOT_A_SECRET.intersection(leaf_words):
        hints.discard(SECRET)
    if (
        "name" in leaf_words
        and not _NOT_A_PERSON.intersection(leaf_words)
        and not (leaf_words == ["name"] and _NOT_A_PERSON.intersection(parent_words))
        and (not hints or hints == {PERSON})
    ):
        # "name" alone, or under a person-like parent ("customer.name"): person.py weighs it.
        hints.add(PERSON)
    if mapping_type in _MAPPING_HINTS:
        hints |= _MAPPING_HINTS[mapping_type]
    numeric_id = (
        (bool(_NUMERIC_ID.intersection(leaf_words)) and leaf_words[-1] not in _PROSE)
        or mapping_type in _NUMERIC_MAPPINGS
    ) and not (hints - {PERSON, LOCATION, GEO})
    place = ""
    if _COUNTRY_WORDS.intersection(leaf_words) and not hints - {LOCATION}:
        place = "country"
    elif _ADDRESS_WORDS.intersection(leaf_words) and LOCATION in hints:
        place = "address"
    return Field(
        path=path,
        name=leaf.lower(),
        parent=parent.lower(),
        mapping_type=mapping_type,
        hints=frozenset(hints),
        numeric_id=numeric_id,
        place=place,
    )
