"""The log formats, one module each, and the sniffing that recognises a file's format."""

from __future__ import annotations

from . import (
    aws_vpc,
    azure_nsg,
    azure_storage,
    clf,
    cloudtrail,
    couchdb,
    es_audit,
    es_slowlog,
    logformat,
    mongodb,
    mysql,
    opensearch_audit,
    postgresql,
    redis,
    s3_access,
    w3c,
)
from .base import LogFormat

# name → module; "apache" is the same grammar as nginx's (both default to combined/common).
FORMATS: dict[str, LogFormat] = {
    "nginx": clf,
    "apache": clf,
    "json": logformat,
    "es-audit": es_audit,
    "opensearch-audit": opensearch_audit,
    "es-slowlog": es_slowlog,
    "mongodb": mongodb,
    "postgresql": postgresql,
    "mysql": mysql,
    "couchdb": couchdb,
    "redis": redis,
    "azure-nsg": azure_nsg,
    "aws-vpc": aws_vpc,
    "s3-access": s3_access,
    "cloudtrail": cloudtrail,
    "azure-storage": azure_storage,
    "w3c": w3c,
}
# One JSON document a file (an NSG flow log's hour, a CloudTrail delivery): never read on
# into the next file as one stream, as the files of a rotated set of a line format are.
WHOLE_FILE = frozenset(("azure-nsg", "cloudtrail"))
# The order sniffing tries them in: the most specific shapes first (the generic JSON access
# log last among the JSON ones, the combined/common shape after S3's, which it never matches).
SNIFF_ORDER: tuple[str, ...] = (
    "azure-nsg",
    "cloudtrail",
    "es-audit",
    "opensearch-audit",
    "es-slowlog",
    "mongodb",
    "postgresql",
    "mysql",
    "couchdb",
    "redis",
    "w3c",
    "json",
    "s3-access",
    "azure-storage",
    "aws-vpc",
    "nginx",
)


def by_name(name: str) -> LogFormat:
    """The module of a format name (KeyError when unknown)."""
    return FORMATS[name]


def sniff(head: bytes) -> str | None:
    """The format the first bytes of a file look like, or None."""
    for name in SNIFF_ORDER:
        if FORMATS[name].sniff(head):
            return name
    return None
