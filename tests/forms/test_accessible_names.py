"""Every field of every form has a name a screen reader speaks, in Firefox's viewer too.

pdf.js (Firefox's PDF viewer, 5.6) gives a text field or a list no name of its own
from the field's tooltip (``/TU``): it reads the field's Form structure element's
``/Alt``. Each form is opened in pdf.js's own viewer in headless Chromium, focus
walks every Tab stop from the top, and Chromium's accessibility tree is asked what
each stop is called: the field's tooltip, its label and (for a date) its format.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from supforms.forms.reading.fields import read_fields
from supforms.forms.spec import DATE_HINT, field_specs
from supforms.schemas.registry import form_ids, latest

from tests.engines import PDFJS, pdfium_text, pdfjs_tools

pytestmark = pytest.mark.slow  # a browser per form


def _tab_stops(pdf: bytes, tmp: Path) -> list[dict[str, Any]]:
    node, chromium = pdfjs_tools()
    path = tmp / "form.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        [node, str(PDFJS / "radio_groups.mjs"), str(path), chromium],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout)["tabs"])


@pytest.mark.parametrize("form", form_ids())
def test_every_tab_stop_in_pdfjs_has_its_fields_name(form, blank_pdfs, tmp_path):
    specs = {spec.path: spec for spec in field_specs(latest(form))}
    stops = [stop for stop in _tab_stops(blank_pdfs[form], tmp_path) if stop["name"]]
    reached = {stop["name"] for stop in stops}
    fillable = {path for path, spec in specs.items() if spec.kind != "signature"}
    assert fillable <= reached | {p for p in fillable if specs[p].kind in ("yesno", "scale")}
    # pdf.js 5.6 names a text field's <input> itself, but puts the /Alt of a list, a
    # check box or a radio button on the box around it (a region): a screen reader
    # hears the box's name, then the control. Either way, every stop has a name.
    named = {stop["name"]: stop["accessibleName"] or stop["label"] or "" for stop in stops}
    assert [name for name, said in named.items() if not said.strip()] == []
    for stop in stops:
        if stop["tag"] in ("input", "textarea") and stop["type"] not in ("radio", "checkbox"):
            assert stop["accessibleName"], stop  # on the control itself
        spec = specs.get(stop["name"])
        if spec is None or stop["type"] == "radio":
            continue  # a radio button is named with its group and value (test_radio_groups)
        assert named[stop["name"]] == spec.tooltip, stop
        if spec.kind == "date":
            assert named[stop["name"]].endswith(f"{spec.title}, {DATE_HINT}"), stop


def test_dates_are_told_apart_by_name(blank_pdfs):
    """The agreement's date and both signature dates: three names, each with its format."""
    fields = read_fields(blank_pdfs["agreement"])
    dates = [field.tooltip for field in fields if field.tooltip.endswith(f", {DATE_HINT}")]
    assert len(dates) >= 3
    assert len(set(dates)) == len(dates)


def test_what_pdfium_gives_chromes_pdf_viewer_for_each_field(form_id, blank_pdfs):
    """Each widget's name and alternate name as PDFium reports them.

    Chromium's PDF viewer builds its accessibility tree from PDFium, and it names a
    form field with ``FPDFAnnot_GetFormFieldName`` (``PDFiumPage::PopulateFormField
    Properties`` in Chromium's ``pdf/pdfium/pdfium_page.cc``): the field's qualified
    name, so Chrome announces "supervisee.name". The CDP accessibility tree of
    headless Chromium 156 stops at the viewer's embedded object, so this reads PDFium
    directly. ``FPDFAnnot_GetFormFieldAlternateName`` gives the tooltip, the name the
    other viewers speak.
    """
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw_c

    specs = {spec.path: spec for spec in field_specs(latest(form_id))}
    seen = set()
    document = pdfium.PdfDocument(blank_pdfs[form_id])
    try:
        document.init_forms()
        form = document.formenv.raw
        for page in document:
            for index in range(raw_c.FPDFPage_GetAnnotCount(page.raw)):
                annot = raw_c.FPDFPage_GetAnnot(page.raw, index)
                try:
                    if raw_c.FPDFAnnot_GetSubtype(annot) != raw_c.FPDF_ANNOT_WIDGET:
                        continue
                    name = pdfium_text(raw_c.FPDFAnnot_GetFormFieldName, form, annot)
                    alternate = pdfium_text(raw_c.FPDFAnnot_GetFormFieldAlternateName, form, annot)
                finally:
                    raw_c.FPDFPage_CloseAnnot(annot)
                assert alternate == specs[name].tooltip, name
                seen.add(name)
            page.close()
    finally:
        document.close()
    assert seen == set(specs)
