"""SARIF 2.1.0: one rule per kind of finding, one result per finding, located at its URL.

Kinds of finding: an open store, a partly open store, a container (an index, a table, a
collection…) with signs of a wipe or ransom, and a kind of personal data exposed in a container.
A result's location is the store's URL (the container's name percent-encoded after it) with the
container as a logical location; its fingerprint is stable across scans so that code-scanning
tools can follow one finding over time. Messages name containers and records in the store's
own words; rule ids and property names ("indices", "documents") never change.

A store whose inventory is incomplete (an error part-way, containers over ``--max-indices``)
or carries a note (which indices are hidden is unknown) says so in its result's message and
properties (``inventory_error``, ``indices_truncated``, ``inventory_note``, the JSON report's
names), and an incomplete one also as a warning of the run's invocation
(``toolExecutionNotifications``): its counts are what the listing reached.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

import orjson

from ..assess import ContainerExposure, entity_class
from ..assess.categories import SECRET, Identifiability, category_score
from ..assess.figures import container_exposures, listing_gaps
from ..models import Documents, TargetResult, Verdict
from ..probes.registry import words
from ..redact import neutralize
from ..store.records import ScanRecord
from . import text

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

OPEN_STORE, PARTIAL_STORE, COMPROMISED_INDEX, PERSONAL_DATA = "LH001", "LH002", "LH003", "LH004"

RULES: tuple[dict[str, Any], ...] = (
    {
        "id": OPEN_STORE,
        "name": "OpenStore",
        "shortDescription": {"text": "Data store open without authentication"},
        "fullDescription": {
            "text": "A data store (Elasticsearch, OpenSearch, CouchDB, MongoDB, Redis, "
            "PostgreSQL, MySQL, an S3 bucket or Azure Blob container…) lists and returns "
            "its data to anyone who can reach it, without credentials."
        },
        "help": {
            "text": "Restrict network access (firewall, private interface) and enable "
            "authentication on every node. Keep logs and a snapshot as evidence, "
            "then assess the exposure as a possible personal data breach "
            "(leakhound assess)."
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["security", "external/cwe/cwe-306"],
            "security-severity": "9.1",
            "precision": "very-high",
        },
    },
    {
        "id": PARTIAL_STORE,
        "name": "PartiallyOpenStore",
        "shortDescription": {"text": "Data store partly open without authentication"},
        "fullDescription": {
            "text": "Some of the endpoint's APIs answer without credentials "
            "while others ask for them: a partial or misapplied "
            "access policy."
        },
        "help": {
            "text": "Review the access policy: require authentication on every API, "
            "including search and listing endpoints."
        },
        "defaultConfiguration": {"level": "warning"},
        "properties": {
            "tags": ["security", "external/cwe/cwe-284"],
            "security-severity": "7.5",
            "precision": "high",
        },
    },
    {
        "id": COMPROMISED_INDEX,
        "name": "CompromisedIndex",
        "shortDescription": {
            "text": "Container (index, collection, table…) shows signs of a prior wipe or "
            "ransom demand"
        },
        "fullDescription": {
            "text": "A container of the store (an index, a collection, a table, a database, a "
            "key pattern, a bucket's folder) looks like a ransom note or the remains of a "
            "wipe: someone else wrote to the store."
        },
        "help": {
            "text": "Treat the store as breached: preserve evidence, restore from "
            "backups, do not pay, and assess notification duties."
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["security", "external/cwe/cwe-306"],
            "security-severity": "9.8",
            "precision": "high",
        },
    },
    {
        "id": PERSONAL_DATA,
        "name": "PersonalDataExposed",
        "shortDescription": {"text": "Personal data exposed in an open store"},
        "fullDescription": {
            "text": "A sample of the records of one of the store's containers (an index's "
            "documents, a table's rows…) holds a kind of "
            "personal data (or credentials) readable by anyone who "
            "can reach the store."
        },
        "help": {
            "text": "Close access first; then assess the exposure with leakhound assess "
            "(ENISA severity, GDPR Art. 33/34 advice and deadlines)."
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["security", "privacy", "external/cwe/cwe-359"],
            "security-severity": "8.6",
            "precision": "high",
        },
    },
)
_RULE_INDEX = {r["id"]: n for n, r in enumerate(RULES)}


def _text(value: object) -> str:
    return neutralize(str(value))


def _utc(ts: str | None) -> str | None:
    if not ts:
        return None
    return ts.replace("+00:00", "Z")


def _fingerprint(*parts: str) -> dict[str, str]:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return {"leakhoundFinding/v1": digest[:32]}


def _store_location(url: str, endpoint: str) -> dict[str, Any]:
    return {
        "physicalLocation": {"artifactLocation": {"uri": url}},
        "logicalLocations": [{"name": _text(endpoint), "kind": "resource"}],
    }


def _container_location(i: ContainerExposure) -> dict[str, Any]:
    return {
        "physicalLocation": {"artifactLocation": {"uri": f"{i.url}/{quote(i.name, safe='')}"}},
        "logicalLocations": [
            {
                "name": _text(i.name),
                "fullyQualifiedName": _text(f"{i.endpoint}/{i.name}"),
                "kind": "resource",
            }
        ],
    }


def _result(
    rule: str,
    message: str,
    location: dict[str, Any],
    fingerprint: dict[str, str],
    level: str | None = None,
    **properties: Any,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": _RULE_INDEX[rule],
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": fingerprint,
    }
    if level:
        result["level"] = level
    if properties:
        result["properties"] = properties
    return result


# What each invocation notification's descriptor refers to.
_INCOMPLETE_NOTE = {
    "id": "inventory-incomplete",
    "shortDescription": {
        "text": "A store's inventory is incomplete: its counts are what the listing reached."
    },
}


def _inventory(r: TargetResult) -> tuple[str, dict[str, Any]]:
    """What a store result's message adds on its inventory, and its properties."""
    text = ""
    props: dict[str, Any] = {}
    if why := listing_gaps((r,)):
        text += f"; inventory incomplete: {'; '.join(why)}"
    if r.inventory_error:
        props["inventory_error"] = _text(r.inventory_error)
    if r.truncated:
        props["indices_truncated"] = r.truncated
    if r.inventory_note:  # the listing is whole: the counts stand
        text += f"; inventory note: {r.inventory_note}"
        props["inventory_note"] = _text(r.inventory_note)
    return text, props


def notifications(scan: ScanRecord) -> list[dict[str, Any]]:
    """Each exposed store whose inventory is incomplete as a warning of the run: a
    code-scanning view of its finding must be able to say its counts are partial, and why."""
    return [
        {
            "level": "warning",
            "message": {"text": _text(f"{r.service.url}: inventory incomplete: {'; '.join(why)}")},
            "locations": [_store_location(r.service.url, r.service.endpoint.key)],
            "descriptor": {"id": _INCOMPLETE_NOTE["id"], "index": 0},
        }
        for r in scan.exposed
        if (why := listing_gaps((r,)))
    ]


def _pii_level(entity_type: str) -> str:
    """error for credentials and data scoring 2+ on ENISA's DPC scale, note for data that
    barely identifies anyone (IP addresses), warning for the rest (contact details)."""
    if entity_type == SECRET:
        return "error"
    cls = entity_class(entity_type)
    if cls.identifies is Identifiability.NEGLIGIBLE:
        return "note"
    score = category_score(entity_type) or 1
    return "error" if score >= 2 else "warning"


def results(scan: ScanRecord) -> list[dict[str, Any]]:
    """The SARIF results of a stored scan."""
    out = []
    for r in scan.exposed:
        svc = r.service
        rule = OPEN_STORE if svc.verdict == Verdict.OPEN else PARTIAL_STORE
        endpoint = svc.endpoint.key
        # Containers listed but refused are not exposed: counted apart.
        read = [cr for cr in r.containers if not cr.refused(svc.verdict)]
        shut = len(r.containers) - len(read)
        held = Documents.of(cr.container for cr in read)
        w = words(svc.kind)
        counts: dict[str, Any] = {"indices": len(read), "documents": held.records}
        if held.uncounted:  # not in "documents": nobody counted their records
            counts["uncounted_indices"] = held.uncounted
        if held.estimated:  # in "documents": the store's estimate, not its count
            counts["estimated_documents"] = held.estimated
        if shut:
            counts["refused_indices"] = shut
        said, inventory = _inventory(r)
        out.append(
            _result(
                rule,
                _text(
                    f"{svc.url} is {svc.verdict}: {svc.reason}; {w.containers(len(read))}"
                    + (f" ({shut} more listed but not readable)" if shut else "")
                    + said
                ),
                _store_location(svc.url, endpoint),
                _fingerprint(rule, endpoint),
                verdict=svc.verdict.value,
                **counts,
                **inventory,
            )
        )
    for i in container_exposures(scan):
        if i.compromised:
            out.append(
                _result(
                    COMPROMISED_INDEX,
                    _text(
                        f"{i.words.container[0]} '{i.name}' on {i.url} shows signs of a wipe or "
                        "ransom: "
                        f"{'; '.join(i.compromise_reasons) or 'compromised'}"
                    ),
                    _container_location(i),
                    _fingerprint(COMPROMISED_INDEX, i.endpoint, i.name),
                )
            )
        for k in i.pii:
            cls = entity_class(k.entity_type)
            records = i.words.record[1]
            # '~': the store's estimate (docs_exact off), as the container tables mark it
            figure = text.count(i.docs, i.docs_exact)
            docs = f"{figure} {i.words.record[0] if figure in ('1', '~1') else records}"
            fields = ", ".join(k.fields[:5]) + (", …" if len(k.fields) > 5 else "")
            out.append(
                _result(
                    PERSONAL_DATA,
                    _text(
                        f"{cls.label} ({k.entity_type}) in {k.docs:,} of {i.sampled:,} "
                        f"{f'{records} read' if i.full else f'sampled {records}'} of "
                        f"{i.words.container[0]} '{i.name}' ({docs}) on {i.url}; fields: {fields}"
                    ),
                    _container_location(i),
                    _fingerprint(PERSONAL_DATA, i.endpoint, i.name, k.entity_type),
                    level=_pii_level(k.entity_type),
                    entity_type=k.entity_type,
                    enisa_category=cls.category.value if cls.category else "credentials",
                    sampled_documents=i.sampled,
                    documents_with_type=k.docs,
                    index_documents=i.docs,
                )
            )
    return out


def document(scan: ScanRecord) -> dict[str, Any]:
    """The scan as a SARIF log (a dict)."""
    version = scan.tool.version
    invocation: dict[str, Any] = {"executionSuccessful": scan.status == "done"}
    started, finished = _utc(scan.started_at), _utc(scan.finished_at)
    if started:
        invocation["startTimeUtc"] = started
    if finished:
        invocation["endTimeUtc"] = finished
    driver: dict[str, Any] = {
        "name": "leakhound",
        "version": version,
        "semanticVersion": version,
        "rules": list(RULES),
    }
    if warned := notifications(scan):  # a scan whose inventories are whole: as before
        invocation["toolExecutionNotifications"] = warned
        driver["notifications"] = [_INCOMPLETE_NOTE]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "automationDetails": {"id": f"leakhound-scan/{scan.scan_id}"},
                "invocations": [invocation],
                "results": results(scan),
                "properties": {
                    "scan_id": scan.scan_id,
                    "status": scan.status,
                    "endpoints": len(scan.results),
                },
            }
        ],
    }


def render(scan: ScanRecord) -> str:
    """The scan as SARIF 2.1.0 JSON."""
    return orjson.dumps(document(scan), option=orjson.OPT_INDENT_2).decode() + "\n"
