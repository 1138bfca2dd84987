"""supforms ingest over folders: results, quarantine, duplicates, limits, exit codes."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
import supforms.pipeline.intake.ingest
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy

from tests.cli import run
from tests.conftest import ISSUED_AT, sample_record


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    (folder / "team-a").mkdir(parents=True)
    for form_id in ("contract", "agreement", "group-record"):
        data = issue_copy(compiled_form(form_id), sample_record(form_id), issued_at=ISSUED_AT)[1]
        (folder / "team-a" / f"{form_id}.pdf").write_bytes(data)
    (folder / "letter.pdf").write_bytes(b"Dear records officer")  # named as a PDF: rejected
    return folder


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_ingest_folder_writes_results_summary_and_quarantine(inbox, tmp_path):
    out = tmp_path / "out"
    code, stdout, _ = run("ingest", str(inbox), "--out", str(out), "--json", "--workers", "2")
    results = {r["source"]["filename"]: r for r in lines(stdout)}
    assert code == 3  # the letter is rejected, the forms unsigned
    assert set(results) == {"contract.pdf", "agreement.pdf", "group-record.pdf", "letter.pdf"}
    assert results["letter.pdf"]["status"] == "rejected"
    assert results["agreement.pdf"]["status"] == "incomplete"
    quarantined = out / results["letter.pdf"]["quarantined"]
    assert quarantined.read_bytes() == b"Dear records officer"  # the original bytes, kept
    assert len(list((out / "results").glob("*.json"))) == 4
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"] == {"incomplete": 3, "rejected": 1}
    csv_lines = (out / "summary.csv").read_text().splitlines()
    assert csv_lines[0] == "file,form,status,document_id,problems"
    assert len(csv_lines) == 5


def test_same_bytes_again_are_duplicates_and_add_nothing(inbox, tmp_path):
    out = tmp_path / "out"
    run("ingest", str(inbox), "--out", str(out))
    before = sorted(p.name for p in (out / "results").iterdir())
    code, stdout, _ = run(
        "ingest", str(inbox), str(inbox / "team-a" / "contract.pdf"), "--out", str(out), "--json"
    )
    again = {r["source"]["filename"]: r for r in lines(stdout)}
    assert len(again) == 4  # a file named twice is one input
    letter = again.pop("letter.pdf")  # not a form: every copy of it needs a person
    assert letter["status"] == "rejected"
    assert letter["problems"][-1]["code"] == "rejected_before"
    assert {r["status"] for r in again.values()} == {"duplicate"}
    assert sorted(p.name for p in (out / "results").iterdir()) == before
    assert code == 3
    again = list(again.values())
    agreement = next(r for r in again if r["form"] == "agreement")
    assert agreement["data"]["supervisor"]["name"] == "Ахмед Иванов"


@pytest.mark.parametrize("archive", ["--no-archive", "--store"])
def test_copies_of_one_file_in_one_batch_leave_one_result(inbox, tmp_path, archive):
    # Two workers may each read a copy: whichever is recorded first keeps its result.
    data = (inbox / "team-a" / "contract.pdf").read_bytes()
    for name in ("copy-1.pdf", "copy-2.pdf", "copy-3.pdf", "team-a/copy-1.pdf"):
        (inbox / name).write_bytes(data)
    out = tmp_path / "out"
    store = ["--store", f"sqlite:///{tmp_path}/r.db"] if archive == "--store" else [archive]
    code, stdout, _ = run(
        "ingest", str(inbox), "--out", str(out), "--json", "--workers", "2", *store
    )
    results = lines(stdout)
    contracts = [r for r in results if r["form"] == "contract"]
    assert len(contracts) == 5
    assert sorted(r["status"] for r in contracts) == ["duplicate"] * 4 + ["incomplete"]
    kept = [p for p in (out / "results").glob("*.json") if '"contract"' in p.read_text()]
    assert len(kept) == 1
    assert json.loads(kept[0].read_text())["status"] == "incomplete"
    index = [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines()]
    assert len(index) == len({entry["sha256"] for entry in index}) == 4  # 3 forms, 1 letter


def test_globs_and_symlinks(inbox, tmp_path):
    link = inbox / "shortcut.pdf"
    link.symlink_to(inbox / "team-a" / "contract.pdf")
    out = tmp_path / "out"
    code, stdout, _ = run("ingest", str(inbox / "**" / "*.pdf"), "--out", str(out), "--json")
    results = {r["source"]["filename"]: r for r in lines(stdout)}
    assert results["shortcut.pdf"]["status"] == "rejected"
    assert results["shortcut.pdf"]["problems"][0]["code"] == "refused"
    assert results["contract.pdf"]["status"] == "incomplete"
    code, _, err = run("ingest", str(tmp_path / "nowhere" / "*.pdf"), "--out", str(out))
    assert code == 1
    assert "no such file or folder" in err


def _misbehave(data: bytes, filename: str, wording=None):
    if filename == "slow.pdf":
        time.sleep(30)
    if filename == "crash.pdf":
        os.kill(os.getpid(), signal.SIGKILL)
    if filename == "bug.pdf":  # a reader's bug: a worker that raises, not one that dies
        raise KeyError("/Kids")
    if filename == "greedy.pdf":
        hoard = bytearray(600 * 2**20)
        time.sleep(30)
        return hoard
    return _real(data, filename, wording)


_real = supforms.pipeline.intake.ingest.ingest_bytes


@pytest.mark.slow
def test_a_file_past_its_limits_is_rejected_and_the_batch_goes_on(inbox, tmp_path, monkeypatch):
    # Workers fork from this process, so they read files with this stand-in parser.
    monkeypatch.setattr(supforms.pipeline.intake.ingest, "ingest_bytes", _misbehave)
    for name in ("slow.pdf", "crash.pdf", "greedy.pdf", "bug.pdf"):
        (inbox / name).write_bytes(b"%PDF-1.7 placeholder " + name.encode())
    out = tmp_path / "out"
    started = time.monotonic()
    code, stdout, _ = run(
        "ingest",
        str(inbox),
        "--out",
        str(out),
        "--json",
        "--workers",
        "2",
        "--time-limit",
        "3",
        "--memory-limit",
        "400",
    )
    results = {r["source"]["filename"]: r for r in lines(stdout)}
    assert time.monotonic() - started < 25
    assert code == 3
    assert results["slow.pdf"]["problems"][0]["code"] == "too_slow"
    assert results["crash.pdf"]["problems"][0]["code"] == "crashed"
    assert results["greedy.pdf"]["problems"][0]["code"] == "too_big"
    assert results["bug.pdf"]["problems"][0] == {
        "field": "(file)",
        "code": "crashed",
        "message": "the reader failed (KeyError)",
    }
    for name in ("slow.pdf", "crash.pdf", "greedy.pdf", "bug.pdf"):
        assert results[name]["status"] == "rejected"
        assert (out / results[name]["quarantined"]).read_bytes().endswith(name.encode())
    assert results["agreement.pdf"]["status"] == "incomplete"  # the good ones unaffected
    assert results["contract.pdf"]["data"]["supervisee"]["name"] == "Zoë Ó Briain"


def test_inspect_explains_one_file(inbox):
    code, stdout, _ = run("inspect", str(inbox / "team-a" / "agreement.pdf"))
    assert code == 3
    assert "Status:      incomplete" in stdout
    assert "Form:        agreement version 1.1.0 (identified by metadata)" in stdout
    assert "supervisee.name" in stdout
    assert "Łukasz Wiśniewski" in stdout
    assert "unsigned: Signatures: Supervisor: Signature is not signed" in stdout
    code, stdout, _ = run("inspect", str(inbox / "letter.pdf"), "--json")
    assert json.loads(stdout)["problems"][0]["code"] == "not_a_pdf"


def test_unwritable_out_exits_1(inbox, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run("ingest", str(inbox), "--out", str(blocker / "out"))
    assert code == 1
    assert "output folder is not writable" in err


def test_a_file_gone_before_it_is_read_is_rejected_as_unreadable(inbox, tmp_path):
    from supforms.pipeline.intake.batch import Batch
    from supforms.pipeline.intake.inputs import find_inputs
    from supforms.pipeline.intake.workers import Limits

    found = find_inputs([str(inbox)])
    vanished = inbox / "team-a" / "contract.pdf"
    vanished.unlink()
    batch = Batch(tmp_path / "out", 1, Limits())
    results = {r.filename: r for r in batch.run(found.pdfs, found.refused)}
    assert results["contract.pdf"].status == "rejected"
    assert results["contract.pdf"].problems[0].code == "unreadable"
    assert results["agreement.pdf"].status == "incomplete"
    assert batch.summary.counts["rejected"] == 2  # with the letter


def test_everything_written_is_readable_by_its_owner_only(inbox, tmp_path):
    import stat

    out = tmp_path / "out"
    run("ingest", str(inbox), "--out", str(out))
    written = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"index.jsonl", "summary.json", "summary.csv"}
    assert len(written) >= 8  # four results, one quarantined letter, index, summaries
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o600}


def test_a_file_name_cannot_forge_report_lines(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "evil\nfake.pdf: complete\x1b[32m.pdf").write_bytes(b"not a pdf")
    code, _, err = run("ingest", str(inbox), "--out", str(tmp_path / "o"), "--no-archive")
    lines = err.strip().splitlines()
    assert code == 3
    assert lines[0] == (
        "evil\\nfake.pdf: complete\\x1b[32m.pdf: rejected: (file): is not a PDF (no PDF header)"
    )


def test_every_copy_of_an_empty_file_needs_a_person(tmp_path):
    """Two empty files, then the same run again: rejected each time, never a duplicate."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.pdf").write_bytes(b"")
    (inbox / "b.pdf").write_bytes(b"")
    for _ in range(2):
        code, out, err = run(
            "ingest", str(inbox), "--out", str(tmp_path / "out"), "--json", "--workers", "1",
            "--store", f"sqlite:///{tmp_path}/records.db",
        )  # fmt: skip
        assert code == 3, err
        results = [json.loads(line) for line in out.splitlines()]
        assert sorted(r["source"]["filename"] for r in results) == ["a.pdf", "b.pdf"]
        assert {r["status"] for r in results} == {"rejected"}
