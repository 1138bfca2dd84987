"""The pack's pages: each record's certificate, then its returned pages as pictures.

One tagged reportlab canvas draws the whole pack (``forms.writing.layout``'s
``TaggedCanvas``: every word is marked content of its structure element, the
footer an artifact), with the fonts the forms embed. The returned pages are
rasterised with PDFium and placed as ``Figure`` elements with alternative text:
a picture needs no font, and a viewer's appearance streams (Helvetica, not
embedded) could not stay in a PDF/A file as they are. Their text and values
stay readable in the attached original and its JSON.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader, simpleSplit
from supforms.forms.writing.layout import BOLD, REGULAR, Node, TaggedCanvas, register_fonts
from supforms.pipeline.evidence.certificate import Block

__all__ = ["DPI", "PackPages", "Picture", "pictures"]

DPI = 150
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN, TOP, BOTTOM = 48.0, A4[1] - 48.0, 56.0
_STYLE = {  # font, size, leading, space before
    "H1": (BOLD, 15.0, 19.0, 0.0),
    "H2": (BOLD, 11.5, 15.0, 10.0),
    "P": (REGULAR, 9.5, 12.5, 2.0),
    # DejaVu Sans Mono's subset, as reportlab writes it, has widths that veraPDF finds
    # inconsistent with its font program (ISO 19005-3 6.2.11.5): hashes print in Sans.
    "Code": (REGULAR, 8.0, 10.5, 1.0),
}


@dataclass(frozen=True)
class Picture:
    """One returned page as a JPEG, with its size in points."""

    jpeg: bytes
    width: float
    height: float


def pictures(pdf: bytes, dpi: int = DPI) -> Iterator[Picture]:
    """Each page of a returned PDF as PDFium draws it (widgets and their values included).

    Raises ``pypdfium2.PdfiumError`` if PDFium cannot read the file.
    """
    document = pypdfium2.PdfDocument(pdf)
    try:
        document.init_forms()
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            image = page.render(scale=dpi / 72, may_draw_forms=True).to_pil().convert("RGB")
            page.close()
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80, optimize=False)
            yield Picture(out.getvalue(), width, height)
    finally:
        document.close()


class PackPages:
    """A cursor over the pack's pages, recording the structure tree as it draws."""

    def __init__(self, buffer: io.BytesIO, title: str) -> None:
        register_fonts()
        self.canvas = TaggedCanvas(
            buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=REGULAR
        )
        self.canvas.setTitle(title)
        self.canvas.setCreator("supforms")
        self.canvas.setProducer("supforms")
        self.structure = Node("Document")
        self.alts: dict[int, str] = {}  # a Figure node's id: its alternative text
        self.picturing = False
        self.size = A4
        self.page = 1
        self.y = TOP
        self.fresh = True  # nothing drawn on this page yet

    def _footer(self) -> None:
        if self.size != A4 or self.picturing:
            return  # a returned page shows its own footer
        self.canvas.artifact()
        self.canvas.setFont(REGULAR, 7.5)
        self.canvas.setFillColorRGB(0.42, 0.42, 0.45)
        self.canvas.drawRightString(self.size[0] - MARGIN, 30, f"Evidence pack · page {self.page}")
        self.canvas.setFillColorRGB(0, 0, 0)
        self.canvas.end()

    def new_page(self, size: tuple[float, float] = A4) -> None:
        if not self.fresh:
            self._footer()
            self.canvas.showPage()
            self.page += 1
        self.canvas.setPageSize(size)
        self.size = size
        self.picturing = False
        self.y = TOP
        self.fresh = False

    def text(self, part: Node, blocks: list[Block]) -> None:
        """Blocks of text flowing down A4 pages, each its own element of ``part``."""
        self.new_page()
        for block in blocks:
            font, size, leading, before = _STYLE[block.kind]
            lines = simpleSplit(block.text, font, size, PAGE_WIDTH - 2 * MARGIN) or [""]
            self.y -= before
            element = part.add(block.kind)
            for line in lines:
                if self.y - leading < BOTTOM:
                    self.new_page()
                self.y -= leading
                self.canvas.mark(element)
                self.canvas.setFont(font, size)
                self.canvas.drawString(MARGIN, self.y, line)
                self.canvas.end()

    def picture(self, part: Node, picture: Picture, alt: str) -> None:
        """A returned page, on a page of its own size, as a Figure described by ``alt``."""
        self.new_page((picture.width, picture.height))
        self.picturing = True
        figure = part.add("Figure")
        self.alts[id(figure)] = alt
        self.canvas.mark(figure)
        self.canvas.drawImage(
            ImageReader(io.BytesIO(picture.jpeg)), 0, 0, picture.width, picture.height
        )
        self.canvas.end()

    def finish(self) -> None:
        self._footer()
        self.canvas.showPage()
        self.canvas.save()
