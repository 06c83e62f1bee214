"""leakhound's demo and test lab: real data stores on loopback, filled with fake PII.

An OpenSearch node with nginx in front; Redis, PostgreSQL, MariaDB and FerretDB (MongoDB wire
protocol), each as an open and a secured server; MinIO (S3), Azurite (Azure Blob) and three
pouchdb-servers (CouchDB) as object stores (objectstores.py). All seeded with the same support
cases.

    from leakhound import lab
    status = lab.up()                       # builds the launchers once, starts everything
    truth = lab.seed(records=10_000, seed=1)
    status.url("secured"), status.auth      # ("http://127.0.0.1:PORT", ("lab", "lab-password"))
    status.target("secured", kind="mongodb")  # LabTarget: url, username, password
    lab.truth(kind="redis").containers      # key pattern -> records, customers, PII per field
    status.url("partial", kind="s3")        # "s3://readable-cases@127.0.0.1:PORT"
    lab.down()

The state directory is $LEAKHOUND_LAB_DIR, else ``.lab`` in the repo root (the nearest folder up
from the working directory with a pyproject.toml), else ``./.lab``. See README.md beside this file.
"""

from __future__ import annotations

from .control import LabStatus, LabTarget, build, down, seed, status, truth, up
from .databases import KINDS
from .errors import LabError
from .exposure import toggle
from .seeder import IndexTruth, SeedTruth
from .state import default_state_dir

__all__ = [
    "KINDS",
    "IndexTruth",
    "LabError",
    "LabStatus",
    "LabTarget",
    "SeedTruth",
    "build",
    "default_state_dir",
    "down",
    "seed",
    "status",
    "toggle",
    "truth",
    "up",
]
