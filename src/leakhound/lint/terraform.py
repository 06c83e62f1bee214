"""Terraform: parsing (HCL and JSON), variables, and the Azure NSG rules, AWS security groups
and rules, GCP firewalls that admit the Internet to a data store port (public buckets are
``buckets``'s, judged over a module tree that ``tfmodules`` reads).

Parsed with python-hcl2's grammar (its lark tree keeps every attribute's line). Variables are
resolved from ``variable`` defaults, ``locals`` and ``terraform.tfvars``/``*.auto.tfvars`` (or
their ``.json`` forms) of the same directory (one Terraform module); what stays unresolved
lowers a finding's confidence and is named in it, never passed silently.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import NETWORK_RULE, Finding, SetAt
from .network import Unresolved, is_world, judge, stores_label
from .sources import ConfigSyntaxError, Located, load_json, real_path


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
    "statement",
    "principals",
    "not_principals",
    "condition",
}


def load(name: str, text: str) -> Block:
    """A ``.tf`` (HCL) or ``.tf.json`` file's text, by its name, as a root block;
    ConfigSyntaxError when it does not parse."""
    return from_json(load_json(text)) if name.lower().endswith(".json") else parse(text)


def load_tfvars(name: str, text: str) -> Block:
    """A ``.tfvars`` (HCL) or ``.tfvars.json`` file's text as a root block whose attributes are
    the variables it sets; ConfigSyntaxError when it does not parse."""
    if not name.lower().endswith(".json"):
        return parse(text)
    doc = load_json(text)
    if not isinstance(doc, Located):
        raise ConfigSyntaxError("a .tfvars.json file must be an object", getattr(doc, "line", 1))
    return Block("", [], doc.line, {str(k): (v, doc.line_of(k)) for k, v in doc.items()})


def from_json(doc: Any) -> Block:
    """A ``.tf.json`` document as the same root block ``parse`` gives (lines from the JSON)."""
    root = Block("", [], getattr(doc, "line", 1))
    if not isinstance(doc, Located):
        raise ConfigSyntaxError("Terraform JSON must be an object", getattr(doc, "line", 1))
    for kind in ("resource", "data", "variable", "locals", "module", "output"):
        section = doc.get(kind)
        for item in section if isinstance(section, list) else [section]:
            if isinstance(item, Located):
                depth = {"resource": 2, "data": 2, "variable": 1, "module": 1, "output": 1}.get(
                    kind, 0
                )
                root.blocks.extend(_json_blocks(kind, item, depth=depth))
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
# An item or attribute of a list or object variable taken by literal keys only (var.acls[0],
# var.net["db"], var.net.db.cidr): read from the value where it is known; an index that is
# itself an expression (var.acls[count.index]) is not evaluated.
_PATH_REF = re.compile(
    r'^((?:var|local)\.[A-Za-z_][\w-]*)((?:\s*\[\s*(?:\d+|"[^"$]*")\s*\]|\.[A-Za-z_][\w-]*)+)$'
)
_STEP = re.compile(r'\s*\[\s*(?:(\d+)|"([^"$]*)")\s*\]|\.([A-Za-z_][\w-]*)')
_RESOURCE_REF = re.compile(
    r"^(?!(?:var|local|each|count|self|path|terraform|module)\.)(?:data\.)?[a-z][a-z0-9_]*\.[\w-]+"
    r"(?:\[[^\]]*\])?(?:\.[\w-]+(?:\[[^\]]*\])?)+$"
)
_INTERP = re.compile(r"\$\{([^{}]*)\}")
# A var./local. reference inside an expression (a jsonencode'd policy): bare (Principal =
# var.who) or a string's whole interpolation ("${var.bucket}"), with the items or attributes it
# takes by literal keys (var.who[0], var.p.aws); not one that takes one by an expression
# (var.x[count.index]), nor a name inside another (each.value.var).
_NAME = (
    r'((?:var|local)\.[A-Za-z_][\w-]*(?:\[\s*(?:\d+|"[^"$]*")\s*\]|\.[A-Za-z_][\w-]*)*)'
    r"(?![\w.\[-])"
)
_INNER_REF = re.compile(rf"\$\{{\s*{_NAME}\s*\}}|(\$\{{\s*)?(?<![\w.]){_NAME}")
# Any var./local. reference (not a name inside another: each.value.var).
_ANY_REF = re.compile(r"(?<![\w.])(?:var|local)\.[A-Za-z_][\w-]*")
_LITERAL = re.compile(r'"([^"$]*)"')
# What a policy's reader (awspolicy, which neither undoes escapes nor skips brackets inside a
# string) would take for structure: a value holding one is not written into the text, so
# who = "x\", \"*" cannot add a Principal "*" nor sid = "}]" end the Statement list early.
_STRUCTURE = re.compile(r'["\\{}\[\]]')


# The most items a list's value is read to (or a module argument bound to): far more than any
# real list of addresses or grants; locals that refer to each other many times
# (a = [local.a, local.a, …]) would otherwise multiply into millions.
MAX_ITEMS = 10_000


def _known_ref(expr: str) -> bool:
    """Whether an expression is a reference ``Scope.lookup`` reads (var.x, local.x, or an item
    or attribute of one by literal keys)."""
    return bool(_REF.match(expr) or _PATH_REF.match(expr))


def _take(value: Any, index: str, key: str, attr: str) -> tuple[bool, Any]:
    """One step by a literal key into a list or object (``[0]``, ``["k"]``, ``.k``, as
    ``_STEP`` finds them): whether the value has that item, and the item."""
    # A list's index by a string key ("0") as Terraform converts it; only ASCII digits are a
    # number ("²".isdigit() is true, and int() refuses it).
    if isinstance(value, list) and (index or (key.isascii() and key.isdigit())):
        n = int(index or key)
        return (True, value[n]) if n < len(value) else (False, None)
    name = key or attr or index
    if isinstance(value, dict) and name in value:
        return True, value[name]
    return False, None


def written_item(value: Any, steps: str) -> Any:
    """The item that literal steps (``["site"]``, ``[0].acl``) take of a value as written (a
    module call's argument, not resolved), or a reference to it where the value is itself a
    reference (``var.p`` and ``["site"]`` give ``${var.p["site"]}``); None when it has none."""
    for m in _STEP.finditer(steps):
        whole = _WHOLE.match(value) if isinstance(value, str) else None
        if whole and _known_ref(whole.group(1).strip()):
            return "${" + whole.group(1).strip() + steps[m.start() :] + "}"
        found, value = _take(value, *m.groups())
        if not found:
            return None
    return value


class Scope:
    """Values of ``var.*`` and ``local.*`` in one module directory."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.origin: dict[str, str] = {}
        # The tfvars / --var-file lines that set a variable (a module's variable: those that
        # set what its caller passed).
        self.where: dict[str, tuple[SetAt, ...]] = {}

    def lookup(self, ref: str, depth: int = 0) -> Any:
        """The raw value bound to 'var.x'/'local.x', or to an item or attribute of one taken
        by literal keys ('var.x[0]', 'var.x["k"]', 'var.x.y'), or Unresolved."""
        path = _PATH_REF.match(ref)
        if not path:
            return self.values.get(ref, Unresolved(ref))
        value = self.values.get(path.group(1), Unresolved(ref))
        for index, key, attr in _STEP.findall(path.group(2)):
            found, value = _take(self._raw(value, depth), index, key, attr)
            if not found:  # no such item, or not a list or object (or not known): not guessed
                return Unresolved(ref)
        return value

    def _raw(self, value: Any, depth: int = 0) -> Any:
        """A value that is itself a whole reference (a local naming a variable) replaced by
        what that reference holds, unflattened, so an index applies to the list it names."""
        while isinstance(value, str):
            whole = _WHOLE.match(value)
            expr = whole.group(1).strip() if whole else ""
            if not _known_ref(expr):
                break
            if depth >= 8:  # locals that refer to each other in a loop
                return Unresolved(expr)
            depth += 1
            value = self.lookup(expr, depth)
        return value

    def resolve(self, value: Any, depth: int = 0) -> Any:
        """A value with its references replaced where they are known (lists flattened)."""
        if depth > 8:  # locals that refer to each other in a loop
            return Unresolved(str(value))
        if isinstance(value, list):
            out: list[Any] = []
            for item in value:
                if len(out) >= MAX_ITEMS:  # locals that multiply: not read on for ever
                    out.append(Unresolved(f"the items of a list beyond the first {MAX_ITEMS}"))
                    break
                r = self.resolve(item, depth + 1)
                out.extend(r if isinstance(r, list) else [r])
            return out
        if not isinstance(value, str) or "${" not in value:
            return value
        if "$${" in value:  # Terraform's escape of a literal "${": text, kept as written
            masked = value.replace("$${", _ESCAPED)
            got = self.resolve(masked, depth) if "${" in masked else masked
            return _unmask(got)
        whole = _WHOLE.match(value)
        if whole and _known_ref(whole.group(1).strip()):
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
            got = self.resolve(self.lookup(expr), depth + 1) if _known_ref(expr) else None
            if isinstance(got, str | int | float) and not isinstance(got, bool):
                return str(got)
            raise LookupError(expr)

        try:
            return _INTERP.sub(sub, value)
        except LookupError:
            return Unresolved(value.replace("${", "").replace("}", ""))

    def bind(self, value: Any, depth: int = 0, budget: list[int] | None = None) -> Any:
        """A module argument's value as the callee sees it: its references replaced where they
        are known, here in the caller's scope (an object's items too, not left for the callee
        to read in its own), and its lists kept as written (``[["a", "b"], "c"]`` keeps its
        item 1 "c", where ``resolve`` would flatten it)."""
        # At most MAX_ITEMS values bound in all: locals that multiply (a = [local.a, local.a,
        # …]) would make a tree of a million items.
        budget = [MAX_ITEMS] if budget is None else budget
        budget[0] -= 1
        if depth > 8 or budget[0] < 0:  # locals that refer to each other in a loop
            return Unresolved(str(value)[:200])
        if isinstance(value, list):
            return [self.bind(item, depth + 1, budget) for item in value]
        if isinstance(value, dict):
            return {k: self.bind(v, depth + 1, budget) for k, v in value.items()}
        whole = _WHOLE.match(value) if isinstance(value, str) else None
        if whole and _known_ref(whole.group(1).strip()):
            found = self.lookup(whole.group(1).strip())
            return found if isinstance(found, Unresolved) else self.bind(found, depth + 1, budget)
        return self.resolve(value, depth)

    def set_at(self, raw: Any) -> tuple[SetAt, ...]:
        """Where the variables a raw value refers to (directly or through locals) were set by a
        tfvars or ``--var-file`` line, in the order met."""
        out: dict[SetAt, None] = {}
        seen: set[str] = set()
        todo = [raw]
        while todo:
            for ref in references(todo.pop()):
                if ref in seen:
                    continue
                seen.add(ref)
                if ref in self.where:
                    out.update(dict.fromkeys(self.where[ref]))
                elif ref.startswith("local.") and ref in self.values:
                    todo.append(self.values[ref])
        return tuple(out)

    def provenance(self, ref: str, depth: int = 0, seen: set[str] | None = None) -> str:
        """Where a known ``var.x``/``local.x`` got its value ("var.x from its default",
        "var.x from prod.auto.tfvars", "local.y from locals"); a local says where the known
        references in its value got their own, whether it is one (``local.y = var.x``) or
        they are within it (``"${var.x}/32"``, a list of them): "local.y from locals, var.x
        from the argument of module.db", each named once."""
        origin = self.origin.get(ref, "locals")
        said = f"{ref} from {'its default' if origin == 'default' else origin}"
        if not ref.startswith("local.") or depth >= 8:  # 8: locals that refer to each other
            return said
        seen = {ref} if seen is None else seen
        for named in references(self.values.get(ref)):
            if named in self.values and named not in seen:
                seen.add(named)
                said += f", {self.provenance(named, depth + 1, seen)}"
        return said

    def written_out(self, text: str) -> tuple[str, list[str]]:
        """An expression's text (a ``jsonencode({…})`` policy) with each var./local. reference
        whose value is known written in its place (``Principal = var.who`` becomes
        ``Principal = "*"``), as Terraform evaluates it, and where each came from; a reference
        whose value is not known, or not plain data, stays as written."""
        used: list[str] = []
        # A bare reference within a larger interpolation ("${lower(var.who)}") stays: written
        # in, its quotes would end the string, which then reads as no principal at all.
        spans = [i.span() for i in _INTERP.finditer(text)]
        # Only what HCL reads as an expression refers: not a string's text ("see var.who")
        # nor an escaped "$${var.who}", Terraform's literal "${var.who}"
        code = code_of(text)

        def sub(m: re.Match[str]) -> str:
            interpolated, inside, bare = m.groups()
            ref = interpolated or bare
            within = bare and any(a < m.start() < b for a, b in spans)
            text_only = code[m.start(1) if interpolated else m.start(3)] == " "
            if inside or within or text_only or isinstance(self.lookup(ref), Unresolved):
                return m.group(0)  # within a larger interpolation (${var.x == …}), or not known
            got = self.resolve(f"${{{ref}}}")
            literal: str | None = _literal(got)
            if interpolated:  # "…${var.bucket}…": its text, within the string
                plain = isinstance(got, str | int | float) and not isinstance(got, bool)
                literal = str(got) if plain and not _STRUCTURE.search(str(got)) else None
            if literal is None:
                return m.group(0)
            path = _PATH_REF.match(ref)
            used.append(self.provenance(path.group(1) if path else ref))
            return literal

        return _INNER_REF.sub(sub, text), list(dict.fromkeys(used))

    def _opaque(self, expr: str) -> Any:
        """A function call or other expression: its string literals if one of them is the
        Internet (``concat(var.a, ["0.0.0.0/0"])`` admits 0.0.0.0/0 whatever var.a holds)."""
        world = [lit for lit in _LITERAL.findall(expr) if is_world(lit)]
        return [*world, Unresolved(expr)] if world else Unresolved(expr)


def references(value: Any) -> list[str]:
    """The var./local. names a value as written refers to, each once in the order met, in its
    lists and objects too: those in its strings' interpolations and directives (``${var.x}/32``,
    ``${cidrsubnet(var.x, 8, 1)}``, ``%{ if var.x }``; a bare ``var.x`` expression is one, as
    the parser writes it ``${var.x}``), not a string's text (``"see var.x"``, inside an
    interpolation's quotes too) nor an escaped ``$${var.x}``, which is the literal ``${var.x}``."""
    names: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):  # a tuple: the values of several attributes
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed([part for pair in item.items() for part in pair]))
        elif isinstance(item, str):
            names += _ANY_REF.findall(code_of(item))
    return list(dict.fromkeys(names))


_TEXT, _QUOTED = -1, -2  # code_of's modes besides an expression's brace depth (0 and up)


def code_of(text: str) -> str:
    """A string as HCL reads it (a template), with all that is not expression blanked out,
    every character where it was: its literal text, ``$${``/``%%{`` escapes, and the quoted
    strings inside its ``${…}``/``%{…}`` (their own interpolations kept)."""
    out = [" "] * len(text)
    modes = [_TEXT]
    i, n = 0, len(text)
    while i < n:
        mode, c = modes[-1], text[i]
        if mode < 0:  # a template's text: the string's own, or one quoted in an expression
            if text.startswith(("$${", "%%{"), i):
                i += 3
            elif text.startswith(("${", "%{"), i):
                modes.append(0)
                i += 2
            elif mode == _QUOTED and c == "\\":
                i += 2
            else:
                if mode == _QUOTED and c == '"':
                    modes.pop()
                i += 1
            continue
        if c == '"':
            modes.append(_QUOTED)
        elif c == "}" and mode == 0:
            modes.pop()
        else:
            modes[-1] += {"{": 1, "}": -1}.get(c, 0)
            out[i] = c
        i += 1
    return "".join(out)


_ESCAPED = "\x00"  # a "$${" while a string is resolved: no "${" for _INTERP to take


def _unmask(value: Any) -> Any:
    """A resolved value with its escaped ``$${`` written back."""
    if isinstance(value, str):
        return value.replace(_ESCAPED, "$${")
    if isinstance(value, Unresolved):
        return Unresolved(value.expr.replace(_ESCAPED, "$${"))
    if isinstance(value, list):
        return [_unmask(v) for v in value]
    return value


def _literal(value: Any) -> str | None:
    """A resolved value as a literal (JSON, which HCL reads too), or None when some of it is
    not known (Unresolved), not plain data, or a string holding what reads as structure."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and _STRUCTURE.search(value):
        return None
    if isinstance(value, str | int | float):
        return json.dumps(value)
    if isinstance(value, list | dict):
        if isinstance(value, dict) and any(_STRUCTURE.search(str(k)) for k in value):
            return None
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        items = {k: _literal(v) for k, v in pairs}
        if any(v is None for v in items.values()):
            return None
        if isinstance(value, list):
            return "[" + ", ".join(str(v) for v in items.values()) + "]"
        return "{" + ", ".join(f"{json.dumps(str(k))}: {v}" for k, v in items.items()) + "}"
    return None


def by_precedence(
    tfvars: dict[Path, Block], explicit: dict[Path, Block] | None = None
) -> dict[Path, Block]:
    """A folder's tfvars in the order Terraform applies them, each overriding those before:
    terraform.tfvars, terraform.tfvars.json, the *.auto.tfvars(.json) in name order, then the
    ``-var-file`` ones (``explicit``) in the order given."""
    explicit = explicit or {}
    given = {real_path(p) for p in explicit}  # one file, however it was spelled
    auto = [p for p in tfvars if real_path(p) not in given]
    order = sorted(auto, key=lambda p: (not p.name.startswith("terraform.tfvars"), p.name))
    return {**{p: tfvars[p] for p in order}, **explicit}


def module_scope(
    files: dict[Path, Block], tfvars: dict[Path, Block], display: dict[Path, str] | None = None
) -> Scope:
    """Variable defaults, locals and tfvars of one module directory (the tfvars in the order
    they apply, as ``by_precedence`` gives them: a later one wins; ``display``: their reported
    paths, for where each value was set)."""
    scope = Scope()
    for root in files.values():
        for b in root.blocks:
            if b.type == "variable" and b.labels and "default" in b.attrs:
                scope.values[f"var.{b.labels[0]}"] = b.get("default")
                scope.origin[f"var.{b.labels[0]}"] = "default"
            elif b.type == "locals":
                for name, (val, _) in b.attrs.items():
                    scope.values[f"local.{name}"] = val
    folders = {p.parent for p in files}
    for path, values in tfvars.items():
        # A tfvars of the module's folder is named by its name; another (a --var-file) as the
        # user gave it: ../shared/terraform.tfvars is not the folder's own terraform.tfvars.
        shown = path.name if path.parent in folders else path.as_posix()
        reported = (display or {}).get(path, path.as_posix())
        for name, (val, line) in values.attrs.items():
            scope.values[f"var.{name}"] = val
            scope.origin[f"var.{name}"] = shown
            scope.where[f"var.{name}"] = (SetAt(f"var.{name}", reported, line),)
    return scope


def not_created(block: Block, scope: Scope) -> bool:
    """Whether a resource, data source or module call is created zero times: ``count = 0``, or
    ``for_each`` over an empty map or list (written out, or a variable's default)."""
    if "count" in block.attrs:
        count = scope.resolve(block.get("count"))
        if not isinstance(count, bool) and str(count).strip() == "0":
            return True
    if "for_each" in block.attrs:
        each = scope.resolve(block.get("for_each"))
        return isinstance(each, dict | list) and not each
    return False


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


_AZURE_SOURCES = ("source_address_prefix", "source_address_prefixes")
_AZURE_PORTS = ("destination_port_range", "destination_port_ranges")


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
        """Record a finding when the rule admits the Internet to a store port (``raw``: the
        values as written of the attributes it was judged on, to say where they came from)."""
        verdict = judge(sources, ports, protocol)
        if verdict is None:
            return
        notes = [self.scope.provenance(ref) for ref in references(raw) if ref in self.scope.values]
        why = verdict.why + (f" ({'; '.join(notes)})" if notes else "")
        set_at = self.scope.set_at(raw)
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
                set_at,
            )
        )

    def azure_rule(self, path: str, b: Block, subject: str) -> None:
        """An NSG rule (standalone resource or inline security_rule)."""
        direction, access = _lower(self.r(b.get("direction"))), _lower(self.r(b.get("access")))
        if direction == "outbound" or access == "deny":
            return
        sources = [x for k in _AZURE_SOURCES for x in _items(self.r(b.get(k)))]
        ports = [x for k in _AZURE_PORTS for x in _items(self.r(b.get(k)))]
        name = self.r(b.get("name"))
        label = f"{subject} (rule '{name}')" if isinstance(name, str) else subject
        line = b.line_of("source_address_prefix", "source_address_prefixes")
        judged = [b.get(k) for k in (*_AZURE_SOURCES, *_AZURE_PORTS, "protocol")]
        self.rule(path, line, label, sources, ports, self.r(b.get("protocol")), judged)

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
        judged = [b.get(k) for k in (v4, v6, proto_key, "from_port", "to_port")]
        self.rule(path, b.line_of(v4, v6), subject, sources, ports, protocol, judged)

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
            judged = [b.get("source_ranges"), allow.get("protocol"), allow.get("ports")]
            self.rule(path, line, subject, sources, ports, protocol, judged)


def lint_module(
    files: dict[Path, Block],
    scope: Scope,
    display: dict[Path, str],
    prefix: str = "",
    context: frozenset[Path] = frozenset(),
) -> list[Finding]:
    """Network rule findings (LH120) for the .tf files of one module as called: its files,
    its scope (its variables bound to the caller's arguments, for a module a root calls),
    ``prefix`` its address ("module.db."), ``context`` the files read for their values only,
    not reported (``display``: each file's reported path)."""
    m = _Module(scope)
    for fpath, root in files.items():
        if fpath in context:
            continue
        path = display[fpath]
        for res in root.blocks:
            if res.type != "resource" or len(res.labels) < 2 or not_created(res, m.scope):
                continue
            kind, name = res.labels[0], res.labels[1]
            subject = f"{prefix}{kind}.{name}"
            if kind == "azurerm_network_security_rule":
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
    return m.findings


def _as_block(item: dict[str, Any], line: int) -> Block:
    return Block("item", [], line, {k: (v, line) for k, v in item.items()})
