"""National identity numbers of FR, UK, DE, ES, IT and NL, validated with python-stdnum.

Several are bare digit strings (NL BSN: nine digits; DE IdNr: eleven) that any order id
could match and whose checksum passes one time in ten: those are reported only when a
context word or the field's name says what they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.it import codicefiscale
from stdnum.nl import bsn

from .base import Detector, Field, Span
from .context import clamp, near, words_before, wordset
from .gate import END, START
from .hints import NATIONAL_ID

FR_NIR = "FR_NIR"
UK_NINO = "UK_NINO"
DE_TAX_ID = "DE_TAX_ID"
ES_NIF = "ES_NIF"
ES_NIE = "ES_NIE"
IT_FISCAL_CODE = "IT_FISCAL_CODE"
NL_BSN = "NL_BSN"

# Spaces, dots and dashes of the printed forms, dropped for the compact id.
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")

# Two passes, one for ids that start with a digit and one for ids that start with a
# letter. Each pattern starts with a character class and only then looks behind (the
# id must not continue a word or a dashed code): `re` skips ahead much faster through a
# pattern that starts with a class. Each alternative is one id's printed shape, less
# the first character, which a look-behind re-checks where it is narrower.
_DIGIT_FIRST = re.compile(
    r"""
    \d(?<![\w\-]\d)(?:
      # FR NIR: sex (1/2, 3/4/7/8 for temporary numbers), year, month (01-12, 20-99 for
      # unknown), department (2A/2B in Corsica), commune, order, key: 15 characters,
      # often printed in groups "1 84 12 76 451 089 46".
      (?<=[1-478])(?P<nir>\ ?\d{2}\ ?(?:0[1-9]|1[0-2]|[2-9]\d)\ ?(?:\d{2}|2[AaBb])
              \ ?\d{3}\ ?\d{3}\ ?\d{2})
      # ES DNI: eight digits, check letter.
    | (?P<dni>\d{7}-?[A-Za-z])
      # DE IdNr: eleven digits, first not 0, printed "36 574 261 809" or unbroken.
    | (?<=[1-9])(?P<idnr>\d\ ?\d{3}\ ?\d{3}\ ?\d{3})
      # NL BSN: nine digits, printed "1112.22.333", "111 222 333" or unbroken.
    | (?P<bsn>\d{3}\.\d{2}\.\d{3}|\d{2}\ \d{3}\ \d{3}|\d{8})
    )(?![\w\-]|\.\d)
    """,
    re.VERBOSE,
)
_LETTER_FIRST = re.compile(
    r"""
    [A-Za-z](?<![\w\-][A-Za-z])(?:
      # UK NINO: two prefix letters (D F I Q U V never, O never second), six digits
      # often in pairs, one suffix letter A-D: "AB 12 34 56 C".
      (?<=[A-CEGHJ-PR-TW-Z])(?P<nino>[A-CEGHJ-NPR-TW-Z]\ ?\d{2}\ ?\d{2}\ ?\d{2}\ ?[A-D])
      # IT codice fiscale: surname and name letters, year, month letter, day (+40 for
      # women), municipality, check letter; digits may be swapped for letters
      # (omocodia), hence [0-9LMNP-V].
    | (?P<cf>[A-Za-z]{5}[0-9LMNP-V]{2}[A-EHLMPR-Ta-ehlmpr-t]
             [0-9LMNP-V]{2}[A-Za-z][0-9LMNP-V]{3}[A-Za-z])
      # ES NIE: X/Y/Z, seven digits, check letter.
    | (?<=[XYZxyz])(?P<nie>-?\d{7}-?[A-Za-z])
    )(?![\w\-]|\.\d)
    """,
    re.VERBOSE,
)


def _valid_nino(value: str) -> bool:
    # Prefixes never issued, beyond the letters the pattern already excludes.
    return value[:2] not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")


# group -> (entity, validator, needs a context word or hint, base score, context words)
_Rule = tuple[str, Callable[[str], bool], bool, float, frozenset[str]]
_RULES: dict[str, _Rule] = {
    "nir": (
        FR_NIR,
        nir.is_valid,
        False,
        0.7,
        wordset("nir insee sécu secu sécurité securite sociale ss vitale"),
    ),
    "nino": (
        UK_NINO,
        _valid_nino,
        False,
        0.65,
        wordset("nino ni national insurance hmrc"),
    ),
    "cf": (
        IT_FISCAL_CODE,
        codicefiscale.is_valid,
        False,
        0.85,
        wordset("cf codice fiscale fiscal"),
    ),
    "nie": (ES_NIE, nie.is_valid, False, 0.75, wordset("nie extranjero")),
    "dni": (ES_NIF, dni.is_valid, False, 0.7, wordset("dni nif documento identidad")),
    "idnr": (
        DE_TAX_ID,
        idnr.is_valid,
        True,
        0.7,
        wordset("idnr steuer steuerid identifikationsnummer steueridentifikationsnummer tin"),
    ),
    "bsn": (
        NL_BSN,
        bsn.is_valid,
        True,
        0.7,
        wordset("bsn burgerservicenummer sofinummer sofi"),
    ),
}


class NationalIdDetector(Detector):
    """FR_NIR, UK_NINO, DE_TAX_ID, ES_NIF, ES_NIE, IT_FISCAL_CODE, NL_BSN; compact upper case."""

    id: ClassVar[str] = "national_id"
    entities: ClassVar[frozenset[str]] = frozenset(
        {FR_NIR, UK_NINO, DE_TAX_ID, ES_NIF, ES_NIE, IT_FISCAL_CODE, NL_BSN}
    )
    min_digits: ClassVar[int] = 6
    # Each alternative of _DIGIT_FIRST and _LETTER_FIRST with its first character put
    # back, the NIR month and department widened to digits, and the look-arounds (no
    # word character on either side) as word boundaries. The codice fiscale's is its
    # tail after the six name letters: with them in front, any six letters start a
    # match and the pass over a ticket costs Hyperscan 7.9 µs instead of 6.1.
    gate: ClassVar[tuple[str, ...]] = (
        START + r"\d ?\d{2} ?\d{2} ?(?:\d{2}|2[AaBb]) ?\d{3} ?\d{3} ?\d{2}" + END,  # FR NIR
        START + r"\d{8}-?[A-Za-z]" + END,  # ES DNI
        START + r"\d{2} ?\d{3} ?\d{3} ?\d{3}" + END,  # DE IdNr
        START + r"(?:\d{4}\.\d{2}\.\d{3}|\d{3} \d{3} \d{3}|\d{9})" + END,  # NL BSN
        START + r"[A-Za-z][A-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]" + END,  # UK NINO
        r"[0-9LMNP-V]{2}[A-EHLMPR-Ta-ehlmpr-t][0-9LMNP-V]{2}[A-Za-z][0-9LMNP-V]{3}[A-Za-z]"
        + END,  # IT codice fiscale
        START + r"[XYZxyz]-?\d{7}-?[A-Za-z]" + END,  # ES NIE
    )
    numeric: ClassVar[bool] = True

    def find(self, text: str, field: Field) -> list[Span]:
        """National ids in ``text``."""
        spans: list[Span] = []
        hinted = NATIONAL_ID in field.hints
        for m in sorted(
            (*_DIGIT_FIRST.finditer(text), *_LETTER_FIRST.finditer(text)), key=lambda m: m.start()
        ):
            kind = m.lastgroup
            assert kind is not None
            entity, validate, needs_context, score, context = _RULES[kind]
            compact = _NON_ALNUM.sub("", m.group()).upper()
            if not validate(compact):
                continue
            before = words_before(text, m.start(), 4)
            up = near(before, context)
            if needs_context and not (up or hinted):
                continue
            if up:
                score += 0.2
            elif compact == m.group() and compact.isdigit():
                score -= 0.3  # an unbroken digit string, nothing saying what it is
            spans.append(Span(entity, m.start(), m.end(), clamp(score), compact))
        return spans
