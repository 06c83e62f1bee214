"""SECRET: keys, tokens, private keys and password fields; placeholders and prose ignored."""

from __future__ import annotations

import pytest

from leakhound.detect import scan_document

from .util import found, hits

S = "SECRET"

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUifQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        pytest.param("key AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE", id="aws-access-key"),
        pytest.param(
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            id="aws-secret-key",
        ),
        pytest.param(
            "GITHUB_TOKEN=ghp_1234567890abcdefghijklmnopqrstuvwxyz",
            "ghp_1234567890abcdefghijklmnopqrstuvwxyz",
            id="github-pat",
        ),
        pytest.param(
            "slack xoxb-123456789012-1234567890123-abcdefghijklmnop",
            "xoxb-123456789012-1234567890123-abcdefghijklmnop",
            id="slack-bot",
        ),
        pytest.param(
            "hook https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX",
            "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX",
            id="slack-webhook",
        ),
        pytest.param(
            "stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            id="stripe",
        ),
        pytest.param(
            "AIzaSyA1234567890abcdefghijklmnopqrstuv",
            "AIzaSyA1234567890abcdefghijklmnopqrstuv",
            id="google-api-key",
        ),
        pytest.param(f"token {JWT}", JWT, id="jwt"),
        pytest.param(
            "Authorization: Bearer abcdef0123456789abcdef0123",
            "abcdef0123456789abcdef0123",
            id="bearer",
        ),
        pytest.param(f"Authorization: Bearer {JWT}", JWT, id="bearer-jwt"),
        pytest.param(
            "Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==", id="basic"
        ),
        pytest.param(PEM, PEM, id="private-key-block"),
        pytest.param(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk",
            id="truncated-key",
        ),
        pytest.param(
            "postgres://admin:S3cr3t!@db.example.com/app", "S3cr3t!", id="url-credentials"
        ),
        pytest.param("login failed password=Summer2024!", "Summer2024!", id="password-assignment"),
        pytest.param(
            '{"api_key": "d41d8cd98f00b204e980"}', "d41d8cd98f00b204e980", id="api-key-json"
        ),
    ],
)
def test_secrets_are_found(text: str, secret: str) -> None:
    assert found(text, S) == [secret]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Forgot password? click here", id="prose-password"),
        pytest.param("password: reset it please", id="prose-after-colon"),
        pytest.param("password=****", id="masked"),
        pytest.param("password=${DB_PASSWORD}", id="env-placeholder"),
        pytest.param("password: <redacted>", id="redacted"),
        pytest.param("the key is under the mat", id="key-word"),
        pytest.param("AKIA is a prefix", id="aws-prefix-alone"),
        pytest.param("ghp_short", id="github-prefix-too-short"),
        pytest.param("bearer of bad news", id="bearer-prose"),
        pytest.param("eyJhbGciOiJIUzI1NiJ9 alone", id="jwt-header-only"),
        pytest.param("https://example.com/path", id="url-without-credentials"),
    ],
)
def test_placeholders_and_prose_are_not_secrets(text: str) -> None:
    assert found(text, S) == []


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        pytest.param({"user": {"password": "hunter2"}}, "user.password", id="password-field"),
        pytest.param({"passwd": "$2b$12$KIXQJmVh3ZQbq1O7Q"}, "passwd", id="bcrypt-hash"),
        pytest.param({"client_secret": "c0ffee-beef"}, "client_secret", id="client-secret"),
        pytest.param({"apiKey": "abcd1234"}, "apiKey", id="camel-case"),
    ],
)
def test_password_fields_are_secrets(doc: dict[str, object], path: str) -> None:
    (h,) = scan_document(doc, types={S})
    assert h.path == path
    assert h.score >= 0.8


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param({"password": "********"}, id="stars"),
        pytest.param({"password": None}, id="null"),
        pytest.param({"password": "null"}, id="null-string"),
        pytest.param({"token_type": "Bearer"}, id="token-type"),
        pytest.param({"password_changed_at": "2024-01-01"}, id="password-metadata"),
        pytest.param({"secret": ""}, id="empty"),
    ],
)
def test_password_field_placeholders_are_not_secrets(doc: dict[str, object]) -> None:
    assert scan_document(doc, types={S}) == []


def test_masked_secret_shows_only_a_known_prefix() -> None:
    (h,) = hits("key AKIAIOSFODNN7EXAMPLE", S)
    assert h.masked == "AKIA***"
    (p,) = scan_document({"password": "hunter2hunter2"})
    assert p.masked == "***"
