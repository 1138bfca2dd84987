"""Whether supervision happens as agreed: one row per supervisee, computed from signed records.

Nothing here names a form. What is read comes from the declarations
(``schemas.declaration.Compliance``): the forms that state a frequency (an
agreement), those that record a session, and the contract. Only complete records
count, each as of its declared date (``dated``, kept in the store's ``dated_on``
column), and only those dated on or before the day asked about. The rules, in the
order a status is decided, are in ``status_of`` and in the README.

    report = compliance(store, on=date(2026, 6, 30))
    for row in report.rows:
        print(row.supervisee, row.status)
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from supforms.pipeline.records.actions import actions_of, as_date
from supforms.pipeline.records.export import _add_months as months_later
from supforms.pipeline.records.preflight import store_errors
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.records.tables import records
from supforms.schemas.declaration import Declaration, Session
from supforms.schemas.errors import StoreError
from supforms.schemas.registry import declaration_of, form_ids

__all__ = ["LATE_AFTER_DAYS", "Compliance", "ComplianceRow", "compliance"]

LATE_AFTER_DAYS = 14
"""A session record signed by both more than this many days after the session is late."""


@dataclass(frozen=True)
class ComplianceRow:
    """One supervisee as of a day: what was agreed, what happened, and the status."""

    supervisee: str
    supervisor: str | None
    team: str | None
    sessions_per_year: int | None
    weeks_between: int | None
    agreed_on: date | None
    sessions_held: int
    informal_sessions: int
    last_session: date | None
    next_due: date | None
    status: str
    days_overdue: int | None
    contract_signed_on: date | None
    late_write_ups: int
    overdue_actions: int
    awaiting: int = 0  # copies issued for them (any form) not back complete: outstanding

    def as_json(self) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Compliance:
    """The rows, and a summary per team and per supervisor."""

    on: date
    rows: list[ComplianceRow]
    teams: list[dict[str, Any]]
    supervisors: list[dict[str, Any]]

    def as_json_lines(self) -> list[dict[str, Any]]:
        """What ``records compliance --json`` prints and ``/api/compliance`` answers, in order."""
        lines = [{"kind": "supervisee", **row.as_json()} for row in self.rows]
        for kind, summary in (("team", self.teams), ("supervisor", self.supervisors)):
            lines += [{"kind": kind, **line} for line in summary]
        return lines


@dataclass(eq=False)
class _Record:
    id: int
    form: str
    complete: bool
    supervisee: str
    supervisor: str | None
    team: str | None
    dated: date | None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def order(self) -> tuple[date, int]:
        return (self.dated or date.min, self.id)


def _key(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def _roles() -> dict[str, Declaration]:
    found = {}
    for form_id in form_ids():
        declaration = declaration_of(form_id)
        if declaration is not None:
            roles = declaration.compliance
            if roles.frequency or roles.session or roles.contract:
                found[form_id] = declaration
    return found


def _paths(declaration: Declaration) -> list[str]:
    """The values compliance reads from a form's data, besides the store's columns."""
    roles = declaration.compliance
    paths: list[str | None] = []
    if roles.frequency:
        paths += [roles.frequency.sessions_per_year, roles.frequency.weeks_between]
    if roles.session:
        session = roles.session
        lists = [a.path for a in (session.actions, session.carried) if a is not None]
        paths += [session.formal, *session.signed_on, *lists]
    return list(dict.fromkeys(p for p in paths if p))


def _extracted(store: RecordStore, paths: list[str], where: list[Any]) -> tuple[Any, list[Any]]:
    """The id of each record ``where`` holds, and one JSON-text column per data path.

    A FROM clause (the filtered records) and the columns, per dialect.
    """
    if store.dialect == "postgresql":
        # The JSON is parsed once per row, and only for the rows wanted (OFFSET 0 keeps
        # the subquery from being inlined, which would parse it once per path).
        inner = (
            sa.select(
                records.c.id, sa.cast(records.c.result, postgresql.JSONB)["data"].label("doc")
            )
            .where(*where)
            .offset(0)
            .subquery()
        )
        columns = [
            sa.cast(sa.func.jsonb_extract_path(inner.c.doc, *path.split(".")), sa.Text)
            for path in paths
        ]
        return sa.select(inner.c.id, *columns)
    # SQLite's -> gives a value as JSON text, as PostgreSQL's json does.
    columns = [records.c.result.op("->")(f"$.data.{path}") for path in paths]
    return sa.select(records.c.id, *columns).where(*where)


def _load(store: RecordStore, on: date) -> list[_Record]:
    """Every record naming a supervisee, dated on or before ``on`` (or undated)."""
    roles = _roles()
    found: dict[int, _Record] = {}
    base = sa.select(
        records.c.id, records.c.form, records.c.status, records.c.supervisee,
        records.c.supervisor, records.c.team, records.c.dated_on,
    ).where(
        records.c.supervisee.is_not(None),
        records.c.status.notin_(["rejected", "duplicate"]),
        sa.or_(records.c.dated_on.is_(None), records.c.dated_on <= on),
    )  # fmt: skip
    with store_errors("reading records for compliance"), store.engine.connect() as connection:
        for row in connection.execute(base):
            found[row.id] = _Record(
                row.id, row.form or "", row.status == "complete", row.supervisee,
                row.supervisor, row.team, row.dated_on,
            )  # fmt: skip
        for form_id, declaration in roles.items():
            paths = _paths(declaration)
            if not paths:
                continue
            query = _extracted(
                store,
                paths,
                [
                    records.c.form == form_id,
                    records.c.status == "complete",
                    records.c.dated_on <= on,
                    records.c.supervisee.is_not(None),
                ],
            )
            for row in connection.execute(query):
                if row[0] in found:
                    # Kept as JSON text: most is never looked at (the actions of all but
                    # each person's newest session), and decoding costs more than reading.
                    found[row[0]].values = dict(zip(paths, row[1:], strict=True))
    return list(found.values())


_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None}


def _value(record: _Record, path: str | None) -> Any:
    """One value read from a record's JSON text (dates stay ISO text, as the JSON has them)."""
    text = record.values.get(path) if path else None
    if text is None:
        return None
    if text in _CONSTANTS:
        return _CONSTANTS[text]
    if text.startswith('"') and "\\" not in text:
        return text[1:-1]
    return json.loads(text)


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _newest(found: Iterable[_Record]) -> _Record | None:
    return max(found, key=lambda r: r.order, default=None)


def _is_formal(session: Session, record: _Record) -> bool:
    if session.formal is None:
        return True
    return _value(record, session.formal) in session.formal_values


def _written_up(session: Session, record: _Record) -> date | None:
    dates = [as_date(_value(record, path)) for path in session.signed_on]
    return max(dates) if dates and all(dates) else None  # type: ignore[type-var]


def _due(declaration: Declaration, dated: date | None, on: date) -> bool:
    renewal = declaration.renewal
    return bool(renewal and dated and on >= months_later(dated, renewal.months))


def status_of(
    agreement: _Record | None, next_due: date | None, contract: _Record | None,
    roles: dict[str, Declaration], on: date,
) -> str:  # fmt: skip
    """The one status: no agreement, overdue, review due, no contract, re-sign due, on track."""
    if agreement is None:
        return "no agreement"
    if next_due is not None and on > next_due:
        return "overdue"
    if _due(roles[agreement.form], agreement.dated, on):
        return "agreement review due"
    if contract is None:
        return "no contract"
    if _due(roles[contract.form], contract.dated, on):
        return "contract re-sign due"
    return "on track"


def _late_write_ups(recent: list[_Record], roles: dict[str, Declaration], late: int) -> int:
    count = 0
    for record in recent:
        session = roles[record.form].compliance.session
        written = _written_up(session, record) if session else None
        count += bool(written and record.dated and (written - record.dated).days > late)
    return count


def _overdue_actions(newest: _Record | None, roles: dict[str, Declaration], on: date) -> int:
    session = roles[newest.form].compliance.session if newest else None
    if newest is None or session is None:
        return 0
    lists = [a.path for a in (session.actions, session.carried) if a is not None]
    found = actions_of(session, _nested({path: _value(newest, path) for path in lists}))
    return sum(1 for a in found if not a.done and a.by_when and a.by_when < on)


def _row(
    person: list[_Record], roles: dict[str, Declaration], on: date, late: int
) -> ComplianceRow:
    complete = [r for r in person if r.complete and r.form in roles]
    anchor = _newest(complete) or _newest(r for r in person if r.supervisor)
    supervisor = anchor.supervisor if anchor else None
    named = _newest(r for r in complete if r.team) or _newest(r for r in person if r.team)

    def with_supervisor(role: str) -> _Record | None:
        return _newest(
            r for r in complete
            if getattr(roles[r.form].compliance, role) and _key(r.supervisor) == _key(supervisor)
        )  # fmt: skip

    agreement, contract = with_supervisor("frequency"), with_supervisor("contract")
    sessions = [r for r in complete if roles[r.form].compliance.session and r.dated]
    formal = [r for r in sessions if _is_formal(roles[r.form].compliance.session, r)]
    year_ago = months_later(on, -12)
    recent = [r for r in sessions if r.dated > year_ago]  # type: ignore[operator]
    formal_ids, recent_ids = {r.id for r in formal}, {r.id for r in recent}
    last = _newest(formal)
    per_year = weeks = next_due = None
    if agreement is not None:
        frequency = roles[agreement.form].compliance.frequency
        assert frequency is not None
        per_year = _whole(_value(agreement, frequency.sessions_per_year))
        weeks = _whole(_value(agreement, frequency.weeks_between))
        start = last.dated if last else agreement.dated
        next_due = start + timedelta(weeks=weeks) if start and weeks else None
    status = status_of(agreement, next_due, contract, roles, on)
    return ComplianceRow(
        supervisee=_newest(person).supervisee,  # type: ignore[union-attr]
        supervisor=supervisor,
        team=named.team if named else None,
        sessions_per_year=per_year,
        weeks_between=weeks,
        agreed_on=agreement.dated if agreement else None,
        sessions_held=len(formal_ids & recent_ids),
        informal_sessions=len(recent_ids - formal_ids),
        last_session=last.dated if last else None,
        next_due=next_due,
        status=status,
        days_overdue=(on - next_due).days if status == "overdue" and next_due else None,
        contract_signed_on=contract.dated if contract else None,
        late_write_ups=_late_write_ups(recent, roles, late),
        overdue_actions=_overdue_actions(_newest(sessions), roles, on),
    )


def _nested(values: dict[str, Any]) -> dict[str, Any]:
    """Dotted paths read from the store, as the nested data ``actions_of`` reads."""
    nested: dict[str, Any] = {}
    for path, value in values.items():
        node = nested
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return nested


def _summary(rows: list[ComplianceRow], key: str) -> list[dict[str, Any]]:
    groups: dict[str, list[ComplianceRow]] = {}
    for row in rows:
        groups.setdefault(getattr(row, key) or "", []).append(row)
    summary = []
    for name in sorted(groups, key=str.casefold):
        members = groups[name]
        on_track = sum(1 for r in members if r.status == "on track")
        summary.append(
            {
                key: name or None,
                "supervisees": len(members),
                "on_track": on_track,
                "percent_on_track": round(100 * on_track / len(members), 1),
                "overdue": sum(1 for r in members if r.status == "overdue"),
            }
        )
    return summary


def _awaiting(store: RecordStore, on: date) -> Counter[str]:
    """Outstanding copies issued by the end of ``on``, by the person each was issued for.

    The store's one idea of outstanding (``RecordStore.unreturned``), the copies
    ``records outstanding`` lists and ``remind`` chases.
    """
    end = datetime.combine(on + timedelta(days=1), time(), tzinfo=UTC)
    with store_errors("finding the copies not returned"):
        copies = store.unreturned(issued_before=end)
    return Counter(_key(copy.recipient) for copy in copies if copy.recipient)


def compliance(
    store: RecordStore,
    on: date | None = None,
    *,
    team: str | None = None,
    supervisor: str | None = None,
    late_after: int = LATE_AFTER_DAYS,
    teams: Iterable[str] | None = None,
    audited: dict[str, Any] | None = None,
) -> Compliance:
    """One row per supervisee known to the store, as of ``on`` (default today).

    ``team`` and ``supervisor`` keep the rows whose team or supervisor is that
    (in any case); ``teams`` keeps those of any of these teams (a manager's, on the
    web). Leaves one audited ``read`` line naming the records read (ids only), and
    ``audited`` (who asked, how), before anything is returned: a read that cannot
    be audited is refused.

    Raises:
        StoreError: the store cannot be read, or the read cannot be audited.
    """
    on = on or date.today()
    roles = _roles()
    people: dict[str, list[_Record]] = {}
    for record in _load(store, on):
        people.setdefault(_key(record.supervisee), []).append(record)
    waiting = _awaiting(store, on)
    rows = [
        replace(row, awaiting=waiting.get(_key(row.supervisee), 0))
        for row in (_row(person, roles, on, late_after) for person in people.values())
    ]
    if team:
        rows = [r for r in rows if _key(r.team) == _key(team)]
    if supervisor:
        rows = [r for r in rows if _key(r.supervisor) == _key(supervisor)]
    if teams is not None:
        wanted = {_key(name) for name in teams}
        rows = [r for r in rows if _key(r.team) in wanted]
    rows.sort(key=lambda r: (_key(r.team), _key(r.supervisor), _key(r.supervisee)))
    kept = {_key(r.supervisee) for r in rows}
    ids = sorted(r.id for key, person in people.items() if key in kept for r in person)
    try:
        detail = {"how": "compliance", "on": on.isoformat(), **(audited or {})}
        store.log("read", {**detail, "records": ids})
    except StoreError as exc:
        raise StoreError(f"this read could not be audited, so nothing is shown: {exc}") from exc
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StoreError(f"this read could not be audited, so nothing is shown: {reason}") from exc
    return Compliance(on, rows, _summary(rows, "team"), _summary(rows, "supervisor"))
