"""What each entity type weighs in the ENISA severity method: data category and identifiability.

The scales are those of ENISA, *Recommendations for a methodology of the assessment of severity
of personal data breaches*, working document v1.0, December 2013:

- Data Processing Context (DPC), Annex 1: every breached data type falls
  in one of four categories with a preliminary basic score, then adjusted by context; when the
  data fall in several categories each is scored and the highest score is the DPC.

  ======================  =====  ===========================================================
  category                basic  ENISA's examples
  ======================  =====  ===========================================================
  simple data             1      biographical data, contact details, full name, education
  behavioural data        2      location, traffic data, personal preferences and habits
  financial data          3      income, transactions, bank statements, credit cards
  sensitive data          4      health, political affiliation, sexual life (GDPR Art. 9)
  ======================  =====  ===========================================================

  Credentials are *not* a category: ENISA scores them by the data of the systems they open.

- Ease of Identification (EI), Annex 2: how easily a party holding the data can tell whom
  they are about. Four levels with a linear score: negligible 0.25, limited 0.5,
  significant 0.75, maximum 1 (identification directly from the data, no research needed).

The table below is leakhound's reading of those scales for the types its detectors report
(Presidio's names). Where it adjusts a basic score by default it says why; the owner of the
data can override every input in the context file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class DataCategory(StrEnum):
    """ENISA's four data categories (Annex 1), by increasing basic score."""

    SIMPLE = "simple"
    BEHAVIOURAL = "behavioural"
    FINANCIAL = "financial"
    SENSITIVE = "sensitive"

    @property
    def basic_score(self) -> int:
        """ENISA's preliminary basic DPC score for the category."""
        return _BASIC[self]

    @property
    def label(self) -> str:
        """'simple data', 'financial data'…"""
        return f"{self.value} data"


_BASIC = {
    DataCategory.SIMPLE: 1,
    DataCategory.BEHAVIOURAL: 2,
    DataCategory.FINANCIAL: 3,
    DataCategory.SENSITIVE: 4,
}


class Identifiability(StrEnum):
    """ENISA's Ease of Identification levels (Annex 2), each with its score."""

    NEGLIGIBLE = "negligible"
    LIMITED = "limited"
    SIGNIFICANT = "significant"
    MAXIMUM = "maximum"

    @property
    def score(self) -> float:
        """0.25, 0.5, 0.75 or 1."""
        return _EI_SCORE[self]

    @classmethod
    def from_score(cls, score: float) -> Identifiability:
        """The level whose score this is; ValueError for any other number."""
        for level, value in _EI_SCORE.items():
            if abs(value - score) < 1e-9:
                return level
        raise ValueError(score)


_EI_SCORE = {
    Identifiability.NEGLIGIBLE: 0.25,
    Identifiability.LIMITED: 0.5,
    Identifiability.SIGNIFICANT: 0.75,
    Identifiability.MAXIMUM: 1.0,
}


@dataclass(frozen=True, slots=True)
class EntityClass:
    """How one entity type enters the severity method."""

    label: str  # plain words for a report or a letter: "e-mail addresses"
    category: DataCategory | None  # None: credentials, which ENISA does not categorise
    identifies: Identifiability  # what the type alone lets a holder do
    adjustment: int = 0  # default contextual adjustment of the category's basic score
    adjustment_reason: str = ""
    # Counts people: the distinct values of this type approximate the number of data subjects.
    person_key: bool = False
    # Something a person can be found by once a name is known (address, phone, id…).
    locator: bool = False


SECRET = "SECRET"  # noqa: S105 - an entity type name

_NATIONAL_ID = EntityClass(
    "national identification numbers",
    DataCategory.SIMPLE,
    Identifiability.SIGNIFICANT,
    adjustment=+1,
    adjustment_reason=(
        "leakhound raises national identifiers by 1: an identity number opens identity fraud "
        "and links records across registers (GDPR Art. 87 singles them out)"
    ),
    person_key=True,
    locator=True,
)

ENTITY_CLASSES: dict[str, EntityClass] = {
    # Contact details and names: ENISA's own examples of simple data.
    "EMAIL_ADDRESS": EntityClass(
        "e-mail addresses",
        DataCategory.SIMPLE,
        Identifiability.MAXIMUM,
        person_key=True,
        locator=True,
    ),
    "PHONE_NUMBER": EntityClass(
        "phone numbers",
        DataCategory.SIMPLE,
        Identifiability.SIGNIFICANT,
        person_key=True,
        locator=True,
    ),
    "PERSON": EntityClass(
        "names",
        DataCategory.SIMPLE,
        Identifiability.SIGNIFICANT,
        person_key=True,
    ),
    # A postal address is a contact detail (simple); alone it points at a household.
    "LOCATION": EntityClass(
        "postal addresses and places",
        DataCategory.SIMPLE,
        Identifiability.LIMITED,
        locator=True,
    ),
    # Traffic data and location are ENISA's examples of behavioural data. An IP address alone
    # names a subscriber only through the access provider's records (CJEU C-582/14 Breyer).
    "IP_ADDRESS": EntityClass(
        "IP addresses",
        DataCategory.BEHAVIOURAL,
        Identifiability.NEGLIGIBLE,
    ),
    "GEO_COORDINATES": EntityClass(
        "geographic coordinates",
        DataCategory.BEHAVIOURAL,
        Identifiability.LIMITED,
        locator=True,
    ),
    # Credit cards are ENISA's example of financial data. ENISA raises it by 1 when full card
    # data enabling fraud is disclosed; a number alone does not show that, the owner can.
    "CREDIT_CARD": EntityClass(
        "payment card numbers",
        DataCategory.FINANCIAL,
        Identifiability.LIMITED,
        person_key=True,
    ),
    "IBAN_CODE": EntityClass(
        "bank account numbers (IBAN)",
        DataCategory.FINANCIAL,
        Identifiability.LIMITED,
        adjustment=-1,
        adjustment_reason=(
            "ENISA lowers financial data by 1 for 'simple bank account numbers without "
            "further details'"
        ),
        person_key=True,
    ),
    "US_BANK_NUMBER": EntityClass(
        "bank account numbers",
        DataCategory.FINANCIAL,
        Identifiability.LIMITED,
        adjustment=-1,
        adjustment_reason=(
            "ENISA lowers financial data by 1 for 'simple bank account numbers without "
            "further details'"
        ),
        person_key=True,
    ),
    "CRYPTO": EntityClass(
        "cryptocurrency wallet addresses",
        DataCategory.FINANCIAL,
        Identifiability.NEGLIGIBLE,
        adjustment=-1,
        adjustment_reason="a wallet address alone gives little insight into a person's finances",
    ),
    # Presidio's NRP: nationality, religious or political group; the last two are GDPR Art. 9.
    "NRP": EntityClass(
        "nationality, religious or political affiliation",
        DataCategory.SENSITIVE,
        Identifiability.NEGLIGIBLE,
    ),
    # National identifiers reported by detect/ssn.py and detect/national_id.py.
    "US_SSN": _NATIONAL_ID,
    "NATIONAL_ID": _NATIONAL_ID,
    "UK_NINO": _NATIONAL_ID,
    "FR_NIR": _NATIONAL_ID,
    "DE_TAX_ID": _NATIONAL_ID,
    "ES_NIF": _NATIONAL_ID,
    "ES_NIE": _NATIONAL_ID,
    "IT_FISCAL_CODE": _NATIONAL_ID,
    "NL_BSN": _NATIONAL_ID,
    SECRET: EntityClass("credentials (passwords, keys, tokens)", None, Identifiability.NEGLIGIBLE),
}

# Presidio names its national identifiers COUNTRY_KIND (UK_NINO, ES_NIF, IT_FISCAL_CODE,
# IN_AADHAAR, PL_PESEL…): those kinds count as national identifiers whatever the country.
_NATIONAL_ID_NAME = re.compile(
    r"^[A-Z]{2}_(SSN|NINO|NHS|NIR|NIF|NIE|DNI|PESEL|TIN|TFN|ITIN|BSN|FISCAL_CODE|AADHAAR|PAN|"
    r"RRN|NRIC_FIN|PASSPORT|IDENTITY_CARD|ID_CARD|DRIVER_LICENSE|VOTER|MEDICARE|"
    r"PERSONAL_IDENTITY_CODE|PERSONAL_ID|NATIONAL_ID|TAX_ID|ID)$"
)


def entity_class(entity_type: str) -> EntityClass:
    """The class of an entity type; an unknown type counts as simple data, limited EI."""
    known = ENTITY_CLASSES.get(entity_type)
    if known:
        return known
    if _NATIONAL_ID_NAME.match(entity_type):
        return _NATIONAL_ID
    return EntityClass(entity_type, DataCategory.SIMPLE, Identifiability.LIMITED)


def category_score(entity_type: str) -> int | None:
    """The DPC score one type gives on its own: basic score plus default adjustment, 1..4."""
    cls = entity_class(entity_type)
    if cls.category is None:
        return None
    return clamp_dpc(cls.category.basic_score + cls.adjustment)


def clamp_dpc(score: int) -> int:
    """DPC stays within ENISA's 1..4 whatever the adjustments."""
    return max(1, min(4, score))
