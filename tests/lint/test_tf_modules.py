"""Public buckets across a Terraform module tree (LH121): what a local module the root calls
declares (an access block, an account-wide block, a public ACL given by the caller's argument)
counts, and a module that cannot be read is named in the finding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from leakhound.lint import lint_paths
from leakhound.lint.model import Confidence

from .conftest import Files

ROOT = """resource "aws_s3_bucket" "cases" {
  bucket = "cases-export"
}
resource "aws_s3_bucket_acl" "cases" {
  bucket = aws_s3_bucket.cases.id
  acl    = "public-read"
}
module "bpa" {
  source = "%s"
  bucket = %s
}
"""
BUCKET_ACL_ROOT = """resource "aws_s3_bucket" "cases" {
  bucket = "cases-export"
}
resource "aws_s3_bucket_acl" "cases" {
  bucket = aws_s3_bucket.cases.id
  acl    = "public-read"
}
"""
BLOCK_MODULE = """variable "bucket" {}
resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = var.bucket
  block_public_acls       = %(on)s
  ignore_public_acls      = %(on)s
  block_public_policy     = %(on)s
  restrict_public_buckets = %(on)s
}
"""
ACCOUNT_MODULE = """resource "aws_s3_account_public_access_block" "this" {
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}
"""


@pytest.mark.parametrize(
    ("argument", "module", "expected"),
    [
        pytest.param("aws_s3_bucket.cases.id", BLOCK_MODULE % {"on": "true"}, [], id="blocked"),
        pytest.param('"cases-export"', BLOCK_MODULE % {"on": "true"}, [], id="blocked-by-name"),
        pytest.param(
            "aws_s3_bucket.cases.id",
            BLOCK_MODULE % {"on": "false"},
            [(6, "high")],
            id="turned-off-there",
        ),
        pytest.param('"other-bucket"', BLOCK_MODULE % {"on": "true"}, [(6, "medium")], id="other"),
        pytest.param('"unused"', ACCOUNT_MODULE, [], id="account-wide"),
    ],
)
def test_an_access_block_in_a_called_local_module_counts(
    files: Files, argument: str, module: str, expected: list[tuple[int, str]]
) -> None:
    files.add("main.tf", ROOT % ("./modules/bpa", argument))
    files.add("modules/bpa/main.tf", module)
    assert [(f.path, f.line, f.severity.label) for f in files.lint()] == [
        ("main.tf", line, severity) for line, severity in expected
    ]


def test_a_module_folder_outside_the_linted_path_is_read(files: Files) -> None:
    files.add("envs/prod/main.tf", ROOT % ("../../modules/bpa", "aws_s3_bucket.cases.id"))
    files.add("modules/bpa/main.tf", BLOCK_MODULE % {"on": "false"})
    found = lint_paths([files.root / "envs" / "prod"], root=files.root).findings
    assert [(f.path, f.line, f.severity.label) for f in found] == [("envs/prod/main.tf", 6, "high")]


CHILD_BUCKET = """variable "acl" {
  default = "private"
}
resource "aws_s3_bucket" "this" {
  bucket = "site-assets"
}
resource "aws_s3_bucket_acl" "this" {
  bucket = aws_s3_bucket.this.id
  acl    = var.acl
}
"""


def test_a_public_acl_the_caller_gives_a_module_is_found_in_the_module(files: Files) -> None:
    files.add("main.tf", 'module "site" {\n  source = "./modules/site"\n  acl = "public-read"\n}\n')
    files.add("modules/site/main.tf", CHILD_BUCKET)
    (f,) = files.lint()
    assert (f.path, f.line, f.severity.label) == ("modules/site/main.tf", 9, "medium")
    assert f.subject == "module.site.aws_s3_bucket_acl.this"


def test_a_module_bucket_is_stopped_by_the_roots_account_block(files: Files) -> None:
    files.add("main.tf", 'module "site" {\n  source = "./modules/site"\n}\n' + ACCOUNT_MODULE)
    files.add("modules/site/main.tf", CHILD_BUCKET.replace('"private"', '"public-read"'))
    assert files.lint() == []


@pytest.mark.parametrize(
    ("source", "named"),
    [
        pytest.param(
            "terraform-aws-modules/s3-bucket/aws",
            "module.bpa (source 'terraform-aws-modules/s3-bucket/aws', not a local folder",
            id="registry",
        ),
        pytest.param(
            "git::https://example.net/bpa.git",
            "module.bpa (source 'git::https://example.net/bpa.git', not a local folder",
            id="git",
        ),
        pytest.param(
            "./modules/missing",
            "module.bpa (source './modules/missing': No such file or directory)",
            id="missing-folder",
        ),
        pytest.param(
            "./modules/bpa\\u0000",  # a NUL byte raised ValueError: the whole lint stopped
            "module.bpa (source './modules/bpa\\x00', not a local folder",
            id="nul-byte",
        ),
    ],
)
def test_a_module_that_cannot_be_read_is_named_in_the_finding(
    files: Files, source: str, named: str
) -> None:
    files.add("main.tf", ROOT % (source, "aws_s3_bucket.cases.id"))
    (f,) = files.lint()
    assert (f.line, f.severity.label, f.confidence) == (6, "medium", Confidence.LOW)
    assert named in f.why
    assert "could not be read" in f.why


def test_a_module_that_calls_itself_is_no_endless_loop(files: Files) -> None:
    files.add("main.tf", ROOT % ("./modules/loop", "aws_s3_bucket.cases.id"))
    files.add("modules/loop/main.tf", 'module "again" {\n  source = "../loop"\n}\n')
    assert [(f.line, f.severity.label) for f in files.lint()] == [(6, "medium")]


def test_a_module_two_roots_call_alike_is_reported_once(files: Files) -> None:
    call = 'module "site" {\n  source = "../../modules/site"\n  acl = "public-read"\n}\n'
    files.add("envs/prod/main.tf", call)
    files.add("envs/dev/main.tf", call)
    files.add("modules/site/main.tf", CHILD_BUCKET)
    assert [(f.path, f.line) for f in files.lint()] == [("modules/site/main.tf", 9)]


def test_a_local_module_that_does_not_parse_is_named_in_the_finding(files: Files) -> None:
    files.add("main.tf", ROOT % ("./modules/bpa", "aws_s3_bucket.cases.id"))
    files.add("modules/bpa/main.tf", 'resource "aws_s3_bucket_public_access_block" {\n')
    found = {f.rule.id: f for f in files.lint()}
    assert found["LH100"].path == "modules/bpa/main.tf"  # reported as its own file, too
    assert found["LH121"].confidence == Confidence.LOW
    assert "module.bpa (source './modules/bpa': invalid HCL" in found["LH121"].why


def test_a_module_folder_that_is_a_loop_of_links_is_named_not_a_crash(files: Files) -> None:
    # Path.resolve raised RuntimeError on the module's folder: the whole lint stopped.
    main = files.add("main.tf", ROOT % ("./modules/bpa", "aws_s3_bucket.cases.id"))
    (files.root / "modules").mkdir()
    (files.root / "modules" / "bpa").symlink_to("bpa")
    (f,) = lint_paths([main], root=files.root).findings
    assert (f.line, f.confidence) == (6, Confidence.LOW)
    assert "module.bpa (source './modules/bpa': " in f.why


BUCKET_MODULE = """variable "name" {}
resource "aws_s3_bucket" "this" {
  bucket = var.name
}
resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = %(on)s
  ignore_public_acls      = %(on)s
  block_public_policy     = %(on)s
  restrict_public_buckets = %(on)s
}
output "id" {
  value = aws_s3_bucket.this.id
}
"""
BUCKET_MODULE_JSON = """{
  "variable": {"name": {}},
  "resource": {
    "aws_s3_bucket": {"this": {"bucket": "${var.name}"}},
    "aws_s3_bucket_public_access_block": {"this": {
      "bucket": "${aws_s3_bucket.this.id}",
      "block_public_acls": %(on)s, "ignore_public_acls": %(on)s,
      "block_public_policy": %(on)s, "restrict_public_buckets": %(on)s
    }}
  },
  "output": {"id": {"value": "${aws_s3_bucket.this.id}"}}
}
"""
ROOT_POLICY = """module "bucket" {
  source = "./modules/bucket"
  name   = "%s"
}
resource "aws_s3_bucket_policy" "cases" {
  bucket = module.bucket%s.id
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "*" }]
  })
}
"""


@pytest.mark.parametrize(
    ("module", "on", "name", "index", "expected"),
    [
        pytest.param("main.tf", "true", "cases", "", [], id="blocked"),
        pytest.param("main.tf", "true", "${var.unset}", "", [], id="blocked-unnamed-bucket"),
        pytest.param("main.tf", "true", "cases", "[0]", [], id="blocked-module-with-count"),
        pytest.param("main.tf.json", "true", "cases", "", [], id="blocked-tf-json"),
        pytest.param("main.tf", "false", "cases", "", [(7, "high")], id="turned-off"),
    ],
)
def test_an_access_block_beside_the_bucket_in_the_module_whose_output_names_it_counts(
    files: Files, module: str, on: str, name: str, index: str, expected: list[tuple[int, str]]
) -> None:
    # The policy names the bucket by the module's output (module.bucket.id): it was judged as
    # an unknown bucket with no access block, a secured bucket reported public.
    files.add("main.tf", ROOT_POLICY % (name, index))
    text = BUCKET_MODULE_JSON if module.endswith(".json") else BUCKET_MODULE
    files.add(f"modules/bucket/{module}", text % {"on": on})
    assert [(f.line, f.severity.label) for f in files.lint()] == expected


def test_a_module_outside_the_linted_path_called_from_many_roots_is_read_once(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each call re-read and re-parsed the folder: fifty environments calling ten shared
    # modules parsed them five hundred times (seconds a tree).
    from leakhound.lint import tfmodules

    reads: list[str] = []
    real = tfmodules.read_folder

    def counted(folder: Path, skip: frozenset[Path] = frozenset()) -> dict[Path, Any]:
        reads.append(folder.name)
        return real(folder, skip)

    monkeypatch.setattr(tfmodules, "read_folder", counted)
    call = 'module "site" {\n  source = "../../modules/site"\n  acl = "public-read"\n}\n'
    for env in ("prod", "dev", "test"):
        files.add(f"envs/{env}/main.tf", call + call.replace('"site"', '"copy"', 1))
    files.add("modules/site/main.tf", CHILD_BUCKET)
    found = lint_paths([files.root / "envs"], root=files.root).findings
    assert reads.count("site") == 1
    assert {(f.path, f.line, f.subject) for f in found} == {
        ("modules/site/main.tf", 9, "module.site.aws_s3_bucket_acl.this"),
        ("modules/site/main.tf", 9, "module.copy.aws_s3_bucket_acl.this"),
    }


PUBLIC_JSON = (
    '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",'
    ' "Resource": "arn:aws:s3:::site-assets/*"}]}'
)
FILE_POLICY = """resource "aws_s3_bucket" "this" {
  bucket = "site-assets"
}
resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = %s
}
"""


@pytest.mark.parametrize(
    ("policy", "where", "text", "expected"),
    [
        # A policy kept in a file was judged as the text 'file("…")': a public one was passed.
        pytest.param('file("policy.json")', "policy.json", PUBLIC_JSON, [6], id="file"),
        pytest.param(
            'templatefile("${path.module}/policy.json.tpl", { arn = aws_s3_bucket.this.arn })',
            "policy.json.tpl",
            PUBLIC_JSON.replace("arn:aws:s3:::site-assets", "${arn}"),
            [6],
            id="templatefile",
        ),
        pytest.param(
            'file("policy.json")',
            "policy.json",
            PUBLIC_JSON.replace('"*"', '{"AWS": "arn:aws:iam::123456789012:root"}'),
            [],
            id="one-account",
        ),
        pytest.param('file("missing.json")', "policy.json", PUBLIC_JSON, [], id="missing"),
        pytest.param('file("/dev/zero")', "policy.json", PUBLIC_JSON, [], id="a-device"),
    ],
)
def test_a_policy_read_from_a_file_is_judged(
    files: Files, policy: str, where: str, text: str, expected: list[int]
) -> None:
    files.add("main.tf", FILE_POLICY % policy)
    files.add(where, text)
    assert [f.line for f in files.lint()] == expected


def test_a_module_reads_its_policy_file_from_its_own_folder(files: Files) -> None:
    files.add("main.tf", 'module "site" {\n  source = "./modules/site"\n}\n')
    files.add("modules/site/main.tf", FILE_POLICY % 'file("${path.module}/policy.json")')
    files.add("modules/site/policy.json", PUBLIC_JSON)
    files.add("policy.json", "{}")  # the root's, which path.module does not mean
    (f,) = files.lint()
    assert (f.path, f.line, f.subject) == (
        "modules/site/main.tf",
        6,
        "module.site.aws_s3_bucket_policy.this",
    )


def test_a_tree_of_too_many_modules_stops_growing_and_says_so(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A module calling the next twice, level after level, doubled the instances each level
    # (2**20 for twenty levels): the lint never ended. The tree stops at a bound, named.
    from leakhound.lint import tfmodules

    monkeypatch.setattr(tfmodules, "MAX_INSTANCES", 4)
    files.add("main.tf", ROOT % ("./m0", "aws_s3_bucket.cases.id"))
    for level in range(3):
        twice = f'module "a" {{\n  source = "../m{level + 1}"\n}}\n'
        files.add(f"m{level}/main.tf", twice + twice.replace('"a"', '"b"', 1))
    files.add("m3/main.tf", "")
    (f,) = files.lint()
    assert (f.line, f.confidence) == (6, Confidence.LOW)
    assert "module call(s) beyond the first 4 modules could not be read" in f.why


def test_the_other_files_of_a_named_files_folder_count_but_are_not_reported(
    files: Files,
) -> None:
    # `leakhound lint infra/main.tf` (a CI linting the changed files) judged main.tf's bucket
    # without the access block in s3.tf beside it: a secured bucket was reported public.
    main = files.add("infra/main.tf", BUCKET_ACL_ROOT)
    files.add(
        "infra/s3.tf", BLOCK_MODULE.replace("var.bucket", "aws_s3_bucket.cases.id") % {"on": "true"}
    )
    files.add("infra/other.tf", 'resource "aws_s3_bucket" "x" {\n  acl = "public-read"\n}\n')
    assert lint_paths([main], root=files.root).findings == []  # other.tf was not asked for
    files.add("infra/s3.tf", "")
    found = lint_paths([main], root=files.root).findings
    assert [(f.path, f.line) for f in found] == [("infra/main.tf", 6)]


def test_another_file_that_does_not_parse_beside_a_named_one_is_named(files: Files) -> None:
    main = files.add("infra/main.tf", BUCKET_ACL_ROOT)
    files.add("infra/s3.tf", 'resource "aws_s3_bucket_public_access_block" {\n')
    (f,) = lint_paths([main], root=files.root).findings
    assert f.confidence == Confidence.LOW
    assert "the other files of infra/main.tf" not in f.why
    assert "the other files of infra (invalid HCL" in f.why


def test_a_linted_module_with_one_broken_file_keeps_its_other_files(files: Files) -> None:
    # The module's folder was dropped whole when one of its files did not parse: the public
    # ACL its caller gives it in main.tf was no longer found.
    files.add("main.tf", 'module "site" {\n  source = "./modules/site"\n  acl = "public-read"\n}\n')
    files.add("modules/site/main.tf", CHILD_BUCKET)
    files.add("modules/site/broken.tf", 'resource "aws_s3_bucket" {\n')
    found = {f.rule.id: f for f in files.lint()}
    bucket = found["LH121"]
    assert (bucket.path, bucket.line, bucket.confidence) == (
        "modules/site/main.tf",
        9,
        Confidence.LOW,
    )
    assert "module.site (source './modules/site': invalid HCL" in bucket.why


@pytest.mark.parametrize(
    ("meta", "created"),
    [
        pytest.param("count = 0", False, id="count-0"),
        pytest.param('count = "0"', False, id="count-0-as-text"),
        pytest.param("for_each = {}", False, id="for-each-empty-map"),
        pytest.param("for_each = []", False, id="for-each-empty-list"),
        pytest.param("count = var.n", False, id="count-0-by-default"),
        pytest.param("count = 1", True, id="count-1"),
        pytest.param("for_each = var.sites", True, id="for-each-unknown"),
        pytest.param('for_each = { a = "x" }', True, id="for-each-one"),
    ],
)
def test_a_module_or_resource_created_zero_times_is_not_judged(
    files: Files, meta: str, created: bool
) -> None:
    # count = 0 and an empty for_each were judged as if created: a public ACL that is never
    # applied was reported, and an access block that does not exist stopped a public bucket.
    head = 'variable "n" {\n  default = 0\n}\nvariable "sites" {}\n'
    call = 'module "site" {\n  source = "./modules/site"\n  acl = "public-read"\n  %s\n}\n'
    files.add("main.tf", head + call % meta)
    files.add("modules/site/main.tf", CHILD_BUCKET)
    assert [f.subject for f in files.lint()] == (
        ["module.site.aws_s3_bucket_acl.this"] if created else []
    )
    files.add(
        "main.tf", head + BUCKET_ACL_ROOT.replace('"public-read"\n', f'"public-read"\n  {meta}\n')
    )
    assert len(files.lint()) == created
    block = BLOCK_MODULE.replace('variable "bucket" {}\n', "") % {"on": "true"}
    block = block.replace("var.bucket", "aws_s3_bucket.cases.id").replace("}\n", f"  {meta}\n}}\n")
    files.add("main.tf", head + BUCKET_ACL_ROOT + block)
    assert len(files.lint()) == (not created)  # an access block not created stops nothing


@pytest.mark.parametrize(
    ("linted", "shown"),
    [
        pytest.param("envs/prod", "../../modules/site/main.tf", id="outside-the-root"),
        pytest.param(".", "modules/site/main.tf", id="under-the-root"),
    ],
)
def test_a_module_folder_beyond_the_linted_paths_is_shown_relative_to_the_root(
    files: Files, linted: str, shown: str
) -> None:
    # A module folder outside the root was reported by its absolute path (the machine's
    # layout, not the repository's), unlike every other finding.
    call = 'module "site" {\n  source = "../../modules/site"\n  acl = "public-read"\n}\n'
    files.add("envs/prod/main.tf", call)
    files.add("modules/site/main.tf", CHILD_BUCKET)
    top = files.root / linted
    found = lint_paths([files.root / "envs" / "prod"], root=top).findings
    assert [(f.path, f.line) for f in found] == [(shown, 9)]


REGISTRY_CALL = """module "site" {
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "3.15.1"
  acl     = "public-read"
}
"""


def _manifest(files: Files, *entries: tuple[str, str]) -> None:
    modules = [{"Key": "", "Source": "", "Dir": "."}]
    modules += [{"Key": k, "Source": "registry.terraform.io/x/y/aws", "Dir": d} for k, d in entries]
    files.add(".terraform/modules/modules.json", json.dumps({"Modules": modules}))


def test_a_registry_module_downloaded_by_terraform_init_is_read(files: Files) -> None:
    # Registry and git modules were always named as unreadable, though terraform init had put
    # them in .terraform/modules: a public ACL in one was never seen.
    files.add("main.tf", REGISTRY_CALL)
    files.add(".terraform/modules/site/main.tf", CHILD_BUCKET)
    _manifest(files, ("site", ".terraform/modules/site"))
    (f,) = files.lint()
    assert (f.path, f.line, f.subject, f.confidence) == (
        ".terraform/modules/site/main.tf",
        9,
        "module.site.aws_s3_bucket_acl.this",
        Confidence.HIGH,
    )


def test_a_module_a_downloaded_module_calls_is_found_by_its_key(files: Files) -> None:
    files.add("main.tf", REGISTRY_CALL.replace('  acl     = "public-read"\n', ""))
    inner = 'module "inner" {\n  source = "git::https://example.net/inner.git"\n'
    files.add(".terraform/modules/site/main.tf", inner + '  acl = "public-read"\n}\n')
    files.add(".terraform/modules/site.inner/main.tf", CHILD_BUCKET)
    _manifest(
        files, ("site", ".terraform/modules/site"), ("site.inner", ".terraform/modules/site.inner")
    )
    (f,) = files.lint()
    assert (f.path, f.subject) == (
        ".terraform/modules/site.inner/main.tf",
        "module.site.module.inner.aws_s3_bucket_acl.this",
    )


@pytest.mark.parametrize(
    "entries",
    [
        pytest.param(None, id="no-manifest"),
        pytest.param([("other", ".terraform/modules/site")], id="another-key"),
        pytest.param([("site", "modules/site")], id="a-folder-outside-terraform-modules"),
        pytest.param([("site", "../../../etc")], id="a-folder-outside-the-tree"),
    ],
)
def test_a_registry_module_not_downloaded_is_still_named(
    files: Files, entries: list[tuple[str, str]] | None
) -> None:
    files.add("main.tf", BUCKET_ACL_ROOT + REGISTRY_CALL)
    files.add(".terraform/modules/site/main.tf", CHILD_BUCKET)
    files.add("modules/site/main.tf", CHILD_BUCKET)
    if entries is not None:
        _manifest(files, *entries)
    (f,) = files.lint()
    assert (f.path, f.line, f.confidence) == ("main.tf", 6, Confidence.LOW)
    assert "module.site (source 'terraform-aws-modules/s3-bucket/aws'" in f.why


def test_a_principal_the_caller_gives_a_module_inside_jsonencode_is_found(files: Files) -> None:
    # Principal = { AWS = var.who } inside the module's jsonencode was "not written out here",
    # though the caller's argument says "*".
    files.add("main.tf", 'module "site" {\n  source = "./modules/site"\n  who = "*"\n}\n')
    files.add(
        "modules/site/main.tf",
        'variable "who" {}\nresource "aws_s3_bucket" "this" {\n  bucket = "site"\n}\n'
        'resource "aws_s3_bucket_policy" "this" {\n  bucket = aws_s3_bucket.this.id\n'
        '  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = var.who },'
        ' Action = "s3:GetObject", Resource = "${aws_s3_bucket.this.arn}/*" }] })\n}\n',
    )
    (f,) = files.lint()
    assert (f.path, f.line, f.subject) == (
        "modules/site/main.tf",
        7,
        "module.site.aws_s3_bucket_policy.this",
    )
    assert f.confidence is Confidence.HIGH
    assert "(var.who from the argument of module.site)" in f.why


def test_a_module_finding_names_the_root_tfvars_line_that_set_its_argument(
    tmp_path: Path,
) -> None:
    # The caller passed var.acl, set by the root's terraform.tfvars: the module's finding
    # did not say where the public ACL came from.
    (tmp_path / "modules" / "b").mkdir(parents=True)
    (tmp_path / "main.tf").write_text(
        'variable "acl" {}\nmodule "b" {\n  source = "./modules/b"\n  acl = var.acl\n}\n',
        encoding="utf-8",
    )
    (tmp_path / "terraform.tfvars").write_text('acl = "public-read"\n', encoding="utf-8")
    (tmp_path / "modules" / "b" / "main.tf").write_text(
        'variable "acl" {}\nresource "aws_s3_bucket" "b" {\n  bucket = "b"\n  acl = var.acl\n}\n',
        encoding="utf-8",
    )
    (f,) = lint_paths([tmp_path], root=tmp_path).findings
    assert (f.path, f.line, f.rule.id) == ("modules/b/main.tf", 4, "LH121")
    assert [(w.name, w.path, w.line) for w in f.set_at] == [("var.acl", "terraform.tfvars", 1)]


ITEM_CHILD = """variable "acls" {
  default = []
}
variable "cfg" {
  default = {}
}
variable "acl" {
  default = "private"
}
resource "aws_s3_bucket" "this" {
  bucket = "site-assets"
}
resource "aws_s3_bucket_acl" "this" {
  bucket = aws_s3_bucket.this.id
  acl    = %s
}
"""


@pytest.mark.parametrize(
    ("arg", "acl"),
    [
        pytest.param(
            'acls = [["private", "private"], "public-read"]', "var.acls[1]", id="nested-list"
        ),
        pytest.param(
            'acls = [["private", "public-read"], ["private"]]',
            "var.acls[0][1]",
            id="item-of-an-item",
        ),
        # The object's var.acl is the caller's (public-read), not the module's own default.
        pytest.param("cfg = { acl = var.acl }", "var.cfg.acl", id="object-item-from-the-caller"),
        pytest.param("cfg = { acls = [var.acl] }", "var.cfg.acls[0]", id="list-in-an-object"),
    ],
)
def test_an_item_of_a_module_argument_is_the_one_the_caller_wrote(
    files: Files, arg: str, acl: str
) -> None:
    # The argument was flattened ([["private", "private"], "public-read"] read as three
    # strings, its item 1 "private") and an object's references were read in the module's
    # scope (var.acl its own default "private"): each public ACL passed unseen.
    files.add(
        "main.tf",
        'variable "acl" {\n  default = "public-read"\n}\n'
        f'module "site" {{\n  source = "./modules/site"\n  {arg}\n}}\n',
    )
    files.add("modules/site/main.tf", ITEM_CHILD % acl)
    (f,) = files.lint()
    assert (f.path, f.line, f.confidence) == ("modules/site/main.tf", 15, Confidence.HIGH)
    assert "acl = public-read" in f.why


ITEM_POLICY_CHILD = """variable "who" {
  default = "arn:aws:iam::123456789012:root"
}
variable "policies" {}
variable "buckets" {
  default = {}
}
resource "aws_s3_bucket" "this" {
  bucket = "site-assets"
}
resource "aws_s3_bucket_policy" "this" {
  bucket = %s
  policy = var.policies["site"]
}
"""


def _item_policy_root(arg: str = "") -> str:
    return (
        'variable "who" {\n  default = "*"\n}\n'
        'module "site" {\n  source = "./modules/site"\n  policies = {\n'
        "    site = jsonencode({\n      Statement = [{\n"
        '        Effect = "Allow"\n        Principal = { AWS = var.who }\n'
        '        Action = "s3:GetObject"\n        Resource = "*"\n      }]\n    })\n  }\n'
        f"  {arg}\n}}\n"
    )


def test_an_item_of_a_module_argument_is_read_in_the_caller(files: Files) -> None:
    # policies = { site = jsonencode({… AWS = var.who …}) }: the item's var.who was read in the
    # module (its own default, an account) instead of the caller's "*": the policy passed.
    files.add("main.tf", _item_policy_root())
    files.add("modules/site/main.tf", ITEM_POLICY_CHILD % "aws_s3_bucket.this.id")
    (f,) = files.lint()
    assert (f.path, f.line, f.confidence) == ("modules/site/main.tf", 13, Confidence.HIGH)
    assert "var.who from its default" in f.why


def test_a_bucket_named_by_an_item_of_a_module_argument_is_the_callers(files: Files) -> None:
    # buckets = { site = aws_s3_bucket.cases.id }: the item was read as a bucket of the module
    # (module.site.aws_s3_bucket.cases, which does not exist), not the caller's, whose access
    # block stops the policy.
    files.add(
        "main.tf",
        _item_policy_root("buckets = { site = aws_s3_bucket.cases.id }").replace("var.who", '"*"')
        + 'resource "aws_s3_bucket" "cases" {\n  bucket = "cases-export"\n}\n'
        + BLOCK_MODULE.replace("var.bucket", "aws_s3_bucket.cases.id")
        .replace('variable "bucket" {}\n', "")
        .replace('"this"', '"cases"')
        % {"on": "true"},
    )
    files.add("modules/site/main.tf", ITEM_POLICY_CHILD % 'var.buckets["site"]')
    assert files.lint() == []


def test_a_module_two_roots_call_with_their_tfvars_is_reported_once_naming_both(
    files: Files,
) -> None:
    # Each root set acl in its own terraform.tfvars: the module's one finding came twice, the
    # two differing only in the tfvars line they named.
    call = (
        'variable "acl" {}\nmodule "site" {\n  source = "../../modules/site"\n  acl = var.acl\n}\n'
    )
    for env in ("dev", "prod"):
        files.add(f"envs/{env}/main.tf", call)
        files.add(f"envs/{env}/terraform.tfvars", 'acl = "public-read"\n')
    files.add("modules/site/main.tf", CHILD_BUCKET)
    (f,) = files.lint()
    assert (f.path, f.line) == ("modules/site/main.tf", 9)
    assert sorted(w.path for w in f.set_at) == [
        "envs/dev/terraform.tfvars",
        "envs/prod/terraform.tfvars",
    ]
