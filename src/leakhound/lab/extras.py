"""The lab's own Python dependencies (the `lab` extra), checked before anything starts."""

from __future__ import annotations

import importlib

from .errors import LabError

# Module -> the distribution that provides it. Faker generates the data; the clients write it
# (seeding only: leakhound's probes speak each protocol themselves through leakhound.net).
LAB_MODULES = {
    "faker": "faker",
    "pymongo": "pymongo",
    "redis": "redis",
    "psycopg": "psycopg[binary]",
    "pymysql": "PyMySQL",
}


def require_lab() -> None:
    """Raise a one-line LabError naming the extra to install when a lab module is missing."""
    missing = []
    for module, dist in LAB_MODULES.items():
        try:
            importlib.import_module(module)
        except ImportError:  # also psycopg without its binary part and no libpq on the machine
            missing.append(dist)
    if missing:
        raise LabError(
            f"the lab needs the 'lab' extra ({', '.join(missing)} missing): "
            "pip install 'leakhound[lab]'"
        )
