"""Checkov custom checks, KICS-style: Internet to a data store port, one check per port.

Checkov's own port checks cover SSH, RDP, HTTP and (GCP) MySQL; KICS ships a "sensitive port
exposed to the entire network" query. These subclass Checkov's own parameterised checks (Azure
NSG rules, AWS security groups, GCP firewalls) for each store port leakhound knows, which is what
a team would add to Checkov for this job. Loaded by Checkov only (--external-checks-dir), in
benchmarks/lint_corpus.py.
"""

from __future__ import annotations

from checkov.common.models.enums import CheckCategories
from checkov.terraform.checks.resource.aws.AbsSecurityGroupUnrestrictedIngress import (
    AbsSecurityGroupUnrestrictedIngress,
)
from checkov.terraform.checks.resource.azure.NSGRulePortAccessRestricted import (
    NSGRulePortAccessRestricted,
)
from checkov.terraform.checks.resource.gcp.AbsGoogleComputeFirewallUnrestrictedIngress import (
    AbsGoogleComputeFirewallUnrestrictedIngress,
)

# The well-known store ports of leakhound's catalogue (src/leakhound/lint/catalog.py).
PORTS = (
    1433,
    2379,
    2380,
    3306,
    5432,
    5601,
    5984,
    6379,
    6984,
    7474,
    7687,
    8086,
    8123,
    8983,
    9042,
    9160,
    9200,
    9300,
    9600,
    11211,
    26379,
    27017,
    27018,
    27019,
    33060,
)

checks = []
for port in PORTS:
    checks.append(
        NSGRulePortAccessRestricted(
            name=f"Azure NSG rule must not admit the Internet to port {port}",
            check_id=f"CKV_LHK_AZ_{port}",
            port=port,
        )
    )
    checks.append(AbsSecurityGroupUnrestrictedIngress(check_id=f"CKV_LHK_AWS_{port}", port=port))
    checks.append(
        AbsGoogleComputeFirewallUnrestrictedIngress(
            name=f"GCP firewall must not admit 0.0.0.0/0 to port {port}",
            id=f"CKV_LHK_GCP_{port}",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=("google_compute_firewall",),
            port=port,
        )
    )
