"""The README's usage block names only commands and options the CLI really has."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from leakhound.cli import build_parser
from leakhound.net import Limits
from leakhound.probes.http_root import FIRST_ANSWER_CAP

README = Path(__file__).parents[1] / "README.md"


def _usage_block() -> list[str]:
    text = README.read_text()
    block = text.split("## Usage", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands: list[str] = []
    for line in block.splitlines():
        if line.startswith("leakhound "):
            commands.append(line)
        elif line.strip() and commands:
            commands[-1] += " " + line.strip()
    return commands


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_readme_opens_with_the_two_setup_commands() -> None:
    head = README.read_text().split("```sh", 1)[1].split("```", 1)[0].strip().splitlines()
    assert [line.split("#")[0].strip() for line in head] == ["make demo", "make test"]


def test_every_command_and_option_in_the_usage_block_exists() -> None:
    subs = _subparsers()
    commands = _usage_block()
    assert len(commands) >= 8
    for line in commands:
        name = line.split()[1]
        assert name in subs, f"README names an unknown command: {name}"
        known = {opt for a in subs[name]._actions for opt in a.option_strings}
        for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", line):
            assert option in known, f"README: 'leakhound {name}' has no option {option}"


def test_every_command_is_in_the_usage_block() -> None:
    named = {line.split()[1] for line in _usage_block()}
    assert set(_subparsers()) <= named, sorted(set(_subparsers()) - named)


def _named_schemes(text: str) -> set[str]:
    text = text.replace("http(s)://", "http:// https://")
    return set(re.findall(r"\b([a-z][a-z0-9+]*)://", text))


def test_scan_help_and_readme_name_every_url_scheme_a_target_may_take() -> None:
    # mongodb://, redis://, mysql://… are what `lab targets` prints and `make demo` scans.
    from leakhound.probes.registry import DEFAULT

    schemes = set(DEFAULT.target_kinds().schemes)
    help_text = _subparsers()["scan"].format_help()
    assert schemes <= _named_schemes(help_text), sorted(schemes - _named_schemes(help_text))
    targets = README.read_text().split("A TARGET is", 1)[1].split("\n\n", 1)[0]
    assert schemes <= _named_schemes(targets), sorted(schemes - _named_schemes(targets))


def test_the_response_size_caps_the_readme_states_are_the_scans() -> None:
    # Each cap as the code has it: a bucket list over 1 MiB is an object store's, not a
    # refused one (its kind asks with its own, larger cap).
    mib = 2**20
    bounded = " ".join(README.read_text().split("\n- Bounded: ", 1)[1].split("\n- ")[0].split())
    first = (
        f"({FIRST_ANSWER_CAP // mib} MiB for the first answer of Elasticsearch, Kibana and CouchDB"
    )
    assert first in bounded
    assert "4 MiB for an object store's list of buckets or containers" in bounded
    assert f"{Limits().max_body // mib} MiB at most for any other)" in bounded
