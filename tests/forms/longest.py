"""Records holding the longest value every field of a form accepts, in wide letters and scripts."""

from __future__ import annotations

from typing import Any

from supforms.forms.spec import FieldSpec, field_specs
from supforms.forms.values import nest
from supforms.schemas.common import FormModel
from supforms.schemas.registry import latest

PATTERNS = {
    "W": "W",
    "Ш": "Ш",
    "words": "Ωμέγα Шура Wiśniewski Ayşe Ó Briain Щедрин Ελένη Παπαδοπούλου ",
}
"""Each value is one pattern repeated to the field's ``max_length``: one wide letter with no
break (W, Ш), or words of Greek, Cyrillic and Latin with their accents."""


def _longest(spec: FieldSpec, pattern: str) -> Any:
    if spec.kind in ("text", "multiline"):
        limit = spec.max_length or 200
        value = (pattern * (limit // len(pattern) + 1))[:limit]
        return value.strip() + pattern.strip()[0] * (limit - len(value.strip()))
    if spec.kind == "date":
        return "28/11/2026"
    if spec.kind == "integer":
        return 52
    if spec.kind == "scale":
        return 10
    if spec.kind == "choice":
        return max(spec.options, key=len)
    if spec.kind == "checkbox":
        return True
    return None


def longest_record(form_id: str, pattern: str) -> FormModel:
    """Every field of ``form_id`` filled with the longest value its schema accepts."""
    flat = {}
    for spec in field_specs(latest(form_id)):
        value = _longest(spec, PATTERNS[pattern])
        if value is not None:
            flat[spec.path] = value
    record = latest(form_id).model_validate(nest(flat))
    for spec in field_specs(latest(form_id)):
        if spec.kind in ("text", "multiline") and spec.max_length:
            assert len(flat[spec.path]) == spec.max_length, spec.path
    return record
