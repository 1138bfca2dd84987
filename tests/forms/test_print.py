"""Every page prints: nothing within 10 mm of the paper's edge, and no signature stands alone.

Each form is rendered blank, prefilled with its longest values (which adds a
continuation page) and as a print pack, in poppler and in PDFium; a band 10 mm
wide along every edge of every page must be free of ink. A page holding signature
boxes must hold something else too: other fields, or the clauses being signed.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.delivery.printing import print_pack

from tests.conftest import ISSUED_AT
from tests.forms.longest import longest_record

DPI = 50
SAFE_MM = 10.0


def _poppler(data: bytes, tmp_path: Path) -> list[Image.Image]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "in.pdf"
    source.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", "-png", str(source), str(tmp_path / "p")], check=True
    )
    return [Image.open(p).convert("L") for p in sorted(tmp_path.glob("p-*.png"))]


def _pdfium(data: bytes) -> list[Image.Image]:
    document = pdfium.PdfDocument(data)
    document.init_forms()
    try:
        return [
            page.render(scale=DPI / 72, may_draw_forms=True).to_pil().convert("L")
            for page in document
        ]
    finally:
        document.close()


def _inked_edges(image: Image.Image) -> list[str]:
    """The edges of a page with ink nearer than 10 mm (one pixel is given to antialiasing)."""
    band = int(SAFE_MM / 25.4 * DPI) - 1
    width, height = image.size
    bands = {
        "top": (0, 0, width, band),
        "bottom": (0, height - band, width, height),
        "left": (0, 0, band, height),
        "right": (width - band, 0, width, height),
    }
    return [edge for edge, box in bands.items() if image.crop(box).getextrema()[0] < 200]


def _documents(form_id: str) -> dict[str, bytes]:
    form = compiled_form(form_id)
    blank = issue_copy(form, None, issued_at=ISSUED_AT)[1]
    longest = issue_copy(form, longest_record(form_id, "words"), issued_at=ISSUED_AT)[1]
    pack = print_pack(form_id, None, 2)[0]
    return {"blank": blank, "prefilled": longest, "print pack": pack}


@pytest.mark.usefixtures("poppler")
@pytest.mark.slow
def test_nothing_is_printed_within_10_mm_of_the_edge(form_id, tmp_path):
    for kind, data in _documents(form_id).items():
        renders = {"poppler": _poppler(data, tmp_path / kind), "pdfium": _pdfium(data)}
        for engine, pages in renders.items():
            assert pages
            for number, image in enumerate(pages, start=1):
                edges = _inked_edges(image)
                assert not edges, f"{kind}, {engine}, page {number}: ink near the {edges} edge"


def test_the_margin_check_sees_ink_at_the_edge():
    """The check above can fail: a mark 5 mm from the bottom is found."""
    image = Image.new("L", (round(8.27 * DPI), round(11.69 * DPI)), 255)
    image.putpixel((100, image.height - round(5 / 25.4 * DPI)), 0)
    assert _inked_edges(image) == ["bottom"]


def _signing_only(data: bytes) -> list[int]:
    """Pages whose only fields are signature blocks and that print nothing else but labels."""
    stranded = []
    document = pdfium.PdfDocument(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for index, page in enumerate(pdf.pages):
            names = []
            for annot in page.obj.get("/Annots", []):
                parts = []
                node = annot
                while node is not None:
                    if "/T" in node:
                        parts.insert(0, str(node.T))
                    node = node.get("/Parent")
                names.append(".".join(parts))
            if not names or not all(name.startswith("signatures.") for name in names):
                continue
            text = document[index].get_textpage().get_text_bounded()
            body = [
                line
                for line in text.splitlines()
                if line.strip()
                and not re.search(
                    r"signature:|^Date:|dd/mm/yyyy|Page \d+ of|Document |form \S+ ·", line, re.I
                )
            ]
            if sum(len(line) for line in body) < 80:
                stranded.append(index + 1)
    document.close()
    return stranded


def test_no_page_holds_only_signatures(form_id):
    form = compiled_form(form_id)
    for data in (
        issue_copy(form, None, issued_at=ISSUED_AT)[1],
        issue_copy(form, longest_record(form_id, "W"), issued_at=ISSUED_AT)[1],
    ):
        assert _signing_only(data) == [], f"{form_id}: signatures alone on a page"


def test_the_contract_fits_on_one_page_like_its_seed():
    assert compiled_form("contract").pages == 1
