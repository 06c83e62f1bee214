"""Secrets: passwords in fields named so, API keys and tokens, private keys (entity SECRET)."""

from __future__ import annotations

import re
from typing import ClassVar

from .base import Detector, Field, Span
from .context import clamp, wordset

ENTITY = "SECRET"  # noqa: S105 - an entity name, not a password

# Cheap gate on the lower-cased text: every pattern below contains one of these.
_GATES = (
    "-----begin",
    "akia",
    "asia",
    "gh",
    "github_pat_",
    "xox",
    "hooks.slack",
    "_live_",
    "_test_",
    "aiza",
    "eyj",
    "bearer",
    "basic",
    "://",
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
)

# One pass over the text; each alternative is one kind of secret, and when only part of
# the match is the secret (the value after "password="), that part is the group
# named <kind>_v.
_PATTERN = re.compile(
    r"""
      # PEM private keys (RSA, EC, OpenSSH, PGP…): the whole block, to its END line or
      # to the end of a truncated value.
      (?P<private_key>-----BEGIN[ ](?:[A-Z0-9]+[ ])*PRIVATE[ ]KEY(?:[ ]BLOCK)?-----
         [\s\S]*?(?:-----END[ ](?:[A-Z0-9]+[ ])*PRIVATE[ ]KEY(?:[ ]BLOCK)?-----|\Z))
      # AWS access key ids: a four-letter kind prefix and 16 base-32 characters.
    | (?P<aws_id>\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z2-7]{16}\b)
      # AWS secret keys have no prefix: 40 base64 characters after a name saying so.
    | (?P<aws_secret>(?i:aws)[\w\-]{0,20}(?i:secret)[\w\-]{0,20}["']?\s*[:=]\s*["']?
         (?P<aws_secret_v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+]))
      # GitHub tokens: ghp_ (personal), gho_ (OAuth), ghu_/ghs_ (app), ghr_ (refresh),
      # and fine-grained github_pat_ tokens.
    | (?P<github>\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b)
      # Slack tokens (xoxb- bot, xoxp- user, …) and incoming-webhook URLs.
    | (?P<slack>\bxox[abposr]-[A-Za-z0-9\-]{10,250})
    | (?P<slack_webhook>https://hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+)
      # Stripe secret and restricted keys.
    | (?P<stripe>\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,247}\b)
      # Google API keys: AIza and 35 URL-safe base64 characters.
    | (?P<google>\bAIza[0-9A-Za-z\-_]{35}(?![\w\-]))
      # "Authorization: Bearer <token>" (or any "bearer <token>"): the token.
    | (?P<bearer>(?i:\bbearer)\s+(?P<bearer_v>[A-Za-z0-9\-._~+/]{16,}=*))
      # "Authorization: Basic <base64 user:password>": the credentials.
    | (?P<basic>(?i:\bauthorization)["']?\s*[:=]\s*["']?(?i:basic)\s+
         (?P<basic_v>[A-Za-z0-9+/]{8,}={0,2}))
      # JWTs: base64url JSON header and payload, both starting '{"' = "eyJ", then a
      # signature.
    | (?P<jwt>\beyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{10,})
      # Credentials in a URL: scheme://user:password@host — the password.
    | (?P<url>\b[A-Za-z][A-Za-z0-9+.\-]{1,15}://[^\s:/@]{1,64}:(?P<url_v>[^\s:/@]{3,64})@[\w.\-]+)
      # password=…, "api_key": "…", secret: … in logs and config dumps: the value.
    | (?P<assign>(?i:\b(?:password|passwd|pwd|passphrase|secret|client[_\-]?secret|
         api[_\-]?key|apikey|access[_\-]?token|auth[_\-]?token|private[_\-]?key))
         ["']?[ \t]*[:=][ \t]*["']?(?P<assign_v>[^\s"',;&<>]{4,128}))
    """,
    re.VERBOSE,
)

_SCORES = {
    "private_key": 0.95,
    "aws_id": 0.9,
    "aws_secret": 0.9,
    "github": 0.95,
    "slack": 0.9,
    "slack_webhook": 0.9,
    "stripe": 0.9,
    "google": 0.85,
    "bearer": 0.8,
    "basic": 0.8,
    "jwt": 0.85,
    "url": 0.8,
    "assign": 0.7,
}

# Values that stand in for a secret without being one.
_PLACEHOLDERS = wordset(
    "null none nil undefined true false yes no n/a na redacted hidden masked removed "
    "secret password changeme example xxx xxxx xxxxx dummy test sample placeholder empty"
)
_PLACEHOLDER = re.compile(
    r"^(?:[*x•.#?_\-]+|<[^>]*>|\[[^\]]*\]|\$\{?\w+\}?|%s|\{\{.*\}\}|\{\w*\})$", re.I
)
# A plain lower-case word after "password:" is prose ("password: reset it"), not a value.
_PROSE_WORD = re.compile(r"[a-z]{1,7}")


def is_placeholder(value: str) -> bool:
    """True for "****", "<redacted>", "${DB_PASSWORD}", "null" and the like."""
    v = value.strip().strip("\"'")
    return not v or v.lower() in _PLACEHOLDERS or _PLACEHOLDER.match(v) is not None


class SecretDetector(Detector):
    """SECRET: credentials a leak exposes; normalized to the secret itself."""

    id: ClassVar[str] = "secret"
    entities: ClassVar[frozenset[str]] = frozenset({ENTITY})

    def find(self, text: str, field: Field) -> list[Span]:
        """Secrets in ``text``; the whole value when the field is named like a password."""
        if ENTITY in field.hints:
            whole = self._whole_value(text)
            if whole is not None:
                return [whole]
        low = text.lower()
        if not any(g in low for g in _GATES):
            return []
        spans: list[Span] = []
        for m in _PATTERN.finditer(text):
            kind = m.lastgroup
            assert kind is not None
            group = f"{kind}_v"
            if group in _PATTERN.groupindex and m.group(group) is not None:
                start, end = m.span(group)
            else:
                start, end = m.span()
            value = text[start:end]
            if kind in ("assign", "url", "basic", "bearer"):
                if is_placeholder(value) or _PROSE_WORD.fullmatch(value):
                    continue
            spans.append(Span(ENTITY, start, end, _SCORES[kind], value))
        return spans

    def _whole_value(self, text: str) -> Span | None:
        value = text.strip()
        if len(value) < 4 or len(value) > 4096 or is_placeholder(value):
            return None
        start = text.index(value[0])
        return Span(ENTITY, start, start + len(value), clamp(0.8), value)
