"""The Azure Blob allow-list: blob reads, List Blobs and List Containers; nothing else."""

from __future__ import annotations

import pytest

from leakhound.probes.azblob import ALLOW


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        pytest.param("GET", "/acct/c/hr/payroll.csv", "", id="blob"),
        pytest.param("HEAD", "/c/hr/payroll.csv", "", id="blob-head"),
        pytest.param("GET", "/acct/c", "restype=container&comp=list&maxresults=5000", id="list"),
        pytest.param(
            "GET",
            "/c",
            "restype=container&comp=list&maxresults=5000&prefix=a%2F&delimiter=%2F&marker=2%2180",
            id="list-next-page",
        ),
        pytest.param("GET", "/acct", "comp=list", id="list-containers"),
        pytest.param("GET", "/", "comp=list", id="list-containers-host-style"),
    ],
)
def test_reads_are_allowed(method: str, path: str, query: str) -> None:
    assert ALLOW.allows(method, path, query)


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        pytest.param("PUT", "/acct/c/blob", "", id="put-blob"),
        pytest.param("DELETE", "/acct/c", "restype=container", id="delete-container"),
        pytest.param("PUT", "/acct/c", "restype=container&comp=acl", id="set-acl"),
        pytest.param("GET", "/acct/c", "restype=container&comp=acl", id="get-acl"),
        pytest.param("GET", "/acct/c", "restype=container", id="container-properties"),
        pytest.param("GET", "/acct/c/blob", "comp=metadata", id="blob-metadata"),
        pytest.param("PUT", "/acct/c/blob", "comp=lease", id="lease"),
        pytest.param("GET", "/acct/c/blob", "sv=2021-08-06&sig=abc", id="shared-access-signature"),
        pytest.param(
            "GET",
            "/acct/c",
            "restype=container&comp=list&include=deleted&sig=x",
            id="list-with-signature",
        ),
        pytest.param("GET", "/acct", "comp=list&restype=service", id="service-properties-shape"),
        pytest.param("GET", "/acct", "restype=service&comp=properties", id="service-properties"),
    ],
)
def test_writes_and_other_operations_are_refused(method: str, path: str, query: str) -> None:
    assert not ALLOW.allows(method, path, query)
