"""The CouchDB allow-list: the reads the probe sends, and no write, no admin API, no other
database name shape."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from leakhound.probes.couchdb import ALLOW


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/", id="welcome"),
        pytest.param("HEAD", "/", id="welcome-head"),
        pytest.param("GET", "/_all_dbs", id="list-databases"),
        pytest.param("GET", "/_session", id="anonymous-session"),
        pytest.param("POST", "/_dbs_info", id="databases-information"),
        pytest.param("GET", "/support-cases-2019", id="database-information"),
        pytest.param("GET", "/support-cases-2019/_all_docs", id="all-docs"),
        pytest.param("GET", "/_users/_all_docs", id="system-database"),
        pytest.param("GET", "/_replicator", id="system-database-information"),
        pytest.param("GET", "/couch/_all_dbs", id="behind-a-proxy-path"),
        pytest.param("GET", "/couch/db-1/_all_docs", id="database-behind-a-proxy-path"),
        pytest.param(
            "GET",
            "/" + quote("a/b$c(d)+e", safe="") + "/_all_docs",
            id="every-character-a-name-may-hold",
        ),
    ],
)
def test_reads_the_probe_sends_are_allowed(method: str, path: str) -> None:
    assert ALLOW.allows(method, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/_config", id="config"),
        pytest.param("GET", "/_node/_local/_config", id="node-config"),
        pytest.param("GET", "/_config/admins", id="admins"),
        pytest.param("POST", "/_replicate", id="replicate"),
        pytest.param("GET", "/_replicate", id="replicate-get"),
        pytest.param("POST", "/_restart", id="restart"),
        pytest.param("GET", "/_utils/", id="fauxton"),
        pytest.param("GET", "/_active_tasks", id="active-tasks"),
        pytest.param("GET", "/_membership", id="membership"),
        pytest.param("PUT", "/db", id="create-database"),
        pytest.param("DELETE", "/db", id="delete-database"),
        pytest.param("POST", "/db", id="create-document"),
        pytest.param("PUT", "/db/doc", id="write-document"),
        pytest.param("DELETE", "/db/doc", id="delete-document"),
        pytest.param("POST", "/db/_bulk_docs", id="bulk-docs"),
        pytest.param("POST", "/db/_all_docs", id="all-docs-by-post"),
        pytest.param("POST", "/db/_find", id="mango-find"),
        pytest.param("PUT", "/db/_security", id="write-security"),
        pytest.param("GET", "/db/_security", id="read-security"),
        pytest.param("POST", "/db/_compact", id="compact"),
        pytest.param("GET", "/db/_design/app/_view/all", id="run-a-view"),
        pytest.param("GET", "/db/_changes", id="changes-feed"),
        pytest.param("POST", "/couch/_dbs_info", id="dbs-info-under-a-prefix"),
        pytest.param("POST", "/_dbs_info/x", id="dbs-info-longer"),
        pytest.param("GET", "/Db/_all_docs", id="upper-case-name"),
        pytest.param("GET", "/1db/_all_docs", id="name-starting-with-a-digit"),
        pytest.param("GET", "/../_config", id="dot-dot"),
        pytest.param("GET", "/db%2F..%2F_config/_all_docs", id="encoded-dot-dot"),
        pytest.param("GET", "/_global_changes_x/_all_docs", id="system-name-prefix"),
    ],
)
def test_writes_and_admin_apis_are_refused(method: str, path: str) -> None:
    assert not ALLOW.allows(method, path)
