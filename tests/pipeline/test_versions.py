"""A form issued under an older schema version is read with that version's schema."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import Field
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.intake.ingest import ingest_bytes
from supforms.schemas import registry
from supforms.schemas.common import PersonName, ShortText
from supforms.schemas.forms.supervision_contract import ContractSupervisee, SupervisionContract
from supforms.schemas.hints import Required


class OldSupervisee(ContractSupervisee):
    """Version 0.9.0 allowed names of at most 40 characters."""

    name: Annotated[
        PersonName | None, Field(title="Name of Supervisee", max_length=40), Required()
    ] = None
    department: Annotated[ShortText | None, Field(title="Department/Team"), Required()] = None


class OldContract(SupervisionContract):
    schema_version: Literal["0.9.0"] = "0.9.0"  # type: ignore[assignment]
    supervisee: Annotated[OldSupervisee, Field(title="Supervisee")] = OldSupervisee()


@pytest.fixture
def old_version(monkeypatch):
    monkeypatch.setitem(registry.FORMS, ("contract", "0.9.0"), OldContract)
    return compiled_form("contract", "0.9.0")


LONG_NAME = "Maria Alexandra Gonçalves de Oliveira Ó Briain"  # 46 characters


def test_older_version_is_issued_and_read_with_its_own_schema(old_version):
    assert registry.latest("contract") is SupervisionContract  # new copies stay on 1.0.0
    record = OldContract.model_validate({"supervisee": {"name": "Zoë Ó Briain"}})
    _, data, _ = issue_copy(old_version, record)
    result = ingest_bytes(data, "old.pdf").as_json()
    assert (result["form"], result["version"]) == ("contract", "0.9.0")
    assert result["data"]["schema_version"] == "0.9.0"
    assert result["data"]["supervisee"]["name"] == "Zoë Ó Briain"


def test_older_versions_rules_apply_to_its_returns(old_version):
    _, data, _ = issue_copy(old_version, None)
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        for field in pdf.Root.AcroForm.Fields:
            if str(field.T) == "supervisee":
                next(k for k in field.Kids if str(k.T) == "name").V = pikepdf.String(LONG_NAME)
        out = io.BytesIO()
        pdf.save(out)
    old = ingest_bytes(out.getvalue(), "old.pdf").as_json()
    assert old["status"] == "invalid"
    assert ("supervisee.name", "too_long") in {(p["field"], p["code"]) for p in old["problems"]}
    new = issue_copy(
        compiled_form("contract"),
        registry.latest("contract").model_validate({"supervisee": {"name": LONG_NAME}}),
    )[1]
    assert ingest_bytes(new, "new.pdf").as_json()["data"]["supervisee"]["name"] == LONG_NAME


def test_an_out_of_date_version_is_noted_when_archived(old_version, tmp_path):
    from supforms.pipeline.intake.archive import archive_result
    from supforms.pipeline.records.opening import open_store

    _, data, _ = issue_copy(old_version, None)
    result = ingest_bytes(data, "old.pdf")
    with open_store(f"sqlite:///{tmp_path}/r.db") as store:
        archived = archive_result(store, result, data).as_json()
    assert {
        "field": "(file)",
        "code": "out_of_date_version",
        "message": "issued on version 0.9.0 of the form, since replaced",
    } in archived["problems"]
