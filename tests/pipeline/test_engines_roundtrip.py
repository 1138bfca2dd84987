"""Blank form → filled by a real engine → ingested: the data is what the person typed.

Each registered form is filled with its declared sample through PDFium (as
Chrome fills forms), MuPDF and pdftk (``tests.engines``), then read back with
``supforms.pipeline.intake.ingest.ingest_bytes``. The expected data is never
hand-written: the values typed are the sample's as the form shows them, and what
comes back must be the sample, so a date typed ``21/11/2026`` is expected as
``2026-11-21``. Then the returns people really send: signed digitally with pyHanko (once, twice,
and edited after signing), and "printed to PDF" with Ghostscript, which leaves
no fields, only page text and ink.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from supforms.forms.spec import field_specs, spec_by_path
from supforms.forms.values import display_values, nest
from supforms.forms.writing.compiled import compiled_form
from supforms.forms.writing.identity import Identity
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.intake.ingest import ingest_bytes
from supforms.schemas.registry import form_ids, latest

from tests import engines
from tests.conftest import sample_record

Values = dict[str, str | bool]


def typed(form_id: str) -> Values:
    """What a person types into each field for the form's declared sample (``21/11/2026``)."""
    return display_values(sample_record(form_id))


Filler = Callable[[bytes, Values, Path], bytes]
ENGINES: dict[str, Filler] = {
    "pdfium": lambda pdf, values, _tmp: engines.fill_pdfium(pdf, values),
    "mupdf": lambda pdf, values, _tmp: engines.fill_mupdf(pdf, values),
    "pdftk": engines.fill_pdftk,
}

# What each engine stores for a line break typed in a multi-line field.
LINE_BREAK = {"pdfium": "\r\n", "mupdf": "\n", "pdftk": "\n"}

SUPERVISEE, SUPERVISOR = "signatures.supervisee.signature", "signatures.supervisor.signature"


def expected_data(form_id: str) -> dict[str, Any]:
    """What ingest must return for the typed sample: the sample itself."""
    return dict(sample_record(form_id).model_dump(mode="json"))


def left_empty(form_id: str) -> set[tuple[str, str]]:
    """The problems of the typed sample, unsigned: each signature, each required value it lacks."""
    shown = typed(form_id)
    found = set()
    for spec in field_specs(latest(form_id)):
        if spec.kind == "signature":
            found.add((spec.path, "unsigned"))
        elif spec.required and spec.path not in shown:
            found.add((spec.path, "missing"))
    return found


def completed(form_id: str) -> Values:
    """The typed sample with each required date it leaves empty given the form's own date."""
    model = latest(form_id)
    values = typed(form_id)
    dated = model.declaration.dated
    for path, code in left_empty(form_id):
        if code == "missing":
            spec = spec_by_path(model)[path]
            assert spec.kind == "date", f"{form_id}: what to type in {path}?"
            assert dated in values, f"{form_id}: its sample has no date to type in {path}"
            values[path] = values[dated]
    return values


def read_by_schema(form_id: str, values: Values) -> dict[str, Any]:
    """What ingest must return for ``values``: the schema's own reading of them."""
    return dict(latest(form_id).model_validate(nest(dict(values))).model_dump(mode="json"))


@pytest.fixture(scope="module")
def blanks() -> dict[str, tuple[Identity, bytes]]:
    """One blank copy of each form (its own document id), for the whole module."""
    out = {}
    for form_id in form_ids():
        identity, pdf, _ = issue_copy(compiled_form(form_id), None)
        out[form_id] = (identity, pdf)
    return out


@pytest.fixture(scope="module")
def filled(blanks, tmp_path_factory) -> Callable[[str, str], bytes]:
    """``filled(engine, form_id)``: the blank form filled with its sample, made once per module."""
    cache: dict[tuple[str, str], bytes] = {}

    def fill(engine: str, form_id: str) -> bytes:
        if (engine, form_id) not in cache:
            tmp = tmp_path_factory.mktemp(f"{engine}-{form_id}")
            cache[engine, form_id] = ENGINES[engine](blanks[form_id][1], typed(form_id), tmp)
        return cache[engine, form_id]

    return fill


def ingest(pdf: bytes, name: str = "return.pdf") -> dict[str, Any]:
    return ingest_bytes(pdf, name).as_json()


def verdict(result: dict[str, Any], field: str) -> dict[str, Any]:
    (found,) = [s for s in result["signatures"] if s["field"] == field]
    return found


def problems(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p["field"], p["code"]) for p in result["problems"]}


# --- filled by each engine ---------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_fill_roundtrip(engine, form_id, filled, blanks):
    """Every value typed in the engine comes back as the schema reads it, nothing else wrong."""
    result = ingest(filled(engine, form_id), f"{form_id}-{engine}.pdf")
    assert (result["form"], result["version"]) == (form_id, latest(form_id)().schema_version)
    assert result["document_id"] == blanks[form_id][0].document_id
    assert result["identified_by"] == "metadata"
    assert result["recovered_from"] is None
    assert result["data"] == expected_data(form_id)
    # Only the signatures are missing: no value was refused or lost.
    assert problems(result) == left_empty(form_id)
    assert result["status"] == "incomplete"


def _terminal(pdf: pikepdf.Pdf, name: str) -> list[pikepdf.Dictionary]:
    """Widgets of the field ``name`` (for a radio group: its kids)."""
    return [
        annot
        for page in pdf.pages
        for annot in page.obj.get("/Annots", [])
        if engines.full_name(annot) == name
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_what_each_engine_writes(engine, filled):
    """The raw values each engine leaves in the file: what ingest's normaliser must handle."""
    values = typed("group-record")
    with pikepdf.open(io.BytesIO(filled(engine, "group-record"))) as pdf:
        assert "/NeedAppearances" not in pdf.Root.AcroForm
        (name,) = _terminal(pdf, "participants.1.name")
        assert str(name.V) == values["participants.1.name"]
        assert b"Tj" in name.AP.N.read_bytes(), "no appearance written"
        (date,) = _terminal(pdf, "held_on")
        assert str(date.V) == values["held_on"], "the date is stored as typed"
        (genogram,) = _terminal(pdf, "genogram")
        assert str(genogram.V) == values["genogram"].replace("\n", LINE_BREAK[engine])
        answers = _terminal(pdf, "review.enough_for_now")
        assert str(answers[0].Parent.V) == "/Yes", "Yes / No is a radio group: /V is the answer"
        assert [str(k.AS) for k in answers] == ["/Yes", "/Off"]
        kids = _terminal(pdf, "scales.safety")
        chosen = f"/{values['scales.safety']}"
        assert str(kids[0].Parent.V) == chosen, "the radio group's /V is the option"
        assert {str(k.AS) for k in kids} == {chosen, "/Off"}
        assert [str(k.AS) for k in kids].count(chosen) == 1
        (role,) = _terminal(pdf, "participants.1.role")
        assert str(role.V) == values["participants.1.role"]


# --- signed digitally --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signed_once(blanks) -> bytes:
    """The agreement filled in PDFium (Chrome), every value, then signed by the supervisee."""
    return engines.sign(
        engines.fill_pdfium(blanks["agreement"][1], completed("agreement")), SUPERVISEE
    )


def test_signature_check_does_not_depend_on_the_os_trust_list(signed_once):
    """Under the project's warnings policy a sound signature must still verify as intact."""
    result = ingest(signed_once)
    assert verdict(result, SUPERVISEE)["intact"] is True, result["problems"]


def test_digital_signature_is_verified(signed_once):
    result = ingest(signed_once)
    signed = verdict(result, SUPERVISEE)
    assert signed["kind"] == "digital"
    assert signed["intact"] is True
    assert signed["modified_after_signing"] is False
    assert signed["changes"] == []
    assert engines.SIGNER_NAME in (signed["signer"] or "")
    assert signed["signed_at"]
    assert result["data"]["signatures"]["supervisee"]["signature"]["kind"] == "digital"
    assert verdict(result, SUPERVISOR)["kind"] == "none"
    assert problems(result) == {(SUPERVISOR, "unsigned")}
    assert result["status"] == "incomplete"


def test_signed_by_both_is_complete(signed_once):
    """Supervisee signs, then supervisor signs (a second incremental update): complete."""
    result = ingest(engines.sign(signed_once, SUPERVISOR))
    first, second = verdict(result, SUPERVISEE), verdict(result, SUPERVISOR)
    assert (second["kind"], second["intact"], second["modified_after_signing"]) == (
        "digital",
        True,
        False,
    )
    assert (first["kind"], first["intact"]) == ("digital", True)
    assert first["modified_after_signing"] is False, (
        f"a later signature counted as a change to {first['changes']}"
    )
    assert result["problems"] == []
    assert result["status"] == "complete"
    assert result["data"] == {
        **read_by_schema("agreement", completed("agreement")),
        "signatures": result["data"]["signatures"],
    }


def test_changed_after_signing_is_invalid(signed_once):
    """A value changed in an update after the signature: intact bytes, but invalid."""
    result = ingest(engines.tamper(signed_once, "supervisee.job_title", "Senior Social Worker"))
    signed = verdict(result, SUPERVISEE)
    assert signed["intact"] is True, "the signed bytes were not touched"
    assert signed["modified_after_signing"] is True
    assert result["status"] == "invalid"
    codes = {p["code"]: p for p in result["problems"] if p["field"] == SUPERVISEE}
    assert "changed_after_signing" in codes
    assert "supervisee.job_title" in codes["changed_after_signing"]["message"]
    assert signed["changes"] == ["supervisee.job_title"], "only that field was changed"


# --- printed to PDF ----------------------------------------------------------------------------


def test_printed_to_pdf_is_recovered_from_the_page(form_id, filled, blanks, tmp_path):
    """Filled in Chrome, then printed to PDF: no fields, no metadata, values read off the page."""
    printed = engines.print_to_pdf(filled("pdfium", form_id), tmp_path)
    with pikepdf.open(io.BytesIO(printed)) as pdf:
        assert "/AcroForm" not in pdf.Root
        assert "/Info" not in pdf.trailer
    result = ingest(printed, "scan.pdf")
    assert result["recovered_from"] == "flattened-text"
    assert result["identified_by"] == "footer"
    assert result["form"] == form_id
    assert result["document_id"] == blanks[form_id][0].document_id
    # Text, dates, the combo box's choice, the tick and the scale's dot all read back.
    assert result["data"] == expected_data(form_id)
    assert problems(result) == {("(file)", "recovered_from_text")} | left_empty(form_id)


def test_printed_tick_drawn_as_a_glyph_is_read(filled, tmp_path):
    """MuPDF (and Acrobat) draw a tick as a ZapfDingbats character; printed, it is still ticked."""
    printed = engines.print_to_pdf(filled("mupdf", "group-record"), tmp_path)
    result = ingest(printed, "scan.pdf")
    assert result["recovered_from"] == "flattened-text"
    sample = expected_data("group-record")
    assert result["data"]["scales"]["safety"] == sample["scales"]["safety"]
    assert result["data"]["review"]["enough_for_now"] is sample["review"]["enough_for_now"] is True


def test_forged_signature_is_invalid(signed_once):
    """One signed byte changed (in the header comment, so the file still parses)."""
    comment = signed_once.index(b"\n%", 5) + 2  # the binary comment after %PDF-x.y
    assert comment < 20
    flipped = bytearray(signed_once)
    flipped[comment] ^= 0x01
    result = ingest(bytes(flipped))
    signed = verdict(result, SUPERVISEE)
    assert signed["kind"] == "digital"
    assert signed["intact"] is False
    assert result["status"] == "invalid"
    assert (SUPERVISEE, "signature_invalid") in problems(result)
