"""leakhound's demo and test lab: a real OpenSearch node on loopback, nginx in front, fake PII.

    from leakhound import lab
    status = lab.up()                       # builds the Java launcher once, starts node + nginx
    truth = lab.seed(records=10_000, seed=1)
    status.url("secured"), status.auth      # ("http://127.0.0.1:PORT", ("lab", "lab-password"))
    lab.down()

The state directory is $LEAKHOUND_LAB_DIR, else ``.lab`` in the repo root (the nearest folder up
from the working directory with a pyproject.toml), else ``./.lab``. See README.md beside this file.
"""

from __future__ import annotations

from .control import LabStatus, LabTarget, down, seed, status, truth, up
from .errors import LabError
from .exposure import toggle
from .seeder import IndexTruth, SeedTruth
from .state import default_state_dir

__all__ = [
    "IndexTruth",
    "LabError",
    "LabStatus",
    "LabTarget",
    "SeedTruth",
    "default_state_dir",
    "down",
    "seed",
    "status",
    "toggle",
    "truth",
    "up",
]
