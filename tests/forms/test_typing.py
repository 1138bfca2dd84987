"""A person types a name into a blank form in Chrome; what the saved PDF then holds.

Chrome fills forms through PDFium's form-fill API: a click on the widget
(``FORM_OnLButtonDown/Up``), one ``FORM_OnChar`` per UTF-16 code unit typed,
and on leaving the field (``FORM_ForceToKillFocus``) PDFium stores ``/V`` and
writes a fresh ``/AP /N`` appearance stream; saving is ``FPDF_SaveAsCopy``.
These tests drive exactly that sequence through pypdfium2's raw bindings, then
check the saved bytes with tools that are not PDFium: pikepdf for the
appearance's operators and fonts, pypdf for ``/V``, poppler for text and ink.

Known PDFium behaviour (``CPDF_BAFontMap`` in ``core/fpdfdoc/cpdf_bafontmap.cpp``):
an *embedded* ``/DA`` font is tagged with the ANSI charset, and a typed
character goes to it only if ``CFX_Font::GetCharSetFromUnicode`` also calls
that character ANSI, which it does only below U+0100. Everything else — Ł ś ş ı
(U+0100–024F, "Eastern European"), Greek, Cyrillic, even ’ and — (U+2000–206F,
"Chinese Simplified") — would be written with a *non-embedded* system font that
PDFium adds to the appearance (``/_EE``, ``/_A1``, ``/_CC``, ``/_86``), encoded
in that charset's Windows code page, and a character that code page lacks (ı is
not in cp1250) would be dropped. PDFium's one exception is a default font whose
resource name is Wingdings or Webdings: it is offered every character. So the
forms name their field font's resource ``/Wingdings`` (``forms.writing.appearance``),
and these tests prove PDFium then draws every script with the embedded font.
"""

from __future__ import annotations

import io
import subprocess

import pikepdf
import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from supforms.forms.writing.appearance import FONT_RESOURCE

from tests.engines import pdfium_focused
from tests.forms.printed import appearance as widget_appearance
from tests.forms.printed import widget
from tests.forms.scripts import DRAWN, name_field

FIELD = "supervisee.name"  # the agreement's name field, where other tests type
FONT = f"/{FONT_RESOURCE}"  # the /DA font: the embedded DejaVu Sans subset in /DR
DPI = 100

NAMES = DRAWN  # Arabic and emoji are flagged at ingest instead: test_unprintable.py


def _cases() -> list:
    return [pytest.param(script, id=script) for script in NAMES]


# --- PDFium, driven as Chrome drives it -------------------------------------------------------


def type_into(data: bytes, field: str, text: str) -> bytes:
    """``data`` saved after clicking into ``field`` on page 1, typing ``text`` and tabbing away."""
    x0, y0, x1, y1 = field_rect(data, field)
    x, y = (x0 + x1) / 2, (y0 + y1) / 2
    pdf = pdfium.PdfDocument(data)
    try:
        pdf.init_forms()  # before any page is loaded, as pypdfium2 requires
        form = pdf.formenv.raw
        page = pdf[0]  # get_page() calls FORM_OnAfterLoadPage
        pdfium_c.FORM_OnMouseMove(form, page.raw, 0, x, y)
        pdfium_c.FORM_OnLButtonDown(form, page.raw, 0, x, y)
        pdfium_c.FORM_OnLButtonUp(form, page.raw, 0, x, y)
        assert pdfium_focused(form) == field, "the click did not focus the field"
        units = text.encode("utf-16-le")
        for i in range(0, len(units), 2):
            code_unit = int.from_bytes(units[i : i + 2], "little")
            assert pdfium_c.FORM_OnChar(form, page.raw, code_unit, 0), f"{code_unit:04X} refused"
        assert pdfium_c.FORM_ForceToKillFocus(form)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def typed(blank_pdfs) -> dict[tuple[str, str], bytes]:
    """Each name typed into the name field of its own blank copy of each form, once."""
    copies = {}
    for form_id, blank in blank_pdfs.items():
        spec = name_field(form_id)
        for script, name in NAMES.items():
            if spec is not None:
                copies[form_id, script] = type_into(blank, spec.path, name)
    return copies


@pytest.fixture
def case(form_id, script, typed) -> tuple[str, str, bytes]:
    """The name field of ``form_id``, the name typed into it, and the saved copy."""
    spec = name_field(form_id)
    if spec is None:
        pytest.skip(f"{form_id} has no name field")
    name = NAMES[script]
    assert spec.max_length is None or len(name) <= spec.max_length, "the name is too long"
    return spec.path, name, typed[form_id, script]


# --- reading the saved PDF without PDFium -----------------------------------------------------


def field_rect(data: bytes, field: str) -> tuple[float, float, float, float]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        x0, y0, x1, y1 = (float(v) for v in widget(pdf, field).Rect)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def appearance(data: bytes, field: str) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """The widget's ``/AP /N``: each shown string with its font, and each font described."""
    return widget_appearance(data, field, FONT)


def _poppler(command: list[str], data: bytes, tmp_path) -> bytes:
    """What a poppler ``command`` writes to stdout for ``data``, passed as ``{}``."""
    source = tmp_path / "in.pdf"
    source.write_bytes(data)
    argv = [str(source) if arg == "{}" else arg for arg in command]
    return subprocess.run(argv, capture_output=True, check=True, cwd=tmp_path).stdout


def embedded_glyphs(data: bytes, text: str) -> list[int]:
    """The glyph id the font embedded in /DR as ``FONT`` has for each character of ``text``.

    Read from the embedded font program's own ``cmap`` with fontTools (0: .notdef, it
    has no glyph for that character).
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        font = pdf.Root.AcroForm.DR.Font[FONT].DescendantFonts[0]
        assert str(font.get("/CIDToGIDMap")) == "/Identity", "a CID is not its glyph id"
        program = TTFont(io.BytesIO(font.FontDescriptor.FontFile2.read_bytes()))
    cmap, order = program.getBestCmap(), program.getGlyphOrder()
    return [order.index(cmap[ord(ch)]) if ord(ch) in cmap else 0 for ch in text]


def _box(data: bytes, field: str, dpi: int) -> tuple[int, int, int, int]:
    """The field's box on page 1 in pixels at ``dpi``: left, top, width, height."""
    x0, y0, x1, y1 = field_rect(data, field)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        height = float(pdf.pages[0].MediaBox[3])
    s = dpi / 72
    return int(x0 * s), int((height - y1) * s), int((x1 - x0) * s) + 1, int((y1 - y0) * s) + 1


def _crop_args(data: bytes, field: str, dpi: int) -> list[str]:
    """Arguments cropping poppler's output to the field's box on page 1 (pixels, top left)."""
    box = _box(data, field, dpi)
    crop = [
        arg for flag, value in zip("xyWH", box, strict=True) for arg in (f"-{flag}", f"{value}")
    ]
    return ["-f", "1", "-l", "1", "-r", str(dpi), *crop]


def flattened_text(data: bytes, field: str, tmp_path) -> str:
    """The text poppler extracts from the field's box once its appearance is part of the page."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.flatten_annotations("all")
        out = io.BytesIO()
        pdf.save(out)
    command = ["pdftotext", "-enc", "UTF-8", *_crop_args(data, field, 72), "{}", "-"]
    text = _poppler(command, out.getvalue(), tmp_path)
    return text.decode("utf-8").strip()


def _dark(image: Image.Image) -> int:
    """Dark pixels of ``image``, a field's box, clear of its printed border."""
    inner = image.convert("L").crop((3, 3, image.width - 3, image.height - 3))
    return sum(inner.point(lambda v: 255 if v < 128 else 0).histogram()[255:])


def ink_in_field(data: bytes, field: str, tmp_path) -> int:
    """Dark pixels poppler paints inside the field's box."""
    command = ["pdftoppm", "-gray", "-png", *_crop_args(data, field, DPI), "{}"]
    return _dark(Image.open(io.BytesIO(_poppler(command, data, tmp_path))))


def pdfium_ink_in_field(data: bytes, field: str) -> int:
    """Dark pixels PDFium paints inside the field's box, form widgets drawn as a viewer does."""
    left, top, width, height = _box(data, field, DPI)
    pdf = pdfium.PdfDocument(data)
    try:
        pdf.init_forms()
        page = pdf[0]
        image = page.render(scale=DPI / 72, may_draw_forms=True).to_pil()
    finally:
        pdf.close()
    return _dark(image.crop((left, top, left + width, top + height)))


# --- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("script", _cases())
def test_typed_value_is_stored(case):
    """What was typed is the field's value, character for character, whatever the script."""
    field, name, data = case
    fields = pypdf.PdfReader(io.BytesIO(data)).get_fields()
    assert fields[field].get("/V") == name


@pytest.mark.parametrize("script", _cases())
def test_pdfium_writes_a_new_appearance(case, form_id, blank_pdfs):
    """Leaving the field replaces our empty appearance with PDFium's own, showing text."""
    field, _, data = case
    runs, _ = appearance(blank_pdfs[form_id], field)
    assert runs == [], "the blank form's field should show nothing"
    runs, fonts = appearance(data, field)
    assert runs, "PDFium wrote no text into the appearance"
    assert all(font in fonts for font, _ in runs), f"a Tf names a font not in /Resources: {fonts}"


@pytest.mark.parametrize("script", _cases())
def test_typed_text_uses_the_embedded_font(case):
    """Every glyph is drawn with the field's /DA font, the one embedded in /DR, none as .notdef.

    Any other font in the appearance is one PDFium found on the filler's machine and
    did not embed, so the next viewer substitutes again or shows nothing. Each
    character's code is the glyph the embedded font itself has for it, never glyph 0.
    """
    field, name, data = case
    runs, fonts = appearance(data, field)
    used = {font: fonts.get(font, "missing") for font, _ in runs}
    assert set(used) == {FONT}, f"PDFium drew {name!r} with {used}: {runs}"
    assert f"(= /DR {FONT})" in fonts[FONT], f"{FONT} is not the form's own font: {fonts[FONT]}"
    cids = [int.from_bytes(run[i : i + 2]) for _, run in runs for i in range(0, len(run), 2)]
    assert 0 not in cids, "a character was encoded as .notdef"
    glyphs = embedded_glyphs(data, name)
    lacking = [ch for ch, glyph in zip(name, glyphs, strict=True) if not glyph]
    assert not lacking, f"the embedded font has no glyph for {lacking}"
    assert cids == glyphs, "a character was drawn with another glyph than its own"


@pytest.mark.usefixtures("poppler")
@pytest.mark.parametrize("script", _cases())
def test_flattened_appearance_reads_back_as_typed(case, tmp_path):
    """Printed (flattened), the field's box holds the typed text: every glyph made it."""
    field, name, data = case
    assert flattened_text(data, field, tmp_path) == name


@pytest.mark.visual
@pytest.mark.usefixtures("poppler")
@pytest.mark.parametrize("script", _cases())
def test_typed_text_is_visible(case, form_id, blank_pdfs, tmp_path):
    """Rendered by poppler and by PDFium, the box shows ink that the blank form's box does not."""
    field, name, data = case
    assert ink_in_field(blank_pdfs[form_id], field, tmp_path) == 0
    assert pdfium_ink_in_field(blank_pdfs[form_id], field) == 0
    letters = len(name.replace(" ", ""))
    assert ink_in_field(data, field, tmp_path) > 15 * letters
    assert pdfium_ink_in_field(data, field) > 15 * letters
