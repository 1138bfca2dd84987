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
from PIL import Image
from supforms.forms.writing.appearance import FONT_RESOURCE

from tests.engines import pdfium_focused
from tests.forms.printed import appearance as widget_appearance
from tests.forms.printed import widget

FIELD = "supervisee.name"
FONT = f"/{FONT_RESOURCE}"  # the /DA font: the embedded DejaVu Sans subset in /DR
DPI = 100


LATIN1 = "Zoë Ó Briain"
CYRILLIC = "Ахмед Иванов"
GREEK = "Ελένη Παπαδοπούλου"
POLISH = "Łukasz Wiśniewski"
TURKISH = "Ayşe Yılmaz"
NAMES = (LATIN1, CYRILLIC, GREEK, POLISH, TURKISH)
IDS = {LATIN1: "latin1", CYRILLIC: "cyrillic", GREEK: "greek", POLISH: "polish", TURKISH: "turkish"}


def _cases(marks: dict[str, pytest.MarkDecorator]) -> list:
    return [pytest.param(name, id=IDS[name], marks=marks.get(name, ())) for name in NAMES]


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
def typed(blank_pdfs) -> dict[str, bytes]:
    """Each name typed into its own copy of the blank agreement, once for the module."""
    return {name: type_into(blank_pdfs["agreement"], FIELD, name) for name in NAMES}


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


def _crop_args(data: bytes, dpi: int) -> list[str]:
    """Arguments cropping poppler's output to the field's box on page 1 (pixels, top left)."""
    x0, y0, x1, y1 = field_rect(data, FIELD)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        height = float(pdf.pages[0].MediaBox[3])
    s = dpi / 72
    box = (int(x0 * s), int((height - y1) * s), int((x1 - x0) * s) + 1, int((y1 - y0) * s) + 1)
    crop = [
        arg for flag, value in zip("xyWH", box, strict=True) for arg in (f"-{flag}", f"{value}")
    ]
    return ["-f", "1", "-l", "1", "-r", str(dpi), *crop]


def flattened_text(data: bytes, tmp_path) -> str:
    """The text poppler extracts from the field's box once its appearance is part of the page."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.flatten_annotations("all")
        out = io.BytesIO()
        pdf.save(out)
    command = ["pdftotext", "-enc", "UTF-8", *_crop_args(data, 72), "{}", "-"]
    text = _poppler(command, out.getvalue(), tmp_path)
    return text.decode("utf-8").strip()


def ink_in_field(data: bytes, tmp_path) -> int:
    """Dark pixels poppler paints inside the field's box, clear of its printed border."""
    png = _poppler(["pdftoppm", "-gray", "-png", *_crop_args(data, DPI), "{}"], data, tmp_path)
    image = Image.open(io.BytesIO(png)).convert("L")
    inner = image.crop((3, 3, image.width - 3, image.height - 3))
    return sum(inner.point(lambda v: 255 if v < 128 else 0).histogram()[255:])


# --- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", _cases({}))
def test_typed_value_is_stored(name, typed):
    """What was typed is the field's value, character for character, whatever the script."""
    fields = pypdf.PdfReader(io.BytesIO(typed[name])).get_fields()
    assert fields[FIELD].get("/V") == name


@pytest.mark.parametrize("name", _cases({}))
def test_pdfium_writes_a_new_appearance(name, typed, blank_pdfs):
    """Leaving the field replaces our empty appearance with PDFium's own, showing text."""
    runs, _ = appearance(blank_pdfs["agreement"], FIELD)
    assert runs == [], "the blank form's field should show nothing"
    runs, fonts = appearance(typed[name], FIELD)
    assert runs, "PDFium wrote no text into the appearance"
    assert all(font in fonts for font, _ in runs), f"a Tf names a font not in /Resources: {fonts}"


@pytest.mark.parametrize("name", _cases({}))
def test_typed_text_uses_the_embedded_font(name, typed):
    """Every glyph is drawn with the field's /DA font, the one embedded in /DR, none as .notdef.

    Any other font in the appearance is one PDFium found on the filler's machine and
    did not embed, so the next viewer substitutes again or shows nothing.
    """
    runs, fonts = appearance(typed[name], FIELD)
    used = {font: fonts.get(font, "missing") for font, _ in runs}
    assert set(used) == {FONT}, f"PDFium drew {name!r} with {used}: {runs}"
    assert f"(= /DR {FONT})" in fonts[FONT], f"{FONT} is not the form's own font: {fonts[FONT]}"
    cids = [run[i : i + 2] for _, run in runs for i in range(0, len(run), 2)]
    assert b"\x00\x00" not in cids, "a character was encoded as .notdef"
    assert len(cids) == len(name)


@pytest.mark.usefixtures("poppler")
@pytest.mark.parametrize("name", _cases({}))
def test_flattened_appearance_reads_back_as_typed(name, typed, tmp_path):
    """Printed (flattened), the field's box holds the typed text: every glyph made it."""
    assert flattened_text(typed[name], tmp_path) == name


@pytest.mark.visual
@pytest.mark.usefixtures("poppler")
@pytest.mark.parametrize("name", _cases({}))
def test_typed_text_is_visible(name, typed, blank_pdfs, tmp_path):
    """Rendered by poppler, the field's box shows ink that the blank form's box does not."""
    assert ink_in_field(blank_pdfs["agreement"], tmp_path) == 0
    assert ink_in_field(typed[name], tmp_path) > 15 * len(name.replace(" ", ""))
