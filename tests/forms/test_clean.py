"""qpdf and MuPDF find nothing wrong with any PDF supforms makes."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import flatten_pdf, issue_copy
from supforms.pipeline.delivery.printing import print_pack

from tests.conftest import ISSUED_AT, sample_record
from tests.forms.longest import longest_record

# Said by MuPDF builds without colour management for every file, whatever it holds.
TOOL_NOTES = ("warning: ICC support is not available",)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing: setup.sh must install it")
        pytest.skip(f"{name} not installed (setup.sh installs qpdf and mupdf-tools)")
    return found


def _documents(form_id: str) -> dict[str, bytes]:
    form = compiled_form(form_id)
    filled = issue_copy(form, sample_record(form_id), issued_at=ISSUED_AT)[1]
    return {
        "blank": issue_copy(form, None, issued_at=ISSUED_AT)[1],
        "prefilled": filled,
        "longest values": issue_copy(form, longest_record(form_id, "W"), issued_at=ISSUED_AT)[1],
        "flattened": flatten_pdf(filled),
        "print pack": print_pack(form_id, None, 2)[0],
    }


def _complaints(path: Path) -> list[str]:
    qpdf = subprocess.run([_tool("qpdf"), "--check", str(path)], capture_output=True, text=True)
    said = [] if qpdf.returncode == 0 else [f"qpdf exit {qpdf.returncode}"]
    said += [
        line
        for line in (qpdf.stdout + qpdf.stderr).splitlines()
        if "warning" in line.lower() or "error:" in line.lower()
    ]
    mutool = subprocess.run(
        [_tool("mutool"), "draw", "-q", "-o", os.devnull, str(path)],
        capture_output=True,
        text=True,
    )
    said += [f"mutool exit {mutool.returncode}"] if mutool.returncode else []
    said += [
        line
        for line in (mutool.stdout + mutool.stderr).splitlines()
        if line.strip() and line.strip() not in TOOL_NOTES and not line.startswith("page ")
    ]
    return said


@pytest.mark.slow
def test_qpdf_and_mutool_report_nothing(form_id, tmp_path):
    for kind, data in _documents(form_id).items():
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(data)
        assert _complaints(path) == [], f"{form_id}, {kind}"


def test_the_check_hears_a_complaint(tmp_path):
    """The check above can fail: a stream whose Flate data ends too soon is reported."""
    data = issue_copy(compiled_form("contract"), None, issued_at=ISSUED_AT)[1]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        # Flate data that stops short, as MuPDF found in the empty appearances qpdf wrote.
        pdf.pages[0].obj.Contents[-1].write(b"x\x9c\x03", filter=pikepdf.Name.FlateDecode)
        out = io.BytesIO()
        pdf.save(out)
    broken = out.getvalue()
    path = tmp_path / "broken.pdf"
    path.write_bytes(broken)
    assert _complaints(path)
