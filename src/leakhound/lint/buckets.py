"""Terraform buckets and blob containers readable by anyone (LH121): S3 ACLs (of buckets and of
objects) and policies, Azure containers, GCS ACLs and IAM members, each judged against what
stops it anywhere in its module tree (S3 Block Public Access, ACLs disabled by
BucketOwnerEnforced or uniform bucket-level access, GCS public access prevention, an Azure
account that allows no public container).
Whether an S3 policy's text is public is ``awspolicy``'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .awspolicy import doubtful_policy, public_policy, resources, restricts
from .model import BUCKET_PUBLIC, Confidence, Finding, SetAt, Severity
from .network import Unresolved
from .terraform import Block, _as_block, _items, _lower, not_created
from .tfmodules import Instance, Tree

# S3 canned ACLs that open a bucket or an object, to whom and for what on each
# (authenticated-read: any of the millions of AWS accounts, which AWS counts as public too; an
# object's WRITE grant lets nobody change it, so public-read-write reads it as public-read).
_PUBLIC_ACLS = {
    "public-read": ("anyone", "lists and reads the bucket", "reads the object"),
    "public-read-write": ("anyone", "lists, reads and writes the bucket", "reads the object"),
    "authenticated-read": (
        "anyone with an AWS account",
        "lists and reads the bucket",
        "reads the object",
    ),
}
# Resources that hold one S3 object (aws_s3_bucket_object before AWS provider 4.0).
_S3_OBJECTS = {"aws_s3_object", "aws_s3_bucket_object"}
# The grantee groups of an explicit S3 grant (http://acs.amazonaws.com/groups/global/AllUsers).
_S3_GROUPS = {"allusers": "anyone", "authenticatedusers": "anyone with an AWS account"}
_S3_PERMISSIONS = {
    "READ": "lists the bucket",
    "WRITE": "writes to the bucket",
    "READ_ACP": "reads the bucket's ACL",
    "WRITE_ACP": "rewrites the bucket's ACL",
    "FULL_CONTROL": "lists, writes and rewrites the ACL of the bucket",
}
_PUBLIC_MEMBERS = {"allusers", "allauthenticatedusers"}
# GCS canned ACLs that grant allUsers a role on the bucket, and what that role lets anyone do.
_GCS_PUBLIC_ACLS = {"publicread": "READER", "publicreadwrite": "WRITER"}
# GCS ACL resources: whole lists (…_acl) or one entry (…_access_control), of the bucket or of
# the objects written to it later (default_object).
_GCS_ACL_KINDS = {
    "google_storage_bucket_acl",
    "google_storage_default_object_acl",
    "google_storage_bucket_access_control",
    "google_storage_default_object_access_control",
}
_GCS_ROLES = {"READER": "lists the bucket", "WRITER": "lists and writes", "OWNER": "owns"}
_POLICY_WHY = (
    "its policy allows Principal '*' with no condition that ties it to fixed sources or "
    "principals: anyone reads what it allows"
)
_POLICY_DOUBT = (
    "if it allows Principal '*' with no condition that ties it to fixed sources or "
    "principals, anyone reads what it allows"
)
_QUOTED = re.compile(r""""([^"]*)"|'([^']*)'""")
_DOCUMENT_REF = re.compile(r"data\.aws_iam_policy_document\.([\w-]+)\.json")
_GCS_POLICY_REF = re.compile(r"data\.google_iam_policy\.([\w-]+)\.policy_data")
_BARE_REF = re.compile(r"^\$\{\s*((?:var|local)\.[\w-]+)\s*\}$")
# A bucket's ARN in a policy's Resource (arn:aws:s3:::cases-export/*): the bucket's name, whole
# (arn:aws:s3:::logs${var.env}/* names logs-prod or logsdev, not a bucket called logs).
_S3_ARN = re.compile(r"""arn:aws[\w-]*:s3:::([a-z0-9][a-z0-9.-]*)(?=[/"'\s,\]]|$)""")
_BARE_NAME = re.compile(r"(?:var|local)\.[\w-]+")
_EACH = re.compile(r"^\$\{\s*each\.(?:key|value)\b")
# What a resource's reference to a bucket or account looks like, by kind.
# Not a data source's (data.aws_s3_bucket.this reads a bucket made elsewhere, not the
# aws_s3_bucket.this made here).
_REFS = {
    "s3": re.compile(r"(?<![\w.])aws_s3_bucket\.([\w-]+)"),
    "azure": re.compile(r"(?<![\w.])azurerm_storage_account\.([\w-]+)"),
    "gcs": re.compile(r"(?<![\w.])google_storage_bucket\.([\w-]+)"),
}
# Resources that create a bucket or account, and the attribute that holds its name.
_NAMED = {
    "aws_s3_bucket": ("s3", "bucket"),
    "azurerm_storage_account": ("azure", "name"),
    "google_storage_bucket": ("gcs", "name"),
}
_BLOCK_KEYS = (
    "block_public_acls",
    "ignore_public_acls",
    "block_public_policy",
    "restrict_public_buckets",
)


@dataclass(frozen=True)
class _Grant:
    """A public ACL, policy, container or member, judged once the whole tree is read."""

    kind: str  # s3-acl, s3-policy, azure, gcs-acl, gcs-iam
    key: str
    path: str
    line: int
    subject: str
    why: str
    store: str
    doubt: bool = False  # may be public: a value it turns on is not known here
    set_at: tuple[SetAt, ...] = ()  # the tfvars lines that set the values it was judged on


@dataclass
class _Tree:
    """What a module tree grants to anyone, and what stops it, by bucket or account key."""

    grants: list[_Grant] = field(default_factory=list)
    s3_blocks: dict[str, dict[str, bool]] = field(default_factory=dict)
    s3_account: dict[str, bool] | None = None  # aws_s3_account_public_access_block
    acls_disabled: set[str] = field(default_factory=set)  # BucketOwnerEnforced, uniform access
    gcs_prevented: set[str] = field(default_factory=set)  # public_access_prevention enforced
    private_accounts: set[str] = field(default_factory=set)
    aliases: dict[str, str] = field(default_factory=dict)  # name key -> reference key
    public_documents: set[str] = field(default_factory=set)  # aws_iam_policy_document names
    doubtful_documents: dict[str, str] = field(default_factory=dict)  # name: what is not known
    unknown_s3: list[str] = field(default_factory=list)  # stoppers of a bucket not known here
    gcs_documents: dict[str, str] = field(default_factory=dict)  # google_iam_policy: grants

    def note_unknown(self, subject: str, key: str) -> None:
        """Remember an S3 access block or ownership control whose bucket is not known here."""
        expr = _unknown(key)
        if expr is not None:
            self.unknown_s3.append(f"{subject} ({expr})")

    def public(self, inst: Instance, policy: Any) -> tuple[bool, str]:
        """Whether a policy (its text, an aws_iam_policy_document's .json, or the file a
        ``file``/``templatefile`` reads) is public, and why: where the values it was judged
        with came from when it is (var.who from prod.auto.tfvars), what could not be read that
        may make it so when it is not known to be ("" when nothing)."""
        inst, policy = inst.origin(policy)
        bare = _BARE_REF.match(str(policy).strip())
        if isinstance(policy, Unresolved) or bare:
            expr = policy.expr if isinstance(policy, Unresolved) else bare.group(1) if bare else ""
            return False, f"its policy ({expr}) is not known here"
        doc = _DOCUMENT_REF.search(str(policy))
        if doc:
            name = f"{inst.prefix}{doc.group(1)}"
            if name in self.public_documents:
                return True, ""
            return False, self.doubtful_documents.get(name, "")
        text, used = _policy_text(inst, policy)
        if public_policy(text):
            return True, "; ".join(used)
        return False, doubtful_policy(text)

    def policy_bucket(self, inst: Instance, policy: Any) -> str | None:
        """The one bucket a policy's statements name as their Resource (an aws_s3_bucket's
        reference, or its ARN written out), or None when they name none or several: AWS
        refuses a bucket policy whose Resource is another bucket, so the policy of a bucket
        not known here (bucket = var.name) is that one's."""
        inst, policy = inst.origin(policy)
        if isinstance(policy, Unresolved) or _BARE_REF.match(str(policy).strip()):
            return None
        keys = set()
        for resource in resources(_policy_text(inst, policy)[0]):
            keys |= {f"s3:ref:{inst.prefix}{m}" for m in _REFS["s3"].findall(resource)}
            for name in _S3_ARN.findall(resource):
                keys.add(self.aliases.get(_name_key("s3", name), _name_key("s3", name)))
        return keys.pop() if len(keys) == 1 else None

    def gcs_bindings(self, inst: Instance, policy: Any) -> tuple[str, str]:
        """The public bindings of a bucket's whole IAM policy (a data.google_iam_policy's
        policy_data, or JSON text naming allUsers/allAuthenticatedUsers), or "", and where
        the values written into its text came from ("" when none were)."""
        inst, policy = inst.origin(policy)
        doc = _GCS_POLICY_REF.search(str(policy))
        if doc:
            return self.gcs_documents.get(f"{inst.prefix}{doc.group(1)}", ""), ""
        text, used = _policy_text(inst, policy)
        found = sorted(
            {m for a, b in _QUOTED.findall(text) if (m := a or b).lower() in _PUBLIC_MEMBERS}
        )
        return (f"a role to {', '.join(found)}", "; ".join(used)) if found else ("", "")

    def key(self, inst: Instance, kind: str, value: Any, res: Block) -> str:
        """What ``value`` (an attribute of ``res``) names, the same whether by reference or by
        name; a reference is the module's own resource (a variable its caller bound is followed
        to the caller); ``each.value``/``each.key`` is what ``res`` iterates over."""
        if _EACH.match(str(value).strip()):
            each_inst, each = inst.origin(res.get("for_each"))
            if _REFS[kind].search(str(each)):
                inst, value = each_inst, each  # for_each = aws_s3_bucket.site: those buckets
            else:
                # Only another resource iterating over the same expression names the same
                # buckets: each.value of two different lists must not match.
                return f"{kind}:unknown:{each_inst.prefix}each of {each}: {value}"
        inst, value = inst.origin(value)
        m = _REFS[kind].search(str(value))
        if m:
            return f"{kind}:ref:{inst.prefix}{m.group(1)}"
        name = _name_key(kind, inst.scope.resolve(value))
        return self.aliases.get(name, name)

    def read(self, inst: Instance, path: str, res: Block, report: bool = True) -> None:
        """Note one resource of the tree (what it grants only when ``report``)."""
        kind, name = res.labels[0], res.labels[1]
        subject = f"{inst.prefix}{kind}.{name}"
        r = inst.scope.resolve

        def grant(
            what: str,
            key: str,
            line: int,
            why: str,
            store: str,
            doubt: bool = False,
            where: tuple[SetAt, ...] = (),  # where the values it was judged on were set
        ) -> None:
            if report:
                self.grants.append(_Grant(what, key, path, line, subject, why, store, doubt, where))

        def policy(key: str) -> None:
            public, why = self.public(inst, res.get("policy"))
            line = res.line_of("policy")
            where = _set_at(inst, res.get("policy"))
            if public:
                why = _POLICY_WHY + (f" ({why})" if why else "")
                grant("s3-policy", key, line, why, "S3", where=where)
            elif why:
                grant("s3-policy", key, line, f"{why}: {_POLICY_DOUBT}", "S3", True, where)

        if kind in ("aws_s3_bucket_acl", "aws_s3_bucket", *_S3_OBJECTS):
            own = f"s3:ref:{inst.prefix}{name}"
            key = own if kind == "aws_s3_bucket" else self.key(inst, "s3", res.get("bucket"), res)
            acl = _acl(r(res.get("acl")), kind in _S3_OBJECTS)
            if acl is not None:
                why, doubt = acl
                where = inst.scope.set_at(res.get("acl"))
                grant("s3-acl", key, res.line_of("acl"), why, "S3", doubt, where)
            for line, why, used in _s3_grants(res, r):
                grant("s3-acl", key, line, why, "S3", where=inst.scope.set_at(used))
            if kind == "aws_s3_bucket":
                policy(own)
        elif kind == "aws_s3_bucket_policy":
            key = self.key(inst, "s3", res.get("bucket"), res)
            if _unknown(key) is not None:
                key = self.policy_bucket(inst, res.get("policy")) or key
            policy(key)
        elif kind in ("aws_s3_bucket_public_access_block", "aws_s3_account_public_access_block"):
            settings = {k: r(res.get(k)) is True for k in _BLOCK_KEYS}
            if kind == "aws_s3_account_public_access_block":
                self.s3_account = settings
            else:
                key = self.key(inst, "s3", res.get("bucket"), res)
                self.s3_blocks[key] = settings
                self.note_unknown(subject, key)
        elif kind == "aws_s3_bucket_ownership_controls":
            rules = _nested(res, "rule")
            if any(r(x.get("object_ownership")) == "BucketOwnerEnforced" for x in rules):
                key = self.key(inst, "s3", res.get("bucket"), res)
                self.acls_disabled.add(key)
                self.note_unknown(subject, key)
        elif kind == "azurerm_storage_container":
            access = _lower(r(res.get("container_access_type")))
            if access in ("blob", "container"):
                account = res.get("storage_account_name", res.get("storage_account_id"))
                what = {"container": "lists and reads every blob"}.get(
                    access, "reads any blob by its name"
                )
                why = (
                    f"container_access_type = {access}: anyone {what} without a key (unless its "
                    "storage account sets allow_nested_items_to_be_public = false)"
                )
                key = self.key(inst, "azure", account, res)
                line = res.line_of("container_access_type")
                where = inst.scope.set_at(res.get("container_access_type"))
                grant("azure", key, line, why, "Azure Blob", where=where)
        elif kind == "azurerm_storage_account":
            # The account-wide switch (allow_blob_public_access before provider 3.0):
            # false makes every container private, whatever its access type says.
            flag = res.get("allow_nested_items_to_be_public", res.get("allow_blob_public_access"))
            if r(flag) is False:
                self.private_accounts.add(f"azure:ref:{inst.prefix}{name}")
        elif kind == "google_storage_bucket":
            own = f"gcs:ref:{inst.prefix}{name}"
            if r(res.get("uniform_bucket_level_access")) is True:
                self.acls_disabled.add(own)
            if _lower(r(res.get("public_access_prevention"))) == "enforced":
                self.gcs_prevented.add(own)
        elif kind in ("google_storage_bucket_iam_member", "google_storage_bucket_iam_binding"):
            members = [*_items(r(res.get("member"))), *_items(r(res.get("members")))]
            public = [x for x in members if isinstance(x, str) and x.lower() in _PUBLIC_MEMBERS]
            if public:
                why = (
                    f"grants {r(res.get('role'))} to {', '.join(public)}: anyone on the "
                    "Internet gets what the role allows"
                )
                key = self.key(inst, "gcs", res.get("bucket"), res)
                line = res.line_of("member", "members")
                used = (res.get("member"), res.get("members"), res.get("role"))
                grant("gcs-iam", key, line, why, "Google Cloud Storage", where=_set_at(inst, used))
        elif kind == "google_storage_bucket_iam_policy":
            found, via = self.gcs_bindings(inst, res.get("policy_data"))
            if found:
                why = (
                    f"its IAM policy grants {found}: anyone on the Internet gets what the "
                    "role allows" + (f" ({via})" if via else "")
                )
                key = self.key(inst, "gcs", res.get("bucket"), res)
                line, where = res.line_of("policy_data"), _set_at(inst, res.get("policy_data"))
                grant("gcs-iam", key, line, why, "Google Cloud Storage", where=where)
        elif kind in _GCS_ACL_KINDS:
            self._gcs_acl(inst, res, grant)

    def _gcs_acl(self, inst: Instance, res: Block, grant: Callable[..., None]) -> None:
        """A bucket ACL (or the default ACL of its new objects) that names allUsers or
        allAuthenticatedUsers (in role_entity, or one entry's entity and role), or a canned
        publicRead/publicReadWrite."""
        r = inst.scope.resolve
        objects = "default_object" in res.labels[0]
        entries = [str(e) for e in _items(r(res.get("role_entity")))]
        used: Any = (res.get("role_entity"), res.get("entity"), res.get("role"))
        if "entity" in res.attrs:  # google_storage_bucket_access_control: one entry
            entries.append(f"{r(res.get('role'))}:{r(res.get('entity'))}")
        found: list[tuple[str, str]] = []  # (role, entity)
        for entry in entries:
            role, _, entity = entry.partition(":")
            if entity.lower() in _PUBLIC_MEMBERS:
                found.append((role.upper(), entity))
        line = res.line_of("role_entity", "entity")
        canned = _lower(r(res.get("predefined_acl")))
        if not found and isinstance(canned, str) and canned in _GCS_PUBLIC_ACLS:
            found.append((_GCS_PUBLIC_ACLS[canned], "allUsers"))
            line, used = res.line_of("predefined_acl"), res.get("predefined_acl")
        if not found:
            return
        role, entity = max(
            found, key=lambda f: list(_GCS_ROLES).index(f[0]) if f[0] in _GCS_ROLES else -1
        )
        if objects:
            what = "reads every new object by its name"
        else:
            what = _GCS_ROLES.get(role, f"gets {role} on the bucket")
        who = "anyone" if entity.lower() == "allusers" else "any Google account"
        why = f"its ACL gives {role} to {entity}: {who} {what}"
        key = self.key(inst, "gcs", res.get("bucket"), res)
        grant("gcs-acl", key, line, why, "Google Cloud Storage", where=_set_at(inst, used))

    def findings(self, unread: list[str]) -> list[Finding]:
        """The grants nothing in the tree stops; of those that only may be public (a value not
        known here), one per resource and none beside a finding of the same resource."""
        found = [(g, f) for g in self.grants if (f := self._judge(g, unread)) is not None]
        out = [f for g, f in found if not g.doubt]
        seen = {(f.path, f.subject) for f in out}
        for g, f in found:
            if g.doubt and (f.path, f.subject) not in seen:
                seen.add((f.path, f.subject))
                out.append(f)
        return list(dict.fromkeys(out))

    def _judge(self, g: _Grant, unread: list[str]) -> Finding | None:
        """A grant's finding, or None when something in the tree stops it."""
        key = g.key
        severity, why, confidence = Severity.HIGH, g.why, Confidence.HIGH
        if g.kind in ("s3-acl", "s3-policy"):
            blocker = self._s3_block(key)
            keys = ("block_public_acls", "ignore_public_acls")
            if g.kind == "s3-policy":
                keys = ("block_public_policy", "restrict_public_buckets")
            if blocker and any(blocker[k] for k in keys):
                return None
            if g.kind == "s3-acl" and key in self.acls_disabled:
                return None  # BucketOwnerEnforced: AWS refuses any ACL but the owner's
            notes = self._s3_unknowns(key)
            if notes:
                why += f" ({notes})"
                confidence = Confidence.LOW
            if blocker is None:
                severity = Severity.MEDIUM
                also = " and disable ACLs" if g.kind == "s3-acl" else ""
                why += (
                    " (no aws_s3_bucket_public_access_block for it here: buckets created "
                    f"since April 2023 block public access{also} by default, older ones "
                    "do not)"
                )
        elif g.kind == "azure" and key in self.private_accounts:
            return None
        elif g.kind == "gcs-acl" and (key in self.acls_disabled or key in self.gcs_prevented):
            return None  # uniform bucket-level access: GCS refuses ACLs
        elif g.kind == "gcs-iam" and key in self.gcs_prevented:
            return None
        if unread:
            why += f" ({'; '.join(unread)} could not be read: it may change this)"
            confidence = Confidence.LOW
        if g.doubt:  # it may be public, not seen to be: never more than medium
            severity, confidence = min(severity, Severity.MEDIUM), Confidence.LOW
        return Finding(
            BUCKET_PUBLIC,
            severity,
            g.path,
            g.line,
            g.store,
            g.subject,
            why,
            BUCKET_PUBLIC.help,
            confidence,
            g.set_at,
        )

    def _s3_unknowns(self, key: str) -> str:
        """What could not be matched around a reported S3 grant: stoppers of a bucket not known
        here, or the grant's own bucket not known while the tree has stoppers."""
        notes = []
        if self.unknown_s3:
            which = "; ".join(self.unknown_s3)
            notes.append(f"the bucket of {which} is not known here: it may be this one")
        own = _unknown(key)
        if own is not None and (self.s3_blocks or self.acls_disabled) and not self.unknown_s3:
            notes.append(f"its bucket ({own}) is not known here: an access block may be for it")
        return "; ".join(notes)

    def _s3_block(self, key: str) -> dict[str, bool] | None:
        """The bucket's own block, merged with the account's: either one blocking stops it."""
        own = self.s3_blocks.get(key)
        if self.s3_account is None:
            return own
        return {k: v or bool((own or {}).get(k)) for k, v in self.s3_account.items()}


def _set_at(inst: Instance, raw: Any) -> tuple[SetAt, ...]:
    """Where the values of a raw attribute were set, and when it is a whole reference bound
    elsewhere (policy = var.policy, the caller's argument) those the value it holds refers to."""
    held, text = inst.origin(raw)
    return tuple(dict.fromkeys((*inst.scope.set_at(raw), *held.scope.set_at(text))))


def _policy_text(inst: Instance, policy: Any) -> tuple[str, list[str]]:
    """A policy's text, written inline or in the file a ``file``/``templatefile`` reads, and
    where the values written into it came from: references inside jsonencode({…}) are
    Terraform's to evaluate, so Principal = var.who is judged on what var.who holds."""
    read = inst.read_file(policy)
    return (read, []) if read is not None else inst.scope.written_out(str(policy or ""))


def _name_key(kind: str, name: Any) -> str:
    """The key of a bucket or account by its name; an unresolved name is unknown (it matches
    only the same expression, as a bucket and its access block both written var.name)."""
    if isinstance(name, Unresolved):
        return f"{kind}:unknown:{name.expr}"
    return f"{kind}:name:{name}"


def _unknown(key: str) -> str | None:
    """The expression of a key that names no bucket known here, or None."""
    return key.split(":unknown:", 1)[1] if ":unknown:" in key else None


def _acl(acl: Any, obj: bool) -> tuple[str, bool] | None:
    """(why, only may be) for a canned S3 ACL of a bucket or, ``obj``, an object: public, or
    not known here (a variable nobody set, an expression); None when it is private."""
    if isinstance(acl, Unresolved):
        # An expression may name the public ACL it can take (var.public ? "public-read" : …).
        named = [a for a in _PUBLIC_ACLS if f'"{a}"' in acl.expr.lower()] or ["public-read"]
        who, on_bucket, on_object = _PUBLIC_ACLS[named[0]]
        unset = "no default, tfvars value or argument sets it"
        why = (
            f"acl = {acl.expr} is not known here "
            f"({unset if _BARE_NAME.fullmatch(acl.expr) else 'an expression not evaluated'}): "
            f"if it is {named[0]}, {who} {on_object if obj else on_bucket}"
        )
        return why, True
    acl = _lower(acl)
    if not isinstance(acl, str) or acl not in _PUBLIC_ACLS:
        return None
    who, on_bucket, on_object = _PUBLIC_ACLS[acl]
    return f"acl = {acl}: {who} {on_object if obj else on_bucket}", False


def _nested(res: Block, name: str) -> list[Block]:
    """Nested blocks ``name`` of a resource, written as blocks or (JSON, attribute syntax) as
    objects."""
    items = [i for i in _items(res.get(name)) if isinstance(i, dict)]
    return [*res.children(name), *(_as_block(i, res.line_of(name)) for i in items)]


def _s3_grants(res: Block, r: Callable[[Any], Any]) -> list[tuple[int, str, Any]]:
    """(line, why, the raw values judged) of each explicit grant to everyone: ``grant`` blocks
    of a legacy ``aws_s3_bucket`` (``permissions``), ``access_control_policy { grant { grantee
    {…} } }`` of an ``aws_s3_bucket_acl`` (``permission``)."""
    grants = [(g, g) for g in _nested(res, "grant")]
    for policy in _nested(res, "access_control_policy"):
        grants += [(g, e) for g in _nested(policy, "grant") for e in _nested(g, "grantee")]
    out: list[tuple[int, str, Any]] = []
    for g, grantee in grants:
        uri = r(grantee.get("uri"))
        group = uri.rstrip("/").rsplit("/", 1)[-1] if isinstance(uri, str) else ""
        who = _S3_GROUPS.get(group.lower())
        if who is None or str(r(grantee.get("type", "Group"))) != "Group":
            continue
        perms = [str(p).upper() for p in _items(r(g.get("permissions", g.get("permission"))))]
        what = ", ".join(_S3_PERMISSIONS.get(p, f"gets {p}") for p in perms) or "gets access"
        why = f"its ACL grants {', '.join(perms) or 'access'} to {group}: {who} {what}"
        used = (grantee.get("uri"), grantee.get("type"), g.get("permissions", g.get("permission")))
        out.append((grantee.line_of("uri"), why, used))
    return out


def _document_public(inst: Instance, doc: Block) -> bool | str:
    """Whether an ``aws_iam_policy_document`` has an Allow statement (the default effect) whose
    principals are everyone (type "*", "AWS" with "*" among the identifiers, or
    not_principals) and no condition block that ties it to fixed sources or principals; else
    what is not known here (identifiers, a condition's test or key held in a variable) that
    may make one so, or False."""
    r = inst.scope.resolve
    doubts: list[str] = []
    for st in doc.children("statement"):
        conditions = [_condition_restricts(inst, c) for c in st.children("condition")]
        if str(r(st.get("effect", "Allow"))) != "Allow" or True in conditions:
            continue
        condition = [c for c in conditions if isinstance(c, str)]
        principal = bool(st.children("not_principals"))  # an Allow to everyone but those named
        held: list[str] = []  # principals held in a variable
        for p in st.children("principals"):
            kind, ids = r(p.get("type")), _items(r(p.get("identifiers")))
            if kind in ("*", "AWS") and "*" in ids:
                principal = True
            elif isinstance(kind, Unresolved) or kind in ("*", "AWS"):
                held += [i.expr for i in ids if isinstance(i, Unresolved)]
                held += [kind.expr] if isinstance(kind, Unresolved) else []
        if principal and not condition:
            return True
        if (principal or held) and (held or condition):
            parts = [f"its principals ({', '.join(held)})"] if held else []
            parts += [f"its condition ({', '.join(condition)})"] if condition else []
            doubts.append(f"{' and '.join(parts)} in {_doc_name(doc)} not known here")
    return doubts[0] if doubts else False


def _doc_name(doc: Block) -> str:
    return f"data.aws_iam_policy_document.{doc.labels[1]}"


def _condition_restricts(inst: Instance, condition: Block) -> bool | str:
    """Whether a policy document's condition block ties its statement to fixed sources or
    principals; the expression of its test or variable when that is not known here (it cannot
    be judged)."""
    r = inst.scope.resolve
    test, variable = r(condition.get("test")), r(condition.get("variable"))
    unknown = [v.expr for v in (test, variable) if isinstance(v, Unresolved)]
    if unknown:
        return ", ".join(unknown)
    if not isinstance(test, str) or not isinstance(variable, str):
        return True
    return restricts(test, variable, _items(r(condition.get("values"))))


def _merged_documents(documents: list[tuple[Instance, Block]], public: set[str]) -> None:
    """Add to ``public`` each policy document that merges a public one in
    (``source_policy_documents``, ``override_policy_documents``), however deep the chain."""
    grew = True
    while grew:
        grew = False
        for inst, doc in documents:
            name = f"{inst.prefix}{doc.labels[1]}"
            merged = f"{doc.get('source_policy_documents')} {doc.get('override_policy_documents')}"
            used = {f"{inst.prefix}{m}" for m in _DOCUMENT_REF.findall(merged)}
            if name not in public and used & public:
                public.add(name)
                grew = True


def _gcs_document(inst: Instance, doc: Block) -> str:
    """What a ``google_iam_policy`` grants to everyone ("roles/x to allUsers"), or ""."""
    r = inst.scope.resolve
    out = []
    for binding in _nested(doc, "binding"):
        members = [m for m in _items(r(binding.get("members"))) if isinstance(m, str)]
        public = [m for m in members if m.lower() in _PUBLIC_MEMBERS]
        if public:
            out.append(f"{r(binding.get('role'))} to {', '.join(public)}")
    return "; ".join(out)


def lint(tree: Tree, display: dict[Any, str]) -> list[Finding]:
    """LH121 findings for one module tree (``display``: each file's reported path)."""
    state = _Tree()
    documents: list[tuple[Instance, Block]] = []
    for inst in tree.instances:
        for root in inst.files.values():
            for res in root.blocks:
                if not_created(res, inst.scope):
                    continue  # count = 0, for_each = {}: neither grants nor stops anything
                is_document = res.type == "data" and res.labels[:1] == ["aws_iam_policy_document"]
                if is_document and len(res.labels) > 1:
                    documents.append((inst, res))
                    public = _document_public(inst, res)
                    if public is True:
                        state.public_documents.add(f"{inst.prefix}{res.labels[1]}")
                    elif public:
                        state.doubtful_documents[f"{inst.prefix}{res.labels[1]}"] = public
                is_gcs = res.type == "data" and res.labels[:1] == ["google_iam_policy"]
                if is_gcs and len(res.labels) > 1 and (found := _gcs_document(inst, res)):
                    state.gcs_documents[f"{inst.prefix}{res.labels[1]}"] = found
                if res.type == "resource" and len(res.labels) > 1 and res.labels[0] in _NAMED:
                    kind, attr = _NAMED[res.labels[0]]
                    name = _name_key(kind, inst.scope.resolve(res.get(attr)))
                    state.aliases[name] = f"{kind}:ref:{inst.prefix}{res.labels[1]}"
    _merged_documents(documents, state.public_documents)
    for inst in tree.instances:
        for fpath, root in inst.files.items():
            for res in root.blocks:
                if (
                    res.type == "resource"
                    and len(res.labels) > 1
                    and not not_created(res, inst.scope)
                ):
                    state.read(inst, display[fpath], res, fpath not in inst.context)
    return state.findings(tree.unread)
