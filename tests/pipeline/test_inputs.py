"""What ingest reads from a folder or a glob: nothing is skipped silently, nothing blocks.

Ingest runs in a subprocess here: a FIFO that is opened blocks the whole process,
so the timeouts below are a guard against a hang, not a measure of speed.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.intake.inputs import find_inputs, looks_like_email

from tests.conftest import ISSUED_AT, sample_record

pytestmark = pytest.mark.slow  # the supforms command in subprocesses

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD = 300  # seconds; a batch of six entries that takes this long is stuck


def supforms(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "supforms", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        check=False,
    )


@pytest.fixture(scope="module")
def returns() -> dict[str, bytes]:
    return {
        form: issue_copy(compiled_form(form), sample_record(form), issued_at=ISSUED_AT)[1]
        for form in ("contract", "agreement", "group-record")
    }


def test_a_folder_is_read_by_content_and_everything_else_is_listed(tmp_path, returns):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / " a.pdf ").write_bytes(returns["contract"])
    (inbox / "B.PDF").write_bytes(returns["agreement"])
    (inbox / "noext").write_bytes(returns["group-record"])
    (inbox / "notes.docx").write_bytes(b"PK\x03\x04 a word document")
    os.mkfifo(inbox / "pipe")  # opened for reading, it would wait for a writer for ever
    (inbox / "x.pdf").mkdir()
    out = tmp_path / "out"

    done = supforms("ingest", str(inbox), "--out", str(out), "--json", "--no-archive")

    assert done.returncode == 3, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    read = {r["source"]["filename"]: r for r in lines if r["status"] != "skipped"}
    assert set(read) == {" a.pdf ", "B.PDF", "noext"}
    assert {r["status"] for r in read.values()} == {"incomplete"}  # our forms, unsigned
    skipped = {Path(r["file"]).name: r["problems"][0] for r in lines if r["status"] == "skipped"}
    assert {name: p["code"] for name, p in skipped.items()} == {
        "notes.docx": "not_a_pdf_or_email",
        "pipe": "not_a_file",
        "x.pdf": "not_a_file",
    }
    assert "named pipe" in skipped["pipe"]["message"]
    assert "folder" in skipped["x.pdf"]["message"]

    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"] == {"incomplete": 3, "skipped": 3}
    listed = {Path(row["file"]).name: row for row in summary["files"]}
    assert listed["pipe"]["status"] == "skipped"
    assert "named pipe" in listed["pipe"]["reason"]
    with (out / "summary.csv").open(newline="") as handle:
        rows = {Path(row["file"]).name: row for row in csv.DictReader(handle)}
    assert {name for name, row in rows.items() if row["status"] == "skipped"} == {
        "notes.docx",
        "pipe",
        "x.pdf",
    }
    assert "neither a PDF nor an email" in rows["notes.docx"]["problems"]

    terminal = supforms("ingest", str(inbox), "--out", str(tmp_path / "again"), "--no-archive")
    assert terminal.returncode == 3
    assert "Skipped 3" in terminal.stdout
    for name in ("notes.docx", "pipe", "x.pdf"):
        assert f"{inbox / name}: skipped: " in terminal.stderr
    assert "Traceback" not in done.stderr + terminal.stderr


def test_a_path_that_is_not_a_file_gets_one_line_naming_it(tmp_path, returns):
    fifo = tmp_path / "returns.pdf"
    os.mkfifo(fifo)
    good = tmp_path / "good.pdf"
    good.write_bytes(returns["contract"])

    done = supforms("ingest", str(fifo), str(good), "--out", str(tmp_path / "out"), "--no-archive")

    assert done.returncode == 3
    skipped, read = done.stderr.splitlines()
    why = "is a named pipe (FIFO), not a file; nothing was read"
    assert skipped == f"{fifo}: skipped: (file): {why}"
    assert read.startswith("good.pdf: incomplete: ")  # unsigned
    inspected = supforms("inspect", str(fifo))
    assert inspected.returncode == 1
    assert inspected.stderr == f"supforms: {fifo}: is a named pipe (FIFO), not a file\n"


def test_an_email_is_known_by_its_headers_whatever_its_name(tmp_path, returns):
    message = EmailMessage()
    message["From"] = "supervisee@example.org"
    message["To"] = "records@example.org"
    message["Subject"] = "My contract"
    message.set_content("Signed and attached.")
    message.add_attachment(
        returns["contract"], maintype="application", subtype="pdf", filename="contract.pdf"
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "message-1").write_bytes(message.as_bytes())

    found = find_inputs([str(inbox)])

    assert found.emails == [inbox / "message-1"]
    assert found.pdfs == found.skipped == []
    assert looks_like_email(message.as_bytes())
    assert not looks_like_email(b"Dear records officer,\nPlease find attached\n")
    assert not looks_like_email(b"Note: one header-like line\nand then prose\n")


def test_a_glob_never_follows_a_symlinked_folder_and_a_loop_does_not_hang(tmp_path, returns):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(returns["agreement"])
    inbox = tmp_path / "inbox"
    (inbox / "team").mkdir(parents=True)
    (inbox / "team" / "return.pdf").write_bytes(returns["contract"])
    (inbox / "team" / "away").symlink_to(outside, target_is_directory=True)
    (inbox / "team" / "loop").symlink_to(inbox, target_is_directory=True)
    (inbox / "team" / "loop.pdf").symlink_to(inbox / "team", target_is_directory=True)

    found = find_inputs([str(inbox / "**" / "*.pdf")])

    assert found.pdfs == [inbox / "team" / "return.pdf"]
    assert [(path, code) for path, code, _ in found.refused] == [
        (inbox / "team" / "loop.pdf", "refused")
    ]
    every = find_inputs([str(inbox / "*" / "*")])
    assert every.pdfs == [inbox / "team" / "return.pdf"]
    assert sorted(path.name for path, *_ in every.refused) == ["away", "loop", "loop.pdf"]

    done = supforms("ingest", str(inbox / "**" / "*.pdf"), "--out", str(tmp_path / "out"), "--json")
    names = sorted(json.loads(line)["source"]["filename"] for line in done.stdout.splitlines())
    assert names == ["loop.pdf", "return.pdf"]  # secret.pdf, outside the inbox, is not read


def test_a_folder_named_in_a_glob_is_listed_not_searched(tmp_path, returns):
    inbox = tmp_path / "inbox"
    (inbox / "old.pdf").mkdir(parents=True)
    (inbox / "old.pdf" / "inside.pdf").write_bytes(returns["contract"])
    (inbox / ".hidden.pdf").write_bytes(returns["contract"])

    found = find_inputs([str(inbox / "*.pdf")])

    assert found.pdfs == []  # a wildcard matches no leading period, as in the shell
    assert [(path.name, code) for path, code, _ in found.skipped] == [("old.pdf", "not_a_file")]
    searched = find_inputs([str(inbox)])
    assert searched.pdfs == [inbox / ".hidden.pdf", inbox / "old.pdf" / "inside.pdf"]
    assert [path.name for path, *_ in searched.skipped] == ["old.pdf"]
