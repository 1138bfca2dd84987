"""Every schema field is exactly one PDF field, of the right type, named by its dotted path.

The PDF is read with pypdf, a library supforms does not use to write it.
"""

from __future__ import annotations

import io

import pypdf
import pytest
from pypdf.generic import NameObject
from supforms.forms.spec import field_specs
from supforms.schemas.registry import latest

FT = {
    "text": "/Tx",
    "multiline": "/Tx",
    "date": "/Tx",
    "integer": "/Tx",
    "choice": "/Ch",
    "checkbox": "/Btn",
    "yesno": "/Btn",
    "scale": "/Btn",
    "signature": "/Sig",
}


def _reader(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def _terminal_fields(reader: pypdf.PdfReader) -> dict[str, dict]:
    fields = reader.get_fields() or {}
    return {
        name: f
        for name, f in fields.items()
        if "/Kids" not in f or (f.get("/FT") == "/Btn" and f.get("/Ff", 0) & (1 << 15))
    }


def _walk_names(node, prefix=""):
    """Every field's partial name, straight from the /Fields tree."""
    for ref in node:
        field = ref.get_object()
        name = field.get("/T")
        yield name
        if "/Kids" in field:
            yield from _walk_names(field["/Kids"], prefix)


def test_every_schema_field_is_one_pdf_field_of_its_type(form_id, blank_pdfs):
    reader = _reader(blank_pdfs[form_id])
    fields = _terminal_fields(reader)
    specs = field_specs(latest(form_id))
    assert sorted(fields) == sorted(spec.path for spec in specs)
    for spec in specs:
        field = fields[spec.path]
        assert field.get("/FT") == FT[spec.kind], spec.path
        flags = int(field.get("/Ff", 0))
        if spec.kind != "text":  # a text box sized for more than one line wraps too
            assert bool(flags & (1 << 12)) == (spec.kind == "multiline"), spec.path
        assert bool(flags & (1 << 15)) == (spec.kind in ("scale", "yesno")), spec.path
        assert bool(flags & (1 << 17)) == (spec.kind == "choice"), spec.path


def test_partial_names_have_no_period(form_id, blank_pdfs):
    reader = _reader(blank_pdfs[form_id])
    names = [str(n) for n in _walk_names(reader.trailer["/Root"]["/AcroForm"]["/Fields"]) if n]
    assert names
    assert not [n for n in names if "." in n]


def _widgets(reader: pypdf.PdfReader):
    for page_index, page in enumerate(reader.pages):
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if annot.get("/Subtype") == "/Widget":
                yield page_index, annot


def _qualified(annot) -> str:
    parts = []
    node = annot
    while node is not None:
        if "/T" in node:
            parts.append(str(node["/T"]))
        node = node.get("/Parent").get_object() if "/Parent" in node else None
    return ".".join(reversed(parts))


def test_widgets_have_tooltips_and_tab_order_follows_reading_order(form_id, blank_pdfs):
    reader = _reader(blank_pdfs[form_id])
    order = []
    for _, annot in _widgets(reader):
        name = _qualified(annot)
        holder = annot if "/TU" in annot else annot["/Parent"].get_object()
        assert str(holder.get("/TU", "")).strip(), f"{name} has no tooltip"
        if not order or order[-1] != name:
            order.append(name)
    assert order == [spec.path for spec in field_specs(latest(form_id))]


def test_a_viewer_stops_typing_where_the_schema_would(form_id, blank_pdfs):
    """Each text box's ``/MaxLen`` is its schema's limit; nothing else caps what is typed."""
    limits = {
        spec.path: spec.max_length
        for spec in field_specs(latest(form_id))
        if spec.kind in ("text", "multiline")
    }
    reader = _reader(blank_pdfs[form_id])
    for _, annot in _widgets(reader):
        name = _qualified(annot)
        assert annot.get("/MaxLen") == limits.get(name), name
        assert not int(annot.get("/Ff", 0)) & (1 << 23), f"{name} has DoNotScroll"


def test_signature_fields_are_unsigned_sig_fields(form_id, blank_pdfs):
    reader = _reader(blank_pdfs[form_id])
    sigs = [a for _, a in _widgets(reader) if a.get("/FT") == "/Sig"]
    expected = [s for s in field_specs(latest(form_id)) if s.kind == "signature"]
    assert len(sigs) == len(expected) >= 1
    for annot in sigs:
        assert "/V" not in annot
        assert annot["/F"] & 4  # printable
    assert "/SigFlags" not in reader.trailer["/Root"]["/AcroForm"]


def test_choices_dates_and_scales(form_id, blank_pdfs):
    reader = _reader(blank_pdfs[form_id])
    fields = _terminal_fields(reader)
    for spec in field_specs(latest(form_id)):
        field = fields[spec.path]
        if spec.kind == "choice":
            assert [str(o) for o in field["/Opt"]] == list(spec.options)
        if spec.kind == "date":
            actions = field["/AA"]
            assert 'AFDate_FormatEx("dd/mm/yyyy")' in actions["/F"].get_object()["/JS"]
            assert "AFDate_KeystrokeEx" in actions["/K"].get_object()["/JS"]
        if spec.kind in ("scale", "yesno"):
            states = field["/_States_"]
            assert sorted(s for s in states if s != "/Off") == sorted(f"/{o}" for o in spec.options)


def test_field_font_is_embedded_unicode(blank_pdfs, form_id):
    reader = _reader(blank_pdfs[form_id])
    acroform = reader.trailer["/Root"]["/AcroForm"]
    da = str(acroform["/DA"])
    resource = da.split()[0]
    font = acroform["/DR"]["/Font"][resource].get_object()
    assert font["/Subtype"] == "/Type0"
    assert font["/Encoding"] == "/Identity-H"
    descendant = font["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"]
    assert "/ToUnicode" in font
    for _, annot in _widgets(reader):
        if annot.get("/FT") in ("/Tx", "/Ch"):
            assert str(annot["/DA"]).split()[0] == resource
    assert NameObject("/NeedAppearances") not in acroform


@pytest.mark.parametrize("kind", ["blank", "filled"])
def test_pdfs_stay_small_enough_to_email(form_id, blank_pdfs, filled_pdfs, kind):
    data = (blank_pdfs if kind == "blank" else filled_pdfs)[form_id]
    assert len(data) < 300 * 1024


def test_each_radio_button_is_named_with_its_value(blank_pdfs):
    """A screen reader meets "Safety scale: 7" on each button, not the group's question."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(blank_pdfs["group-record"])) as pdf:
        names = {}
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                parent = annot.get("/Parent")
                if parent is not None and "/Kids" in parent and "/T" not in annot:
                    option = next(str(k)[1:] for k in annot.AP.N if k != "/Off")
                    names[(str(parent.T), option)] = str(annot.Contents)
    assert names[("safety", "7")] == "Safety scale: 7"
    assert names[("plan_confidence", "0")] == "Confidence scale: 0"
    assert names[("enough_for_now", "No")] == "Is this enough for now? No"
    assert len(names) == 11 + 11 + 2
