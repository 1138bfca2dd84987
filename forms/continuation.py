"""Continuation pages: where a long free-text answer goes on when its box is full.

A prefilled answer that does not fit its box at 8 pt shows what fits, ending
"… continued on page N"; the rest is printed on continuation pages after the
form's own pages, under "continued from page 2: Description …", in the same
font and size. The field's value (``/V``) always holds the whole answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from forms.appearance import FONT_RESOURCE, LEADING, wrap_text
from forms.fonts import FieldFont
from forms.layout import BOTTOM, MARGIN, TOP, WIDTH

__all__ = ["Overflow", "continuation_pages", "marker"]

HEADING_SIZE = 10.0
TITLE_SIZE = 12.0


@dataclass(frozen=True)
class Overflow:
    """What did not fit one field's box: its page (1-based), title, size and lines."""

    path: str
    page: int
    title: str
    size: float
    lines: list[str]


def marker(page: int) -> str:
    """The last line of a full box, saying where the answer goes on."""
    return f"… continued on page {page}"


def _text(font: FieldFont, size: float, x: float, y: float, text: str) -> str:
    return (
        f"BT /{FONT_RESOURCE} {size:g} Tf 0 g 1 0 0 1 {x:.2f} {y:.2f} Tm "
        f"{font.encode(text).decode()} Tj ET"
    )


def continuation_pages(
    font: FieldFont, form_title: str, overflows: list[Overflow], first_page: int
) -> tuple[list[bytes], dict[str, int]]:
    """The content of each continuation page, and the page each field continues on."""
    pages: list[list[str]] = []
    starts: dict[str, int] = {}
    y = 0.0

    def new_page() -> None:
        nonlocal y
        pages.append([])
        y = TOP - TITLE_SIZE - 6
        pages[-1].append(_text(font, TITLE_SIZE, MARGIN, y, f"{form_title}: continuation"))
        y -= 10

    new_page()
    for overflow in overflows:
        heading = wrap_text(
            font, f"continued from page {overflow.page}: {overflow.title}", WIDTH, HEADING_SIZE
        )
        leading = overflow.size * LEADING
        if y - len(heading) * 14 - 4 - leading < BOTTOM:
            new_page()
        y -= 6
        for line in heading:
            y -= 14
            pages[-1].append(_text(font, HEADING_SIZE, MARGIN, y, line))
        starts[overflow.path] = first_page + len(pages) - 1
        y -= 4
        for line in overflow.lines:
            if y - leading < BOTTOM:
                new_page()
            y -= leading
            pages[-1].append(_text(font, overflow.size, MARGIN, y, line))
    return ["\n".join(ops).encode("ascii") for ops in pages], starts
