"""elasticsearch.yml, opensearch.yml, kibana.yml, opensearch_dashboards.yml.

A node is exposed when its HTTP layer binds beyond loopback (``http.host``/``http.bind_host``
override ``network.host``/``network.bind_host``) while security is off, or anonymous users get
roles. Settings may be nested or dotted; both are read.
"""

from __future__ import annotations

from typing import Any

from ..model import Confidence, Finding, Severity
from . import falsy, finding, flatten, hosts, reach, show, truthy

_BIND_KEYS = ("http.bind_host", "http.host", "network.bind_host", "network.host")
_FIX_SEARCH = (
    "Keep security on (xpack.security.enabled: true / the OpenSearch security plugin) with "
    "passwords and TLS, no anonymous roles, and bind network.host to a private interface."
)


def _bind(flat: dict[str, tuple[Any, int]]) -> tuple[str, list[str], int] | None:
    for key in _BIND_KEYS:
        if key in flat:
            value, line = flat[key]
            return key, hosts(value), line
    return None


def lint_search(doc: Any, path: str, product: str) -> list[Finding]:
    """An Elasticsearch or OpenSearch node's configuration."""
    flat = flatten(doc)
    if any(k.startswith(("plugins.security", "opendistro_security")) for k in flat):
        product = "OpenSearch"
    bind = _bind(flat)
    if bind is None:
        return []  # the default is loopback only
    key, addresses, bind_line = bind
    where = reach(addresses)
    if where is None:
        return []
    severity, reached = where
    subject = f"{key}: {', '.join(addresses)}"
    out: list[Finding] = []
    anonymous = flat.get("xpack.security.authc.anonymous.roles")
    if anonymous and anonymous[0] not in (None, "", []):
        roles = ", ".join(hosts(anonymous[0]))
        out.append(
            finding(
                severity,
                path,
                anonymous[1],
                product,
                f"xpack.security.authc.anonymous.roles: {roles}",
                f"anonymous users get the roles {roles} on a node listening on {reached}",
                "Remove the anonymous roles (or give them a role with no index privileges).",
            )
        )
    for off_key, off_when in (
        ("xpack.security.enabled", falsy),
        ("plugins.security.disabled", truthy),
        ("opendistro_security.disabled", truthy),
    ):
        if off_key in flat and off_when(flat[off_key][0]):
            out.append(
                finding(
                    severity,
                    path,
                    bind_line,
                    product,
                    subject,
                    f"listens on {reached} with {off_key}: {show(flat[off_key][0])} (line "
                    f"{flat[off_key][1]}): anyone who reaches it reads and writes every index",
                    _FIX_SEARCH,
                )
            )
            return out
    explicit = any(
        k.startswith(("xpack.security.", "plugins.security.", "opendistro_security.")) for k in flat
    )
    if not explicit and not out:
        out.append(
            finding(
                Severity.LOW,
                path,
                bind_line,
                product,
                subject,
                f"listens on {reached} and this file sets no security: Elasticsearch before "
                "8.0 and OpenSearch without its security plugin then answer anyone",
                "Set xpack.security.enabled: true (or keep the OpenSearch security plugin) "
                "explicitly, with passwords and TLS.",
                Confidence.LOW,
            )
        )
    return out


def lint_dashboards(doc: Any, path: str, product: str) -> list[Finding]:
    """A Kibana or OpenSearch Dashboards configuration."""
    flat = flatten(doc)
    if "server.host" not in flat:
        return []  # the default is localhost
    value, line = flat["server.host"]
    where = reach(hosts(value))
    if where is None:
        return []
    severity, reached = where
    subject = f"server.host: {value}"
    fix = (
        "Keep Kibana behind login: security on in Elasticsearch, no anonymous provider, and "
        "server.host on a private interface or behind an authenticating proxy."
    )
    for key, (val, key_line) in flat.items():
        anonymous = key.startswith("xpack.security.authc.providers.anonymous") or (
            key == "opensearch_security.auth.anonymous_auth_enabled" and truthy(val)
        )
        if anonymous:
            return [
                finding(
                    severity,
                    path,
                    key_line,
                    product,
                    key,
                    f"anonymous access is configured on a UI listening on {reached}: anyone who "
                    "reaches it browses the cluster's data",
                    fix,
                )
            ]
    for key in ("xpack.security.enabled", "opensearch_security.enabled"):
        if key in flat and falsy(flat[key][0]):
            return [
                finding(
                    severity,
                    path,
                    line,
                    product,
                    subject,
                    f"listens on {reached} with {key}: {show(flat[key][0])} (line "
                    f"{flat[key][1]}): no login page, anyone who reaches it browses the "
                    "cluster's data",
                    fix,
                )
            ]
    credentials = any(
        key in flat
        for key in (
            "elasticsearch.username",
            "elasticsearch.serviceAccountToken",
            "opensearch.username",
            "elasticsearch.ssl.certificate",
            "opensearch_security.auth.type",
        )
    )
    if not credentials:
        return [
            finding(
                Severity.MEDIUM,
                path,
                line,
                product,
                subject,
                f"listens on {reached} and connects to the cluster without credentials, which "
                "only works when the cluster's security is off: then anyone who reaches it "
                "reads the data",
                fix,
                Confidence.LOW,
            )
        ]
    return []
