"""Terraform network rules: Azure, AWS, GCP; variables, tfvars, locals and what stays unknown."""

from __future__ import annotations

import pytest

from .conftest import Files

AZ = """resource "azurerm_network_security_rule" "r" {{
  name                   = "r"
  direction              = "{direction}"
  access                 = "{access}"
  protocol               = "{protocol}"
  destination_port_range = {port}
  source_address_prefix  = {source}
}}
"""


def _az(
    source: str = '"*"',
    port: str = '"9200"',
    direction: str = "Inbound",
    access: str = "Allow",
    protocol: str = "Tcp",
) -> str:
    return AZ.format(
        source=source, port=port, direction=direction, access=access, protocol=protocol
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(_az(), [(7, "high", "high")], id="azure-star"),
        pytest.param(_az(port='"9000-9300"'), [(7, "high", "high")], id="azure-range"),
        pytest.param(_az(port='"*"'), [(7, "high", "high")], id="azure-all-ports"),
        pytest.param(
            _az(port="9200", source='"Internet"'),
            [(7, "high", "high")],
            id="azure-number-port-internet-tag",
        ),
        pytest.param(_az(protocol="*"), [(7, "high", "high")], id="azure-any-protocol"),
        pytest.param(_az(protocol="Udp"), [], id="azure-udp"),
        pytest.param(_az(access="Deny"), [], id="azure-deny"),
        pytest.param(_az(direction="Outbound"), [], id="azure-outbound"),
        pytest.param(_az(source='"VirtualNetwork"'), [], id="azure-vnet"),
        pytest.param(_az(port='"443"'), [], id="azure-https"),
        pytest.param(_az(source="var.src"), [(7, "medium", "low")], id="unresolved-source"),
        pytest.param(_az(port="var.port"), [(7, "low", "low")], id="unresolved-port"),
        pytest.param(
            'variable "src" {\n  default = "0.0.0.0/0"\n}\n' + _az(source="var.src"),
            [(10, "high", "high")],
            id="variable-default",
        ),
        pytest.param(
            'variable "src" {\n  default = "10.0.0.0/8"\n}\n' + _az(source="var.src"),
            [],
            id="variable-default-private",
        ),
        pytest.param(
            'locals {\n  any = "*"\n}\n' + _az(source="local.any"),
            [(10, "high", "high")],
            id="local",
        ),
        pytest.param(
            'variable "p" {\n  default = 27017\n}\n' + _az(port='"${var.p}"'),
            [(10, "high", "high")],
            id="interpolated-port",
        ),
        pytest.param(
            _az(source='lookup(var.m, "k", "0.0.0.0/0")'),
            [(7, "high", "high")],
            id="function-with-a-world-literal",
        ),
    ],
)
def test_azure_rules(files: Files, text: str, expected: list[tuple[int, str, str]]) -> None:
    files.add("main.tf", text)
    findings = files.lint()
    assert [(f.line, f.severity.label, f.confidence.value) for f in findings] == expected
    assert all(f.rule.id == "LH120" and f.path == "main.tf" for f in findings)


def test_tfvars_override_defaults_and_are_named(files: Files) -> None:
    files.add(
        "net/main.tf", 'variable "src" {\n  default = "10.0.0.0/8"\n}\n' + _az(source="var.src")
    )
    files.add("net/terraform.tfvars", 'src = "10.1.0.0/16"\n')
    files.add("net/prod.auto.tfvars", 'src = "0.0.0.0/0"\n')
    (f,) = files.lint()
    assert (f.path, f.line, f.severity.label) == ("net/main.tf", 10, "high")
    assert "var.src from prod.auto.tfvars" in f.why


def test_variables_resolve_per_directory(files: Files) -> None:
    files.add("a/vars.tf", 'variable "src" {\n  default = "0.0.0.0/0"\n}\n')
    files.add("a/main.tf", _az(source="var.src"))
    files.add("b/main.tf", _az(source="var.src"))
    got = [(f.path, f.severity.label, f.confidence.value) for f in files.lint()]
    assert got == [("a/main.tf", "high", "high"), ("b/main.tf", "medium", "low")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            'from_port = 9200\n    to_port = 9300\n    protocol = "tcp"\n'
            '    cidr_blocks = ["0.0.0.0/0"]',
            [(6, "high")],
            id="ipv4",
        ),
        pytest.param(
            'from_port = 6379\n    to_port = 6379\n    protocol = "6"\n'
            '    ipv6_cidr_blocks = ["::/0"]',
            [(6, "high")],
            id="ipv6-protocol-number",
        ),
        pytest.param(
            'from_port = 0\n    to_port = 0\n    protocol = "-1"\n    cidr_blocks = ["0.0.0.0/0"]',
            [(6, "high")],
            id="all-traffic",
        ),
        pytest.param(
            'from_port = 9200\n    to_port = 9200\n    protocol = "tcp"\n'
            '    cidr_blocks = ["10.0.0.0/16"]',
            [],
            id="private",
        ),
        pytest.param(
            'from_port = 443\n    to_port = 443\n    protocol = "tcp"\n'
            '    cidr_blocks = ["0.0.0.0/0"]',
            [],
            id="https",
        ),
        pytest.param(
            'from_port = 5432\n    to_port = 5432\n    protocol = "udp"\n'
            '    cidr_blocks = ["0.0.0.0/0"]',
            [],
            id="udp",
        ),
    ],
)
def test_aws_security_group_ingress(
    files: Files, body: str, expected: list[tuple[int, str]]
) -> None:
    files.add(
        "sg.tf",
        f'resource "aws_security_group" "g" {{\n  ingress {{\n    {body}\n  }}\n'
        '  egress {\n    from_port = 0\n    to_port = 0\n    protocol = "-1"\n'
        '    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n',
    )
    assert [(f.line, f.severity.label) for f in files.lint()] == expected


def test_a_dynamic_ingress_block_is_read_with_unknown_iterator_values(files: Files) -> None:
    files.add(
        "sg.tf",
        'resource "aws_security_group" "g" {\n  dynamic "ingress" {\n'
        "    for_each = var.ports\n    content {\n      from_port = ingress.value\n"
        '      to_port = ingress.value\n      protocol = "tcp"\n'
        '      cidr_blocks = ["0.0.0.0/0"]\n    }\n  }\n}\n',
    )
    (f,) = files.lint()
    assert (f.line, f.severity.label, f.confidence.value) == (8, "low", "low")
    assert "ingress.value" in f.why


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        pytest.param('source_ranges = ["0.0.0.0/0"]', [(3, "high")], id="world"),
        pytest.param("", [(1, "high")], id="no-source-defaults-to-world"),
        pytest.param('source_tags = ["app"]', [], id="source-tags"),
        pytest.param('source_ranges = ["0.0.0.0/0"]\n  direction = "EGRESS"', [], id="egress"),
        pytest.param('source_ranges = ["0.0.0.0/0"]\n  disabled = true', [], id="disabled"),
    ],
)
def test_gcp_firewall(files: Files, attrs: str, expected: list[tuple[int, str]]) -> None:
    files.add(
        "fw.tf",
        f'resource "google_compute_firewall" "f" {{\n  network = "n"\n  {attrs}\n'
        '  allow {\n    protocol = "tcp"\n    ports = ["27017"]\n  }\n}\n',
    )
    assert [(f.line, f.severity.label) for f in files.lint()] == expected


def test_gcp_allow_without_ports_means_every_port(files: Files) -> None:
    files.add(
        "fw.tf",
        'resource "google_compute_firewall" "f" {\n'
        '  source_ranges = ["0.0.0.0/0"]\n  allow {\n    protocol = "all"\n  }\n}\n',
    )
    (f,) = files.lint()
    assert (f.line, f.store) == (2, "any store (all ports)")


def test_terraform_json_syntax(files: Files) -> None:
    doc = {
        "variable": {"src": {"default": "0.0.0.0/0"}},
        "resource": {
            "aws_security_group": {
                "g": {
                    "ingress": [
                        {
                            "from_port": 6379,
                            "to_port": 6379,
                            "protocol": "tcp",
                            "cidr_blocks": ["${var.src}"],
                        },
                        {
                            "from_port": 443,
                            "to_port": 443,
                            "protocol": "tcp",
                            "cidr_blocks": ["0.0.0.0/0"],
                        },
                    ]
                }
            },
            "google_compute_firewall": {
                "f": {"source_ranges": ["10.0.0.0/8"], "allow": {"protocol": "tcp"}}
            },
        },
    }
    import json

    text = json.dumps(doc, indent=2)
    files.add("main.tf.json", text)
    (f,) = files.lint()
    cidr = next(n for n, line in enumerate(text.splitlines(), 1) if '"cidr_blocks"' in line)
    assert (f.path, f.line, f.store, f.severity.label) == ("main.tf.json", cidr, "Redis", "high")
    assert "var.src from its default" in f.why


@pytest.mark.parametrize(
    ("cidrs", "expected"),
    [
        pytest.param("[aws_vpc.main.cidr_block]", [], id="vpc-cidr"),
        pytest.param(
            "data.aws_vpc.shared.cidr_block_associations[*].cidr_block", [], id="data-source-splat"
        ),
        pytest.param("[each.value]", [(6, "medium")], id="for-each-is-unresolved"),
        pytest.param("module.net.public_cidrs", [(6, "medium")], id="module-output"),
    ],
)
def test_references_to_other_resources_are_internal_addresses(
    files: Files, cidrs: str, expected: list[tuple[int, str]]
) -> None:
    files.add(
        "sg.tf",
        'resource "aws_security_group" "g" {\n  ingress {\n    from_port = 5432\n'
        f'    to_port = 5432\n    protocol = "tcp"\n    cidr_blocks = {cidrs}\n  }}\n}}\n',
    )
    assert [(f.line, f.severity.label) for f in files.lint()] == expected


@pytest.mark.parametrize(
    ("meta", "reported"),
    [
        pytest.param("count = 0", False, id="count-0"),
        pytest.param("for_each = {}", False, id="for-each-empty"),
        pytest.param("count = 1", True, id="count-1"),
        pytest.param("count = var.enabled ? 1 : 0", True, id="count-unknown"),
    ],
)
def test_a_network_rule_created_zero_times_is_not_reported(
    files: Files, meta: str, reported: bool
) -> None:
    # A rule with count = 0 admits nobody; it was reported as if it existed.
    files.add("main.tf", _az().replace("  name ", f"  {meta}\n  name ", 1))
    assert len(files.lint()) == reported


def test_an_item_of_an_object_variable_resolves_a_network_rule(files: Files) -> None:
    # cidr_blocks = [var.net.db.cidr] and from_port = var.ports[0] stayed unresolved.
    files.add(
        "main.tf",
        'variable "net" {}\nvariable "ports" {\n  default = [6379]\n}\n'
        'resource "aws_security_group" "db" {\n  ingress {\n'
        '    from_port = var.ports[0]\n    to_port = var.ports[0]\n    protocol = "tcp"\n'
        '    cidr_blocks = [var.net.db["cidr"]]\n  }\n}\n',
    )
    files.add("terraform.tfvars", 'net = {\n  db = { cidr = "0.0.0.0/0" }\n}\n')
    (f,) = files.lint()
    assert (f.line, f.severity.label, f.confidence.value) == (10, "high", "high")
    assert "admits 0.0.0.0/0 to 6379 (Redis)" in f.why


def test_a_network_rule_names_the_tfvars_line_that_set_its_source(files: Files) -> None:
    files.add(
        "net/main.tf", 'variable "src" {}\nlocals {\n  src = var.src\n}\n' + _az(source="local.src")
    )
    files.add("net/terraform.tfvars", 'other = 1\nsrc = "0.0.0.0/0"\n')
    (f,) = files.lint()
    assert (f.path, f.line, f.severity.label) == ("net/main.tf", 11, "high")
    assert [(w.name, w.path, w.line) for w in f.set_at] == [("var.src", "net/terraform.tfvars", 2)]


def test_a_default_is_not_named_as_set_elsewhere(files: Files) -> None:
    files.add("main.tf", 'variable "src" {\n  default = "0.0.0.0/0"\n}\n' + _az(source="var.src"))
    (f,) = files.lint()
    assert f.set_at == ()


def test_locals_whose_items_refer_to_each_other_in_a_loop_stay_unresolved(files: Files) -> None:
    files.add(
        "main.tf",
        'locals {\n  a = local.b[0]\n  b = local.a["k"]\n  c = local.c.x\n}\n'
        + _az(source="local.a", port='"${local.c}"'),
    )
    got = [(f.severity.label, f.confidence.value) for f in files.lint()]
    assert got == [("low", "low")]


def test_a_network_rule_names_the_tfvars_line_of_what_it_was_judged_on(files: Files) -> None:
    # var.desc (a description) was named as where the finding's values were set, and
    # var.ports, in the allow block that gave the port, was not.
    files.add(
        "main.tf",
        'variable "desc" {}\nvariable "ports" {}\n'
        'resource "google_compute_firewall" "db" {\n  name = "db"\n  network = "default"\n'
        '  description = var.desc\n  source_ranges = ["0.0.0.0/0"]\n'
        '  allow {\n    protocol = "tcp"\n    ports = var.ports\n  }\n}\n',
    )
    files.add("terraform.tfvars", 'desc = "x"\nports = ["5432"]\n')
    (f,) = files.lint()
    assert [(w.name, w.path, w.line) for w in f.set_at] == [("var.ports", "terraform.tfvars", 2)]
    assert "(var.ports from terraform.tfvars)" in f.why


def _leaves(value: object) -> int:
    if isinstance(value, list):
        return sum(_leaves(v) for v in value)
    return 1


def test_locals_that_multiply_are_read_to_a_bounded_number_of_items() -> None:
    # a = [local.a × 20] resolved to 20⁴ = 160,000 items (30 references: 810,000, and a lint
    # that did not end): each reference read again until the depth limit.
    from leakhound.lint.terraform import Scope

    scope = Scope()
    scope.values["local.a"] = ["${local.a}"] * 20
    resolved = scope.resolve("${local.a}")
    assert 0 < len(resolved) < 50_000
    assert "beyond the first" in resolved[-1].expr
    assert 0 < _leaves(scope.bind("${local.a}")) < 50_000


def test_a_rule_names_each_unresolved_source_once(files: Files) -> None:
    # cidr_blocks = [var.a, var.a, var.a] said "admits var.a, var.a, var.a".
    files.add(
        "main.tf",
        'variable "a" {}\nresource "aws_security_group" "db" {\n  ingress {\n'
        '    from_port = 6379\n    to_port = 6379\n    protocol = "tcp"\n'
        "    cidr_blocks = [var.a, var.a, var.a]\n  }\n}\n",
    )
    (f,) = files.lint()
    assert f.why.startswith("admits var.a to 6379 (Redis);")


REDIS_SG = """resource "aws_security_group" "cache" {
  ingress {
    from_port   = 6379
    to_port     = 6379
    protocol    = "tcp"
    cidr_blocks = %s
  }
}
"""


@pytest.mark.parametrize(
    ("locals_", "cidrs", "said"),
    [
        pytest.param(
            'open = "${var.net}/0"',
            "[local.open]",
            "local.open from locals, var.net from terraform.tfvars",
            id="within-a-string",
        ),
        pytest.param(
            'open = ["${var.net}/${var.bits}"]',
            "local.open",
            "local.open from locals, var.net from terraform.tfvars, var.bits from its default",
            id="a-list-of-two",
        ),
        pytest.param(
            'base = var.net\n  open = "${local.base}/${var.bits}"',
            "[local.open]",
            "local.open from locals, local.base from locals, var.net from terraform.tfvars, "
            "var.bits from its default",
            id="through-a-local",
        ),
        pytest.param(
            'open = "${local.open}/0"',
            '["0.0.0.0/0", local.open]',
            "local.open from locals)",
            id="a-loop",
        ),
    ],
)
def test_a_local_that_interpolates_a_variable_says_where_that_came_from(
    files: Files, locals_: str, cidrs: str, said: str
) -> None:
    # "${var.net}/0" said "local.open from locals" alone: only a local that is a whole
    # reference (local.open = var.net) was followed to where its variable was set
    files.add(
        "main.tf",
        'variable "net" {}\nvariable "bits" {\n  default = 0\n}\n'
        f"locals {{\n  {locals_}\n}}\n" + REDIS_SG % cidrs,
    )
    files.add("terraform.tfvars", 'net = "0.0.0.0"\n')
    (f,) = files.lint()
    assert "admits 0.0.0.0/0 to 6379 (Redis)" in f.why
    assert f"({said}" in f.why


@pytest.mark.parametrize(
    ("source", "found"),
    [
        pytest.param('"${var.src}"', True, id="interpolated"),
        pytest.param("var.src", True, id="bare-expression"),
        pytest.param('"$${var.src}"', False, id="escaped"),
        pytest.param('"$${var.src}/${var.mask}"', False, id="escaped-beside-another"),
    ],
)
def test_an_escaped_interpolation_is_literal_text_not_a_reference(
    files: Files, source: str, found: bool
) -> None:
    # "$${var.src}" is Terraform's literal "${var.src}": it was read as var.src, unknown,
    # and the rule reported as admitting whatever var.src might hold.
    mask = 'variable "mask" {\n  default = "32"\n}\n'
    files.add("main.tf", 'variable "src" {}\n' + mask + _az(source=source))
    assert bool(files.lint()) is found


@pytest.mark.parametrize(
    ("source", "named"),
    [
        pytest.param("var.src", ["var.src"], id="bare-expression"),
        pytest.param('"${var.src}"', ["var.src"], id="interpolated"),
        pytest.param('["0.0.0.0/0", "set by var.src"]', [], id="a-strings-text"),
        pytest.param('["0.0.0.0/0", "$${var.src}"]', [], id="escaped"),
        pytest.param(
            '["0.0.0.0/0", "${lower("var.src")}"]', [], id="a-quoted-string-in-an-interpolation"
        ),
    ],
)
def test_only_a_reference_names_the_tfvars_line_that_set_it(
    files: Files, source: str, named: list[str]
) -> None:
    # A string's text naming var.src ("set by var.src") was taken for a reference to it, and
    # the tfvars line that set var.src named as where the finding's values came from.
    rule = _az(source="null").replace("source_address_prefix  = null", "")
    rule = rule.replace("}\n", f"  source_address_prefixes = {source}\n}}\n")
    files.add("main.tf", 'variable "src" {}\n' + rule)
    files.add("terraform.tfvars", 'src = ["0.0.0.0/0"]\n')
    (f,) = files.lint()
    assert [w.name for w in f.set_at] == named
    assert ("var.src from terraform.tfvars" in f.why) is bool(named)
