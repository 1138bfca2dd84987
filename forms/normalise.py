"""Turn the raw strings PDF fillers write into typed values, or say why not.

Each engine writes values its own way: checkbox on-states other than ``/Yes``,
``\\r`` line breaks, dates typed as ``3/4/26``, ``03-04-2026`` or ``3 April 2026``.
A value that cannot be read with certainty becomes a ``Problem`` naming the
field; nothing is guessed silently. Dates are read the UK way, day first.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from forms.spec import FieldSpec
from schemas.errors import Problem

__all__ = ["OFF_STATES", "normalise_value", "parse_date"]

OFF_STATES = frozenset({"", "off", "no", "false", "0", "n"})
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_NUMERIC = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$")
_WORDY = re.compile(
    r"^(?:[a-z]+,?\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]+)\.?,?\s+(\d{2}|\d{4})$"
)
_WORDY_US = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")


class ValueProblemError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def _make(year: int, month: int, day: int, typed: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueProblemError(
            "invalid_date", f"{typed!r} is not a calendar date ({exc})"
        ) from exc


def parse_date(typed: str) -> date:
    """A date as people type it in the UK: day first, numbers or month names.

    Raises ``ValueProblem`` with code ``invalid_date`` (31/02/2026) or
    ``unreadable_date`` (anything not clearly a date).
    """
    text = " ".join(typed.strip().lower().split())
    if match := _ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
        return _make(year, month, day, typed)
    if match := _NUMERIC.match(text):
        day, month, year = int(match[1]), int(match[2]), _year(match[3])
        return _make(year, month, day, typed)
    if match := _WORDY.match(text):
        named = _MONTHS.get(match[2])
        if named:
            return _make(_year(match[3]), named, int(match[1]), typed)
    if match := _WORDY_US.match(text):
        named = _MONTHS.get(match[1])
        if named:
            return _make(int(match[3]), named, int(match[2]), typed)
    raise ValueProblemError(
        "unreadable_date", f"{typed!r} is not a date supforms can read; write it as dd/mm/yyyy"
    )


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
    except ValueProblemError as exc:
        return None, Problem(spec.path, exc.code, exc.message)
