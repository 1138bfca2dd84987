"""Every signature in a return, wherever it sits, with a real pyHanko signature each time.

Signatures in fields a viewer added (Acrobat's ``Signature1``), certification
signatures, signatures in earlier revisions, a revision that removes the form,
Apple markup ink, and what a person sees on the terminal while all that is judged.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.intake.ingest import ingest_bytes

from tests import engines
from tests.conftest import ISSUED_AT, sample_record

SUPERVISEE, SUPERVISOR = "signatures.supervisee.signature", "signatures.supervisor.signature"
ROOT = Path(__file__).resolve().parents[2]


def block_box(path: str) -> tuple[int, tuple[float, float, float, float]]:
    widget = next(w for w in compiled_form("agreement").widgets if w.path == path)
    return widget.page, widget.rect


def over(path: str) -> dict[str, object]:
    """Where a person draws a signing box over ``path``'s block: a little off, a little large."""
    page, (x0, y0, x1, y1) = block_box(path)
    return {"page": page, "box": (x0 - 4, y0 - 3, x1 + 6, y1 + 2)}


@pytest.fixture(scope="module")
def filled() -> bytes:
    """The agreement with every value filled in: only the signatures are left."""
    pdf = issue_copy(compiled_form("agreement"), sample_record("agreement"), issued_at=ISSUED_AT)[1]
    dates = {"signatures.supervisee.date": "04/04/2026", "signatures.supervisor.date": "05/04/2026"}
    return engines.fill_pdfium(pdf, dates)


@pytest.fixture(scope="module")
def signed_elsewhere(filled) -> bytes:
    """Supervisee signs in our field; supervisor draws a box and signs in Acrobat's own."""
    mine = engines.sign(filled, SUPERVISEE)
    return engines.sign_new_field(mine, "Signature1", **over(SUPERVISOR))


def ingest(data: bytes) -> dict:
    return ingest_bytes(data, "return.pdf").as_json()


def problems(result) -> set[tuple[str, str]]:
    return {(p["field"], p["code"]) for p in result["problems"]}


def on_block(result, block):
    (found,) = [s for s in result["signatures"] if s.get("block") == block]
    return found


# --- a signature in a field the form did not have ----------------------------------------------


@pytest.mark.slow
def test_signature_in_a_new_field_covers_the_block_it_lies_over(signed_elsewhere):
    result = ingest(signed_elsewhere)
    supervisor = on_block(result, SUPERVISOR)
    assert supervisor["kind"] == "digital"
    assert supervisor["field"] == "Signature1"
    assert (supervisor["intact"], supervisor["trusted"]) == (True, False)
    assert supervisor["modified_after_signing"] is False
    assert engines.SIGNER_NAME in supervisor["signer"]
    assert on_block(result, SUPERVISEE)["field"] == SUPERVISEE
    # one entry per block, and no other signature in the file
    assert [s["block"] for s in result["signatures"]] == [SUPERVISEE, SUPERVISOR]
    assert result["data"]["signatures"]["supervisor"]["signature"]["kind"] == "digital"
    assert result["status"] == "complete", result["problems"]


def test_signature_covering_no_block_is_listed_with_a_null_block(filled):
    invisible = engines.sign_new_field(filled, "Signature1", page=0, box=None)
    result = ingest(invisible)
    assert [s["kind"] for s in result["signatures"][:2]] == ["none", "none"]
    (extra,) = result["signatures"][2:]
    assert (extra["field"], extra["block"], extra["kind"]) == ("Signature1", None, "digital")
    assert extra["intact"] is True
    assert result["status"] == "incomplete"  # nobody signed either block


def test_one_signed_byte_changed_is_invalid(signed_elsewhere):
    comment = signed_elsewhere.index(b"\n%", 5) + 2  # the binary comment after %PDF-x.y
    flipped = bytearray(signed_elsewhere)
    flipped[comment] ^= 0x01
    result = ingest(bytes(flipped))
    assert result["status"] == "invalid"
    assert on_block(result, SUPERVISOR)["intact"] is False
    assert (SUPERVISOR, "signature_invalid") in problems(result)


@pytest.mark.slow
def test_broken_signature_covering_no_block_still_makes_the_return_invalid(filled):
    signed = engines.sign(filled, SUPERVISEE)
    signed = engines.sign(signed, SUPERVISOR)
    invisible = engines.sign_new_field(signed, "Witness", page=0, box=None)
    contents = invisible.rindex(b"/Contents <") + len(b"/Contents <") + 40
    forged = bytearray(invisible)
    forged[contents : contents + 2] = b"00" if forged[contents : contents + 2] != b"00" else b"11"
    result = ingest(bytes(forged))
    witness = next(s for s in result["signatures"] if s["field"] == "Witness")
    assert (witness["block"], witness["intact"]) == (None, False)
    assert result["status"] == "invalid"
    assert ("Witness", "signature_invalid") in problems(result)


@pytest.mark.slow
def test_document_timestamp_is_listed_and_breaks_nothing(filled):
    """A document timestamp (Acrobat adds one for long-term validation) is a digital entry."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    signed = engines.sign(engines.sign(filled, SUPERVISEE), SUPERVISOR)
    signer = engines._signer()
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    stamper = PdfTimeStamper(DummyTimeStamper(signer.signing_cert, signer.signing_key))
    result = ingest(stamper.timestamp_pdf(writer, md_algorithm="sha256").getvalue())
    (stamp,) = result["signatures"][2:]
    assert (stamp["kind"], stamp["block"], stamp["intact"]) == ("digital", None, True)
    assert not any(s["modified_after_signing"] for s in result["signatures"])
    assert result["status"] == "complete", result["problems"]


# --- certification ------------------------------------------------------------------------------


def test_certified_then_a_value_changed_is_changed_after_signing(filled):
    certified = engines.sign_new_field(
        filled, "Certification", page=0, box=None, certify="no_changes"
    )
    before = ingest(certified)
    (cert,) = [s for s in before["signatures"] if s["field"] == "Certification"]
    assert (cert["certification"], cert["intact"], cert["modified_after_signing"]) == (
        "no_changes",
        True,
        False,
    )
    changed = engines.tamper(certified, "supervisee.job_title", "Senior Social Worker")
    result = ingest(changed)
    assert result["status"] == "invalid"
    (cert,) = [s for s in result["signatures"] if s["field"] == "Certification"]
    assert cert["intact"] is True, "the certified bytes were not touched"
    assert cert["modified_after_signing"] is True
    assert "supervisee.job_title" in cert["changes"]
    assert "changes its certification forbids (form_filling)" in cert["changes"]
    (problem,) = [p for p in result["problems"] if p["code"] == "changed_after_signing"]
    assert problem["field"] == "Certification"
    assert "supervisee.job_title" in problem["message"]


def draw_incrementally(data: bytes, path: str) -> bytes:
    """An ink signature over ``path``'s box, added in an incremental update (as Acrobat saves)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    page_index, (x0, y0, x1, y1) = block_box(path)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    page_ref = writer.find_page_for_modification(page_index)[0]
    page = page_ref.get_object()
    number = generic.FloatObject
    ink = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Ink"),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [number(x0 + 5), number(y0 + 5), number(x1 - 60), number(y1 - 5)]
            ),
            generic.NameObject("/InkList"): generic.ArrayObject(
                [generic.ArrayObject([number(v) for v in (x0 + 8, y0 + 8, x0 + 40, y1 - 8)])]
            ),
            generic.NameObject("/P"): page_ref,
        }
    )
    annots = page.raw_get("/Annots")
    if isinstance(annots, generic.IndirectObject):
        array = annots.get_object()
        array.append(writer.add_object(ink))
        writer.update_container(array)
    else:
        annots.append(writer.add_object(ink))
        writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_change_the_certification_forbids_is_changed_after_signing(filled):
    """Ink added after a certification that allows only form filling and signing."""
    certified = engines.sign_new_field(
        filled, "Certification", page=0, box=None, certify="fill_forms"
    )
    assert ingest(certified)["status"] == "incomplete"  # nobody has signed a block yet
    result = ingest(draw_incrementally(certified, SUPERVISEE))
    assert on_block(result, SUPERVISEE)["kind"] == "drawn"
    (cert,) = [s for s in result["signatures"] if s["field"] == "Certification"]
    assert (cert["certification"], cert["intact"]) == ("fill_forms", True)
    assert cert["modified_after_signing"] is True
    assert cert["changes"] == ["changes that are not form filling or signing"]
    assert result["status"] == "invalid"
    assert ("Certification", "changed_after_signing") in problems(result)


@pytest.mark.slow
def test_certified_then_filled_and_signed_as_allowed_is_not_a_change(filled):
    certified = engines.sign_new_field(
        filled, "Certification", page=0, box=None, certify="fill_forms"
    )
    result = ingest(engines.sign(engines.sign(certified, SUPERVISEE), SUPERVISOR))
    (cert,) = [s for s in result["signatures"] if s["field"] == "Certification"]
    assert cert["modified_after_signing"] is False, cert["changes"]
    assert result["status"] == "complete", result["problems"]


# --- earlier revisions and a form removed -----------------------------------------------------


def remove_fields(data: bytes, keep: Callable[[str], bool] = lambda name: False) -> bytes:
    """An update deleting form fields (all, or those whose top name ``keep`` refuses)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    acroform = writer.root["/AcroForm"]
    kept = [f for f in acroform["/Fields"] if keep(str(f.get_object()["/T"]))]
    acroform["/Fields"] = generic.ArrayObject(kept)
    writer.update_container(acroform)
    writer.update_root()
    for index in range(int(writer.root["/Pages"]["/Count"])):
        page = writer.find_page_for_modification(index)[0].get_object()
        widgets = page["/Annots"] if "/Annots" in page else []  # noqa: SIM401 (resolves it)
        page["/Annots"] = generic.ArrayObject(
            w for w in widgets if keep(engines._pyhanko_name(w.get_object()).split(".")[0])
        )
        writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_revision_removing_the_form_is_its_own_problem(filled):
    result = ingest(remove_fields(filled))
    assert result["status"] == "invalid"
    assert ("(file)", "form_removed") in problems(result)
    codes = {code for _, code in problems(result)}
    assert not codes & {"missing", "unsigned"}, "not incomplete: the form is gone, not blank"
    assert result["data"]["supervisee"]["name"] is None, "earlier values are not used"
    assert [s["kind"] for s in result["signatures"]] == ["none", "none"]


def test_signature_in_a_revision_whose_form_was_removed_is_still_judged(filled):
    result = ingest(remove_fields(engines.sign(filled, SUPERVISEE)))
    assert ("(file)", "form_removed") in problems(result)
    signed = on_block(result, SUPERVISEE)
    assert (signed["field"], signed["kind"], signed["intact"]) == (SUPERVISEE, "digital", True)
    assert signed["modified_after_signing"] is True
    assert "supervisee.job_title" in signed["changes"]
    assert (SUPERVISEE, "changed_after_signing") in problems(result)
    assert result["status"] == "invalid"


def test_a_revision_removing_one_field_names_it(filled):
    """The supervisor's signature field deleted in a later revision: not simply unsigned."""
    result = ingest(remove_fields(filled, keep=lambda name: name != "signatures"))
    assert ("(file)", "form_removed") not in problems(result)
    removed = {field for field, code in problems(result) if code == "field_removed"}
    assert SUPERVISOR in removed
    assert result["status"] == "invalid"
    assert (SUPERVISOR, "unsigned") not in problems(result)
    assert result["data"]["supervisee"]["name"] == "Łukasz Wiśniewski"


# --- Apple markup --------------------------------------------------------------------------------


def apple_ink(data: bytes, path: str, subtype: str) -> bytes:
    """A mark as Preview or iPad Markup saves it: Apple's private entries beside the usual ones."""
    page, (x0, y0, x1, y1) = block_box(path)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        look = pdf.make_stream(b"0 0 1 rg 2 2 m 40 18 l 90 4 l S")
        look.BBox = [0, 0, x1 - x0, y1 - y0]
        look.Type, look.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
        extras = pikepdf.Dictionary(
            {
                "/AAPL:AKAnnotationObject": pikepdf.String(b"bplist00\xd4\x01\x02\x03"),
                "/AAPL:AKPDFAnnotationDictionary": pikepdf.Dictionary(
                    {"/Subtype": pikepdf.Name(subtype), "/Rect": [x0, y0, x1, y1]}
                ),
                "/AAPL:AKAnnotationV2": pikepdf.String("H4sIAAAAAAAAA+NgYGBgBGIOAA=="),
            }
        )
        annot = pikepdf.Dictionary(
            {
                "/Type": pikepdf.Name.Annot,
                "/Subtype": pikepdf.Name(subtype),
                "/Rect": [x0 + 2, y0 + 2, x1 - 2, y1 - 2],
                "/AP": pikepdf.Dictionary(N=look),
                "/AAPL:AKExtras": pdf.make_indirect(extras),
                "/AAPL:Hash": pikepdf.String("a1b2c3"),
                "/F": 4,
            }
        )
        if subtype == "/Ink":
            annot.InkList = [[x0 + 4, y0 + 4, x0 + 40, y1 - 4, x0 + 90, y0 + 6]]
        pdf.pages[page].Annots.append(pdf.make_indirect(annot))
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


@pytest.mark.parametrize("subtype", ["/Ink", "/Square"])
def test_apple_markup_ink_over_a_signature_box_is_drawn(filled, subtype):
    """Preview writes /Ink; iPad and Files Markup draw freehand ink as a /Square."""
    result = ingest(apple_ink(filled, SUPERVISOR, subtype))
    supervisor = on_block(result, SUPERVISOR)
    assert supervisor["kind"] == "drawn"
    assert result["data"]["signatures"]["supervisor"]["signature"]["kind"] == "drawn"
    assert (SUPERVISOR, "unsigned") not in problems(result)


# --- what a person sees ------------------------------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "supforms", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(cwd)},
        check=False,
    )


@pytest.mark.slow
def test_valid_self_signed_signature_prints_no_validation_chatter(signed_elsewhere, tmp_path):
    """No trust roots (the normal case): a verdict, never pyHanko's warnings or a traceback."""
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed_elsewhere)
    inspected = run_cli("inspect", str(pdf), cwd=tmp_path)
    assert (inspected.returncode, inspected.stderr) == (0, "")
    assert "Signature1" in inspected.stdout

    out = str(tmp_path / "out")
    ingested = run_cli("ingest", str(pdf), "--out", out, "--no-archive", "--json", cwd=tmp_path)
    assert (ingested.returncode, ingested.stderr) == (0, "")
    (line,) = ingested.stdout.splitlines()
    assert json.loads(line)["status"] == "complete"

    verbose = run_cli(
        "-v", "ingest", str(pdf), "--out", str(tmp_path / "again"), "--no-archive", cwd=tmp_path
    )
    assert verbose.returncode == 0
    lines = [x for x in verbose.stderr.splitlines() if "signature in field" in x]
    assert len(lines) == 2, verbose.stderr
    assert "Traceback" not in verbose.stderr
    assert "pyhanko" not in verbose.stderr.lower()
    assert "self-signed" not in verbose.stderr


def test_validation_logs_nothing_even_at_debug(signed_elsewhere, caplog):
    """Not on stderr, and not in any log a caller keeps: pyHanko is quiet at every level."""
    import logging

    with caplog.at_level(logging.DEBUG):
        result = ingest(signed_elsewhere)
    assert result["status"] == "complete"
    assert not [r for r in caplog.records if r.name.startswith("pyhanko")], caplog.text
    assert logging.getLogger("pyhanko").level == logging.NOTSET, "the level comes back"
