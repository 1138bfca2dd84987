"""Presentation hints attached to model fields with ``Annotated``.

They say how a value is asked for on paper, never what it is: the type and the
Pydantic constraints say that. ``forms.spec`` is the one reader of these hints.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Multiline", "Required", "Scale", "YesNo"]


@dataclass(frozen=True)
class Multiline:
    """Free text over several lines; ``lines`` sizes the box for handwriting."""

    lines: int = 4


@dataclass(frozen=True)
class Scale:
    """An integer asked for as a row of choices from ``low`` to ``high`` (radio buttons)."""

    low: int = 0
    high: int = 10


@dataclass(frozen=True)
class YesNo:
    """A yes-or-no question asked as a pair of choices, Yes and No (radio buttons).

    The value stays a ``bool | None``: True for Yes, False for No, None when not answered,
    which a single tick box could not tell apart from No.
    """


@dataclass(frozen=True)
class Required:
    """A value the returned form needs before it counts as complete.

    Every field may be empty while a form is issued or half-filled; this hint
    marks what ingest reports as missing.
    """
