"""Letters the form cannot draw, typed in a viewer, are flagged: never a silent blank.

A viewer (PDFium here, as in Chrome) saves what was typed in any script, and draws
nothing for letters the field's font lacks: the signed copy would show an empty
name while the record holds one. Ingest keeps the value and says, in the verdict,
that the printed form cannot show it, naming each letter once.
"""

from __future__ import annotations

import pytest
from supforms.pipeline.intake.verdict import NOT_PRINTABLE

from tests.engines import fill_pdfium

pytestmark = pytest.mark.slow  # PDFium fills each copy

SCRIPTS = {  # the scripts the forms draw: never flagged
    "Polish": "Łukasz Wiśniewski",
    "Welsh": "Gwenllïan Ŵyn",
    "Turkish": "Şükrü Yılmaz",
    "Greek": "Ελένη Παπαδοπούλου",
    "Serbian Cyrillic": "Ђорђе Јовановић",
}


def _inspect(pdf: bytes, tmp_path):
    import supforms

    path = tmp_path / "return.pdf"
    path.write_bytes(pdf)
    return supforms.inspect(path)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_a_name_in_a_script_the_form_draws_is_not_flagged(script, blank_pdfs, tmp_path):
    typed = fill_pdfium(blank_pdfs["contract"], {"supervisee.name": SCRIPTS[script]})
    result = _inspect(typed, tmp_path)
    assert result.data["supervisee"]["name"] == SCRIPTS[script]
    assert [p for p in result.problems if p.code == NOT_PRINTABLE] == []


@pytest.mark.parametrize(
    ("name", "named"),
    [
        ("محمد", "'م' (ARABIC LETTER MEEM), 'ح' (ARABIC LETTER HAH), 'د' (ARABIC LETTER DAL)"),
        ("Zoë 😀", "'😀' (GRINNING FACE)"),
    ],
)
def test_a_name_the_form_cannot_draw_is_kept_and_flagged(name, named, blank_pdfs, tmp_path):
    plain = _inspect(fill_pdfium(blank_pdfs["contract"], {"supervisee.name": "Zoë"}), tmp_path)
    typed = fill_pdfium(blank_pdfs["contract"], {"supervisee.name": name})
    result = _inspect(typed, tmp_path)
    assert result.data["supervisee"]["name"] == name  # the value is kept whole
    (flag,) = [p for p in result.problems if p.code == NOT_PRINTABLE]
    assert flag.field == "supervisee.name"
    assert flag.message == f"Name of Supervisee cannot be shown on the printed form: {named}"
    assert result.status == plain.status  # a flag for a person, not a new status
