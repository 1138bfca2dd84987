"""A person types into a blank form in Firefox's viewer (pdf.js), saves it, prints it.

``tests/pdfjs/fill_and_save.mjs`` opens the form in pdf.js's own viewer in headless
Chromium, clicks each text box of pdf.js's form layer and types on the keyboard (key by
key for the first 80 characters, the rest of a long answer as one text insertion, as an
input method or a paste puts it), Tabs away, and saves with ``saveDocument()``, which is
Firefox's "Save". pdf.js then writes ``/V`` and a fresh ``/AP /N`` for each changed field
(``TextWidgetAnnotation._getAppearance`` in ``pdf.worker.mjs``): the ``/DA`` font at its
``/DA`` size (8.5 pt), lines wrapped at the box's width less 2 pt each side, and the box's
height shared out evenly between ``round(height / (8.5 × 1.35))`` lines
(``_computeFontSize``). Text pdf.js cannot encode in the ``/DA`` font gets no appearance
at all when saving (``needAppearances``), so the embedded subset must hold every letter.

Every text box is typed into past its schema's limit: the browser stops at the
``maxlength`` pdf.js gives the box from ``/MaxLen``, so what is saved is the longest
value the schema accepts. Name boxes get names in six scripts.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image
from supforms.forms.reading.fields import read_fields
from supforms.forms.spec import field_specs
from supforms.forms.writing.appearance import FONT_RESOURCE, VALUE_SIZE
from supforms.schemas.registry import form_ids, latest

from tests.engines import PDFJS, need_tool, pdf_widgets, pdfjs_tools, print_to_pdf
from tests.forms.printed import appearance, squash, text_in, typed_values, widget

pytestmark = pytest.mark.slow

FONT = f"/{FONT_RESOURCE}"
NAMES = (
    "Zoë Ó Briain",
    "Łukasz Wiśniewski",
    "Ayşe Yılmaz",
    "Ахмед Иванов",
    "Ελένη Παπαδοπούλου",
    "Ђорђе Јовановић",
)
OVER = " and then some more words past the limit"
"""Typed after a value at its limit: the viewer must refuse all of it."""


def _is_name(path: str) -> bool:
    return path == "name" or path.endswith(".name")


def fill_pdfjs(pdf: bytes, typed: dict[str, str], work: Path) -> tuple[bytes, dict[str, Any]]:
    """``pdf`` as pdf.js saves it after ``typed`` is typed into its boxes, and what it reported."""
    node, chromium = pdfjs_tools()
    blank, values, saved = work / "blank.pdf", work / "values.json", work / "saved.pdf"
    blank.write_bytes(pdf)
    values.write_text(json.dumps(typed, ensure_ascii=False), encoding="utf-8")
    script = str(PDFJS / "fill_and_save.mjs")
    command = [node, script, str(blank), str(values), str(saved), chromium]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return saved.read_bytes(), json.loads(done.stdout)


class Filled:
    """One form typed into in pdf.js and saved: what was meant, typed, saved and printed."""

    def __init__(self, form_id: str, blank: bytes, work: Path) -> None:
        limits = {s.path: s.max_length for s in field_specs(latest(form_id))}
        self.expected = typed_values(form_id, "words")  # every text box at its limit
        names = [path for path in self.expected if _is_name(path)]
        for index, path in enumerate(names):
            self.expected[path] = NAMES[index % len(NAMES)]
        self.limited = {
            path for path, value in self.expected.items() if limits.get(path) == len(value)
        }
        self.typed = {
            path: value + OVER if path in self.limited else value
            for path, value in self.expected.items()
        }
        self.blank = blank
        self.saved, self.report = fill_pdfjs(blank, self.typed, work)
        self.printed = print_to_pdf(self.saved, work)
        self.limits = limits


@pytest.fixture(scope="module")
def filled(blank_pdfs, tmp_path_factory) -> dict[str, Filled]:
    """Every form filled in pdf.js once for the module."""
    return {
        form_id: Filled(form_id, blank_pdfs[form_id], tmp_path_factory.mktemp(form_id))
        for form_id in form_ids()
    }


def test_every_form_has_names_and_limited_boxes(filled):
    """The fills below mean something: names in every script, and boxes typed past a limit."""
    names = {v for f in filled.values() for v in f.expected.values() if v in NAMES}
    assert names == set(NAMES)
    for form_id, form in filled.items():
        assert form.limited, f"{form_id}: no text box with a limit"


def test_the_saved_values_read_back_exactly(form_id, filled):
    """Our own reader (read_fields) finds in what pdf.js saved each value as it was meant."""
    form = filled[form_id]
    saved = {field.name: field.value for field in read_fields(form.saved)}
    wrong = {
        path: (value[:40], str(saved.get(path))[:40])
        for path, value in form.expected.items()
        if saved.get(path) != value
    }
    assert not wrong, f"{len(wrong)} of {len(form.expected)} values saved otherwise: {wrong}"


def test_pdfjs_refuses_typing_past_the_limit(form_id, filled):
    """pdf.js gives each box the schema's limit as maxlength; the browser stops typing there."""
    form = filled[form_id]
    for path in form.limited:
        seen = form.report["fields"][path]
        assert seen["maxLength"] == form.limits[path], path
        assert seen["typed"] == form.limits[path] + len(OVER), path
        assert seen["kept"] == form.limits[path], f"{path}: the box kept {seen['kept']}"


def test_pdfjs_wrote_every_appearance_in_the_embedded_font(form_id, filled):
    """Each value is drawn with the form's own embedded font, every character a real glyph.

    pdf.js sets ``/NeedAppearances`` instead of writing an appearance when the ``/DA`` font
    cannot encode the text; then each viewer would draw the value its own way.
    """
    form = filled[form_id]
    with pikepdf.open(io.BytesIO(form.saved)) as pdf:
        assert not pdf.Root.AcroForm.get("/NeedAppearances", False)
    for path, value in form.expected.items():
        runs, fonts = appearance(form.saved, path, FONT)
        used = {font: fonts.get(font, "missing") for font, _ in runs}
        assert set(used) == {FONT}, f"{path}: pdf.js drew it with {used}"
        assert f"(= /DR {FONT})" in fonts[FONT], f"{path}: {fonts[FONT]}"
        cids = [run[i : i + 2] for _, run in runs for i in range(0, len(run), 2)]
        assert b"\x00\x00" not in cids, f"{path}: a character became .notdef"
        assert len(cids) == len(value.rstrip()), f"{path}: {len(cids)} glyphs"


def _ink(pdf: bytes, page: int, rect: tuple[float, ...], work: Path) -> int:
    """Dark pixels poppler paints inside ``rect`` on ``page``, clear of its printed border."""
    source = work / "ink.pdf"
    source.write_bytes(pdf)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        height = float(doc.pages[page].MediaBox[3])
    scale = 100 / 72
    x0, y0, x1, y1 = rect
    box = (x0 * scale, (height - y1) * scale, (x1 - x0) * scale, (y1 - y0) * scale)
    crop = [a for flag, v in zip("xyWH", box, strict=True) for a in (f"-{flag}", str(int(v)))]
    command = [need_tool("pdftoppm"), "-gray", "-png", "-r", "100", "-f", str(page + 1)]
    command += ["-l", str(page + 1), *crop, str(source)]
    png = subprocess.run(command, capture_output=True, check=True).stdout
    image = Image.open(io.BytesIO(png)).convert("L")
    inner = image.crop((3, 3, image.width - 3, image.height - 3))
    return sum(inner.point(lambda v: 255 if v < 128 else 0).histogram()[255:])


def test_every_character_prints_inside_its_box(form_id, filled, tmp_path, request):
    """Printed by Ghostscript, each box holds its whole value, in ink.

    pdf.js 5.6 wraps a line too late by up to one letter: in ``_splitLine``, after breaking at
    a space it sets ``i = lastSpacePos + 1`` and the loop's ``i++`` then skips that glyph,
    so the first letter of every line after a break at a space is never counted in the
    line's width. A full line can then run up to one letter (~8 pt for Ш at 8.5 pt) past
    the 2 pt right padding, and the appearance's ``/BBox`` (the box) clips it: in the
    group record, the last letter of such a line in ``genogram`` and
    ``review.most_helpful`` is cut at the box's edge. Nothing in the form's fields can
    prevent it short of a box wider than its text needs; strict, so a fixed pdf.js is
    noticed.
    """
    if form_id == "group-record":
        request.applymarker(
            pytest.mark.xfail(strict=True, reason="pdf.js _splitLine skips a glyph's width")
        )
    form = filled[form_id]
    widgets = {w.name: w for w in pdf_widgets(form.blank)}
    lost = []
    for path, value in form.expected.items():
        widget = widgets[path]
        shown = squash(text_in(form.printed, widget.page, widget.rect, tmp_path))
        if squash(value) not in shown:
            lost.append(
                f"{path} ({len(value)} chars): printed {len(shown)} of {len(squash(value))}"
            )
        elif _is_name(path):
            ink = _ink(form.printed, widget.page, widget.rect, tmp_path)
            assert ink > 15 * len(squash(value)), f"{path}: {ink} dark pixels"
    assert not lost, "typed in pdf.js but not printed whole:\n" + "\n".join(lost)


def _glyph_widths(font: pikepdf.Object) -> dict[int, float]:
    """Each CID's advance in thousandths of an em, from a Type0 font's ``/W``."""
    widths: dict[int, float] = {}
    table, i = font.DescendantFonts[0].W, 0
    while i < len(table):
        first, then = int(table[i]), table[i + 1]
        if isinstance(then, pikepdf.Array):
            widths.update({first + k: float(w) for k, w in enumerate(then)})
            i += 2
        else:
            widths.update({cid: float(table[i + 2]) for cid in range(first, int(then) + 1)})
            i += 3
    return widths


def test_pdfjs_overruns_a_line_by_no_more_than_its_first_letter(form_id, filled):
    """Each line pdf.js wrote fits its box once its first letter is left out: the cause above.

    A line's width is its glyphs' advances from the embedded font's ``/W`` at the 8.5 pt
    of ``/DA``; pdf.js wraps at the box's width less 2 pt of padding each side.
    """
    form = filled[form_id]
    with pikepdf.open(io.BytesIO(form.saved)) as pdf:
        widths = _glyph_widths(pdf.Root.AcroForm.DR.Font[FONT])
    for path in form.expected:
        runs, _ = appearance(form.saved, path, FONT)
        with pikepdf.open(io.BytesIO(form.saved)) as pdf:
            room = float(widget(pdf, path).AP.N.BBox[2]) - 4
        for _, run in runs:
            advances = [
                widths[int.from_bytes(run[i : i + 2], "big")] * VALUE_SIZE / 1000
                for i in range(0, len(run), 2)
            ]
            assert sum(advances[1:]) <= room + 0.01, f"{path}: a line of {sum(advances):.2f} pt"
