"""The support data as SQL rows: one schema for PostgreSQL and MariaDB.

An application keeps one ``cases`` table (not one per year, as the Elasticsearch indices are):
the customer's scalar fields become columns (``customer_email``…), their location, a nested
structure as a geo-IP service returns it, one JSON column (``customer_location``: JSONB in
PostgreSQL, JSON in MariaDB). The truth names a column by its name and a place inside a JSON
column by a dotted path (``customer_location.city``). Payroll is a flat table; the ransom note a
table of its own, named after what the bots leave in each server.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from .seeder import PAYROLL_INDEX, RANSOM_INDEX, SUPPORT_PREFIX, Dataset, Doc

CASE_COLUMNS = (
    "case_id",
    "created_at",
    "customer_name",
    "customer_email",
    "customer_phone",
    "customer_ip",
    "customer_location",
    "agent_email",
    "subject",
    "description",
    "internal_notes",
    "status",
    "product",
)
PAYROLL_COLUMNS = (
    "employee_id",
    "name",
    "email",
    "iban",
    "salary_amount",
    "salary_currency",
    "department",
    "hired_at",
    "city",
)
RANSOM_COLUMNS = ("message", "btc", "email")


@functools.cache  # a few dozen distinct paths, met 10,000 times each
def column_path(path: str) -> str:
    """A document path as a column and JSON path: customer.location.city ->
    customer_location.city."""
    if path.startswith("customer.location."):
        return "customer_location." + path.removeprefix("customer.location.")
    if path.startswith("salary."):
        return "salary_" + path.removeprefix("salary.")
    return path.replace(".", "_", 1) if path.startswith("customer.") else path


def rows(dataset: Dataset, cases: str, payroll: str, ransom: str) -> Dataset:
    """The generated documents as rows of the tables named cases, payroll and ransom."""
    docs: list[Doc] = []
    for doc in dataset.docs:
        if doc.index.startswith(SUPPORT_PREFIX):
            docs.append(doc.placed(cases, doc.id, case_row(doc.source), column_path))
        elif doc.index == PAYROLL_INDEX:
            docs.append(doc.placed(payroll, doc.id, payroll_row(doc.source), column_path))
        elif doc.index == RANSOM_INDEX:
            docs.append(doc.placed(ransom, doc.id, dict(doc.source)))
    return Dataset({cases: {}, payroll: {}, ransom: {}}, docs)


def case_row(source: Mapping[str, Any]) -> dict[str, Any]:
    """One case as a row: column -> value (no key for a customer without a phone: NULL)."""
    customer = source["customer"]
    row = {
        "case_id": source["case_id"],
        "created_at": source["created_at"],
        "customer_name": customer["name"],
        "customer_email": customer["email"],
        "customer_phone": customer.get("phone"),
        "customer_ip": customer["ip"],
        "customer_location": customer["location"],
    }
    row |= {c: source[c] for c in CASE_COLUMNS[7:]}
    return {c: v for c, v in row.items() if v is not None}


def payroll_row(source: Mapping[str, Any]) -> dict[str, Any]:
    """One payroll record as a row."""
    row = {c: source[c] for c in PAYROLL_COLUMNS if c in source}
    row["salary_amount"] = source["salary"]["amount"]
    row["salary_currency"] = source["salary"]["currency"]
    return row


def values(row: Mapping[str, Any], columns: tuple[str, ...]) -> tuple[Any, ...]:
    """The row's values in column order (None for a missing one)."""
    return tuple(row.get(c) for c in columns)
