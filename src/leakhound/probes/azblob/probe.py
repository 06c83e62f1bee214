"""Azure Blob Storage (and Azurite): List Containers and List Blobs read, ranged GETs, what the
answers mean.

``GET /account?comp=list`` says what answers: an Azure error (``x-ms-error-code``,
``x-ms-request-id``; nobody lists an account's containers anonymously), or not Azure. A
container with public access ``container`` lists its blobs to anyone (open); with ``blob``
it refuses the listing but a missing blob answers ``BlobNotFound`` (partial: anyone reads a
blob by name); private ones refuse both (secured). Azure answers 404 ``ResourceNotFound`` to
anonymous requests on a private container, and on one that does not exist, so that nobody
learns which exist; Azurite answers 403 ``AuthorizationFailure``: both read as refused.

Containers are named in the path: ``azblob://ACCOUNT.blob.core.windows.net/CONTAINER`` on
Azure, ``azblob://HOST:PORT/ACCOUNT/CONTAINER`` on an emulator (the account is then the base
path).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from ...errors import ProtocolError
from ...models import Endpoint, Fingerprint
from ...net import Http, Response
from ..objects import ObjectApi, ObjectProbe
from ..objects import xml as objxml
from ..objects.api import ListPage, StoreAnswer, entry, error_doc, http_date, wants_tls
from .allow import ALLOW

# The REST version asked for: listings in the shape every service since 2019 answers.
VERSION = "2021-08-06"
_HEADERS = {"x-ms-version": VERSION}
# Azure's public, government and China clouds name the account in the host.
_HOST_STYLE = re.compile(
    r"[a-z0-9]{3,24}\.blob\.core\.(?:windows\.net|chinacloudapi\.cn|"
    r"usgovcloudapi\.net)|[a-z0-9]{3,24}\.blob\.storage\.azure\.net",
    re.I,
)
MAX_PAGE = 10_000  # blobs one listing page may hold (we ask for at most 5,000)
_REFUSALS = frozenset(
    {
        "AuthorizationFailure",
        "ResourceNotFound",
        "PublicAccessNotPermitted",
        "NoAuthenticationInformation",
        "AuthenticationFailed",
        "AuthorizationPermissionMismatch",
        "InsufficientAccountPermissions",
    }
)
_SERVER = re.compile(r"(Azurite-Blob|Windows-Azure-Blob)/([\w.-]{1,20})")


def host_style(host: str) -> bool:
    """Whether the host names the storage account (Azure itself)."""
    return _HOST_STYLE.fullmatch(host) is not None


def _fingerprint(resp: Response) -> tuple[Fingerprint, bool]:
    """Who answers, and whether the answer is Azure Blob's (its headers say so)."""
    server = resp.headers.get("server", "")[:100]
    m = _SERVER.search(server)
    azure = m is not None or "x-ms-request-id" in resp.headers or "x-ms-error-code" in resp.headers
    if m and m.group(1) == "Azurite-Blob":
        return Fingerprint(product="azurite", version=m.group(2), details={"server": server}), azure
    return Fingerprint(product="azure-blob", details={"server": server} if server else {}), azure


def error_code(resp: Response) -> tuple[str, str]:
    """(code, message) of an Azure error: the body's, else the header's (a HEAD has no body)."""
    code, message = error_doc(resp)
    return code or resp.headers.get("x-ms-error-code", "")[:100], message


def store_answer(resp: Response) -> StoreAnswer:
    """What List Containers says: the containers anyone may list, an Azure refusal, or not
    Azure Blob."""
    fp, azure = _fingerprint(resp)
    try:
        doc = objxml.read(resp.body, frozenset({"Container"}), max_records=100_000)
    except ProtocolError:
        doc = None
    if doc is not None and resp.status == 200 and doc.root == "EnumerationResults":
        names = tuple(
            dict.fromkeys(
                n for r in doc.records if (n := r.fields.get("Name", "")) and "/" not in n
            )
        )
        return StoreAnswer(True, fp, names)
    code, message = error_code(resp)
    if resp.status >= 300 and azure:
        return StoreAnswer(
            True, fp, None, f"{code}: {message}" if message else code or f"HTTP {resp.status}"
        )
    ctype = resp.headers.get("content-type", "no content type")[:60]
    return StoreAnswer(
        False,
        fp,
        None,
        f"the container list answered HTTP {resp.status} ({ctype}), not an Azure Blob answer",
        wants_tls(resp),
    )


def parse_listing(body: bytes) -> ListPage:
    """A List Blobs answer as a page; ProtocolError for anything else."""
    doc = objxml.read(body, frozenset({"Blob", "BlobPrefix"}), max_records=MAX_PAGE)
    if doc.root != "EnumerationResults":
        raise ProtocolError(f"a listing answered <{doc.root[:40]}>")
    if doc.over:
        raise ProtocolError(f"a listing page of over {MAX_PAGE:,} blobs")
    entries, skipped = [], 0
    for r in doc.records:
        if r.name != "Blob":
            continue
        e = entry(
            r.fields.get("Name"),
            r.fields.get("Content-Length"),
            http_date(r.fields.get("Last-Modified")),
            r.fields.get("Content-Type"),
        )
        if e is None:
            skipped += 1
        else:
            entries.append(e)
    marker = doc.fields.get("NextMarker", "").strip()
    return ListPage(tuple(entries), marker or None, skipped)


class AzblobApi(ObjectApi):
    """Azure Blob's requests and answers."""

    kind = "azblob"
    noun = "container"
    plural = "containers"
    page_size = 5000  # List Blobs gives at most 5,000 a page
    allow = ALLOW
    headers = _HEADERS
    refusals = _REFUSALS  # Azure's 404 ResourceNotFound among them
    absent_code = "ContainerNotFound"  # said only where existence is no secret
    missing_code = "BlobNotFound"  # the container lets anyone read its blobs

    async def store(self, http: Http, base: str, host: str) -> StoreAnswer:
        """List Containers of the account: the list, an Azure refusal, or not Azure."""
        url = base + ("?comp=list" if base.count("/") > 2 else "/?comp=list")
        return store_answer(await http.get(url, ALLOW, headers=_HEADERS, max_body=4 * 2**20))

    def bucket_url(self, base: str, host: str, bucket: str) -> str:
        """``base/container`` (the base holds the account on an emulator)."""
        return f"{base}/{quote(bucket, safe='')}"

    async def list_page(
        self,
        http: Http,
        base: str,
        host: str,
        bucket: str,
        *,
        prefix: str,
        delimiter: bool,
        token: str | None,
        size: int,
    ) -> ListPage:
        """One List Blobs page; the token is the listing's marker."""
        params = {"restype": "container", "comp": "list", "maxresults": str(max(1, size))}
        if prefix:
            params["prefix"] = prefix
        if delimiter:
            params["delimiter"] = "/"
        if token:
            params["marker"] = token
        resp = await http.get(
            self.bucket_url(base, host, bucket),
            ALLOW,
            params=params,
            headers=_HEADERS,
            max_body=32 * 2**20,
        )
        if resp.status != 200:
            raise self.refusal(resp)
        return parse_listing(resp.body)

    def error_of(self, resp: Response) -> tuple[str, str]:
        """An Azure error's code (the header says it on HEAD too) and message."""
        return error_code(resp)


class AzblobProbe(ObjectProbe):
    """Azure Blob Storage and Azurite, anonymously: containers listed, blobs read in ranges."""

    kind = "azblob"
    default_ports = (10000,)  # Azurite's; Azure itself answers on 443 (azblob:// URLs)
    schemes = ("azblob",)
    allow = ALLOW
    api = AzblobApi()

    def target_url(self, endpoint: Endpoint, spec: str) -> str:
        """``azblob://host:port/account/container/blob`` (the account is the base path)."""
        return f"azblob://{endpoint.netloc}{endpoint.base_path}/{spec}"

    @classmethod
    def locate(cls, host: str, path: str, user: str | None) -> tuple[str, tuple[str, ...]] | None:
        """``azblob://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB`` (Azure), or
        ``azblob://HOST:PORT/ACCOUNT/CONTAINER/BLOB`` (an emulator: the account is the base
        path); ``…/CONTAINER/folder/`` names a folder."""
        if user:
            raise ValueError("an Azure container is named in the path, not before the host")
        rest = path.lstrip("/")
        base = ""
        if not host_style(host):
            account, _, rest = rest.partition("/")
            if not account:
                return "", ()
            base = "/" + account
        container, _, key = rest.partition("/")
        if not container:
            return base, ()
        return base, (f"{container}/{key}" if key else container,)
