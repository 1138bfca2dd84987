"""The base model and the field types the forms share.

Every value may be empty while a form is issued or half-filled, so form fields
default to ``None``; ``Required`` hints say what a complete return must hold.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from supforms.schemas.dates import to_date
from supforms.schemas.declaration import Declaration
from supforms.schemas.hints import Required

__all__ = [
    "FormModel",
    "FreeText",
    "JobTitle",
    "LongText",
    "NextStep",
    "PersonName",
    "ScaleValue",
    "ShortText",
    "SignatureBlock",
    "SignatureInfo",
    "TeamName",
    "UKDate",
]


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")  # below U+0020 but tab and line feed


def no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("contains control characters")
    return value


class FormModel(BaseModel):
    """Base of every form and every part of one: unknown keys are errors, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    declaration: ClassVar[Declaration | None] = None
    """A whole form's title, parties, renewal and more (``schemas.declaration``); None on parts."""


UKDate = Annotated[date, BeforeValidator(to_date)]

# The limits are what the forms' boxes show whole at 8.5 pt, the size people type in, even
# in the widest letters; each is also the box's /MaxLen (schemas/legacy.py keeps older
# versions' longer limits, to read returns issued under them).
PersonName = Annotated[
    str, Field(min_length=1, max_length=60), AfterValidator(no_control_characters)
]
JobTitle = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(no_control_characters)]
ShortText = Annotated[
    str, Field(min_length=1, max_length=80), AfterValidator(no_control_characters)
]
TeamName = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(no_control_characters)]
NextStep = Annotated[
    str, Field(min_length=1, max_length=120), AfterValidator(no_control_characters)
]
LongText = Annotated[
    str, Field(min_length=1, max_length=4000), AfterValidator(no_control_characters)
]
"""Free text as versions before 1.2.0 (group record) and 1.1.0 (session record) took it."""


def FreeText(limit: int) -> object:  # noqa: N802 (used as a type)
    """Free text of at most ``limit`` characters: what its box shows whole as people type.

    The form carries the same limit as ``/MaxLen``, so a viewer stops at it; the box is
    sized for it (``forms.writing.compose``) and ``tests/forms/test_typed_whole.py``
    types it into every box and prints it.
    """
    return Annotated[
        str, Field(min_length=1, max_length=limit), AfterValidator(no_control_characters)
    ]


ScaleValue = Annotated[int, Field(ge=0, le=10)]


class SignatureInfo(FormModel):
    """What a signature field held when the form came back; filled in by ingest, never prefilled."""

    kind: Literal["digital", "drawn", "typed"]
    signer: str | None = None
    signed_at: datetime | None = None


class SignatureBlock(FormModel):
    """A signature line with its own date line, as the seeds print them."""

    signature: Annotated[SignatureInfo | None, Field(title="Signature"), Required()] = None
    date: Annotated[UKDate | None, Field(title="Date"), Required()] = None
