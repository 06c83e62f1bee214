"""``leakhound lint``: the subcommand's options and its run (parse, lint, render, exit status)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import UsageError

EXIT_OK, EXIT_FOUND = 0, 1


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``lint`` on the CLI's subparsers."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "lint",
        help="find configuration that exposes a data store, before it is deployed",
        description=(
            "Read store configs (elasticsearch.yml, opensearch.yml, kibana.yml, mongod.conf, "
            "redis.conf, pg_hba.conf, my.cnf, CouchDB local.ini), docker-compose files, "
            "Kubernetes manifests, Helm values, Terraform (Azure NSG, AWS security groups, "
            "GCP firewalls; S3, Azure Blob and GCS buckets readable by anyone) and exported "
            "NSG / security-group JSON; report each exposure with its file and line. Folders "
            "are walked."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", type=Path)
    p.add_argument("--format", choices=("terminal", "json", "sarif"), default="terminal")
    p.add_argument(
        "--fail-on",
        choices=("low", "medium", "high"),
        default="low",
        help="exit 1 when a finding is at least this severe (default low: any finding)",
    )
    p.add_argument(
        "--var-file",
        dest="var_files",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help=(
            "Terraform variables for the folders linted, over their terraform.tfvars and "
            "*.auto.tfvars, as terraform -var-file (repeatable: a later one wins)"
        ),
    )
    p.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write the report here instead of stdout"
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Lint the paths, render the result, and say by the exit status whether to fail CI."""
    from .model import Severity
    from .report import render_json, render_sarif, render_terminal
    from .run import lint_paths

    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    missing = [str(p) for p in args.var_files if not p.exists()]
    if missing:
        raise UsageError(f"no such --var-file: {', '.join(missing)}")
    folders = [str(p) for p in args.var_files if not p.is_file()]
    if folders:
        raise UsageError(f"--var-file takes a file, not a folder or device: {', '.join(folders)}")
    result = lint_paths(list(args.paths), var_files=args.var_files)
    if args.format == "terminal":
        from rich.console import Console

        from ..report.console import stdout_console

        if args.output:
            with _open(args.output) as fh:
                render_terminal(result, Console(file=fh, width=160, no_color=True))
        else:
            render_terminal(result, stdout_console())
    else:
        text = render_json(result) if args.format == "json" else render_sarif(result)
        if args.output:
            with _open(args.output) as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
    return EXIT_FOUND if result.at_least(Severity.parse(args.fail_on)) else EXIT_OK


def _open(path: Path) -> Any:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return os.fdopen(fd, "w", encoding="utf-8")
