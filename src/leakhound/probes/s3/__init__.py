"""S3-compatible object stores (AWS S3, MinIO, Ceph, SeaweedFS…): the dialect and probe
(``probe.py``) and the read-only allow-list (``allow.py``)."""

from .allow import ALLOW
from .probe import S3Probe

__all__ = ["ALLOW", "S3Probe"]
