"""What object stores share (S3 and Azure Blob): the dialect a kind gives (``api.py``), each
bucket's verdict (``probe.py``), listings grouped by folder (``inventory.py``), ranged reads
and full reads through ``leakhound.files`` (``read.py``), their XML read within bounds
(``xml.py``)."""

from .api import ObjectApi
from .probe import ObjectProbe

__all__ = ["ObjectApi", "ObjectProbe"]
