"""Parsers keep exact lines; a file that does not parse is one finding with its reason."""

from __future__ import annotations

import pytest

from leakhound.lint import lint_paths
from leakhound.lint.sources import ConfigSyntaxError, decode, load_json, load_yaml_all

from .conftest import Files


def test_yaml_lines_of_keys_and_items_across_documents() -> None:
    docs = load_yaml_all("a: 1\n---\nb:\n  - x\n  - {c: 2}\n")
    assert docs[1].line_of("b") == 3
    assert docs[1]["b"].lines == [4, 5]
    assert docs[1]["b"][1].line == 5


def test_yaml_merge_keys_are_resolved() -> None:
    (doc,) = load_yaml_all("base: &b {type: LoadBalancer}\nsvc:\n  <<: *b\n  port: 1\n")
    assert doc["svc"] == {"type": "LoadBalancer", "port": 1}


def test_json_lines_of_keys_items_and_objects() -> None:
    doc = load_json('{\n  "a": [\n    {"b": 1},\n    2\n  ],\n  "c": "x"\n}\n')
    assert (doc.line, doc.line_of("a"), doc.line_of("c")) == (1, 2, 6)
    assert doc["a"].lines == [3, 4]
    assert doc["a"][0].line == 3


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param('{\n  "a": 1,\n}\n', 3, id="trailing-comma"),
        pytest.param('{\n  "a": [1, 2\n}\n', 3, id="unclosed-array"),
        pytest.param("", 1, id="empty"),
    ],
)
def test_json_errors_name_their_line(text: str, line: int) -> None:
    with pytest.raises(ConfigSyntaxError) as exc:
        load_json(text)
    assert exc.value.line == line
    assert exc.value.reason.startswith("invalid JSON")


def test_binary_and_non_utf8_files_are_syntax_errors() -> None:
    with pytest.raises(ConfigSyntaxError, match="binary"):
        decode(b"\x00\x01\x02")
    with pytest.raises(ConfigSyntaxError, match="UTF-8") as exc:
        decode(b"a: 1\nb: \xff\n")
    assert exc.value.line == 2


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        pytest.param(
            "docker-compose.yml",
            "services:\n  es:\n    ports: [9200\n",
            4,
            id="compose-unclosed-flow",
        ),
        pytest.param(
            "elasticsearch.yml", "network.host: 0.0.0.0\n  bad: indent\n", 2, id="es-bad-indent"
        ),
        pytest.param(
            "main.tf",
            'resource "aws_security_group" "x" {\n  ingress {\n',
            3,
            id="terraform-unclosed-block",
        ),
        pytest.param("pg_hba.conf", "host all all 0.0.0.0/0 trsut\n", 1, id="pg-hba-typo"),
        pytest.param("pg_hba.conf", "hots all all 0.0.0.0/0 trust\n", 1, id="pg-hba-type"),
        pytest.param("redis.conf", 'requirepass "unterminated\n', 1, id="redis-quote"),
        pytest.param("local.ini", "[chttpd\nbind_address = 0.0.0.0\n", 1, id="ini-section"),
        pytest.param("nsg.json", '{"securityRules": [\n', 2, id="named-json"),
        pytest.param("values.yaml", "service:\n\ttype: LoadBalancer\n", 2, id="values-tab"),
    ],
)
def test_a_file_that_does_not_parse_is_one_finding_with_its_line(
    files: Files, name: str, text: str, line: int
) -> None:
    path = files.add(name, text)
    named = lint_paths([path], root=files.root).findings
    assert [(f.rule.id, f.path, f.line, f.severity.label) for f in named] == [
        ("LH100", name, line, "low")
    ]
    assert "\n" not in named[0].why and named[0].why
    if name != "nsg.json":  # a config known by its name is reported when a folder is walked
        assert files.lint() == named


def test_unrelated_broken_yaml_and_json_met_while_walking_are_skipped_not_reported(
    files: Files,
) -> None:
    files.add("tsconfig.json", '{\n  // comments are not JSON\n  "a": 1\n}\n')
    files.add(".github/workflows/ci.yml", "on: [push\n")
    files.add("chart/Chart.yaml", "name: app\n")
    files.add("chart/templates/svc.yaml", "kind: Service\nspec:\n  {{- if .x }}\n")
    result = lint_paths([files.root], root=files.root)
    assert result.findings == []
    assert sorted(s.path for s in result.skipped) == [
        ".github/workflows/ci.yml",
        "chart/templates/svc.yaml",
        "tsconfig.json",
    ]
