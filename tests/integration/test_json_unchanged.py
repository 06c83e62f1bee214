"""A lab scan's JSON is what it was before the store-kind contract (commit f65139d).

The contract changed the structure of the code, not what a scan of Elasticsearch/OpenSearch
says: the same lab is scanned by the code of that commit (taken from the repository's history
with ``git archive``) and by today's, each into a fresh database, and the two JSON reports must
be equal but for what differs between any two scans (the scan id and the times, the order in
which concurrent results were recorded) and for the changes made on purpose since, each named
in ``INTENDED`` with why. Key order inside an object is not compared: JSON objects are
unordered.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from leakhound.cli import main

BEFORE = "f65139d"  # the last commit before the store-kind contract
REPO = Path(__file__).parents[2]
VOLATILE = ("scan_id", "started_at", "finished_at")
# History fields that name this scan or its time: kept as what they say of it.
HISTORY_TIMES = ("first_seen", "first_seen_exposed")
# What detection finds in a sample changes with the detectors (#15's misses, #18's phones and
# names), which their own tests and benchmarks hold to account: left out of this comparison,
# which guards the structure around them.
DETECTION = ("pii_types", "indices_with_pii")
# (lab role, field of the service): (value before, value now, why it changed).
INTENDED: dict[tuple[str, str], tuple[Any, Any, str]] = {
    ("secured", "closed_apis"): (
        ["/"],
        ["/", "_cat/indices", "_search"],
        "#15: the data APIs decide the verdict, even where the root asks for credentials",
    ),
}
# Fields of one role's result added since, on purpose: (role, field): (value now, why).
ADDED_TO_ROLE: dict[tuple[str, str], tuple[Any, str]] = {
    ("partial", "inventory_note"): (
        "which indices are hidden is unknown (index.hidden settings: HTTP 401)",
        "nginx asks for credentials for the settings it does not ask for _cat/indices: which "
        "indices are hidden is unknown, said, not taken as none",
    ),
}
# Fields of a result added since, on purpose (a result without them then is compared as is).
ADDED = {"people": "#15: a store's people, counted once across its fields and containers"}
# Fields of a container's sample added since, on purpose.
ADDED_TO_SAMPLE = {
    "people": "a container's people, counted as its store's are",
    "failure": "beside an error, why the read failed (refused for credentials, or other)",
    "drawn": "how its records were drawn: at random over the index, not its first",
    "years": "records a year, counted reading a store whole for its people",
    "date_field": "the field those years are of, where the index names none",
}
# Fields of a container (index) added since, on purpose.
ADDED_TO_INDEX = {
    "years": "records a year, as the store counted them at inventory",
    "denied": "the inventory's own reads of it refused for credentials (a partial store's)",
    "docs_high": "a count from _cat/indices holds nested documents: at most that many records",
    "docs_basis": "where the count is not exact, how it was obtained (_cat/indices)",
}
# Fields the server measures at the moment of each scan: an index's bytes on disk change
# between two scans of the same data (a shard gone idle is flushed, a merge rewrites its
# segments: +100-300 bytes an index were seen between the two scans). Compared within a
# factor of two of each other (a unit or a parsing slip is a factor of 1,000), then left out.
MEASURED_BY_THE_SERVER = ("store_bytes",)
# Fields of the scan added since, on purpose.
ADDED_TO_SCAN = {"people_across": "people counted once across the stores read whole"}


@pytest.fixture(scope="module")
def old_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``src`` tree of commit BEFORE."""
    got = subprocess.run(
        ["git", "-C", str(REPO), "archive", BEFORE, "src"], capture_output=True, check=False
    )
    assert got.returncode == 0, (
        f"commit {BEFORE} is not in this clone's history ({got.stderr.decode()[:200]}): "
        "the comparison needs it (a shallow clone? fetch with full history)"
    )
    folder = tmp_path_factory.mktemp("before")
    with tarfile.open(fileobj=io.BytesIO(got.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def _scan_json(out: Path, roles: dict[str, str], now: bool) -> dict[str, Any]:
    doc = json.loads(out.read_text())
    # Results are recorded as they finish: their order is the scan's, not the code's.
    doc["results"].sort(key=lambda r: r["service"]["url"])
    for result in doc["results"]:
        role = roles[result["service"]["url"]]
        for (where, key), (before, after, _why) in INTENDED.items():
            if where == role:
                assert result["service"][key] == (after if now else before), (where, key)
                result["service"][key] = "(changed on purpose)"
        for (where, key), (value, _why) in ADDED_TO_ROLE.items():
            if where == role:
                assert result.pop(key, None) == (value if now else None), (where, key)
        for key in ADDED:
            if now and result["service"]["verdict"] == "open":
                assert key in result, key  # an exposed store with personal data has them
            result.pop(key, None)
        history = result["history"]
        history["first_scan_id"] = history["first_scan_id"] == doc["scan_id"]
        for key in HISTORY_TIMES:
            history[key] = history[key] is not None and history[key] >= doc["started_at"]
        for entry in result["indices"]:
            for key in ADDED_TO_INDEX:
                entry["index"].pop(key, None)
            if entry["sample"]:
                entry["sample"].pop("pii")
                for key in ADDED_TO_SAMPLE:
                    entry["sample"].pop(key, None)
    for key in DETECTION:
        doc["summary"].pop(key)
    for key in VOLATILE:
        doc.pop(key)
    for key in ADDED_TO_SCAN:
        if now:
            assert key in doc, key  # the lab's open node is read whole
        doc.pop(key, None)
    return doc


def _measured_alike(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Where a field the server measures (``MEASURED_BY_THE_SERVER``) is absent on one side
    or off by more than a factor of two; both sides' values are then set aside."""
    out = []
    for r_old, r_new in zip(old["results"], new["results"], strict=False):
        for e_old, e_new in zip(r_old["indices"], r_new["indices"], strict=False):
            for key in MEASURED_BY_THE_SERVER:
                a, b = e_old["index"].get(key), e_new["index"].get(key)
                name = e_old["index"].get("name")
                if (a is None) != (b is None) or (a and b and not 0.5 <= b / a <= 2):
                    out.append(f"{name}.{key}: {a!r} became {b!r}")
                e_old["index"][key] = e_new["index"][key] = "(measured by the server)"
    return out


def _differences(old: Any, new: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, one line a place."""
    if type(old) is not type(new):
        return [f"{path}: {old!r:.80} became {new!r:.80}"]
    if isinstance(old, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                out.append(f"{path}.{key}: only {'before' if key in old else 'now'}")
            else:
                out += _differences(old[key], new[key], f"{path}.{key}")
        return out
    if isinstance(old, list):
        out = [f"{path}: {len(old)} items became {len(new)}"] if len(old) != len(new) else []
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            out += _differences(a, b, f"{path}[{i}]")
        return out
    return [] if old == new else [f"{path}: {old!r:.80} became {new!r:.80}"]


def test_a_lab_scan_reads_as_it_did_before_the_contract(
    lab: Any, old_source: Path, tmp_path: Path
) -> None:
    roles = {lab.status.url(role): role for role in ("open", "secured", "partial")}
    targets = list(roles)
    before, now = tmp_path / "before.json", tmp_path / "now.json"
    code = "import sys; from leakhound.cli import main; sys.exit(main(sys.argv[1:]))"
    ran = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "scan",
            *targets,
            "--db",
            str(tmp_path / "before.db"),
            "--format",
            "json",
            "--output",
            str(before),
            "--no-progress",
        ],
        env={**os.environ, "PYTHONPATH": str(old_source)},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert ran.returncode == 0, ran.stderr
    assert (
        main(
            [
                "scan",
                *targets,
                "--db",
                str(tmp_path / "now.db"),
                "--format",
                "json",
                "--output",
                str(now),
                "--no-progress",
            ]
        )
        == 0
    )
    old, new = _scan_json(before, roles, now=False), _scan_json(now, roles, now=True)
    assert old["results"], "the old scan recorded nothing"
    assert not (apart := _measured_alike(old, new)), "\n".join(apart[:20])
    assert not _differences(old, new), "\n".join(_differences(old, new)[:20])
