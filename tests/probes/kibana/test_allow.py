"""The Kibana allow-list: the status page, and the console proxy only with method=GET and a
path on the Elasticsearch allow-list, judged on the query string as sent."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from leakhound.probes.kibana import ALLOW


def proxy(path: str, method: str = "GET") -> str:
    return urlencode({"path": path, "method": method})


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        pytest.param("GET", "/api/status", "", id="status"),
        pytest.param("GET", "/kibana/api/status", "", id="status-under-base-path"),
        pytest.param("POST", "/api/console/proxy", proxy("/"), id="cluster-root"),
        pytest.param(
            "POST",
            "/api/console/proxy",
            proxy("/_cat/indices?pretty=true&format=json&h=index"),
            id="list-indices",
        ),
        pytest.param(
            "POST", "/api/console/proxy", proxy("/_search?pretty=true&size=0"), id="search"
        ),
        pytest.param("POST", "/api/console/proxy", proxy("/cases/_count"), id="count"),
        pytest.param("POST", "/api/console/proxy", proxy("/cases/_mapping"), id="mapping"),
        pytest.param(
            "POST",
            "/api/console/proxy",
            proxy("/cases/_search?pretty=true&scroll=2m"),
            id="open-a-scroll",
        ),
        pytest.param("POST", "/api/console/proxy", proxy("/_search/scroll"), id="scroll-page"),
        pytest.param(
            "POST",
            "/api/console/proxy",
            proxy("/_all/_settings/index.hidden?pretty=true&expand_wildcards=all"),
            id="hidden-settings",
        ),
        pytest.param("POST", "/kibana/api/console/proxy", proxy("/"), id="proxy-under-base-path"),
        pytest.param("POST", "/api/console/proxy", "method=GET&path=%2F", id="other-order"),
    ],
)
def test_reads_are_allowed(method: str, path: str, query: str) -> None:
    assert ALLOW.allows(method, path, query)


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        pytest.param("POST", "/api/console/proxy", proxy("/cases/_doc/1", "PUT"), id="put"),
        pytest.param("POST", "/api/console/proxy", proxy("/cases", "DELETE"), id="delete"),
        pytest.param("POST", "/api/console/proxy", proxy("/cases/_search", "POST"), id="post"),
        pytest.param("POST", "/api/console/proxy", proxy("/", "HEAD"), id="head"),
        pytest.param("POST", "/api/console/proxy", proxy("/", "get"), id="lower-case-get"),
        pytest.param("POST", "/api/console/proxy", proxy("/_nodes"), id="nodes-off-the-list"),
        pytest.param("POST", "/api/console/proxy", proxy("/_security/user"), id="security-api"),
        pytest.param("POST", "/api/console/proxy", proxy("/_snapshot/_all"), id="snapshots"),
        pytest.param("POST", "/api/console/proxy", proxy("/_bulk"), id="bulk-by-get"),
        pytest.param("POST", "/api/console/proxy", proxy("/cases/_pit"), id="open-a-pit"),
        pytest.param(
            "POST",
            "/api/console/proxy",
            proxy("/cases/_search/point_in_time"),
            id="open-an-opensearch-pit",
        ),
        pytest.param("POST", "/api/console/proxy", proxy("_search"), id="path-without-slash"),
        pytest.param(
            "POST", "/api/console/proxy", proxy("//evil.example/_search"), id="scheme-relative-path"
        ),
        pytest.param(
            "POST", "/api/console/proxy", proxy("http://evil.example/_search"), id="absolute-url"
        ),
        pytest.param(
            "POST", "/api/console/proxy", proxy("/cases/%2e%2e/_bulk"), id="encoded-dot-dot"
        ),
        pytest.param("POST", "/api/console/proxy", proxy("/cases/../_bulk"), id="dot-dot"),
        pytest.param("POST", "/api/console/proxy", proxy("/cases\\..\\_bulk"), id="backslashes"),
        pytest.param("POST", "/api/console/proxy", "", id="no-query"),
        pytest.param("POST", "/api/console/proxy", "path=%2F", id="no-method"),
        pytest.param("POST", "/api/console/proxy", "method=GET", id="no-path"),
        pytest.param(
            "POST", "/api/console/proxy", proxy("/") + "&method=DELETE", id="method-given-twice"
        ),
        pytest.param(
            "POST",
            "/api/console/proxy",
            proxy("/") + "&withProductOrigin=true",
            id="an-extra-parameter",
        ),
        pytest.param("POST", "/api/console/proxy", "path=%2F&method=GET&&", id="malformed"),
        pytest.param("GET", "/api/console/proxy", proxy("/"), id="proxy-by-get"),
        pytest.param("POST", "/api/saved_objects/_import", "", id="saved-objects-import"),
        pytest.param("GET", "/api/saved_objects/_find", "", id="saved-objects"),
        pytest.param("GET", "/", "", id="kibana-root"),
        pytest.param("DELETE", "/api/status", "", id="delete"),
    ],
)
def test_anything_else_is_refused(method: str, path: str, query: str) -> None:
    assert not ALLOW.allows(method, path, query)
