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
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import pypdfium2
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from supforms.forms.writing.layout import BOLD, REGULAR, Node, TaggedCanvas, register_fonts
from supforms.pipeline.evidence.certificate import Block

__all__ = ["DPI", "PackPages", "Picture", "pictures"]

DPI = 150
QUALITY = 75  # a scan's JPEG
COLOURS = 256  # a drawn page's palette (_palette)
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
    """One returned page as an image XObject's data, with its size in points.

    ``palette`` empty: ``data`` is a JPEG (a scan: a photograph of paper); else
    ``data`` is the page's pixels as indices into ``palette`` (RGB triples),
    deflated: a page drawn from a PDF has few colours, and keeps its edges sharp
    in less than half a JPEG's bytes.
    """

    data: bytes
    palette: bytes
    width: float
    height: float
    pixels: tuple[int, int]


@cache
def _palette() -> Image.Image:
    """The 216 colours of the web palette and 40 greys: a drawn page, told apart by eye.

    A fixed palette maps each pixel by table, many times faster than choosing one
    per page; 40 greys keep antialiased text smooth.
    """
    steps = range(0, 256, 51)
    colours = [(r, g, b) for r in steps for g in steps for b in steps]
    colours += [(v, v, v) for v in (round(i * 255 / 39) for i in range(40))]
    palette = Image.new("P", (1, 1))
    palette.putpalette([v for colour in colours for v in colour])
    return palette


def _encoded(image: Image.Image, photo: bool) -> tuple[bytes, bytes]:
    if photo:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=QUALITY)
        return out.getvalue(), b""
    indexed = image.quantize(palette=_palette(), dither=Image.Dither.NONE)
    palette = bytes(indexed.getpalette() or b"")[: 3 * COLOURS]
    return zlib.compress(indexed.tobytes(), 6), palette


def pictures(pdf: bytes, dpi: int = DPI, *, photo: bool = False) -> Iterator[Picture]:
    """Each page of a returned PDF as PDFium draws it (widgets and their values included).

    ``photo``: the pages are scans, kept as JPEG. Raises ``pypdfium2.PdfiumError``
    if PDFium cannot read the file.
    """
    document = pypdfium2.PdfDocument(pdf)
    try:
        document.init_forms()
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            bitmap = page.render(scale=dpi / 72, may_draw_forms=True, rev_byteorder=True)
            image = bitmap.to_pil()
            if image.mode != "RGB":
                image = image.convert("RGB")
            page.close()
            data, palette = _encoded(image, photo)
            yield Picture(data, palette, width, height, image.size)
    finally:
        document.close()


def shown(text: str, font: str = REGULAR) -> str:
    """``text`` as the pack can print it: a character the font lacks, or a control, as U+FFFD.

    PDF/A forbids drawing a font's .notdef glyph (ISO 19005-3, 6.2.11.8), and a
    name from a return may be in any script.
    """
    glyphs = pdfmetrics.getFont(font).face.charToGlyph
    return "".join(c if c.isprintable() and ord(c) in glyphs else "\ufffd" for c in text)


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
        self.pictures: dict[int, tuple[str, Picture]] = {}  # by page index: name, picture
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
            text = shown(block.text, font)
            lines = simpleSplit(text, font, size, PAGE_WIDTH - 2 * MARGIN) or [""]
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
        name = f"SFReturned{self.canvas.page_index}"
        self.canvas.mark(figure)
        # The image goes in as it is, later (``archival.add_pictures``): reportlab would
        # decode it and write it out again in ASCII85, in pure Python, most of the time.
        self.canvas._code.append(f"q {picture.width:.3f} 0 0 {picture.height:.3f} 0 0 cm")
        self.canvas._code.append(f"/{name} Do Q")
        self.canvas.end()
        self.pictures[self.canvas.page_index] = (name, picture)

    def finish(self) -> None:
        self._footer()
        self.canvas.showPage()
        self.canvas.save()
