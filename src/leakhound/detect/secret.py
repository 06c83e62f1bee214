"""Secrets: passwords in fields named so, API keys and tokens, private keys (entity SECRET)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from .base import Detector, Field, Span
from .context import clamp, wordset

ENTITY = "SECRET"


@dataclass(frozen=True, slots=True)
class _Kind:
    """One kind of secret: the substrings it cannot do without, and its pattern.

    The pattern runs only when the lower-cased text holds one of ``needles`` (a C-speed
    substring test), so most strings cost a few ``in`` checks. When only part of a match
    is the secret (the value after "password="), that part is the group named ``v``.
    """

    name: str
    score: float
    needles: tuple[str, ...]
    pattern: re.Pattern[str]
    may_be_placeholder: bool = False


def _kind(
    name: str, score: float, needles: str, pattern: str, *, placeholder: bool = False
) -> _Kind:
    return _Kind(name, score, tuple(needles.split()), re.compile(pattern, re.VERBOSE), placeholder)


_KINDS: tuple[_Kind, ...] = (
    # PEM private keys (RSA, EC, OpenSSH, PGP…): the whole block, to its END line or to
    # the end of a truncated value.
    _kind(
        "private_key",
        0.95,
        "-----begin",
        r"""-----BEGIN[ ](?:[A-Z0-9]+[ ])*PRIVATE[ ]KEY(?:[ ]BLOCK)?-----
            [\s\S]*?(?:-----END[ ](?:[A-Z0-9]+[ ])*PRIVATE[ ]KEY(?:[ ]BLOCK)?-----|\Z)""",
    ),
    # AWS access key ids: a four-letter kind prefix and 16 base-32 characters.
    _kind(
        "aws_id",
        0.9,
        "akia asia agpa aida aroa aipa anpa anva",
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z2-7]{16}\b",
    ),
    # AWS secret keys have no prefix: 40 base64 characters after a name saying so.
    _kind(
        "aws_secret",
        0.9,
        "aws",
        r"""(?i:aws)[\w\-]{0,20}(?i:secret)[\w\-]{0,20}["']?\s*[:=]\s*["']?
            (?P<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])""",
    ),
    # GitHub tokens: ghp_ (personal), gho_ (OAuth), ghu_/ghs_ (app), ghr_ (refresh), and
    # fine-grained github_pat_ tokens.
    _kind(
        "github",
        0.95,
        "ghp_ gho_ ghu_ ghs_ ghr_ github_pat_",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
    ),
    # Slack tokens (xoxb- bot, xoxp- user, …) and incoming-webhook URLs.
    _kind("slack", 0.9, "xox", r"\bxox[abposr]-[A-Za-z0-9\-]{10,250}"),
    _kind(
        "slack_webhook",
        0.9,
        "hooks.slack",
        r"https://hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+",
    ),
    # Stripe secret and restricted keys.
    _kind("stripe", 0.9, "_live_ _test_", r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,247}\b"),
    # Google API keys: AIza and 35 URL-safe base64 characters.
    _kind("google", 0.85, "aiza", r"\bAIza[0-9A-Za-z\-_]{35}(?![\w\-])"),
    # "Authorization: Bearer <token>" (or any "bearer <token>"): the token. Listed before
    # JWTs so that a bearer JWT is reported once.
    _kind(
        "bearer",
        0.8,
        "bearer",
        r"(?i:\bbearer)\s+(?P<v>[A-Za-z0-9\-._~+/]{16,}=*)",
        placeholder=True,
    ),
    # "Authorization: Basic <base64 user:password>": the credentials.
    _kind(
        "basic",
        0.8,
        "basic",
        r"""(?i:\bauthorization)["']?\s*[:=]\s*["']?(?i:basic)\s+
            (?P<v>[A-Za-z0-9+/]{8,}={0,2})""",
        placeholder=True,
    ),
    # JWTs: base64url JSON header and payload, both starting '{"' = "eyJ", then a
    # signature.
    _kind(
        "jwt",
        0.85,
        "eyj",
        r"\beyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{10,}",
    ),
    # Credentials in a URL: scheme://user:password@host — the password.
    _kind(
        "url",
        0.8,
        "://",
        r"\b[A-Za-z][A-Za-z0-9+.\-]{1,15}://[^\s:/@]{1,64}:(?P<v>[^\s:/@]{3,64})@[\w.\-]+",
        placeholder=True,
    ),
    # password=…, "api_key": "…", secret: … in logs and config dumps: the value.
    _kind(
        "assign",
        0.7,
        "pass pwd secret key token",
        r"""(?i:\b(?:password|passwd|pwd|passphrase|secret|client[_\-]?secret|
            api[_\-]?key|apikey|access[_\-]?token|auth[_\-]?token|private[_\-]?key))
            ["']?[ \t]*[:=][ \t]*["']?(?P<v>[^\s"',;&<>]{4,128})""",
        placeholder=True,
    ),
)

# Values that stand in for a secret without being one.
_PLACEHOLDERS = wordset(
    "null none nil undefined true false yes no n/a na redacted hidden masked removed "
    "secret password changeme example xxx xxxx xxxxx dummy test sample placeholder empty"
)
# Values that only mark where a secret was: "****", "xxxx", "<hidden>", "[REDACTED]",
# "${DB_PASSWORD}", "%s", "{{ password }}", "{password}".
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
    # A kind's pattern runs only where one of its needles is (``find``): any needle.
    gate: ClassVar[tuple[str, ...]] = (
        "(?i)" + "|".join(re.escape(n) for kind in _KINDS for n in kind.needles),
    )

    def find(self, text: str, field: Field) -> list[Span]:
        """Secrets in ``text``; the whole value when the field is named like a password."""
        if ENTITY in field.hints:
            whole = self._whole_value(text)
            if whole is not None:
                return [whole]
        low = text.lower()
        spans: list[Span] = []
        for kind in _KINDS:
            for needle in kind.needles:
                if needle in low:
                    break
            else:
                continue
            for m in kind.pattern.finditer(text):
                start, end = m.span("v") if "v" in kind.pattern.groupindex else m.span()
                if any(start < s.end and s.start < end for s in spans):
                    continue  # a bearer JWT, a key inside a PEM block: reported once
                value = text[start:end]
                if kind.may_be_placeholder and (
                    is_placeholder(value) or _PROSE_WORD.fullmatch(value)
                ):
                    continue
                spans.append(Span(ENTITY, start, end, kind.score, value))
        spans.sort()
        return spans

    def _whole_value(self, text: str) -> Span | None:
        value = text.strip()
        if len(value) < 4 or len(value) > 4096 or is_placeholder(value):
            return None
        start = text.index(value[0])
        return Span(ENTITY, start, start + len(value), clamp(0.8), value)
