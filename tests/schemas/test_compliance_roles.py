"""What compliance reads from a form is declared on it, and checked like any declared path."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import ClassVar

import pytest
from supforms.schemas.declaration import Actions, Compliance, Frequency, Session, missing_paths
from supforms.schemas.registry import form_ids, form_problem, latest

from tests.cli import run


def _roles() -> dict[str, Compliance]:
    return {form_id: latest(form_id).declaration.compliance for form_id in form_ids()}


def test_each_role_is_declared_by_the_form_that_plays_it():
    roles = _roles()
    assert [f for f, r in roles.items() if r.frequency] == ["agreement"]
    assert [f for f, r in roles.items() if r.session] == ["session-record"]
    assert [f for f, r in roles.items() if r.contract] == ["contract"]
    session = roles["session-record"].session
    assert session.carried.done == ("Done",)
    assert session.signed_on == ("signatures.supervisee.date", "signatures.supervisor.date")


def test_every_declared_compliance_path_is_a_value_of_its_form():
    for form_id in form_ids():
        model = latest(form_id)
        assert missing_paths(model, model.declaration) == []


@pytest.mark.parametrize(
    ("roles", "named"),
    [
        (Compliance(frequency=Frequency(sessions_per_year="regularity.per_year")), "per_year"),
        (Compliance(session=Session(held_on="held")), "held"),
        (
            Compliance(session=Session(held_on="agreed_on", actions=Actions("todo", what="w"))),
            "todo.0.w",
        ),
    ],
)
def test_a_role_naming_a_value_the_form_lacks_is_refused(roles, named):
    agreement = latest("agreement")

    class Broken(agreement):  # type: ignore[misc, valid-type]
        declaration: ClassVar = replace(agreement.declaration, compliance=roles)

    problem = form_problem("agreement", Broken)
    assert problem is not None
    assert named in problem


def test_carried_actions_need_the_values_that_mean_done():
    record = latest("session-record")
    session = record.declaration.compliance.session
    roles = Compliance(session=replace(session, carried=replace(session.carried, done=())))

    class Broken(record):  # type: ignore[misc, valid-type]
        declaration: ClassVar = replace(record.declaration, compliance=roles)

    assert "done" in form_problem("session-record", Broken)
    assert form_problem("session-record", record) is None


def test_a_frequency_needs_a_dated_value():
    agreement = latest("agreement")

    class Broken(agreement):  # type: ignore[misc, valid-type]
        declaration: ClassVar = replace(agreement.declaration, dated=None, renewal=None)

    assert "dated" in form_problem("agreement", Broken)


def test_forms_json_prints_each_declaration():
    code, out, _ = run("forms", "--json")
    assert code == 0
    rows = {(r["form"], r["version"]): r for r in map(json.loads, out.splitlines())}
    agreement = rows[("agreement", "1.1.0")]["declaration"]
    assert agreement["dated"] == "agreed_on"
    assert agreement["concerns"]["supervisee"] == "supervisee.name"
    assert agreement["renewal"]["months"] == 12
    assert agreement["compliance"]["frequency"] == {
        "sessions_per_year": "regularity.sessions_per_year",
        "weeks_between": "regularity.weeks_between_sessions",
    }
    session = rows[("session-record", "1.0.0")]["declaration"]["compliance"]["session"]
    assert session["formal"] == "formal"
    assert session["formal_values"] == [True]
    assert session["carried"]["outcome"] == "outcome"
    assert rows[("contract", "1.1.0")]["declaration"]["compliance"]["contract"] is True
    assert rows[("group-record", "1.1.0")]["declaration"]["compliance"] == {
        "frequency": None,
        "session": None,
        "contract": False,
    }
