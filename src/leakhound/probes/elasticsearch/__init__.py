"""Elasticsearch and OpenSearch: the probe (``probe.py``), the full reader (``read.py``) and
the read-only allow-list (``allow.py``)."""

from .allow import ALLOW
from .probe import ElasticsearchProbe

__all__ = ["ALLOW", "ElasticsearchProbe"]
