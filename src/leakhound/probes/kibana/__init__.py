"""Kibana and OpenSearch Dashboards: the probe (``probe.py``), the console proxy that lets the
Elasticsearch probe read the cluster behind them (``proxy.py``) and the read-only allow-list
(``allow.py``)."""

from .allow import ALLOW
from .probe import KibanaProbe

__all__ = ["ALLOW", "KibanaProbe"]
