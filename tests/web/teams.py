"""A store of two teams' supervision, and the accounts that sign in to read it.

The records are archived as ingest archives them (``tests.pipeline.compliance_fixture``:
each result validated by its form's model); a few copies are issued and not back,
at different ages, so the dashboard has outstanding returns to count. The people
are written so that every status and both teams appear.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from supforms.pipeline.records.opening import open_store
from supforms.pipeline.web.accounts import add_account

from tests.pipeline.compliance_fixture import Person, archive_people

PASSWORDS = {
    "Amira Okafor": "east manager pass phrase",
    "Bogdan Nowak": "west manager pass phrase",
    "Chloé Martin": "officer pass phrase here",
    "Dev Patel": "auditor pass phrase here",
}
ROLES = {
    "Amira Okafor": ("manager", ["East"]),
    "Bogdan Nowak": ("manager", ["West"]),
    "Chloé Martin": ("officer", []),
    "Dev Patel": ("auditor", []),
}


def _day(days_ago: int) -> str:
    return (date.today() - timedelta(days=days_ago)).isoformat()


def _people() -> list[Person]:
    people = []
    for number in range(3):  # East, on track: every 4 weeks, the last a fortnight ago
        p = Person(f"East Worker {number}", "Eve Stone")
        p.agreement(_day(200), 12, 4)
        p.contract(_day(200), "East")
        for weeks in (26, 22, 18, 14, 10, 6, 2):
            p.session(_day(weeks * 7))
        people.append(p)
    late = Person("East Late", "Eve Stone")  # East, overdue: nothing for 10 weeks
    late.agreement(_day(300), 26, 2)
    late.contract(_day(300), "East")
    late.session(_day(70))
    people.append(late)
    for number in range(2):  # West: a contract due for re-signing, one without an agreement
        p = Person(f"West Worker {number}", "Walt Reed")
        p.agreement(_day(100), 6, 8)
        p.contract(_day(350), "West")  # a year on: due within 60 days
        p.session(_day(30))
        people.append(p)
    only = Person("West Alone", "Walt Reed")
    only.contract(_day(40), "West")
    only.session(_day(20))
    people.append(only)
    return people


def make_store(url: str) -> dict[str, int]:
    """The store at ``url``, its records and accounts; the id of one record of each team."""
    store = open_store(url)
    try:
        archive_people(store, _people())
        now = datetime.now(UTC)
        store.register(
            [
                {
                    "document_id": f"{n:032x}",
                    "form": "session-record",
                    "version": "1",
                    "file": f"copy-{n}.pdf",
                    "recipient": whom,
                    "prefill": {},
                    "issued_at": (now - timedelta(days=age)).isoformat(),
                }
                for n, (whom, age) in enumerate(
                    [("East Worker 0", 3), ("East Late", 40), ("East Late", 90), ("West Alone", 20)]
                )
            ]
        )
        for name, (role, teams) in ROLES.items():
            add_account(store, name, PASSWORDS[name], role, teams)
        found = {row["supervisee"]: row["id"] for row in store.find()}
        return {"East": found["East Late"], "West": found["West Alone"]}
    finally:
        store.close()
