"""A full disk, a locked store: one line, exit 1, and every record archived so far reported.

Full disks are real: the command runs in a child whose file-size limit
(``RLIMIT_FSIZE``) is set below what it must write, chosen from what an
unlimited run wrote, never guessed. A lock is real: this process holds
``BEGIN EXCLUSIVE`` on the store while ``ingest`` runs. A store that is not a
database is tests/pipeline/test_store_opening.py's.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.result import IngestResult

from tests.conftest import ISSUED_AT, sample_record

ROOT = Path(__file__).resolve().parents[2]


def make_inbox(folder: Path, count: int) -> None:
    """``count`` distinct returns (a trailing comment makes each file's bytes unique)."""
    folder.mkdir()
    forms = ["contract", "agreement", "group-record"]
    copies = {
        f: issue_copy(compiled_form(f), sample_record(f), issued_at=ISSUED_AT)[1] for f in forms
    }
    for index in range(count):
        form = forms[index % 3]
        (folder / f"{form}-{index:03d}.pdf").write_bytes(copies[form] + b"\n%%%d\n" % index)


def supforms(
    *args: str, limit: int | None = None, stdout: object = subprocess.PIPE, **env: str
) -> subprocess.CompletedProcess[str]:
    """``supforms ARGS`` in a child; ``limit``: no file written past that many bytes."""

    def lower_limit() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "supforms", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lower_limit,  # the child lowers its own limit only
        check=False,
        timeout=300,
    )


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def stored(db: Path) -> dict[str, str]:
    """Each archived record's SHA-256 and file name."""
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT sha256, source_name FROM records"))
            return {row[0]: row[1] for row in rows}
    finally:
        engine.dispose()


def written(out: Path) -> dict[str, str]:
    """Each result file's SHA-256 and file name, as the result files say."""
    found = {}
    for path in (out / "results").iterdir():
        result = json.loads(path.read_text(encoding="utf-8"))
        found[result["source"]["sha256"]] = result["source"]["filename"]
    return found


# -- a full disk while archiving -------------------------------------------------------


def test_a_full_disk_while_archiving_reports_every_record_archived(tmp_path):
    inbox = tmp_path / "inbox"
    make_inbox(inbox, 12)
    whole = tmp_path / "whole.db"
    done = supforms("ingest", str(inbox), "--out", str(tmp_path / "o0"), "--store",
                    f"sqlite:///{whole}", "--workers", "1")  # fmt: skip
    assert done.returncode in (0, 3), done.stderr
    limit = whole.stat().st_size // 2  # the store cannot grow past half of what it needs

    db, out = tmp_path / "records.db", tmp_path / "out"
    store = ["--store", f"sqlite:///{db}", "--workers", "1"]
    done = supforms("ingest", str(inbox), "--out", str(out), "--json", *store, limit=limit)
    assert done.returncode == 1, done.stderr
    line = one_line(done.stderr)
    assert line.startswith(f"supforms: records store {db} failed while archiving: ")
    assert "make room, then run again" in line
    reported = {r["source"]["sha256"]: r for r in map(json.loads, done.stdout.splitlines())}
    archived = stored(db)
    assert 0 < len(archived) < 12  # the disk filled mid-batch
    # Every record archived is reported, and has its result file and index line: no more.
    assert set(reported) == set(archived)
    assert written(out) == archived
    assert all(r["record_id"] is not None for r in reported.values())
    index = [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines()]
    assert {entry["sha256"] for entry in index} == set(archived)
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["files"]) == len(archived)
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")]

    # With room again, the same batch completes: each input archived once, each with its file.
    again = supforms("ingest", str(inbox), "--out", str(out), "--json", *store)
    assert again.returncode in (0, 3), again.stderr
    assert "Traceback" not in again.stderr
    second = [json.loads(line) for line in again.stdout.splitlines()]
    assert len(second) == 12
    assert sorted(r["status"] == "duplicate" for r in second).count(True) == len(archived)
    everything = stored(db)
    assert len(everything) == 12
    assert written(out) == everything
    # Into another folder: each input, archived before, still gets its result file there.
    elsewhere = supforms("ingest", str(inbox), "--out", str(tmp_path / "o2"), *store)
    assert elsewhere.returncode in (0, 3), elsewhere.stderr
    assert written(tmp_path / "o2") == everything
    assert stored(db) == everything


# -- a locked store --------------------------------------------------------------------


def test_a_locked_store_is_one_line_naming_it_and_archives_nothing(tmp_path):
    inbox, first = tmp_path / "inbox", tmp_path / "first"
    make_inbox(first, 1)
    db, out = tmp_path / "records.db", tmp_path / "out"
    store = ["--store", f"sqlite:///{db}", "--workers", "1"]
    assert supforms("ingest", str(first), "--out", str(out), *store).returncode in (0, 3)
    make_inbox(inbox, 3)
    (inbox / "contract-000.pdf").write_bytes((inbox / "contract-000.pdf").read_bytes() + b"%new")
    before = stored(db)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another process writing, for as long as it likes
        done = supforms(
            "ingest", str(inbox), "--out", str(out), "--json", *store,
            SUPFORMS_STORE_TIMEOUT="0.2",
        )  # fmt: skip
    finally:
        holder.rollback()
        holder.close()
    assert done.returncode == 1, done.stderr
    line = one_line(done.stderr)
    assert line == (
        f"supforms: records store {db} failed while archiving: another process holds it "
        "locked (database is locked): run again once it is done, or wait longer with "
        "SUPFORMS_STORE_TIMEOUT=SECONDS"
    )
    assert done.stdout == ""  # nothing archived, nothing reported
    assert stored(db) == before
    assert len(written(out)) == 1
    # The lock gone, the same batch goes through.
    again = supforms("ingest", str(inbox), "--out", str(out), "--json", *store)
    assert again.returncode in (0, 3), again.stderr
    assert len(stored(db)) == 4


def test_a_wait_that_is_not_a_number_of_seconds_is_a_usage_error(tmp_path):
    (tmp_path / "in").mkdir()
    for given in ("soon", "0", "-3", "99999"):
        done = supforms(
            "ingest", str(tmp_path / "in"), "--out", str(tmp_path / "o"),
            "--store", f"sqlite:///{tmp_path}/r.db", SUPFORMS_STORE_TIMEOUT=given,
        )  # fmt: skip
        assert done.returncode == 2, (given, done.stderr)
        assert f"SUPFORMS_STORE_TIMEOUT is '{given}'" in one_line(done.stderr)


# -- an export or a list onto a full disk ----------------------------------------------


def _big_store(db: Path, count: int = 1000) -> None:
    with open_store(f"sqlite:///{db}") as store:
        for n in range(count):
            name = f"return-{n:05d}-{'x' * 100}.pdf"
            source = {"sha256": f"{n:064x}", "filename": name, "bytes": 10}
            result = IngestResult.from_json({"source": source, "status": "rejected"})
            store.archive(result, bytes([n % 256]) * 10)


def test_an_export_onto_a_full_disk_is_whole_or_absent(tmp_path):
    db = tmp_path / "records.db"
    _big_store(db)
    url = f"sqlite:///{db}"
    for command in (("export",), ("export", "--format", "csv"), ("list", "--json"), ("list",)):
        whole = supforms("records", *command, "--store", url)
        assert whole.returncode == 0, whole.stderr
        size = len(whole.stdout.encode())
        assert size > 100_000
        limit = size // 2
        # -o FILE: written whole (through supforms.pipeline.files) or not at all.
        target = tmp_path / "export.out"
        done = supforms("records", *command, "--store", url, "-o", str(target), limit=limit)
        assert done.returncode == 1, (command, done.stderr)
        assert one_line(done.stderr) == f"supforms: {target}: cannot write: File too large"
        assert not target.exists()
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
        # > FILE through a shell: what was written is taken back, and what was there kept.
        shell = tmp_path / "shell.out"
        shell.write_text("kept from before\n")
        with shell.open("a") as handle:  # >> FILE
            done = supforms("records", *command, "--store", url, stdout=handle, limit=limit)
        assert done.returncode == 1, (command, done.stderr)
        assert one_line(done.stderr) == (
            "supforms: cannot write the output: File too large; what was written of it was "
            "taken back: make room, then run again"
        )
        assert shell.read_text() == "kept from before\n"
        # With room, -o writes it whole, the same as stdout.
        done = supforms("records", *command, "--store", url, "-o", str(target))
        assert done.returncode == 0, done.stderr
        assert target.read_text(encoding="utf-8") == whole.stdout
        assert oct(target.stat().st_mode & 0o777) == "0o600"
        target.unlink()
