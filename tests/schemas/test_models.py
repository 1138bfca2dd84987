"""The schemas accept what people write and reject what they must not."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from supforms.schemas import latest, model_for
from supforms.schemas.errors import UnknownFormError


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("03/04/2026", date(2026, 4, 3)),
        ("3/4/2026", date(2026, 4, 3)),
        ("2026-04-03", date(2026, 4, 3)),
        # The one date parser (schemas.dates): what ingest reads, --data reads too.
        ("3/4/26", date(2026, 4, 3)),
        ("03.04.2026", date(2026, 4, 3)),
        ("3 April 2026", date(2026, 4, 3)),
    ],
)
def test_uk_dates(typed, expected):
    record = latest("agreement").model_validate({"agreed_on": typed})
    assert record.agreed_on == expected


def test_impossible_date_is_rejected_with_a_reason():
    with pytest.raises(ValidationError, match="31/02/2026 is not a calendar date"):
        latest("agreement").model_validate({"agreed_on": "31/02/2026"})
    with pytest.raises(ValidationError, match="not a date supforms can read"):
        latest("agreement").model_validate({"agreed_on": "not a date"})


@pytest.mark.parametrize("value", [-1, 11])
def test_scales_are_0_to_10(value):
    with pytest.raises(ValidationError, match=r"scales\.safety"):
        latest("group-record").model_validate({"scales": {"safety": value}})


def test_unknown_keys_and_control_characters_are_rejected():
    with pytest.raises(ValidationError, match="Extra inputs"):
        latest("contract").model_validate({"supervisee": {"nickname": "Zo"}})
    with pytest.raises(ValidationError, match="control characters"):
        latest("contract").model_validate({"supervisee": {"name": "Zo\x1be"}})


def test_roles_are_a_closed_list():
    model = latest("group-record")
    model.model_validate({"participants": [{"role": "Advisor"}]})
    with pytest.raises(ValidationError, match=r"participants\.0\.role"):
        model.model_validate({"participants": [{"role": "Boss"}]})
    with pytest.raises(ValidationError, match="at most 10"):
        model.model_validate({"participants": [{}] * 11})


def test_every_form_has_id_and_semantic_version(form_id):
    model = latest(form_id)
    instance = model()
    assert instance.form_id == form_id
    assert [int(p) for p in instance.schema_version.split(".")]
    assert model_for(form_id, instance.schema_version) is model
    schema = model.model_json_schema()
    assert schema["properties"]["schema_version"]["const"] == instance.schema_version


def test_unknown_forms_and_versions():
    with pytest.raises(UnknownFormError, match="the forms are: agreement, contract, group-record"):
        latest("timesheet")
    with pytest.raises(UnknownFormError, match=r"no schema version '0\.9\.0'"):
        model_for("contract", "0.9.0")
