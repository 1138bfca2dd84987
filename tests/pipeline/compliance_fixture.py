"""A store of supervision records for the compliance known-answer test and its benchmark.

Each cohort is one situation, written as the records its supervisees would have
archived; every supervisee of a cohort has the same records (their own names),
so the expected row of a cohort is worked out once, by hand, in the test. The
records are archived through ``RecordStore.archive`` with ``IngestResult``
objects as ingest makes them (the data validated by the form's own model).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from supforms.forms.values import nest
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.result import IngestResult
from supforms.schemas.registry import latest


@dataclass
class Person:
    name: str
    supervisor: str
    records: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    """(form, status, values) in dotted keys."""

    def agreement(
        self, on: str, per_year: int, weeks: int, *, supervisor: str = "", status="complete"
    ):
        self.records.append(("agreement", status, {
            **self._pair(supervisor), "agreed_on": on,
            "regularity.sessions_per_year": per_year,
            "regularity.weeks_between_sessions": weeks,
            "signatures.supervisee.date": on, "signatures.supervisor.date": on,
        }))  # fmt: skip

    def contract(self, on: str, team: str | None, *, supervisor: str = ""):
        values = {
            "supervisee.name": self.name, "supervisor.name": supervisor or self.supervisor,
            "signatures.date": on,
        }  # fmt: skip
        if team:
            values["supervisee.department"] = team
        self.records.append(("contract", "complete", values))

    def session(
        self, on: str, *, formal: bool = True, signed: tuple[str, str] | None = None,
        supervisor: str = "", actions: list[dict] = (), carried: list[dict] = (),
        extra: dict[str, Any] | None = None,
    ):  # fmt: skip
        first, second = signed or (on, on)
        values = {
            **self._pair(supervisor), "held_on": on, "duration_minutes": 90, "formal": formal,
            "signatures.supervisee.date": first, "signatures.supervisor.date": second,
            **(extra or {}),
        }  # fmt: skip
        for name, rows in (("actions", actions), ("carried", carried)):
            for index, row in enumerate(rows):
                values.update({f"{name}.{index}.{k}": v for k, v in row.items()})
        self.records.append(("session-record", "complete", values))

    def _pair(self, supervisor: str) -> dict[str, Any]:
        return {
            "supervisee.name": self.name, "supervisee.job_title": "Social Worker",
            "supervisor.name": supervisor or self.supervisor,
            "supervisor.job_title": "Team Manager",
        }  # fmt: skip


def result_for(form: str, status: str, values: dict[str, Any], number: int) -> IngestResult:
    """An ingest result as ingest makes one: the data is the form's model, dumped as JSON."""
    model = latest(form)
    data = model.model_validate(nest(values)).model_dump(mode="json")
    body = f"%PDF-1.7 fixture {number} {form}".encode()
    return IngestResult(
        filename=f"{form}-{number}.pdf", sha256=hashlib.sha256(body).hexdigest(), size=len(body),
        status=status, form=form, version=model().schema_version, identified_by="metadata",
        data=data,
    )  # fmt: skip


def archive_people(store: RecordStore, people: list[Person], start: int = 0) -> int:
    """Archive every record of ``people``; returns how many."""
    number = start
    for person in people:
        for form, status, values in person.records:
            number += 1
            result = result_for(form, status, values, number)
            store.archive(result, f"%PDF-1.7 fixture {number} {form}".encode())
    return number - start


def iso(day: date) -> str:
    return day.isoformat()
