"""The lab's own Python dependencies (the `lab` extra), checked before anything starts."""

from __future__ import annotations

import importlib
import importlib.util

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
# The object stores' seeding clients and openpyxl (their spreadsheet exports): only looked for,
# not imported (a second or more each on a loaded machine); imported when seeding.
LAB_FOUND = {
    "boto3": "boto3",
    "azure.storage.blob": "azure-storage-blob",
    "openpyxl": "openpyxl",
}


def require_lab() -> None:
    """Raise a one-line LabError naming the extra to install when a lab module is missing."""
    missing = []
    for module, dist in LAB_MODULES.items():
        try:
            importlib.import_module(module)
        except ImportError:  # also psycopg without its binary part and no libpq on the machine
            missing.append(dist)
    for module, dist in LAB_FOUND.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:  # a parent package (azure, azure.storage) is missing
            found = False
        if not found:
            missing.append(dist)
    if missing:
        raise LabError(
            f"the lab needs the 'lab' extra ({', '.join(missing)} missing): "
            "pip install 'leakhound[lab]'"
        )
