"""Every status and every problem code of ingest, on returns made at test time."""

from __future__ import annotations

import io
import json

import pikepdf
import pytest
from reportlab.pdfgen.canvas import Canvas
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.intake.ingest import ingest_bytes

from tests.conftest import ISSUED_AT, sample_record
from tests.engines import full_name


def edit(data: bytes, values: dict[str, str]) -> bytes:
    """Set fields' /V as a filler would (radio: the group's /V and the kid's /AS)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for annot in page.Annots:
                name = full_name(annot)
                if name not in values:
                    continue
                value = values[name]
                holder = annot if "/FT" in annot else annot.Parent
                if holder.get("/FT") == "/Btn":
                    states = [k for k, _ in annot.AP.N.items() if k != "/Off"]
                    on = pikepdf.Name(f"/{value}")
                    holder.V = on
                    annot.AS = on if states and states[0] == f"/{value}" else pikepdf.Name.Off
                else:
                    holder.V = pikepdf.String(value)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def draw_on(data: bytes, path: str) -> bytes:
    """An ink annotation over a signature box, as Preview or Acrobat Fill & Sign add."""
    form = compiled_form("agreement")
    widget = next(w for w in form.widgets if w.path == path)
    x0, y0, x1, y1 = widget.rect
    with pikepdf.open(io.BytesIO(data)) as pdf:
        ink = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Ink,
                T=pikepdf.String("Zoë"),
                Rect=[x0 + 5, y0 + 5, x1 - 60, y1 - 5],
                InkList=[[x0 + 8, y0 + 8, x0 + 40, y1 - 8, x0 + 90, y0 + 10]],
            )
        )
        pdf.pages[widget.page].Annots.append(ink)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


@pytest.fixture
def agreement():
    return issue_copy(compiled_form("agreement"), sample_record("agreement"), issued_at=ISSUED_AT)


def codes(result):
    return {(p["field"], p["code"]) for p in result["problems"]}


def test_complete_when_every_required_value_and_signature_is_there(agreement):
    identity, data, _ = agreement
    data = edit(
        data, {"signatures.supervisee.date": "4/4/26", "signatures.supervisor.date": "5 April 2026"}
    )
    data = draw_on(
        draw_on(data, "signatures.supervisee.signature"), "signatures.supervisor.signature"
    )
    result = ingest_bytes(data, "done.pdf").as_json()
    assert result["status"] == "complete", result["problems"]
    assert result["document_id"] == identity.document_id
    assert result["identified_by"] == "metadata"
    assert result["data"]["signatures"]["supervisor"]["date"] == "2026-04-05"
    assert result["data"]["signatures"]["supervisee"]["signature"]["kind"] == "drawn"
    assert [s["kind"] for s in result["signatures"]] == ["drawn", "drawn"]
    assert result["problems"] == []


def test_incomplete_names_what_is_missing(agreement):
    _, data, _ = agreement
    result = ingest_bytes(data, "half.pdf").as_json()
    assert result["status"] == "incomplete"
    assert codes(result) == {
        ("signatures.supervisee.signature", "unsigned"),
        ("signatures.supervisor.signature", "unsigned"),
        ("signatures.supervisor.date", "missing"),
    }
    assert result["data"]["supervisee"]["name"] == "Łukasz Wiśniewski"


@pytest.mark.parametrize(
    ("path", "typed", "code"),
    [
        ("agreed_on", "31/02/2026", "invalid_date"),
        ("agreed_on", "next Tuesday", "unreadable_date"),
        ("regularity.sessions_per_year", "often", "not_a_number"),
        ("regularity.sessions_per_year", "60", "out_of_range"),
        ("supervisee.name", "Z" * 101, "too_long"),
        ("supervisee.job_title", "Social\x07Worker", "invalid_value"),
    ],
)
def test_invalid_names_each_bad_value(agreement, path, typed, code):
    _, data, _ = agreement
    result = ingest_bytes(edit(data, {path: typed}), "bad.pdf").as_json()
    assert result["status"] == "invalid"
    assert (path, code) in codes(result)
    assert result["data"] is not None  # the good values are still there


def test_scale_and_choice_outside_their_options():
    form = compiled_form("group-record")
    _, data, _ = issue_copy(form, sample_record("group-record"), issued_at=ISSUED_AT)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for field in pdf.Root.AcroForm.Fields:
            if str(field.T) == "scales":
                next(k for k in field.Kids if str(k.T) == "safety").V = pikepdf.Name("/11")
        out = io.BytesIO()
        pdf.save(out)
    data = edit(out.getvalue(), {"participants.1.role": "Boss"})
    result = ingest_bytes(data, "scale.pdf").as_json()
    assert result["status"] == "invalid"
    assert {("scales.safety", "not_an_option"), ("participants.1.role", "not_an_option")} <= codes(
        result
    )


def _plain_pdf(**info: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, "Dear records officer, please find my form attached.")
    canvas.save()
    with pikepdf.open(io.BytesIO(buffer.getvalue())) as pdf:
        for key, value in info.items():
            pdf.docinfo[f"/{key}"] = value
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda d: b"PK\x03\x04 this is a zip, named .pdf", "not_a_pdf"),
        (lambda d: b"", "not_a_pdf"),
        (lambda d: b"%PDF-1.7\n" + b"\x00garbage" * 50 + b"\n%%EOF\n", "damaged"),
        (lambda d: b"%PDF-1.7\n" + b"\x00garbage" * 50, "truncated"),
        (lambda d: _plain_pdf(), "not_a_form"),
        (
            lambda d: _plain_pdf(SupformsFormId="contract", SupformsSchemaVersion="9.9.9"),
            "unknown_form_version",
        ),
        (
            lambda d: _plain_pdf(SupformsFormId="timesheet", SupformsSchemaVersion="1.0.0"),
            "unknown_form_version",
        ),
    ],
)
def test_rejected_with_the_reason(agreement, make, code):
    result = ingest_bytes(make(agreement[1]), "odd.pdf").as_json()
    assert result["status"] == "rejected"
    assert codes(result) == {("(file)", code)}
    assert "data" not in result


def _encrypted(data: bytes, user: str) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(owner="owner-secret", user=user))
        return out.getvalue()


def test_user_password_is_rejected_owner_password_alone_is_read(agreement):
    locked = ingest_bytes(_encrypted(agreement[1], "open-sesame"), "locked.pdf").as_json()
    assert locked["status"] == "rejected"
    assert codes(locked) == {("(file)", "needs_password")}
    owner_only = ingest_bytes(_encrypted(agreement[1], ""), "owner.pdf").as_json()
    assert owner_only["status"] == "incomplete"
    assert owner_only["data"]["supervisee"]["name"] == "Łukasz Wiśniewski"


def test_lost_metadata_is_identified_by_fields_and_footer(agreement):
    identity, data, _ = agreement
    with pikepdf.open(io.BytesIO(data)) as pdf:
        del pdf.trailer.Info
        del pdf.Root.Metadata
        out = io.BytesIO()
        pdf.save(out)
    result = ingest_bytes(out.getvalue(), "stripped.pdf").as_json()
    assert result["form"] == "agreement"
    assert result["identified_by"] == "fields"
    assert result["document_id"] == identity.document_id  # read off the printed footer
    assert result["data"]["supervisor"]["name"] == "Ахмед Иванов"


def test_rich_text_and_kid_only_radio_values_are_read():
    form = compiled_form("group-record")
    _, data, _ = issue_copy(form, None, issued_at=ISSUED_AT)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for annot in pdf.pages[0].Annots:
            if full_name(annot) == "team":
                annot.RV = pikepdf.String("<body><p>East &amp; North</p></body>")
        for page in pdf.pages:
            for annot in page.Annots:
                if full_name(annot) == "scales.plan_confidence" and "/7" in annot.AP.N:
                    annot.AS = pikepdf.Name("/7")  # as some fillers do: no /V on the group
        out = io.BytesIO()
        pdf.save(out)
    result = ingest_bytes(out.getvalue(), "rich.pdf").as_json()
    assert result["data"]["team"] == "East & North"
    assert result["data"]["scales"]["plan_confidence"] == 7


def test_result_is_json_with_the_contract_keys(agreement):
    result = ingest_bytes(agreement[1], "a.pdf").as_json()
    assert {
        "form",
        "version",
        "document_id",
        "status",
        "source",
        "data",
        "signatures",
        "problems",
    } <= set(result)
    assert set(result["source"]) == {"filename", "sha256", "bytes"}
    json.dumps(result)
