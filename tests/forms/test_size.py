"""A copy is small: two embedded fonts, its small objects packed, a compressed cross-reference."""

from __future__ import annotations

import io
import subprocess

import pikepdf
import pytest
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.schemas.registry import form_ids

from tests.conftest import sample_record

CEILING = {"group-record": 135_000, "session-record": 125_000}
"""Bytes a prefilled copy stays under (any other form: 110,000); they were 227 and 202 KB."""


@pytest.fixture(scope="module")
def copies() -> dict[str, bytes]:
    return {f: issue_copy(compiled_form(f), sample_record(f))[1] for f in form_ids()}


@pytest.mark.parametrize("form_id", form_ids())
def test_a_copy_embeds_one_regular_font_and_its_bold(form_id, copies):
    """The page text's regular face is the field font: DejaVu Sans once, DejaVu Sans Bold once."""
    with pikepdf.open(io.BytesIO(copies[form_id])) as pdf:
        embedded = sorted(
            str(o.FontName).split("+")[-1]
            for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and "/FontFile2" in o
        )
        assert embedded == ["DejaVuSans", "DejaVuSans-Bold"]
        for page in pdf.pages:
            for name, font in page.Resources.Font.items():
                base = str(font.get("/BaseFont", ""))
                assert not base.endswith("+DejaVuSans") or font.Subtype == "/Type0", name


@pytest.mark.parametrize("form_id", form_ids())
def test_a_copy_packs_its_objects_behind_a_cross_reference_stream(form_id, copies, tmp_path):
    data = copies[form_id]
    assert len(data) < CEILING.get(form_id, 110_000)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.trailer.get("/Type") == "/XRef"
        packed = [
            o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Type") == "/ObjStm"
        ]
        assert len(packed) >= 3
        # The fields a reader walks first are not in the stream of the structure tree.
        fields = {f.objgen for f in pdf.Root.AcroForm.Fields}
        largest = max(packed, key=lambda o: int(o.N))
        index = largest.read_bytes()[: int(largest.First)].split()[0::2]
        assert not fields & {(int(num), 0) for num in index}
    (tmp_path / "copy.pdf").write_bytes(data)
    checked = subprocess.run(
        ["qpdf", "--check", str(tmp_path / "copy.pdf")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
