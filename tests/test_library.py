"""``import supforms``: the library's face, used by a program that never sees the shell."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap

import pytest

import supforms

PUBLIC = [
    "Copies",
    "Deliveries",
    "EvidenceSelection",
    "IngestResult",
    "IngestRun",
    "InvalidRecordError",
    "Limits",
    "MailSettings",
    "PipelineError",
    "Problem",
    "RecordStore",
    "StoreError",
    "compliance",
    "evidence",
    "generate",
    "ingest",
    "inspect",
    "list_forms",
    "open_store",
    "send",
    "verify",
    "verify_evidence",
]


def test_the_public_names_are_these_and_each_is_documented():
    """A change to the face is a change to this list, made on purpose."""
    assert supforms.__all__ == PUBLIC
    for name in PUBLIC:
        value = getattr(supforms, name)
        assert inspect.getdoc(value), f"supforms.{name} has no docstring"
    assert sorted(dir(supforms)) == PUBLIC


def test_importing_supforms_loads_nothing_heavy():
    script = (
        "import sys, supforms\n"
        "heavy = ('click', 'pydantic', 'sqlalchemy', 'reportlab', 'pikepdf')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


LIBRARY_ONLY = """
import json, sys
from pathlib import Path
import supforms

folder, out, url = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
rows = supforms.list_forms()
with supforms.ingest([folder], out, store=url, workers=1) as run:
    statuses = sorted(result.status for result in run)
verification = supforms.verify(url)
with supforms.open_store(url) as store:
    listed = len(store.find())
print(json.dumps({
    "forms": sorted({row["form"] for row in rows}),
    "statuses": statuses,
    "counts": dict(run.summary.counts),
    "findings": [finding.message for finding in verification.findings],
    "pdfs": verification.pdfs,
    "listed": listed,
    "click": "click" in sys.modules,
}))
"""


def test_a_program_ingests_and_verifies_through_import_supforms_alone(
    tmp_path, filled_pdfs, store_url
):
    """The whole intake, as a council's own script would run it: no click, no shell."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for form_id, pdf in filled_pdfs.items():
        (inbox / f"{form_id}.pdf").write_bytes(pdf)
    (inbox / "notes.txt").write_text("not a form")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(LIBRARY_ONLY),
            str(inbox),
            str(tmp_path / "out"),
            store_url,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["click"] is False
    assert report["forms"] == sorted(filled_pdfs)
    assert len(report["statuses"]) == len(filled_pdfs) + 1  # the text file: skipped
    assert report["counts"]["skipped"] == 1
    assert report["findings"] == []
    assert report["pdfs"] == report["listed"] == len(filled_pdfs)
    assert sorted((tmp_path / "out" / "results").iterdir())


def test_a_library_error_is_raised_not_printed(tmp_path):
    """Library calls raise the error tree; they neither print nor exit."""
    bad = tmp_path / "roster.csv"
    bad.write_text("_to,supervisee.name\nnot an address,Ann\n")
    with pytest.raises(supforms.InvalidRecordError) as raised:
        supforms.send("agreement", bad, tmp_path / "sent")
    assert raised.value.path == str(bad)
    assert raised.value.problems
    assert not (tmp_path / "sent").exists()
