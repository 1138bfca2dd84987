"""Flow a form's wording and fields onto A4 pages, drawing the static page with reportlab.

The static page is everything that is the same in every copy: the clauses, the
labels and the box outlines (so a printed blank form can be filled with a pen).
Layout records where each field's widget sits; ``forms.writing.acroform`` adds them.
reportlab's origin is bottom-left, so the cursor ``y`` counts down the page.

Everything drawn is tagged (PDF/UA-1): text is marked content of the structure
element being drawn (``Flow.element``), boxes, rules and the logo are artifacts,
and each widget gets a ``Form`` element where it is placed. The structure is
recorded as a tree of ``Node`` in reading order; ``forms.writing.tagging`` writes it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from supforms.forms.fonts import page_font
from supforms.forms.spec import FieldKind, FieldSpec
from supforms.forms.writing.wording import FieldRef, inline_parts
from supforms.schemas.errors import LayoutError

__all__ = [
    "BOTTOM",
    "MARGIN",
    "PAGE_HEIGHT",
    "PAGE_WIDTH",
    "PRINTER_SAFE",
    "TOP",
    "Flow",
    "Marked",
    "Node",
    "StaticPages",
    "Widget",
    "register_fonts",
]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 48.0
TOP = PAGE_HEIGHT - 40.0
BOTTOM = 88.0  # the footer with its QR code lives below this line (forms.writing.identity)
PRINTER_SAFE = 28.35  # 10 mm: nothing is printed nearer any edge of the paper
WIDTH = PAGE_WIDTH - 2 * MARGIN

REGULAR, BOLD = "SF-Regular", "SF-Bold"
BODY, LEADING = 9.5, 12.0
INK, GREY, RULE = (0.1, 0.1, 0.12), (0.42, 0.42, 0.45), (0.35, 0.35, 0.38)
BOX_HEIGHT = 22.0  # 7.8 mm: room for handwriting on a printed copy
INLINE_WIDTH, INLINE_HEIGHT = 44.0, 22.0  # 15.5 × 7.8 mm: two digits written by hand
INLINE_LEADING = LEADING + INLINE_HEIGHT - 10  # a line of text with boxes in it
INLINE_BASELINE = 8.0  # the text's baseline above the bottom of its line


@dataclass(frozen=True)
class Widget:
    """Where one widget of a field sits: page index, rectangle, and a radio kid's value."""

    path: str
    kind: FieldKind
    page: int
    rect: tuple[float, float, float, float]
    option: str | None = None
    lines: int = 1  # lines of value the box holds; more than one: the value wraps


@dataclass(frozen=True)
class Marked:
    """A marked-content sequence: its page index and its MCID on that page."""

    page: int
    mcid: int


@dataclass(eq=False)
class Node:
    """A structure element: its tag, attributes and kids in reading order.

    A kid is a ``Node``, a ``Marked`` sequence, or an ``int``: the index of a widget in
    ``StaticPages.widgets`` (only a ``Form`` holds one, and nothing else).
    """

    tag: str
    attributes: dict[str, str] = field(default_factory=dict)
    kids: list[Node | Marked | int] = field(default_factory=list)

    def add(self, tag: str, **attributes: str) -> Node:
        node = Node(tag, dict(attributes))
        self.kids.append(node)
        return node


class TaggedCanvas(Canvas):  # type: ignore[misc]
    """A reportlab canvas that can wrap what it draws in marked content."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page_index = 0
        self.next_mcid = 0

    def mark(self, node: Node) -> None:
        """Start a marked-content sequence belonging to ``node``; ``end`` closes it."""
        node.kids.append(Marked(self.page_index, self.next_mcid))
        self._code.append(f"/{node.tag} <</MCID {self.next_mcid}>> BDC")
        self.next_mcid += 1

    def artifact(self) -> None:
        """Start an artifact: drawing that is not content (a rule, a box outline)."""
        self._code.append("/Artifact BMC")

    def end(self) -> None:
        self._code.append("EMC")

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        super().showPage()
        self.page_index += 1
        self.next_mcid = 0


@dataclass(frozen=True)
class StaticPages:
    pdf: bytes
    pages: int
    widgets: tuple[Widget, ...]
    structure: Node
    free: tuple[float, ...] = ()
    """Each page's height left unused above the footer."""


@cache
def register_fonts() -> None:
    """Make DejaVu Sans known to reportlab (once per process)."""
    pdfmetrics.registerFont(TTFont(REGULAR, io.BytesIO(page_font("DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(BOLD, io.BytesIO(page_font("DejaVuSans-Bold.ttf"))))


class Flow:
    """A cursor over A4 pages: draws static content and records widget rectangles."""

    def __init__(self, title: str, logo: str = "") -> None:
        register_fonts()
        self.buffer = io.BytesIO()
        # invariant=1: the same input gives the same bytes, so templates are reproducible.
        # initialFontName: reportlab's page preamble would otherwise name Helvetica,
        # which is not embedded.
        self.canvas = TaggedCanvas(
            self.buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=REGULAR
        )
        self.canvas.setTitle(title)
        self.canvas.setCreator("supforms")
        self.canvas.setProducer("supforms")
        self.page = 0
        self.y = TOP
        self.free: list[float] = []
        self.extra: dict[str, float] = {}  # height a box gets beyond its own (compose)
        self.widgets: list[Widget] = []
        self.structure = Node("Document")
        self.current = self.structure
        if logo:
            # The organisation's logo is decoration (its name is printed as text): an artifact.
            self.canvas.artifact()
            self.canvas.drawImage(
                logo,
                PAGE_WIDTH - MARGIN - 90,
                TOP - 36,
                90,
                40,
                preserveAspectRatio=True,
                anchor="ne",
                mask="auto",
            )
            self.canvas.end()

    # -- pages ---------------------------------------------------------------
    def new_page(self) -> None:
        self.free.append(self.y - BOTTOM)
        self.canvas.showPage()
        self.page += 1
        self.y = TOP

    def ensure(self, height: float) -> None:
        """Start a new page unless ``height`` more points fit above the footer."""
        if self.y - height < BOTTOM:
            if self.y == TOP:
                raise LayoutError(f"a block of {height:.0f} pt does not fit on one page")
            self.new_page()

    def finish(self) -> StaticPages:
        self.free.append(self.y - BOTTOM)
        self.canvas.showPage()
        self.canvas.save()
        return StaticPages(
            self.buffer.getvalue(),
            self.page + 1,
            tuple(self.widgets),
            self.structure,
            tuple(self.free),
        )

    # -- structure -----------------------------------------------------------
    @contextmanager
    def inside(self, node: Node) -> Iterator[Node]:
        """Draw into the structure element ``node``, then back into the current one."""
        parent, self.current = self.current, node
        try:
            yield node
        finally:
            self.current = parent

    def element(self, tag: str, **attributes: str) -> AbstractContextManager[Node]:
        """Draw into a new structure element ``tag``, a kid of the current one."""
        return self.inside(self.current.add(tag, **attributes))

    # -- text ----------------------------------------------------------------
    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float = BODY,
        bold: bool = False,
        color: tuple[float, float, float] = INK,
        align: str = "left",
        artifact: bool = False,
    ) -> None:
        """Draw one line of text as content of the current element (or as an artifact)."""
        c = self.canvas
        if artifact:
            c.artifact()
        else:
            c.mark(self.current)
        c.setFillColorRGB(*color)
        c.setFont(BOLD if bold else REGULAR, size)
        if align == "center":
            c.drawCentredString(x, y, text)
        elif align == "right":
            c.drawRightString(x, y, text)
        else:
            c.drawString(x, y, text)
        c.end()

    @staticmethod
    def width_of(text: str, size: float = BODY, bold: bool = False) -> float:
        return float(pdfmetrics.stringWidth(text, BOLD if bold else REGULAR, size))

    @staticmethod
    def wrap(text: str, width: float, size: float = BODY, bold: bool = False) -> list[str]:
        return list(simpleSplit(text, BOLD if bold else REGULAR, size, width))

    def paragraph(
        self,
        text: str,
        *,
        x: float = MARGIN,
        width: float = WIDTH,
        size: float = BODY,
        bold: bool = False,
        color: tuple[float, float, float] = INK,
        leading: float | None = None,
    ) -> None:
        leading = leading or size * 1.33
        lines = self.wrap(text, width, size, bold)
        self.ensure(leading * len(lines))
        for line in lines:
            self.y -= leading
            self.text(x, self.y + leading * 0.25, line, size=size, bold=bold, color=color)

    def inline_paragraph(
        self, text: str, specs: dict[str, FieldSpec], *, x: float = MARGIN, width: float = WIDTH
    ) -> None:
        """A paragraph whose ``[[path]]`` blanks become small boxes in the line of text."""
        words: list[str | FieldRef] = []
        for part in inline_parts(text):
            if isinstance(part, FieldRef):
                words.append(part)
            else:
                words.extend(w for w in part.split(" ") if w)
        space = self.width_of(" ")
        lines: list[list[str | FieldRef]] = [[]]
        used = 0.0
        for word in words:
            w = INLINE_WIDTH if isinstance(word, FieldRef) else self.width_of(word)
            if lines[-1] and used + space + w > width:
                lines.append([])
                used = 0.0
            used += (space if lines[-1] else 0.0) + w
            lines[-1].append(word)
        leading = INLINE_LEADING
        self.ensure(leading * len(lines))
        for line in lines:
            self.y -= leading
            baseline = self.y + INLINE_BASELINE
            cursor = x
            run: list[str] = []  # words between boxes: drawn as one string, one marked piece
            run_x = cursor
            for index, word in enumerate(line):
                if index:
                    cursor += space
                if isinstance(word, FieldRef):
                    self._draw_run(run_x, baseline, run)
                    spec = self.spec_for(word.path, specs)
                    rect = (
                        cursor,
                        baseline - INLINE_BASELINE + 1,
                        cursor + INLINE_WIDTH,
                        baseline - INLINE_BASELINE + 1 + INLINE_HEIGHT,
                    )
                    self.box(rect)
                    self.place(spec, rect)
                    cursor += INLINE_WIDTH
                else:
                    if not run:
                        run_x = cursor
                    run.append(word)
                    cursor += self.width_of(word)
            self._draw_run(run_x, baseline, run)

    def _draw_run(self, x: float, y: float, words: list[str]) -> None:
        if words:
            self.text(x, y, " ".join(words))
            words.clear()

    # -- boxes and widgets ---------------------------------------------------
    def box(self, rect: tuple[float, float, float, float], *, round_: bool = False) -> None:
        c = self.canvas
        c.artifact()
        c.setStrokeColorRGB(*RULE)
        c.setLineWidth(0.6)
        x0, y0, x1, y1 = rect
        if round_:
            c.circle((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, stroke=1, fill=0)
        else:
            c.rect(x0, y0, x1 - x0, y1 - y0, stroke=1, fill=0)
        c.end()

    def rule(self, y: float, x0: float = MARGIN, x1: float = MARGIN + WIDTH) -> None:
        c = self.canvas
        c.artifact()
        c.setStrokeColorRGB(*RULE)
        c.setLineWidth(0.5)
        c.line(x0, y, x1, y)
        c.end()

    def place(
        self,
        spec: FieldSpec,
        rect: tuple[float, float, float, float],
        option: str | None = None,
        lines: int = 1,
    ) -> None:
        rounded = tuple(round(v, 2) for v in rect)
        # A Form element holds its widget and nothing else (PDF/UA-1, 7.18.4).
        self.current.add("Form").kids.append(len(self.widgets))
        self.widgets.append(Widget(spec.path, spec.kind, self.page, rounded, option, lines))  # type: ignore[arg-type]

    @staticmethod
    def spec_for(path: str, specs: dict[str, FieldSpec]) -> FieldSpec:
        try:
            return specs[path]
        except KeyError:
            raise LayoutError(f"the wording places [[{path}]], which the schema lacks") from None
