"""Turn the raw strings PDF fillers write into typed values, or say why not.

Each engine writes values its own way: checkbox on-states other than ``/Yes``,
``\\r`` line breaks, dates typed as ``3/4/26``, ``03-04-2026`` or ``3 April 2026``.
A value that cannot be read with certainty becomes a ``Problem`` naming the
field; nothing is guessed silently. Dates are read by ``schemas.dates``, day first.
"""

from __future__ import annotations

import re
from typing import Any

from supforms.forms.spec import FieldSpec
from supforms.schemas.dates import DateProblemError, parse_date
from supforms.schemas.errors import Problem

__all__ = ["OFF_STATES", "normalise_value"]

OFF_STATES = frozenset({"", "off", "no", "false", "0", "n"})


class ValueProblemError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _text(raw: str) -> str:
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _normalise(spec: FieldSpec, raw: str | None) -> Any:
    if raw is None:
        return None
    if spec.kind == "checkbox":
        return True if raw.strip().lower() not in OFF_STATES else None
    text = _text(raw)
    if not text:
        return None
    if spec.kind in ("text", "multiline"):
        return text if spec.kind == "multiline" else " ".join(text.split())
    if spec.kind == "date":
        return parse_date(text)
    if spec.kind == "integer":
        if not re.fullmatch(r"\d{1,6}", text):
            raise ValueProblemError("not_a_number", f"{text!r} is not a whole number")
        return int(text)
    if spec.kind == "yesno":
        answer = {"yes": True, "no": False}.get(text.lower())
        if answer is None and text.lower() in OFF_STATES:
            return None
        if answer is None:
            raise ValueProblemError("not_an_option", f"{text!r} is not Yes or No")
        return answer
    if spec.kind == "scale":
        if text.lower() in OFF_STATES and text not in spec.options:
            return None
        if text not in spec.options:
            raise ValueProblemError(
                "not_an_option",
                f"{text!r} is not on the scale {spec.options[0]}–{spec.options[-1]}",
            )
        return int(text)
    if spec.kind == "choice":
        match = next((o for o in spec.options if o.lower() == text.lower()), None)
        if match is None:
            raise ValueProblemError(
                "not_an_option", f"{text!r} is not one of: {', '.join(spec.options)}"
            )
        return match
    return text


def normalise_value(spec: FieldSpec, raw: str | None) -> tuple[Any, Problem | None]:
    """The typed value of one field, or ``None`` and the problem that stopped it."""
    try:
        return _normalise(spec, raw), None
    except (ValueProblemError, DateProblemError) as exc:
        return None, Problem(spec.path, exc.code, exc.message)
