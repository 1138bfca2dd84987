"""Nothing a person can type is lost on paper.

A person fills a blank form in Chrome (PDFium's form-fill API, as
``tests.engines.fill_pdfium`` drives it), typing into every text box the longest
value its schema accepts, then prints to PDF (Ghostscript, as
``tests.engines.print_to_pdf``): every character of every value must be on the
printed page, inside its box. Each text field carries a ``/MaxLen`` equal to its
schema's limit, so the viewer refuses what the schema would; every box holds that
many characters at the size people type in.
"""

from __future__ import annotations

import io
import subprocess

import pikepdf
import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from supforms.forms.spec import field_specs
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.schemas.registry import latest

from tests.conftest import ISSUED_AT
from tests.engines import (
    fill_pdfium,
    need_tool,
    pdf_widgets,
    pdfium_focused,
    print_to_pdf,
)
from tests.forms.printed import squash, text_in, typed_values

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("pattern", ["words", "Ш"])
def test_the_longest_typed_values_print_whole(form_id, pattern, blank_pdfs, tmp_path):
    """Typed in PDFium, printed by Ghostscript: each value whole, inside its own box."""
    values = typed_values(form_id, pattern)
    filled = fill_pdfium(blank_pdfs[form_id], values)
    stored = {k: v.get("/V") for k, v in pypdf.PdfReader(io.BytesIO(filled)).get_fields().items()}
    printed = print_to_pdf(filled, tmp_path)
    widgets = {w.name: w for w in pdf_widgets(blank_pdfs[form_id])}
    lost = []
    for path, value in values.items():
        assert str(stored[path]).replace("\r\n", "\n") == value, f"{path}: the viewer cut it"
        widget = widgets[path]
        shown = squash(text_in(printed, widget.page, widget.rect, tmp_path))
        if squash(value) not in shown:
            lost.append(
                f"{path} ({len(value)} chars): printed {len(shown)} of {len(squash(value))}"
            )
    assert not lost, "typed but not printed whole:\n" + "\n".join(lost)


def test_the_viewer_refuses_what_the_schema_would(blank_pdfs):
    """Typing past the limit in PDFium stops at the limit: the saved value is what fits."""
    form_id = "group-record"
    spec = next(s for s in field_specs(latest(form_id)) if s.path == "description")
    assert spec.max_length
    text = ("Шура told Ελένη about the visit. " * 200)[: spec.max_length + 40]
    widget = next(w for w in pdf_widgets(blank_pdfs[form_id]) if w.name == spec.path)
    pdf = pdfium.PdfDocument(blank_pdfs[form_id])
    try:
        pdf.init_forms()
        form = pdf.formenv.raw
        page = pdf[widget.page]
        x, y = widget.centre
        pdfium_c.FORM_OnMouseMove(form, page.raw, 0, x, y)
        pdfium_c.FORM_OnLButtonDown(form, page.raw, 0, x, y)
        pdfium_c.FORM_OnLButtonUp(form, page.raw, 0, x, y)
        assert pdfium_focused(form) == spec.path
        accepted = [pdfium_c.FORM_OnChar(form, page.raw, ord(ch), 0) for ch in text]
        pdfium_c.FORM_ForceToKillFocus(form)
        out = io.BytesIO()
        page.close()
        pdf.save(out)
    finally:
        pdf.close()
    value = pypdf.PdfReader(io.BytesIO(out.getvalue())).get_fields()[spec.path]["/V"]
    assert value == text[: spec.max_length]
    assert sum(map(bool, accepted)) >= spec.max_length


def test_an_edited_long_answer_prints_only_its_new_text(tmp_path):
    """A prefilled answer at its limit, replaced in PDFium: no printed page keeps the old one."""
    form_id = "group-record"
    limit = next(s for s in field_specs(latest(form_id)) if s.path == "description").max_length
    assert limit
    old = ("Maya missed twelve days of school; Ахмед says the car broke down. " * 40)[:limit]
    record = latest(form_id).model_validate({"description": old.strip()})
    _, prefilled, _ = issue_copy(compiled_form(form_id), record, issued_at=ISSUED_AT)
    new = "Since the move to Ελένη's flat, Maya has been at school every day."
    printed = print_to_pdf(fill_pdfium(prefilled, {"description": new}), tmp_path)
    source = tmp_path / "edited.pdf"
    source.write_bytes(printed)
    done = subprocess.run(
        [need_tool("pdftotext"), "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True
    )
    text = squash(done.stdout.decode("utf-8"))
    assert squash(new) in text
    assert "twelvedays" not in text
    assert "carbroke" not in text
    with pikepdf.open(io.BytesIO(printed)) as pdf:
        assert len(pdf.pages) == compiled_form(form_id).pages
