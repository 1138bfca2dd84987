"""From the values read to a verdict: normalised, validated, each problem named, a status.

What makes a return ``incomplete`` (something missing or unsigned) or ``invalid``
(a value that cannot be what the form asks, a broken signature, a removed field)
is decided here, once; ingest, transcription and archiving all ask it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from supforms.forms.fonts import field_font
from supforms.forms.reading.normalise import normalise_value
from supforms.forms.spec import FieldSpec
from supforms.forms.values import display_values, dotted, nest
from supforms.pipeline.delivery.data import problems_from
from supforms.pipeline.result import IngestResult, Status
from supforms.schemas.errors import Problem
from supforms.schemas.registry import model_for

__all__ = [
    "INCOMPLETE_CODES",
    "INVALID_CODES",
    "NOT_PRINTABLE",
    "complete_status",
    "normalised_values",
    "returned_values",
    "signature_problems",
    "status_of",
    "validated",
]

INCOMPLETE_CODES = frozenset({"missing", "unsigned"})


INVALID_CODES = frozenset(
    {
        "invalid_date",
        "unreadable_date",
        "not_a_number",
        "not_an_option",
        "too_long",
        "out_of_range",
        "invalid_value",
        "signature_invalid",
        "changed_after_signing",
        "form_removed",
        "field_removed",
    }
)


_PYDANTIC = {
    "string_too_long": "too_long",
    "too_long": "too_long",
    "less_than_equal": "out_of_range",
    "greater_than_equal": "out_of_range",
    "less_than": "out_of_range",
    "greater_than": "out_of_range",
    "string_too_short": "missing",
}


def status_of(problems: list[Problem]) -> Status:
    codes = {p.code for p in problems}
    if codes & INVALID_CODES:
        return "invalid"
    if codes & INCOMPLETE_CODES:
        return "incomplete"
    return "complete"


def validated(model: Any, flat: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """The model's JSON; values Pydantic refuses become problems and are left out."""
    for _ in range(len(flat) + 1):
        try:
            return dict(model.model_validate(nest(flat)).model_dump(mode="json"))
        except ValidationError as exc:
            found = problems_from(exc)
            removed = False
            for problem in found:
                code = _PYDANTIC.get(problem.code, "invalid_value")
                problems.append(Problem(problem.field, code, problem.message))
                removed |= flat.pop(problem.field, None) is not None
            if not removed:
                break
    return dict(model().model_dump(mode="json"))


def normalised_values(
    specs: tuple[FieldSpec, ...], raw: dict[str, str | None], problems: list[Problem]
) -> dict[str, Any]:
    """Each value the return holds, normalised; what cannot be becomes a problem."""
    flat: dict[str, Any] = {}
    for spec in specs:
        if spec.kind == "signature":
            continue
        value, problem = normalise_value(spec, raw.get(spec.path))
        if problem:
            problems.append(problem)
        elif value is not None:
            flat[spec.path] = value
            if isinstance(value, str) and not field_font().covers(value):
                problems.append(_not_printable(spec, value))
    return flat


NOT_PRINTABLE = "not_printable"
"""A value kept, but with letters the form's font cannot draw: a flag, not a status.

A viewer saves what was typed, and draws nothing for letters its font lacks: the
copy someone signed, and every print of it, show the field blank or cut. The value
is in the record; the flag says the paper does not show it.
"""


def _not_printable(spec: FieldSpec, value: str) -> Problem:
    letters = field_font().missing_named(value)
    return Problem(
        spec.path, NOT_PRINTABLE, f"{spec.label} cannot be shown on the printed form: {letters}"
    )


def complete_status(specs: tuple[FieldSpec, ...], result: IngestResult) -> Status:
    """Add what is missing or broken to ``result``'s problems; the status they make."""
    _completeness(specs, result)
    return status_of(result.problems)


def returned_values(result: IngestResult) -> dict[str, Any]:
    """A result's values as the form shows them (``03/04/2026``), to compare with an issue."""
    model = model_for(str(result.form), str(result.version))
    record = model.model_validate(result.data)
    return dict(display_values(record))


def signature_problems(result: IngestResult) -> None:
    """A problem for each digital signature anywhere in the file that is broken."""
    for verdict in result.signatures:
        if not verdict.is_broken:
            continue
        where = verdict.block or verdict.field
        if not verdict.intact:
            why = (
                "could not be verified"
                if "unverifiable" in verdict.changes
                else "does not match the document (damaged or forged)"
            )
            result.problems.append(
                Problem(where, "signature_invalid", f"the digital signature {why}")
            )
        else:
            changed = ", ".join(verdict.changes) or "the document"
            result.problems.append(
                Problem(where, "changed_after_signing", f"{changed} changed after it was signed")
            )


def _completeness(specs: tuple[FieldSpec, ...], result: IngestResult) -> None:
    """Problems for each required value or signature that is missing, or signed then broken."""
    signature_problems(result)
    present = dotted(result.data or {})
    bad = {p.field for p in result.problems}
    verdicts = {v.block: v for v in reversed(result.signatures) if v.block is not None}
    for spec in specs:
        verdict = verdicts.get(spec.path)
        filled = (verdict.kind != "none") if verdict else present.get(spec.path) is not None
        if not spec.required or spec.path in bad or filled:
            continue
        code = "unsigned" if spec.kind == "signature" else "missing"
        what = "is not signed" if spec.kind == "signature" else "is empty"
        result.problems.append(Problem(spec.path, code, f"{spec.label} {what}"))
