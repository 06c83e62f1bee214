"""CouchDB and servers of its HTTP API (pouchdb-server, Cloudant…): the verdict from the
database listing and each database's ``_all_docs``, databases as containers, samples with
``include_docs`` (spread over a database's ids: ``sample``).

The root (``GET /``) only says what answers; whether anyone may read is decided by the data
APIs: ``/_all_dbs`` (admin-only by default from CouchDB 3: then no database can be named, and
nothing read) and ``/{db}/_all_docs`` of each listed database (CouchDB 3 databases are
admin-only by default too, so one database left open in a secured server makes it
``partial``). Design documents (``_design/…``) are code, not records: they are left out of the
counts, the samples and the full reads.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import orjson

from ... import compromise
from ...errors import NetError, ProtocolError, TooLargeError
from ...models import (
    Container,
    Endpoint,
    FieldInfo,
    FieldType,
    Fingerprint,
    Service,
    Verdict,
    Words,
)
from ...net import Http, Response, Transport
from .. import sampling
from ..base import FullReader, Inventory, Probe, SampleDocs, failures_said, unsettled
from ..http_root import (
    answered_over,
    cut_said,
    first_answer,
    not_the_kind,
    not_welcome,
    over_said,
    realm_of,
    redirect,
)
from ..reason import NAMED, Fit, fitted, listed, short
from ..shown import masked_name
from .allow import ALLOW, SYSTEM_DATABASES
from .names import (
    Databases,
    all_dbs,
    database_names,
    in_order,
    masked,
    names_begun,
    shown_names,
)
from .read import DESIGN_PREFIX, CouchdbReader, db_path, records, rows_of
from .sample import spread_records, spreads

VERDICT_CHECKS = 50  # databases asked, each on its own, whether it reads without credentials
DBS_INFO_BATCH = 100  # CouchDB's max_db_number_for_dbs_info_req default
FIELD_DOCS = 5  # documents read to find one record's fields (design documents come first)
DESIGN_DOCS = 1000  # design documents counted per database; past it the count is a bound
MAX_FIELDS = 5000  # per database: a hostile document may hold millions of keys
MAX_FIELD_PATH = 512
# What CouchDB accepts as a database name (its documented rule and length limit); anything
# else from a listing is never requested.
_DB_NAME = re.compile(r"[a-z][a-z0-9_$()+/-]{0,237}")
_VERSION = re.compile(r"(\d+)\.(\d+)")
# Text that reads as an ISO 8601 date: such a field is the record's date, not a number.
_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?)?"
)
# Preferred names for the "main date" of a record, most telling first.
_DATE_NAMES = (
    "created_at",
    "createdAt",
    "created",
    "timestamp",
    "date",
    "@timestamp",
    "creation_date",
    "opened_at",
    "updated_at",
    "time",
)
_NOT_COUCHDB = Verdict.not_of("couchdb")
# Characters of a listed string masked for a reason: many times the NAME_CHARS it shows of
# one, so that no personal data cut at the end shrinks into view once masked, and a string
# of megabytes is not masked whole on the event loop.
_SEEN_CHARS = 4096
_SEEN_MASKED = 100  # strings masked at most to find the few a reason names apart


def parse_root(body: Any) -> Fingerprint | None:
    """Recognise the welcome of CouchDB (``"couchdb": "Welcome"``) or of pouchdb-server
    (``"express-pouchdb": "Welcome!"``, the same HTTP API on Node); None for anything else."""
    if not isinstance(body, dict):
        return None
    vendor = body.get("vendor")
    vendor = vendor if isinstance(vendor, dict) else {}

    def text(value: Any, limit: int = 200) -> str | None:
        return value[:limit] if isinstance(value, str) else None

    details: dict[str, Any] = {}
    if isinstance(body.get("couchdb"), str):
        product = "couchdb"
        features = body.get("features")
        if isinstance(features, list):
            details["features"] = [f[:50] for f in features[:30] if isinstance(f, str)]
        if text(body.get("git_sha")):
            details["git_sha"] = text(body.get("git_sha"), 50)
    elif isinstance(body.get("express-pouchdb"), str):
        # pouchdb-server announces the Express layer it serves the CouchDB API with.
        product = "pouchdb-server"
        adapters = body.get("pouchdb-adapters")
        if isinstance(adapters, list):
            details["adapters"] = [a[:50] for a in adapters[:10] if isinstance(a, str)]
    else:
        return None
    if text(vendor.get("name")):
        details["vendor"] = text(vendor.get("name"))
    return Fingerprint(
        product=product,
        version=text(body.get("version"), 50),
        distribution=text(vendor.get("name")),
        cluster_uuid=text(body.get("uuid")),
        details=details,
    )


def couch_error(body: Any) -> str | None:
    """The reason of a CouchDB error answer (``{"error": …, "reason": …}``), or None when the
    body is not one."""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        reason = body.get("reason")
        return (reason if isinstance(reason, str) and reason else body["error"])[:200]
    return None


def valid_database(name: str) -> bool:
    """Whether a listed name may be requested: CouchDB's own naming rule, or a system
    database by name (a hostile listing may name an API such as ``_config``)."""
    return name in SYSTEM_DATABASES or _DB_NAME.fullmatch(name) is not None


def document_fields(doc: dict[str, Any]) -> dict[str, str]:
    """Dotted paths of one document's fields with the JSON type of each (ISO dates as
    ``date``)."""
    out: dict[str, str] = {}
    stack: list[tuple[str, dict[str, Any], int]] = [("", doc, 0)]
    while stack and len(out) < MAX_FIELDS:
        prefix, value, depth = stack.pop()
        for key, item in value.items():
            path = f"{prefix}{key}"
            if len(path) > MAX_FIELD_PATH or len(out) >= MAX_FIELDS:
                continue
            if isinstance(item, dict) and item and depth < 32:
                stack.append((path + ".", item, depth + 1))
            else:
                out.setdefault(path, _json_type(item))
    return dict(sorted(out.items()))


def _json_type(value: Any) -> str:
    if isinstance(value, str):
        return "date" if _ISO_DATE.fullmatch(value) else "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def main_date_field(fields: dict[str, str]) -> str | None:
    """The date field most likely to be a record's own date."""
    dates = [p for p, t in fields.items() if t == "date"]
    for name in _DATE_NAMES:
        for path in dates:
            if path == name or path.endswith("." + name):
                return path
    return sorted(dates, key=lambda p: (p.count("."), p))[0] if dates else None


def _count(value: Any) -> int | None:
    # Counts must fit SQLite's signed 64-bit INTEGER.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
        return value
    return None


def _unexpected(resp: Response) -> str:
    """Why an answer that should have held rows did not."""
    return "no rows in the answer" if resp.status == 200 else f"HTTP {resp.status}"


def _refused(resp: Response) -> bool:
    return resp.denied


def dbs_info_allowed(fp: Fingerprint, endpoint: Endpoint) -> bool:
    """Whether ``POST /_dbs_info`` may be sent: Apache CouchDB 2.2 or later, at the root.

    pouchdb-server takes ``/_dbs_info`` for a database name (``POST /{db}`` writes a
    document there): the fingerprint must prove the API exists, as for Elasticsearch's PIT.
    """
    m = _VERSION.match(fp.version or "")
    return (
        fp.product == "couchdb"
        and not endpoint.base_path
        and m is not None
        and (int(m.group(1)), int(m.group(2))) >= (2, 2)
    )


def _names(names: Sequence[str]) -> Fit:
    """`` (a, b, c and 2 more)``: databases named (masked where their names hold personal
    data, ``few``), fitted to the room a reason leaves."""
    return listed([masked(n) or n for n in names], " (")


def _seen(strings: Sequence[str]) -> list[str]:
    """A listing's strings as a reason names them (``listed``): masked, each in its first
    ``_SEEN_CHARS`` (a server's strings may be anything, of any length), as far as the first
    NAMED said apart (strings that mask alike are said once with how many: ``few``), at most
    ``_SEEN_MASKED``; the rest stand for a count ("…"), neither masked nor shown."""
    seen: list[str] = []
    said: set[str] = set()
    for text in strings[:_SEEN_MASKED]:
        if len(said) >= NAMED:
            break
        shown = masked_name(text[:_SEEN_CHARS]) or text[:_SEEN_CHARS]
        seen.append(shown)
        said.add(short(shown))
    return seen + ["…"] * (len(strings) - len(seen))


def _failures(failing: Sequence[str]) -> Fit:
    """``; N fail (…)``, the failed databases named (``few``): fitted to the room a reason
    leaves, their count kept where none is left for their names."""
    if not failing:
        return Fit("")
    count = f"; {len(failing)} fail"
    return listed(failing, f"{count} (", short=count, sep="; ", width=120)


class CouchdbProbe(Probe):
    """CouchDB 1–3 and servers of its HTTP API (pouchdb-server), over http or https."""

    kind = "couchdb"
    words = Words(("database", "databases"), ("document", "documents"))
    default_ports = (5984, 6984)
    speaks_http = True
    allow = ALLOW

    def __init__(self) -> None:
        # The databases behind the masked names of per-user databases (``names``): a sample
        # or a full read asks the server by the database's own name.
        self._databases = Databases()

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        """Try the endpoint's scheme (http, then https when none was given) and classify."""
        first = await first_answer(
            transport, endpoint, self.kind, "/", ALLOW, too_large=_NOT_COUCHDB, what="root answer"
        )
        if isinstance(first, Service):
            return first
        return await self._classify(transport.http, endpoint, first.base, first.response)

    async def _classify(self, http: Http, endpoint: Endpoint, base: str, root: Response) -> Service:
        body = root.json_or_none()
        tls = root.tls
        if _refused(root):
            # The root's refusal is evidence: [chttpd] require_valid_user, or a proxy guarding
            # "/" alone. It must read as CouchDB's own error to name the product at all.
            why = couch_error(body)
            if why is None:
                # A body cut at the cap (``Response.cut``) was not read, rather than read and
                # found to be something else: the reason says which.
                why = f"HTTP {root.status} on /" + (
                    cut_said(root) if root.cut else " without CouchDB's error answer"
                )
                return not_the_kind(endpoint, base, self.kind, root, why)
            fp = Fingerprint(product="couchdb", realm=realm_of(root), tls=tls)
            # The server's words are fitted to the room a longer reason leaves (``fitted``).
            refused = Fit(
                f"/ asks for credentials (HTTP {root.status}: {why})",
                f"/ asks for credentials (HTTP {root.status})",
                ")",
            )
            return await self._data_access(http, endpoint, base, fp, refused)
        why = redirect(root)
        if why is None and root.status != 200:
            why = f"HTTP {root.status} on / with no CouchDB welcome"
        if why is not None:
            return not_the_kind(endpoint, base, self.kind, root, why)
        welcome = parse_root(body)
        if welcome is None:
            why = not_welcome(root, "a CouchDB welcome")
            return not_the_kind(endpoint, base, self.kind, root, why)
        return await self._data_access(http, endpoint, base, replace(welcome, tls=tls))

    async def _data_access(
        self,
        http: Http,
        endpoint: Endpoint,
        base: str,
        fp: Fingerprint,
        root_refused: Fit | None = None,
    ) -> Service:
        """The listing, then each listed database: whether they read without credentials."""

        def service(
            verdict: Verdict,
            *parts: str | Fit,
            opened: tuple[str, ...] = (),
            closed: tuple[str, ...] = (),
        ) -> Service:
            parts = (*parts, over)
            if root_refused is not None:
                closed = ("/", *closed)
                if verdict.exposed:  # the reason ends with it: a long one must not lose it
                    parts = (*parts, ", although ", root_refused)
            reason = fitted(*parts)
            return Service(endpoint, base, self.kind, verdict, reason, fp, opened, closed)

        # Only refusals make ``secured``: a request that failed (timed out, reset, an error)
        # proved nothing, and is named in the reason beside the root's refusal, if any.
        root: tuple[str | Fit, ...] = (root_refused, "; ") if root_refused is not None else ()
        refusal = fitted(root_refused) if root_refused is not None else ""

        def secured_by_root(*closed: str) -> Service:
            """Secured, in the words of the root's refusal."""
            return Service(endpoint, base, self.kind, Verdict.SECURED, refusal, fp, (), closed)

        over = ""  # the listing answered over the size cap: what was known of it
        names: list[str] | None = None
        try:
            # A refusal over the cap is one all the same (``Response.cut``).
            listing: Response | None = await http.get(base + "/_all_dbs", ALLOW)
        except TooLargeError as exc:
            # A 2xx over the cap: the listing answered without credentials, only its size
            # failed; the names whole in its first bytes are asked as any listing's.
            begun = names_begun(exc.head) if answered_over(exc) else None
            if begun is None:
                why = over_said(exc) + (", no list of names" if answered_over(exc) else "")
                return service(unsettled([exc]), *root, Fit(f"/_all_dbs: {why}"), " (failed)")
            listing, names = None, begun
            over = (
                f"; /_all_dbs answers {over_said(exc)}: {len(names)} names known, those whole "
                f"in its first {len(exc.head):,} bytes"
            )
        except NetError as exc:
            return service(unsettled([exc]), *root, Fit(f"/_all_dbs: {exc}"), " (failed)")
        if listing is not None:
            if _refused(listing):
                realm = realm_of(listing)
                fp = replace(fp, realm=fp.realm or realm)
                if root_refused is not None:
                    return secured_by_root("/", "_all_dbs")
                return service(
                    Verdict.SECURED,
                    "/_all_dbs asks for credentials (CouchDB 3's admin_only_all_dbs): "
                    "without the names of its databases none can be read",
                    closed=("_all_dbs",),
                )
            names = database_names(listing.json_or_none()) if listing.status == 200 else None
            if names is None:
                if root_refused is not None and 200 <= listing.status < 300:  # a login page
                    return secured_by_root("/")
                return service(
                    unsettled([listing.status]),
                    *root,
                    f"unexpected /_all_dbs answer (HTTP {listing.status})",
                )
        if names is None:  # neither answered nor over the cap: never so (each returns above)
            return service(Verdict.ERROR, *root, "no /_all_dbs answer")
        # Each name once: a hostile listing naming a database twice would have it asked, and
        # counted in the reason, twice.
        names = list(dict.fromkeys(names))
        if root_refused is None and await _admin_party(http, base):
            fp = replace(fp, details={**fp.details, "admin_party": True})
        party = (
            "; anonymous users are server admins (admin party)"
            if fp.details.get("admin_party")
            else ""
        )
        named = [n for n in names if valid_database(n)]
        if names and not named and fp.product != "pouchdb-server":
            # Strings none of which CouchDB would take for a database name (``valid_database``):
            # a JSON list of another server, not a listing of databases, and nothing of it can
            # be asked as one. pouchdb-server checks no name (``PUT /My Todos`` makes one):
            # its welcome proved it, and its listing stays one.
            # The first few are named, their personal data masked; the rest are only counted.
            why = fitted(
                f"/_all_dbs answers {len(names)} string(s), none a CouchDB database name",
                listed(_seen(names), " (", short=""),
                over,
                ": not CouchDB's listing",
            )
            return Service(endpoint, base, self.kind, _NOT_COUCHDB, why, Fingerprint(tls=fp.tls))
        user = [n for n in named if not n.startswith("_")]
        asked = (user or named)[:VERDICT_CHECKS]
        if not asked:
            # pouchdb-server's names outside CouchDB's rule: listed, never requested.
            lists = (
                f"{len(names)} database(s), none with a name CouchDB allows: none is asked"
                if names
                else "no database"
            )
            return service(
                Verdict.OPEN,
                f"/_all_dbs answers without credentials and lists {lists}",
                party,
                opened=("_all_dbs",),
            )
        outcomes = await asyncio.gather(*(_reads(http, base, n) for n in asked))
        readable = [n for n, o in zip(asked, outcomes, strict=True) if o == "open"]
        refused = [n for n, o in zip(asked, outcomes, strict=True) if o == "refused"]
        failed = [o for o in outcomes if o not in ("open", "refused")]
        failing = [
            f"{masked(n) or n}: {str(o)[:200]}"
            for n, o in zip(asked, outcomes, strict=True)
            if o not in ("open", "refused")
        ]
        of = (
            f"the first {len(asked)} of {len(user or named)}"
            if len(user or named) > len(asked)
            else f"{len(asked)}"
        )
        which = ("system database" if not user else "database") + ("s" if len(asked) > 1 else "")
        # Databases that neither read nor refuse (an error) are named, not counted as either;
        # each group's names are fitted to the room the reason leaves (``fitted``).
        if readable and refused:
            # Each group named (its first few): the owner learns which databases to close,
            # and which refused or failed rather than read.
            return service(
                Verdict.PARTIAL,
                f"{len(readable)} of {of} {which} read without credentials",
                _names(readable),
                f"; {len(refused)} ask for them",
                _names(refused),
                _failures(failing),
                party,
                opened=("_all_dbs", "_all_docs"),
                closed=("_all_docs",),
            )
        if readable:
            some = f"{len(readable)} of {of}" if failing else of
            return service(
                Verdict.OPEN,
                f"/_all_dbs and {some} {which} read without credentials",
                _failures(failing),
                party,
                opened=("_all_dbs", "_all_docs"),
            )
        if refused:
            some, verb = (
                (f"{len(refused)} of {of}", "ask") if failing else (f"each of {of}", "asks")
            )
            return service(
                unsettled(failed) if failing else Verdict.SECURED,
                f"/_all_dbs lists {len(names)} databases without credentials, but "
                f"{some} {which} {verb} for them",
                _names(refused),
                _failures(failing),
                opened=("_all_dbs",),
                closed=("_all_docs",),
            )
        return service(
            unsettled(failed),
            *root,
            listed(
                failing,
                "databases fail: ",
                "",
                short=f"{len(failing)} databases fail",
                sep="; ",
                width=120,
            ),
            opened=("_all_dbs",),
        )

    async def inventory(
        self, transport: Transport, service: Service, *, max_containers: int
    ) -> Inventory:
        """Every listed database: documents (design documents left out), sizes, fields of
        one record, wipe/ransom signs; those that ask for credentials as such."""
        http, base = transport.http, service.url
        try:
            # Over the size cap, the names whole in its first bytes: what was read is kept.
            names, status, cut = await all_dbs(http, base)
        except NetError as exc:
            return Inventory((), f"cannot list databases: {exc}")
        if names is None:
            return Inventory((), f"cannot list databases: HTTP {status} on /_all_dbs")
        valid = [n for n in names if valid_database(n)]
        skipped = len(names) - len(valid)
        valid = in_order(valid)  # each name once, as the verdict asked them
        repeated = len(names) - skipped - len(valid)
        detailed, rest = valid[:max_containers], valid[max_containers:]
        infos: dict[str, Any] = {}
        if dbs_info_allowed(service.fingerprint, service.endpoint):
            infos = await _dbs_info(http, base, detailed)
        # Masking is CPU work: the names reported only (numbered as ``names.behind`` reads).
        shown = await asyncio.to_thread(shown_names, detailed)
        self._databases.keep(base, shown)
        found = await asyncio.gather(
            *(self._database(http, base, n, infos.get(n), shown.get(n, n)) for n in detailed)
        )
        # Missing from the listing: what the cut left out, names that cannot be asked for.
        missing = [cut] if cut else []
        if skipped:
            missing.append(f"{skipped} database name(s) refused as invalid")
        # Not missing: each repeated database is listed and counted once.
        note = f"{repeated} repeated database name(s) listed once" if repeated else None
        return Inventory(tuple(found), "; ".join(missing) or None, len(rest), note)

    async def _database(self, http: Http, base: str, name: str, info: Any, shown: str) -> Container:
        """Database ``name`` as a container named ``shown`` (``names.shown_names``)."""
        path = db_path(base, name)
        errors: list[str] = []
        readable = True
        if not isinstance(info, dict):
            info = None
            try:
                resp = await http.get(path, ALLOW)
                body = resp.json_or_none()
                if resp.status == 200 and isinstance(body, dict):
                    info = body
                elif _refused(resp):
                    readable = False
                else:
                    errors.append(f"info: HTTP {resp.status}")
            except NetError as exc:
                errors.append(f"info: {exc}")
        doc_count = _count(info.get("doc_count")) if info else None
        first: list[Any] = []
        if readable:
            try:
                resp = await http.get(
                    path + "/_all_docs",
                    ALLOW,
                    params={"include_docs": "true", "limit": str(FIELD_DOCS)},
                )
                rows = rows_of(resp.json_or_none()) if resp.status == 200 else None
                if rows is not None:
                    first = records(rows)
                elif _refused(resp):
                    readable = False
                else:
                    errors.append(f"_all_docs: {_unexpected(resp)}")
            except NetError as exc:
                errors.append(f"_all_docs: {exc}")
        design: int | None = 0 if doc_count == 0 else None
        if readable and doc_count:
            design = await _design_docs(http, path, errors)
        docs = doc_count
        if doc_count is not None and design is not None:
            docs = max(0, doc_count - design)
        if not readable:
            errors.insert(0, "asks for credentials")
        fields = document_fields(first[0]) if first and isinstance(first[0], dict) else {}
        reasons = compromise.by_name(shown, noun="database")
        sizes = info.get("sizes") if info else None
        store = _count(sizes.get("file")) if isinstance(sizes, dict) else None
        if store is None and info:
            store = _count(info.get("disk_size"))
        details: dict[str, Any] = {"readable": readable}
        if design:
            details["design_docs"] = design
        deleted = _count(info.get("doc_del_count")) if info else None
        if deleted is not None:
            details["deleted_docs"] = deleted
        system = name.startswith("_")
        return Container(
            name=shown,
            docs=docs,
            store_bytes=store,
            hidden=system,
            system=system,
            fields=tuple(FieldInfo(p, t) for p, t in fields.items()),
            date_field=main_date_field(fields),
            compromised=bool(reasons),
            compromise_reasons=tuple(reasons),
            error=failures_said(errors),
            # doc_count counts design documents: exact only once they are counted out.
            docs_exact=docs is not None and design is not None,
            docs_high=docs if docs and design is None else None,
            docs_basis="doc_count, which counts design documents too"
            if docs is not None and design is None
            else None,
            denied=not readable,
            details=details,
        )

    async def sample(
        self, transport: Transport, service: Service, container: Container, size: int
    ) -> SampleDocs:
        """``size`` records spread over the database's ids (``sample``), else the first in
        id order, with their documents, in one request."""
        if container.details.get("readable") is False:  # the inventory's read had 401/403
            return SampleDocs((), "the database asks for credentials", denied=True)
        try:
            name = await self._databases.database(transport.http, service.url, container.name)
        except ProtocolError as exc:
            return SampleDocs((), str(exc))
        if spreads(container.docs, size):
            url = db_path(service.url, name) + "/_all_docs"
            try:
                found = await spread_records(transport.http, url, size, container.docs)
            except NetError as exc:
                if exc.denied:
                    return SampleDocs.failed(exc)
                found = None  # an odd answer to a seek: the first records, said to be that
            if found is not None:
                return SampleDocs(tuple(found), drawn=sampling.SPREAD)
        design = container.details.get("design_docs")
        extra = design if isinstance(design, int) and 0 < design <= DESIGN_DOCS else 0
        try:
            resp = await transport.http.get(
                db_path(service.url, name) + "/_all_docs",
                ALLOW,
                params={"include_docs": "true", "limit": str(size + extra)},
            )
        except NetError as exc:
            return SampleDocs.failed(exc)
        rows = rows_of(resp.json_or_none()) if resp.status == 200 else None
        if rows is None:
            return SampleDocs((), f"HTTP {resp.status} on _all_docs", denied=resp.denied)
        return SampleDocs(tuple(records(rows)[:size]))

    def reader(self, transport: Transport, service: Service) -> FullReader:
        """Every record along ``_all_docs``, page by page from the last id read."""
        return CouchdbReader(transport.http, service.url, self._databases)

    def field_type(self, native: str) -> FieldType:
        """JSON types in neutral words (a string that reads as an ISO date is a date)."""
        return _FIELD_TYPES.get(native, FieldType.UNKNOWN)


_FIELD_TYPES = {
    "string": FieldType.TEXT,
    "date": FieldType.DATE,
    "number": FieldType.NUMBER,
    "boolean": FieldType.BOOLEAN,
    "object": FieldType.OBJECT,
}


async def _reads(http: Http, base: str, name: str) -> str | NetError:
    """Whether one database's ``_all_docs`` answers without credentials: "open", "refused",
    or why neither (the request's failure, or the answer's words)."""
    try:
        resp = await http.get(db_path(base, name) + "/_all_docs", ALLOW, params={"limit": "1"})
    except NetError as exc:
        return exc
    if _refused(resp):
        return "refused"
    if resp.status == 200 and rows_of(resp.json_or_none()) is not None:
        return "open"
    return _unexpected(resp)


async def _admin_party(http: Http, base: str) -> bool:
    """Whether an anonymous session holds the server admin role (no admin was ever set)."""
    try:
        resp = await http.get(base + "/_session", ALLOW)
    except NetError:
        return False
    body = resp.json_or_none()
    ctx = body.get("userCtx") if isinstance(body, dict) else None
    roles = ctx.get("roles") if isinstance(ctx, dict) else None
    return resp.status == 200 and isinstance(roles, list) and "_admin" in roles


async def _dbs_info(http: Http, base: str, names: list[str]) -> dict[str, Any]:
    """name → the information ``POST /_dbs_info`` gives, a hundred names a request; what it
    does not give is asked of each database afterwards."""
    out: dict[str, Any] = {}
    for start in range(0, len(names), DBS_INFO_BATCH):
        keys = names[start : start + DBS_INFO_BATCH]
        try:
            resp = await http.request("POST", base + "/_dbs_info", ALLOW, json={"keys": keys})
        except NetError:
            return out
        body = resp.json_or_none()
        if resp.status != 200 or not isinstance(body, list):
            return out  # refused or unknown: per-database GETs instead
        for row in body:
            if (
                isinstance(row, dict)
                and row.get("key") in keys
                and isinstance(row.get("info"), dict)
            ):
                out[row["key"]] = row["info"]
    return out


async def _design_docs(http: Http, path: str, errors: list[str]) -> int | None:
    """How many design documents the database holds (``_all_docs`` sorts ids raw, so
    ``_design/`` up to ``_design0`` is exactly them)."""
    try:
        resp = await http.get(
            path + "/_all_docs",
            ALLOW,
            params={
                "startkey": orjson.dumps(DESIGN_PREFIX).decode(),
                "endkey": orjson.dumps("_design0").decode(),
                "limit": str(DESIGN_DOCS + 1),
            },
        )
    except NetError as exc:
        errors.append(f"design documents: {exc}")
        return None
    rows = rows_of(resp.json_or_none()) if resp.status == 200 else None
    if rows is None:
        errors.append(f"design documents: {_unexpected(resp)}")
        return None
    design = [r for r in rows if r["id"].startswith(DESIGN_PREFIX)]
    if len(design) > DESIGN_DOCS:
        errors.append(f"over {DESIGN_DOCS} design documents: records counted with them")
        return None
    return len(design)
