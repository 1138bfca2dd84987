"""pdftk's ``fill_form … flatten``: why typed characters become boxes, and what shows them.

pdftk-java redraws every filled field with the field's font; its iText encodes
text one byte per character, which a Type0 (Identity-H) font reads as glyph 0
(.notdef, a box). The font's resource name is not the cause: renamed from
``/Wingdings``, the same zeros are written. Swapping the fields' font for a
one-byte font would lose what PDFium needs to type Ł, ş, Greek and Cyrillic
(``tests/forms/test_typing.py``), so supforms keeps its font, and pdftk users pass
``replacement_font`` with DejaVu Sans, which pdftk embeds in full.
"""

from __future__ import annotations

import io
import subprocess

import pikepdf
import pytest

from forms.fonts import font_path
from tests import engines

VALUES: dict[str, str | bool] = {
    "supervisee.name": "Zoë Ó Briain",
    "supervisor.name": "Łukasz Wiśniewski Ахмед",
}


def _text(data: bytes, tmp_path) -> str:
    source = tmp_path / "flat.pdf"
    source.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True, text=True
    ).stdout


def _drawn_bytes(data: bytes) -> list[bytes]:
    """The strings shown by the form XObjects pdftk flattened into the first page."""
    shown = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for _, xobject in pdf.pages[0].obj.Resources.get("/XObject", {}).items():
            for operands, operator in pikepdf.parse_content_stream(xobject):
                if str(operator) == "Tj":
                    shown.append(bytes(operands[0]))
    return shown


@pytest.mark.usefixtures("poppler")
def test_pdftk_flattening_draws_boxes_with_a_type0_font(blank_pdfs, tmp_path):
    flat = engines.fill_pdftk(blank_pdfs["contract"], VALUES, tmp_path, flatten=True)
    assert "Zoë Ó Briain" not in _text(flat, tmp_path)
    assert _drawn_bytes(flat)
    assert all(set(shown) == {0} for shown in _drawn_bytes(flat)), "one zero byte per character"
    renamed = blank_pdfs["contract"].replace(b"/Wingdings", b"/DejaVuSF")
    flat = engines.fill_pdftk(renamed, VALUES, tmp_path, flatten=True)
    assert all(set(shown) == {0} for shown in _drawn_bytes(flat)), "not the resource name"


@pytest.mark.usefixtures("poppler")
def test_pdftk_flattening_with_a_replacement_font_shows_the_values(blank_pdfs, tmp_path):
    flat = engines.fill_pdftk(
        blank_pdfs["contract"], VALUES, tmp_path, flatten=True, replacement_font=font_path()
    )
    text = _text(flat, tmp_path)
    for value in VALUES.values():
        assert value in text
