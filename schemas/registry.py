"""Which model reads which form, by form id and schema version.

A form issued under an older schema version keeps its version's model here, so
a return is always read with the schema it was issued under.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from schemas.common import FormModel
from schemas.errors import UnknownFormError
from schemas.group_record import GroupRecord
from schemas.legacy import LEGACY
from schemas.supervision_agreement import SupervisionAgreement
from schemas.supervision_contract import SupervisionContract

__all__ = ["FORMS", "TITLES", "AnyForm", "form_ids", "latest", "model_for"]

AnyForm = Annotated[
    SupervisionContract | SupervisionAgreement | GroupRecord, Field(discriminator="form_id")
]

TITLES: dict[str, str] = {
    "contract": "Clinical Supervision Contract (1:1 Supervision)",
    "agreement": "Supervision Agreement",
    "group-record": "Group Supervision Record (Signs of Safety)",
}

FORMS: dict[tuple[str, str], type[FormModel]] = {
    (model.model_fields["form_id"].default, model.model_fields["schema_version"].default): model
    # Newest first: a form identified by its field names alone is read as the newest version.
    for model in (SupervisionContract, SupervisionAgreement, GroupRecord, *LEGACY)
}


def form_ids() -> list[str]:
    """The registered form ids, in the order of the design card."""
    return list(TITLES)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def latest(form_id: str) -> type[FormModel]:
    """The newest schema of ``form_id``: what ``generate`` issues."""
    versions = [version for (fid, version) in FORMS if fid == form_id]
    if not versions:
        known = ", ".join(form_ids())
        raise UnknownFormError(f"unknown form {form_id!r}; the forms are: {known}")
    return FORMS[(form_id, max(versions, key=_version_key))]


def model_for(form_id: str, version: str) -> type[FormModel]:
    """The model a document issued as ``form_id`` at ``version`` is read with."""
    try:
        return FORMS[(form_id, version)]
    except KeyError:
        latest(form_id)  # raises for an unknown form id
        raise UnknownFormError(f"form {form_id!r} has no schema version {version!r}") from None
