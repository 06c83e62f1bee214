"""The data stores leakhound knows: their ports, container images, Helm charts and auth switches.

One table, read by every linter: a network rule asks which stores a port range reaches, compose
and Kubernetes ask which store an image runs and whether its environment turns authentication
off, the Helm linter asks which chart a values file configures.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Store:
    """A kind of data store: display name, TCP ports, image and chart names (regexes), and
    how its container is made to ask for credentials."""

    key: str
    name: str
    ports: tuple[int, ...]
    images: str  # regex over an image's repository name, its last path component
    charts: str = ""  # regex over a Helm chart name ("" : no common chart)
    # What turns authentication on in this store's container (official and Bitnami images):
    # the switch ``container_auth`` reads, said as a fix.
    secure: str = "turn the store's authentication on"


STORES: tuple[Store, ...] = (
    Store(
        "elasticsearch",
        "Elasticsearch",
        (9200, 9300),
        r"elasticsearch",
        r"elasticsearch",
        secure="set xpack.security.enabled=true (on by default since 8.0, off before it: a 7.x "
        "image needs it said) with ELASTIC_PASSWORD set",
    ),
    Store(
        "opensearch",
        "OpenSearch",
        (9200, 9300, 9600),
        r"opensearch",
        r"opensearch",
        secure="keep the security plugin on (no DISABLE_SECURITY_PLUGIN=true) with "
        "OPENSEARCH_INITIAL_ADMIN_PASSWORD set",
    ),
    Store(
        "kibana",
        "Kibana",
        (5601,),
        r"kibana|opensearch-dashboards",
        r"kibana|opensearch-dashboards",
        secure="keep its login on (no XPACK_SECURITY_ENABLED=false or "
        "DISABLE_SECURITY_DASHBOARDS_PLUGIN=true) in front of a cluster with security on",
    ),
    Store(
        "mongodb",
        "MongoDB",
        (27017, 27018, 27019),
        r"mongo|mongodb(-community-server|-enterprise-server)?",
        r"mongodb(-sharded)?",
        secure="run mongod with --auth: set MONGO_INITDB_ROOT_USERNAME and "
        "MONGO_INITDB_ROOT_PASSWORD (MONGODB_ROOT_PASSWORD on Bitnami images), which turn it on",
    ),
    Store(
        "redis",
        "Redis",
        (6379, 26379),
        r"redis(-stack(-server)?)?|valkey|keydb",
        r"redis(-cluster)?|valkey(-cluster)?",
        secure="set a password (command: redis-server --requirepass …, or an --aclfile; "
        "REDIS_PASSWORD on Bitnami images): the official image runs with protected-mode no, "
        "so nothing else refuses a client",
    ),
    Store(
        "postgresql",
        "PostgreSQL",
        (5432,),
        r"postgres(ql)?|postgis|timescaledb(-ha)?|pgvector",
        r"postgresql(-ha)?",
        secure="set POSTGRES_PASSWORD and no POSTGRES_HOST_AUTH_METHOD=trust (it writes a "
        "pg_hba.conf 'host all all all trust' line: anyone in as any user)",
    ),
    Store(
        "mysql",
        "MySQL/MariaDB",
        (3306, 33060),
        r"mysql(-server)?|mariadb|percona(-server)?",
        r"mysql|mariadb(-galera)?",
        secure="give root a password (MYSQL_ROOT_PASSWORD or MARIADB_ROOT_PASSWORD), with no "
        "MYSQL_ALLOW_EMPTY_PASSWORD or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD (an empty root "
        "password) and no --skip-grant-tables",
    ),
    Store(
        "couchdb",
        "CouchDB",
        (5984, 6984),
        r"couchdb",
        r"couchdb",
        secure="set COUCHDB_USER and COUCHDB_PASSWORD (without an admin, CouchDB 2.x is an "
        "'admin party': everyone is admin)",
    ),
    Store(
        "cassandra",
        "Cassandra",
        (9042, 9160),
        r"cassandra|scylla",
        r"cassandra|scylla",
        secure="use authenticator: PasswordAuthenticator (CASSANDRA_PASSWORD on Bitnami images)",
    ),
    Store(
        "solr",
        "Solr",
        (8983,),
        r"solr",
        r"solr",
        secure="turn on an authentication plugin (security.json; SOLR_AUTH_TYPE=basic)",
    ),
    Store(
        "memcached",
        "Memcached",
        (11211,),
        r"memcached",
        r"memcached",
        secure="run it with SASL (-S): it has no other authentication",
    ),
    Store(
        "etcd",
        "etcd",
        (2379, 2380),
        r"etcd",
        r"etcd",
        secure="turn client authentication on (--client-cert-auth, or ETCD_ROOT_PASSWORD on "
        "Bitnami images; no ALLOW_NONE_AUTHENTICATION=yes)",
    ),
    Store(
        "clickhouse",
        "ClickHouse",
        (8123, 9000),
        r"clickhouse(-server)?",
        r"clickhouse",
        secure="give the default user a password (CLICKHOUSE_PASSWORD)",
    ),
    Store(
        "influxdb",
        "InfluxDB",
        (8086,),
        r"influxdb",
        r"influxdb2?",
        secure="keep authentication on (INFLUXDB_HTTP_AUTH_ENABLED=true on 1.x; tokens on 2.x)",
    ),
    Store(
        "neo4j",
        "Neo4j",
        (7474, 7687),
        r"neo4j",
        r"neo4j",
        secure="set NEO4J_AUTH to a user and password (never NEO4J_AUTH=none)",
    ),
    Store(
        "mssql",
        "SQL Server",
        (1433,),
        r"mssql(-server)?|mssql/server",
        r"mssql",
        secure="set a strong MSSQL_SA_PASSWORD and connect with accounts other than sa",
    ),
)
BY_KEY = {s.key: s for s in STORES}

# A port that two stores share names the first (9200: Elasticsearch/OpenSearch is said in full).
# ClickHouse's 9000 is left out of port-only guesses: MinIO, php-fpm and others use it too.
_PORT_NAMES: dict[int, str] = {}
for _store in STORES:
    for _port in _store.ports:
        if _port == 9000:
            continue
        _PORT_NAMES[_port] = (
            f"{_PORT_NAMES[_port]}/{_store.name}" if _port in _PORT_NAMES else _store.name
        )
STORE_PORTS: tuple[int, ...] = tuple(sorted(_PORT_NAMES))


def port_kind(port: int) -> Store | None:
    """The one store a well-known port belongs to; None when none does, or several."""
    found = [s for s in STORES if port in s.ports and port != 9000]
    return found[0] if len(found) == 1 else None


def port_store(port: int) -> str | None:
    """The store(s) a well-known port belongs to, or None."""
    return _PORT_NAMES.get(port)


def stores_in_range(low: int, high: int) -> list[int]:
    """The well-known store ports inside an inclusive port range."""
    return [p for p in STORE_PORTS if low <= p <= high]


def describe_ports(ports: list[int]) -> str:
    """'9200, 9300 (Elasticsearch/OpenSearch), 5601 (Kibana)': ports grouped by store, at most
    eight ports shown."""
    groups: dict[str, list[str]] = {}
    for p in ports[:8]:
        groups.setdefault(_PORT_NAMES[p], []).append(str(p))
    more = f" and {len(ports) - 8} more" if len(ports) > 8 else ""
    return ", ".join(f"{', '.join(ps)} ({name})" for name, ps in groups.items()) + more


def image_store(image: str) -> Store | None:
    """The store a container image runs: 'docker.elastic.co/elasticsearch/elasticsearch:8.13.0',
    'bitnami/redis:7.2', 'postgres@sha256:…' → its Store, or None."""
    parts = image.split("@", 1)[0].lower().split("/")
    name = parts[-1].split(":", 1)[0]
    # Two components too, for images whose last one says little ("mssql/server").
    pair = f"{parts[-2]}/{name}" if len(parts) > 1 else name
    for store in STORES:
        if re.fullmatch(store.images, name) or re.fullmatch(store.images, pair):
            return store
    return None


def image_tag(image: str) -> str:
    """The tag of an image reference ('' when none)."""
    repo = image.split("@", 1)[0]
    last = repo.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def chart_store(chart: str) -> Store | None:
    """The store a Helm chart name ('redis', 'bitnami/postgresql', 'oci://…/mongodb') runs."""
    name = chart.rstrip("/").rsplit("/", 1)[-1].lower()
    for store in STORES:
        if store.charts and re.fullmatch(store.charts, name):
            return store
    return None


class Auth(enum.Enum):
    """What a container's settings say about the store's authentication."""

    OFF = "off"
    ON = "on"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class AuthEvidence:
    """Auth state with the setting that shows it."""

    state: Auth
    evidence: str


def _truthy(value: object) -> bool:
    return str(value).strip().strip("'\"").lower() in ("true", "yes", "1", "on")


def _falsy(value: object) -> bool:
    return str(value).strip().strip("'\"").lower() in ("false", "no", "0", "off")


def _major(tag: str) -> int | None:
    m = re.match(r"v?(\d+)", tag)
    return int(m.group(1)) if m else None


def container_auth(
    store: Store, env: Mapping[str, object], command: str, tag: str = ""
) -> AuthEvidence:
    """Whether a store container (official or Bitnami image) runs with authentication, from its
    environment, command line and image tag: each branch is that image's documented default."""
    e = {k: v for k, v in env.items() if v is not None}
    allow_empty = "ALLOW_EMPTY_PASSWORD" in e and _truthy(e["ALLOW_EMPTY_PASSWORD"])
    if allow_empty:
        return AuthEvidence(Auth.OFF, "ALLOW_EMPTY_PASSWORD=yes")
    k = store.key
    if k == "elasticsearch":
        for name in ("xpack.security.enabled", "XPACK_SECURITY_ENABLED"):
            if name in e:
                on = _truthy(e[name])
                return AuthEvidence(Auth.ON if on else Auth.OFF, f"{name}={e[name]}")
        if "ELASTIC_PASSWORD" in e:
            return AuthEvidence(Auth.ON, "ELASTIC_PASSWORD is set")
        major = _major(tag)
        if major is not None and major < 8:
            return AuthEvidence(Auth.OFF, f"image {tag}: security is off by default before 8.0")
        if major is not None:
            return AuthEvidence(Auth.ON, f"image {tag}: security is on by default since 8.0")
        return AuthEvidence(Auth.UNKNOWN, "security setting not visible")
    if k == "opensearch":
        for name in ("DISABLE_SECURITY_PLUGIN", "plugins.security.disabled"):
            if name in e and _truthy(e[name]):
                return AuthEvidence(Auth.OFF, f"{name}={e[name]}")
        return AuthEvidence(Auth.ON, "the image's security plugin is on by default")
    if k == "kibana":
        for name in (
            "XPACK_SECURITY_ENABLED",
            "xpack.security.enabled",
            "DISABLE_SECURITY_DASHBOARDS_PLUGIN",
        ):
            if name in e:
                off = _falsy(e[name]) if "DISABLE" not in name else _truthy(e[name])
                if off:
                    return AuthEvidence(Auth.OFF, f"{name}={e[name]}")
        return AuthEvidence(Auth.UNKNOWN, "login depends on the backing cluster's security")
    if k == "mongodb":
        if "--auth" in command.split():
            return AuthEvidence(Auth.ON, "--auth on the command line")
        for name in ("MONGO_INITDB_ROOT_USERNAME", "MONGODB_ROOT_PASSWORD", "MONGODB_PASSWORD"):
            if name in e:
                return AuthEvidence(Auth.ON, f"{name} is set")
        return AuthEvidence(
            Auth.OFF, "no root user (the image enables auth only with MONGO_INITDB_ROOT_USERNAME)"
        )
    if k == "redis":
        if "--requirepass" in command or "--aclfile" in command:
            return AuthEvidence(Auth.ON, "a password on the command line")
        if "REDIS_PASSWORD" in e:
            return AuthEvidence(Auth.ON, "REDIS_PASSWORD is set")
        return AuthEvidence(
            Auth.OFF, "no requirepass (the official image also runs with protected-mode no)"
        )
    if k == "postgresql":
        method = str(e.get("POSTGRES_HOST_AUTH_METHOD", "")).strip().lower()
        if method == "trust":
            return AuthEvidence(Auth.OFF, "POSTGRES_HOST_AUTH_METHOD=trust")
        for name in ("POSTGRES_PASSWORD", "POSTGRESQL_PASSWORD", "POSTGRES_PASSWORD_FILE"):
            if name in e:
                return AuthEvidence(Auth.ON, f"{name} is set")
        return AuthEvidence(Auth.UNKNOWN, "no password visible")
    if k == "mysql":
        for name in (
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
            "MARIADB_ALLOW_EMPTY_PASSWORD",
        ):
            if name in e and (_truthy(e[name]) or str(e[name]).strip() not in ("", "0", "no")):
                return AuthEvidence(Auth.OFF, f"{name}={e[name]} (root without a password)")
        if "--skip-grant-tables" in command:
            return AuthEvidence(Auth.OFF, "--skip-grant-tables (no password checks at all)")
        for name in (
            "MYSQL_ROOT_PASSWORD",
            "MARIADB_ROOT_PASSWORD",
            "MYSQL_RANDOM_ROOT_PASSWORD",
            "MARIADB_RANDOM_ROOT_PASSWORD",
            "MYSQL_ROOT_PASSWORD_FILE",
            "MARIADB_ROOT_PASSWORD_FILE",
        ):
            if name in e:
                return AuthEvidence(Auth.ON, f"{name} is set")
        return AuthEvidence(Auth.UNKNOWN, "no root password setting visible")
    if k == "couchdb":
        if "COUCHDB_USER" in e or "COUCHDB_PASSWORD" in e:
            return AuthEvidence(Auth.ON, "COUCHDB_USER is set")
        return AuthEvidence(Auth.UNKNOWN, "no admin visible (CouchDB 3 needs one, 2.x runs open)")
    if k == "memcached":
        if re.search(r"(^|\s)(-S|--enable-sasl)(\s|$)", command):
            return AuthEvidence(Auth.ON, "SASL on the command line")
        return AuthEvidence(Auth.OFF, "memcached has no authentication without SASL")
    if k == "etcd":
        if "ALLOW_NONE_AUTHENTICATION" in e and _truthy(e["ALLOW_NONE_AUTHENTICATION"]):
            return AuthEvidence(Auth.OFF, "ALLOW_NONE_AUTHENTICATION=yes")
        if "ETCD_ROOT_PASSWORD" in e or "--client-cert-auth" in command:
            return AuthEvidence(Auth.ON, "client authentication is configured")
        return AuthEvidence(Auth.OFF, "etcd serves clients without authentication by default")
    if k in ("cassandra", "solr"):
        for name in ("CASSANDRA_PASSWORD", "SOLR_AUTH_TYPE", "SOLR_AUTHENTICATION_OPTS"):
            if name in e:
                return AuthEvidence(Auth.ON, f"{name} is set")
        return AuthEvidence(Auth.OFF, f"{store.name} has no authentication by default")
    return AuthEvidence(Auth.UNKNOWN, "authentication not visible")
