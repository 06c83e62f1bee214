"""S3-compatible stores: ListBuckets and ListObjectsV2 read, ranged GETs, what the answers mean.

``GET /`` says what answers: ``ListAllMyBucketsResult`` (anyone lists the buckets: some
SeaweedFS and Ceph setups), an S3 ``<Error>`` (AWS, MinIO: nobody lists them), or something
else (not S3). A bucket answers ``ListBucketResult`` to anyone (open), ``NoSuchBucket``
(absent: AWS; MinIO answers AccessDenied instead), or ``AccessDenied``; then a read of a key
that does not exist answers ``NoSuchKey`` where anyone may read objects (partial: MinIO; AWS
answers AccessDenied without s3:ListBucket, so there only a named key proves it) and
``AccessDenied`` where nobody may (secured).

Requests are path style (``/bucket/key``), unless the host names the bucket (AWS's
``bucket.s3.region.amazonaws.com``). Listings ask for keys URL-encoded (``encoding-type=url``):
XML cannot carry every byte a key may hold.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote_plus

from ...errors import ProtocolError
from ...models import Fingerprint
from ...net import Http, Response
from ..objects import ObjectApi, ObjectProbe
from ..objects import xml as objxml
from ..objects.api import ListPage, StoreAnswer, entry, error_doc, iso_date, wants_tls
from .allow import ALLOW

# AWS's virtual-host names: bucket.s3.amazonaws.com, bucket.s3.eu-west-1.amazonaws.com,
# bucket.s3-eu-west-1.amazonaws.com, bucket.s3.dualstack.…; China's end in .amazonaws.com.cn.
_VIRTUAL = re.compile(
    r"(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.s3(?:[.-][a-z0-9-]+)*"
    r"\.amazonaws\.com(?:\.cn)?",
    re.I,
)
MAX_PAGE = 10_000  # objects one listing page may hold (we ask for at most 1,000)
# What an S3 store answers to an anonymous request it refuses; any of them proves S3.
_REFUSALS = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "AccountProblem",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "MissingSecurityHeader",
        "NotSignedUp",
        "InvalidToken",
        "ExpiredToken",
    }
)
_S3_CODES = _REFUSALS | {
    "NoSuchBucket",
    "NoSuchKey",
    "PermanentRedirect",
    "InvalidBucketName",
    "AuthorizationHeaderMalformed",
    "InvalidRequest",
    "MethodNotAllowed",
    "XMinioServerNotInitialized",
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
}
_SERVERS = (
    ("minio", "minio"),
    ("amazons3", "amazon-s3"),
    ("seaweedfs", "seaweedfs"),
    ("ceph", "ceph"),
    ("garage", "garage"),
)


def virtual_bucket(host: str) -> str | None:
    """The bucket an AWS virtual-host name holds (``b.s3.amazonaws.com`` -> ``b``)."""
    m = _VIRTUAL.fullmatch(host)
    return m.group("bucket").lower() if m else None


def _product(resp: Response) -> tuple[str, dict[str, str]]:
    server = resp.headers.get("server", "")[:100]
    low = server.lower()
    product = next((name for word, name in _SERVERS if word in low), "s3")
    details = {"server": server} if server else {}
    region = resp.headers.get("x-amz-bucket-region", "")
    if region and len(region) < 40 and region.replace("-", "").isalnum():
        details["region"] = region
    return product, details


def _is_s3(resp: Response, code: str) -> bool:
    """Whether an error answer is an S3 store's (its code, or its headers, say so)."""
    headers = resp.headers
    return bool(code) and (
        code in _S3_CODES
        or "x-amz-request-id" in headers
        or "x-amz-id-2" in headers
        or any(w in headers.get("server", "").lower() for w, _ in _SERVERS)
    )


def store_answer(resp: Response) -> StoreAnswer:
    """What ``GET /`` says: the buckets anyone may list, an S3 refusal, or not S3."""
    product, details = _product(resp)
    fp = Fingerprint(product=product, details=details)
    try:
        doc = objxml.read(resp.body, frozenset({"Bucket"}), max_records=100_000)
    except ProtocolError:  # whatever the body is, it is not S3's XML
        doc = None
    if doc is not None and resp.status == 200 and doc.root == "ListAllMyBucketsResult":
        names = tuple(
            dict.fromkeys(
                n for r in doc.records if (n := r.fields.get("Name", "")) and "/" not in n
            )
        )
        return StoreAnswer(True, fp, names)
    if doc is not None and resp.status == 200 and doc.root == "ListBucketResult":
        return StoreAnswer(True, fp, None, "the host names one bucket")
    code, message = error_doc(resp)
    if resp.status >= 300 and _is_s3(resp, code):
        return StoreAnswer(True, fp, None, f"{code}: {message}" if message else code)
    ctype = resp.headers.get("content-type", "no content type")[:60]
    return StoreAnswer(
        False,
        fp,
        None,
        f"GET / answered HTTP {resp.status} ({ctype}), not an S3 answer",
        wants_tls(resp),
    )


def parse_listing(body: bytes) -> ListPage:
    """A ListObjectsV2 (or V1) answer as a page; ProtocolError for anything else, and for a
    page that cannot be followed."""
    doc = objxml.read(body, frozenset({"Contents", "CommonPrefixes"}), max_records=MAX_PAGE)
    if doc.root != "ListBucketResult":
        raise ProtocolError(f"a listing answered <{doc.root[:40]}>")
    if doc.over:
        raise ProtocolError(f"a listing page of over {MAX_PAGE:,} objects")
    encoded = doc.fields.get("EncodingType", "").lower() == "url"
    entries, skipped = [], 0
    for r in doc.records:
        if r.name != "Contents":
            continue
        key = r.fields.get("Key")
        if key is not None and encoded:
            key = unquote_plus(key)
        e = entry(key, r.fields.get("Size"), iso_date(r.fields.get("LastModified")))
        if e is None:
            skipped += 1
        else:
            entries.append(e)
    next_token: str | None = None
    if doc.fields.get("IsTruncated", "").strip().lower() == "true":
        cont = doc.fields.get("NextContinuationToken", "")
        if cont:
            next_token = "c:" + cont
        elif entries:  # a store that gives no token (V1): start after its last key
            next_token = "a:" + (doc.fields.get("NextMarker") or entries[-1].key)
        else:
            raise ProtocolError(
                "the listing says it is truncated but gives no way to the next page"
            )
    return ListPage(tuple(entries), next_token, skipped)


class S3Api(ObjectApi):
    """S3's requests and answers."""

    kind = "s3"
    noun = "bucket"
    plural = "buckets"
    page_size = 1000  # ListObjectsV2 gives at most 1,000 keys a page
    allow = ALLOW
    refusals = _REFUSALS
    absent_code = "NoSuchBucket"
    missing_code = "NoSuchKey"  # the bucket lets anyone read its objects

    async def store(self, http: Http, base: str, host: str) -> StoreAnswer:
        """``GET /``: the bucket list, an S3 refusal, or not S3."""
        return store_answer(await http.get(base + "/", ALLOW, max_body=4 * 2**20))

    def bucket_url(self, base: str, host: str, bucket: str) -> str:
        """``base/bucket``, or ``base`` itself where the host names the bucket."""
        if virtual_bucket(host) == bucket:
            return base
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
        """One ListObjectsV2 page. The token is ``c:`` a continuation token, or ``a:`` a key
        to start after (a store that says it is truncated without giving a token)."""
        params = {"list-type": "2", "max-keys": str(max(1, size)), "encoding-type": "url"}
        if prefix:
            params["prefix"] = prefix
        if delimiter:
            params["delimiter"] = "/"
        if token and token.startswith("c:"):
            params["continuation-token"] = token[2:]
        elif token and token.startswith("a:"):
            params["start-after"] = token[2:]
        url = self.bucket_url(base, host, bucket)
        if url == base:
            url += "/"
        resp = await http.get(url, ALLOW, params=params, max_body=16 * 2**20)
        if resp.status != 200:
            raise self.refusal(resp)
        return parse_listing(resp.body)


class S3Probe(ObjectProbe):
    """S3-compatible object stores, anonymously: buckets listed, objects read in ranges."""

    kind = "s3"
    default_ports = (9000,)  # MinIO's; AWS and most clouds answer on 443 (s3:// URLs)
    schemes = ("s3",)
    allow = ALLOW
    api = S3Api()

    @classmethod
    def locate(cls, host: str, path: str, user: str | None) -> tuple[str, tuple[str, ...]] | None:
        """``s3://bucket@host/key``, ``s3://host/bucket/key`` (path style), or the bucket in
        an AWS virtual-host name: no base path; the bucket, or ``bucket/key`` (``bucket/
        prefix/`` for a folder)."""
        rest = path.lstrip("/")
        bucket = virtual_bucket(host)
        if bucket is not None and user:
            raise ValueError("the host already names the bucket")
        if bucket is None:
            if user:
                bucket = user
            else:
                bucket, _, rest = rest.partition("/")
        if not bucket:
            return "", ()
        if "/" in bucket or len(bucket) > 255:
            raise ValueError("not a bucket name")
        return "", (f"{bucket}/{rest}" if rest else bucket,)
