"""Read the QR codes of a scanned return: which issued copy each page is.

A form printed, filled in by hand and scanned comes back as pictures of its
pages. Each page's footer QR code says ``SF1:<document id>:<page>/<pages>``;
PDFium renders each page and zxing-cpp finds the code, even slightly rotated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import zxingcpp

__all__ = ["PageCode", "read_page_codes"]

_PAYLOAD = re.compile(r"^SF1:([0-9A-Z-]{19}):(\d+)/(\d+)$")
DPI = 200


@dataclass(frozen=True)
class PageCode:
    page: int  # index in the scanned file
    document_id: str
    number: int  # the page of the issued copy it shows
    pages: int


def read_page_codes(data: bytes, max_pages: int = 50) -> list[PageCode | None]:
    """Per scanned page, the supforms QR code it carries (None where none is found)."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return []
    found: list[PageCode | None] = []
    try:
        for index in range(min(len(document), max_pages)):
            image = document[index].render(scale=DPI / 72, grayscale=True).to_pil()
            code = None
            for barcode in zxingcpp.read_barcodes(image):
                match = _PAYLOAD.match(barcode.text)
                if match:
                    code = PageCode(index, match[1], int(match[2]), int(match[3]))
                    break
            found.append(code)
    finally:
        document.close()
    return found
