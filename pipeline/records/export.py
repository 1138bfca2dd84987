"""Records out of the store for a spreadsheet or another records system.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, or a tab or carriage return) are neutralised with a leading
apostrophe, so an exported name like ``=HYPERLINK(…)`` stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

from supforms.forms.values import dotted
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.text import json_line
from supforms.schemas.declaration import value_at
from supforms.schemas.registry import declaration_of, form_ids

__all__ = [
    "DEFAULT_FIELDS",
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
            values = {f"data.{k}": v for k, v in dotted(result.get("data") or {}).items()}
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


def _add_months(day: date, months: int) -> date:
    """``day`` ``months`` later; the 29th–31st become the month's last day where it has none."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def renewal_values(form: str, data: dict[str, Any]) -> dict[str, Any]:
    """The values of the record renewed that its renewal is prefilled with (never a date).

    What carries over is the form's to declare (``Renewal.carries``).
    """
    declaration = declaration_of(form)
    carries = declaration.renewal.carries if declaration and declaration.renewal else ()
    return {
        path: value
        for path, value in dotted(data).items()
        if value not in (None, "", [], {}) and carries and path.startswith(carries)
    }


def due_records(
    store: RecordStore, within: timedelta, today: date, *, renewed: bool = False
) -> list[dict[str, Any]]:
    """Returns due again under their form's renewal rule (``Declaration.renewal``).

    The newest complete record per form and person (or case) counts; it is due
    when its date (``Declaration.dated``) plus the rule's months falls before
    ``today + within`` (overdue ones included). A record a renewal copy was issued
    for has left this list (the copy is outstanding: ``records outstanding`` and
    ``remind`` follow it) unless ``renewed`` (``renew``, which says it is done).
    """
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    renewing = {
        form_id: declaration
        for form_id in form_ids()
        if (declaration := declaration_of(form_id)) is not None and declaration.renewal
    }
    for form_id, declaration in renewing.items():
        for row in store.rows(store.select(status="complete", form=form_id)):
            whom = row["supervisee"] or row["case_reference"]
            if not whom or declaration.dated is None:
                continue
            result, _, _ = store.record(int(row["id"]))
            dated = value_at(result.get("data") or {}, declaration.dated)
            if not isinstance(dated, str):
                continue
            row["dated"] = dated
            key = (form_id, whom.lower())
            if key not in latest or latest[key]["dated"] < dated:
                latest[key] = row
    done = set() if renewed else set(store.renewals_of([int(r["id"]) for r in latest.values()]))
    due = []
    for row in latest.values():
        if int(row["id"]) in done:
            continue
        renewal = renewing[row["form"]].renewal
        assert renewal is not None
        anniversary = _add_months(date.fromisoformat(row["dated"]), renewal.months)
        if anniversary <= today + within:
            due.append({**row, "due": anniversary.isoformat(), "action": renewal.action})
    return sorted(due, key=lambda r: r["due"])
