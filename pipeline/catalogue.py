"""The forms supforms knows, as rows a person or a script reads (``supforms forms``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from supforms.forms.spec import field_specs
from supforms.schemas.declaration import Declaration
from supforms.schemas.registry import latest, origin_of, versions

__all__ = ["declaration_row", "form_rows"]


def declaration_row(declaration: Declaration | None) -> dict[str, Any] | None:
    """What a form declares besides its title, as plain JSON values (for scripts).

    Whom it concerns (dotted paths), the date it was made on, its renewal rule
    and the compliance roles it plays (``schemas.declaration.Compliance``).
    """
    if declaration is None:
        return None
    roles = declaration.compliance
    return {
        "concerns": asdict(declaration.concerns),
        "dated": declaration.dated,
        "renewal": asdict(declaration.renewal) if declaration.renewal else None,
        "compliance": {
            "frequency": asdict(roles.frequency) if roles.frequency else None,
            "session": asdict(roles.session) if roles.session else None,
            "contract": roles.contract,
        },
    }


def form_rows() -> list[dict[str, Any]]:
    """One row per registered form version: id, version, title, fields, package, declaration."""
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
                "declaration": declaration_row(model.declaration),
            }
        )
    return rows
