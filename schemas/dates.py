"""The one date parser: how people in the UK type a date, day first.

``--data`` records, returned forms, transcriptions and every date option of the
command line read dates through ``parse_date``, so ``3/4/26``, ``03.04.2026``,
``3 April 2026`` and ``2026-04-03`` mean the same day everywhere.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

__all__ = ["DateProblemError", "parse_date", "to_date"]

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


class DateProblemError(ValueError):
    """Why a text is not a date: ``code`` is ``invalid_date`` or ``unreadable_date``."""

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
        raise DateProblemError(
            "invalid_date", f"{typed.strip()} is not a calendar date ({exc})"
        ) from exc


def parse_date(typed: str) -> date:
    """A date as people type it in the UK: day first, numbers or month names, or ISO.

    Raises ``DateProblemError`` with code ``invalid_date`` (31/02/2026) or
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
    raise DateProblemError(
        "unreadable_date",
        f"{typed.strip()!r} is not a date supforms can read; write it as dd/mm/yyyy",
    )


def to_date(value: Any) -> Any:
    """A model's date validator: text through ``parse_date``; anything else left to Pydantic."""
    return parse_date(value) if isinstance(value, str) else value
