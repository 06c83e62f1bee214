"""Store configuration files: positives and negatives per store, each at its exact line."""

from __future__ import annotations

import pytest

from .conftest import Files

CASES = [
    # --- Elasticsearch / OpenSearch ---
    pytest.param(
        "elasticsearch.yml",
        "network.host: 0.0.0.0\nxpack.security.enabled: false\n",
        [(1, "high")],
        id="es-security-off",
    ),
    pytest.param(
        "elasticsearch.yml",
        "network:\n  host: 10.1.2.3\nxpack:\n  security:\n    enabled: false\n",
        [(2, "medium")],
        id="es-nested-private-address",
    ),
    pytest.param(
        "elasticsearch.yml",
        "network.host: 0.0.0.0\nhttp.host: 127.0.0.1\nxpack.security.enabled: false\n",
        [],
        id="es-http-host-overrides-loopback",
    ),
    pytest.param(
        "elasticsearch.yml",
        "network.host: [_local_, '::1']\nxpack.security.enabled: false\n",
        [],
        id="es-loopback-list",
    ),
    pytest.param(
        "elasticsearch.yml",
        "network.host: 0.0.0.0\nxpack.security.enabled: true\n",
        [],
        id="es-security-on",
    ),
    pytest.param(
        "elasticsearch.yml", "network.host: _site_\n", [(1, "low")], id="es-security-unset"
    ),
    pytest.param(
        "elasticsearch.yml", "xpack.security.enabled: false\n", [], id="es-default-bind-is-loopback"
    ),
    pytest.param(
        "opensearch.yml",
        "network.host: 0.0.0.0\nopendistro_security.disabled: true\n",
        [(1, "high")],
        id="opendistro-disabled",
    ),
    pytest.param(
        "opensearch.yml",
        "network.host: 0.0.0.0\nplugins.security.ssl.http.enabled: true\n",
        [],
        id="opensearch-plugin-configured",
    ),
    # --- Kibana / OpenSearch Dashboards ---
    pytest.param(
        "kibana.yml",
        'server.host: "0.0.0.0"\nxpack.security.enabled: false\n',
        [(1, "high")],
        id="kibana-security-off",
    ),
    pytest.param(
        "opensearch_dashboards.yml",
        "server.host: 0.0.0.0\nopensearch.username: k\n"
        "opensearch_security.auth.anonymous_auth_enabled: true\n",
        [(3, "high")],
        id="dashboards-anonymous",
    ),
    pytest.param("kibana.yml", "server.host: localhost\n", [], id="kibana-localhost"),
    # --- MongoDB ---
    pytest.param("mongod.conf", "net:\n  bindIpAll: true\n", [(2, "high")], id="mongo-bindipall"),
    pytest.param(
        "mongod.conf",
        "net:\n  bindIp: 0.0.0.0\nsecurity:\n  authorization: disabled\n",
        [(2, "high")],
        id="mongo-authorization-disabled",
    ),
    pytest.param(
        "mongod.conf",
        "net:\n  bindIp: 0.0.0.0\nsecurity:\n  keyFile: /k\n",
        [],
        id="mongo-keyfile-implies-auth",
    ),
    pytest.param("mongod.conf", "net:\n  bindIp: localhost,::1\n", [], id="mongo-loopback"),
    pytest.param("mongod.conf", "net:\n  port: 27017\n", [], id="mongo-default-bind"),
    pytest.param("mongod.conf", "bind_ip = 0.0.0.0\nauth = true\n", [], id="mongo-legacy-auth"),
    # --- Redis ---
    pytest.param("redis.conf", "protected-mode no\n", [(1, "high")], id="redis-no-bind-no-pm"),
    pytest.param(
        "redis.conf",
        "bind * -::*\nprotected-mode no\nuser default on nopass ~* +@all\nrequirepass x\n",
        [(2, "high")],
        id="redis-acl-nopass-wins",
    ),
    pytest.param(
        "redis.conf", "bind 0.0.0.0\nprotected-mode no\nport 0\n", [], id="redis-port-0-no-tcp"
    ),
    pytest.param(
        "redis.conf",
        "bind 0.0.0.0\nprotected-mode no\nuser default off\n",
        [],
        id="redis-default-user-off",
    ),
    pytest.param(
        "redis.conf",
        "bind 0.0.0.0\nprotected-mode no\naclfile /etc/redis/users.acl\n",
        [],
        id="redis-aclfile",
    ),
    pytest.param(
        "redis.conf",
        "bind 0.0.0.0\nprotected-mode no\nbind 127.0.0.1\n",
        [],
        id="redis-last-bind-wins",
    ),
    pytest.param("redis.conf", "port 6379\n", [], id="redis-defaults"),
    # --- PostgreSQL ---
    pytest.param(
        "pg_hba.conf",
        "host all all 0.0.0.0 0.0.0.0 trust\n",
        [(1, "high")],
        id="pg-address-and-mask",
    ),
    pytest.param("pg_hba.conf", "host all all samenet trust\n", [(1, "medium")], id="pg-samenet"),
    pytest.param(
        "pg_hba.conf", 'host "all" all \\\n  all trust\n', [(1, "high")], id="pg-continued-record"
    ),
    pytest.param(
        "pg_hba.conf", "host all all .example.com trust\n", [(1, "medium")], id="pg-host-name"
    ),
    pytest.param(
        "pg_hba.conf",
        "host all all 127.0.0.1/8 trust\nhost all all ::1/128 trust\n"
        "host all all samehost trust\nlocal all all trust\n",
        [],
        id="pg-local-only",
    ),
    pytest.param("pg_hba.conf", "host all all 0.0.0.0/0 md5\n", [], id="pg-password"),
    # --- MySQL / MariaDB ---
    pytest.param(
        "50-server.cnf",
        "[mariadb]\nskip-grant-tables\n",
        [(2, "high")],
        id="mysql-no-bind-means-all-interfaces",
    ),
    pytest.param(
        "my.cnf",
        "[mysqld]\nbind-address = 0.0.0.0\nskip-networking\nskip-grant-tables\n",
        [],
        id="mysql-skip-networking",
    ),
    pytest.param("my.cnf", "[client]\nskip-grant-tables\n", [], id="mysql-client-section"),
    pytest.param("my.cnf", "[mysqld]\nbind-address = 0.0.0.0\n", [], id="mysql-auth-on"),
    # --- CouchDB ---
    pytest.param(
        "local.ini", "[httpd]\nbind_address = 0.0.0.0\n", [(2, "high")], id="couch-1x-admin-party"
    ),
    pytest.param(
        "local.ini",
        "[chttpd]\nbind_address = ::\n[admins]\nadmin = -pbkdf2-x\n"
        "[couchdb]\ndefault_security = everyone\n",
        [(6, "medium")],
        id="couch-default-security-everyone",
    ),
    pytest.param(
        "local.ini",
        "[chttpd]\nbind_address = 0.0.0.0\n[chttpd_auth]\nrequire_valid_user = true\n",
        [],
        id="couch-require-valid-user",
    ),
    pytest.param("local.ini", "[chttpd]\nbind_address = 127.0.0.1\n", [], id="couch-loopback"),
    pytest.param("local.ini", "[database]\nhost = 0.0.0.0\n", [], id="not-couchdb"),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES)
def test_store_config(files: Files, name: str, text: str, expected: list[tuple[int, str]]) -> None:
    files.add(name, text)
    findings = files.lint()
    assert [(f.line, f.severity.label) for f in findings] == expected
    assert all(f.rule.id == "LH101" and f.path == name and f.fix for f in findings)


def test_mysql_init_file_accounts_without_password(files: Files) -> None:
    files.add("db/my.cnf", "[mysqld]\nbind-address = 0.0.0.0\ninit-file = sql/init.sql\n")
    files.add(
        "db/sql/init.sql",
        "CREATE USER 'a'@'%' IDENTIFIED BY 'pw';\n"
        "CREATE USER 'b'@'%' IDENTIFIED BY '';\n"
        "CREATE USER 'c'@'localhost';\n"
        "CREATE USER\n  'd'@'10.%';\n",
    )
    got = [(f.path, f.line, f.subject) for f in files.lint()]
    assert got == [
        ("db/sql/init.sql", 2, "account 'b'@'%'"),
        ("db/sql/init.sql", 5, "account 'd'@'10.%'"),
    ]


def test_elasticsearch_names_the_setting_that_turns_security_off(files: Files) -> None:
    files.add("elasticsearch.yml", "network.host: 0.0.0.0\n\nxpack.security.enabled: false\n")
    (f,) = files.lint()
    assert "xpack.security.enabled: false (line 3)" in f.why
    assert f.store == "Elasticsearch"
