"""Read a return that lost its fields: a form printed to PDF, values flattened into the page.

The form's declaration knows where every field sits, so text inside a field's
box is that field's value; for ticks, dots and drawn signatures, which are
lines rather than text, the box is rendered and its ink measured. PDFium
(pypdfium2) does both; it runs no JavaScript and opens no links.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable

import pikepdf
import pypdfium2 as pdfium
from supforms.forms.writing.layout import Widget
from supforms.schemas.errors import ExtractionError

__all__ = ["CONTENT_LIMIT", "contents_fit", "page_text", "recover_values"]

CONTENT_LIMIT = 32 << 20  # bytes of page content one page may inflate to before PDFium reads it

SCALE = 1.5  # render at 108 dpi: enough to tell a tick from an empty box
INK_SHARE = 0.06  # of a box's inside that must be dark to count as marked


def contents_fit(pdf: pikepdf.Pdf, pages: Iterable[int], limit: int = CONTENT_LIMIT) -> bool:
    """Whether the pages' content streams inflate to no more than ``limit`` bytes.

    PDFium inflates a page's content in full to read or draw it: a few hundred
    kilobytes of zeros can become gigabytes (a decompression bomb). This looks
    first, inflating no further than the limit.
    """
    left = limit
    for index in pages:
        if index >= len(pdf.pages):
            continue
        contents = pdf.pages[index].obj.get("/Contents")
        streams = contents if isinstance(contents, pikepdf.Array) else [contents]
        for stream in streams:
            if not isinstance(stream, pikepdf.Stream):
                continue
            try:
                raw = stream.read_raw_bytes()
                if stream.get("/Filter") == pikepdf.Name.FlateDecode:
                    inflater = zlib.decompressobj()
                    left -= len(inflater.decompress(raw, left + 1))
                else:
                    left -= len(raw)
            except (pikepdf.PdfError, zlib.error):
                return False
            if left < 0:
                return False
    return True


def page_text(data: bytes, pages: Iterable[int] | None = None) -> str:
    """The text of the document's pages (all, or those given), for footer matching."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return ""  # qpdf may repair what PDFium will not open: then there is no text to read
    try:
        wanted = range(len(document)) if pages is None else [p for p in pages if p < len(document)]
        return "\n".join(document[index].get_textpage().get_text_range() for index in wanted)
    finally:
        document.close()


def _inside(
    rect: tuple[float, float, float, float], inset: float
) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = rect
    return x0 + inset, y0 + inset, x1 - inset, y1 - inset


def _ink(image: object, rect: tuple[float, float, float, float], height: float) -> float:
    x0, y0, x1, y1 = rect
    box = (
        round(x0 * SCALE),
        round((height - y1) * SCALE),
        round(x1 * SCALE),
        round((height - y0) * SCALE),
    )
    region = image.crop(box)  # type: ignore[attr-defined]
    dark = region.point(lambda v: 255 if v < 128 else 0).histogram()[255]
    return float(dark) / max(1, int(region.width) * int(region.height))


def recover_values(data: bytes, widgets: tuple[Widget, ...]) -> dict[str, str | None]:
    """Each field's value as printed on the page: text, ``Yes`` for a tick, a scale's option.

    Signature boxes give ``"typed:<text>"`` or ``"drawn"`` when marked.
    """
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"its pages cannot be read ({exc})") from exc
    values: dict[str, str | None] = {}
    try:
        by_page: dict[int, list[Widget]] = defaultdict(list)
        for widget in widgets:
            by_page[widget.page].append(widget)
        for page_index, page_widgets in by_page.items():
            if page_index >= len(document):
                continue
            page = document[page_index]
            height = page.get_height()
            text = page.get_textpage()
            image = None
            scores: dict[str, float] = {}
            for widget in page_widgets:
                found = text.get_text_bounded(*_inside(widget.rect, 1.0)).strip()
                if widget.kind not in ("checkbox", "scale", "yesno", "signature"):
                    values[widget.path] = found or None
                    continue
                if widget.kind == "signature" and found:
                    values[widget.path] = f"typed:{found}"
                    continue
                # A tick or dot is a path, or a glyph (✓, ●) as Acrobat and MuPDF draw them.
                if image is None:
                    image = page.render(scale=SCALE, grayscale=True).to_pil()
                ink = 1.0 if found else _ink(image, _inside(widget.rect, 2.5), height)
                marked = ink > INK_SHARE
                if widget.kind == "checkbox":
                    values[widget.path] = "Yes" if marked else None
                elif widget.kind == "signature":
                    values[widget.path] = "drawn" if marked else None
                elif marked and ink > scores.get(widget.path, 0.0):
                    scores[widget.path] = ink
                    values[widget.path] = widget.option
                else:
                    values.setdefault(widget.path, None)
    finally:
        document.close()
    return values
