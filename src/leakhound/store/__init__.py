"""Findings storage: scans, their per-target results, and history across scans."""

from .records import History, ResultRecord, ScanRecord
from .sqlite import SqliteStore, default_db_path

__all__ = ["History", "ResultRecord", "ScanRecord", "SqliteStore", "default_db_path"]
