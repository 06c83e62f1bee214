"""docker-compose ports: short and long syntax, interfaces, ranges, variables, auth evidence."""

from __future__ import annotations

import pytest

from leakhound.lint import catalog
from leakhound.lint.compose import interpolate, parse_short

from .conftest import Files


def _compose(image: str, ports: str, env: str = "") -> str:
    return f"services:\n  s:\n    image: {image}\n{env}    ports:\n{ports}"


@pytest.mark.parametrize(
    ("image", "port", "switches"),
    [
        pytest.param("redis:7", 6379, ("--requirepass", "protected-mode no"), id="redis"),
        pytest.param(
            "postgres:16",
            5432,
            ("POSTGRES_PASSWORD", "POSTGRES_HOST_AUTH_METHOD=trust", "pg_hba.conf"),
            id="postgresql",
        ),
        pytest.param(
            "mysql:8",
            3306,
            ("MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD", "empty root password"),
            id="mysql",
        ),
        pytest.param("mariadb:11", 3306, ("MARIADB_ROOT_PASSWORD",), id="mariadb"),
        pytest.param("mongo:7", 27017, ("--auth", "MONGO_INITDB_ROOT_USERNAME"), id="mongodb"),
        pytest.param("couchdb:2.3", 5984, ("COUCHDB_USER", "admin party"), id="couchdb"),
        pytest.param(
            "elasticsearch:7.17.10", 9200, ("xpack.security.enabled=true",), id="elasticsearch"
        ),
        pytest.param(
            "opensearchproject/opensearch:2",
            9200,
            ("DISABLE_SECURITY_PLUGIN",),
            id="opensearch",
        ),
    ],
)
def test_the_fix_names_the_stores_own_port_and_switch(
    files: Files, image: str, port: int, switches: tuple[str, ...]
) -> None:
    files.add("docker-compose.yml", _compose(image, f'      - "{port}:{port}"\n'))
    (f,) = files.lint()
    assert f"'127.0.0.1:{port}:{port}'" in f.fix
    for switch in switches:
        assert switch in f.fix
    if port != 9200:
        assert "9200" not in f.fix
    assert "keep security on" not in f.fix  # a 7.x image has it off: there is nothing to keep


def test_the_redis_fix_does_not_ask_to_keep_a_protected_mode_its_image_turns_off(
    files: Files,
) -> None:
    # The finding's evidence says the official image runs with protected-mode no: its fix
    # cannot tell the reader to "keep" it on; the password is what guards the store.
    files.add("docker-compose.yml", _compose("redis:7", '      - "6379:6379"\n'))
    (f,) = files.lint()
    assert "protected-mode no" in f.message
    assert "keep protected-mode yes" not in f.fix and "--requirepass" in f.fix


def test_a_bitnami_store_open_by_allow_empty_password_is_told_to_drop_it(files: Files) -> None:
    env = "    environment:\n      - ALLOW_EMPTY_PASSWORD=yes\n      - REDIS_PASSWORD=s3cret\n"
    files.add("docker-compose.yml", _compose("bitnami/redis:7.2", '      - "6379:6379"\n', env))
    (f,) = files.lint()
    assert "ALLOW_EMPTY_PASSWORD=yes" in f.message
    assert "drop ALLOW_EMPTY_PASSWORD=yes" in f.fix


@pytest.mark.parametrize(
    "ports",
    [
        pytest.param('      - "6380:6379"\n', id="short"),
        pytest.param('      - "0.0.0.0:6380:6379/tcp"\n', id="short-with-address"),
        pytest.param("      - target: 6379\n        published: 6380\n", id="long"),
    ],
)
def test_the_fix_keeps_the_host_port_the_store_was_published_on(files: Files, ports: str) -> None:
    # Its clients reach it on 6380: loopback on 6379 would move it, not only hide it.
    files.add("docker-compose.yml", _compose("redis:7", ports))
    (f,) = files.lint()
    assert "'127.0.0.1:6380:6379'" in f.fix


def test_every_store_in_the_catalog_says_its_own_way_to_turn_authentication_on() -> None:
    generic = catalog.Store("x", "X", (1,), "x").secure
    assert [s.key for s in catalog.STORES if s.secure == generic] == []


def test_the_fix_for_a_store_known_by_its_port_alone_names_that_port(files: Files) -> None:
    files.add("docker-compose.yml", _compose("myorg/cache:1", '      - "6379:6379"\n'))
    (f,) = files.lint()
    assert "'127.0.0.1:6379:6379'" in f.fix and "requirepass" in f.fix


def test_the_fix_for_network_mode_host_names_the_stores_port(files: Files) -> None:
    files.add("compose.yml", "services:\n  db:\n    image: postgres:16\n    network_mode: host\n")
    (f,) = files.lint()
    assert f.fix.startswith("Drop network_mode: host; publish on loopback ('127.0.0.1:5432:5432')")
    assert "POSTGRES_PASSWORD" in f.fix


@pytest.mark.parametrize(
    ("image", "ports", "env", "expected"),
    [
        pytest.param("redis:7", '      - "6379:6379"\n', "", [(5, "high")], id="short"),
        pytest.param(
            "redis:7",
            '      - "0.0.0.0:16379:6379"\n',
            "",
            [(5, "high")],
            id="explicit-any-and-other-host-port",
        ),
        pytest.param("redis:7", '      - "127.0.0.1:6379:6379"\n', "", [], id="loopback"),
        pytest.param("redis:7", '      - "[::1]:6379:6379"\n', "", [], id="ipv6-loopback"),
        pytest.param(
            "redis:7", '      - "127.0.0.1::6379"\n', "", [], id="loopback-ephemeral-host-port"
        ),
        pytest.param(
            "redis:7", '      - "10.0.0.4:6379:6379"\n', "", [(5, "medium")], id="private-address"
        ),
        pytest.param("redis:7", '      - "6379:6379/udp"\n', "", [], id="udp"),
        pytest.param("redis:7", "      - 6379\n", "", [(5, "high")], id="container-port-only"),
        pytest.param(
            "elasticsearch:7.17.10",
            '      - "9200-9300:9200-9300"\n',
            "",
            [(5, "high")],
            id="range-es7-security-off-by-default",
        ),
        pytest.param(
            "elasticsearch:8.13.0",
            '      - "9200:9200"\n',
            "",
            [(5, "low")],
            id="es8-security-on-by-default",
        ),
        pytest.param(
            "redis:7",
            "      - target: 6379\n        published: 6379\n",
            "",
            [(5, "high")],
            id="long-syntax",
        ),
        pytest.param(
            "redis:7",
            "      - target: 6379\n        host_ip: 127.0.0.1\n",
            "",
            [],
            id="long-syntax-loopback",
        ),
        pytest.param(
            "redis:7",
            '      - "6379:6379"\n',
            "    command: redis-server --requirepass s3cret\n",
            [(6, "low")],
            id="redis-with-password",
        ),
        pytest.param(
            "postgres:16",
            '      - "5432:5432"\n',
            "    environment:\n      - POSTGRES_HOST_AUTH_METHOD=trust\n",
            [(7, "high")],
            id="postgres-trust",
        ),
        pytest.param(
            "postgres:16", '      - "5432:5432"\n', "", [(5, "medium")], id="postgres-auth-unknown"
        ),
        pytest.param(
            "myorg/api:1",
            '      - "5432:5432"\n',
            "",
            [(5, "medium")],
            id="unknown-image-on-a-store-port",
        ),
        pytest.param("nginx:1", '      - "80:80"\n', "", [], id="web-server"),
        pytest.param(
            "redis:7",
            '      - "${BIND:-127.0.0.1}:6379:6379"\n',
            "",
            [],
            id="variable-default-loopback",
        ),
        pytest.param(
            "redis:7",
            '      - "${BIND}:6379:6379"\n',
            "",
            [(5, "high")],
            id="unset-variable-is-empty-so-all-interfaces",
        ),
    ],
)
def test_published_store_ports(
    files: Files, image: str, ports: str, env: str, expected: list[tuple[int, str]]
) -> None:
    files.add("docker-compose.yml", _compose(image, ports, env))
    findings = files.lint()
    assert [(f.line, f.severity.label) for f in findings] == expected
    assert all(f.rule.id == "LH110" for f in findings)


def test_the_env_file_beside_the_compose_file_is_read(files: Files) -> None:
    files.add("stack/compose.yaml", _compose("mongo:7", '      - "${MONGO_BIND}:27017:27017"\n'))
    files.add("stack/.env", "# where mongo listens\nMONGO_BIND=127.0.0.1\n")
    assert files.lint() == []
    files.add("stack/.env", "MONGO_BIND='0.0.0.0'\n")
    assert [(f.path, f.line) for f in files.lint()] == [("stack/compose.yaml", 5)]


def test_an_unset_variable_lowers_confidence_and_says_so(files: Files) -> None:
    files.add("compose.yml", _compose("mongo:7", '      - "${MONGO_BIND}:27017:27017"\n'))
    (f,) = files.lint()
    assert f.confidence.value == "low"
    assert "MONGO_BIND not set" in f.why


def test_a_compose_file_is_recognised_by_content_too(files: Files) -> None:
    files.add("deploy/stack.yml", _compose("redis:7", '      - "6379:6379"\n'))
    assert [(f.path, f.line) for f in files.lint()] == [("deploy/stack.yml", 5)]


def test_network_mode_host_exposes_the_store(files: Files) -> None:
    files.add("compose.yml", "services:\n  db:\n    image: redis:7\n    network_mode: host\n")
    assert [(f.line, f.severity.label) for f in files.lint()] == [(4, "high")]


@pytest.mark.parametrize(
    ("item", "parsed"),
    [
        ("9200", ("", [9200], "tcp")),
        ("9200:9200", ("", [9200], "tcp")),
        ("127.0.0.1:9200:9200", ("127.0.0.1", [9200], "tcp")),
        ("[::1]:9200:9200", ("::1", [9200], "tcp")),
        ("::1:9200:9200", ("::1", [9200], "tcp")),
        ("9200-9201:9200-9201/udp", ("", [9200, 9201], "udp")),
        ("http", None),
    ],
)
def test_short_syntax(item: str, parsed: tuple[str, list[int], str] | None) -> None:
    assert parse_short(item) == parsed


def test_interpolation_follows_compose() -> None:
    env = {"A": "x", "E": ""}
    assert interpolate("${A}-${B:-d}-${E:-d}-${E-d}-$$A-$A", env) == ("x-d-d--$A-x", [])
    assert interpolate("${MISSING}", {}) == ("", ["MISSING"])


def test_env_file_entries_are_read_for_auth_evidence(files: Files) -> None:
    files.add(
        "app/compose.yml",
        "services:\n  db:\n    image: postgres:16\n    env_file:\n"
        "      - db.env\n      - path: missing.env\n        required: false\n"
        '    ports:\n      - "5432:5432"\n',
    )
    files.add("app/db.env", "POSTGRES_HOST_AUTH_METHOD=trust\n")
    (f,) = files.lint()
    assert (f.line, f.severity.label) == (9, "high")
    assert "POSTGRES_HOST_AUTH_METHOD=trust" in f.why


def test_an_env_file_that_is_a_fifo_is_not_waited_on(files: Files) -> None:
    # env_file entries were read with read_text: a FIFO among them hung lint (no writer comes).
    import os

    files.add(
        "app/compose.yml",
        "services:\n  db:\n    image: postgres:16\n    env_file:\n"
        "      - pipe.env\n      - db.env\n"
        '    ports:\n      - "5432:5432"\n',
    )
    os.mkfifo(files.root / "app" / "pipe.env")
    files.add("app/db.env", "POSTGRES_HOST_AUTH_METHOD=trust\n")
    (f,) = files.lint()
    assert (f.line, f.severity.label) == (8, "high")
    assert "POSTGRES_HOST_AUTH_METHOD=trust" in f.why
