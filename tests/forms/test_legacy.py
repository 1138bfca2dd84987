"""Version 1.1.0 lowered some limits to what the boxes show; returns issued as 1.0.0 stay valid."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from supforms.forms.spec import field_specs
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


@pytest.mark.parametrize(
    ("form_id", "older", "newest"),
    [
        ("contract", ["1.0.0"], "1.1.0"),
        ("agreement", ["1.0.0"], "1.1.0"),
        ("group-record", ["1.0.0", "1.1.0"], "1.2.0"),
        ("session-record", ["1.0.0"], "1.1.0"),
    ],
)
def test_every_form_keeps_its_older_versions(form_id, older, newest):
    for version in older:
        assert model_for(form_id, version).model_fields["schema_version"].default == version
    assert latest(form_id).model_fields["schema_version"].default == newest


@pytest.mark.parametrize(
    ("form_id", "version"), [("group-record", "1.1.0"), ("session-record", "1.0.0")]
)
def test_free_text_given_under_the_older_limit_is_still_valid(form_id, version):
    """Before free text was limited to what its box shows, an answer could be 4,000 long."""
    free = [s for s in field_specs(latest(form_id)) if s.kind == "multiline"]
    assert free
    assert all(s.max_length and s.max_length < 4000 for s in free)
    older = {s.path: s.max_length for s in field_specs(model_for(form_id, version))}
    assert all(older[s.path] == 4000 for s in free)
