"""Terraform module trees: a root module with the local modules it calls (``module "x" {
source = "./modules/x" }``), read even when their folder was not linted, each with its variables
bound to the caller's arguments and its outputs followed back into it, and the files a policy
is read from (``file("${path.module}/policy.json")``). A registry or git module is read from
where ``terraform init`` downloaded it (``.terraform/modules/modules.json`` of the root module).
A module that cannot be read (a registry or git source not downloaded, a missing folder, the
calls beyond MAX_INSTANCES) is named, so a finding can say what it could not see; the other
files of a folder whose files were named count as context.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .inputs import InputSkipped, read_config
from .network import Unresolved
from .sources import ConfigSyntaxError, real_path
from .terraform import (
    _PATH_REF,
    _WHOLE,
    Block,
    Scope,
    load,
    module_scope,
    not_created,
    written_item,
)

# Arguments of a module block that are Terraform's own, not the module's variables.
_META = {"source", "version", "count", "for_each", "providers", "depends_on"}
_VAR = re.compile(r"^\$\{\s*var\.([\w-]+)\s*\}$")
_NAMED = re.compile(r"^\$\{\s*((?:var|local)\.[\w-]+)\s*\}$")
# An output of a called module (``module.bucket.id``, ``module.bucket[0].id``).
_OUTPUT = re.compile(r"^\$\{\s*module\.([\w-]+)(?:\[[^\]]*\])?\.([\w-]+)\s*\}$")
# A file read by a function (its name a literal, perhaps with path.module/root/cwd in it).
_FILE = re.compile(r"""^\$\{\s*(?:file|templatefile)\(\s*"((?:[^"$]|\$\{path\.\w+\})*)"[\s,)]""")
# The call names along a module's address (module.site.module.inner: site, inner).
_CALL_NAME = re.compile(r"\bmodule\.([\w-]+)")
_MAX_DEPTH = 16  # deeper than any real tree; stops a module that calls itself by another path
# More module instances than any real tree: a module calling the next twice, twenty deep, would
# make a million; the calls beyond are named as not followed.
MAX_INSTANCES = 5000


@dataclass
class Instance:
    """One module as called: its files, its scope, and the caller that bound its variables."""

    directory: Path
    files: dict[Path, Block]
    scope: Scope
    prefix: str = ""  # "" for the root, "module.site." for a module it calls
    parent: Instance | None = None
    args: dict[str, Any] = field(default_factory=dict)
    children: dict[str, Instance] = field(default_factory=dict)  # by the call's name
    # Files of a linted folder that the user did not name: what they declare counts (an access
    # block in s3.tf when only main.tf was linted), what they grant is not reported.
    context: frozenset[Path] = frozenset()

    def origin(self, value: Any) -> tuple[Instance, Any]:
        """Where a value was written: a bare ``var.x`` bound by the caller is the caller's
        argument, in the caller's module (so ``aws_s3_bucket.cases`` there means its bucket);
        a bare ``module.x.y`` is the output ``y`` of the module called ``x``, in that module;
        another bare ``var.x`` or ``local.x`` is what its default, tfvars or locals wrote."""
        inst = self
        for _ in range(4 * _MAX_DEPTH):  # a chain of references (bounded: locals may loop)
            text = str(value).strip()
            var = _VAR.match(text)
            if var and inst.parent is not None and var.group(1) in inst.args:
                inst, value = inst.parent, inst.args[var.group(1)]
                continue
            named = _NAMED.match(text)
            if named and named.group(1) in inst.scope.values:
                value = inst.scope.values[named.group(1)]
                continue
            whole = _WHOLE.match(text)
            expr = whole.group(1).strip() if whole else ""
            path = _PATH_REF.match(expr)
            arg = path.group(1).removeprefix("var.") if path else ""
            if path and inst.parent is not None and path.group(1) != arg and arg in inst.args:
                # An item of the caller's argument: as the caller wrote it, in the caller, whose
                # references it names (policies = { site = jsonencode({… var.who …}) }).
                item = written_item(inst.args[arg], path.group(2))
                if item is not None:
                    inst, value = inst.parent, item
                    continue
            # An item of a known variable or local (var.policies["site"], var.acls[0]).
            if path and not isinstance(item := inst.scope.lookup(expr), Unresolved):
                value = item
                continue
            out = _OUTPUT.match(text)
            child = inst.children.get(out.group(1)) if out else None
            found = child.output(out.group(2)) if child and out else None
            if child is None or found is None:
                break
            inst, value = child, found
        return inst, value

    def read_file(self, value: Any) -> str | None:
        """The text of the file a bare ``file("…")`` or ``templatefile("…", …)`` reads (a
        policy kept beside the code), as Terraform finds it: ``path.module`` is this module's
        folder, ``path.root`` and a relative path the root's; None when it cannot be read (not
        a regular file, too large, not text)."""
        m = _FILE.match(str(value).strip())
        if not m:
            return None
        root = self
        while root.parent is not None:
            root = root.parent
        name = m.group(1).replace("${path.module}", str(self.directory))
        name = name.replace("${path.root}", str(root.directory))
        name = name.replace("${path.cwd}", str(root.directory))
        if "${" in name or "\0" in name:
            return None
        path = real_path(root.directory / name)
        try:
            return read_config(path)  # a device (/dev/zero) is refused, not read forever
        except (InputSkipped, ConfigSyntaxError):
            return None

    def output(self, name: str) -> Any:
        """The value of the module's output ``name``, or None when it declares none."""
        for root in self.files.values():
            for b in root.blocks:
                if b.type == "output" and b.labels[:1] == [name] and "value" in b.attrs:
                    return b.get("value")
        return None


@dataclass
class Tree:
    """A root module and every module it calls, and the calls that could not be read."""

    instances: list[Instance]
    unread: list[str]


def local_source(caller: Path, source: Any) -> Path | None:
    """The folder of a local module (Terraform's rule: the source starts with ./ or ../)."""
    # A NUL byte names no folder (the OS refuses it; realpath raises ValueError).
    if (
        isinstance(source, str)
        and source.startswith(("./", "../", ".\\", "..\\"))
        and "\0" not in source
    ):
        return real_path(caller / source.replace("\\", "/"))
    return None


def installed(root: Path) -> dict[str, Path]:
    """The folders ``terraform init`` downloaded modules into for the root module in ``root``,
    by call key (``site``, ``site.inner`` for the call ``inner`` in ``site``), as its
    ``.terraform/modules/modules.json`` lists them; only folders inside ``.terraform/modules``
    (a manifest naming another place is not followed); {} when there is none or it is not
    readable."""
    base = root / ".terraform" / "modules"
    try:
        manifest = base / "modules.json"
        if not manifest.exists():
            return {}
        doc = json.loads(read_config(manifest))
    except (InputSkipped, OSError, ConfigSyntaxError, ValueError, RecursionError):
        return {}
    inside = real_path(base)
    out: dict[str, Path] = {}
    for entry in doc.get("Modules", []) if isinstance(doc, dict) else []:
        key = entry.get("Key") if isinstance(entry, dict) else None
        folder = entry.get("Dir") if isinstance(entry, dict) else None
        if not key or not isinstance(key, str) or not isinstance(folder, str) or "\0" in folder:
            continue
        where = real_path(root / folder)
        if where.is_relative_to(inside) and where != inside:
            out[key] = where
    return out


def _calls(files: dict[Path, Block]) -> list[Block]:
    return [b for root in files.values() for b in root.blocks if b.type == "module" and b.labels]


def read_folder(directory: Path, skip: frozenset[Path] = frozenset()) -> dict[Path, Block]:
    """The .tf and .tf.json files of a folder but those in ``skip`` (real paths: the files
    already linted); ConfigSyntaxError, InputSkipped or OSError when one cannot be read."""
    out: dict[Path, Block] = {}
    for path in sorted(directory.iterdir()):
        name = path.name.lower()
        if not path.is_file() or not name.endswith((".tf", ".tf.json")) or real_path(path) in skip:
            continue
        out[path] = load(name, read_config(path))
    return out


def trees(
    tf: dict[Path, dict[Path, Block]],
    tfvars: dict[Path, dict[Path, Block]],
    display: dict[Path, str],
    show: Callable[[Path], str],
) -> list[Tree]:
    """One tree per root module (``roots``), then one for each linted folder no tree reached
    (a call not followed: ``count = 0``). ``display`` gains the files read from folders not
    linted."""
    reader = _Reader(tf, tfvars, display, show, {real_path(d): d for d in tf})
    out = [reader.tree(d) for d in roots(tf)]
    for key, directory in reader.linted.items():
        if key not in reader.reached:
            out.append(reader.tree(directory))
    return out


def _callees(tf: dict[Path, dict[Path, Block]]) -> dict[Path, set[Path]]:
    """{linted folder (real path): the folders (real paths) it calls as a local module}."""
    return {
        real_path(directory): {
            d
            for call in _calls(files)
            if (d := local_source(real_path(directory), call.get("source"))) is not None
            and d != real_path(directory)
        }
        for directory, files in tf.items()
    }


def roots(tf: dict[Path, dict[Path, Block]]) -> list[Path]:
    """The root folders, as linted (those that get ``-var-file`` values): each folder no other
    linted folder calls, then, for a loop of calls that no folder outside it calls (a module
    calling its caller), the first folder of the loop met (the walk meets a folder before its
    subfolders: the one linted), which is where Terraform would be run; the others of the loop
    are modules of it."""
    callees = _callees(tf)
    called = set().union(*callees.values())
    out = [d for d in tf if real_path(d) not in called]
    reached: set[Path] = set()
    stack = [real_path(d) for d in out]
    for directory in [None, *tf]:
        if directory is not None and real_path(directory) not in reached:
            out.append(directory)
            stack.append(real_path(directory))
        while stack:
            folder = stack.pop()
            if folder not in reached:
                reached.add(folder)
                stack.extend(callees.get(folder, ()))
    return out


Module = tuple[dict[Path, Block], frozenset[Path]]  # a folder's files, those only context


@dataclass
class _Reader:
    """Builds the trees of one lint run; a folder that was not linted is read once for all
    the calls to it (a shared module called from fifty roots is parsed once, not fifty times)."""

    tf: dict[Path, dict[Path, Block]]
    tfvars: dict[Path, dict[Path, Block]]
    display: dict[Path, str]
    show: Callable[[Path], str]
    linted: dict[Path, Path]  # real path -> the folder as linted
    reached: set[Path] = field(default_factory=set)
    folders: dict[Path, dict[Path, Block] | str] = field(default_factory=dict)

    def files(self, folder: Path) -> tuple[dict[Path, Block], frozenset[Path]] | str:
        """The files of a module's folder, and those of them that are context only (the
        others beside the files the user named in a linted folder; a folder not linted at all
        is read for its calls and reported), or why they cannot be read."""
        linted = self.tf.get(self.linted.get(folder, folder), {})
        if folder not in self.folders:
            try:
                skip = frozenset(real_path(p) for p in linted)
                read = read_folder(folder, skip)
            except (OSError, ConfigSyntaxError, InputSkipped) as exc:
                why = exc.strerror if isinstance(exc, OSError) else exc.reason
                self.folders[folder] = str(why)
            else:
                self.folders[folder] = read
                for p in read:
                    self.display.setdefault(p, self.show(p))
        others = self.folders[folder]
        if isinstance(others, str):
            return others
        return {**linted, **others}, frozenset(others) if folder in self.linted else frozenset()

    def module(self, folder: Path) -> tuple[Module | None, str]:
        """The files of a module's folder and its context files, as ``files`` finds them, and
        why some could not be read ("" when all were): a linted folder then keeps the files
        that were linted, a folder not linted has none (None)."""
        found = self.files(folder)
        if not isinstance(found, str):
            return found, ""
        if folder in self.linted:
            return (self.tf[self.linted[folder]], frozenset()), found
        return None, found

    def tree(self, directory: Path) -> Tree:
        """The tree whose root is the linted folder ``directory``."""
        tree = Tree([], [])
        found, why = self.module(real_path(directory))
        if why:
            tree.unread.append(f"the other files of {self.show(directory)} ({why})")
        files, context = found if found is not None else (self.tf[directory], frozenset())
        scope = module_scope(files, self.tfvars.get(directory, {}), self.display)
        root = Instance(directory, files, scope, context=context)
        tree.instances.append(root)
        self.reached.add(real_path(directory))
        stack: list[tuple[Instance, tuple[Path, ...]]] = [(root, (real_path(directory),))]
        beyond = 0  # calls not followed once the tree holds MAX_INSTANCES modules
        downloaded = installed(real_path(directory))
        while stack:
            caller, path = stack.pop()
            for call in _calls(caller.files):
                if not_created(call, caller.scope):
                    continue  # count = 0, for_each = {}: the module is not created
                name = f"{caller.prefix}module.{call.labels[0]}"
                source = caller.scope.resolve(call.get("source"))
                folder = local_source(real_path(caller.directory), source)
                if folder is None:
                    folder = downloaded.get(".".join(_CALL_NAME.findall(name)))
                if folder is None:
                    tree.unread.append(
                        f"{name} (source {source!r}, not a local folder nor one downloaded into "
                        ".terraform/modules)"
                    )
                    continue
                if folder in path or len(path) > _MAX_DEPTH:
                    continue  # a loop of calls: the module is already in this branch
                if len(tree.instances) >= MAX_INSTANCES:
                    beyond += 1
                    continue
                found, why = self.module(folder)
                if why:
                    tree.unread.append(f"{name} (source {source!r}: {why})")
                if found is None:
                    continue
                child_files, context = found
                self.reached.add(folder)
                args = {k: v for k, (v, _) in call.attrs.items() if k not in _META}
                scope = module_scope(child_files, {})  # a called module's tfvars are not read
                for k, v in args.items():
                    scope.values[f"var.{k}"] = caller.scope.bind(v)
                    scope.origin[f"var.{k}"] = f"the argument of {name}"
                    if where := caller.scope.set_at(v):  # the caller's tfvars set it
                        scope.where[f"var.{k}"] = where
                child = Instance(
                    folder, child_files, scope, f"{name}.", caller, args, context=context
                )
                caller.children[call.labels[0]] = child
                tree.instances.append(child)
                stack.append((child, (*path, folder)))
        if beyond:
            tree.unread.append(f"{beyond} module call(s) beyond the first {MAX_INSTANCES} modules")
        return tree
