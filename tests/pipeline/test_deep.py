"""Files nested deeper than any reader follows: a named rejection in one line, never a traceback.

``inspect`` reads in-process and ``ingest`` in workers; both run here as a user
runs them, in a subprocess, and their stderr is read whole.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from supforms.forms.reading.fields import MAX_DEPTH, fields_of
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.intake.ingest import ingest_bytes
from supforms.schemas.errors import ExtractionError

from tests.conftest import ISSUED_AT, sample_record

pytestmark = pytest.mark.slow  # deep files through the supforms command

ROOT = Path(__file__).resolve().parents[2]


def deep_field_tree(levels: int) -> bytes:
    """One of our forms with one more field, ``levels`` parents deep (each its own object)."""
    form = issue_copy(compiled_form("agreement"), sample_record("agreement"), issued_at=ISSUED_AT)
    with pikepdf.open(io.BytesIO(form[1])) as pdf:
        node = pdf.make_indirect(
            pikepdf.Dictionary(T=pikepdf.String("leaf"), FT=pikepdf.Name.Tx, V=pikepdf.String("x"))
        )
        for level in range(levels):
            kids = pikepdf.Array([node])
            node = pdf.make_indirect(pikepdf.Dictionary(T=pikepdf.String(f"l{level}"), Kids=kids))
        pdf.Root.AcroForm.Fields.append(node)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def nested_arrays(depth: int) -> bytes:
    """A one-page PDF whose catalogue holds ``depth`` arrays, each inside the last."""
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        out = io.BytesIO()
        pdf.save(out)
    body = b"[" * depth + b"]" * depth
    return out.getvalue().replace(b"/Type /Catalog", b"/Type /Catalog /Deep " + body, 1)


CODES = {"tree.pdf": "too_deep", "arrays.pdf": "damaged"}  # qpdf refuses deep arrays itself


@pytest.fixture(scope="module")
def deep(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("deep")
    (folder / "tree.pdf").write_bytes(deep_field_tree(10_000))
    (folder / "arrays.pdf").write_bytes(nested_arrays(100_000))
    return {name: folder / name for name in CODES}


def supforms(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "supforms", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("name", sorted(CODES))
def test_inspect_rejects_a_deep_file_by_name(deep, name):
    done = supforms("inspect", str(deep[name]), "--json")
    assert done.returncode == 3
    assert done.stderr == ""  # no traceback, no chatter
    result = json.loads(done.stdout)
    assert result["status"] == "rejected"
    assert [p["code"] for p in result["problems"]] == [CODES[name]]
    assert "/proc/self" not in result["problems"][0]["message"]
    report = supforms("inspect", str(deep[name]))
    assert f"File problem: {CODES[name]}: " in report.stdout
    assert report.stderr == ""


@pytest.mark.parametrize("name", sorted(CODES))
def test_ingest_rejects_a_deep_file_in_one_line(deep, name, tmp_path):
    done = supforms("ingest", str(deep[name]), "--out", str(tmp_path / "out"), "--no-archive")
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"{name}: rejected: (file): ")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["files"][0]["problems"] == [f"(file): {CODES[name]}"]


def test_a_field_tree_is_read_to_its_depth_limit_and_no_further():
    with pikepdf.open(io.BytesIO(deep_field_tree(MAX_DEPTH - 1))) as pdf:
        assert fields_of(pdf)[-1].name.endswith(".l1.l0.leaf")
    with (
        pikepdf.open(io.BytesIO(deep_field_tree(MAX_DEPTH))) as pdf,
        pytest.raises(ExtractionError),
    ):
        fields_of(pdf)


def test_a_reader_that_fails_unexpectedly_rejects_the_file(monkeypatch):
    # No file is known to break a reader: that is the point. A stand-in reader does.
    def broken(pdf, **_options):
        raise KeyError("/Kids")

    monkeypatch.setattr("supforms.pipeline.intake.ingest.fields_of", broken)
    data = issue_copy(compiled_form("contract"), sample_record("contract"), issued_at=ISSUED_AT)[1]
    result = ingest_bytes(data, "contract.pdf").as_json()
    assert result["status"] == "rejected"
    assert result["problems"] == [
        {"field": "(file)", "code": "crashed", "message": "could not be read (KeyError)"}
    ]
