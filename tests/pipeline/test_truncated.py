"""A return cut short (an upload or a copy that stopped) is refused and asked for again.

qpdf would rebuild such a file from what is left and read it without complaint,
losing whatever lay past the cut; a damaged file that still ends as a PDF ends
is whole, and is read with a ``repaired`` note.
"""

from __future__ import annotations

import io
import json

import pypdf
import pytest
from pypdf.generic import NameObject, TextStringObject
from supforms.forms.reading.truncation import is_cut_short
from supforms.pipeline.intake.ingest import ingest_bytes

from tests.cli import run
from tests.pipeline.hostile import _broken_xref

SHARES = (0.10, 0.50, 0.99)
TRUNCATED = {("(file)", "truncated")}


def _codes(result: dict) -> set[tuple[str, str]]:
    return {(p["field"], p["code"]) for p in result["problems"]}


def _cut(data: bytes, share: float) -> bytes:
    return data[: int(len(data) * share)]


@pytest.mark.parametrize("share", SHARES)
def test_a_return_cut_short_is_refused_as_truncated(form_id, filled_pdfs, share):
    data = filled_pdfs[form_id]
    result = ingest_bytes(_cut(data, share), f"{form_id}.pdf").as_json()
    assert result["status"] == "rejected"
    assert _codes(result) == TRUNCATED
    assert "ask for it again" in result["problems"][0]["message"]
    assert "data" not in result
    assert result["source"]["bytes"] == int(len(data) * share)


def test_only_the_last_line_missing_is_cut_short(filled_pdfs):
    data = filled_pdfs["agreement"]
    assert data.endswith(b"%%EOF\n")
    assert _codes(ingest_bytes(data[: -len(b"%%EOF\n")], "a.pdf").as_json()) == TRUNCATED


def _updated(data: bytes) -> bytes:
    """``data`` with a value changed in a second revision (an incremental update)."""
    writer = pypdf.PdfWriter(io.BytesIO(data), incremental=True)
    for annot in writer.pages[0]["/Annots"]:
        widget = annot.get_object()
        if widget.get("/T") == "job_title" and widget["/Parent"]["/T"] == "supervisee":
            widget[NameObject("/V")] = TextStringObject("Senior Social Worker")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_later_revision_cut_short_is_not_read_as_the_earlier_one(filled_pdfs):
    """The first revision is whole; its update, cut, must not pass as a return of it."""
    original = filled_pdfs["agreement"]
    updated = _updated(original)
    assert updated.startswith(original)
    whole = ingest_bytes(updated, "updated.pdf").as_json()
    assert whole["data"]["supervisee"]["job_title"] == "Senior Social Worker"
    for end in (len(original) + 3, (len(original) + len(updated)) // 2, len(updated) - 4):
        assert _codes(ingest_bytes(updated[:end], "cut.pdf").as_json()) == TRUNCATED, end


def test_a_damaged_but_whole_file_is_repaired_and_read_with_a_note(filled_pdfs):
    whole = ingest_bytes(filled_pdfs["agreement"], "whole.pdf").as_json()
    repaired = ingest_bytes(_broken_xref(), "broken-xref.pdf").as_json()
    assert repaired["status"] != "rejected"
    assert ("(file)", "repaired") in _codes(repaired)
    assert repaired["data"] == whole["data"]


@pytest.mark.parametrize("tail", [b"\r\n", b"\x00" * 600, b"\n<html>gateway note</html>\n"])
def test_bytes_after_the_end_that_begin_no_revision_are_ignored(filled_pdfs, tail):
    data = filled_pdfs["agreement"]
    assert not is_cut_short(data + tail)
    whole = ingest_bytes(data, "whole.pdf").as_json()
    padded = ingest_bytes(data + tail, "padded.pdf").as_json()
    assert (padded["status"], padded["data"]) == (whole["status"], whole["data"])


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n",
        b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n",
        b"%PDF-1.7\n...\n%%EOF\n2 0 obj\n<< /Length 9 >>\nstr",
        b"%PDF-1.7\n...\n%%EOF\n12 0 o",
    ],
)
def test_what_is_cut_short(data):
    assert is_cut_short(data)


def test_ingest_names_the_cut_file_quarantines_it_and_archives_no_return(tmp_path, sample):
    """Through the CLI, with a store: exit 3, one line, the bytes kept, the copy still due."""
    store = f"sqlite:///{tmp_path}/records.db"
    prefill = tmp_path / "prefill.json"
    prefill.write_text(json.dumps(sample("agreement").model_dump(mode="json")), encoding="utf-8")
    generated = tmp_path / "generated"
    code, stdout, _ = run(
        "generate", "agreement", "--data", str(prefill), "-o", str(generated), "--store", store
    )
    assert code == 0, stdout
    (issued,) = generated.glob("*.pdf")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cut = _cut(issued.read_bytes(), 0.5)
    (inbox / "half-sent.pdf").write_bytes(cut)
    out = tmp_path / "out"

    code, stdout, err = run("ingest", str(inbox), "--out", str(out), "--store", store)

    assert code == 3
    assert err.splitlines() == [
        "half-sent.pdf: rejected: (file): is cut short (its end is missing): ask for it again"
    ]
    (kept,) = (out / "quarantine").iterdir()
    assert kept.read_bytes() == cut
    (result,) = [json.loads(p.read_text()) for p in (out / "results").glob("*.json")]
    assert (result["status"], result["quarantined"]) == ("rejected", f"quarantine/{kept.name}")
    code, stdout, _ = run("records", "outstanding", "--json", "--store", store)
    assert code == 0
    assert [json.loads(line)["file"] for line in stdout.splitlines()] == [issued.name]
    code, stdout, _ = run("records", "list", "--json", "--store", store)
    assert [json.loads(line)["status"] for line in stdout.splitlines()] == ["rejected"]
