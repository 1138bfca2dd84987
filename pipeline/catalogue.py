"""The forms supforms knows, as rows a person or a script reads (``supforms forms``)."""

from __future__ import annotations

from typing import Any

from supforms.forms.spec import field_specs
from supforms.schemas.registry import latest, origin_of, versions

__all__ = ["form_rows"]


def form_rows() -> list[dict[str, Any]]:
    """One row per registered form version: id, version, title, field count, package."""
    rows = []
    for form_id, version, model in versions():
        rows.append(
            {
                "form": form_id,
                "version": version,
                "title": model.declaration.title if model.declaration else form_id,
                "fields": len(field_specs(model)),
                "latest": latest(form_id) is model,
                "package": origin_of(form_id),
            }
        )
    return rows
