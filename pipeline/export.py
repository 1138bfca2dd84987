"""Records out of the store for a spreadsheet or another records system.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, or a tab or carriage return) are neutralised with a leading
apostrophe, so an exported name like ``=HYPERLINK(…)`` stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from forms.values import flatten
from pipeline.cli_common import json_line
from pipeline.store import RecordStore

__all__ = [
    "DEFAULT_FIELDS",
    "RENEWALS",
    "Renewal",
    "due_records",
    "export_rows",
    "renewal_values",
    "safe_cell",
    "to_csv",
    "to_jsonl",
]

DEFAULT_FIELDS = (
    "id",
    "form",
    "version",
    "document_id",
    "status",
    "supervisee",
    "supervisor",
    "team",
    "case_reference",
    "received_at",
    "source_name",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def export_rows(
    store: RecordStore, rows: Iterable[dict[str, Any]], fields: tuple[str, ...]
) -> Iterator[dict[str, Any]]:
    """Each row with the chosen fields: record columns, or ``data.<path>`` of its JSON."""
    wants_data = any(f.startswith("data.") for f in fields)
    for row in rows:
        values: dict[str, Any] = {}
        if wants_data:
            result, _, _ = store.record(int(row["id"]))
            values = {f"data.{k}": v for k, v in flatten(result.get("data") or {}).items()}
        yield {field: row.get(field, values.get(field)) for field in fields}


def to_csv(rows: Iterable[dict[str, Any]], fields: tuple[str, ...]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(row.get(field)) for field in fields])
        yield buffer.getvalue()


def to_jsonl(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json_line(row, default=str) + "\n"


@dataclass(frozen=True)
class Renewal:
    """A form that is renewed a year after it was signed, and what the new copy keeps."""

    action: str
    carries: tuple[str, ...]
    """Dotted paths (or their first parts) of the values a renewal copy is prefilled with."""


# Every per-form rule about renewals, in one place: the form declarations may take it over.
RENEWALS: dict[str, Renewal] = {
    "contract": Renewal("re-sign the contract", ("supervisee.", "supervisor.")),
    "agreement": Renewal("review the agreement", ("supervisee.", "supervisor.", "regularity.")),
}


def renewal_values(form: str, data: dict[str, Any]) -> dict[str, Any]:
    """The values of the record renewed that its renewal is prefilled with (never a date)."""
    carries = RENEWALS[form].carries
    return {
        path: value
        for path, value in flatten(data).items()
        if value not in (None, "", [], {}) and path.startswith(carries)
    }


def due_records(store: RecordStore, within: timedelta, today: date) -> list[dict[str, Any]]:
    """Contracts due for their annual re-signing and agreements for their 12-month review.

    The newest complete record per form and supervisee counts; it is due when its
    date plus a year falls before ``today + within`` (overdue ones included).
    """
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    query = store.select(status="complete")
    for row in store.rows(query):
        if row["form"] not in RENEWALS or not row["supervisee"]:
            continue
        result, _, _ = store.record(int(row["id"]))
        data = result.get("data") or {}
        signed = data.get("agreed_on") or (data.get("signatures") or {}).get("date")
        if not isinstance(signed, str):
            continue
        row["dated"] = signed
        key = (row["form"], row["supervisee"].lower())
        if key not in latest or latest[key]["dated"] < signed:
            latest[key] = row
    due = []
    for row in latest.values():
        anniversary = date.fromisoformat(row["dated"])
        try:
            anniversary = anniversary.replace(year=anniversary.year + 1)
        except ValueError:  # 29 February
            anniversary = anniversary.replace(year=anniversary.year + 1, day=28)
        if anniversary <= today + within:
            due.append(
                {**row, "due": anniversary.isoformat(), "action": RENEWALS[row["form"]].action}
            )
    return sorted(due, key=lambda r: r["due"])
