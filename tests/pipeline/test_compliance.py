"""records compliance: a known answer over 231 supervisees and two years, SQLite and PostgreSQL.

Eleven cohorts of 21 supervisees, each one situation; the expected row of each
cohort is worked out by hand below, as of 30/06/2026 (the 12 months to it: from
01/07/2025; "late": signed by both more than 14 days after the session).
"""

from __future__ import annotations

import json

import pytest
from supforms.pipeline.records.compliance import compliance
from supforms.pipeline.records.opening import open_store

from tests.cli import run
from tests.pipeline.compliance_fixture import Person, archive_people

ON = "2026-06-30"
EVERY_4_WEEKS = [  # 10/07/2025 + 28 days, to 11/06/2026: 13 sessions in the 12 months
    "2025-07-10", "2025-08-07", "2025-09-04", "2025-10-02", "2025-10-30", "2025-11-27",
    "2025-12-25", "2026-01-22", "2026-02-19", "2026-03-19", "2026-04-16", "2026-05-14",
    "2026-06-11",
]  # fmt: skip


def monthly_on_track(p: Person) -> None:
    p.agreement("2025-01-10", 10, 5)  # an older agreement: the newest counts
    p.agreement("2026-01-15", 12, 4)
    p.agreement("2026-07-01", 26, 2)  # after the day asked about: not yet
    p.contract("2026-01-15", "East")
    for day in ("2024-08-01", "2025-06-30", *EVERY_4_WEEKS):  # 30/06/2025 is outside the 12 months
        p.session(day)
    p.session("2026-07-05")  # after the day: not counted, not the last


def fortnightly_overdue(p: Person) -> None:
    p.agreement("2025-10-01", 26, 2)
    p.contract("2025-10-01", "East")
    for day in ("2026-05-01", "2026-05-15", "2026-05-29"):
        p.session(day)


def eight_weekly_with_informal(p: Person) -> None:
    p.agreement("2025-09-01", 6, 8)
    p.contract("2025-09-01", "West")
    p.session("2026-03-10")
    p.session("2026-05-05")  # due 30/06/2026: due today is not overdue
    p.session("2026-06-01", formal=False)
    p.session("2026-06-20", formal=False)


def quarterly_review_due(p: Person) -> None:
    p.agreement("2025-05-20", 4, 13)  # 12 months on: 20/05/2026, passed
    p.contract("2026-02-01", "West")
    p.session("2025-05-20")
    p.session("2026-04-20")


def contract_and_sessions_no_agreement(p: Person) -> None:
    p.contract("2026-01-01", "North")
    p.session("2026-06-01")


def only_an_incomplete_agreement(p: Person) -> None:
    p.agreement("2026-02-01", 12, 4, status="incomplete")


def no_contract(p: Person) -> None:
    p.agreement("2026-03-01", 12, 4)
    p.session("2026-06-15")


def contract_re_sign_due(p: Person) -> None:
    p.agreement("2026-02-01", 12, 4)
    p.contract("2025-06-01", "North")  # 12 months on: 01/06/2026, passed
    p.session("2026-06-20")


def late_write_ups_and_overdue_actions(p: Person) -> None:
    p.agreement("2026-01-10", 12, 4)
    p.contract("2026-01-10", "South")
    p.session("2025-06-01", signed=("2025-06-01", "2025-09-01"))  # late, but before the 12 months
    p.session("2026-04-01", signed=("2026-04-20", "2026-04-02"))  # 19 days: late
    p.session("2026-05-01", signed=("2026-05-15", "2026-05-15"))  # 14 days: not late
    p.session(
        "2026-06-10",
        signed=("2026-06-12", "2026-06-30"),  # 20 days: late
        actions=[
            {"what": "Finish the Hughes assessment", "by_when": "2026-06-20"},  # overdue
            {"what": "Book training", "by_when": "2026-07-10"},  # not yet due
            {"what": "Read the toolkit"},  # no date: never overdue
            {"what": "Due today", "by_when": "2026-06-30"},  # due today: not overdue
        ],
        carried=[
            {"what": "Transfer CF-1", "by_when": "2026-05-01", "outcome": "Done"},  # done
            {"what": "Transfer CF-2", "by_when": "2026-06-01", "outcome": "Carried on"},  # overdue
            {"what": "Transfer CF-3", "by_when": "2026-06-01"},  # unmarked: open, overdue
        ],
    )


def changed_supervisor(p: Person) -> None:
    old = p.supervisor.replace("Lead", "Former lead")
    p.agreement("2025-03-01", 12, 4, supervisor=old)
    p.contract("2025-03-01", "Central", supervisor=old)
    p.session("2025-08-01", supervisor=old)
    p.session("2025-10-01", supervisor=old)
    p.agreement("2026-04-01", 26, 2)
    p.contract("2026-04-01", "South")
    p.session("2026-04-10")
    p.session("2026-06-05")  # due 19/06/2026: 11 days overdue


def changed_supervisor_no_new_agreement(p: Person) -> None:
    old = p.supervisor.replace("Lead", "Former lead")
    p.agreement("2025-09-01", 12, 4, supervisor=old)
    p.contract("2025-09-01", "Central", supervisor=old)
    p.session("2026-05-01", supervisor=old)
    p.session("2026-06-01")  # the newest record names the new supervisor: no agreement with them


BLANK = {
    "sessions_per_year": None, "weeks_between": None, "agreed_on": None, "sessions_held": 0,
    "informal_sessions": 0, "last_session": None, "next_due": None, "days_overdue": None,
    "contract_signed_on": None, "late_write_ups": 0, "overdue_actions": 0, "awaiting": 0,
}  # fmt: skip

# Cohort letter: (how its records are made, its expected row but for the names).
COHORTS = {
    "A": (monthly_on_track, {
        "team": "East", "sessions_per_year": 12, "weeks_between": 4, "agreed_on": "2026-01-15",
        "sessions_held": 13, "last_session": "2026-06-11", "next_due": "2026-07-09",
        "status": "on track", "contract_signed_on": "2026-01-15"}),
    "B": (fortnightly_overdue, {
        "team": "East", "sessions_per_year": 26, "weeks_between": 2, "agreed_on": "2025-10-01",
        "sessions_held": 3, "last_session": "2026-05-29", "next_due": "2026-06-12",
        "status": "overdue", "days_overdue": 18, "contract_signed_on": "2025-10-01"}),
    "C": (eight_weekly_with_informal, {
        "team": "West", "sessions_per_year": 6, "weeks_between": 8, "agreed_on": "2025-09-01",
        "sessions_held": 2, "informal_sessions": 2, "last_session": "2026-05-05",
        "next_due": "2026-06-30", "status": "on track", "contract_signed_on": "2025-09-01"}),
    "D": (quarterly_review_due, {
        "team": "West", "sessions_per_year": 4, "weeks_between": 13, "agreed_on": "2025-05-20",
        "sessions_held": 1, "last_session": "2026-04-20", "next_due": "2026-07-20",
        "status": "agreement review due", "contract_signed_on": "2026-02-01"}),
    "E": (contract_and_sessions_no_agreement, {
        "team": "North", "sessions_held": 1, "last_session": "2026-06-01",
        "status": "no agreement", "contract_signed_on": "2026-01-01"}),
    "F": (only_an_incomplete_agreement, {"team": None, "status": "no agreement"}),
    "G": (no_contract, {
        "team": None, "sessions_per_year": 12, "weeks_between": 4, "agreed_on": "2026-03-01",
        "sessions_held": 1, "last_session": "2026-06-15", "next_due": "2026-07-13",
        "status": "no contract"}),
    "H": (contract_re_sign_due, {
        "team": "North", "sessions_per_year": 12, "weeks_between": 4, "agreed_on": "2026-02-01",
        "sessions_held": 1, "last_session": "2026-06-20", "next_due": "2026-07-18",
        "status": "contract re-sign due", "contract_signed_on": "2025-06-01"}),
    "I": (late_write_ups_and_overdue_actions, {
        "team": "South", "sessions_per_year": 12, "weeks_between": 4, "agreed_on": "2026-01-10",
        "sessions_held": 3, "last_session": "2026-06-10", "next_due": "2026-07-08",
        "status": "on track", "contract_signed_on": "2026-01-10", "late_write_ups": 2,
        "overdue_actions": 3}),
    "J": (changed_supervisor, {
        "team": "South", "sessions_per_year": 26, "weeks_between": 2, "agreed_on": "2026-04-01",
        "sessions_held": 4, "last_session": "2026-06-05", "next_due": "2026-06-19",
        "status": "overdue", "days_overdue": 11, "contract_signed_on": "2026-04-01"}),
    "K": (changed_supervisor_no_new_agreement, {
        "team": "Central", "sessions_held": 2, "last_session": "2026-06-01",
        "status": "no agreement"}),
}  # fmt: skip
PER_COHORT = 21


def _people() -> list[Person]:
    people = []
    for letter, (make, _) in COHORTS.items():
        for index in range(PER_COHORT):
            person = Person(f"Worker {letter}{index:02d} Ó", f"{letter} Lead {index % 3}")
            make(person)
            people.append(person)
    return people


def _expected_rows() -> list[dict]:
    rows = []
    for letter, (_, expected) in COHORTS.items():
        for index in range(PER_COHORT):
            rows.append({
                **BLANK, **expected,
                "supervisee": f"Worker {letter}{index:02d} Ó",
                "supervisor": f"{letter} Lead {index % 3}",
            })  # fmt: skip
    return rows


# Worked out from the cohorts: 42 a team but Central (21); three supervisors a cohort, 7 each.
TEAMS = [
    {"team": None, "supervisees": 42, "on_track": 0, "percent_on_track": 0.0, "overdue": 0},
    {"team": "Central", "supervisees": 21, "on_track": 0, "percent_on_track": 0.0, "overdue": 0},
    {"team": "East", "supervisees": 42, "on_track": 21, "percent_on_track": 50.0, "overdue": 21},
    {"team": "North", "supervisees": 42, "on_track": 0, "percent_on_track": 0.0, "overdue": 0},
    {"team": "South", "supervisees": 42, "on_track": 21, "percent_on_track": 50.0, "overdue": 21},
    {"team": "West", "supervisees": 42, "on_track": 21, "percent_on_track": 50.0, "overdue": 0},
]
ON_TRACK, OVERDUE = {"A", "C", "I"}, {"B", "J"}


def _expected_supervisors() -> list[dict]:
    return [
        {"supervisor": f"{letter} Lead {n}", "supervisees": 7,
         "on_track": 7 if letter in ON_TRACK else 0,
         "percent_on_track": 100.0 if letter in ON_TRACK else 0.0,
         "overdue": 7 if letter in OVERDUE else 0}
        for letter in COHORTS for n in range(3)
    ]  # fmt: skip


@pytest.fixture
def archived(store_url):
    with open_store(store_url) as store:
        count = archive_people(store, _people())
    assert count == 1281  # 61 for one supervisee of each cohort, 21 times
    return store_url


def _key(row: dict) -> str:
    return row["supervisee"]


def test_known_answer_every_row_and_summary(archived):
    code, out, err = run(
        "records", "compliance", "--on", "30/06/2026", "--json", "--store", archived
    )
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    rows = sorted((line for line in lines if line.pop("kind") == "supervisee"), key=_key)
    expected = sorted(_expected_rows(), key=_key)
    assert len(rows) == len(expected) == 231
    for got, want in zip(rows, expected, strict=True):
        assert got == want, got["supervisee"]
    teams = [line for line in lines if "team" in line and "supervisees" in line]
    assert teams == TEAMS
    supervisors = [line for line in lines if "supervisor" in line and "supervisees" in line]
    assert supervisors == _expected_supervisors()


def test_filters_and_the_audited_read(archived):
    code, out, _ = run(
        "records", "compliance", "--on", "2026-06-30", "--team", "south", "--supervisor",
        "J LEAD 1", "--json", "--store", archived,
    )  # fmt: skip
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    rows = [line for line in lines if line["kind"] == "supervisee"]
    assert {row["supervisee"] for row in rows} == {
        f"Worker J{n:02d} Ó" for n in (1, 4, 7, 10, 13, 16, 19)
    }
    assert [line for line in lines if line["kind"] == "team"] == [
        {"kind": "team", "team": "South", "supervisees": 7, "on_track": 0,
         "percent_on_track": 0.0, "overdue": 7},
    ]  # fmt: skip
    with open_store(archived) as store:
        last = store.audit_log()[-1]
    assert last["action"] == "read"
    detail = json.loads(last["detail"])
    assert set(detail) == {"how", "on", "records"}
    assert "Worker" not in last["detail"]  # ids only, never a name
    assert len(detail["records"]) == 7 * 8  # each J supervisee has eight records


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_as_of_an_earlier_day_and_a_stricter_limit(archived):
    with open_store(archived) as store:
        report = compliance(store, __import__("datetime").date(2026, 5, 31), late_after=0)
    (row,) = [r for r in report.rows if r.supervisee == "Worker B00 Ó"]
    # On 31/05/2026 the fortnightly cohort's last session was 29/05: due 12/06, on track.
    assert (row.status, row.sessions_held, str(row.next_due)) == ("on track", 3, "2026-06-12")
    (late,) = [r for r in report.rows if r.supervisee == "Worker I00 Ó"]
    # Its 12 months now start on 01/06/2025: that session (signed 92 days on) is late, and
    # with no days allowed so are 01/04 (19 days) and 01/05 (14); 10/06 is not yet held.
    assert late.late_write_ups == 3
    # Its last session, 01/05/2026, was due again 29/05: two days overdue on 31/05.
    assert (late.status, late.days_overdue) == ("overdue", 2)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_an_empty_store_and_bad_options(store_url, tmp_path):
    code, _, err = run("records", "compliance", "--store", f"sqlite:///{tmp_path}/typo.db")
    assert code == 1  # a reading command: a missing store is said, never made
    assert "no records store" in err
    assert not (tmp_path / "typo.db").exists()
    open_store(store_url).close()
    code, out, _ = run("records", "compliance", "--on", "30/06/2026", "--store", store_url)
    assert (code, out.strip()) == (0, "No supervisees in the store as of 30/06/2026.")
    code, _, err = run("records", "compliance", "--on", "31/02/2026", "--store", store_url)
    assert code == 2
    assert "--on" in err
    code, _, err = run("records", "compliance", "--json", "--csv", "--store", store_url)
    assert code == 2
    assert "choose one" in err


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_csv_has_a_header_and_a_row_per_supervisee(archived):
    code, out, _ = run("records", "compliance", "--on", "30/06/2026", "--csv", "--store", archived)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("supervisee,supervisor,team,sessions_per_year")
    assert len(lines) == 1 + 231
