"""No input too large stops a batch: it is rejected unread, its bytes streamed into quarantine.

A 1 GiB file named ``.pdf`` (sparse: ``truncate -s 1G``) beside good returns:
rejected ``too_big`` before any of its bytes are archived, its bytes copied whole
into quarantine (named by their SHA-256), the rest archived with their result
files; the same batch again adds nothing and says the same, without a traceback.
"""

from __future__ import annotations

import email.message
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy

from tests.conftest import ISSUED_AT, sample_record

ROOT = Path(__file__).resolve().parents[2]
GIB = 2**30


def _returns(folder: Path) -> None:
    folder.mkdir()
    for form_id in ("contract", "agreement", "group-record"):
        data = issue_copy(compiled_form(form_id), sample_record(form_id), issued_at=ISSUED_AT)[1]
        (folder / f"{form_id}.pdf").write_bytes(data)


def _zeros_sha(size: int) -> str:
    digest, chunk = hashlib.sha256(), bytes(2**20)
    for _ in range(size // len(chunk)):
        digest.update(chunk)
    return digest.hexdigest()


def _records(db: Path) -> list[tuple[str, str, int]]:
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT source_name, sha256, length(pdf) FROM records ORDER BY id")
            )
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def _ingest(inbox: Path, out: Path, db: Path, *more: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "supforms",
            "ingest",
            str(inbox),
            "--out",
            str(out),
            "--store",
            f"sqlite:///{db}",
            "--json",
            "--workers",
            "2",
            *more,
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )


def _state(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in [*sorted((out / "results").iterdir()), out / "index.jsonl"]
    }


def test_a_1_gib_input_is_rejected_unread_and_the_rest_archived(tmp_path):
    inbox, out, db = tmp_path / "inbox", tmp_path / "out", tmp_path / "records.db"
    _returns(inbox)
    big = inbox / "big.pdf"
    subprocess.run(["truncate", "-s", "1G", str(big)], check=True)
    done = _ingest(inbox, out, db)
    assert done.returncode == 3, done.stderr  # the big one needs a person
    assert "Traceback" not in done.stderr
    results = {r["source"]["filename"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert set(results) == {"big.pdf", "contract.pdf", "agreement.pdf", "group-record.pdf"}
    rejected = results["big.pdf"]
    assert rejected["status"] == "rejected"
    assert [p["code"] for p in rejected["problems"]] == ["too_big"]
    assert "larger than 256 MiB" in rejected["problems"][0]["message"]
    assert rejected["source"] == {"filename": "big.pdf", "sha256": _zeros_sha(GIB), "bytes": GIB}
    kept = out / rejected["quarantined"]
    assert kept.name == f"{_zeros_sha(GIB)}.pdf"
    assert kept.stat().st_size == GIB
    assert kept.stat().st_blocks * 512 < 2**20  # streamed, and the holes kept as holes
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    # The rest archived, each with its result file; the big one archived nowhere but quarantine.
    archived = _records(db)
    assert sorted(name for name, _, _ in archived) == [
        "agreement.pdf",
        "contract.pdf",
        "group-record.pdf",
    ]
    assert all(size > 1000 for _, _, size in archived)
    for name in ("contract.pdf", "agreement.pdf", "group-record.pdf"):
        assert results[name]["status"] in ("complete", "incomplete"), results[name]
        assert results[name]["record_id"] is not None
    assert len(list((out / "results").iterdir())) == 4
    before, quarantined = _state(out), sorted((out / "quarantine").iterdir())

    again = _ingest(inbox, out, db)
    assert again.returncode == 3, again.stderr
    assert "Traceback" not in again.stderr
    second = {r["source"]["filename"]: r for r in map(json.loads, again.stdout.splitlines())}
    assert second["big.pdf"]["status"] == "rejected"
    assert second["big.pdf"]["problems"][-1]["code"] == "rejected_before"
    assert {second[n]["status"] for n in ("contract.pdf", "agreement.pdf")} == {"duplicate"}
    assert _records(db) == archived  # nothing twice
    assert _state(out) == before
    assert sorted((out / "quarantine").iterdir()) == quarantined
    assert not [p for p in (out / "quarantine").iterdir() if p.name.startswith(".")]


def test_the_size_limit_is_an_option_and_a_file_just_within_it_is_read(tmp_path):
    inbox, out, db = tmp_path / "inbox", tmp_path / "out", tmp_path / "records.db"
    _returns(inbox)
    within = inbox / "contract.pdf"
    size = within.stat().st_size
    (inbox / "over.pdf").write_bytes(os.urandom(2**20 + 1))  # one byte over 1 MiB
    done = _ingest(inbox, out, db, "--size-limit", "1")
    assert done.returncode == 3, done.stderr
    results = {r["source"]["filename"]: r for r in map(json.loads, done.stdout.splitlines())}
    over = results["over.pdf"]
    assert over["problems"][0]["code"] == "too_big"
    assert "larger than 1 MiB, the input size limit" in over["problems"][0]["message"]
    assert (out / over["quarantined"]).read_bytes() == (inbox / "over.pdf").read_bytes()
    assert hashlib.sha256((inbox / "over.pdf").read_bytes()).hexdigest() == over["source"]["sha256"]
    assert size < 2**20
    assert results["contract.pdf"]["status"] in ("complete", "incomplete")
    assert "over.pdf" not in [name for name, _, _ in _records(db)]


def test_an_email_too_large_to_take_apart_is_rejected_unread_and_kept(tmp_path):
    """Emails are parsed in the batch's process: one past a quarter of the limit is not."""
    inbox, out, db = tmp_path / "inbox", tmp_path / "out", tmp_path / "records.db"
    _returns(inbox)
    message = email.message.EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "x"
    message.set_content("notes\n" * 60_000)  # about 360 kB: over 256 KiB
    pdf = (inbox / "contract.pdf").read_bytes() + b"%mailed"
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="c.pdf")
    (inbox / "big.eml").write_bytes(message.as_bytes())
    done = _ingest(inbox, out, db, "--size-limit", "1")
    assert done.returncode == 3, done.stderr
    results = {r["source"]["filename"]: r for r in map(json.loads, done.stdout.splitlines())}
    big = results["big.eml"]
    assert big["status"] == "rejected"
    assert big["problems"][0]["code"] == "too_big"
    assert big["problems"][0]["message"] == "is an email larger than 0.25 MiB: not read"
    assert (out / big["quarantined"]).read_bytes() == (inbox / "big.eml").read_bytes()
    assert "c.pdf" not in str(results)  # its attachment never taken out
    names = [name for name, _, _ in _records(db)]
    assert sorted(names) == ["agreement.pdf", "big.eml", "contract.pdf", "group-record.pdf"]
