"""leakhound lint beside Checkov on the corpus of exposed and secured configurations.

The corpus (tests/data/lint/exposed and secured, one folder a case) is shared with the tests.
In one run: leakhound lint on each case, Checkov 3.3 (PyPI, offline: BC_SKIP_MAPPING=TRUE,
--skip-download) with its built-in checks on the whole corpus, and Checkov again with
KICS-style custom checks (checkov_store_ports/: Internet to each store port, Terraform only).
A case counts as flagged by a tool when the tool reports a failed check in one of its files;
for Checkov's built-ins the table also shows whether any failed check was about network
exposure at all (a check name mentioning ingress, hostPort, NodePort/LoadBalancer, public
access or a port), since most of its Kubernetes checks are hardening advice.

Run: .venv/bin/python benchmarks/lint_corpus.py [--checkov PATH]
(Checkov from `pip install -e '.[bench]'`, or any checkov 3.3 on PATH or given.)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from leakhound.lint import lint_paths

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "lint"
POLICIES = Path(__file__).resolve().parent / "checkov_store_ports"
EXPOSURE = re.compile(r"ingress|hostPort|NodePort|LoadBalancer|public|internet|\bport \d", re.I)


def find_checkov(given: str | None) -> str:
    """The checkov executable: --checkov, the one beside this Python, or the one on PATH."""
    for candidate in (given, str(Path(sys.executable).parent / "checkov"), shutil.which("checkov")):
        if candidate and Path(candidate).is_file():
            return candidate
    sys.exit("checkov not found: pip install -e '.[bench]' or give --checkov PATH")


def run_checkov(exe: str, extra: list[str]) -> tuple[dict[str, list[tuple[str, str]]], float]:
    """Failed checks per corpus-relative file path: [(check id, check name)], and seconds."""
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
    started = time.perf_counter()
    proc = subprocess.run(
        [exe, "-d", str(CORPUS), "--skip-download", "-o", "json", "--quiet", *extra],
        capture_output=True,
        text=True,
        env=env,
        cwd=CORPUS,
        check=False,
    )
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        sys.exit(f"checkov failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    data = json.loads(proc.stdout or "{}")
    reports = data if isinstance(data, list) else [data]
    failed: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for report in reports:
        for check in (report.get("results") or {}).get("failed_checks", []):
            path = check["file_path"].lstrip("/")
            failed[path].append((check["check_id"], check["check_name"]))
    return failed, seconds


def in_case(failed: dict[str, list[tuple[str, str]]], case: str) -> list[tuple[str, str]]:
    return [c for path, checks in failed.items() if path.startswith(case + "/") for c in checks]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkov", help="path of the checkov executable")
    exe = find_checkov(parser.parse_args().checkov)
    cases = [
        f"{group}/{p.name}"
        for group in ("exposed", "secured")
        for p in sorted((CORPUS / group).iterdir())
        if p.is_dir()
    ]

    started = time.perf_counter()
    ours = {case: lint_paths([CORPUS / case], root=CORPUS).findings for case in cases}
    ours_seconds = time.perf_counter() - started
    builtin, builtin_seconds = run_checkov(exe, [])
    custom, custom_seconds = run_checkov(
        exe,
        [
            "--external-checks-dir",
            str(POLICIES),
            "--check",
            "CKV_LHK_*",
            "--framework",
            "terraform",
        ],
    )

    header = (
        f"{'case':<30}{'expected':<10}{'leakhound':<11}{'checkov any':<13}"
        f"{'checkov exposure':<18}{'checkov+store-port checks'}"
    )
    print(header)
    print("-" * len(header))
    score = defaultdict(lambda: [0, 0])  # tool -> [exposed flagged, secured flagged]
    for case in cases:
        exposed = case.startswith("exposed/")
        mine = ours[case]
        any_checks = in_case(builtin, case)
        exposure = [c for c in any_checks if EXPOSURE.search(c[1]) and "egress" not in c[1]]
        store_port = in_case(custom, case)
        row = {
            "leakhound": bool(mine),
            "checkov any": bool(any_checks),
            "checkov exposure": bool(exposure),
            "checkov+store-port": bool(store_port),
        }
        for tool, flagged in row.items():
            score[tool][0 if exposed else 1] += flagged
        print(
            f"{case:<30}{'exposed' if exposed else 'secured':<10}"
            f"{_cell(len(mine)):<11}{_cell(len(any_checks)):<13}{_cell(len(exposure)):<18}"
            f"{_cell(len(store_port))}"
        )
    n_exp = sum(c.startswith("exposed/") for c in cases)
    n_sec = len(cases) - n_exp
    print()
    print(f"{'tool':<28}{'exposed cases flagged':<24}{'secured cases flagged':<24}seconds")
    seconds = {
        "leakhound": ours_seconds,
        "checkov any": builtin_seconds,
        "checkov exposure": builtin_seconds,
        "checkov+store-port": custom_seconds,
    }
    names = {
        "leakhound": "leakhound lint",
        "checkov any": "Checkov, any check",
        "checkov exposure": "Checkov, exposure checks",
        "checkov+store-port": "Checkov + store-port checks",
    }
    for tool, (hit, false_hit) in score.items():
        print(
            f"{names[tool]:<28}{f'{hit}/{n_exp}':<24}{f'{false_hit}/{n_sec}':<24}"
            f"{seconds[tool]:.1f}"
        )
    flagged_all = score["leakhound"][0] == n_exp and score["leakhound"][1] == 0
    print()
    print(
        f"{'PASS' if flagged_all else 'MISS'} leakhound flags every exposed case and no secured one"
    )
    return 0 if flagged_all else 1


def _cell(n: int) -> str:
    return f"yes ({n})" if n else "no"


if __name__ == "__main__":
    raise SystemExit(main())
