"""Records holding the longest value every field of a form accepts, in wide letters and scripts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from supforms.forms.spec import FieldSpec, field_specs
from supforms.forms.values import display_values, nest
from supforms.forms.writing.compiled import compiled_form
from supforms.forms.writing.fill import fill_form
from supforms.forms.writing.identity import Identity
from supforms.schemas.common import FormModel
from supforms.schemas.registry import latest, model_for

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


def longest_record(form_id: str, pattern: str, version: str | None = None) -> FormModel:
    """Every field of ``form_id`` filled with the longest value its schema accepts."""
    model = model_for(form_id, version) if version else latest(form_id)
    flat = {}
    for spec in field_specs(model):
        value = _longest(spec, PATTERNS[pattern])
        if value is not None:
            flat[spec.path] = value
    record = model.model_validate(nest(flat))
    for spec in field_specs(model):
        if spec.kind in ("text", "multiline") and spec.max_length:
            assert len(flat[spec.path]) == spec.max_length, spec.path
    return record


def print_copy(record: FormModel, issued_at: datetime) -> bytes:
    """A print copy of ``record`` in its own version's form, before it is flattened.

    Values too long for their boxes (given under an older, longer limit) go on on
    continuation pages, as ``records show --print`` prints them.
    """
    version = str(record.schema_version)  # type: ignore[attr-defined]
    form = compiled_form(str(record.form_id), version)  # type: ignore[attr-defined]
    identity = Identity(form.form_id, version, "TEST-PRNT-0000-0000", form.title, issued_at)
    return fill_form(form, display_values(record), identity, continued=True)
