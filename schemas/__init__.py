"""Pure data: one Pydantic model per form, the shared field types and the error tree."""

from schemas.common import FormModel, SignatureBlock, SignatureInfo, parse_uk_date
from schemas.errors import (
    ExtractionError,
    InvalidRecordError,
    LayoutError,
    PipelineError,
    Problem,
    SignatureError,
    StoreError,
    UnknownFormError,
)
from schemas.registry import FORMS, TITLES, AnyForm, form_ids, latest, model_for

__all__ = [
    "FORMS",
    "TITLES",
    "AnyForm",
    "ExtractionError",
    "FormModel",
    "InvalidRecordError",
    "LayoutError",
    "PipelineError",
    "Problem",
    "SignatureBlock",
    "SignatureError",
    "SignatureInfo",
    "StoreError",
    "UnknownFormError",
    "form_ids",
    "latest",
    "model_for",
    "parse_uk_date",
]
