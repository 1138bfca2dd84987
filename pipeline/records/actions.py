"""Action points of session records, read as each form declares them; the pair's last session.

A form that records a session (``Compliance.session`` in its declaration) names
the action points agreed at it and those carried over from the session before,
each marked done or carried on. An action is open unless it is marked done: one
agreed at the session, one carried on, and one carried over but left unmarked
(nobody said it was done). The open actions of a pair's last complete session
record are what the next session record is prefilled with (``--carry-actions``),
and what ``records compliance`` counts as overdue once their date has passed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from supforms.pipeline.records.preflight import store_errors
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.records.tables import records
from supforms.schemas.declaration import Actions, Session, value_at
from supforms.schemas.registry import declaration_of, form_ids, latest

__all__ = [
    "ActionPoint",
    "actions_of",
    "as_date",
    "carried_rows",
    "last_session",
    "session_forms",
    "session_lines",
]


@dataclass(frozen=True)
class ActionPoint:
    """One action point of a session record, and where it came from."""

    what: str
    who: str | None
    by_when: date | None
    agreed_on: date | None
    """The session it was first agreed at (this one, for an action agreed here)."""
    carried: bool
    """Carried over from an earlier session, rather than agreed at this one."""
    outcome: str | None
    """As marked on a carried-over action ("Done", "Carried on"), else None."""
    done: bool


def as_date(value: Any) -> date | None:
    """A date of a record's JSON (ISO text), or None."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _rows(data: Mapping[str, Any], actions: Actions | None) -> list[Mapping[str, Any]]:
    found = value_at(data, actions.path) if actions is not None else None
    return [row for row in found or () if isinstance(row, Mapping)]


def _text(row: Mapping[str, Any], path: str | None) -> str | None:
    value = value_at(row, path) if path else None
    return str(value) if value not in (None, "") else None


def actions_of(session: Session, data: Mapping[str, Any]) -> list[ActionPoint]:
    """Every action point of one session record: those agreed at it, then those carried over."""
    held = as_date(value_at(data, session.held_on))
    found = []
    agreed = session.actions
    for row in _rows(data, agreed):
        what = _text(row, agreed.what if agreed else None)
        if what and agreed is not None:
            by_when = as_date(value_at(row, agreed.by_when)) if agreed.by_when else None
            who = _text(row, agreed.who)
            found.append(ActionPoint(what, who, by_when, held, False, None, False))
    carried = session.carried
    for row in _rows(data, carried):
        what = _text(row, carried.what if carried else None)
        if what and carried is not None:
            outcome = _text(row, carried.outcome)
            first = as_date(value_at(row, carried.agreed_on)) if carried.agreed_on else None
            by_when = as_date(value_at(row, carried.by_when)) if carried.by_when else None
            done = outcome in carried.done
            who = _text(row, carried.who)
            found.append(ActionPoint(what, who, by_when, first, True, outcome, done))
    return found


def carried_rows(session: Session, data: Mapping[str, Any]) -> list[dict[str, str]]:
    """The open actions of ``data``, as rows of its form's carried-over list (dotted keys).

    Each keeps the date it was first agreed; its outcome is left for the next session to mark.
    """
    carried = session.carried
    if carried is None:
        return []
    rows = []
    for action in actions_of(session, data):
        if action.done:
            continue
        row = {carried.what: action.what}
        for path, value in (
            (carried.who, action.who),
            (carried.by_when, action.by_when),
            (carried.agreed_on, action.agreed_on),
        ):
            if path and value is not None:
                row[path] = value.isoformat() if isinstance(value, date) else value
        rows.append(row)
    return rows


def session_forms() -> list[str]:
    """The forms whose declaration says they record a session."""
    return [form_id for form_id in form_ids() if latest(form_id).declaration.compliance.session]


def last_session(
    store: RecordStore, supervisee: str, supervisor: str
) -> tuple[int, str, dict[str, Any]] | None:
    """The pair's newest complete session record (by its session date): id, form, data.

    Names match in any case, as ``records list`` matches them.
    """
    query = (
        sa.select(records.c.id, records.c.form, records.c.result)
        .where(
            records.c.form.in_(session_forms()),
            records.c.status == "complete",
            records.c.dated_on.is_not(None),
            store._lower(records.c.supervisee) == supervisee.lower(),
            store._lower(records.c.supervisor) == supervisor.lower(),
        )
        .order_by(records.c.dated_on.desc(), records.c.id.desc())
        .limit(1)
    )
    with store_errors("finding the last session"), store.engine.connect() as connection:
        row = connection.execute(query).one_or_none()
    if row is None:
        return None
    return int(row.id), str(row.form), json.loads(row.result).get("data") or {}


def session_lines(form_id: str | None, data: Mapping[str, Any] | None) -> list[str]:
    """A session record's action points for a person: each, and where it came from."""
    declaration = declaration_of(form_id)
    session = declaration.compliance.session if declaration else None
    if session is None or data is None:
        return []
    lines = ["Action points:"]
    for action in actions_of(session, data):
        agreed = f"{action.agreed_on:%d/%m/%Y}" if action.agreed_on else "an unknown date"
        if not action.carried:
            origin = "agreed at this session"
        else:
            marked = f"; marked {action.outcome}" if action.outcome else "; not marked"
            origin = f"carried over, agreed at the session of {agreed}{marked}"
        due = f", by {action.by_when:%d/%m/%Y}" if action.by_when else ""
        who = f" ({action.who}{due})" if action.who else (f" ({due[2:]})" if due else "")
        lines.append(f"  {action.what}{who}: {origin}")
    return lines if len(lines) > 1 else []
