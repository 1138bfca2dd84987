"""Turn a form model into the flat list of PDF fields it is asked with.

This module is the only reader of ``model_fields``: layout, rendering, reading
and the tests all consume ``field_specs(model)``, so they cannot drift apart.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from supforms.schemas.common import FormModel, SignatureInfo
from supforms.schemas.errors import LayoutError
from supforms.schemas.hints import Multiline, Required, Scale, YesNo
from supforms.schemas.registry import origin_of

__all__ = ["IDENTITY_FIELDS", "YES_NO", "FieldKind", "FieldSpec", "field_specs", "spec_by_path"]

FieldKind = Literal[
    "text", "multiline", "date", "integer", "checkbox", "yesno", "scale", "choice", "signature"
]

YES_NO = ("Yes", "No")
"""The options of a yes-or-no question, in the order they are printed."""

IDENTITY_FIELDS = frozenset({"form_id", "schema_version"})
"""Model fields that travel in the PDF metadata, never as PDF fields."""


@dataclass(frozen=True)
class FieldSpec:
    """One PDF field: its dotted name, what kind of widget asks for it, and its limits."""

    path: str
    kind: FieldKind
    title: str
    label: str
    """The field in words, with the headings it sits under ("Signatures: Supervisor: Date")."""
    tooltip: str
    """Its accessible name: the label, and for a date how it is written (", dd/mm/yyyy")."""
    required: bool = False
    options: tuple[str, ...] = ()
    lines: int = 1
    max_length: int | None = None
    list_path: str | None = None
    row: int | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))


def _strip_optional(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        args = [arg for arg in get_args(tp) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _unwrap(tp: Any) -> tuple[Any, list[Any]]:
    """The bare type under Optional and Annotated, and the metadata met on the way."""
    metadata: list[Any] = []
    while True:
        tp = _strip_optional(tp)
        if get_origin(tp) is Annotated:
            base, *extra = get_args(tp)
            metadata.extend(extra)
            tp = base
            continue
        return tp, metadata


def _flatten_metadata(items: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in items:
        if isinstance(item, FieldInfo):
            flat.extend(item.metadata)
        else:
            flat.append(item)
    return flat


def _first(metadata: list[Any], kind: type[Any]) -> Any:
    return next((item for item in metadata if isinstance(item, kind)), None)


def _max_length(metadata: list[Any]) -> int | None:
    found = _first(metadata, annotated_types.MaxLen)
    return int(found.max_length) if found is not None else None


DATE_HINT = "dd/mm/yyyy"
"""How a date is written on the forms: its fields' hint, and the end of their names."""


def _label(ancestors: tuple[str, ...], title: str) -> str:
    # An ancestor's title is left out where the field's own title already says it
    # ("Supervisee" above "Name of Supervisee"); screen readers read every word.
    kept = [a for a in ancestors if a and a.lower() not in title.lower()]
    return ": ".join([*kept, title])


def _leaf_kind(tp: Any, metadata: list[Any]) -> tuple[FieldKind, tuple[str, ...]]:
    if tp is bool:
        if _first(metadata, YesNo) is not None:
            return "yesno", YES_NO
        return "checkbox", ()
    if tp is date:
        return "date", ()
    if tp is int:
        scale = _first(metadata, Scale)
        if scale is not None:
            return "scale", tuple(str(n) for n in range(scale.low, scale.high + 1))
        return "integer", ()
    if get_origin(tp) is Literal:
        return "choice", tuple(str(option) for option in get_args(tp))
    if tp is str:
        return ("multiline" if _first(metadata, Multiline) else "text"), ()
    raise TypeError(f"no PDF field kind for type {tp!r}")


def _walk(
    model: type[BaseModel],
    prefix: str,
    ancestors: tuple[str, ...],
    row: tuple[str, int] | None,
) -> list[FieldSpec]:
    specs: list[FieldSpec] = []
    hints = typing.get_type_hints(model, include_extras=True)
    for name, info in model.model_fields.items():
        if not prefix and name in IDENTITY_FIELDS:
            continue
        path = f"{prefix}{name}"
        tp, inner = _unwrap(hints[name])
        metadata = _flatten_metadata([*inner, *info.metadata])
        title = info.title or name.replace("_", " ").capitalize()
        if isinstance(tp, type) and issubclass(tp, SignatureInfo):
            specs.append(_leaf(path, "signature", (), title, ancestors, metadata, row))
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            specs += _walk(tp, f"{path}.", (*ancestors, title), row)
        elif get_origin(tp) is list:
            (item,) = get_args(tp)
            item_type, _ = _unwrap(item)
            rows = _max_length(metadata)
            if rows is None or not issubclass(item_type, BaseModel):
                raise TypeError(f"{path}: a repeated field needs a model and a max_length")
            for index in range(rows):
                specs += _walk(
                    item_type,
                    f"{path}.{index}.",
                    (*ancestors, f"{title} {index + 1}"),
                    (path, index),
                )
        else:
            kind, options = _leaf_kind(tp, metadata)
            specs.append(_leaf(path, kind, options, title, ancestors, metadata, row))
    return specs


def _leaf(
    path: str,
    kind: FieldKind,
    options: tuple[str, ...],
    title: str,
    ancestors: tuple[str, ...],
    metadata: list[Any],
    row: tuple[str, int] | None,
) -> FieldSpec:
    multiline = _first(metadata, Multiline)
    return FieldSpec(
        path=path,
        kind=kind,
        title=title,
        label=_label(ancestors, title),
        # A date says how it is written: "Date of supervision, dd/mm/yyyy" is what a
        # screen reader announces, not a bare format all dates share.
        tooltip=_label(ancestors, title) + (f", {DATE_HINT}" if kind == "date" else ""),
        required=_first(metadata, Required) is not None,
        options=options,
        lines=multiline.lines if multiline else 1,
        max_length=_max_length(metadata),
        list_path=row[0] if row else None,
        row=row[1] if row else None,
    )


@cache
def field_specs(model: type[FormModel]) -> tuple[FieldSpec, ...]:
    """Every PDF field of ``model``'s form, in the model's (reading) order.

    Raises:
        LayoutError: a field has no PDF field kind (a form from another package may
            declare one), naming the form and its package.
    """
    try:
        return tuple(_walk(model, "", (), None))
    except TypeError as exc:
        form_id = str(model.model_fields["form_id"].default)
        raise LayoutError(
            f"form {form_id!r} from package {origin_of(form_id)!r} cannot be laid out: {exc}"
        ) from None


@cache
def spec_by_path(model: type[FormModel]) -> dict[str, FieldSpec]:
    """``field_specs`` keyed by dotted path."""
    return {spec.path: spec for spec in field_specs(model)}
