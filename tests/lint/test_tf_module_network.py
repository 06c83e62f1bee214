"""Network rules across a Terraform module tree (LH120): a rule in a module is judged with its
variables bound to what the caller passed (a source of 0.0.0.0/0 given by the root is the
Internet, a private range is not), as the module's buckets already were (test_tf_modules)."""

from __future__ import annotations

from leakhound.lint.model import Confidence

from .conftest import Files

SG_MODULE = """variable "cidr" {}
locals {
  allowed = var.cidr
}
resource "aws_security_group" "db" {
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [%s]
  }
}
"""


def _call(name: str, cidr: str) -> str:
    return f'module "{name}" {{\n  source = "./modules/sg"\n  cidr   = {cidr}\n}}\n'


def test_a_source_the_root_passes_is_judged_in_the_module(files: Files) -> None:
    # Both rules were "the source is not resolved here" at low confidence: the caller's
    # 0.0.0.0/0 was never bound into the module's var.cidr for network rules.
    files.add("main.tf", _call("db", '"0.0.0.0/0"'))
    files.add("modules/sg/main.tf", SG_MODULE % "var.cidr")
    (f,) = files.lint()
    assert (f.path, f.line, f.severity.label) == ("modules/sg/main.tf", 10, "high")
    assert f.confidence is Confidence.HIGH
    assert f.subject == "module.db.aws_security_group.db"
    assert "admits 0.0.0.0/0" in f.why and "the argument of module.db" in f.why


def test_a_local_copying_the_argument_is_the_callers_value(files: Files) -> None:
    files.add("main.tf", _call("db", '"0.0.0.0/0"'))
    files.add("modules/sg/main.tf", SG_MODULE % "local.allowed")
    (f,) = files.lint()
    assert (f.severity.label, f.confidence) == ("high", Confidence.HIGH)
    # where the local's value came from, not "local.allowed from locals" alone
    assert "admits 0.0.0.0/0" in f.why
    assert "(local.allowed from locals, var.cidr from the argument of module.db)" in f.why


def test_a_private_range_the_root_passes_is_no_finding(files: Files) -> None:
    files.add("main.tf", _call("db", '"10.20.0.0/16"'))
    files.add("modules/sg/main.tf", SG_MODULE % "var.cidr")
    assert files.lint() == []


def test_of_two_calls_only_the_one_that_opens_the_port_is_reported(files: Files) -> None:
    files.add("main.tf", _call("office", '"10.20.0.0/16"') + _call("public", '"0.0.0.0/0"'))
    files.add("modules/sg/main.tf", SG_MODULE % "var.cidr")
    (f,) = files.lint()
    assert f.subject == "module.public.aws_security_group.db"


def test_the_roots_tfvars_line_that_set_the_argument_is_named(files: Files) -> None:
    files.add("main.tf", 'variable "cidr" {}\n' + _call("db", "var.cidr"))
    files.add("terraform.tfvars", 'cidr = "0.0.0.0/0"\n')
    files.add("modules/sg/main.tf", SG_MODULE % "var.cidr")
    (f,) = files.lint()
    assert f.severity.label == "high"
    assert [(w.name, w.path, w.line) for w in f.set_at] == [("var.cidr", "terraform.tfvars", 1)]


def test_a_module_no_linted_root_calls_is_judged_on_its_own(files: Files) -> None:
    # nothing binds var.cidr: the rule may admit anything, said at low confidence
    files.add("modules/sg/main.tf", SG_MODULE % "var.cidr")
    (f,) = files.lint()
    assert (f.subject, f.confidence) == ("aws_security_group.db", Confidence.LOW)
    assert "not resolved here" in f.why


def test_a_module_two_roots_call_alike_is_reported_once(files: Files) -> None:
    for env in ("dev", "prod"):
        files.add(f"envs/{env}/main.tf", _call("db", '"0.0.0.0/0"').replace("./", "../../"))
    files.add("modules/sg/main.tf", SG_MODULE % "var.cidr")
    (f,) = files.lint()
    assert (f.path, f.subject) == ("modules/sg/main.tf", "module.db.aws_security_group.db")


def test_a_local_interpolating_the_argument_names_the_call(files: Files) -> None:
    # "${var.ip}/0" within a string was "local.allowed from locals" alone
    files.add("main.tf", _call("db", '"0.0.0.0"').replace("cidr ", "ip   "))
    module = SG_MODULE.replace('"cidr"', '"ip"').replace("var.cidr", '"${var.ip}/0"')
    files.add("modules/sg/main.tf", module % "local.allowed")
    (f,) = files.lint()
    assert (f.severity.label, f.confidence) == ("high", Confidence.HIGH)
    assert "(local.allowed from locals, var.ip from the argument of module.db)" in f.why
