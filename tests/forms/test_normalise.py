"""Raw values as engines write them become typed values, or a named problem."""

from __future__ import annotations

from datetime import date

import pytest
from supforms.forms.reading.normalise import normalise_value
from supforms.forms.spec import FieldSpec, spec_by_path
from supforms.schemas.dates import parse_date
from supforms.schemas.registry import latest

SPECS = spec_by_path(latest("group-record"))
AGREEMENT = spec_by_path(latest("agreement"))


@pytest.mark.parametrize(
    "typed",
    [
        "03/04/2026",
        "3/4/26",
        "03-04-2026",
        "3.4.2026",
        "3 April 2026",
        "3rd April 2026",
        "Friday 3 April 2026",
        "3 Apr 2026",
        "April 3, 2026",
        "2026-04-03",
        " 3 / 4 / 2026 ",
    ],
)
def test_dates_as_people_type_them(typed):
    assert parse_date(typed) == date(2026, 4, 3)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("31/02/2026", "invalid_date"),
        ("29/02/2025", "invalid_date"),
        ("13/13/2026", "invalid_date"),
        ("soon", "unreadable_date"),
        ("03/04", "unreadable_date"),
        ("3 Smarch 2026", "unreadable_date"),
    ],
)
def test_bad_dates_are_named_not_guessed(typed, code):
    value, problem = normalise_value(SPECS["held_on"], typed)
    assert value is None
    assert problem is not None
    assert (problem.field, problem.code) == ("held_on", code)
    assert typed.strip() in problem.message


TICK = FieldSpec("consent", "checkbox", "Consent", "Consent", "Consent")


@pytest.mark.parametrize("state", ["Yes", "On", "1", "Ja", "checked", "/Yes"])
def test_any_checkbox_on_state_is_ticked(state):
    assert normalise_value(TICK, state) == (True, None)


@pytest.mark.parametrize("state", [None, "Off", "", "No"])
def test_checkbox_off_states(state):
    assert normalise_value(TICK, state) == (None, None)


@pytest.mark.parametrize(
    ("state", "value"), [("Yes", True), ("No", False), ("yes", True), ("Off", None), (None, None)]
)
def test_yes_no_answers(state, value):
    """Is this enough for now? No is an answer of its own, not the same as no answer."""
    assert normalise_value(SPECS["review.enough_for_now"], state) == (value, None)


def test_yes_no_refuses_anything_else():
    value, problem = normalise_value(SPECS["review.enough_for_now"], "Maybe")
    assert value is None
    assert problem is not None
    assert problem.code == "not_an_option"


def test_scales():
    assert normalise_value(SPECS["scales.safety"], "7") == (7, None)
    assert normalise_value(SPECS["scales.safety"], "Off") == (None, None)
    value, problem = normalise_value(SPECS["scales.safety"], "11")
    assert value is None
    assert problem.code == "not_an_option"


def test_line_breaks_and_spaces():
    assert normalise_value(SPECS["genogram"], "Mum\rDad\r\nKids  \n") == ("Mum\nDad\nKids", None)
    assert normalise_value(SPECS["team"], "  East\rteam ") == ("East team", None)


def test_integers_and_choices():
    sessions = AGREEMENT["regularity.sessions_per_year"]
    assert normalise_value(sessions, " 12 ") == (12, None)
    assert normalise_value(sessions, "twelve")[1].code == "not_a_number"
    role = SPECS["participants.0.role"]
    assert normalise_value(role, "advisor") == ("Advisor", None)
    assert normalise_value(role, "Boss")[1].code == "not_an_option"
