"""Letters the form cannot draw, typed in a viewer, are flagged: never a silent blank.

A viewer (PDFium here, as in Chrome) saves what was typed in any script, and draws
nothing for letters the field's font lacks: the signed copy would show an empty
name while the record holds one. Ingest keeps the value and says, in the verdict,
that the printed form cannot show it, naming each letter once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from supforms.forms.values import dotted
from supforms.pipeline.intake.verdict import NOT_PRINTABLE

from tests.engines import fill_pdfium
from tests.forms.scripts import DRAWN, NOT_DRAWN, name_field

pytestmark = pytest.mark.slow  # PDFium fills each copy

NAMED = {  # what the flag names for each name of NOT_DRAWN
    "arabic": "'م' (ARABIC LETTER MEEM), 'ح' (ARABIC LETTER HAH), 'د' (ARABIC LETTER DAL), "
    "'ع' (ARABIC LETTER AIN), 'ب' (ARABIC LETTER BEH), 'ا' (ARABIC LETTER ALEF) and 3 more",
    "emoji": "'😀' (GRINNING FACE)",
}


def _inspect(pdf: bytes, tmp_path):
    import supforms

    path = tmp_path / "return.pdf"
    path.write_bytes(pdf)
    return supforms.inspect(path)


def _field(form_id: str) -> str:
    spec = name_field(form_id)
    if spec is None:
        pytest.skip(f"{form_id} has no name field")
    return spec.path


@pytest.mark.parametrize("script", sorted(DRAWN))
def test_a_name_in_a_script_the_form_draws_is_not_flagged(form_id, script, blank_pdfs, tmp_path):
    field = _field(form_id)
    typed = fill_pdfium(blank_pdfs[form_id], {field: DRAWN[script]})
    result = _inspect(typed, tmp_path)
    assert dotted(result.data)[field] == DRAWN[script]
    assert [p for p in result.problems if p.code == NOT_PRINTABLE] == []


@pytest.mark.parametrize("script", sorted(NOT_DRAWN))
def test_a_name_the_form_cannot_draw_is_kept_and_flagged(form_id, script, blank_pdfs, tmp_path):
    field = _field(form_id)
    name = NOT_DRAWN[script]
    plain = _inspect(fill_pdfium(blank_pdfs[form_id], {field: "Zoë"}), tmp_path)
    typed = fill_pdfium(blank_pdfs[form_id], {field: name})
    result = _inspect(typed, tmp_path)
    assert dotted(result.data)[field] == name  # the value is kept whole
    (flag,) = [p for p in result.problems if p.code == NOT_PRINTABLE]
    assert flag.field == field
    label = name_field(form_id).label
    assert flag.message == f"{label} cannot be shown on the printed form: {NAMED[script]}"
    assert result.status == plain.status  # a flag for a person, not a new status


def test_the_ingest_command_reports_the_flag(blank_pdfs, tmp_path):
    """``supforms ingest --json``, run as a person runs it, carries the flag and keeps the name."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for script, name in NOT_DRAWN.items():
        typed = fill_pdfium(blank_pdfs["contract"], {"supervisee.name": name})
        (inbox / f"{script}.pdf").write_bytes(typed)
    done = subprocess.run(
        [sys.executable, "-m", "supforms", "ingest", str(inbox), "--out", str(tmp_path / "out"),
         "--json", "--store", f"sqlite:///{tmp_path / 'records.db'}"],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr  # incomplete: the blank contract's other fields
    results = {
        Path(r["source"]["filename"]).stem: r for r in map(json.loads, done.stdout.splitlines())
    }
    assert sorted(results) == sorted(NOT_DRAWN)
    for script, name in NOT_DRAWN.items():
        result = results[script]
        assert result["data"]["supervisee"]["name"] == name
        flags = [p for p in result["problems"] if p["code"] == NOT_PRINTABLE]
        message = f"Name of Supervisee cannot be shown on the printed form: {NAMED[script]}"
        assert flags == [{"field": "supervisee.name", "code": NOT_PRINTABLE, "message": message}]
