"""Walk the paths, give each file to the linter its name (or content) calls for, collect findings.

A file is *claimed* when its name says what it is (``redis.conf``, ``docker-compose.yml``,
``*.tf``, ``values.yaml``…) or the user named it: a claimed file that does not parse is one
finding with the reason. Other YAML and JSON files met while walking a folder are read only to
recognise Compose files, Kubernetes manifests and cloud exports; if they do not parse they are
listed as skipped, not reported (a repository has many YAML/JSON files that are not configs).
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import buckets, cloud_rules, compose, helm, kubernetes, terraform, tfmodules
from .inputs import InputSkipped, read_config
from .model import PARSE_ERROR, Finding, LintResult, SetAt, Severity, Skipped
from .sources import ConfigSyntaxError, Located, load_json, load_yaml_all, real_path
from .stores import couchdb, elasticsearch, mongodb, mysql, postgresql, redis

_SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".terraform",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}


def kind_of(path: Path) -> str | None:
    """What a file's name says it is, or None (a generic .yaml/.json is read by content)."""
    name = path.name.lower()
    if name in ("elasticsearch.yml", "elasticsearch.yaml"):
        return "elasticsearch"
    if name in ("opensearch.yml", "opensearch.yaml"):
        return "opensearch"
    if name in ("kibana.yml", "kibana.yaml"):
        return "kibana"
    if name in ("opensearch_dashboards.yml", "opensearch_dashboards.yaml"):
        return "opensearch-dashboards"
    if name in ("mongod.conf", "mongod.yaml", "mongod.yml", "mongodb.conf"):
        return "mongodb"
    if name.endswith(".conf") and re.search(r"redis|valkey|keydb", name) and "sentinel" not in name:
        return "redis"
    if name.endswith(".conf") and "pg_hba" in name:
        return "postgresql"
    if name.endswith(".cnf"):
        return "mysql"
    if name.endswith(".ini") and (
        name == "local.ini" or "couchdb" in name or path.parent.name == "local.d"
    ):
        return "couchdb"
    if re.fullmatch(r"(docker-)?compose([-_.].*)?\.ya?ml", name):
        return "compose"
    if name.endswith(".tf"):
        return "terraform"
    if re.fullmatch(r"(terraform|.*\.auto)\.tfvars(\.json)?", name):
        return "tfvars"  # the files Terraform itself reads without -var-file
    if name.endswith(".tf.json"):
        return "terraform-json"
    if helm.is_values_file(path):
        return "helm"
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    if name.endswith(".json"):
        return "json"
    return None


def _is_helm_template(path: Path) -> bool:
    return any(
        p.name == "templates"
        and ((p.parent / "Chart.yaml").is_file() or (p.parent / "Chart.yml").is_file())
        for p in path.parents
    )


@dataclass
class _Run:
    root: Path
    result: LintResult
    k8s: list[tuple[str, Any]]
    tf: dict[Path, dict[Path, terraform.Block]]
    tfvars: dict[Path, dict[Path, terraform.Block]]
    display: dict[Path, str]
    # The files of the walk (real paths), read or not: the tfvars beside the .tf files are
    # not read again, nor one that could not be read said twice.
    met: set[Path] = field(default_factory=set)

    def show(self, path: Path) -> str:
        """A path as reported: relative to the root when under it."""
        try:
            return real_path(path).relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def show_module(self, path: Path) -> str:
        """A file of a module folder read beyond the paths linted: relative to the root, by
        ``../`` when it lies outside the root (which the path then says); absolute only when no
        relative path leads there (another drive)."""
        try:
            return Path(os.path.relpath(real_path(path), self.root)).as_posix()
        except ValueError:
            return str(path)

    def broken(self, path: Path, exc: ConfigSyntaxError) -> None:
        """Report a file that does not parse."""
        self.result.findings.append(
            Finding(
                PARSE_ERROR,
                Severity.LOW,
                self.show(path),
                exc.line or 1,
                "",
                path.name,
                exc.reason,
                "Fix the syntax so the file can be checked.",
            )
        )


def _files_under(top: Path) -> Iterable[tuple[Path, bool]]:
    if not top.is_dir():  # a file, or a device or FIFO named: read, or skipped with one line
        yield top, True
        return
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for f in sorted(filenames):
            yield Path(dirpath) / f, False


def _walk(paths: Iterable[Path]) -> Iterable[tuple[Path, bool]]:
    """(file, named by the user) for every file under the paths, in a stable order, each file
    once (``lint infra infra/main.tf`` reads main.tf once)."""
    seen: set[Path] = set()
    for top in paths:
        for path, named in _files_under(top):
            key = real_path(path)
            if key not in seen:
                seen.add(key)
                yield path, named


def lint_paths(
    paths: list[Path], root: Path | None = None, var_files: Sequence[Path] = ()
) -> LintResult:
    """Lint every configuration file under ``paths``; reported paths are relative to ``root``
    (default: the current directory) when they are under it. ``var_files`` set Terraform
    variables in every root Terraform folder linted (one no other linted folder calls), over
    its own tfvars (``terraform -var-file``, the last one winning)."""
    run = _Run(
        real_path(root or Path.cwd()), LintResult(), [], defaultdict(dict), defaultdict(dict), {}
    )
    for path, named in _walk(paths):
        kind = kind_of(path)
        if kind is None and not named:
            continue
        run.met.add(real_path(path))
        if _is_helm_template(path) and kind in ("yaml", "helm", None):
            run.result.skipped.append(
                Skipped(run.show(path), "Helm template (its values are linted)")
            )
            continue
        try:
            text = read_config(path)
        except InputSkipped as exc:
            run.result.skipped.append(Skipped(run.show(path), exc.reason))
            continue
        except ConfigSyntaxError as exc:
            if named or kind not in ("yaml", "json"):
                run.broken(path, exc)
                run.result.files.append(run.show(path))  # reported, so counted as linted
            else:
                run.result.skipped.append(Skipped(run.show(path), exc.reason))
            continue
        try:
            linted = _lint_file(run, path, kind, text)
        except ConfigSyntaxError as exc:
            if kind in ("yaml", None) and "{{" in text:
                run.result.skipped.append(Skipped(run.show(path), "a template ({{ }}), not YAML"))
                continue
            if not named and kind in ("yaml", "json"):
                run.result.skipped.append(Skipped(run.show(path), exc.reason))
                continue
            run.broken(path, exc)
            linted = True
        if linted:
            run.result.files.append(run.show(path))
        elif named:
            run.result.skipped.append(
                Skipped(run.show(path), "not a configuration leakhound lints")
            )
    explicit = _var_files(run, var_files)
    roots = set(tfmodules.roots(run.tf))
    for directory in run.tf:
        _tfvars_beside(run, directory)
        # Terraform gives -var-file values to the root module only: a folder another linted
        # folder calls gets its variables from the call's arguments.
        run.tfvars[directory] = terraform.by_precedence(
            run.tfvars[directory], explicit if directory in roots else {}
        )
    # Each module is judged as its callers call it (its variables their arguments): a module
    # two roots call is judged in each; the same finding at its line is reported once, naming
    # where each root set its values (envs/dev/terraform.tfvars, envs/prod/…).
    trees = tfmodules.trees(run.tf, run.tfvars, run.display, run.show_module)
    merged: dict[Finding, tuple[SetAt, ...]] = {}
    for f in (f for t in trees for f in _tree_findings(t, run.display)):
        key = replace(f, set_at=())
        merged[key] = tuple(dict.fromkeys((*merged.get(key, ()), *f.set_at)))
    run.result.findings.extend(replace(f, set_at=w) for f, w in merged.items())
    run.result.findings.extend(kubernetes.lint(run.k8s))
    run.result.findings.sort(key=lambda f: (f.path, f.line, f.rule.id))
    return run.result


def _tree_findings(tree: tfmodules.Tree, display: dict[Path, str]) -> Iterable[Finding]:
    """The network rules (LH120) of each module of a tree, then its buckets (LH121)."""
    for inst in tree.instances:
        yield from terraform.lint_module(inst.files, inst.scope, display, inst.prefix, inst.context)
    yield from buckets.lint(tree, display)


def _tfvars_beside(run: _Run, directory: Path) -> None:
    """Read the tfvars Terraform reads in a folder whose .tf files were named but not those
    (``lint infra/main.tf``): their values count; one that cannot be read is listed as skipped."""
    known = {p.name for p in run.tfvars.get(directory, {})}
    try:
        beside = sorted(p for p in directory.iterdir() if p.name not in known)
    except OSError:
        return
    for path in beside:
        if kind_of(path) != "tfvars" or real_path(path) in run.met or not path.exists():
            continue
        try:
            text = read_config(path)
            run.tfvars[directory][path] = terraform.load_tfvars(path.name, text)
            run.display[path] = run.show(path)
        except InputSkipped as exc:
            run.result.skipped.append(Skipped(run.show(path), exc.reason))
        except ConfigSyntaxError as exc:
            run.result.skipped.append(Skipped(run.show(path), exc.reason))


def _var_files(run: _Run, paths: Sequence[Path]) -> dict[Path, terraform.Block]:
    """The files given by ``--var-file``, in their order; one that cannot be read is listed as
    skipped, one that does not parse is a finding (LH100) with the reason, and lint goes on."""
    out: dict[Path, terraform.Block] = {}
    # A tfvars the walk read already (terraform.tfvars of a linted folder given again by
    # --var-file) is not read again: its values apply here too, and it was counted, or listed
    # as skipped or reported as broken, once, there.
    walked = {real_path(p): b for found in run.tfvars.values() for p, b in found.items()}
    # A file given again applies again, over those given between: each is read once, at its
    # last place.
    for path in reversed(dict.fromkeys(reversed(paths))):
        key = real_path(path)
        if key in walked:
            out[path] = walked[key]
            run.display.setdefault(path, run.show(path))
            continue
        # Walked but not read as a tfvars (named as a path, or one that could not be read
        # or parsed): read as one here, but not said or counted twice.
        run.met.add(key)  # nor read again as a tfvars beside the .tf files
        shown = run.show(path)
        try:
            out[path] = terraform.load_tfvars(path.name, read_config(path))
            run.display[path] = shown
        except InputSkipped as exc:
            if not any(s.path == shown for s in run.result.skipped):
                run.result.skipped.append(Skipped(shown, exc.reason))
            continue
        except ConfigSyntaxError as exc:
            # Not said twice when the walk reported it broken; but said when the walk only
            # passed it over (prod.vars named as a path: "not a configuration").
            if not any(f.rule is PARSE_ERROR and f.path == shown for f in run.result.findings):
                run.broken(path, exc)
        # A tfvars after all, read or reported as broken: linted, not skipped.
        run.result.skipped = [s for s in run.result.skipped if s.path != shown]
        if shown not in run.result.files:
            run.result.files.append(shown)  # read, or reported: counted as linted
    return out


def _lint_file(run: _Run, path: Path, kind: str | None, text: str) -> bool:
    """Lint one file; False when it turned out not to be a configuration leakhound knows."""
    shown = run.show(path)
    out = run.result.findings
    if kind in ("elasticsearch", "opensearch"):
        product = "OpenSearch" if kind == "opensearch" else "Elasticsearch"
        for doc in load_yaml_all(text):
            out.extend(elasticsearch.lint_search(doc, shown, product))
    elif kind in ("kibana", "opensearch-dashboards"):
        product = "Kibana" if kind == "kibana" else "OpenSearch Dashboards"
        for doc in load_yaml_all(text):
            out.extend(elasticsearch.lint_dashboards(doc, shown, product))
    elif kind == "mongodb":
        try:
            docs = load_yaml_all(text)
        except ConfigSyntaxError:
            if "=" not in text:
                raise
            docs = []  # the legacy key = value form
        out.extend(mongodb.lint(docs, text, shown))
    elif kind == "redis":
        out.extend(redis.lint(text, shown))
    elif kind == "postgresql":
        out.extend(postgresql.lint(text, shown))
    elif kind == "mysql":
        out.extend(mysql.lint(text, shown, path))
    elif kind == "couchdb":
        if not couchdb.is_couchdb(text):
            return False
        out.extend(couchdb.lint(text, shown))
    elif kind in ("terraform", "terraform-json"):
        run.tf[path.parent][path] = terraform.load(path.name, text)
        run.display[path] = shown
    elif kind == "tfvars":
        run.tfvars[path.parent][path] = terraform.load_tfvars(path.name, text)
        run.display[path] = shown
    elif kind == "json" or (kind is None and path.suffix.lower() == ".json"):
        doc = load_json(text)
        if not cloud_rules.is_export(doc):
            return False
        out.extend(cloud_rules.lint(doc, shown))
    elif kind in ("compose", "helm", "yaml") or kind is None:
        return _lint_yaml(run, path, kind, text, shown)
    return True


def _lint_yaml(run: _Run, path: Path, kind: str | None, text: str, shown: str) -> bool:
    docs = load_yaml_all(text)
    env: dict[str, str] = {}
    known = kind in ("compose", "helm")
    for doc in docs:
        if compose.is_compose(doc) or kind == "compose":
            if not env and (path.parent / ".env").exists():
                env = compose.read_env_beside(path.parent, ".env")
            if isinstance(doc, Located):
                run.result.findings.extend(compose.lint(doc, shown, env, path.parent))
            known = True
        elif kubernetes.is_manifest(doc):
            run.k8s.append((shown, doc))
            known = True
        elif kind == "helm" and isinstance(doc, Located):
            run.result.findings.extend(helm.lint(doc, path, shown))
        elif cloud_rules.is_export(doc):
            run.result.findings.extend(cloud_rules.lint(doc, shown))
            known = True
    return known
