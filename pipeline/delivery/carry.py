"""Actions carry forward: a session record prefilled with the pair's open action points.

``generate``/``send`` with ``carry_actions`` look up, for each row, the pair's last
complete session record in the store (``records.actions.last_session``) and prefill
the new copy's carried-over list with that record's open actions: those agreed at
it, and those carried over to it and not marked done. Each keeps the date it was
first agreed, so an action carried on is carried again with its origin; one
marked done is not carried.
"""

from __future__ import annotations

from supforms.forms.spec import field_specs
from supforms.forms.values import nest
from supforms.pipeline.delivery.data import Record
from supforms.pipeline.records.actions import carried_rows, last_session
from supforms.pipeline.records.store import RecordStore
from supforms.schemas.declaration import value_at
from supforms.schemas.errors import InvalidRecordError, Problem
from supforms.schemas.registry import declaration_of, latest

__all__ = ["carry_actions"]


def carry_actions(form_id: str, records: list[Record], store: RecordStore) -> list[Record]:
    """``records`` with each pair's open actions added to its carried-over list.

    A pair with no complete session record yet gets nothing added.

    Raises:
        InvalidRecordError: the form carries no actions, a row does not name both
            parties or gives carried-over actions itself, or more actions are open
            than the form has rows for (every problem named; nothing is made).
    """
    model = latest(form_id)
    declaration = model.declaration
    session = declaration.compliance.session if declaration else None
    if declaration is None or session is None or session.carried is None:
        raise InvalidRecordError(
            f"form {form_id!r} carries no actions: its declaration names no carried-over list", ()
        )
    carried = session.carried.path
    room = len({spec.row for spec in field_specs(model) if spec.list_path == carried})
    concerns = declaration.concerns
    problems: list[Problem] = []
    done: list[Record] = []
    for record in records:
        try:
            values = nest(record.values)
        except ValueError:  # a bad key: checking the records names it
            done.append(record)
            continue
        pair = [
            value_at(values, path) if path else None
            for path in (concerns.supervisee, concerns.supervisor)
        ]
        supervisee, supervisor = (str(name) if name else "" for name in pair)
        if not (supervisee and supervisor):
            problems.append(
                Problem(f"row {record.row}", "no_pair", "names no supervisee and supervisor")
            )
            continue
        if value_at(values, carried):
            problems.append(
                Problem(f"row {record.row}: {carried}", "carried_given", "is filled from the store")
            )
            continue
        last = last_session(store, supervisee, supervisor)
        rows = []
        if last is not None:
            last_declaration = declaration_of(last[1])
            last_session_role = last_declaration.compliance.session if last_declaration else None
            rows = carried_rows(last_session_role, last[2]) if last_session_role else []
        if len(rows) > room:
            problems.append(
                Problem(
                    f"row {record.row}: {carried}",
                    "too_many_open",
                    f"{len(rows)} actions are open (record {last[0] if last else '?'}); "
                    f"the form has rows for {room}",
                )
            )
            continue
        added = {
            f"{carried}.{index}.{key}": value
            for index, row in enumerate(rows)
            for key, value in row.items()
        }
        done.append(Record(record.row, {**record.values, **added}, record.meta))
    if problems:
        raise InvalidRecordError(
            f"{len(problems)} problem(s) carrying actions forward; nothing was generated",
            tuple(problems),
        )
    return done
