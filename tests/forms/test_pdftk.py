"""pdftk's ``fill_form … flatten``: why typed characters become boxes, and what shows them.

pdftk-java (3.3.2, Debian's) redraws every filled field with the font its ``/DA``
names, wrapped by its bundled iText 2 as a ``DocumentFont``
(``AcroFields.decodeGenericDictionary``). ``DocumentFont`` builds its
Unicode-to-code table only for a simple font (``/Type1`` or ``/TrueType``,
``doType1TT``: ``/Encoding`` and ``/Differences``, one byte per code). For a
``/Type0`` font it reads nothing — not ``/ToUnicode``, ``/W``, ``/CIDToGIDMap``
nor ``/CIDSystemInfo`` — unless its ``/BaseFont`` starts with one of eleven Adobe
CJK font names, and then it needs iText's CJK resources, which pdftk.jar does
not ship. So ``convertToBytes`` writes a zero byte per character, and Identity-H
reads each pair of zeros as CID 0: a box. What has been tried, and is pinned here:

* another resource name than ``/Wingdings``: the same zeros;
* a ``/FontDescriptor`` with the font file on the Type0 dictionary, which iText
  loads as an "extension font": never used, because ``FontSelector`` takes the
  first font whose ``charExists`` is true, and ``DocumentFont.charExists`` is
  true for every character (its ``convertToBytes`` always returns one byte);
* a CJK ``/BaseFont``: pdftk stops with "Font 'HeiseiMin-W3' with
  'UniJIS-UCS2-H' is not recognized";
* a one-byte (WinAnsi TrueType) field font: Latin-1 shows, and Ł, ś, Greek and
  Cyrillic silently vanish — worse than boxes — and PDFium, typing into it,
  writes them with system fonts it does not embed (``tests/forms/test_typing.py``
  explains why).

So supforms keeps its font, and pdftk users pass ``replacement_font`` with DejaVu
Sans, which pdftk embeds in full (or use ``supforms generate --flatten``).
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable

import pikepdf
import pytest
from supforms.forms.fonts import field_font, font_path
from supforms.forms.writing.appearance import FONT_RESOURCE

from tests import engines
from tests.forms.test_typing import FIELD, appearance, type_into

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


def _with_field_font(data: bytes, change: Callable[[pikepdf.Object], None]) -> bytes:
    """``data`` with its ``/DR`` field font changed in place by ``change(font)``."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        fonts = pdf.Root.AcroForm.DR.Font
        change(fonts[f"/{FONT_RESOURCE}"])
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def _flat(blank: bytes, tmp_path) -> bytes:
    return engines.fill_pdftk(blank, VALUES, tmp_path, flatten=True)


def _all_zeros(flat: bytes) -> bool:
    shown = _drawn_bytes(flat)
    return bool(shown) and all(set(text) == {0} for text in shown)


def _give_font_file(font: pikepdf.Object) -> None:
    font.FontDescriptor = font.DescendantFonts[0].FontDescriptor


def _name_as_cjk(font: pikepdf.Object) -> None:
    font.BaseFont = pikepdf.Name("/HeiseiMin-W3")


def _make_one_byte(font: pikepdf.Object) -> None:
    """Turn the field font into a WinAnsi TrueType font over the same font file."""
    subset = field_font()
    widths = [
        subset.widths[subset.gids.get(ord(bytes([code]).decode("cp1252", "replace")), 0)]
        for code in range(32, 256)
    ]
    descriptor = font.DescendantFonts[0].FontDescriptor
    for key in list(font.keys()):
        del font[key]
    font.update(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.TrueType,
            BaseFont=pikepdf.Name("/DejaVuSans"),
            Encoding=pikepdf.Name.WinAnsiEncoding,
            FirstChar=32,
            LastChar=255,
            Widths=pikepdf.Array(widths),
            FontDescriptor=descriptor,
        )
    )


@pytest.mark.usefixtures("poppler")
@pytest.mark.slow
def test_pdftk_flattening_draws_boxes_with_a_type0_font(blank_pdfs, tmp_path):
    flat = _flat(blank_pdfs["contract"], tmp_path)
    assert "Zoë Ó Briain" not in _text(flat, tmp_path)
    assert _all_zeros(flat), "one zero byte per character"
    renamed = blank_pdfs["contract"].replace(f"/{FONT_RESOURCE}".encode(), b"/DejaVuSF")
    assert _all_zeros(_flat(renamed, tmp_path)), "not the resource name"


def test_pdftk_never_uses_the_font_file_as_an_extension_font(blank_pdfs, tmp_path):
    with_file = _with_field_font(blank_pdfs["contract"], _give_font_file)
    assert _all_zeros(_flat(with_file, tmp_path))


def test_pdftk_has_no_cjk_fonts_to_mirror_a_type0_font(blank_pdfs, tmp_path):
    as_cjk = _with_field_font(blank_pdfs["contract"], _name_as_cjk)
    with pytest.raises(subprocess.CalledProcessError) as failed:
        _flat(as_cjk, tmp_path)
    assert b"'HeiseiMin-W3' with 'UniJIS-UCS2-H' is not recognized" in failed.value.stderr


@pytest.mark.usefixtures("poppler")
def test_a_one_byte_font_would_drop_what_it_cannot_encode(blank_pdfs, tmp_path):
    one_byte = _with_field_font(blank_pdfs["contract"], _make_one_byte)
    text = _text(_flat(one_byte, tmp_path), tmp_path)
    assert "Zoë Ó Briain" in text
    assert "ukasz Winiewski" in text, "Ł and ś vanish without a trace"
    assert "Ахмед" not in text


def test_with_a_one_byte_font_pdfium_would_type_in_fonts_it_does_not_embed(blank_pdfs):
    one_byte = _with_field_font(blank_pdfs["agreement"], _make_one_byte)
    runs, fonts = appearance(type_into(one_byte, FIELD, "Łukasz Иванов"), FIELD)
    assert {fonts[font].endswith("NOT embedded") for font, _ in runs} == {True, False}


@pytest.mark.usefixtures("poppler")
def test_pdftk_flattening_with_a_replacement_font_shows_the_values(blank_pdfs, tmp_path):
    flat = engines.fill_pdftk(
        blank_pdfs["contract"], VALUES, tmp_path, flatten=True, replacement_font=font_path()
    )
    text = _text(flat, tmp_path)
    for value in VALUES.values():
        assert value in text
