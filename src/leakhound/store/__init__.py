"""Findings storage: scans, their per-target results, and history across scans."""

from .sqlite import SqliteStore, default_db_path

__all__ = ["SqliteStore", "default_db_path"]
