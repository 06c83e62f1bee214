"""Rendering a lint result: terminal (rich), JSON and SARIF 2.1.0, every string from a file
neutralised before it reaches a terminal."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from .. import __version__
from ..redact import neutralize
from .model import RULES, Finding, LintResult, Severity

_STYLE = {Severity.HIGH: "bold red", Severity.MEDIUM: "yellow", Severity.LOW: "cyan"}
_LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
# GitHub code scanning ranks by a rule's security-severity (0-10).
_RULE_SEVERITY = {
    "LH100": "3.0",
    "LH101": "9.1",
    "LH110": "7.5",
    "LH111": "7.5",
    "LH112": "7.5",
    "LH120": "8.6",
    "LH121": "8.6",
}
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


def _counts(result: LintResult) -> dict[str, int]:
    return {
        s.label: sum(1 for f in result.findings if f.severity is s)
        for s in sorted(Severity, reverse=True)
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    """One finding as plain JSON values."""
    return {
        "rule": f.rule.id,
        "rule_name": f.rule.name,
        "severity": f.severity.label,
        "confidence": f.confidence.value,
        "store": f.store,
        "path": f.path,
        "line": f.line,
        "subject": f.subject,
        "why": f.why,
        "fix": f.fix,
        "message": f.message,
        # Where values it was judged on were set (a tfvars or --var-file line), besides path.
        "set_at": [{"variable": w.name, "path": w.path, "line": w.line or None} for w in f.set_at],
    }


def document(result: LintResult) -> dict[str, Any]:
    """The whole result as a JSON-ready dict."""
    return {
        "tool": {"name": "leakhound", "version": __version__},
        "command": "lint",
        "files": len(result.files),
        "summary": _counts(result),
        "findings": [finding_dict(f) for f in result.findings],
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
    }


def render_json(result: LintResult) -> str:
    """The result as indented JSON."""
    return orjson.dumps(document(result), option=orjson.OPT_INDENT_2).decode() + "\n"


def render_terminal(result: LintResult, console: Console) -> None:
    """Each finding as a three-line block, most severe first, then a one-line summary.

    Blocks rather than a table: a finding's reason and fix are sentences, which a table
    squeezes into a narrow column on an 80-column terminal or a CI log.
    """
    findings = sorted(result.findings, key=lambda f: (-f.severity, f.path, f.line))
    for f in findings:
        head = Text()
        head.append(f"{f.severity.label:<6}", style=_STYLE[f.severity])
        head.append(" ")
        head.append(neutralize(f"{f.path}:{f.line}"), style="bold")
        head.append(f"  {f.rule.id}  ")
        head.append(neutralize(f.store or "unparsable"), style="magenta")
        head.append("  " + neutralize(f.subject))
        if f.confidence.value == "low":
            head.append("  (low confidence)", style="dim")
        console.print(head, highlight=False, soft_wrap=True)
        console.print(Padding(Text(neutralize(f.why)), (0, 0, 0, 7), expand=False), highlight=False)
        if f.set_at:
            where = "; ".join(f"{w.name} at {w.location}" for w in f.set_at)
            console.print(
                Padding(Text("set: " + neutralize(where)), (0, 0, 0, 7), expand=False),
                highlight=False,
            )
        fix = Text("fix: " + neutralize(f.fix), style="dim")
        console.print(Padding(fix, (0, 0, 0, 7), expand=False), highlight=False)
    counts = ", ".join(f"{n} {label}" for label, n in _counts(result).items() if n)
    summary = f"{len(result.files)} file(s) linted, {len(result.findings)} finding(s)"
    if counts:
        summary += f" ({counts})"
    if result.skipped:
        summary += f", {len(result.skipped)} skipped (--format json or sarif lists them)"
    console.print(Text(summary), highlight=False)


def _uri(path: str, base: Path) -> tuple[str, bool]:
    """(uri, relative?) for a reported path: relative to ``base`` (%SRCROOT%) when under it, an
    absolute ``file://`` URI otherwise: a module's file read from beside the linted folder,
    shown as ``../modules/…``, is not a file of %SRCROOT%, and a relative reference climbing
    out of its base is dropped or misplaced by code-scanning tools."""
    p = Path(path)
    if not p.is_absolute() and ".." in p.parts:
        p = Path(os.path.normpath(base / p))
        p = p.relative_to(base) if p.is_relative_to(base) else p
    if p.is_absolute():
        return p.as_uri(), False
    return quote(p.as_posix(), safe="/"), True


def _fingerprints(findings: list[Finding]) -> list[dict[str, str]]:
    """Stable identities for code-scanning tools: rule, file, subject and store, without the
    line (a finding keeps its identity when lines above it move), plus an occurrence count so
    two findings of one subject (two ports of one Service) stay distinct."""
    seen: dict[str, int] = {}
    out = []
    for f in findings:
        key = "\x1f".join((f.rule.id, f.path, f.subject, f.store))
        n = seen.get(key, 0)
        seen[key] = n + 1
        digest = hashlib.sha256(f"{key}\x1f{n}".encode("utf-8", "surrogatepass")).hexdigest()
        out.append({"leakhoundLint/v1": digest[:32]})
    return out


def sarif_document(result: LintResult, root: Path | None = None) -> dict[str, Any]:
    """The result as a SARIF 2.1.0 log (a dict); relative paths are based at ``root``."""
    index = {r.id: n for n, r in enumerate(RULES)}
    rules = [
        {
            "id": r.id,
            "name": r.name,
            "shortDescription": {"text": r.title},
            "fullDescription": {"text": r.title + "."},
            "help": {"text": r.help},
            "defaultConfiguration": {"level": "note" if r.id == "LH100" else "error"},
            "properties": {
                "tags": ["security", f"external/cwe/cwe-{r.cwe}"],
                "security-severity": _RULE_SEVERITY[r.id],
                "precision": "high",
            },
        }
        for r in RULES
    ]
    results = []
    base = (root or Path.cwd()).resolve()
    for f, fingerprint in zip(result.findings, _fingerprints(result.findings), strict=True):
        uri, relative = _uri(f.path, base)
        location: dict[str, Any] = {"uri": uri}
        if relative:
            location["uriBaseId"] = "%SRCROOT%"
        results.append(
            {
                "ruleId": f.rule.id,
                "ruleIndex": index[f.rule.id],
                "level": _LEVEL[f.severity],
                "message": {"text": neutralize(f"{f.message}. Fix: {f.fix}")},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": location,
                            "region": {"startLine": f.line},
                        }
                    }
                ],
                # Where its values were set (a tfvars or --var-file line), when elsewhere.
                **({"relatedLocations": _set_at(f, base)} if f.set_at else {}),
                "partialFingerprints": fingerprint,
                "properties": {
                    "severity": f.severity.label,
                    "confidence": f.confidence.value,
                    "store": f.store,
                },
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "leakhound",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                        # What each invocation notification's descriptor refers to.
                        "notifications": [_SKIPPED_NOTE],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri().rstrip("/") + "/"}},
                "automationDetails": {"id": "leakhound-lint/"},
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": _notifications(result, base),
                    }
                ],
                "results": results,
                "properties": {"files": len(result.files), "skipped": len(result.skipped)},
            }
        ],
    }


def _set_at(f: Finding, base: Path) -> list[dict[str, Any]]:
    """The tfvars / --var-file lines that set the values of a finding, as SARIF related
    locations (the result's own location stays the resource's)."""
    out = []
    for n, w in enumerate(f.set_at):
        uri, relative = _uri(w.path, base)
        artifact: dict[str, Any] = {"uri": uri}
        if relative:
            artifact["uriBaseId"] = "%SRCROOT%"
        physical: dict[str, Any] = {"artifactLocation": artifact}
        if w.line:
            physical["region"] = {"startLine": w.line}
        out.append(
            {
                "id": n,
                "physicalLocation": physical,
                "message": {"text": neutralize(f"{w.name} set here")},
            }
        )
    return out


_SKIPPED_NOTE = {
    "id": "skipped",
    "shortDescription": {
        "text": "A file was not linted: too large, not a regular file, or not parseable."
    },
}


def _notifications(result: LintResult, base: Path) -> list[dict[str, Any]]:
    """Each file not linted (too large, unreadable, not parseable, a FIFO…) as a SARIF
    notification: a skipped file is not a finding, but a code-scanning view that shows no
    finding for it must be able to say it was not read."""
    out = []
    for s in result.skipped:
        uri, relative = _uri(s.path, base)
        location: dict[str, Any] = {"uri": uri}
        if relative:
            location["uriBaseId"] = "%SRCROOT%"
        out.append(
            {
                "level": "warning",
                "message": {"text": neutralize(f"{s.path} not linted: {s.reason}")},
                "locations": [{"physicalLocation": {"artifactLocation": location}}],
                "descriptor": {"id": _SKIPPED_NOTE["id"], "index": 0},
            }
        )
    return out


def render_sarif(result: LintResult, root: Path | None = None) -> str:
    """The result as SARIF 2.1.0 JSON."""
    return orjson.dumps(sarif_document(result, root), option=orjson.OPT_INDENT_2).decode() + "\n"
