"""What ``leakhound lint`` reports: findings, their severities, and the rules behind them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """How bad an exposure is; ordered so that ``--fail-on`` compares with ``>=``."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        """The name users type and read: low, medium, high."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """low|medium|high → Severity."""
        return cls[text.upper()]


class Confidence(enum.Enum):
    """high: every value was read from the file; low: something (a variable) was unresolved."""

    HIGH = "high"
    LOW = "low"


@dataclass(frozen=True)
class Rule:
    """One kind of finding: an id that never changes, a name and the generic fix."""

    id: str
    name: str
    title: str
    help: str
    cwe: int


PARSE_ERROR = Rule(
    "LH100",
    "UnparsableConfig",
    "Configuration file does not parse",
    "Fix the syntax: leakhound (and the tool that reads the file) cannot tell what it exposes.",
    20,
)
STORE_CONFIG = Rule(
    "LH101",
    "StoreConfigOpen",
    "Data store configured to listen beyond loopback without authentication",
    "Bind the store to loopback or a private interface and turn authentication on.",
    306,
)
COMPOSE_PORT = Rule(
    "LH110",
    "ComposeStorePortPublished",
    "docker-compose publishes a data store port on all interfaces",
    "Publish the store's port on loopback ('127.0.0.1:HOST_PORT:PORT', the host port it had) "
    "or not at all "
    "(containers reach each other by service name), and turn the store's authentication on "
    "(each finding says how for its store).",
    668,
)
KUBERNETES_SERVICE = Rule(
    "LH111",
    "KubernetesStoreServicePublic",
    "Kubernetes Service exposes data store pods outside the cluster",
    "Use a ClusterIP Service (or an internal load balancer with loadBalancerSourceRanges) and "
    "turn the store's authentication on.",
    668,
)
HELM_VALUES = Rule(
    "LH112",
    "HelmStoreServicePublic",
    "Helm values expose a data store chart's Service outside the cluster",
    "Keep service.type ClusterIP (the charts' default) or restrict loadBalancerSourceRanges, "
    "and keep the chart's authentication enabled.",
    668,
)
NETWORK_RULE = Rule(
    "LH120",
    "NetworkRuleOpensStorePort",
    "Firewall or security group rule admits the Internet to a data store port",
    "Restrict the rule's source to the addresses that need the store (a VPN, a bastion, the "
    "application subnet), never 0.0.0.0/0, ::/0, '*' or 'Internet'.",
    284,
)
BUCKET_PUBLIC = Rule(
    "LH121",
    "BucketReadableByAnyone",
    "Storage bucket or blob container readable by anyone",
    "Keep the bucket private (no public-read ACL, no policy statement allowing Principal '*' "
    "without a condition on fixed sources, container_access_type 'private', no allUsers member "
    "or ACL entry) and keep S3 Block Public Access on; share objects with signed URLs instead.",
    284,
)

RULES: tuple[Rule, ...] = (
    PARSE_ERROR,
    STORE_CONFIG,
    COMPOSE_PORT,
    KUBERNETES_SERVICE,
    HELM_VALUES,
    NETWORK_RULE,
    BUCKET_PUBLIC,
)


@dataclass(frozen=True)
class SetAt:
    """Where a value a finding was judged on was set, away from the resource: the variable and
    the tfvars or ``--var-file`` line that gave it (``line`` 0 when not known)."""

    name: str  # "var.acls"
    path: str
    line: int = 0

    @property
    def location(self) -> str:
        """path:line, or the path alone when the line is not known."""
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Finding:
    """One exposure (or one unparsable file) at an exact file and line."""

    rule: Rule
    severity: Severity
    path: str
    line: int
    store: str  # "Elasticsearch", "Redis"…; "" for a file that does not parse
    subject: str  # what in the file: "network.host", "service es", "aws_security_group.db"
    why: str  # one line: why this is exposed (or why the file does not parse)
    fix: str  # one line: what to change
    confidence: Confidence = Confidence.HIGH
    set_at: tuple[SetAt, ...] = ()  # the tfvars / --var-file lines its values came from

    @property
    def message(self) -> str:
        """Store, subject and reason in one line."""
        head = f"{self.store}: " if self.store else ""
        return f"{head}{self.subject}: {self.why}"


@dataclass(frozen=True)
class Skipped:
    """A file that was looked at but not linted, and why (a template, an unknown format)."""

    path: str
    reason: str


@dataclass
class LintResult:
    """Everything one ``lint`` run found, in file and line order."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def at_least(self, severity: Severity) -> list[Finding]:
        """The findings at or above ``severity``."""
        return [f for f in self.findings if f.severity >= severity]
