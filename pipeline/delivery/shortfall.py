"""What a return still lacks, in plain words for the person who sent it: never its values.

A reminder for a copy that came back ``incomplete`` or ``invalid`` says what to
put right ("The Supervisor signature is not signed."). Each sentence is made
from the form's own label for the field and the kind of problem, not from the
problem's message, which may quote what was typed.
"""

from __future__ import annotations

from typing import Any

from supforms.forms.spec import field_specs
from supforms.schemas.errors import PipelineError
from supforms.schemas.registry import model_for

__all__ = ["shortfall"]

_WHAT = {
    "missing": "is missing",
    "unsigned": "is missing",
    "signature_invalid": "has a signature that does not match the document: please sign again",
    "changed_after_signing": "was changed after it was signed: please sign again",
}
_INVALID = "is not filled in correctly"
_FILE = "The returned file could not be read as it was sent: please send the attached copy back"


def _label(tooltip: str) -> str:
    """A field's tooltip as a sentence's subject.

    ``Supervisee: Job Title`` reads ``Job Title (Supervisee)``, ``Signatures:
    Supervisor: Signature`` reads ``Supervisor signature``: a section that only
    repeats the label's last word is left out.
    """
    parts = [part.strip() for part in tooltip.split(":") if part.strip()]
    if not parts:
        return "A field"
    section, label = (parts[0], parts[1:]) if len(parts) > 1 else ("", parts)
    text = " ".join([label[0], *(word.lower() for word in label[1:])])
    last = text.split()[-1].lower()
    if not section or section.lower().startswith(last):
        return text
    return f"{text} ({section})"


def shortfall(form: str, version: str, problems: list[dict[str, Any]]) -> list[str]:
    """One sentence per field a return must put right, in the form's order of fields."""
    try:
        specs = field_specs(model_for(form, version))
    except PipelineError:
        specs = ()
    order = {spec.path: index for index, spec in enumerate(specs)}
    labels = {spec.path: _label(spec.label) for spec in specs}
    found: dict[str, str] = {}
    file_problem = False
    for problem in problems:
        field = str(problem.get("field", ""))
        if field not in labels:
            file_problem = True
            continue
        what = _WHAT.get(str(problem.get("code")), _INVALID)
        found.setdefault(field, f"{labels[field]} {what}.")
    sentences = [found[path] for path in sorted(found, key=lambda path: order[path])]
    if file_problem and not sentences:
        sentences.append(_FILE + ".")
    return [sentence[0].upper() + sentence[1:] for sentence in sentences]
