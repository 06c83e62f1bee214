"""AWS policy text (JSON, or HCL inside ``jsonencode``) judged without a full parser: whether
one statement allows everyone (Principal "*", {"AWS": "*"} or an AWS list holding "*") with no
condition that ties it to fixed sources or principals, as AWS's "public" is defined for S3
Block Public Access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .network import is_world

_ALLOW = re.compile(r"""["']?Effect["']?\s*[=:]\s*["']Allow["']""", re.I)
_CONDITION = re.compile(r"""["']?Condition["']?\s*[=:]\s*""", re.I)
# The Principal key of a statement (not NotPrincipal), as HCL (jsonencode) or JSON.
_PRINCIPAL = re.compile(r"""(?<![\w])["']?Principal["']?\s*[=:]\s*""", re.I)
_NOT_PRINCIPAL = re.compile(r"""(?<![\w])["']?NotPrincipal["']?\s*[=:]""", re.I)
_AWS_KEY = re.compile(r"""["']?AWS["']?\s*[=:]\s*""", re.I)
_STRING = re.compile(r""""([^"]*)"|'([^']*)'""")
# Condition keys that tie a statement to fixed sources or principals: AWS does not count a
# policy restricted by one of them as public ("The meaning of public", S3 user guide). Any
# other condition (aws:SecureTransport, aws:Referer, aws:UserAgent, s3:prefix) still admits
# anyone who meets it, and anyone can.
_FIXED_KEYS = {
    f"aws:{k}".lower()
    for k in (
        *("SourceIp", "SourceArn", "SourceVpc", "SourceVpce", "SourceOwner", "SourceAccount"),
        *("SourceOrgID", "SourceOrgPaths", "PrincipalAccount", "PrincipalArn", "PrincipalOrgID"),
        *("PrincipalOrgPaths", "userid"),
    )
} | {
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
}
# What ties a wildcard value to one owner: an account id, an organisation id, a VPC or endpoint
# id, or a resource reference (${aws_vpc_endpoint.s3.id}).
_IDENTIFIES = re.compile(r"\d{12}|\bo-[a-z0-9]{10,}|\bvpce?-[0-9a-f]{4,}|\$\{", re.I)
# A bare expression as a value (var.cidrs, data.x.id): up to a comma, a bracket or the line end.
_BARE = re.compile(r"""[^,}\]\n]*""")
# One key of an object (a condition operator, StringEquals, ForAnyValue:StringLike…, or a
# condition key, aws:SourceIp), up to its value.
_KEY = re.compile(r"""["']?([\w:-]+)["']?\s*[=:]\s*""")
# A string that is one interpolation and nothing else.
_WHOLE_INTERPOLATION = re.compile(r"""["']\$\{([^"'{}]*)\}["']""")
# The Resource key of a statement (not NotResource), as HCL (jsonencode) or JSON.
_RESOURCE = re.compile(r"""(?<![\w])["']?Resource["']?\s*[=:]\s*""", re.I)
_STATEMENT = re.compile(r"""["']?Statement["']?\s*[=:]\s*""", re.I)


def _span(text: str, start: int) -> str:
    """The bracketed value (or quoted string) that starts at ``start``."""
    if start >= len(text):
        return ""
    if text[start] not in "{[":
        m = _STRING.match(text, start)
        return m.group(0) if m else ""
    depth = 0
    for j in range(start, len(text)):
        if text[j] in "{[":
            depth += 1
        elif text[j] in "}]":
            depth -= 1
            if depth == 0:
                return text[start : j + 1]
    return text[start:]


def _is_star(value: str) -> bool:
    """Whether a string or list value holds the literal "*"."""
    return any((a or b) == "*" for a, b in _STRING.findall(value))


def _principal_any(statement: str) -> bool | str:
    """Whether a statement's Principal is everyone: "*", {"AWS": "*"} or an AWS list holding
    "*" beside accounts (one "*" is enough: the others add nothing), or a NotPrincipal; the
    expression when it is not written out here (Principal = var.principal, {AWS = local.ids})."""
    m = _PRINCIPAL.search(statement)
    if not m:
        # Allow with NotPrincipal: everyone but those named.
        return _NOT_PRINCIPAL.search(statement) is not None
    value = _value(statement, m.end())
    if not value.startswith("{"):
        return _is_star(value) or _expression(value)
    aws = _AWS_KEY.search(value)
    if aws is None:
        return False
    ids = _value(value, aws.end())
    return _is_star(ids) or _expression(ids)


def _expression(value: str) -> bool | str:
    """A value that is an expression (a reference, a function call), not written out: its
    text; False for a literal."""
    value = value.strip()
    if value and value[0] not in "{[\"'":
        return value
    if value.startswith("["):  # [var.account, "arn:…"]: a reference among the items
        bare = [i.strip() for i in value[1:-1].split(",") if i.strip()[:1] not in ("", '"', "'")]
        if bare:
            return ", ".join(bare)
    whole = _WHOLE_INTERPOLATION.search(value)  # "${var.principal}" in a heredoc's JSON
    return whole.group(1) if whole else False


def _statements(text: str) -> list[str]:
    """Each statement of a policy's text on its own (the objects of its Statement list), so a
    condition on one statement (the usual HTTPS-only deny) does not excuse another; the whole
    text when no Statement list is found."""
    m = _STATEMENT.search(text)
    if not m or m.end() >= len(text) or text[m.end()] not in "[{":
        return [text]
    base = 1 if text[m.end()] == "[" else 0
    out: list[str] = []
    depth, start = 0, -1
    for j in range(m.end(), len(text)):
        c = text[j]
        if c in "{[":
            if c == "{" and depth == base:
                start = j
            depth += 1
        elif c in "}]":
            depth -= 1
            if c == "}" and depth == base and start >= 0:
                out.append(text[start : j + 1])
                start = -1
            if depth <= 0 and (base == 1 or c == "}"):
                break
    return out or [text]


def resources(text: str) -> list[str]:
    """The text of each statement's Resource (a string or a list, as written)."""
    return [_value(st, m.end()) for st in _statements(text) if (m := _RESOURCE.search(st))]


def restricts(operator: str, key: str, values: Iterable[Any] = ()) -> bool:
    """Whether one condition (``operator`` over ``key``) lets in only fixed sources or
    principals: a fixed key under a positive test (a Not… test, …IfExists, which passes when an
    anonymous request lacks the key, and Null admit everyone else), and no value that is a
    wildcard over everyone or the whole Internet (aws:SourceIp 0.0.0.0/0, aws:PrincipalOrgID
    "o-*"; an account's "arn:aws:iam::123456789012:role/*" still restricts)."""
    op = operator.lower()
    positive = "not" not in op and not op.endswith("ifexists") and op != "null"
    return positive and key.lower() in _FIXED_KEYS and not any(_wide(str(v)) for v in values)


def _wide(value: str) -> bool:
    """Whether a condition value admits everyone: the Internet, or a wildcard before anything
    that identifies an account, organisation, VPC or endpoint."""
    value = value.strip()
    if is_world(value):
        return True
    wild = [i for i in (value.find("*"), value.find("?")) if i >= 0]
    return bool(wild) and not _IDENTIFIES.search(value[: min(wild)])


def _value(text: str, start: int) -> str:
    """The value that starts at ``start``: bracketed, quoted, or a bare expression (a
    reference such as var.cidrs) up to the next comma, bracket or line end."""
    if start < len(text) and text[start] in "{[\"'":
        return _span(text, start)
    m = _BARE.match(text, start)
    return m.group(0) if m else ""


def _entries(obj: str) -> list[tuple[str, str]]:
    """The (key, value text) pairs at the top level of an object's text."""
    out: list[tuple[str, str]] = []
    pos = 1
    while (m := _KEY.search(obj, pos)) is not None:
        value = _value(obj, m.end())
        out.append((m.group(1), value))
        pos = m.end() + max(len(value), 1)
    return out


def _restricted(statement: str) -> bool | str:
    """Whether a statement's Condition holds one condition that ``restricts``; the expression
    of a condition not written out here (Condition = var.x, StringEquals = local.y) when none
    that is written out restricts (it cannot be judged)."""
    m = _CONDITION.search(statement)
    if m is None:
        return False
    block = _value(statement, m.end())
    if not block.startswith("{"):
        return block.strip() or True
    unknown: list[str] = []
    for operator, body in _entries(block):
        if not body.startswith("{"):
            unknown.append(f"{operator} = {body.strip()}")
            continue
        for key, value in _entries(body):
            values = [a or b for a, b in _STRING.findall(value)]
            if restricts(operator, key, values):
                return True
    return ", ".join(unknown) or False


def public_policy(text: str) -> bool:
    """Whether one statement allows Principal '*' with no condition that ties it to fixed
    sources or principals."""
    return any(
        _ALLOW.search(st) and _principal_any(st) is True and _restricted(st) is False
        for st in _statements(text)
    )


def doubtful_policy(text: str) -> str:
    """Why one Allow statement may be public though it cannot be told here: its Principal or
    its Condition is an expression (a variable), not written out; "" when none is."""
    for st in _statements(text):
        if not _ALLOW.search(st):
            continue
        principal, condition = _principal_any(st), _restricted(st)
        if principal is False or condition is True or (principal, condition) == (True, False):
            continue
        parts = []
        if isinstance(principal, str):
            parts.append(f"its Principal ({principal})")
        if isinstance(condition, str):
            parts.append(f"its Condition ({condition})")
        return f"{' and '.join(parts)} {'is' if len(parts) == 1 else 'are'} not written out here"
    return ""
