"""Who counts as a person: the entity types that single one out.

The "distinct people" figure is counted on these: an e-mail address, a phone number, an
IBAN, a national identifier or a card belongs to one person; names repeat across people, and
IP addresses and places are not people.
"""

from __future__ import annotations

# Most identifying first: where two types count the same, the first names the figure.
IDENTIFYING = ("EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "US_SSN", "FR_NIR", "DE_TAX_ID",
               "NL_BSN", "UK_NINO", "ES_NIF", "ES_NIE", "IT_FISCAL_CODE", "CREDIT_CARD")
