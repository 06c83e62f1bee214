"""The S3 allow-list: object reads, the bucket list and ListObjectsV2; nothing else."""

from __future__ import annotations

import pytest

from leakhound.probes.s3 import ALLOW


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        pytest.param("GET", "/", "", id="list-buckets"),
        pytest.param("GET", "/bucket/hr/payroll.csv", "", id="object"),
        pytest.param("HEAD", "/bucket/hr/payroll.csv", "", id="object-head"),
        pytest.param("GET", "/bucket", "list-type=2&max-keys=1000&encoding-type=url", id="list"),
        pytest.param(
            "GET",
            "/bucket",
            "list-type=2&max-keys=1000&prefix=a%2F&delimiter=%2F"
            "&continuation-token=abc%3D&encoding-type=url",
            id="list-next-page",
        ),
        pytest.param("GET", "/", "list-type=2&start-after=k", id="virtual-host-list"),
        pytest.param("GET", "/proxy/bucket", "list-type=2", id="behind-a-proxy-path"),
    ],
)
def test_reads_are_allowed(method: str, path: str, query: str) -> None:
    assert ALLOW.allows(method, path, query)


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        pytest.param("PUT", "/bucket/key", "", id="put-object"),
        pytest.param("DELETE", "/bucket/key", "", id="delete-object"),
        pytest.param("POST", "/bucket", "delete", id="delete-objects"),
        pytest.param("PUT", "/bucket", "acl", id="put-acl"),
        pytest.param("GET", "/bucket", "acl", id="get-acl-subresource"),
        pytest.param("GET", "/bucket", "policy", id="get-policy"),
        pytest.param("GET", "/bucket", "versions", id="list-versions"),
        pytest.param("GET", "/bucket", "uploads", id="list-uploads"),
        pytest.param("GET", "/bucket", "location", id="location"),
        pytest.param("GET", "/bucket", "list-type=1", id="list-v1"),
        pytest.param("GET", "/bucket", "max-keys=1", id="list-without-type"),
        pytest.param("GET", "/bucket", "list-type=2&acl", id="list-and-acl"),
        pytest.param("GET", "/bucket", "list-type=2&list-type=2", id="parameter-twice"),
        pytest.param("GET", "/bucket/key", "X-Amz-Signature=abc", id="signed-query"),
        pytest.param(
            "GET", "/bucket/key", "response-content-type=text/html", id="response-override"
        ),
        pytest.param("HEAD", "/bucket", "list-type=2", id="head-with-list"),
    ],
)
def test_writes_and_other_subresources_are_refused(method: str, path: str, query: str) -> None:
    assert not ALLOW.allows(method, path, query)
