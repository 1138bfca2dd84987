"""What people type shows at one size, 9 pt, in every kind of text field and engine.

With auto size (``0 Tf``) PDFium drew a typed date at about 16 pt beside a 10 pt
name, and iOS and Preview show auto-sized fields blank; a fixed size in ``/DA``
is drawn as given by PDFium (Chrome) and MuPDF alike.
"""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
from supforms.forms.writing.appearance import VALUE_SIZE

from tests import engines
from tests.conftest import ISSUED_AT

TYPED: dict[str, str | bool] = {
    "held_on": "21/11/2026",  # a date
    "team": "East",  # a short text
    "participants.0.name": "Zoë Ó Briain",  # a table cell that wraps
    "participants.0.role": "Facilitator",  # a dropdown
    "genogram": "Mother (Ayşe, 34)\nFather (Łukasz, 36)",  # multiline
}


def _sizes(data: bytes) -> dict[str, set[float]]:
    sizes = {}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                if "/V" in annot and "/AP" in annot:
                    found = re.findall(rb"([\d.]+) Tf", annot.AP.N.read_bytes())
                    sizes[str(annot.T)] = {float(size) for size in found}
    return sizes


def test_every_text_field_asks_for_one_fixed_size(blank_pdfs):
    with pikepdf.open(io.BytesIO(blank_pdfs["group-record"])) as pdf:
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                if annot.get("/FT") in (pikepdf.Name.Tx, pikepdf.Name.Ch):
                    assert str(annot.DA) == f"/Wingdings {VALUE_SIZE:g} Tf 0 g"


@pytest.mark.parametrize("engine", ["pdfium", "mupdf"])
@pytest.mark.slow
def test_typed_values_come_out_at_one_size(engine):
    from supforms.forms.writing.compiled import compiled_form
    from supforms.pipeline.delivery.generate import issue_copy

    blank = issue_copy(compiled_form("group-record"), None, issued_at=ISSUED_AT)[1]
    fill = engines.fill_pdfium if engine == "pdfium" else engines.fill_mupdf
    sizes = _sizes(fill(blank, TYPED))
    assert {name.split(".")[-1] for name in TYPED} <= set(sizes)
    assert all(found == {VALUE_SIZE} for found in sizes.values()), sizes
