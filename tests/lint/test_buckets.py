"""Terraform buckets and blob containers readable by anyone (LH121): S3 ACLs and policies
(and the Block Public Access that stops them), Azure containers, GCS members; hits and
non-hits."""

from __future__ import annotations

import pytest

from leakhound.lint import lint_paths
from leakhound.lint.model import Confidence

from .conftest import Files

BUCKET = """resource "aws_s3_bucket" "cases" {
  bucket = "cases-export"
}
"""
ACL = """resource "aws_s3_bucket_acl" "cases" {
  bucket = aws_s3_bucket.cases.id
  acl    = "%s"
}
"""
POLICY_HCL = """resource "aws_s3_bucket_policy" "cases" {
  bucket = aws_s3_bucket.cases.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = %s
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.cases.arn}/*"%s
    }]
  })
}
"""
POLICY_JSON = """resource "aws_s3_bucket_policy" "cases" {
  bucket = "cases-export"
  policy = <<POLICY
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
 "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cases-export/*"}]}
POLICY
}
"""
BLOCK = """resource "aws_s3_bucket_public_access_block" "cases" {
  bucket                  = aws_s3_bucket.cases.id
  block_public_acls       = %s
  ignore_public_acls      = %s
  block_public_policy     = %s
  restrict_public_buckets = %s
}
"""
OFF = BLOCK % ("false", "false", "false", "false")
ON = BLOCK % ("true", "true", "true", "true")


def _policy(principal: str = '"*"', condition: str = "") -> str:
    return POLICY_HCL % (principal, condition)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(BUCKET + ACL % "public-read" + OFF, [(6, "high")], id="acl-public-read"),
        pytest.param(
            BUCKET + ACL % "public-read-write" + OFF, [(6, "high")], id="acl-public-read-write"
        ),
        pytest.param(
            BUCKET + ACL % "public-read", [(6, "medium")], id="acl-without-an-access-block"
        ),
        pytest.param(BUCKET + ACL % "public-read" + ON, [], id="acl-stopped-by-the-access-block"),
        pytest.param(BUCKET + ACL % "private" + OFF, [], id="acl-private"),
        pytest.param(
            'resource "aws_s3_bucket" "old" {\n  bucket = "x"\n  acl    = "public-read"\n}\n',
            [(3, "medium")],
            id="legacy-inline-acl",
        ),
        pytest.param(BUCKET + _policy() + OFF, [(6, "high")], id="policy-star"),
        pytest.param(
            BUCKET + _policy('{ AWS = ["*"] }') + OFF, [(6, "high")], id="policy-aws-star"
        ),
        pytest.param(
            BUCKET + POLICY_JSON + OFF.replace("aws_s3_bucket.cases.id", '"cases-export"'),
            [(6, "high")],
            id="policy-heredoc-json-by-bucket-name",
        ),
        pytest.param(BUCKET + _policy() + ON, [], id="policy-stopped-by-the-access-block"),
        pytest.param(
            BUCKET + _policy('{ AWS = "arn:aws:iam::123456789012:root" }') + OFF,
            [],
            id="policy-one-account",
        ),
        pytest.param(
            BUCKET
            + _policy(
                condition='\n      Condition = { IpAddress = { "aws:SourceIp" = "10.0.0.0/8" } }'
            )
            + OFF,
            [],
            id="policy-with-a-condition",
        ),
    ],
)
def test_s3_buckets_readable_by_anyone(
    files: Files, text: str, expected: list[tuple[int, str]]
) -> None:
    files.add("main.tf", text)
    findings = files.lint()
    assert all(f.rule.id == "LH121" and f.store == "S3" for f in findings)
    # the line of the acl or policy attribute, not of the resource or of the access block
    assert [(f.line, f.severity.label) for f in findings] == expected


def test_an_access_block_in_another_file_of_the_module_counts(files: Files) -> None:
    files.add("main.tf", BUCKET + ACL % "public-read")
    files.add("access.tf", ON)
    assert files.lint() == []


@pytest.mark.parametrize(
    ("access", "expected"),
    [
        pytest.param("blob", [(4, "high")], id="blob"),
        pytest.param("container", [(4, "high")], id="container"),
        pytest.param("private", [], id="private"),
    ],
)
def test_azure_containers_readable_by_anyone(
    files: Files, access: str, expected: list[tuple[int, str]]
) -> None:
    files.add(
        "main.tf",
        'resource "azurerm_storage_container" "cases" {\n  name = "cases"\n'
        f'  storage_account_name = "acct"\n  container_access_type = "{access}"\n}}\n',
    )
    assert files.lines() == expected
    assert all(f.store == "Azure Blob" and f.rule.id == "LH121" for f in files.lint())


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        pytest.param('member = "allUsers"', [(4, "high")], id="all-users"),
        pytest.param(
            'members = ["user:a@example.net", "allAuthenticatedUsers"]',
            [(4, "high")],
            id="all-authenticated-users",
        ),
        pytest.param('member = "group:data@example.net"', [], id="a-group"),
    ],
)
def test_gcs_buckets_granted_to_everyone(
    files: Files, member: str, expected: list[tuple[int, str]]
) -> None:
    files.add(
        "main.tf",
        'resource "google_storage_bucket_iam_binding" "cases" {\n  bucket = "cases"\n'
        f'  role = "roles/storage.objectViewer"\n  {member}\n}}\n',
    )
    assert files.lines() == expected


ACCOUNT = """resource "azurerm_storage_account" "acct" {
  name                            = "casesacct"
  resource_group_name             = "rg"
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  allow_nested_items_to_be_public = %s
}
resource "azurerm_storage_container" "cases" {
  name                  = "cases"
  %s
  container_access_type = "container"
}
"""


@pytest.mark.parametrize(
    ("allow", "reference", "expected"),
    [
        pytest.param(
            "false", "storage_account_id = azurerm_storage_account.acct.id", [], id="off-by-id"
        ),
        pytest.param(
            "false",
            "storage_account_name = azurerm_storage_account.acct.name",
            [],
            id="off-by-reference",
        ),
        pytest.param("false", 'storage_account_name = "casesacct"', [], id="off-by-name"),
        pytest.param(
            "true",
            "storage_account_name = azurerm_storage_account.acct.name",
            [(12, "high")],
            id="on",
        ),
        pytest.param("false", 'storage_account_name = "other"', [(12, "high")], id="other-account"),
    ],
)
def test_an_azure_account_that_allows_no_public_containers_makes_them_private(
    files: Files, allow: str, reference: str, expected: list[tuple[int, str]]
) -> None:
    files.add("main.tf", ACCOUNT % (allow, reference))
    assert files.lines() == expected


ACCOUNT_BLOCK = """resource "aws_s3_account_public_access_block" "all" {
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}
"""


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(BUCKET + ACL % "public-read", id="acl"),
        pytest.param(BUCKET + _policy(), id="policy"),
        pytest.param(BUCKET + ACL % "public-read" + OFF, id="acl-bucket-block-off"),
    ],
)
def test_an_account_wide_access_block_stops_every_bucket(files: Files, text: str) -> None:
    # Block Public Access set for the whole account overrides any bucket's own setting.
    files.add("main.tf", text)
    files.add("account.tf", ACCOUNT_BLOCK)
    assert files.lint() == []


TWO_STATEMENTS = """resource "aws_s3_bucket_policy" "cases" {
  bucket = aws_s3_bucket.cases.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = %s
        Action    = "s3:GetObject"
        Resource  = "${aws_s3_bucket.cases.arn}/*"
      },
      {
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = ["${aws_s3_bucket.cases.arn}", "${aws_s3_bucket.cases.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}
"""


def test_a_public_statement_beside_an_https_only_deny_is_found(files: Files) -> None:
    # The usual "deny plain HTTP" statement has a condition; the public read beside it has none.
    files.add("main.tf", BUCKET + TWO_STATEMENTS % '"*"' + OFF)
    assert files.lines() == [(6, "high")]


def test_a_deny_to_everyone_beside_an_allow_to_one_account_is_no_finding(files: Files) -> None:
    text = TWO_STATEMENTS.replace(
        '        Condition = { Bool = { "aws:SecureTransport" = "false" } }\n', ""
    )
    files.add("main.tf", BUCKET + text % '{ AWS = "arn:aws:iam::123456789012:root" }' + OFF)
    assert files.lint() == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            'resource "aws_s3_bucket_acl" "x" {\n  bucket = "b"\n  acl = ["public-read"]\n}\n',
            id="acl-list",
        ),
        pytest.param(
            'resource "aws_s3_bucket_acl" "x" {\n  bucket = "b"\n  acl = { a = 1 }\n}\n',
            id="acl-map",
        ),
        pytest.param(
            'resource "google_storage_bucket_iam_member" "x" {\n  bucket = "b"\n  role = "r"\n'
            '  member = { a = "allUsers" }\n}\n',
            id="member-map",
        ),
    ],
)
def test_an_odd_value_where_a_word_belongs_is_no_crash(files: Files, text: str) -> None:
    files.add("main.tf", text)
    assert files.lint() == []


POLICY_HEREDOC = """resource "aws_s3_bucket_policy" "cases" {
  bucket = "cases-export"
  policy = <<POLICY
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": %s,
 "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cases-export/*"%s}]}
POLICY
}
"""
ACCOUNT_ARN = "arn:aws:iam::123456789012:root"


@pytest.mark.parametrize(
    ("principal", "public"),
    [
        pytest.param('"*"', True, id="star"),
        pytest.param('{ AWS = "*" }', True, id="aws-star"),
        pytest.param(f'{{ AWS = ["{ACCOUNT_ARN}", "*"] }}', True, id="aws-list-account-then-star"),
        pytest.param(
            '{ Service = "cloudfront.amazonaws.com", AWS = "*" }', True, id="aws-after-service"
        ),
        pytest.param(f'{{ AWS = ["{ACCOUNT_ARN}"] }}', False, id="aws-list-one-account"),
        pytest.param(
            f'{{ AWS = ["{ACCOUNT_ARN}", "arn:aws:iam::210987654321:root"] }}',
            False,
            id="aws-list-two-accounts",
        ),
        pytest.param('{ Service = "cloudfront.amazonaws.com" }', False, id="a-service"),
    ],
)
def test_every_spelling_of_principal_everyone_in_jsonencode(
    files: Files, principal: str, public: bool
) -> None:
    files.add("main.tf", BUCKET + _policy(principal) + OFF)
    assert files.lines() == ([(6, "high")] if public else [])
    condition = '\n      Condition = { StringEquals = { "aws:SourceVpce" = "vpce-1a2b" } }'
    files.add("main.tf", BUCKET + _policy(principal, condition) + OFF)
    assert files.lint() == []  # a condition restricts it, as for the other forms


@pytest.mark.parametrize(
    ("principal", "public"),
    [
        pytest.param('"*"', True, id="star"),
        pytest.param('{"AWS": "*"}', True, id="aws-star"),
        pytest.param(f'{{"AWS": ["{ACCOUNT_ARN}", "*"]}}', True, id="aws-list-account-then-star"),
        pytest.param(f'{{"AWS": ["{ACCOUNT_ARN}"]}}', False, id="aws-list-one-account"),
        pytest.param(f'{{"AWS": "{ACCOUNT_ARN}"}}', False, id="aws-one-account"),
    ],
)
def test_every_spelling_of_principal_everyone_in_heredoc_json(
    files: Files, principal: str, public: bool
) -> None:
    block = OFF.replace("aws_s3_bucket.cases.id", '"cases-export"')
    files.add("main.tf", BUCKET + POLICY_HEREDOC % (principal, "") + block)
    assert files.lines() == ([(6, "high")] if public else [])
    condition = ', "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}'
    files.add("main.tf", BUCKET + POLICY_HEREDOC % (principal, condition) + block)
    assert files.lint() == []


OWNERSHIP = """resource "aws_s3_bucket_ownership_controls" "cases" {
  bucket = %s
  rule {
    object_ownership = "%s"
  }
}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            BUCKET
            + ACL % "public-read"
            + OFF
            + OWNERSHIP % ("aws_s3_bucket.cases.id", "BucketOwnerEnforced"),
            [],
            id="acls-disabled",
        ),
        pytest.param(
            BUCKET + ACL % "public-read" + OWNERSHIP % ('"cases-export"', "BucketOwnerEnforced"),
            [],
            id="acls-disabled-by-bucket-name-no-access-block",
        ),
        pytest.param(
            BUCKET
            + ACL % "public-read"
            + OFF
            + OWNERSHIP % ("aws_s3_bucket.cases.id", "ObjectWriter"),
            [(6, "high")],
            id="object-writer-keeps-acls",
        ),
        pytest.param(
            BUCKET
            + ACL % "public-read"
            + OFF
            + OWNERSHIP % ('"other-bucket"', "BucketOwnerEnforced"),
            [(6, "high")],
            id="another-bucket-disabled",
        ),
        pytest.param(
            BUCKET
            + _policy()
            + OFF
            + OWNERSHIP % ("aws_s3_bucket.cases.id", "BucketOwnerEnforced"),
            [(6, "high")],
            id="a-policy-is-no-acl",
        ),
    ],
)
def test_bucket_owner_enforced_makes_an_acl_ineffective(
    files: Files, text: str, expected: list[tuple[int, str]]
) -> None:
    files.add("main.tf", text)
    assert files.lines() == expected


def test_bucket_owner_enforced_in_terraform_json(files: Files) -> None:
    files.add("main.tf", BUCKET + ACL % "public-read" + OFF)
    files.add(
        "own.tf.json",
        '{"resource": {"aws_s3_bucket_ownership_controls": {"cases": {'
        '"bucket": "${aws_s3_bucket.cases.id}",'
        ' "rule": [{"object_ownership": "BucketOwnerEnforced"}]}}}}',
    )
    assert files.lint() == []


GCS_BUCKET = """resource "google_storage_bucket" "cases" {
  name     = "cases"
  location = "EU"
  %s
}
"""
GCS_ACL = """resource "google_storage_bucket_acl" "cases" {
  bucket = google_storage_bucket.cases.name
  %s
}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(GCS_ACL % 'role_entity = ["READER:allUsers"]', [(3, "high")], id="reader"),
        pytest.param(
            GCS_ACL % 'role_entity = ["OWNER:project-owners-1", "WRITER:allAuthenticatedUsers"]',
            [(3, "high")],
            id="writer-any-google-account",
        ),
        pytest.param(GCS_ACL % 'predefined_acl = "publicRead"', [(3, "high")], id="public-read"),
        pytest.param(
            GCS_ACL % 'predefined_acl = "publicReadWrite"', [(3, "high")], id="public-read-write"
        ),
        pytest.param(
            'resource "google_storage_default_object_acl" "cases" {\n  bucket = "cases"\n'
            '  role_entity = ["READER:allUsers"]\n}\n',
            [(3, "high")],
            id="default-object-acl",
        ),
        pytest.param(GCS_ACL % 'predefined_acl = "projectPrivate"', [], id="project-private"),
        pytest.param(GCS_ACL % 'role_entity = ["READER:group-data@example.net"]', [], id="a-group"),
        pytest.param(
            GCS_BUCKET % "uniform_bucket_level_access = true"
            + GCS_ACL % 'role_entity = ["READER:allUsers"]',
            [],
            id="uniform-access-disables-acls",
        ),
        pytest.param(
            GCS_BUCKET % 'public_access_prevention = "enforced"'
            + GCS_ACL % 'predefined_acl = "publicRead"',
            [],
            id="public-access-prevention",
        ),
        pytest.param(
            GCS_BUCKET % "uniform_bucket_level_access = false"
            + GCS_ACL % 'role_entity = ["READER:allUsers"]',
            [(8, "high")],
            id="fine-grained-access",
        ),
    ],
)
def test_gcs_acls_readable_by_anyone(
    files: Files, text: str, expected: list[tuple[int, str]]
) -> None:
    files.add("main.tf", text)
    assert files.lines() == expected
    assert all(f.store == "Google Cloud Storage" for f in files.lint())


def test_public_access_prevention_stops_an_all_users_member(files: Files) -> None:
    files.add(
        "main.tf",
        GCS_BUCKET
        % 'public_access_prevention = "enforced"'
        + 'resource "google_storage_bucket_iam_member" "cases" {\n'
        "  bucket = google_storage_bucket.cases.name\n"
        '  role   = "roles/storage.objectViewer"\n  member = "allUsers"\n}\n',
    )
    assert files.lint() == []


DOCUMENT = """resource "aws_s3_bucket_policy" "cases" {
  bucket = aws_s3_bucket.cases.id
  policy = data.aws_iam_policy_document.cases.json
}
data "aws_iam_policy_document" "cases" {
  statement {
    %s
    principals {
      type        = "%s"
      identifiers = [%s]
    }
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.cases.arn}/*"]
  }
}
"""
CONDITION = """condition {
      test     = "IpAddress"
      variable = "aws:SourceIp"
      values   = ["10.0.0.0/8"]
    }"""


@pytest.mark.parametrize(
    ("extra", "kind", "identifiers", "expected"),
    [
        pytest.param("", "*", '"*"', [(6, "high")], id="anonymous"),
        pytest.param("", "AWS", f'"{ACCOUNT_ARN}", "*"', [(6, "high")], id="aws-list-with-star"),
        pytest.param('effect = "Allow"', "AWS", '"*"', [(6, "high")], id="explicit-allow"),
        pytest.param('effect = "Deny"', "*", '"*"', [], id="deny"),
        pytest.param("", "AWS", f'"{ACCOUNT_ARN}"', [], id="one-account"),
        pytest.param("", "Service", '"cloudfront.amazonaws.com"', [], id="a-service"),
        pytest.param(CONDITION, "*", '"*"', [], id="with-a-condition"),
    ],
)
def test_a_policy_from_an_iam_policy_document(
    files: Files, extra: str, kind: str, identifiers: str, expected: list[tuple[int, str]]
) -> None:
    files.add("main.tf", BUCKET + DOCUMENT % (extra, kind, identifiers) + OFF)
    assert files.lines() == expected


def test_a_policy_document_in_terraform_json(files: Files) -> None:
    files.add("main.tf", BUCKET + DOCUMENT.split("data ")[0] + OFF)
    files.add(
        "doc.tf.json",
        '{"data": {"aws_iam_policy_document": {"cases": {"statement": [{"principals": '
        '[{"type": "*", "identifiers": ["*"]}], "actions": ["s3:GetObject"]}]}}}}',
    )
    assert files.lines() == [(6, "high")]


@pytest.mark.parametrize(
    ("operator", "key", "value", "public"),
    [
        pytest.param("Bool", "aws:SecureTransport", "true", True, id="https-only"),
        pytest.param("StringLike", "aws:Referer", "https://www.example.net/*", True, id="referer"),
        pytest.param("NotIpAddress", "aws:SourceIp", "192.0.2.7/32", True, id="not-ip"),
        pytest.param("StringEqualsIfExists", "aws:SourceVpce", "vpce-1a2b", True, id="if-exists"),
        pytest.param("IpAddress", "aws:SourceIp", "192.0.2.0/24", False, id="source-ip"),
        pytest.param("StringEquals", "aws:PrincipalOrgID", "o-a1b2c3", False, id="organization"),
        pytest.param(
            "ForAnyValue:StringEquals", "aws:SourceVpce", "vpce-1a2b", False, id="qualified"
        ),
    ],
)
def test_only_a_condition_on_fixed_sources_or_principals_makes_a_policy_private(
    files: Files, operator: str, key: str, value: str, public: bool
) -> None:
    # Any condition used to excuse the statement: HTTPS-only or a Referer check (anyone can
    # send one) left a bucket anyone reads unreported. AWS's own rule: public unless the
    # statement is tied to fixed source IPs, VPCs, endpoints, accounts or organisations.
    expected = [(6, "high")] if public else []
    hcl = f'\n      Condition = {{ "{operator}" = {{ "{key}" = "{value}" }} }}'
    files.add("main.tf", BUCKET + _policy(condition=hcl) + OFF)
    assert files.lines() == expected
    block = OFF.replace("aws_s3_bucket.cases.id", '"cases-export"')
    as_json = f', "Condition": {{"{operator}": {{"{key}": "{value}"}}}}'
    files.add("main.tf", BUCKET + POLICY_HEREDOC % ('"*"', as_json) + block)
    assert files.lines() == expected


def test_one_fixed_condition_beside_another_makes_a_policy_private(files: Files) -> None:
    condition = (
        '\n      Condition = { Bool = { "aws:SecureTransport" = "true" }, '
        'StringEquals = { "aws:SourceVpce" = "vpce-1a2b" } }'
    )
    files.add("main.tf", BUCKET + _policy(condition=condition) + OFF)
    assert files.lint() == []


@pytest.mark.parametrize(
    ("test", "variable", "public"),
    [
        pytest.param("Bool", "aws:SecureTransport", True, id="https-only"),
        pytest.param("NotIpAddress", "aws:SourceIp", True, id="not-ip"),
        pytest.param("StringEquals", "aws:SourceVpce", False, id="endpoint"),
    ],
)
def test_only_a_condition_on_fixed_sources_makes_a_policy_document_private(
    files: Files, test: str, variable: str, public: bool
) -> None:
    condition = CONDITION.replace('"IpAddress"', f'"{test}"').replace('"aws:SourceIp"', variable)
    condition = condition.replace(f"= {variable}", f'= "{variable}"')
    files.add("main.tf", BUCKET + DOCUMENT % (condition, "*", '"*"') + OFF)
    assert files.lines() == ([(6, "high")] if public else [])


LOCAL_POLICY = """locals {
  bucket = aws_s3_bucket.cases.id
  policy = %s
}
resource "aws_s3_bucket_policy" "cases" {
  bucket = local.bucket
  policy = local.policy
}
"""


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        pytest.param(
            'jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", '
            'Action = "s3:GetObject", Resource = "*" }] })',
            [(17, "high")],
            id="jsonencode",
        ),
        pytest.param(
            'jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "'
            + ACCOUNT_ARN
            + '" }, Action = "s3:GetObject", Resource = "*" }] })',
            [],
            id="one-account",
        ),
    ],
)
def test_a_policy_written_in_locals_is_judged(
    files: Files, policy: str, expected: list[tuple[int, str]]
) -> None:
    # policy = local.policy was judged as the text "${local.policy}": a public one was missed.
    files.add("main.tf", BUCKET + OFF + LOCAL_POLICY % policy)
    assert files.lines() == expected


def test_a_policy_document_named_in_a_variable_default_is_judged(files: Files) -> None:
    document = DOCUMENT.split("data ", 1)[1]
    files.add(
        "main.tf",
        BUCKET
        + OFF
        + 'variable "policy" {\n  default = data.aws_iam_policy_document.cases.json\n}\n'
        + 'resource "aws_s3_bucket_policy" "cases" {\n  bucket = aws_s3_bucket.cases.id\n'
        + "  policy = var.policy\n}\n"
        + "data "
        + document % ("", "*", '"*"'),
    )
    assert files.lines() == [(16, "high")]


FOR_EACH = """resource "aws_s3_bucket" "site" {
  for_each = toset(["a", "b"])
  bucket   = "site-${each.key}"
}
resource "aws_s3_bucket_public_access_block" "site" {
  for_each                = %s
  bucket                  = each.value.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}
resource "aws_s3_bucket_acl" "site" {
  for_each = %s
  bucket   = each.value.id
  acl      = "public-read"
}
resource "aws_s3_bucket_policy" "site" {
  for_each = toset(["a", "b"])
  bucket   = aws_s3_bucket.site[each.key].id
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "*" }]
  })
}
"""


@pytest.mark.parametrize(
    ("block", "acl", "expected"),
    [
        # The block's bucket = each.value.id was an unknown name: the policy on the same
        # buckets (by aws_s3_bucket.site[each.key]) was reported with no access block.
        pytest.param("aws_s3_bucket.site", "aws_s3_bucket.site", [], id="over-the-buckets"),
        # Two each.value.id over different lists matched as one name: the ACL was passed.
        pytest.param(
            'toset(["other-b"])',
            'toset(["other-a"])',
            [(16, "medium"), (21, "medium")],
            id="over-other-lists",
        ),
        pytest.param('toset(["x"])', 'toset(["x"])', [(21, "medium")], id="over-the-same-list"),
    ],
)
def test_an_access_block_for_each_bucket_counts_for_those_buckets(
    files: Files, block: str, acl: str, expected: list[tuple[int, str]]
) -> None:
    files.add("main.tf", FOR_EACH % (block, acl))
    assert files.lines() == expected


GRANT_ACL = """resource "aws_s3_bucket_acl" "cases" {
  bucket = aws_s3_bucket.cases.id
  access_control_policy {
    grant {
      grantee {
        type = "%s"
        uri  = "http://acs.amazonaws.com/groups/%s"
      }
      permission = "READ"
    }
    owner {
      id = "0123abcd"
    }
  }
}
"""
LEGACY_GRANT = """resource "aws_s3_bucket" "cases" {
  bucket = "cases-export"
  grant {
    type        = "Group"
    uri         = "http://acs.amazonaws.com/groups/global/%s"
    permissions = ["READ"]
  }
}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Only the canned public-read ACLs were read: these buckets anyone reads were passed.
        pytest.param(BUCKET + ACL % "authenticated-read" + OFF, [(6, "high")], id="canned-aws"),
        pytest.param(BUCKET + GRANT_ACL % ("Group", "global/AllUsers"), [(10, "medium")], id="all"),
        pytest.param(
            BUCKET + GRANT_ACL % ("Group", "global/AuthenticatedUsers") + OFF,
            [(10, "high")],
            id="any-aws-account",
        ),
        pytest.param(LEGACY_GRANT % "AllUsers", [(5, "medium")], id="legacy-grant"),
        pytest.param(BUCKET + GRANT_ACL % ("Group", "global/AllUsers") + ON, [], id="blocked"),
        pytest.param(BUCKET + GRANT_ACL % ("Group", "s3/LogDelivery"), [], id="log-delivery"),
        pytest.param(LEGACY_GRANT % "Owners", [], id="legacy-other-group"),
    ],
)
def test_an_s3_acl_granting_everyone_is_found(
    files: Files, text: str, expected: list[tuple[int, str]]
) -> None:
    files.add("main.tf", text)
    assert files.lines() == expected


def test_an_s3_grant_to_everyone_in_terraform_json(files: Files) -> None:
    files.add("main.tf", BUCKET + OFF)
    files.add(
        "acl.tf.json",
        '{"resource": {"aws_s3_bucket_acl": {"cases": {"bucket": "${aws_s3_bucket.cases.id}",'
        ' "access_control_policy": {"grant": [{"permission": "READ", "grantee": {"type": '
        '"Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}}]}}}}}',
    )
    (f,) = files.lint()
    assert (f.path, f.severity.label) == ("acl.tf.json", "high")
    assert "grants READ to AllUsers: anyone lists the bucket" in f.why


ACCESS_CONTROL = """resource "google_storage_%s_access_control" "cases" {
  bucket = google_storage_bucket.cases.name
  role   = "READER"
  entity = "%s"
}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # One ACL entry as its own resource was not read: a bucket anyone lists was passed.
        pytest.param(ACCESS_CONTROL % ("bucket", "allUsers"), [(4, "high")], id="bucket"),
        pytest.param(
            ACCESS_CONTROL % ("default_object", "allAuthenticatedUsers"),
            [(4, "high")],
            id="new-objects",
        ),
        pytest.param(ACCESS_CONTROL % ("bucket", "group-data@example.net"), [], id="a-group"),
        pytest.param(
            GCS_BUCKET % "uniform_bucket_level_access = true"
            + ACCESS_CONTROL % ("bucket", "allUsers"),
            [],
            id="uniform-access-disables-acls",
        ),
    ],
)
def test_a_gcs_access_control_entry_for_everyone_is_found(
    files: Files, text: str, expected: list[tuple[int, str]]
) -> None:
    files.add("main.tf", text)
    assert files.lines() == expected


GCS_POLICY = """resource "google_storage_bucket_iam_policy" "cases" {
  bucket      = google_storage_bucket.cases.name
  policy_data = %s
}
data "google_iam_policy" "cases" {
  binding {
    role    = "roles/storage.objectViewer"
    members = [%s]
  }
}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The bucket's whole IAM policy was not read: a policy granting allUsers was passed.
        pytest.param(
            GCS_POLICY % ("data.google_iam_policy.cases.policy_data", '"allUsers"'),
            [(3, "high")],
            id="policy-document",
        ),
        pytest.param(
            GCS_POLICY
            % (
                'jsonencode({ bindings = [{ role = "roles/storage.objectViewer", '
                'members = ["allAuthenticatedUsers"] }] })',
                '"group:data@example.net"',
            ),
            [(3, "high")],
            id="jsonencode",
        ),
        # A member held in a variable inside jsonencode was read as the text "var.member".
        pytest.param(
            'variable "member" {\n  default = "allUsers"\n}\n'
            + GCS_POLICY
            % (
                'jsonencode({ bindings = [{ role = "roles/storage.objectViewer", '
                "members = [var.member] }] })",
                '"group:data@example.net"',
            ),
            [(6, "high")],
            id="jsonencode-a-variable",
        ),
        pytest.param(
            GCS_POLICY % ("data.google_iam_policy.cases.policy_data", '"group:data@example.net"'),
            [],
            id="a-group",
        ),
        pytest.param(
            GCS_BUCKET % 'public_access_prevention = "enforced"'
            + GCS_POLICY % ("data.google_iam_policy.cases.policy_data", '"allUsers"'),
            [],
            id="public-access-prevention",
        ),
    ],
)
def test_a_gcs_iam_policy_granting_everyone_is_found(
    files: Files, text: str, expected: list[tuple[int, str]]
) -> None:
    files.add("main.tf", text)
    assert files.lines() == expected
    assert all("Users: anyone on the Internet" in f.why for f in files.lint())
    assert all(
        ("var.member from its default" in f.why) == ("var.member" in text) for f in files.lint()
    )


@pytest.mark.parametrize(
    ("operator", "key", "value"),
    [
        pytest.param("IpAddress", "aws:SourceIp", "0.0.0.0/0", id="every-address"),
        pytest.param("StringLike", "aws:SourceVpce", "vpce-*", id="any-endpoint"),
        pytest.param("StringLike", "aws:PrincipalOrgID", "o-*", id="any-organisation"),
    ],
)
def test_a_fixed_key_with_a_wildcard_or_every_address_keeps_a_policy_public(
    files: Files, operator: str, key: str, value: str
) -> None:
    # A condition on a fixed key excused the statement whatever its value.
    condition = f'\n      Condition = {{ {operator} = {{ "{key}" = "{value}" }} }}'
    files.add("main.tf", BUCKET + _policy(condition=condition) + OFF)
    assert files.lines() == [(6, "high")]
    document = CONDITION.replace('"IpAddress"', f'"{operator}"')
    document = document.replace('"aws:SourceIp"', f'"{key}"').replace("10.0.0.0/8", value)
    files.add("main.tf", BUCKET + DOCUMENT % (document, "*", '"*"') + OFF)
    assert files.lines() == [(6, "high")]


def test_an_allow_with_not_principal_is_public(files: Files) -> None:
    # Allow + NotPrincipal lets in everyone but those named; it was passed (no Principal).
    statement = f'NotPrincipal = {{ AWS = "{ACCOUNT_ARN}" }}'
    files.add("main.tf", BUCKET + _policy().replace('Principal = "*"', statement) + OFF)
    assert files.lines() == [(6, "high")]
    document = DOCUMENT.replace("principals {", "not_principals {") % ("", "AWS", '"x"')
    files.add("main.tf", BUCKET + document + OFF)
    assert files.lines() == [(6, "high")]


def test_a_policy_document_that_merges_a_public_one_is_public(files: Files) -> None:
    # source_policy_documents was not followed: the merged document looked empty.
    public = DOCUMENT.split("data ", 1)[1] % ("", "*", '"*"')
    files.add(
        "main.tf",
        BUCKET
        + DOCUMENT.split("data ")[0].replace(".cases.json", ".merged.json")
        + OFF
        + 'data "aws_iam_policy_document" "merged" {\n'
        + "  source_policy_documents = [data.aws_iam_policy_document.middle.json]\n}\n"
        + 'data "aws_iam_policy_document" "middle" {\n'
        + "  override_policy_documents = [data.aws_iam_policy_document.cases.json]\n}\n"
        + "data "
        + public,
    )
    assert files.lines() == [(6, "high")]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        pytest.param(
            BUCKET
            + ACL % "public-read"
            + 'variable "bucket_id" {}\n'
            + ON.replace("aws_s3_bucket.cases.id", "var.bucket_id"),
            "the bucket of aws_s3_bucket_public_access_block.cases (var.bucket_id) is not known",
            id="the-blocks-bucket",
        ),
        pytest.param(
            'variable "bucket_id" {}\n'
            + (BUCKET + ACL % "public-read").replace("aws_s3_bucket.cases.id", "var.bucket_id")
            + ON.replace("aws_s3_bucket.cases.id", '"other-bucket"'),
            "its bucket (var.bucket_id) is not known here",
            id="the-acls-bucket",
        ),
    ],
)
def test_an_access_block_whose_bucket_is_not_known_lowers_the_confidence(
    files: Files, text: str, named: str
) -> None:
    # "no access block for it here" was said with high confidence though a block named a
    # bucket by a variable nobody set.
    files.add("main.tf", text)
    (f,) = files.lint()
    assert (f.severity.label, f.confidence) == ("medium", Confidence.LOW)
    assert named in f.why


VAR_ACL = 'variable "acl" {}\n' + ACL % "${var.acl}"
HELD = "held in a variable"


@pytest.mark.parametrize(
    ("text", "expected", "named"),
    [
        pytest.param(BUCKET + VAR_ACL + OFF, (7, "medium"), "acl = var.acl", id="acl"),
        pytest.param(BUCKET + VAR_ACL, (7, "medium"), "acl = var.acl", id="acl-without-a-block"),
        pytest.param(
            BUCKET + _policy("var.readers") + OFF,
            (6, "medium"),
            "its Principal (var.readers)",
            id="principal",
        ),
        pytest.param(
            BUCKET + _policy("{ AWS = local.accounts }") + OFF,
            (6, "medium"),
            "its Principal (local.accounts)",
            id="aws-principal",
        ),
        pytest.param(
            BUCKET + _policy(f'{{ AWS = [var.account, "{ACCOUNT_ARN}"] }}') + OFF,
            (6, "medium"),
            "its Principal (var.account)",
            id="a-principal-among-a-list",
        ),
        pytest.param(
            BUCKET
            + 'variable "public" {}\n'
            + ACL % '${var.public ? "public-read-write" : "private"}'
            + OFF,
            (7, "medium"),
            "(an expression not evaluated): if it is public-read-write",
            id="acl-expression",
        ),
        pytest.param(
            BUCKET + _policy(condition="\n      Condition = var.conditions") + OFF,
            (6, "medium"),
            "its Condition (var.conditions)",
            id="the-whole-condition",
        ),
        pytest.param(
            BUCKET + _policy(condition="\n      Condition = { StringEquals = local.vpce }") + OFF,
            (6, "medium"),
            "its Condition (StringEquals = local.vpce)",
            id="one-operator",
        ),
        pytest.param(
            BUCKET
            + 'variable "policy" {}\n'
            + ACL.replace("acl ", "policy").replace('"%s"', "var.policy").replace("_acl", "_policy")
            + OFF,
            (7, "medium"),
            "its policy (var.policy)",
            id="the-whole-policy",
        ),
        pytest.param(
            BUCKET + DOCUMENT % ("", "AWS", "var.readers") + OFF,
            (6, "medium"),
            "its principals (var.readers) in data.aws_iam_policy_document.cases",
            id="document-principals",
        ),
        pytest.param(
            BUCKET + DOCUMENT % (CONDITION.replace('"aws:SourceIp"', "var.key"), "*", '"*"') + OFF,
            (6, "medium"),
            "its condition (var.key) in data.aws_iam_policy_document.cases",
            id="document-condition",
        ),
    ],
)
def test_a_value_held_in_a_variable_may_be_public_and_is_said_so(
    files: Files, text: str, expected: tuple[int, str], named: str
) -> None:
    # A public-read ACL, a Principal '*' or a condition held in a variable nobody set was
    # passed silently (a condition was taken to restrict): it is one low-confidence finding
    # naming what could not be read, never above medium.
    files.add("main.tf", text)
    (f,) = files.lint()
    assert ((f.line, f.severity.label), f.confidence) == (expected, Confidence.LOW)
    assert named in f.why


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(BUCKET + VAR_ACL + ON, id="acl-stopped-by-the-access-block"),
        pytest.param(
            BUCKET + VAR_ACL.replace("{}", '{\n  default = "private"\n}') + OFF,
            id="acl-private-by-default",
        ),
        pytest.param(
            BUCKET
            + _policy('{ AWS = ["' + ACCOUNT_ARN + '"] }', "\n      Condition = var.c")
            + OFF,
            id="condition-on-one-account",
        ),
        pytest.param(
            BUCKET
            + _policy(condition='\n      Condition = { IpAddress = { "aws:SourceIp" = var.ips } }')
            + OFF,
            id="a-fixed-key-whose-value-is-a-variable",
        ),
        pytest.param(
            BUCKET
            + _policy(
                "var.readers",
                '\n      Condition = { StringEquals = { "aws:SourceVpce" = "vpce-1a2b" } }',
            )
            + OFF,
            id="principal-with-a-written-condition",
        ),
        pytest.param(
            BUCKET + DOCUMENT % (CONDITION, "AWS", "var.readers") + OFF,
            id="document-principals-with-a-condition",
        ),
    ],
)
def test_a_value_held_in_a_variable_that_cannot_open_it_is_not_reported(
    files: Files, text: str
) -> None:
    files.add("main.tf", text)
    assert files.lint() == []


@pytest.mark.parametrize(
    ("name", "text", "named_only"),
    [
        pytest.param("terraform.tfvars", 'acl = "public-read"\n', False, id="tfvars"),
        pytest.param("prod.auto.tfvars.json", '{"acl": "public-read"}', False, id="auto-json"),
        pytest.param("terraform.tfvars.json", '{"acl": "public-read"}', False, id="json"),
        pytest.param("terraform.tfvars", 'acl = "public-read"\n', True, id="beside-a-named-file"),
    ],
)
def test_a_public_acl_given_in_tfvars_is_found_with_high_confidence(
    files: Files, name: str, text: str, named_only: bool
) -> None:
    # terraform.tfvars.json and *.auto.tfvars.json (which Terraform reads as it reads
    # terraform.tfvars) were not read, nor any tfvars beside a .tf file named on its own.
    main = files.add("main.tf", BUCKET + VAR_ACL + OFF)
    files.add(name, text)
    found = lint_paths([main] if named_only else [files.root], root=files.root).findings
    assert [(f.line, f.severity.label, f.confidence) for f in found] == [
        (7, "high", Confidence.HIGH)
    ]
    files.add(name, text.replace("public-read", "private"))
    assert lint_paths([main] if named_only else [files.root], root=files.root).findings == []


def test_a_tfvars_beside_a_named_file_that_does_not_parse_is_listed_as_skipped(
    files: Files,
) -> None:
    main = files.add("main.tf", BUCKET + VAR_ACL + OFF)
    files.add("terraform.tfvars", "acl = = \n")
    result = lint_paths([main], root=files.root)
    assert [s.path for s in result.skipped] == ["terraform.tfvars"]
    assert [f.confidence for f in result.findings] == [Confidence.LOW]


def test_a_resource_with_two_unknown_values_is_one_finding(files: Files) -> None:
    legacy = (
        'variable "acl" {}\nvariable "policy" {}\n'
        'resource "aws_s3_bucket" "old" {\n  bucket = "x"\n  acl    = var.acl\n'
        "  policy = var.policy\n}\n"
    )
    files.add("main.tf", legacy)
    (f,) = files.lint()
    assert (f.line, f.confidence) == (5, Confidence.LOW)
    files.add("main.tf", legacy.replace("var.acl", '"public-read"'))
    (f,) = files.lint()  # the public ACL, not also a note for the policy
    assert (f.line, f.confidence) == (5, Confidence.HIGH)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        pytest.param(
            "aws:PrincipalArn", "arn:aws:iam::123456789012:role/*", id="an-accounts-roles"
        ),
        pytest.param("aws:PrincipalOrgPaths", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*", id="an-ou"),
        pytest.param("aws:SourceArn", "arn:aws:cloudfront::123456789012:distribution/*", id="cdn"),
    ],
)
def test_a_wildcard_within_one_owner_keeps_a_policy_private(
    files: Files, key: str, value: str
) -> None:
    # A wildcard after the account or organisation still ties the statement to it.
    condition = f'\n      Condition = {{ StringLike = {{ "{key}" = "{value}" }} }}'
    files.add("main.tf", BUCKET + _policy(condition=condition) + OFF)
    assert files.lint() == []


OBJECT = """resource "%s" "report" {
  bucket = aws_s3_bucket.cases.id
  key    = "report.csv"
  acl    = "%s"
}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            BUCKET + OBJECT % ("aws_s3_object", "public-read") + OFF, [(7, "high")], id="obj"
        ),
        pytest.param(
            BUCKET + OBJECT % ("aws_s3_object", "public-read-write") + OFF,
            [(7, "high")],
            id="read-write",
        ),
        pytest.param(
            BUCKET + OBJECT % ("aws_s3_bucket_object", "public-read") + OFF,
            [(7, "high")],
            id="the-older-resource",
        ),
        pytest.param(
            BUCKET + OBJECT % ("aws_s3_object", "public-read"), [(7, "medium")], id="no-block"
        ),
        pytest.param(BUCKET + OBJECT % ("aws_s3_object", "public-read") + ON, [], id="blocked"),
        pytest.param(
            BUCKET
            + OBJECT % ("aws_s3_object", "public-read")
            + OWNERSHIP % ("aws_s3_bucket.cases.id", "BucketOwnerEnforced"),
            [],
            id="acls-disabled",
        ),
        pytest.param(BUCKET + OBJECT % ("aws_s3_object", "private") + OFF, [], id="private"),
        pytest.param(
            BUCKET + OBJECT % ("aws_s3_object", "bucket-owner-full-control") + OFF,
            [],
            id="owner-full-control",
        ),
    ],
)
def test_an_object_with_a_public_acl_is_found(
    files: Files, text: str, expected: list[tuple[int, str]]
) -> None:
    # An object's canned ACL opens the object as a bucket's opens the bucket, and the same
    # access block or BucketOwnerEnforced stops it; it was not read at all.
    files.add("main.tf", text)
    assert files.lines() == expected
    assert all("anyone reads the object" in f.why for f in files.lint())


@pytest.mark.parametrize(
    ("setting", "principal", "condition", "found"),
    [
        pytest.param(
            'variable "who" {\n  default = "*"\n}\n',
            "{ AWS = var.who }",
            "",
            "var.who from its default",
            id="a-variable-s-default",
        ),
        pytest.param(
            'locals {\n  who = ["*"]\n}\n',
            "{ AWS = local.who }",
            "",
            "local.who from locals",
            id="a-local-list",
        ),
        pytest.param(
            'variable "who" {\n  default = "*"\n}\n',
            '"${var.who}"',
            "",
            "var.who from its default",
            id="an-interpolation",
        ),
        pytest.param(
            f'variable "who" {{\n  default = "{ACCOUNT_ARN}"\n}}\n',
            "{ AWS = var.who }",
            "",
            None,
            id="an-account",
        ),
        pytest.param(
            'variable "office" {\n  default = "203.0.113.0/24"\n}\n',
            '"*"',
            '\n      Condition = { IpAddress = { "aws:SourceIp" = var.office } }',
            None,
            id="a-condition-on-a-fixed-source",
        ),
        pytest.param(
            'variable "office" {\n  default = "0.0.0.0/0"\n}\n',
            '"*"',
            '\n      Condition = { IpAddress = { "aws:SourceIp" = var.office } }',
            "",
            id="a-condition-on-the-internet",
        ),
    ],
)
def test_a_reference_inside_jsonencode_is_judged_on_its_value(
    files: Files, setting: str, principal: str, condition: str, found: str | None
) -> None:
    # A var./local. inside jsonencode({…}) was never evaluated: a Principal held in a variable
    # whose default is "*" was one low-confidence "not written out" finding, and a Condition on
    # a fixed source held in one was never seen to restrict the policy.
    files.add("main.tf", BUCKET + setting + _policy(principal, condition) + OFF)
    got = files.lint()
    if found is None:
        assert got == []
        return
    (f,) = got
    assert (f.severity.label, f.confidence) == ("high", Confidence.HIGH)
    assert f.why.startswith("its policy allows Principal '*'")
    assert found in f.why


def test_a_principal_set_in_tfvars_inside_jsonencode_is_named_with_its_file(
    files: Files,
) -> None:
    files.add("main.tf", BUCKET + 'variable "who" {}\n' + _policy("{ AWS = var.who }") + OFF)
    files.add("terraform.tfvars", 'who = "arn:aws:iam::123456789012:root"\n')
    files.add("prod.auto.tfvars", 'who = "*"\n')
    (f,) = files.lint()
    assert (f.severity.label, f.confidence) == ("high", Confidence.HIGH)
    assert "(var.who from prod.auto.tfvars)" in f.why


UNKNOWN_BUCKET_POLICY = 'variable "name" {}\n' + POLICY_HCL.replace(
    "bucket = aws_s3_bucket.cases.id", "bucket = var.name"
)


@pytest.mark.parametrize(
    ("resource", "block", "expected"),
    [
        pytest.param("${aws_s3_bucket.cases.arn}/*", ON, [], id="a-reference-blocked"),
        pytest.param("arn:aws:s3:::cases-export/*", ON, [], id="an-arn-blocked"),
        pytest.param(
            "${aws_s3_bucket.cases.arn}/*", OFF, [("high", Confidence.HIGH)], id="unblocked"
        ),
        pytest.param(
            'arn:aws:s3:::cases-export/*", "arn:aws:s3:::other/*',
            ON,
            [("medium", Confidence.LOW)],
            id="two-buckets-stay-unknown",
        ),
        # arn:aws:s3:::cases-export${var.name} was read as the ARN of cases-export, whose
        # access block then hid a public policy of cases-exportprod.
        pytest.param(
            "arn:aws:s3:::cases-export${var.name}/*",
            ON,
            [("medium", Confidence.LOW)],
            id="a-name-made-longer-is-another-bucket",
        ),
        # data.aws_s3_bucket.cases (a bucket made elsewhere) was read as aws_s3_bucket.cases.
        pytest.param(
            "${data.aws_s3_bucket.cases.arn}/*",
            ON,
            [("medium", Confidence.LOW)],
            id="a-data-source-is-another-bucket",
        ),
    ],
)
def test_a_policy_of_a_bucket_not_known_here_is_the_bucket_its_resource_names(
    files: Files, resource: str, block: str, expected: list[tuple[str, Confidence]]
) -> None:
    # bucket = var.name (set nowhere) left the policy's bucket unknown, though its Resource
    # names aws_s3_bucket.cases (AWS refuses a policy on another bucket): the access block of
    # aws_s3_bucket.cases did not count, and a public policy was a low-confidence guess.
    policy = UNKNOWN_BUCKET_POLICY.replace('"${aws_s3_bucket.cases.arn}/*"', f'["{resource}"]')
    text = policy % ('"*"', "")
    files.add("main.tf", BUCKET + text + block)
    assert [(f.severity.label, f.confidence) for f in files.lint()] == expected


SID_THEN_PUBLIC = """resource "aws_s3_bucket_policy" "cases" {
  bucket = aws_s3_bucket.cases.id
  policy = jsonencode({ Statement = [
    { Sid = var.sid, Effect = "Deny", Principal = "*", Action = "s3:*", Resource = "*" },
    { Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "*" },
  ] })
}
"""


@pytest.mark.parametrize(
    ("text", "tfvars", "expected"),
    [
        pytest.param(
            BUCKET + 'variable "who" {}\n' + _policy("{ AWS = [var.who] }") + OFF,
            r'who = "arn:aws:iam::123456789012:root\", \"*"',
            [("medium", Confidence.LOW)],
            id="a-quote-does-not-add-a-principal",
        ),
        pytest.param(
            BUCKET + 'variable "sid" {}\n' + SID_THEN_PUBLIC + OFF,
            'sid = "}]"',
            [("high", Confidence.HIGH)],
            id="a-bracket-does-not-end-the-statements",
        ),
        # "${lower(var.who)}" became "${lower("*")}", a string ending at the inner quote: the
        # Principal was neither '*' nor an expression, and the finding was lost.
        pytest.param(
            BUCKET + 'variable "who" {}\n' + _policy('{ AWS = "${lower(var.who)}" }') + OFF,
            'who = "*"',
            [("medium", Confidence.LOW)],
            id="a-reference-within-a-call-stays",
        ),
        pytest.param(
            'variable "member" {}\n'
            + GCS_POLICY
            % (
                'jsonencode({ bindings = [{ role = "roles/storage.objectViewer", '
                "members = [var.member] }] })",
                '"group:data@example.net"',
            ),
            r'member = "group:a@example.net\", \"allUsers"',
            [],
            id="a-quote-does-not-add-a-member",
        ),
    ],
)
def test_a_value_written_into_a_policy_cannot_change_its_structure(
    files: Files, text: str, tfvars: str, expected: list[tuple[str, Confidence]]
) -> None:
    # A string value was written into the policy's text as it is, and the policy reader (which
    # neither undoes escapes nor skips brackets inside strings) took its quotes and brackets for
    # structure: a principal that is one odd account was '*', a Sid of "}]" hid the statement
    # after it.
    files.add("main.tf", text)
    files.add("terraform.tfvars", tfvars + "\n")
    assert [(f.severity.label, f.confidence) for f in files.lint()] == expected


ITEM_ACL = """variable "acls" {
  default = ["private"]
}
variable "cfg" {
  default = {}
}
locals {
  acl = var.cfg.acl
}
resource "aws_s3_bucket_acl" "cases" {
  bucket = aws_s3_bucket.cases.id
  acl    = %s
}
"""


@pytest.mark.parametrize(
    ("acl", "tfvars", "expected"),
    [
        pytest.param("var.acls[0]", 'acls = ["public-read"]', ("high", "high"), id="index"),
        pytest.param(
            "var.acls[1]", 'acls = ["private", "public-read"]', ("high", "high"), id="index-1"
        ),
        pytest.param("var.acls[0]", 'acls = ["private", "public-read"]', None, id="index-private"),
        pytest.param("var.acls[0]", "", None, id="index-of-the-default"),
        pytest.param('var.cfg["acl"]', 'cfg = { acl = "public-read" }', ("high", "high"), id="key"),
        pytest.param("var.cfg.acl", 'cfg = { acl = "public-read" }', ("high", "high"), id="attr"),
        pytest.param(
            'var.cfg.site["acls"][0]',
            'cfg = { site = { acls = ["public-read"] } }',
            ("high", "high"),
            id="nested",
        ),
        pytest.param("local.acl", 'cfg = { acl = "public-read" }', ("high", "high"), id="local"),
        pytest.param(
            "var.acls[count.index]",
            'acls = ["public-read"]',
            ("medium", "low"),
            id="expression-index-not-evaluated",
        ),
        pytest.param("var.acls[3]", 'acls = ["private"]', ("medium", "low"), id="no-such-item"),
        pytest.param("var.cfg.acl", 'cfg = { other = "x" }', ("medium", "low"), id="no-such-key"),
        pytest.param(
            'var.acls["1"]',
            'acls = ["private", "public-read"]',
            ("high", "high"),
            id="string-index",
        ),
        # "²".isdigit() is true but it is no index: an internal error (int() refused it).
        pytest.param(
            'var.acls["²"]', 'acls = ["public-read"]', ("medium", "low"), id="not-a-digit"
        ),
    ],
)
def test_an_item_or_attribute_of_a_variable_is_resolved_where_known(
    files: Files, acl: str, tfvars: str, expected: tuple[str, str] | None
) -> None:
    # var.acls[0], var.cfg["acl"] and var.cfg.acl were left unresolved whatever the tfvars
    # held: acls = ["public-read"] was a low-confidence "may be public".
    files.add("main.tf", BUCKET + ITEM_ACL % acl + OFF)
    if tfvars:
        files.add("terraform.tfvars", tfvars + "\n")
    got = [(f.severity.label, f.confidence.value) for f in files.lint()]
    assert got == ([expected] if expected else [])


def test_an_item_of_a_json_var_file_is_resolved(files: Files) -> None:
    files.add("main.tf", BUCKET + ITEM_ACL % 'var.cfg["site"].acl' + OFF)
    files.add("terraform.tfvars.json", '{"cfg": {"site": {"acl": "public-read"}}}')
    (f,) = files.lint()
    assert (f.severity.label, f.confidence.value) == ("high", "high")
    assert "acl = public-read" in f.why


@pytest.mark.parametrize(
    ("principal", "tfvars", "public"),
    [
        pytest.param("{ AWS = var.who[0] }", 'who = ["*"]', True, id="index"),
        pytest.param("{ AWS = var.p.aws }", 'p = { aws = "*" }', True, id="attribute"),
        pytest.param('{ AWS = var.p["aws"] }', 'p = { aws = "*" }', True, id="key"),
        pytest.param(
            "{ AWS = var.who[0] }",
            'who = ["arn:aws:iam::123456789012:root", "*"]',
            False,
            id="index-not-everyone",
        ),
    ],
)
def test_an_item_of_a_variable_inside_jsonencode_is_written_out(
    files: Files, principal: str, tfvars: str, public: bool
) -> None:
    # Principal = { AWS = var.who[0] } stayed as written: a "may be public" at low confidence
    # whatever who held.
    files.add("main.tf", BUCKET + 'variable "who" {}\nvariable "p" {}\n' + _policy(principal) + OFF)
    files.add("terraform.tfvars", tfvars + "\n")
    found = [(f.severity.label, f.confidence) for f in files.lint()]
    assert found == ([("high", Confidence.HIGH)] if public else [])
    if public:
        (f,) = files.lint()
        assert "from terraform.tfvars" in f.why
        assert [(w.path, w.line) for w in f.set_at] == [("terraform.tfvars", 1)]


@pytest.mark.parametrize(
    ("text", "access"),
    [
        pytest.param(
            'resource "azurerm_storage_container" "cases" {\n  name = var.name\n'
            '  storage_account_name = "acct"\n  container_access_type = var.access\n}\n',
            "container",
            id="azure-container",
        ),
        pytest.param(
            'resource "google_storage_bucket_iam_member" "cases" {\n  bucket = var.name\n'
            '  role = "roles/storage.objectViewer"\n  member = var.access\n}\n',
            "allUsers",
            id="gcs-member",
        ),
        pytest.param(
            'resource "google_storage_bucket_acl" "cases" {\n  bucket = var.name\n'
            "  role_entity = [var.access]\n}\n",
            "READER:allUsers",
            id="gcs-acl",
        ),
        pytest.param(
            'resource "aws_s3_bucket_acl" "cases" {\n  bucket = var.name\n'
            "  access_control_policy {\n    grant {\n      grantee {\n"
            '        type = "Group"\n        uri  = var.access\n      }\n'
            '      permission = "READ"\n    }\n    owner {\n      id = "x"\n    }\n  }\n}\n',
            "http://acs.amazonaws.com/groups/global/AllUsers",
            id="s3-grant",
        ),
    ],
)
def test_a_finding_names_only_the_tfvars_line_of_the_value_it_was_judged_on(
    files: Files, text: str, access: str
) -> None:
    # var.name (the bucket's name) was named too, as if it had made the bucket public.
    files.add("main.tf", 'variable "name" {}\nvariable "access" {}\n' + text)
    files.add("terraform.tfvars", f'name = "cases"\naccess = "{access}"\n')
    (f,) = files.lint()
    assert [(w.name, w.path, w.line) for w in f.set_at] == [("var.access", "terraform.tfvars", 2)]


@pytest.mark.parametrize(
    "sid",
    [
        pytest.param('"granted by var.who"', id="a-strings-text"),
        pytest.param('"$${var.who}"', id="escaped"),
    ],
)
def test_a_policy_strings_text_naming_a_variable_is_not_a_reference(files: Files, sid: str) -> None:
    # "granted by var.who" had var.who's value written into it ("granted by "arn:…"") and
    # its tfvars line named as where the policy's values were set; "$${var.who}" too.
    who = 'variable "who" {}\n'
    files.add("main.tf", BUCKET + who + _policy('"*"', f"\n      Sid = {sid}") + OFF)
    files.add("terraform.tfvars", 'who = "arn:aws:iam::123456789012:root"\n')
    (f,) = files.lint()
    assert f.why.startswith("its policy allows Principal '*'")
    assert (f.set_at, "var.who" in f.why) == ((), False)
