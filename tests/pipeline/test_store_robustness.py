"""Kill ingest at random moments, or run two at once: every input is archived exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from forms.template import compiled_form
from pipeline.generate import issue_copy
from pipeline.store import open_store
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
        (folder / f"{form}-{index:04d}.pdf").write_bytes(copies[form] + b"\n%%%d\n" % index)


def ingest(inbox: Path, out: Path, store: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "-q",
            "ingest",
            str(inbox),
            "--out",
            str(out),
            "--store",
            store,
            "--workers",
            "2",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def archived(store_url: str) -> tuple[int, int]:
    with open_store(store_url) as store, store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT COUNT(*), COUNT(DISTINCT sha256) FROM records"))
        total, distinct = rows.one()
    return int(total), int(distinct)


def test_killed_at_random_then_completed_keeps_each_input_once(tmp_path, store_url):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    make_inbox(inbox, 500)
    chance = random.Random(20261122)
    kills, counts = 0, []
    for _ in range(4):
        process = ingest(inbox, out, store_url)
        time.sleep(chance.uniform(0.8, 2.5) if counts else 0.8)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the parent and its workers, mid-batch
            kills += 1
        process.communicate()
        counts.append(archived(store_url)[0])
    assert kills >= 2, "the batch finished before it could be killed: make it bigger"
    assert counts[0] < 500, "the first run was not interrupted mid-batch"
    final = ingest(inbox, out, store_url)
    _, err = final.communicate(timeout=300)
    assert final.returncode == 3, err.decode()  # done; the returns are unsigned
    assert archived(store_url) == (500, 500)
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "records", "--store", store_url, "verify"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("All 500 stored PDFs match their SHA-256 and their archive")


def test_two_ingests_at_once_archive_each_file_once(tmp_path, store_url):
    inbox = tmp_path / "inbox"
    make_inbox(inbox, 240)
    first = ingest(inbox, tmp_path / "out-a", store_url)
    second = ingest(inbox, tmp_path / "out-b", store_url)
    errors = [p.communicate(timeout=300)[1].decode() for p in (first, second)]
    assert first.returncode in (0, 3), errors[0]
    assert second.returncode in (0, 3), errors[1]
    assert "Traceback" not in "".join(errors)
    assert archived(store_url) == (240, 240)
    # Both appended to one audit chain, one line at a time: it verifies whole.
    with open_store(store_url) as store:
        report = store.verify()
    assert report.findings == []
    assert (report.pdfs, report.lines) == (240, 240)


@pytest.fixture(autouse=True)
def _no_stray_processes():
    yield
    # start_new_session put each run in its own group; nothing should be left running.
    time.sleep(0.1)
