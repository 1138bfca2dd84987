"""Version 1.1.0 lowered some limits to what the boxes show; returns issued as 1.0.0 stay valid."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.intake.ingest import ingest_bytes
from supforms.schemas.registry import latest, model_for

NAME_100 = ("Maria Alexandra Gonçalves de Oliveira Ó Briain " * 3)[:100].strip() + "x"


def test_the_newest_version_refuses_what_its_boxes_cannot_show():
    with pytest.raises(ValidationError):
        latest("contract").model_validate({"supervisee": {"name": NAME_100}})


def test_a_1_0_0_return_is_still_read_by_its_own_rules():
    old = model_for("contract", "1.0.0")
    record = old.model_validate({"supervisee": {"name": NAME_100, "department": "Ш" * 200}})
    _, data, _ = issue_copy(compiled_form("contract", "1.0.0"), record)
    result = ingest_bytes(data, "old.pdf").as_json()
    assert (result["form"], result["version"]) == ("contract", "1.0.0")
    assert result["data"]["supervisee"]["name"] == NAME_100
    assert not [p for p in result["problems"] if p["code"] == "too_long"]


@pytest.mark.parametrize("form_id", ["contract", "agreement", "group-record"])
def test_every_form_keeps_version_1_0_0(form_id):
    assert model_for(form_id, "1.0.0").model_fields["schema_version"].default == "1.0.0"
    assert latest(form_id).model_fields["schema_version"].default == "1.1.0"
