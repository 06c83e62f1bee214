"""Terraform: Azure NSG rules, AWS security groups and rules, GCP firewalls that admit the
Internet to a data store port.

Parsed with python-hcl2's grammar (its lark tree keeps every attribute's line). Variables are
resolved from ``variable`` defaults, ``locals`` and ``terraform.tfvars``/``*.auto.tfvars`` of the
same directory (one Terraform module); what stays unresolved lowers a finding's confidence and
is named in it, never passed silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import BUCKET_PUBLIC, NETWORK_RULE, Confidence, Finding, Severity
from .network import Unresolved, is_world, judge, stores_label
from .sources import ConfigSyntaxError, Located


@dataclass
class Block:
    """An HCL block: type, labels, line, attributes (value, line) and nested blocks."""

    type: str
    labels: list[str]
    line: int
    attrs: dict[str, tuple[Any, int]] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def get(self, name: str, default: Any = None) -> Any:
        """An attribute's raw value."""
        return self.attrs[name][0] if name in self.attrs else default

    def line_of(self, *names: str) -> int:
        """The line of the first of ``names`` present, else the block's own line."""
        for name in names:
            if name in self.attrs:
                return self.attrs[name][1]
        return self.line

    def children(self, kind: str) -> list[Block]:
        """Nested blocks of a type, ``dynamic "kind" { content {…} }`` included."""
        out = [b for b in self.blocks if b.type == kind]
        for d in self.blocks:
            if d.type == "dynamic" and d.labels[:1] == [kind]:
                out.extend(c for c in d.blocks if c.type == "content")
        return out


def parse(text: str) -> Block:
    """An HCL file as a root block (top-level attributes and blocks); ConfigSyntaxError when it
    does not parse."""
    import hcl2
    from hcl2.transformer import RuleTransformer
    from hcl2.utils import SerializationOptions
    from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedToken as exc:
        raise ConfigSyntaxError(
            f"invalid HCL: unexpected {exc.token.type} (column {exc.column})", exc.line
        ) from None
    except UnexpectedCharacters as exc:
        raise ConfigSyntaxError(
            f"invalid HCL: unexpected character {exc.char!r} (column {exc.column})", exc.line
        ) from None
    except UnexpectedInput as exc:
        raise ConfigSyntaxError("invalid HCL: unexpected end of input", exc.line) from None
    except (LarkError, RecursionError) as exc:
        raise ConfigSyntaxError(f"invalid HCL: {str(exc).splitlines()[0][:120]}") from None

    opts = SerializationOptions(
        with_comments=False, strip_string_quotes=True, explicit_blocks=False
    )

    def value(node: Any) -> Any:
        return RuleTransformer(discard_new_line_or_comments=True).transform(node).serialize(opts)

    def block(node: Any) -> Block:
        parts = [c for c in node.children if hasattr(c, "data")]
        *heads, body = parts
        names = [str(value(h)) for h in heads]
        out = Block(names[0], names[1:], node.meta.line)
        fill(out, body)
        return out

    def fill(target: Block, body: Any) -> None:
        for c in body.children:
            kind = getattr(c, "data", None)
            if kind == "attribute":
                ((name, val),) = value(c).items()
                target.attrs[name] = (val, c.meta.line)
            elif kind == "block":
                target.blocks.append(block(c))

    try:
        root = Block("", [], 1)
        fill(root, tree.children[0])
    except (LarkError, RuntimeError, ValueError, RecursionError) as exc:
        raise ConfigSyntaxError(f"invalid HCL: {str(exc).splitlines()[0][:120]}") from None
    return root


# Names that are nested blocks (not map attributes) in the resources linted here: Terraform's
# JSON syntax writes both as objects, and only the schema tells them apart.
_JSON_BLOCKS = {
    "ingress",
    "egress",
    "security_rule",
    "allow",
    "deny",
    "dynamic",
    "content",
    "resource",
    "variable",
    "locals",
}


def from_json(doc: Any) -> Block:
    """A ``.tf.json`` document as the same root block ``parse`` gives (lines from the JSON)."""
    root = Block("", [], getattr(doc, "line", 1))
    if not isinstance(doc, Located):
        raise ConfigSyntaxError("Terraform JSON must be an object", getattr(doc, "line", 1))
    for kind in ("resource", "variable", "locals"):
        section = doc.get(kind)
        for item in section if isinstance(section, list) else [section]:
            if isinstance(item, Located):
                root.blocks.extend(
                    _json_blocks(kind, item, depth={"resource": 2, "variable": 1}.get(kind, 0))
                )
    return root


def _json_blocks(kind: str, node: Located, depth: int, labels: tuple[str, ...] = ()) -> list[Block]:
    """Blocks of ``kind`` under ``node``, whose first ``depth`` levels of keys are labels."""
    if depth:
        out: list[Block] = []
        for key, value in node.items():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, Located):
                    out.extend(_json_blocks(kind, item, depth - 1, (*labels, str(key))))
        return out
    block = Block(kind, list(labels), node.line)
    for key, value in node.items():
        items = value if isinstance(value, list) else [value]
        if key in _JSON_BLOCKS and items and all(isinstance(i, Located) for i in items):
            for item in items:
                if key == "dynamic":
                    block.blocks.extend(_json_blocks("dynamic", item, 1))
                else:
                    block.blocks.extend(_json_blocks(str(key), item, 0))
        else:
            block.attrs[str(key)] = (value, node.line_of(key))
    return [block]


_WHOLE = re.compile(r"^\$\{(.*)\}$", re.S)
_REF = re.compile(r"^(var|local)\.([A-Za-z_][\w-]*)$")
_RESOURCE_REF = re.compile(
    r"^(?!(?:var|local|each|count|self|path|terraform|module)\.)(?:data\.)?[a-z][a-z0-9_]*\.[\w-]+"
    r"(?:\[[^\]]*\])?(?:\.[\w-]+(?:\[[^\]]*\])?)+$"
)
_INTERP = re.compile(r"\$\{([^{}]*)\}")
_LITERAL = re.compile(r'"([^"$]*)"')


class Scope:
    """Values of ``var.*`` and ``local.*`` in one module directory."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.origin: dict[str, str] = {}

    def lookup(self, ref: str) -> Any:
        """The raw value bound to 'var.x'/'local.x', or Unresolved."""
        return self.values.get(ref, Unresolved(ref))

    def resolve(self, value: Any, depth: int = 0) -> Any:
        """A value with its references replaced where they are known (lists flattened)."""
        if depth > 8:  # locals that refer to each other in a loop
            return Unresolved(str(value))
        if isinstance(value, list):
            out: list[Any] = []
            for item in value:
                r = self.resolve(item, depth + 1)
                out.extend(r if isinstance(r, list) else [r])
            return out
        if not isinstance(value, str) or "${" not in value:
            return value
        whole = _WHOLE.match(value)
        if whole and _REF.match(whole.group(1).strip()):
            found = self.lookup(whole.group(1).strip())
            return found if isinstance(found, Unresolved) else self.resolve(found, depth + 1)
        if whole and _RESOURCE_REF.match(whole.group(1).strip()):
            # Another resource's attribute (aws_vpc.main.cidr_block, azurerm_subnet.app.
            # address_prefixes[0]): an address inside the deployment, not the Internet.
            return whole.group(1).strip()
        if whole and "${" not in whole.group(1):
            return self._opaque(whole.group(1))

        def sub(m: re.Match[str]) -> str:
            expr = m.group(1).strip()
            got = self.resolve(self.lookup(expr), depth + 1) if _REF.match(expr) else None
            if isinstance(got, str | int | float) and not isinstance(got, bool):
                return str(got)
            raise LookupError(expr)

        try:
            return _INTERP.sub(sub, value)
        except LookupError:
            return Unresolved(value.replace("${", "").replace("}", ""))

    def _opaque(self, expr: str) -> Any:
        """A function call or other expression: its string literals if one of them is the
        Internet (``concat(var.a, ["0.0.0.0/0"])`` admits 0.0.0.0/0 whatever var.a holds)."""
        world = [lit for lit in _LITERAL.findall(expr) if is_world(lit)]
        return [*world, Unresolved(expr)] if world else Unresolved(expr)


def module_scope(files: dict[Path, Block], tfvars: dict[Path, Block]) -> Scope:
    """Variable defaults, locals and tfvars of one module directory."""
    scope = Scope()
    for root in files.values():
        for b in root.blocks:
            if b.type == "variable" and b.labels and "default" in b.attrs:
                scope.values[f"var.{b.labels[0]}"] = b.get("default")
                scope.origin[f"var.{b.labels[0]}"] = "default"
            elif b.type == "locals":
                for name, (val, _) in b.attrs.items():
                    scope.values[f"local.{name}"] = val
    order = sorted(tfvars, key=lambda p: (p.name != "terraform.tfvars", p.name))
    for path in order:
        # terraform.tfvars first, then *.auto.tfvars in name order: later ones win, as in
        # Terraform itself.
        for name, (val, _) in tfvars[path].attrs.items():
            scope.values[f"var.{name}"] = val
            scope.origin[f"var.{name}"] = path.name
    return scope


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class _Module:
    """Findings for the resources of one module directory."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.findings: list[Finding] = []

    def r(self, value: Any) -> Any:
        """A value resolved in the module's scope."""
        return self.scope.resolve(value)

    def rule(
        self,
        path: str,
        line: int,
        subject: str,
        sources: list[Any],
        ports: list[Any],
        protocol: Any,
        raw: Any,
    ) -> None:
        """Record a finding when the rule admits the Internet to a store port."""
        verdict = judge(sources, ports, protocol)
        if verdict is None:
            return
        notes = []
        for ref in dict.fromkeys(re.findall(r"\b(?:var|local)\.[\w-]+", str(raw))):
            if ref in self.scope.values:
                origin = self.scope.origin.get(ref, "locals")
                notes.append(f"{ref} from {'its default' if origin == 'default' else origin}")
        why = verdict.why + (f" ({'; '.join(notes)})" if notes else "")
        self.findings.append(
            Finding(
                NETWORK_RULE,
                verdict.severity,
                path,
                line,
                stores_label(verdict.ports, ports),
                subject,
                why,
                NETWORK_RULE.help,
                verdict.confidence,
            )
        )

    def azure_rule(self, path: str, b: Block, subject: str) -> None:
        """An NSG rule (standalone resource or inline security_rule)."""
        direction, access = _lower(self.r(b.get("direction"))), _lower(self.r(b.get("access")))
        if direction == "outbound" or access == "deny":
            return
        sources = [
            *_items(self.r(b.get("source_address_prefix"))),
            *_items(self.r(b.get("source_address_prefixes"))),
        ]
        ports = [
            *_items(self.r(b.get("destination_port_range"))),
            *_items(self.r(b.get("destination_port_ranges"))),
        ]
        name = self.r(b.get("name"))
        label = f"{subject} (rule '{name}')" if isinstance(name, str) else subject
        line = b.line_of("source_address_prefix", "source_address_prefixes")
        self.rule(path, line, label, sources, ports, self.r(b.get("protocol")), b.attrs)

    def aws_ingress(
        self, path: str, b: Block, subject: str, v4: str, v6: str, proto_key: str
    ) -> None:
        """An AWS ingress: a security group's block, a security_group_rule, a vpc rule."""
        protocol = self.r(b.get(proto_key))
        if str(protocol).strip() in ("-1", "all"):
            ports: list[Any] = ["*"]
        else:
            lo, hi = self.r(b.get("from_port")), self.r(b.get("to_port", b.get("from_port")))
            if isinstance(lo, Unresolved) or isinstance(hi, Unresolved):
                ports = [lo if isinstance(lo, Unresolved) else hi]
            else:
                ports = [f"{lo}-{hi}"]
        sources = [*_items(self.r(b.get(v4))), *_items(self.r(b.get(v6)))]
        self.rule(path, b.line_of(v4, v6), subject, sources, ports, protocol, b.attrs)

    def gcp_firewall(self, path: str, b: Block, subject: str) -> None:
        """A GCP firewall: its sources (0.0.0.0/0 when none is named) and allow blocks."""
        if _lower(self.r(b.get("direction", "INGRESS"))) == "egress":
            return
        if self.r(b.get("disabled")) is True:
            return
        if "source_ranges" in b.attrs:
            sources = _items(self.r(b.get("source_ranges")))
            line = b.line_of("source_ranges")
        elif "source_tags" in b.attrs or "source_service_accounts" in b.attrs:
            return  # sources are the tagged instances, not the Internet
        else:
            # GCP's default for an ingress rule that names no source is 0.0.0.0/0.
            sources, line = ["0.0.0.0/0"], b.line
        for allow in b.children("allow"):
            protocol = self.r(allow.get("protocol"))
            ports = _items(self.r(allow.get("ports"))) or ["*"]
            self.rule(path, line, subject, sources, ports, protocol, b.attrs)


# -- buckets readable by anyone ---------------------------------------------------------------

_PUBLIC_ACLS = {"public-read", "public-read-write"}
_PUBLIC_MEMBERS = {"allusers", "allauthenticatedusers"}
# A policy statement as HCL (jsonencode({...})) or JSON: its principal is everyone when it is
# "*" or {"AWS": "*"} (a list holding "*" too).
_PRINCIPAL_ANY = re.compile(
    r"""["']?Principal["']?\s*[=:]\s*(?:\{\s*["']?AWS["']?\s*[=:]\s*)?\[?\s*["']\*["']""", re.I
)
_ALLOW = re.compile(r"""["']?Effect["']?\s*[=:]\s*["']Allow["']""", re.I)
_CONDITION = re.compile(r"""["']?Condition["']?\s*[=:]""", re.I)
_BUCKET_REF = re.compile(r"aws_s3_bucket\.([\w-]+)")
_ACCOUNT_REF = re.compile(r"azurerm_storage_account\.([\w-]+)")


def _bucket_key(value: Any) -> str:
    """What a resource's ``bucket`` names, the same whether by reference or by name."""
    m = _BUCKET_REF.search(str(value))
    return f"ref:{m.group(1)}" if m else f"name:{value}"


@dataclass
class _Buckets:
    """S3 findings wait for the whole module: a public access block may sit in another file."""

    acls: list[tuple[str, Block, str, str, str]] = field(default_factory=list)
    policies: list[tuple[str, Block, str, str]] = field(default_factory=list)
    blocks: dict[str, dict[str, Any]] = field(default_factory=dict)
    containers: list[tuple[str, Block, str, str, Any]] = field(default_factory=list)
    private_accounts: set[str] = field(default_factory=set)
    account: dict[str, Any] | None = None  # aws_s3_account_public_access_block: every bucket


def _s3_names(root_blocks: list[Block]) -> dict[str, str]:
    """aws_s3_bucket resource name -> the bucket's name, to match blocks that use either."""
    out = {}
    for res in root_blocks:
        if res.type == "resource" and res.labels[:1] == ["aws_s3_bucket"] and len(res.labels) > 1:
            out[f"name:{res.get('bucket')}"] = f"ref:{res.labels[1]}"
    return out


def _bucket_findings(m: _Module, b: _Buckets, aliases: dict[str, str]) -> None:
    """An S3 ACL or policy open to anyone, unless Block Public Access for that bucket stops it:
    high when a public access block explicitly turns the protection off, medium when none is
    declared (buckets created since April 2023 block public access by default; older ones and
    accounts that turned it off do not)."""

    def block_for(key: str) -> dict[str, Any] | None:
        """The bucket's own block, merged with the account's: either one blocking stops it."""
        key = aliases.get(key, key)
        own = next((v for k, v in b.blocks.items() if aliases.get(k, k) == key), None)
        if b.account is None:
            return own
        return {k: v or bool((own or {}).get(k)) for k, v in b.account.items()}

    def add(path: str, line: int, subject: str, why: str, blocker: dict[str, Any] | None) -> None:
        severity = Severity.MEDIUM if blocker is None else Severity.HIGH
        if blocker is None:
            why += (
                " (no aws_s3_bucket_public_access_block for it here: buckets created since "
                "April 2023 block public access by default, older ones do not)"
            )
        m.findings.append(
            Finding(BUCKET_PUBLIC, severity, path, line, "S3", subject, why, BUCKET_PUBLIC.help)
        )

    for path, res, subject, access, account in b.containers:
        ref = _ACCOUNT_REF.search(str(account))
        key = f"ref:{ref.group(1)}" if ref else f"name:{m.r(account)}"
        if key in b.private_accounts:
            continue
        what = (
            "lists and reads every blob" if access == "container" else "reads any blob by its name"
        )
        m.findings.append(
            Finding(
                BUCKET_PUBLIC,
                Severity.HIGH,
                path,
                res.line_of("container_access_type"),
                "Azure Blob",
                subject,
                f"container_access_type = {access}: anyone {what} without a key (unless its "
                "storage account sets allow_nested_items_to_be_public = false)",
                BUCKET_PUBLIC.help,
            )
        )
    for path, res, subject, acl, key in b.acls:
        blocker = block_for(key)
        if blocker and (blocker.get("block_public_acls") or blocker.get("ignore_public_acls")):
            continue
        what = "lists and reads" if acl == "public-read" else "lists, reads and writes"
        add(path, res.line_of("acl"), subject, f"acl = {acl}: anyone {what} the bucket", blocker)
    for path, res, subject, key in b.policies:
        blocker = block_for(key)
        if blocker and (
            blocker.get("block_public_policy") or blocker.get("restrict_public_buckets")
        ):
            continue
        why = "its policy allows Principal '*' with no condition: anyone reads what it allows"
        add(path, res.line_of("policy"), subject, why, blocker)


_STATEMENT = re.compile(r"""["']?Statement["']?\s*[=:]\s*""", re.I)


def _statements(text: str) -> list[str]:
    """Each statement of a policy's text on its own (the objects of its Statement list), so a
    condition on one statement (the usual HTTPS-only deny) does not excuse another; the whole
    text when no Statement list is found."""
    m = _STATEMENT.search(text)
    if not m or m.end() >= len(text) or text[m.end()] not in "[{":
        return [text]
    base = 1 if text[m.end()] == "[" else 0
    out: list[str] = []
    depth, start = 0, -1
    for j in range(m.end(), len(text)):
        c = text[j]
        if c in "{[":
            if c == "{" and depth == base:
                start = j
            depth += 1
        elif c in "}]":
            depth -= 1
            if c == "}" and depth == base and start >= 0:
                out.append(text[start : j + 1])
                start = -1
            if depth <= 0 and (base == 1 or c == "}"):
                break
    return out or [text]


def _public_policy(text: str) -> bool:
    """Whether one statement allows Principal '*' with no condition."""
    return any(
        _ALLOW.search(st) and _PRINCIPAL_ANY.search(st) and not _CONDITION.search(st)
        for st in _statements(text)
    )


def lint_module(
    files: dict[Path, Block], tfvars: dict[Path, Block], display: dict[Path, str]
) -> list[Finding]:
    """Findings for the .tf files of one directory (``display``: each file's reported path)."""
    m = _Module(module_scope(files, tfvars))
    buckets = _Buckets()
    aliases: dict[str, str] = {}
    for fpath, root in files.items():
        path = display[fpath]
        aliases.update(_s3_names(root.blocks))
        for res in root.blocks:
            if res.type != "resource" or len(res.labels) < 2:
                continue
            kind, name = res.labels[0], res.labels[1]
            subject = f"{kind}.{name}"
            if kind in ("aws_s3_bucket_acl", "aws_s3_bucket"):
                acl = _lower(m.r(res.get("acl")))
                if isinstance(acl, str) and acl in _PUBLIC_ACLS:
                    key = (
                        f"ref:{name}" if kind == "aws_s3_bucket" else _bucket_key(res.get("bucket"))
                    )
                    buckets.acls.append((path, res, subject, str(acl), key))
                if kind == "aws_s3_bucket" and _public_policy(str(res.get("policy") or "")):
                    buckets.policies.append((path, res, subject, f"ref:{name}"))
            elif kind == "aws_s3_bucket_policy":
                if _public_policy(str(res.get("policy") or "")):
                    buckets.policies.append((path, res, subject, _bucket_key(res.get("bucket"))))
            elif kind in (
                "aws_s3_bucket_public_access_block",
                "aws_s3_account_public_access_block",
            ):
                settings = {
                    k: m.r(res.get(k)) is True
                    for k in (
                        "block_public_acls",
                        "ignore_public_acls",
                        "block_public_policy",
                        "restrict_public_buckets",
                    )
                }
                if kind == "aws_s3_account_public_access_block":
                    buckets.account = settings
                else:
                    buckets.blocks[_bucket_key(res.get("bucket"))] = settings
            elif kind == "azurerm_storage_container":
                access = _lower(m.r(res.get("container_access_type")))
                if access in ("blob", "container"):
                    account = res.get("storage_account_name", res.get("storage_account_id"))
                    buckets.containers.append((path, res, subject, str(access), account))
            elif kind == "azurerm_storage_account":
                # The account-wide switch (allow_blob_public_access before provider 3.0):
                # false makes every container private, whatever its access type says.
                flag = res.get(
                    "allow_nested_items_to_be_public", res.get("allow_blob_public_access")
                )
                if m.r(flag) is False:
                    buckets.private_accounts.add(f"ref:{name}")
                    buckets.private_accounts.add(f"name:{m.r(res.get('name'))}")
            elif kind in ("google_storage_bucket_iam_member", "google_storage_bucket_iam_binding"):
                members = [*_items(m.r(res.get("member"))), *_items(m.r(res.get("members")))]
                public = [x for x in members if isinstance(x, str) and x.lower() in _PUBLIC_MEMBERS]
                role = m.r(res.get("role"))
                if public:
                    m.findings.append(
                        Finding(
                            BUCKET_PUBLIC,
                            Severity.HIGH,
                            path,
                            res.line_of("member", "members"),
                            "Google Cloud Storage",
                            subject,
                            f"grants {role} to {', '.join(map(str, public))}: anyone on the "
                            "Internet gets what the role allows",
                            BUCKET_PUBLIC.help,
                            Confidence.HIGH,
                        )
                    )
            elif kind == "azurerm_network_security_rule":
                m.azure_rule(path, res, subject)
            elif kind == "azurerm_network_security_group":
                for sr in res.children("security_rule"):
                    m.azure_rule(path, sr, subject)
                for i, item in enumerate(_items(res.get("security_rule"))):
                    if isinstance(item, dict):  # attribute syntax: security_rule = [{…}]
                        line = res.line_of("security_rule")
                        m.azure_rule(path, _as_block(item, line), f"{subject}[{i}]")
            elif kind == "aws_security_group":
                for ing in res.children("ingress"):
                    m.aws_ingress(path, ing, subject, "cidr_blocks", "ipv6_cidr_blocks", "protocol")
                for i, item in enumerate(_items(res.get("ingress"))):
                    if isinstance(item, dict):
                        line = res.line_of("ingress")
                        m.aws_ingress(
                            path,
                            _as_block(item, line),
                            f"{subject}.ingress[{i}]",
                            "cidr_blocks",
                            "ipv6_cidr_blocks",
                            "protocol",
                        )
            elif kind == "aws_security_group_rule":
                if _lower(m.r(res.get("type"))) == "ingress":
                    m.aws_ingress(path, res, subject, "cidr_blocks", "ipv6_cidr_blocks", "protocol")
            elif kind == "aws_vpc_security_group_ingress_rule":
                m.aws_ingress(path, res, subject, "cidr_ipv4", "cidr_ipv6", "ip_protocol")
            elif kind == "google_compute_firewall":
                m.gcp_firewall(path, res, subject)
    _bucket_findings(m, buckets, aliases)
    return m.findings


def _as_block(item: dict[str, Any], line: int) -> Block:
    return Block("item", [], line, {k: (v, line) for k, v in item.items()})
