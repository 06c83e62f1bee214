"""The watch's settings: durations, quiet hours, routes, and where secrets may come from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from leakhound.errors import UsageError
from leakhound.watch import QuietHours, build
from leakhound.watch.config import parse_duration, parse_percent, read_file, route_from_text
from leakhound.watch.routes import build_all

PARIS = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("30s", 30),
        ("5m", 300),
        ("1h30m", 5400),
        ("2d", 172800),
        ("250ms", 0.25),
        (45, 45),
    ],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["5 minutes", "m5", "-3s", "1h-2m", ""])
def test_not_durations(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "fraction"), [("50%", 0.5), ("50", 0.5), ("0.25", 0.25), ("200%", 2.0)]
)
def test_percentages(text: str, fraction: float) -> None:
    assert parse_percent(text, "--count-jump") == fraction


def test_quiet_hours_across_midnight_hold_until_their_end() -> None:
    quiet = QuietHours.parse("22:00-07:00", PARIS)
    at = datetime(2026, 1, 5, 22, 30, tzinfo=PARIS)
    assert quiet.holds(at) and quiet.holds(at + timedelta(hours=8))
    assert not quiet.holds(datetime(2026, 1, 5, 7, 0, tzinfo=PARIS))
    assert not quiet.holds(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))  # 13:00 in Paris
    assert quiet.end_after(at) == datetime(2026, 1, 6, 7, 0, tzinfo=PARIS)
    assert quiet.end_after(datetime(2026, 1, 6, 3, 0, tzinfo=PARIS)) == datetime(
        2026, 1, 6, 7, 0, tzinfo=PARIS
    )
    noon = datetime(2026, 1, 5, 12, 0, tzinfo=PARIS)
    assert quiet.end_after(noon) == noon


def test_quiet_hours_within_a_day() -> None:
    quiet = QuietHours.parse("12:00-13:30", PARIS)
    assert quiet.holds(datetime(2026, 1, 5, 13, 29, tzinfo=PARIS))
    assert not quiet.holds(datetime(2026, 1, 5, 13, 30, tzinfo=PARIS))


@pytest.mark.parametrize("text", ["22-07", "25:00-07:00", "07:00-07:00", "7h-8h"])
def test_bad_quiet_hours(text: str) -> None:
    with pytest.raises(UsageError):
        QuietHours.parse(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("https://hooks.example.net/x", "webhook"),
        ("http://127.0.0.1:9/x", "webhook"),
        ("slack", "slack"),
        ("slack+https://hooks.slack.com/services/T/B/x", "slack"),
        ("teams", "teams"),
        ("smtp://alerts@mail.example.net:587?to=a@example.net", "smtp"),
        ("smtps://mail.example.net?to=a@example.net", "smtp"),
        ("syslog://127.0.0.1", "syslog"),
        ("syslog+tcp://127.0.0.1:601", "syslog"),
        ("exec:/usr/bin/logger -t leakhound", "command"),
    ],
)
def test_alert_routes_from_the_command_line(text: str, kind: str) -> None:
    assert route_from_text(text).type == kind


def test_an_unknown_route_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown route"):
        route_from_text("ftp://example.net")


def test_secrets_come_from_the_environment() -> None:
    config = build(
        {
            "targets": ["127.0.0.1"],
            "alerts": [
                "https://hooks.example.net/x",
                "slack",
                "smtp://alerts@mail.example.net?to=a@example.net",
            ],
        }
    )
    env = {
        "LEAKHOUND_WEBHOOK_SECRET": "w",
        "LEAKHOUND_SLACK_URL": "https://hooks.slack.com/s/1",
        "LEAKHOUND_SMTP_PASSWORD": "p",
    }
    routes = build_all(config.routes, env)
    labels = sorted(routes)
    assert [label.split()[0] for label in labels] == ["slack", "smtp", "webhook"]
    # a label names where a route goes, never its secret path or password
    assert not any("/s/1" in label or "hooks.example.net/x" in label for label in labels)
    assert "smtp smtp://alerts@mail.example.net" in labels[1]


@pytest.mark.parametrize(
    ("alert", "missing"),
    [
        ("https://hooks.example.net/x", "LEAKHOUND_WEBHOOK_SECRET"),
        ("slack", "LEAKHOUND_SLACK_URL"),
        ("smtp://alerts@mail.example.net?to=a@example.net", "LEAKHOUND_SMTP_PASSWORD"),
    ],
)
def test_a_route_without_its_secret_is_refused(alert: str, missing: str) -> None:
    config = build({"targets": ["127.0.0.1"], "alerts": [alert]})
    with pytest.raises(UsageError, match=missing):
        build_all(config.routes, {})


def test_an_smtp_password_in_the_url_is_refused() -> None:
    config = build({"targets": ["x"], "alerts": ["smtp://u:hunter2@mail.example.net?to=a@b.c"]})
    with pytest.raises(UsageError, match="no password in its URL"):
        build_all(config.routes, {"LEAKHOUND_SMTP_PASSWORD": "p"})


CONFIG = """\
targets: [127.0.0.1:9200]
every: 1m
alerts:
  - webhook: https://hooks.example.net/leakhound
    secret: s3cret
  - smtp: smtp://alerts@mail.example.net:587
    to: [security@example.net]
    password_env: MAIL_PASSWORD
quiet_hours: "22:00-07:00"
retry: {first: 2s, attempts: 3}
"""


def test_a_config_file_with_a_secret_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "watch.yaml"
    path.write_text(CONFIG)
    path.chmod(0o644)
    with pytest.raises(UsageError, match="chmod 600"):
        read_file(path)
    path.chmod(0o600)
    config = build({"config": path}, read_file(path))
    assert config.every == 60 and config.retry.first == 2 and config.retry.attempts == 3
    assert str(config.quiet) == "22:00-07:00"
    routes = build_all(config.routes, {"MAIL_PASSWORD": "p"})
    assert len(routes) == 2


def test_a_config_file_naming_variables_may_be_readable(tmp_path: Path) -> None:
    path = tmp_path / "watch.yaml"
    path.write_text(CONFIG.replace("secret: s3cret", "secret_env: HOOK_SECRET"))
    path.chmod(0o644)
    assert len(read_file(path)["alerts"]) == 2


def test_the_command_line_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "watch.yaml"
    path.write_text("targets: [10.0.0.1]\nevery: 10m\nsample: 5\n")
    config = build({"targets": ["127.0.0.1"], "every": "30s"}, read_file(path))
    assert config.every == 30 and config.sample == 5
    assert config.targets == ("127.0.0.1", "10.0.0.1")


def test_an_unknown_setting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "watch.yaml"
    path.write_text("targets: [x]\nevry: 5m\n")
    with pytest.raises(UsageError, match="evry"):
        read_file(path)


def test_a_watch_needs_a_target() -> None:
    with pytest.raises(UsageError, match="TARGET"):
        build({})


def test_the_readme_config_example_builds(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    marker = "# watch.yaml (chmod 600 if it holds a secret in clear)\n"
    path = tmp_path / "watch.yaml"
    path.write_text(readme.split(marker, 1)[1].split("```", 1)[0])
    config = build({"config": path}, read_file(path))
    assert (config.every, config.rules.remind, config.rules.count_jump) == (300, 7200, 0.3)
    env = {
        "SOC_HOOK_SECRET": "x",
        "LEAKHOUND_SMTP_PASSWORD": "p",
        "LEAKHOUND_TEAMS_URL": "https://teams.example.net/workflow",
    }
    assert sorted(r.split()[0] for r in build_all(config.routes, env)) == [
        "command",
        "smtp",
        "teams",
        "webhook",
    ]
