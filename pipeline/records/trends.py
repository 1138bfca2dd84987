"""Sessions held per month: the formal sessions ``records compliance`` counts, month by month.

The same records, by the same rules (``records.compliance``: complete, formal,
dated on or before the day asked about), counted per calendar month for the
twelve months up to that day, for the supervisees a report kept. The dashboard
draws it against what their agreements ask for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from supforms.pipeline.records.compliance import _is_formal, _key, _load, _roles
from supforms.pipeline.records.store import RecordStore

__all__ = ["sessions_by_month"]


def _months(on: date, count: int) -> list[date]:
    first = []
    year, month = on.year, on.month
    for _ in range(count):
        first.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return first[::-1]


def sessions_by_month(
    store: RecordStore, on: date, supervisees: Iterable[str], months: int = 12
) -> list[tuple[date, int]]:
    """(first day of the month, formal sessions held in it), oldest month first.

    Not audited on its own: it reads the records the compliance report it follows
    read (and audited) a moment before.
    """
    roles = _roles()
    wanted = {_key(name) for name in supervisees}
    held: Counter[tuple[int, int]] = Counter()
    for record in _load(store, on):
        session = roles[record.form].compliance.session if record.form in roles else None
        if (
            session is None
            or not record.complete
            or record.dated is None
            or _key(record.supervisee) not in wanted
            or not _is_formal(session, record)
        ):
            continue
        held[(record.dated.year, record.dated.month)] += 1
    return [(first, held[(first.year, first.month)]) for first in _months(on, months)]
