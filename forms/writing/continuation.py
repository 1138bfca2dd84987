"""Continuation pages: where a long free-text answer goes on when its box is full.

Only print copies have them (``fill_form(..., continued=True)``): an answer given
under an older version's longer limit that does not fit its box at 8 pt shows
what fits, ending "… continued on page N"; the rest is printed on continuation
pages after the form's own pages, under "continued from page 2: Description …",
in the same font and size; an answer that goes on over a page break is headed
again there ("continued: Description …", a running header).

The pages are tagged like the form's own: each line is marked content of an
element (the pages' title an H2, each "continued from" an H3, the answer a P),
which ``forms.writing.fill`` adds to the copy's structure tree after the form's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from supforms.forms.fonts import FieldFont
from supforms.forms.writing.appearance import FONT_RESOURCE, LEADING, wrap_text
from supforms.forms.writing.layout import BOTTOM, MARGIN, TOP, WIDTH

__all__ = ["Continued", "Overflow", "continuation_pages", "marker"]

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


@dataclass
class Continued:
    """One structure element of the continuation pages: its tag and marked content.

    ``marks`` holds (page, MCID) pairs, the page counted from the first continuation page.
    """

    tag: str
    marks: list[tuple[int, int]] = field(default_factory=list)


def marker(page: int) -> str:
    """The last line of a full box, saying where the answer goes on."""
    return f"… continued on page {page}"


def continuation_pages(
    font: FieldFont, form_title: str, overflows: list[Overflow], first_page: int
) -> tuple[list[bytes], dict[str, int], list[Continued]]:
    """Each continuation page's content, the page each field goes on at, and the elements."""
    pages: list[list[str]] = []
    starts: dict[str, int] = {}
    elements: list[Continued] = []
    y = 0.0

    mcids: list[int] = []  # the next MCID of each page

    def line(element: Continued | None, size: float, text: str) -> None:
        """One line of text, marked as ``element``'s content (None: an artifact)."""
        if element is None:
            tag = "/Artifact <</Type /Pagination /Subtype /Header>> BDC"
        else:
            element.marks.append((len(pages) - 1, mcids[-1]))
            tag = f"/{element.tag} <</MCID {mcids[-1]}>> BDC"
            mcids[-1] += 1
        pages[-1].append(
            f"{tag} BT /{FONT_RESOURCE} {size:g} Tf 0 g "
            f"1 0 0 1 {MARGIN:.2f} {y:.2f} Tm {font.encode(text).decode()} Tj ET EMC"
        )

    def new_page() -> None:
        nonlocal y
        pages.append([])
        mcids.append(0)
        y = TOP - TITLE_SIZE - 6
        # The title heads the first page; on the next ones it is a running header.
        title = None if elements else Continued("H2")
        if title is not None:
            elements.append(title)
        line(title, TITLE_SIZE, f"{form_title}: continuation")
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
        elements.append(Continued("H3"))
        for text in heading:
            y -= 14
            line(elements[-1], HEADING_SIZE, text)
        starts[overflow.path] = first_page + len(pages) - 1
        y -= 4
        answer = Continued("P")
        elements.append(answer)
        for text in overflow.lines:
            if y - leading < BOTTOM:
                new_page()
                # An answer going on over a page says which one it is (a running header).
                y -= 14
                line(None, HEADING_SIZE, f"continued: {overflow.title}")
                y -= 4
            y -= leading
            line(answer, overflow.size, text)
    return ["\n".join(ops).encode("ascii") for ops in pages], starts, elements
