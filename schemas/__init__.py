"""Pure data: one Pydantic model per form, the shared field types and the error tree."""

from supforms.schemas.common import FormModel, SignatureBlock, SignatureInfo
from supforms.schemas.dates import parse_date
from supforms.schemas.declaration import Concerns, Declaration, Renewal
from supforms.schemas.errors import (
    ExtractionError,
    InvalidRecordError,
    LayoutError,
    PipelineError,
    Problem,
    StoreError,
    UnknownFormError,
)
from supforms.schemas.registry import FORMS, declaration_of, form_ids, latest, model_for

__all__ = [
    "FORMS",
    "Concerns",
    "Declaration",
    "ExtractionError",
    "FormModel",
    "InvalidRecordError",
    "LayoutError",
    "PipelineError",
    "Problem",
    "Renewal",
    "SignatureBlock",
    "SignatureInfo",
    "StoreError",
    "UnknownFormError",
    "declaration_of",
    "form_ids",
    "latest",
    "model_for",
    "parse_date",
]
