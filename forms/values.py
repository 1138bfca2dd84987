"""Between a model's nested values and the flat, dotted-path values of PDF fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from supforms.forms.spec import FieldSpec, field_specs
from supforms.schemas.common import FormModel

__all__ = ["display_values", "dotted", "nest"]


def dotted(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested values by their dotted paths: ``{"a": {"b": [x]}}`` → ``{"a.b.0": x}``.

    Empty containers vanish. (The inverse of ``nest``; flattening is what a PDF's
    fields undergo when printed, ``supforms.pipeline.delivery.generate.flatten_pdf``.)
    """
    flat: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            flat.update(dotted(value, f"{prefix}{key}."))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            flat.update(dotted(value, f"{prefix}{index}."))
    else:
        flat[prefix.rstrip(".")] = data
    return flat


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys back into nested objects; numeric parts become list indexes.

    Keys may already be nested objects, or mix both; a list keeps its rows in
    index order and leaves no holes (a missing row becomes an empty one).
    """
    root: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"{key}: {part} is both a value and a group")
        if isinstance(value, dict):
            node.setdefault(parts[-1], {}).update(nest(dotted(value)))
        else:
            node[parts[-1]] = value
    nested: dict[str, Any] = _lists(root)
    return nested


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        size = max(int(key) for key in converted) + 1
        return [converted.get(str(i), {}) for i in range(size)]
    return converted


def _display(spec: FieldSpec, value: Any) -> str | bool | None:
    if value is None or spec.kind == "signature":
        return None
    if spec.kind == "checkbox":
        return bool(value)
    if spec.kind == "yesno":
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def display_values(record: FormModel) -> dict[str, str | bool]:
    """Each filled field's value as it shows in the PDF: text, or a tick for checkboxes."""
    flat = dotted(record.model_dump())
    shown: dict[str, str | bool] = {}
    for spec in field_specs(type(record)):
        value = _display(spec, flat.get(spec.path))
        if value is not None and value != "":
            shown[spec.path] = value
    return shown
