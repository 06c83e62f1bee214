"""Parsing of target specifications."""

from __future__ import annotations

from pathlib import Path

import pytest

from leakhound.errors import ScopeError, TargetError, UsageError
from leakhound.models import Endpoint, Target
from leakhound.probes.registry import DEFAULT
from leakhound.targets import Kinds, endpoints, load_scope, parse_one, parse_targets, targets

PORTS = (9200, 9243)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            "127.0.0.1",
            [("127.0.0.1", 9200, None), ("127.0.0.1", 9243, None)],
            id="ipv4-default-ports",
        ),
        pytest.param("127.0.0.1:9201", [("127.0.0.1", 9201, None)], id="ipv4-port"),
        pytest.param(
            "LocalHost",
            [("localhost", 9200, None), ("localhost", 9243, None)],
            id="name-lowercased",
        ),
        pytest.param(
            "db-1.internal_zone.example:80",
            [("db-1.internal_zone.example", 80, None)],
            id="name-with-underscore",
        ),
        pytest.param("::1", [("::1", 9200, None), ("::1", 9243, None)], id="bare-ipv6"),
        pytest.param("[::1]:9300", [("::1", 9300, None)], id="bracketed-ipv6-port"),
        pytest.param(
            "[0:0::1]", [("::1", 9200, None), ("::1", 9243, None)], id="bracketed-ipv6-canonical"
        ),
        pytest.param("http://127.0.0.1:9200/", [("127.0.0.1", 9200, "http")], id="url-http"),
        pytest.param("https://127.0.0.1", [("127.0.0.1", 443, "https")], id="url-https-443"),
        pytest.param("HTTPS://[::1]:9243", [("::1", 9243, "https")], id="url-ipv6"),
        pytest.param("http://localhost", [("localhost", 80, "http")], id="url-http-80"),
    ],
)
def test_targets_parse_to_endpoints(spec: str, expected: list[tuple[str, int, str | None]]) -> None:
    got = [(e.host, e.port, e.scheme) for e in parse_one(spec, PORTS).endpoints]
    assert got == expected


def test_url_path_is_kept_as_prefix() -> None:
    (ep,) = parse_one("http://127.0.0.1:8080/es/", PORTS).endpoints
    assert ep.base_path == "/es"
    assert ep.url() == "http://127.0.0.1:8080/es"


def test_cidr_expands_to_hosts_and_default_ports() -> None:
    eps = parse_one("127.0.0.0/28", PORTS).endpoints
    hosts = {e.host for e in eps}
    assert len(hosts) == 14  # network and broadcast left out
    assert "127.0.0.1" in hosts and "127.0.0.14" in hosts and "127.0.0.0" not in hosts
    assert len(eps) == 28


def test_small_cidrs_keep_every_address() -> None:
    assert [e.host for e in parse_one("127.0.0.8/31", (9200,)).endpoints] == [
        "127.0.0.8",
        "127.0.0.9",
    ]
    assert [e.host for e in parse_one("::1/128", (9200,)).endpoints] == ["::1"]


def test_large_cidr_needs_confirmation() -> None:
    with pytest.raises(ScopeError, match="--yes"):
        parse_one("10.0.0.0/8", PORTS)
    assert len(parse_one("127.0.0.0/20", (9200,), yes=True).endpoints) == 4094


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("", id="empty"),
        pytest.param("127.0.0.1:0", id="port-zero"),
        pytest.param("127.0.0.1:70000", id="port-too-big"),
        pytest.param("ftp://127.0.0.1", id="other-scheme"),
        pytest.param("http://user:pw@127.0.0.1:9200", id="credentials-in-url"),
        pytest.param("http://127.0.0.1:9200/?q=1", id="query"),
        pytest.param("127.0.0.0/33", id="bad-prefix"),
        pytest.param("::1:9200:zz", id="bad-ipv6"),
        pytest.param("[127.0.0.1]:9200", id="brackets-around-ipv4"),
        pytest.param("host name", id="space"),
        pytest.param("bad\x1b[31mhost", id="escape-sequence"),
        pytest.param("1.2.3", id="numeric-not-ip"),
        pytest.param("a:b:c", id="colons"),
    ],
)
def test_bad_targets_are_refused_with_one_line(spec: str) -> None:
    with pytest.raises(TargetError) as info:
        parse_one(spec, PORTS)
    assert "\n" not in str(info.value)


def test_target_file_with_comments(tmp_path: Path) -> None:
    f = tmp_path / "targets.txt"
    f.write_text("# lab\n127.0.0.1:9200\n\n[::1]:9201  # v6\nhttp://localhost:8080\n")
    eps = endpoints(parse_targets([f"@{f}"], PORTS))
    assert eps == [
        Endpoint("127.0.0.1", 9200),
        Endpoint("::1", 9201),
        Endpoint("localhost", 8080, "http"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("127.0.0.1:9200\n", id="list"),
        pytest.param(
            '<?xml version="1.0"?><nmaprun><host><address addr="127.0.0.1" addrtype="ipv4"/>'
            '<ports><port protocol="tcp" portid="9200"><state state="open"/></port></ports>'
            "</host></nmaprun>",
            id="nmap-xml",
        ),
        pytest.param(
            '[{"ip": "127.0.0.1", "ports": [{"port": 9200, "status": "open"}]}]', id="masscan"
        ),
    ],
)
def test_a_target_file_beginning_with_a_byte_order_mark_is_read(tmp_path: Path, text: str) -> None:
    """A list saved by Notepad or PowerShell 5 starts with a UTF-8 byte-order mark: it is no
    part of the first target (nor hides an nmap or masscan export)."""
    f = tmp_path / "targets.txt"
    f.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert endpoints(parse_targets([f"@{f}"], PORTS)) == [Endpoint("127.0.0.1", 9200)]


def test_target_file_error_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "targets.txt"
    f.write_text("127.0.0.1\nnot a host\n")
    with pytest.raises(TargetError, match="line 2"):
        parse_targets([f"@{f}"], PORTS)


def test_missing_target_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="cannot read"):
        parse_targets([f"@{tmp_path / 'nope.txt'}"], PORTS)


def test_duplicates_are_scanned_once() -> None:
    eps = endpoints(parse_targets(["127.0.0.1:9200", "127.0.0.1", "http://127.0.0.1:9200"], PORTS))
    assert eps == [Endpoint("127.0.0.1", 9200), Endpoint("127.0.0.1", 9243)]


def test_one_port_under_two_schemes_is_one_target_trying_both_kinds() -> None:
    # Two targets of one host:port would be scanned at once and recorded under one key: the
    # later verdict (mongodb: a timeout) replaced the open Redis store's.
    specs = parse_targets(
        ["redis://127.0.0.1:41433", "mongodb://127.0.0.1:41433", "http://127.0.0.1:41433"],
        Kinds(
            ((6379, "redis"), (27017, "mongodb"), (9200, "elasticsearch")),
            {"redis": ("redis",), "mongodb": ("mongodb",), "http": ("elasticsearch",)},
        ),
    )
    assert targets(specs) == [
        Target(Endpoint("127.0.0.1", 41433), ("redis", "mongodb", "elasticsearch"))
    ]


def test_masscan_export(tmp_path: Path) -> None:
    f = tmp_path / "masscan.json"
    f.write_text(
        '[\n{"ip": "127.0.0.5", "timestamp": "1", "ports": [{"port": 9200, '
        '"proto": "tcp", "status": "open"}]},\n{"ip": "127.0.0.6", "ports": '
        '[{"port": 9243, "proto": "tcp", "status": "open"}]}\n]\n'
    )
    assert endpoints(parse_targets([f"@{f}"], PORTS)) == [
        Endpoint("127.0.0.5", 9200),
        Endpoint("127.0.0.6", 9243),
    ]


def test_nmap_xml_export_open_ports_only(tmp_path: Path) -> None:
    f = tmp_path / "nmap.xml"
    f.write_text("""<?xml version="1.0"?><nmaprun><host><address addr="127.0.0.7" addrtype="ipv4"/>
      <ports><port protocol="tcp" portid="9200"><state state="open"/></port>
      <port protocol="tcp" portid="9300"><state state="closed"/></port></ports></host></nmaprun>""")
    assert endpoints(parse_targets([f"@{f}"], PORTS)) == [Endpoint("127.0.0.7", 9200)]


@pytest.mark.parametrize(
    ("ip", "port", "reason"),
    [
        pytest.param("not an ip!", 5432, "not a host name or IP address: 'not an ip!'", id="host"),
        pytest.param("127.0.0.2", 99999, "port out of range: 99999", id="port"),
    ],
)
def test_a_bad_masscan_record_is_named_not_the_file(
    tmp_path: Path, ip: str, port: int, reason: str
) -> None:
    f = tmp_path / "masscan.json"
    f.write_text(
        '[\n{"ip": "127.0.0.2", "ports": [{"port": 6379, "status": "open"}]},\n'
        f'{{"ip": "{ip}", "ports": [{{"port": {port}, "status": "open"}}]}}\n]\n'
    )
    with pytest.raises(TargetError) as caught:
        parse_targets([f"@{f}"], PORTS)
    assert str(caught.value) == f"@{f} record 2: {reason}"


def test_a_bad_nmap_port_is_named_not_the_file(tmp_path: Path) -> None:
    f = tmp_path / "nmap.xml"
    f.write_text("""<?xml version="1.0"?><nmaprun><host><address addr="127.0.0.7" addrtype="ipv4"/>
      <ports><port protocol="tcp" portid="x"><state state="open"/></port></ports>
      </host></nmaprun>""")
    with pytest.raises(TargetError) as caught:
        parse_targets([f"@{f}"], PORTS)
    assert str(caught.value) == f"@{f} host 127.0.0.7: bad port: 'x'"


def test_nmap_xml_with_entities_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "bomb.xml"
    f.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><nmaprun>&a;</nmaprun>')
    with pytest.raises(TargetError, match="refused"):
        parse_targets([f"@{f}"], PORTS)


def test_scope_file(tmp_path: Path) -> None:
    f = tmp_path / "scope.txt"
    f.write_text("127.0.0.0/8  # loopback\n::1\n")
    assert [str(n) for n in load_scope(str(f))] == ["127.0.0.0/8", "::1/128"]


def test_public_range_needs_confirmation_but_a_public_host_does_not() -> None:
    with pytest.raises(ScopeError, match="public range"):
        parse_one("8.8.8.0/30", PORTS)
    assert len(parse_one("8.8.8.0/30", (9200,), yes=True).endpoints) == 2
    assert parse_one("8.8.8.8", (9200,)).endpoints == (Endpoint("8.8.8.8", 9200),)
    assert len(parse_one("10.0.0.0/30", (9200,)).endpoints) == 2  # private: no confirmation


def test_scope_refuses_what_lies_outside(tmp_path: Path) -> None:
    from leakhound.targets import check_scope

    f = tmp_path / "scope.txt"
    f.write_text("127.0.0.0/24\n")
    scope = load_scope(str(f))
    check_scope([Endpoint("127.0.0.5", 9200), Endpoint("localhost", 9200)], scope)
    with pytest.raises(ScopeError, match="outside the authorised scope"):
        check_scope([Endpoint("127.0.1.5", 9200)], scope)
    with pytest.raises(ScopeError, match="outside"):
        check_scope([Endpoint("::1", 9200)], scope)


def test_two_paths_of_one_http_host_port_are_two_stores() -> None:
    # Two stores behind one reverse proxy: each its own result, keyed apart.
    got = targets(
        parse_targets(["http://10.0.0.5:8080/es-eu", "http://10.0.0.5:8080/es-us"], PORTS)
    )
    assert [t.endpoint.key for t in got] == ["10.0.0.5:8080/es-eu", "10.0.0.5:8080/es-us"]
    assert [t.endpoint.url() for t in got] == [
        "http://10.0.0.5:8080/es-eu",
        "http://10.0.0.5:8080/es-us",
    ]


def test_a_bare_host_port_and_a_path_behind_it_are_two_stores() -> None:
    got = targets(parse_targets(["10.0.0.5:9200", "http://10.0.0.5:9200/es"], PORTS))
    assert [t.endpoint.key for t in got] == ["10.0.0.5:9200", "10.0.0.5:9200/es"]


def test_database_paths_of_one_server_are_one_target() -> None:
    # postgresql://h/db1 and /db2 name what to log in to on one server: scanned as two, the
    # second result replaced the first under one key. The first path named is kept.
    kinds = Kinds(((5432, "postgresql"),), {"postgresql": ("postgresql",)})
    got = targets(
        parse_targets(
            ["postgresql://reader@10.0.0.7:5432/db1", "postgresql://10.0.0.7:5432/db2"], kinds
        )
    )
    assert got == [
        Target(Endpoint("10.0.0.7", 5432, "postgresql", "/db1", "reader"), ("postgresql",))
    ]
    assert got[0].endpoint.key == "10.0.0.7:5432"


def test_database_schemes_with_paths_apart_keep_no_path() -> None:
    kinds = Kinds(
        ((6379, "redis"), (27017, "mongodb")), {"redis": ("redis",), "mongodb": ("mongodb",)}
    )
    got = targets(
        parse_targets(["redis://10.0.0.7:7000/0", "mongodb://10.0.0.7:7000/admin"], kinds)
    )
    assert got == [Target(Endpoint("10.0.0.7", 7000), ("redis", "mongodb"))]
    # The same path under two database schemes: still one target, keyed by host:port alone.
    got = targets(parse_targets(["redis://10.0.0.7:7000/0", "mongodb://10.0.0.7:7000/0"], kinds))
    assert [t.endpoint.key for t in got] == ["10.0.0.7:7000"]


def test_a_bare_host_port_keeps_the_database_urls_path() -> None:
    """A range and a PostgreSQL URL inside it: one target, logged in to the URL's database
    whichever came first; postgres:// and postgresql:// are one scheme."""
    kinds = Kinds(
        ((5432, "postgresql"),), {"postgresql": ("postgresql",), "postgres": ("postgresql",)}
    )
    for specs in (
        ["10.0.0.0/30", "postgresql://reader@10.0.0.1/db1"],
        ["postgresql://reader@10.0.0.1/db1", "10.0.0.1:5432"],
        ["postgres://reader@10.0.0.1/db1", "postgresql://10.0.0.1/db2"],
        # a third target of the port keeps what the first two made of it
        ["10.0.0.1:5432", "postgresql://reader@10.0.0.1/db1", "10.0.0.0/30"],
        ["10.0.0.1:5432", "postgresql://reader@10.0.0.1/db1", "postgresql://10.0.0.1/db2"],
    ):
        got = [t for t in targets(parse_targets(specs, kinds)) if t.endpoint.host == "10.0.0.1"]
        assert len(got) == 1, specs
        (ep,) = [t.endpoint for t in got]
        assert (ep.base_path, ep.user, ep.key) == ("/db1", "reader", "10.0.0.1:5432"), specs


def test_http_and_https_of_one_store_behind_a_path_keep_its_path() -> None:
    got = targets(
        parse_targets(
            ["http://10.0.0.5:8080/es", "https://10.0.0.5:8080/es", "http://10.0.0.5:8080/kb"],
            PORTS,
        )
    )
    assert [(t.endpoint.key, t.endpoint.url()) for t in got] == [
        ("10.0.0.5:8080/es", "http://10.0.0.5:8080/es"),
        ("10.0.0.5:8080/kb", "http://10.0.0.5:8080/kb"),
    ]
    # Both schemes are tried on the store named under both, the first named first.
    assert [t.endpoint.http_schemes for t in got] == [("http", "https"), ("http",)]
    assert [t.endpoint.other_scheme for t in got] == ["https", None]


def test_a_bare_port_takes_no_path_from_a_kind_that_does_not_read_it() -> None:
    """mongodb://h:9200/admin beside 10.0.0.1:9200: the HTTP kinds tried on the bare port
    are not sent to /admin."""
    kinds = Kinds(
        ((9200, "elasticsearch"), (27017, "mongodb")),
        {"mongodb": ("mongodb",), "http": ("elasticsearch",)},
    )
    for specs in (
        ["10.0.0.1:9200", "mongodb://10.0.0.1:9200/admin"],
        ["mongodb://10.0.0.1:9200/admin", "10.0.0.1:9200"],
    ):
        (got,) = targets(parse_targets(specs, kinds))
        assert got.endpoint.base_path == "", specs
        assert got.endpoint.url("http") == "http://10.0.0.1:9200", specs
        assert got.endpoint.url() == "10.0.0.1:9200", specs


def test_a_database_user_is_never_written_into_an_http_url() -> None:
    """mysql://root@h:9200 beside h:9200: the HTTP kinds tried there would send root's
    empty password as Basic credentials; the MySQL probe still logs in as root."""
    kinds = Kinds(
        ((9200, "elasticsearch"), (3306, "mysql")),
        {"mysql": ("mysql",), "http": ("elasticsearch",)},
    )
    (got,) = targets(parse_targets(["10.0.0.1:9200", "mysql://root@10.0.0.1:9200"], kinds))
    assert got.endpoint.user == "root"
    assert got.endpoint.url("http") == "http://10.0.0.1:9200"
    assert got.endpoint.url("https") == "https://10.0.0.1:9200"
    assert got.endpoint.url() == "10.0.0.1:9200"
    assert got.endpoint.url("mysql") == "mysql://root@10.0.0.1:9200"


@pytest.mark.parametrize(
    ("specs", "keys"),
    [
        pytest.param(
            ["[::ffff:127.0.0.1]:9200", "127.0.0.1:9200"], ["127.0.0.1:9200"], id="v4-mapped"
        ),
        pytest.param(
            ["::ffff:127.0.0.1"], ["127.0.0.1:9200", "127.0.0.1:9243"], id="v4-mapped-bare"
        ),
        pytest.param(
            ["HTTP://[::1]:9200/es/", "http://[0::1]:9200/es"], ["[::1]:9200/es"], id="v6-url"
        ),
        pytest.param(
            ["DB.example.com.:9200", "db.example.com:9200"], ["db.example.com:9200"], id="dot"
        ),
        pytest.param(
            ["https://h.example/es", "https://h.example:443/es/"], ["h.example:443/es"], id="443"
        ),
    ],
)
def test_one_host_written_two_ways_is_one_target(specs: list[str], keys: list[str]) -> None:
    assert [t.endpoint.key for t in targets(parse_targets(specs, PORTS))] == keys


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        pytest.param("http://127.0.0.1:0", "port out of range", id="url-port-zero"),
        pytest.param("fe80::1%eth0", "zone ids", id="zone-bare"),
        pytest.param("[fe80::1%eth0]:9200", "zone ids", id="zone-bracketed"),
        pytest.param("http://[fe80::1%25eth0]:9200", "zone ids", id="zone-url"),
        pytest.param("0x7f000001", "form of its own", id="hex-address"),
        pytest.param("0x7f.1:9200", "form of its own", id="short-hex-address"),
    ],
)
def test_odd_targets_are_refused_with_one_clear_line(spec: str, why: str) -> None:
    """Port 0 in a URL was kept; a zone id was taken bare and refused in brackets (and the
    HTTP client reaches none); 0x7f000001 is 127.0.0.1 to the resolver, under another key."""
    with pytest.raises(TargetError, match=why) as info:
        parse_one(spec, PORTS)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("http://reader:s3cr3t@127.0.0.1:9200", id="http"),
        pytest.param("postgresql://reader:s3cr3t@127.0.0.1/db", id="postgresql"),
        pytest.param("redis://:s3cr3t@127.0.0.1", id="redis-no-user"),
        pytest.param("ftp://reader:s3cr3t@127.0.0.1", id="unsupported-scheme"),
        pytest.param("http://reader:s3cr3t@127.0.0.1:99999", id="bad-port"),
        pytest.param("http://reader:s3cr3t@bad host:9200", id="bad-host"),
        pytest.param("http://reader:s3/cr3t@127.0.0.1:9200", id="slash-in-password"),
        pytest.param("http://reader:s3@cr3t@127.0.0.1:9200", id="at-in-password"),
        pytest.param("reader:s3cr3t@127.0.0.1:9200", id="no-scheme"),
        pytest.param("reader:s3cr3t@127.0.0.1", id="no-scheme-no-port"),
        pytest.param("//reader:s3cr3t@127.0.0.1", id="no-scheme-slashes"),
        pytest.param("http:/reader:s3cr3t@127.0.0.1", id="one-slash"),
        pytest.param("http://reader:123#s3cr3t@127.0.0.1:9200", id="hash-after-digits"),
        pytest.param("http://reader:123?s3cr3t@127.0.0.1:9200", id="question-after-digits"),
        pytest.param("http://reader:123/s3cr3t@127.0.0.1:9200", id="slash-after-digits"),
        pytest.param("mongodb://reader:s3?cr3t@h1,h2", id="replica-set"),
        pytest.param("ftp://reader:12?s3cr3t@127.0.0.1", id="unsupported-question"),
        pytest.param("10.0.0.0/reader:s3cr3t@127.0.0.1", id="after-a-range"),
        pytest.param("read er:s3://cr3t@127.0.0.1", id="space-in-user-slashes-in-password"),
    ],
)
def test_a_password_in_a_target_url_is_never_shown(spec: str, tmp_path: Path) -> None:
    """The error for a URL holding a password used to quote the URL whole; so did those of
    a password that an unescaped /, ? or # cuts short (the URL read as another host's, or
    with a query), of a target short of its scheme:// and of a URL of several hosts, and a
    password cut short by an unescaped / after digits was taken as a path. A user part with
    a space before a password holding ``://`` was quoted whole (errors hid a password after
    the ``://``, which no URL parser reads as a password)."""
    with pytest.raises(TargetError) as info:
        parse_one(spec, PORTS)
    messages = [str(info.value)]
    if "#" not in spec:  # in a file, # starts a comment
        f = tmp_path / "targets.txt"
        f.write_text(f"127.0.0.1\n{spec}\n")
        with pytest.raises(TargetError) as in_file:
            parse_targets([f"@{f}"], PORTS)
        messages.append(str(in_file.value))
    for message in messages:
        assert "cr3t" not in message and "s3/" not in message, message
        assert "\n" not in message


def test_masscan_udp_ports_are_no_targets(tmp_path: Path) -> None:
    """masscan -sU lists UDP ports beside TCP ones: they were scanned as TCP."""
    f = tmp_path / "masscan.json"
    f.write_text(
        '[\n{"ip": "::1", "ports": [{"port": 9200, "proto": "tcp", "status": "open"}]},\n'
        '{"ip": "127.0.0.5", "ports": [{"port": 11211, "proto": "udp", "status": "open"}]}\n]\n'
    )
    specs = parse_targets([f"@{f}"], PORTS)
    assert [(s.text, s.endpoints) for s in specs] == [("[::1]:9200", (Endpoint("::1", 9200),))]


def test_http_and_https_of_one_port_are_tried_in_the_order_named() -> None:
    """https:// named first is tried first (Elasticsearch 8 serves https): merged, the two
    were a scheme-less endpoint, tried http first. A kind of its own beside them (a bare
    port) leaves the schemes to the kinds again."""
    got = targets(parse_targets(["https://10.0.0.5:9200", "http://10.0.0.5:9200"], PORTS))
    assert got[0].endpoint.url() == "https://10.0.0.5:9200"
    assert [t.endpoint.http_schemes for t in got] == [("https", "http")]
    specs = ["https://10.0.0.5:9200", "http://10.0.0.5:9200", "10.0.0.5:9200"]
    (bare,) = targets(parse_targets(specs, PORTS))
    assert (bare.endpoint.scheme, bare.endpoint.other_scheme) == (None, None)


@pytest.mark.parametrize(
    ("spec", "same_as"),
    [
        pytest.param("127.0.0.1:9200/", "127.0.0.1:9200", id="host-port-slash"),
        pytest.param("[::1]:9200//", "[::1]:9200", id="ipv6-port-slashes"),
        pytest.param("db.example.com/", "db.example.com", id="host-slash"),
        pytest.param("[::1]/128", "::1/128", id="bracketed-range"),
        pytest.param("redis:6379/", "redis:6379", id="host-named-like-a-scheme"),
    ],
)
def test_a_trailing_slash_or_brackets_name_the_same_targets(spec: str, same_as: str) -> None:
    """127.0.0.1:9200/ was read as a CIDR range ("bad CIDR range"), and so was [::1]/127."""
    assert parse_one(spec, PORTS).targets == parse_one(same_as, PORTS).targets


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        pytest.param("127.0.0.1:9200/es", "a path needs a URL", id="path-without-scheme"),
        pytest.param("http:127.0.0.1:9200", "needs // after its scheme", id="no-slashes"),
        pytest.param("http:/127.0.0.1", "needs // after its scheme", id="one-slash"),
        pytest.param("//127.0.0.1:9200", "needs a scheme", id="no-scheme"),
        pytest.param("mongodb://h1:27017,h2:27017/db", "names one host", id="replica-set"),
        pytest.param("fe80::1%eth0/126", "zone ids", id="zone-in-range"),
    ],
)
def test_targets_that_cannot_be_meant_as_written_say_why(spec: str, why: str) -> None:
    """Each used to say "bad CIDR range", "not an IPv6 address" or "Port could not be
    cast"; a zone id in a range reached every address."""
    schemes = {"http": ("elasticsearch",), "https": ("elasticsearch",), "mongodb": ("mongodb",)}
    kinds = Kinds(((9200, "elasticsearch"), (27017, "mongodb")), schemes)
    with pytest.raises(UsageError, match=why) as info:
        parse_one(spec, kinds, yes=True)
    assert "\n" not in str(info.value)


def test_a_range_too_large_to_list_is_refused_even_with_yes() -> None:
    """Every address becomes a target before the first is scanned: an IPv6 /64 under
    --yes never finished parsing."""
    for yes in (False, True):
        with pytest.raises(ScopeError, match="more than can be scanned"):
            parse_one("fd00::/64", PORTS, yes=yes)


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("postgresql://app:Pw-9f3k@127.0.0.1:5432/db", id="url"),
        pytest.param("http://app:Pw-9f3k@127.0.0.1:9200", id="http"),
        pytest.param("redis://:Pw-9f3k@127.0.0.1:6379", id="password-alone"),
        pytest.param("postgresql://app:Pw-9f3k@127.0.0.1:99999/db", id="bad-port"),
        pytest.param("postgresql://app:Pw/9f3k@127.0.0.1/db", id="slash-in-password"),
        pytest.param("ftp://app:Pw-9f3k@127.0.0.1:21", id="other-scheme"),
        pytest.param("mongodb://app:Pw-9f3k@[::1", id="broken-v6"),
        pytest.param("app:Pw-9f3k@127.0.0.1:5432", id="no-scheme"),
        pytest.param("postgresql://app:Pw-9f3k@127.0.0.1/db?sslmode=require", id="query"),
    ],
)
def test_a_password_in_a_target_is_refused_without_being_echoed(spec: str) -> None:
    kinds = DEFAULT.target_kinds()
    with pytest.raises(TargetError) as info:
        parse_one(spec, kinds)
    assert "credentials" in str(info.value)
    assert "Pw" not in str(info.value) and "9f3k" not in str(info.value)
    assert "Pw" not in repr(info.value.__cause__) and "9f3k" not in repr(info.value.__context__)


def test_a_password_in_a_target_file_is_not_echoed_with_its_line(tmp_path: Path) -> None:
    f = tmp_path / "targets.txt"
    f.write_text("127.0.0.1:9200\nmysql://app:Pw-9f3k@127.0.0.1:3306\n")
    with pytest.raises(TargetError, match="line 2") as info:
        parse_targets([f"@{f}"], DEFAULT.target_kinds())
    assert "9f3k" not in str(info.value)


def test_a_range_of_ipv4_addresses_mapped_into_ipv6_names_them_as_ipv4() -> None:
    """[::ffff:10.0.0.5]:9200 is 10.0.0.5:9200, but a range of such addresses was keyed as
    IPv6 ([::ffff:a00:5]:9200): one store named by both was scanned and kept twice."""
    specs = ["[::ffff:10.0.0.5]:9200", "::ffff:10.0.0.4/126", "10.0.0.6:9200"]
    keys = [t.endpoint.key for t in targets(parse_targets(specs, PORTS))]
    assert keys == ["10.0.0.5:9200", "10.0.0.5:9243", "10.0.0.6:9200", "10.0.0.6:9243"]


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("postgresql://app:12#Pw-9f3k@127.0.0.1/db", id="digits-then-hash"),
        pytest.param("postgresql://app:99?Pw-9f3k@127.0.0.1/db", id="digits-then-question"),
        pytest.param("app:12#Pw-9f3k@127.0.0.1", id="no-scheme-digits-then-hash"),
        pytest.param("app:5432/Pw-9f3k@127.0.0.1", id="no-scheme-digits-then-slash"),
        pytest.param("postgresql://127.0.0.1:5432/db?user=app&password=Pw-9f3k", id="libpq-query"),
        pytest.param("mongodb://127.0.0.1:27017/#Pw-9f3k", id="fragment"),
    ],
)
def test_a_password_a_url_parser_reads_elsewhere_is_not_echoed_either(spec: str) -> None:
    # Where a password begins with digits and holds '#', '?' or '/', a URL parser takes the
    # digits for a port and the rest for a query or a fragment; libpq takes ?password=.
    # The target is refused either way: its error line must not quote the password.
    with pytest.raises(TargetError) as info:
        parse_one(spec, DEFAULT.target_kinds())
    assert "Pw" not in str(info.value) and "9f3k" not in str(info.value), str(info.value)


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("postgresql://app:5432/Pw-9f3k@127.0.0.1/db", id="postgresql"),
        pytest.param("mysql://app:2019/Pw-9f3k@127.0.0.1:3306", id="mysql"),
        pytest.param("mongodb://app:27017/Pw-9f3k@127.0.0.1:27017/admin", id="mongodb"),
    ],
)
def test_a_password_of_digits_and_a_slash_never_becomes_a_database_path(spec: str) -> None:
    # A URL parser reads app:5432/Pw-9f3k@host as the host "app", port 5432 and the path
    # "/Pw-9f3k@host": the password would travel into the endpoint's URL, the store and
    # every report. A database's path holds no '@': such a target is refused unquoted.
    with pytest.raises(TargetError) as info:
        parse_one(spec, DEFAULT.target_kinds())
    assert "Pw" not in str(info.value) and "9f3k" not in str(info.value), str(info.value)
    assert "credentials" in str(info.value)
