"""Blank form → filled by a real engine → ingested: the data is what the person typed.

Each form is filled through PDFium (as Chrome fills forms), MuPDF and pdftk
(``tests.engines``), then read back with ``supforms.pipeline.intake.ingest.ingest_bytes``. The
expected data is never hand-written: the same values are validated by the
form's schema, so a date typed ``21/11/2026`` is expected as ``2026-11-21``.
Then the returns people really send: signed digitally with pyHanko (once, twice,
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
from supforms.forms.spec import field_specs
from supforms.forms.values import nest
from supforms.forms.writing.compiled import compiled_form
from supforms.forms.writing.identity import Identity
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.intake.ingest import ingest_bytes
from supforms.schemas.registry import latest

from tests import engines

Values = dict[str, str | bool]

VALUES: dict[str, Values] = {
    "contract": {
        "supervisee.name": "Zoë Ó Briain",
        "supervisee.department": "Children’s Services, Łódź liaison",
        "supervisee.directorate": "Adults & Health <North>",
        "supervisor.name": "Ayşe Yılmaz",
        "signatures.date": "03/04/2026",
    },
    "agreement": {
        "supervisee.name": "Łukasz Wiśniewski",
        "supervisee.job_title": "Social Worker",
        "supervisor.name": "Ахмед Иванов",
        "supervisor.job_title": "Team Manager",
        "agreed_on": "03/04/2026",
        "regularity.sessions_per_year": "10",
        "regularity.weeks_between_sessions": "5",
        "signatures.supervisee.date": "04/04/2026",
        "signatures.supervisor.date": "05/04/2026",
    },
    "group-record": {
        "held_on": "21/11/2026",
        "case_reference": "CF-0042",
        "team": "East",
        "participants.0.name": "Zoë Ó Briain",
        "participants.0.role": "Facilitator",
        "participants.0.team": "East",
        "participants.1.name": "Ахмед Иванов",
        "participants.1.role": "Practitioner bringing the case",
        "participants.2.name": "Ayşe Yılmaz",
        "participants.2.role": "Observer/participant",
        "genogram": "Mother (Ayşe Yılmaz, 34)\nFather (Łukasz Wiśniewski, 36)\nMaya (7), Jon (3)",
        "description": "Maya has missed twelve days of school this term.\nJon is well.",
        "workers_goal": "Decide whether a conference is needed.",
        "scales.safety": "4",
        "scales.plan_confidence": "7",
        "review.enough_for_now": "Yes",
        "actions.0.action": "Visit with grandmother",
        "actions.0.by_whom": "Łukasz Wiśniewski",
        "actions.0.by_when": "28/11/2026",
        "signatures.facilitator.date": "21/11/2026",
    },
    "session-record": {
        "supervisee.name": "Łukasz Wiśniewski",
        "supervisee.job_title": "Social Worker",
        "supervisor.name": "Ахмед Иванов",
        "supervisor.job_title": "Team Manager",
        "held_on": "08/05/2026",
        "duration_minutes": "95",
        "formal": "No",
        "cases_on_file": True,
        "case_references": "CF-0042, CF-0107",
        "discussed.case_work": "Agreed the threshold for the Hughes referral.\nReflected.",
        "discussed.care": "Annual leave in June booked.",
        "actions.0.what": "Complete the Hughes single assessment",
        "actions.0.who": "Łukasz Wiśniewski",
        "actions.0.by_when": "22/05/2026",
        "carried.0.what": "Book the practice educator course",
        "carried.0.by_when": "30/04/2026",
        "carried.0.agreed_on": "03/04/2026",
        "carried.0.outcome": "Carried on",
        "next_session": "05/06/2026",
        "signatures.supervisee.date": "11/05/2026",
        "signatures.supervisor.date": "08/05/2026",
    },
}
FORMS = tuple(VALUES)

Filler = Callable[[bytes, Values, Path], bytes]
ENGINES: dict[str, Filler] = {
    "pdfium": lambda pdf, values, _tmp: engines.fill_pdfium(pdf, values),
    "mupdf": lambda pdf, values, _tmp: engines.fill_mupdf(pdf, values),
    "pdftk": engines.fill_pdftk,
}

# What each engine stores for a line break typed in a multi-line field.
LINE_BREAK = {"pdfium": "\r\n", "mupdf": "\n", "pdftk": "\n"}

SUPERVISEE, SUPERVISOR = "signatures.supervisee.signature", "signatures.supervisor.signature"


def expected_data(form_id: str, values: Values) -> dict[str, Any]:
    """What ingest must return for ``values``: the schema's own reading of them."""
    return dict(latest(form_id).model_validate(nest(dict(values))).model_dump(mode="json"))


def signature_fields(form_id: str) -> set[str]:
    return {s.path for s in field_specs(latest(form_id)) if s.kind == "signature"}


@pytest.fixture(scope="module")
def blanks() -> dict[str, tuple[Identity, bytes]]:
    """One blank copy of each form (its own document id), for the whole module."""
    out = {}
    for form_id in FORMS:
        identity, pdf, _ = issue_copy(compiled_form(form_id), None)
        out[form_id] = (identity, pdf)
    return out


@pytest.fixture(scope="module")
def filled(blanks, tmp_path_factory) -> Callable[[str, str], bytes]:
    """``filled(engine, form_id)``: the blank form filled with VALUES, made once per module."""
    cache: dict[tuple[str, str], bytes] = {}

    def fill(engine: str, form_id: str) -> bytes:
        if (engine, form_id) not in cache:
            tmp = tmp_path_factory.mktemp(f"{engine}-{form_id}")
            cache[engine, form_id] = ENGINES[engine](blanks[form_id][1], VALUES[form_id], tmp)
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


@pytest.mark.parametrize("form_id", FORMS)
@pytest.mark.parametrize("engine", ENGINES)
def test_engine_fill_roundtrip(engine, form_id, filled, blanks):
    """Every value typed in the engine comes back as the schema reads it, nothing else wrong."""
    result = ingest(filled(engine, form_id), f"{form_id}-{engine}.pdf")
    assert (result["form"], result["version"]) == (form_id, latest(form_id)().schema_version)
    assert result["document_id"] == blanks[form_id][0].document_id
    assert result["identified_by"] == "metadata"
    assert result["recovered_from"] is None
    assert result["data"] == expected_data(form_id, VALUES[form_id])
    # Only the signatures are missing: no value was refused or lost.
    assert problems(result) == {(path, "unsigned") for path in signature_fields(form_id)}
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
    values = VALUES["group-record"]
    with pikepdf.open(io.BytesIO(filled(engine, "group-record"))) as pdf:
        assert "/NeedAppearances" not in pdf.Root.AcroForm
        (name,) = _terminal(pdf, "participants.1.name")
        assert str(name.V) == values["participants.1.name"]
        assert b"Tj" in name.AP.N.read_bytes(), "no appearance written"
        (date,) = _terminal(pdf, "held_on")
        assert str(date.V) == "21/11/2026", "the date is stored as typed"
        (genogram,) = _terminal(pdf, "genogram")
        assert str(genogram.V) == values["genogram"].replace("\n", LINE_BREAK[engine])
        answers = _terminal(pdf, "review.enough_for_now")
        assert str(answers[0].Parent.V) == "/Yes", "Yes / No is a radio group: /V is the answer"
        assert [str(k.AS) for k in answers] == ["/Yes", "/Off"]
        kids = _terminal(pdf, "scales.safety")
        assert str(kids[0].Parent.V) == "/4", "the radio group's /V is the option"
        assert {str(k.AS) for k in kids} == {"/4", "/Off"}
        assert [str(k.AS) for k in kids].count("/4") == 1
        (role,) = _terminal(pdf, "participants.1.role")
        assert str(role.V) == "Practitioner bringing the case"


# --- signed digitally --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signed_once(filled) -> bytes:
    """The agreement filled in PDFium (Chrome), then signed by the supervisee with pyHanko."""
    return engines.sign(filled("pdfium", "agreement"), SUPERVISEE)


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
        **expected_data("agreement", VALUES["agreement"]),
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


@pytest.mark.parametrize("form_id", FORMS)
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
    assert result["data"] == expected_data(form_id, VALUES[form_id])
    assert problems(result) == {("(file)", "recovered_from_text")} | {
        (path, "unsigned") for path in signature_fields(form_id)
    }


def test_printed_tick_drawn_as_a_glyph_is_read(filled, tmp_path):
    """MuPDF (and Acrobat) draw a tick as a ZapfDingbats character; printed, it is still ticked."""
    printed = engines.print_to_pdf(filled("mupdf", "group-record"), tmp_path)
    result = ingest(printed, "scan.pdf")
    assert result["recovered_from"] == "flattened-text"
    assert result["data"]["scales"]["safety"] == 4
    assert result["data"]["review"]["enough_for_now"] is True


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
