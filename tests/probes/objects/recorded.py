"""Recorded answers of object stores (``tests/data/s3``, ``tests/data/azblob``) as Responses."""

from __future__ import annotations

import json
from pathlib import Path

from leakhound.net import Response

DATA = Path(__file__).parents[2] / "data"


def answer(name: str, url: str = "http://127.0.0.1:9000/") -> Response:
    """One recorded answer: status, the headers kept, body."""
    got = json.loads((DATA / name).read_text())
    headers = {k.lower(): v for k, v in got["headers"].items()}
    return Response(got["status"], headers, got["body"].encode(), url)
