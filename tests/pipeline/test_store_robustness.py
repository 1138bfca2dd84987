"""Kill ingest at moments chosen from its progress, or run two at once: each input archived once.

A kill point is a number of inputs archived, never a time: the test watches the
results folder (a result is written once its input is archived) and kills when
the count is reached, so it lands mid-batch however fast the machine is.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.records.opening import open_store

from tests.conftest import ISSUED_AT, sample_record

pytestmark = pytest.mark.slow  # processes killed and rerun

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


def ingest(inbox: Path, out: Path, *store: str) -> subprocess.Popen[bytes]:
    """``supforms ingest`` in a process group of its own; ``store``: a URL or ``--no-archive``."""
    where = ["--store", *store] if "://" in "".join(store) else list(store)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "supforms",
            "-q",
            "ingest",
            str(inbox),
            "--out",
            str(out),
            *where,
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


def results_written(out: Path) -> int:
    try:
        return sum(1 for _ in os.scandir(out / "results"))
    except FileNotFoundError:
        return 0


def run_until(process: subprocess.Popen[bytes], out: Path, target: int) -> bool:
    """Watch ``process`` until ``target`` results are written; whether it is still running.

    The pause between looks only spares the CPU: what decides is the count.
    """
    while process.poll() is None:
        if results_written(out) >= target:
            return True
        time.sleep(0.002)
    return False


def test_killed_at_random_then_completed_keeps_each_input_once(tmp_path, store_url):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    total = 500
    make_inbox(inbox, total)
    chance = random.Random(20261122)
    kills = []  # inputs archived when each kill landed
    for _ in range(4):
        # The next kill point: a few more results than the runs before wrote.
        target = min(results_written(out) + chance.randint(5, 60), total - 20)
        process = ingest(inbox, out, store_url)
        if not run_until(process, out, target):
            _, err = process.communicate()
            pytest.fail(f"ingest ended before its kill point: {err.decode()}")
        os.killpg(process.pid, signal.SIGKILL)  # the parent and its workers, mid-batch
        process.communicate()
        kills.append(archived(store_url)[0])
    assert all(0 < count < total for count in kills), kills  # each kill landed mid-batch
    assert all(a < b for a, b in itertools.pairwise(kills)), kills  # none undone
    final = ingest(inbox, out, store_url)
    _, err = final.communicate(timeout=300)
    assert final.returncode == 3, err.decode()  # done; the returns are unsigned
    assert archived(store_url) == (500, 500)
    done = subprocess.run(
        [sys.executable, "-m", "supforms", "records", "--store", store_url, "verify"],
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


def children(pid: int) -> dict[int, str]:
    """The processes whose parent is ``pid``, each with its start time (against pid reuse)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = process_fields(int(entry.name))
            if fields and int(fields[1]) == pid:
                found[int(entry.name)] = fields[19]
    return found


def process_fields(pid: int) -> list[str] | None:
    """``/proc/PID/stat`` from the state on (the name may hold spaces), or None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()


def alive(pid: int, started: str) -> bool:
    fields = process_fields(pid)
    return fields is not None and fields[19] == started and fields[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_workers_die_with_a_batch_killed_mid_way(tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    total = 300
    make_inbox(inbox, total)
    process = ingest(inbox, out, "--no-archive")
    try:
        assert run_until(process, out, 20), process.communicate()[1].decode()
        workers = children(process.pid)
        assert len(workers) == 2  # --workers 2
        os.kill(process.pid, signal.SIGKILL)  # the parent alone: nobody kills the workers
        process.wait()  # (not communicate: a surviving worker holds the stderr pipe open)
        process.stderr.close()
        assert 0 < results_written(out) < total  # it was killed mid-batch
        bound = time.monotonic() + 2.0  # a bound on the wait, not a synchronisation
        while any(alive(*worker) for worker in workers.items()) and time.monotonic() < bound:
            time.sleep(0.01)
        left = [pid for pid, started in workers.items() if alive(pid, started)]
        assert left == [], f"workers {left} outlived their batch"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
