"""`leakhound lint` end to end: formats, exit status, SARIF against the official schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from leakhound.cli import main

from .conftest import CORPUS, expected_marks

SCHEMA = Path(__file__).parents[1] / "data" / "sarif" / "sarif-schema-2.1.0.json"
EXPOSED = CORPUS / "exposed"


def _validate(log: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(log)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["lint", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_sarif_of_the_corpus_is_valid_and_locates_every_finding(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXPOSED)
    code, out, _ = _run([".", "--format", "sarif"], capsys)
    assert code == 1
    log = json.loads(out)
    _validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    got = sorted(
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["ruleId"],
            r["properties"]["severity"],
        )
        for r in run["results"]
    )
    assert got == sorted(expected_marks(EXPOSED).elements())
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert (
            r["level"]
            == {"high": "error", "medium": "warning", "low": "note"}[r["properties"]["severity"]]
        )
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == (
            "%SRCROOT%"
        )
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == EXPOSED.resolve().as_uri() + "/"


def test_the_schema_catches_a_broken_log(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXPOSED)
    _, out, _ = _run(["redis", "--format", "sarif"], capsys)
    log = json.loads(out)
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(jsonschema.ValidationError):
        _validate(log)


def test_json_lists_findings_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run([str(EXPOSED / "postgresql"), "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 1
    assert doc["summary"] == {"high": 1, "medium": 2, "low": 0}
    first = doc["findings"][0]
    assert (first["rule"], first["line"], first["store"], first["severity"]) == (
        "LH101",
        4,
        "PostgreSQL",
        "high",
    )
    assert first["path"].endswith("postgresql/pg_hba.conf")
    assert first["fix"] and first["why"]


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [("low", 1), ("medium", 1), ("high", 0)],
)
def test_exit_status_follows_fail_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fail_on: str, code: int
) -> None:
    (tmp_path / "redis.conf").write_text("bind 203.0.113.5\n")  # one medium finding
    assert _run([str(tmp_path), "--fail-on", fail_on, "--format", "json"], capsys)[0] == code


def test_a_secured_tree_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run([str(CORPUS / "secured")], capsys)
    assert code == 0
    assert "0 finding(s)" in out


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["/no/such/path"], id="missing-path"),
        pytest.param([], id="no-path"),
        pytest.param([".", "--fail-on", "critical"], id="bad-fail-on"),
        pytest.param([".", "--format", "html"], id="bad-format"),
        pytest.param([".", "--var-file", "/no/such.tfvars"], id="missing-var-file"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code, out, err = _run(args, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("leakhound: error:")


def test_a_var_file_that_is_a_folder_is_not_called_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A folder given to --var-file was "no such --var-file", though it is there.
    code, _, err = _run([str(tmp_path), "--var-file", str(tmp_path)], capsys)
    assert code == 2
    assert err == (
        f"leakhound: error: --var-file takes a file, not a folder or device: {tmp_path}\n"
    )


def test_a_broken_file_is_a_finding_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "docker-compose.yml").write_text("services:\n  es:\n    ports: [\n")
    (tmp_path / "main.tf").write_bytes(b"\xff\xfe\x00garbage")
    code, out, err = _run([str(tmp_path), "--format", "json"], capsys)
    assert code == 1 and err == ""
    doc = json.loads(out)
    assert sorted(
        (f["rule"], f["path"].rsplit("/", 1)[-1], f["line"]) for f in doc["findings"]
    ) == [("LH100", "docker-compose.yml", 4), ("LH100", "main.tf", 1)]


def test_terminal_output_neutralises_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "redis.conf").write_text("bind 0.0.0.0 \x1b[31mevil\nprotected-mode no\n")
    code, out, _ = _run([str(tmp_path)], capsys)
    assert code == 1
    assert "\x1b" not in out
    assert "redis.conf:2" in out and "fix:" in out


def test_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.sarif"
    code, out, _ = _run([str(EXPOSED / "redis"), "--format", "sarif", "-o", str(target)], capsys)
    assert (code, out) == (1, "")
    _validate(json.loads(target.read_text()))


def test_sarif_fingerprints_are_unique_and_survive_moved_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = (
        'resource "aws_security_group" "g" {\n'
        + (
            '  ingress {\n    from_port = 9200\n    to_port = 9200\n    protocol = "tcp"\n'
            '    cidr_blocks = ["0.0.0.0/0"]\n  }\n'
        )
        * 2
        + "}\n"
    )
    (tmp_path / "main.tf").write_text(rule)
    _, out, _ = _run([str(tmp_path), "--format", "sarif"], capsys)
    before = [r["partialFingerprints"] for r in json.loads(out)["runs"][0]["results"]]
    assert len(before) == 2 and before[0] != before[1]
    (tmp_path / "main.tf").write_text("# a comment moves every line\n\n" + rule)
    _, out, _ = _run([str(tmp_path), "--format", "sarif"], capsys)
    after = json.loads(out)["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in after] == before
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after] == [8, 14]


def test_a_file_named_twice_is_read_once(capsys: pytest.CaptureFixture[str]) -> None:
    case = EXPOSED / "redis"
    _, out, _ = _run([str(case), str(case / "redis.conf"), "--format", "json"], capsys)
    assert len(json.loads(out)["findings"]) == 1


def test_sarif_locates_a_module_file_outside_the_root_by_an_absolute_uri(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A module read from outside the linted root was given as "../../modules/site/main.tf"
    # under %SRCROOT%: a reference that climbs out of its base, which code scanning drops.
    (tmp_path / "envs" / "prod").mkdir(parents=True)
    (tmp_path / "modules" / "site").mkdir(parents=True)
    (tmp_path / "envs" / "prod" / "main.tf").write_text(
        'module "site" {\n  source = "../../modules/site"\n}\n', encoding="utf-8"
    )
    (tmp_path / "envs" / "prod" / "redis.conf").write_text("bind 0.0.0.0\n", encoding="utf-8")
    site = tmp_path / "modules" / "site" / "main.tf"
    site.write_text(
        'resource "aws_s3_bucket_acl" "a" {\n  bucket = "b"\n  acl = "public-read"\n}\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path / "envs" / "prod")
    _, out, _ = _run([".", "--format", "sarif"], capsys)
    log = json.loads(out)
    _validate(log)
    where = [
        (r["locations"][0]["physicalLocation"]["artifactLocation"], r["ruleId"])
        for r in log["runs"][0]["results"]
    ]
    assert [w for w, rule in where if rule == "LH121"] == [{"uri": site.resolve().as_uri()}]
    assert {"uri": "redis.conf", "uriBaseId": "%SRCROOT%"} in [w for w, _ in where]


VAR_ACL_TREE = """variable "acl" {
  default = "private"
}
resource "aws_s3_bucket" "cases" {
  bucket = "cases-export"
}
resource "aws_s3_bucket_acl" "cases" {
  bucket = aws_s3_bucket.cases.id
  acl    = var.acl
}
"""


@pytest.mark.parametrize(
    ("var_files", "public"),
    [
        pytest.param([], False, id="none"),
        pytest.param(["prod.tfvars"], True, id="over-the-auto-tfvars"),
        pytest.param(["prod.tfvars", "dev.tfvars"], False, id="the-last-one-wins"),
        pytest.param(["dev.tfvars", "prod.tfvars"], True, id="in-the-order-given"),
        # A file given again was kept at its first place: dev.tfvars still won.
        pytest.param(["prod.tfvars", "dev.tfvars", "prod.tfvars"], True, id="given-again"),
    ],
)
def test_a_var_file_sets_terraform_variables_over_the_automatic_tfvars(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    var_files: list[str],
    public: bool,
) -> None:
    # Values given to terraform by -var-file could not be given to lint: a bucket made public
    # by prod.tfvars was judged on the default and the automatic tfvars alone.
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(VAR_ACL_TREE, encoding="utf-8")
    (tmp_path / "infra" / "z.auto.tfvars").write_text('acl = "private"\n', encoding="utf-8")
    (tmp_path / "prod.tfvars").write_text('acl = "public-read"\n', encoding="utf-8")
    (tmp_path / "dev.tfvars.json").write_text('{"acl": "private"}', encoding="utf-8")
    (tmp_path / "dev.tfvars").write_text('acl = "private"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = [a for f in var_files for a in ("--var-file", f)]
    code, out, _ = _run(["infra", "--format", "json", *args], capsys)
    found = [(f["path"], f["line"], f["rule"]) for f in json.loads(out)["findings"]]
    assert found == ([("infra/main.tf", 9, "LH121")] if public else [])
    assert code == (1 if public else 0)


def test_a_var_file_that_does_not_parse_is_one_finding_and_lint_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "main.tf").write_text(VAR_ACL_TREE, encoding="utf-8")
    (tmp_path / "terraform.tfvars").write_text('acl = "public-read"\n', encoding="utf-8")
    (tmp_path / "broken.tfvars").write_text("acl = = \n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run([".", "--format", "json", "--var-file", "broken.tfvars"], capsys)
    found = [(f["path"], f["rule"]) for f in json.loads(out)["findings"]]
    assert found == [("broken.tfvars", "LH100"), ("main.tf", "LH121")]
    assert code == 1 and err == ""


def test_a_var_file_does_not_set_the_variables_of_a_module_the_root_calls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Terraform gives -var-file values to the root module only; they were also given to the
    # module folder it calls, whose var.cidr (10.0.0.0/8 from the call) became prod.tfvars'
    # 0.0.0.0/0: a high-confidence "admits the Internet" in the module.
    (tmp_path / "infra" / "modules" / "sg").mkdir(parents=True)
    (tmp_path / "infra" / "main.tf").write_text(
        'variable "cidr" {}\nmodule "sg" {\n  source = "./modules/sg"\n  cidr = "10.0.0.0/8"\n}\n',
        encoding="utf-8",
    )
    (tmp_path / "infra" / "modules" / "sg" / "main.tf").write_text(
        'variable "cidr" {}\nresource "aws_security_group" "db" {\n  ingress {\n'
        '    from_port = 6379\n    to_port = 6379\n    protocol = "tcp"\n'
        "    cidr_blocks = [var.cidr]\n  }\n}\n",
        encoding="utf-8",
    )
    (tmp_path / "prod.tfvars").write_text('cidr = "0.0.0.0/0"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run(["infra", "--format", "json", "--var-file", "prod.tfvars"], capsys)
    # the module as the root calls it: 10.0.0.0/8, no Internet
    assert json.loads(out)["findings"] == []


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as fh:
        fh.truncate(size)  # no disk used: the size is what lint must check before reading


@pytest.mark.parametrize("as_var_file", [False, True], ids=["walked", "var-file"])
def test_a_file_over_the_limit_is_skipped_by_its_size_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    as_var_file: bool,
) -> None:
    # A 10 MiB + 1 byte file was read whole, then refused by decode as an LH100 finding: a
    # 4 GB log named .tf (or given to --var-file) was loaded into memory first.
    from leakhound.lint.sources import MAX_BYTES

    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(VAR_ACL_TREE, encoding="utf-8")
    big = tmp_path / ("huge.tfvars" if as_var_file else "infra/huge.tf")
    _sparse(big, MAX_BYTES + 1)
    monkeypatch.chdir(tmp_path)
    extra = ["--var-file", "huge.tfvars"] if as_var_file else []
    code, out, err = _run(["infra", "--format", "json", *extra], capsys)
    doc = json.loads(out)
    assert doc["findings"] == [] and code == 0 and err == ""
    (skipped,) = doc["skipped"]
    assert skipped["path"] == ("huge.tfvars" if as_var_file else "infra/huge.tf")
    assert skipped["reason"] == f"larger than 10 MiB ({MAX_BYTES + 1} bytes), not read"


def test_a_fifo_named_like_a_config_is_skipped_not_waited_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Opening a FIFO for reading waits for a writer: lint hung on a pipe named main.tf.
    import os

    os.mkfifo(tmp_path / "main.tf")
    (tmp_path / "redis.conf").write_text("bind 0.0.0.0\nprotected-mode no\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run([".", "--format", "json"], capsys)
    doc = json.loads(out)
    assert [f["path"] for f in doc["findings"]] == ["redis.conf"]
    assert doc["skipped"] == [
        {"path": "main.tf", "reason": "not a regular file (a device, FIFO or socket), not read"}
    ]


SG_TREE = """variable "port" {}
variable "cidrs" {}
resource "aws_security_group" "db" {
  ingress {
    from_port   = var.port
    to_port     = var.port
    protocol    = "tcp"
    cidr_blocks = var.cidrs
  }
}
"""


def test_a_var_file_outside_the_folder_is_named_as_given_in_the_provenance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A --var-file was named by its file name only: ../shared/terraform.tfvars read like the
    # folder's own terraform.tfvars.
    (tmp_path / "infra").mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(SG_TREE, encoding="utf-8")
    (tmp_path / "shared" / "terraform.tfvars").write_text(
        'port = 6379\ncidrs = ["0.0.0.0/0"]\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path / "infra")
    args = [".", "--format", "json", "--var-file", "../shared/terraform.tfvars"]
    _, out, _ = _run(args, capsys)
    (f,) = json.loads(out)["findings"]
    assert "var.cidrs from ../shared/terraform.tfvars" in f["why"]


def test_a_json_var_file_sets_typed_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A .tfvars.json given to --var-file was never tested: a list and a number from it must
    # resolve the rule (the bool and the nested map must not break the file).
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(SG_TREE, encoding="utf-8")
    (tmp_path / "dev.tfvars.json").write_text(
        json.dumps(
            {
                "port": 6379,
                "cidrs": ["10.0.0.0/8", "0.0.0.0/0"],
                "public": True,
                "net": {"db": {"cidr": "0.0.0.0/0", "ports": [6379]}},
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run(["infra", "--format", "json", "--var-file", "dev.tfvars.json"], capsys)
    (f,) = json.loads(out)["findings"]
    assert (f["rule"], f["severity"], f["confidence"]) == ("LH120", "high", "high")
    assert "admits 0.0.0.0/0 to 6379 (Redis)" in f["why"]
    assert "var.cidrs from dev.tfvars.json" in f["why"]


def test_json_tfvars_keep_their_types() -> None:
    from leakhound.lint import terraform

    text = '{"n": 3, "on": true, "l": ["a", 1], "m": {"db": {"cidr": "0.0.0.0/0"}}}'
    values = {k: v for k, (v, _) in terraform.load_tfvars("x.tfvars.json", text).attrs.items()}
    assert values == {"n": 3, "on": True, "l": ["a", 1], "m": {"db": {"cidr": "0.0.0.0/0"}}}
    assert type(values["on"]) is bool and type(values["n"]) is int


def test_a_loop_of_module_calls_keeps_its_root_for_the_var_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # infra calls ./modules/sg, which calls ../.. (infra) back: each was "called", so neither
    # was a root and prod.tfvars' 0.0.0.0/0 was lost. Terraform is run in infra, the folder
    # linted: it is the root and gets the -var-file values.
    (tmp_path / "infra" / "modules" / "sg").mkdir(parents=True)
    (tmp_path / "infra" / "main.tf").write_text(
        SG_TREE + 'module "sg" {\n  source = "./modules/sg"\n}\n', encoding="utf-8"
    )
    (tmp_path / "infra" / "modules" / "sg" / "main.tf").write_text(
        'module "back" {\n  source = "../.."\n  count = 0\n}\n', encoding="utf-8"
    )
    (tmp_path / "prod.tfvars").write_text('port = 6379\ncidrs = ["0.0.0.0/0"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run(["infra", "--format", "json", "--var-file", "prod.tfvars"], capsys)
    found = [(f["path"], f["confidence"]) for f in json.loads(out)["findings"]]
    assert found == [("infra/main.tf", "high")]


def test_a_device_given_as_a_path_is_skipped_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # /dev/zero given to lint was walked as a folder: nothing read, nothing said.
    code, out, err = _run(["/dev/zero", "--format", "json"], capsys)
    doc = json.loads(out)
    assert doc["skipped"] == [
        {"path": "/dev/zero", "reason": "not a regular file (a device, FIFO or socket), not read"}
    ]
    assert (code, err, doc["findings"]) == (0, "", [])


def test_a_tfvars_of_a_walked_folder_that_cannot_be_read_is_skipped_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The walk skipped it, then the tfvars read beside the .tf files read it again and said
    # so again: two skipped lines for one file.
    import os

    from leakhound.lint.sources import MAX_BYTES

    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(SG_TREE, encoding="utf-8")
    os.mkfifo(tmp_path / "infra" / "terraform.tfvars")
    _sparse(tmp_path / "infra" / "big.auto.tfvars", MAX_BYTES + 1)
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run(["infra", "--format", "json"], capsys)
    paths = [s["path"] for s in json.loads(out)["skipped"]]
    assert sorted(paths) == ["infra/big.auto.tfvars", "infra/terraform.tfvars"]


def test_a_folder_named_like_a_tfvars_is_skipped_as_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # It was said to be "a device, FIFO or socket".
    (tmp_path / "infra" / "dev.auto.tfvars").mkdir(parents=True)
    (tmp_path / "infra" / "main.tf").write_text(SG_TREE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run(["infra/main.tf", "--format", "json"], capsys)
    assert json.loads(out)["skipped"] == [
        {"path": "infra/dev.auto.tfvars", "reason": "a folder, not a file, not read"}
    ]


def test_sarif_names_each_skipped_file_as_a_tool_notification(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Files not linted (a FIFO, one over the size limit, a YAML file that does not parse) were
    # listed in the JSON report only: a SARIF consumer saw no trace of them.
    import os

    from leakhound.lint.sources import MAX_BYTES

    os.mkfifo(tmp_path / "main.tf")
    _sparse(tmp_path / "big.tf", MAX_BYTES + 1)
    (tmp_path / "notes.yaml").write_text("a: [\n", encoding="utf-8")
    (tmp_path / "redis.conf").write_text("bind 0.0.0.0\nprotected-mode no\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run([".", "--format", "sarif"], capsys)
    log = json.loads(out)
    _validate(log)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    got = {
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: n["message"]["text"]
        for n in notes
    }
    assert {n["level"] for n in notes} == {"warning"}
    assert sorted(got) == ["big.tf", "main.tf", "notes.yaml"]
    assert (
        got["main.tf"]
        == "main.tf not linted: not a regular file (a device, FIFO or socket), not read"
    )
    assert got["big.tf"].startswith("big.tf not linted: larger than 10 MiB")
    assert got["notes.yaml"].startswith("notes.yaml not linted: invalid YAML")
    _, text, _ = _run([".", "--format", "terminal"], capsys)
    # (the line is wrapped at the terminal's width, which depends on where the tests run)
    assert "3 skipped (--format json or sarif lists them)" in " ".join(text.split())


@pytest.mark.parametrize(
    "var_file",
    [
        pytest.param("infra/terraform.tfvars", id="as-walked"),
        pytest.param("{tmp}/infra/./terraform.tfvars", id="absolute"),
    ],
)
def test_a_var_file_under_the_linted_folder_is_read_and_counted_once(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    var_file: str,
) -> None:
    # The walk read infra/terraform.tfvars, then --var-file read it again: "files" said 3.
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(VAR_ACL_TREE, encoding="utf-8")
    (tmp_path / "infra" / "terraform.tfvars").write_text('acl = "public-read"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ["infra", "--format", "json", "--var-file", var_file.format(tmp=tmp_path)]
    _, out, _ = _run(args, capsys)
    doc = json.loads(out)
    assert doc["files"] == 2
    assert [(f["path"], f["rule"]) for f in doc["findings"]] == [("infra/main.tf", "LH121")]


def test_a_broken_var_file_under_the_linted_folder_is_one_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reported by the walk, then again as the --var-file: two LH100 for one file.
    (tmp_path / "main.tf").write_text(VAR_ACL_TREE, encoding="utf-8")
    (tmp_path / "terraform.tfvars").write_text("acl = = \n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run([".", "--format", "json", "--var-file", "terraform.tfvars"], capsys)
    doc = json.loads(out)
    broken = [(f["path"], f["line"]) for f in doc["findings"] if f["rule"] == "LH100"]
    assert broken == [("terraform.tfvars", 1)]
    assert doc["files"] == 2


def test_a_var_file_also_named_as_a_path_is_applied_and_counted_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(VAR_ACL_TREE, encoding="utf-8")
    (tmp_path / "prod.tfvars").write_text('acl = "public-read"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ["infra", "prod.tfvars", "--format", "json", "--var-file", "prod.tfvars"]
    _, out, _ = _run(args, capsys)
    doc = json.loads(out)
    assert (doc["files"], doc["skipped"]) == (2, [])
    assert [(f["path"], f["rule"]) for f in doc["findings"]] == [("infra/main.tf", "LH121")]


def test_a_value_from_a_var_file_names_that_file_and_line_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The finding gave the resource's line only: the prod.tfvars line that made the bucket
    # public was nowhere (a bucket ACL's why does not even name the file).
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(VAR_ACL_TREE, encoding="utf-8")
    (tmp_path / "prod.tfvars").write_text('# prod\n\nacl = "public-read"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ["infra", "--var-file", "prod.tfvars"]
    _, out, _ = _run([*args, "--format", "json"], capsys)
    (f,) = json.loads(out)["findings"]
    assert (f["path"], f["line"]) == ("infra/main.tf", 9)
    assert f["set_at"] == [{"variable": "var.acl", "path": "prod.tfvars", "line": 3}]
    _, out, _ = _run([*args, "--format", "sarif"], capsys)
    log = json.loads(out)
    _validate(log)
    (result,) = log["runs"][0]["results"]
    (related,) = result["relatedLocations"]
    assert related["physicalLocation"] == {
        "artifactLocation": {"uri": "prod.tfvars", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3},
    }
    assert related["message"]["text"] == "var.acl set here"
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 9}
    _, out, _ = _run(args, capsys)
    assert "set: var.acl at prod.tfvars:3" in out


def test_a_sarif_notification_refers_to_a_descriptor_the_tool_declares(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each skipped file's notification named descriptor "skipped", which the driver did not
    # declare (no tool.driver.notifications): a reference that resolved to nothing.
    (tmp_path / "notes.yaml").write_text("a: [\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run([".", "--format", "sarif"], capsys)
    log = json.loads(out)
    _validate(log)
    (run,) = log["runs"]
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    ref = note["descriptor"]
    declared = run["tool"]["driver"]["notifications"]
    assert declared[ref["index"]]["id"] == ref["id"] == "skipped"


def test_a_broken_var_file_also_named_as_a_path_is_one_finding_not_a_skip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # prod.vars, named as a path too, was listed as skipped ("not a configuration leakhound
    # lints") and counted as linted, and its syntax error was not reported at all.
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(VAR_ACL_TREE, encoding="utf-8")
    (tmp_path / "prod.vars").write_text("acl = = \n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ["infra", "prod.vars", "--format", "json", "--var-file", "prod.vars"]
    _, out, _ = _run(args, capsys)
    doc = json.loads(out)
    assert (doc["files"], doc["skipped"]) == (2, [])
    broken = [(f["path"], f["line"]) for f in doc["findings"] if f["rule"] == "LH100"]
    assert broken == [("prod.vars", 1)]
