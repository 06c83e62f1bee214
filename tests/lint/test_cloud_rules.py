"""Exported Azure NSGs and AWS security groups, by shape, at the rule's source line."""

from __future__ import annotations

import json

import pytest

from .conftest import Files


def _nsg_rule(**kw: object) -> dict[str, object]:
    rule: dict[str, object] = {
        "name": "r",
        "access": "Allow",
        "direction": "Inbound",
        "protocol": "Tcp",
        "sourceAddressPrefix": "*",
        "destinationPortRange": "9200",
    }
    rule.update(kw)
    return rule


@pytest.mark.parametrize(
    ("rule", "hit"),
    [
        pytest.param(_nsg_rule(), True, id="star"),
        pytest.param(
            _nsg_rule(sourceAddressPrefix="Internet", destinationPortRange="27000-28000"),
            True,
            id="internet-range",
        ),
        pytest.param(
            _nsg_rule(sourceAddressPrefix="", sourceAddressPrefixes=["::/0"]),
            True,
            id="prefixes-ipv6",
        ),
        pytest.param(
            _nsg_rule(destinationPortRange="[parameters('port')]"), True, id="arm-parameter-port"
        ),
        pytest.param(_nsg_rule(access="Deny"), False, id="deny"),
        pytest.param(_nsg_rule(direction="Outbound"), False, id="outbound"),
        pytest.param(_nsg_rule(sourceAddressPrefix="VirtualNetwork"), False, id="vnet"),
        pytest.param(_nsg_rule(destinationPortRange="443"), False, id="https"),
    ],
)
def test_azure_cli_rules(files: Files, rule: dict[str, object], hit: bool) -> None:
    text = json.dumps({"name": "nsg", "securityRules": [rule]}, indent=2)
    files.add("nsg.json", text)
    findings = files.lint()
    lines = text.splitlines()
    key = "sourceAddressPrefix" if rule["sourceAddressPrefix"] else "sourceAddressPrefixes"
    want = next(n for n, line in enumerate(lines, 1) if f'"{key}"' in line)
    assert [f.line for f in findings] == ([want] if hit else [])


def test_an_arm_rule_is_reported_once(files: Files) -> None:
    doc = {
        "resources": [
            {
                "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                "name": "nsg/es",
                "properties": _nsg_rule(name=None),
            }
        ]
    }
    files.add("template.json", json.dumps(doc, indent=1))
    (f,) = files.lint()
    assert f.subject == "NSG rule 'nsg/es'"


def test_aws_security_group_rules_output(files: Files) -> None:
    doc = {
        "SecurityGroupRules": [
            {
                "SecurityGroupRuleId": "sgr-1",
                "GroupId": "sg-1",
                "IsEgress": False,
                "IpProtocol": "tcp",
                "FromPort": 5984,
                "ToPort": 5984,
                "CidrIpv4": "0.0.0.0/0",
            },
            {
                "SecurityGroupRuleId": "sgr-2",
                "GroupId": "sg-1",
                "IsEgress": True,
                "IpProtocol": "-1",
                "FromPort": -1,
                "ToPort": -1,
                "CidrIpv4": "0.0.0.0/0",
            },
        ]
    }
    text = json.dumps(doc, indent=2)
    files.add("rules.json", text)
    (f,) = files.lint()
    first_cidr = next(n for n, line in enumerate(text.splitlines(), 1) if "CidrIpv4" in line)
    assert (f.line, f.store) == (first_cidr, "CouchDB")


def test_unrelated_json_is_not_reported(files: Files) -> None:
    files.add("package.json", '{"name": "x", "scripts": {"start": "node ."}}')
    files.add("data.json", '[{"port": 9200, "source": "0.0.0.0/0"}]')
    assert files.lint() == []
