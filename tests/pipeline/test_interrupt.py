"""Ctrl-C (SIGINT) and SIGTERM during ingest, generate and send: an interrupted batch is finished.

The batch runs as a real process with real workers; the signal is sent once the
test has read a chosen number of result lines from its stdout (never after a
delay). Afterwards every record the store holds was reported and has its result
file, the summary lists what was done, and the same command again does the
rest: over both runs, each input gets its verdict exactly once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from supforms.pipeline.intake.workers import Job, Limits, WorkerPool
from supforms.pipeline.names import slug

from tests.cli import run
from tests.deliveries import check_agreement, send_command, write_roster
from tests.pipeline.test_store_faults import make_inbox, stored, supforms, written
from tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.slow  # processes interrupted and run again

ROOT = Path(__file__).resolve().parents[2]
COUNT = 30
DONE = re.compile(r"interrupted \((SIG\w+)\): (\d+) inputs done, (\d+) left; run the same")


def _interrupt(
    command: list[str], after: int, signum: int, tmp_path: Path
) -> tuple[int, list[dict], str]:
    """Run ``command``; send ``signum`` once ``after`` result lines have come out.

    SIGINT goes to the whole process group, workers included, as a terminal's
    Ctrl-C does; SIGTERM to the command alone, as ``kill`` does. (Stderr goes to
    a file: ``communicate`` would miss what the line reader has buffered.)
    """
    errors = tmp_path / "stderr"
    with errors.open("w") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "supforms", *command],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            start_new_session=True,
        )
    assert child.stdout is not None
    with child.stdout:
        seen = []
        while len(seen) < after:
            line = child.stdout.readline()
            if not line:
                break  # it ended first: the assertions below say how
            seen.append(line)
        if signum == signal.SIGINT:
            os.killpg(child.pid, signum)
        else:
            child.send_signal(signum)
        seen += child.stdout.readlines()
    child.wait()
    return child.returncode, [json.loads(line) for line in seen], errors.read_text()


def _by_sha(results: list[dict]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for result in results:
        sha = result["source"]["sha256"]
        assert sha not in found, f"{result['source']['filename']} reported twice"
        found[sha] = result
    return found


def _archived(store: str) -> dict[str, str]:
    """Each record the store holds: its SHA-256 and file name (``records list``)."""
    code, stdout, err = run("records", "--store", store, "list", "--json")
    assert code == 0, err
    return {row["sha256"]: row["source_name"] for row in map(json.loads, stdout.splitlines())}


@pytest.mark.parametrize(
    ("signum", "after", "code"), [(signal.SIGINT, 3, 130), (signal.SIGTERM, 9, 143)]
)
def test_an_interrupted_ingest_reports_what_it_archived_and_a_rerun_does_the_rest(
    tmp_path, store_url, signum, after, code
):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    make_inbox(inbox, COUNT)
    command = ["ingest", str(inbox), "--out", str(out), "--json", "--workers", "2",
               "--store", store_url]  # fmt: skip

    returncode, results, stderr = _interrupt(command, after, signum, tmp_path)
    assert returncode == code, stderr
    assert "Traceback" not in stderr
    first = _by_sha(results)
    match = DONE.search(stderr)
    assert match, stderr
    assert match[1] == signal.Signals(signum).name
    done, left = int(match[2]), int(match[3])
    assert done == len(first) >= after
    assert left > 0  # stopped before the end
    assert done + left == COUNT
    # Archived => reported, with its result file and index line; nothing else archived.
    archived = _archived(store_url)
    assert set(first) == set(archived)
    assert written(out) == archived
    assert all(r["record_id"] is not None for r in first.values())
    assert {r["status"] for r in first.values()} <= {"complete", "incomplete"}
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["files"]) == done
    assert (out / "summary.csv").is_file()
    index = [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines()]
    assert {entry["sha256"] for entry in index} == set(archived)

    again = supforms(*command)
    assert again.returncode in (0, 3), again.stderr
    assert "Traceback" not in again.stderr
    second = _by_sha([json.loads(line) for line in again.stdout.splitlines()])
    assert len(second) == COUNT
    # Each input's verdict is given once over both runs: the first run's are duplicates now.
    assert {sha for sha, r in second.items() if r["status"] == "duplicate"} == set(first)
    verdicts = [*first.values(), *(r for r in second.values() if r["status"] != "duplicate")]
    assert sorted(r["source"]["sha256"] for r in verdicts) == sorted(second)
    everything = _archived(store_url)
    assert len(everything) == COUNT
    assert written(out) == everything


LIBRARY_CALLER = """
import sys
import threading
import supforms

try:
    with supforms.ingest([sys.argv[1]], sys.argv[2], store=sys.argv[3], workers=2) as run:
        for result in run:
            print(result.filename, flush=True)
except KeyboardInterrupt:
    print("stopped", file=sys.stderr)
"""


def test_ctrl_c_reaches_no_worker_of_a_library_caller(tmp_path):
    """A program using ``supforms.ingest`` gets its own KeyboardInterrupt; no worker prints one.

    The library installs no handler: Ctrl-C is the caller's. The workers, which the
    terminal's signal reaches too, ignore it and are ended by the batch.
    """
    inbox = tmp_path / "inbox"
    make_inbox(inbox, 12)
    store = f"sqlite:///{tmp_path}/records.db"
    child = subprocess.Popen(
        [sys.executable, "-c", LIBRARY_CALLER, str(inbox), str(tmp_path / "out"), store],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline()  # the first result is out: the workers are at work
    os.killpg(child.pid, signal.SIGINT)
    _, stderr = child.communicate()
    assert child.returncode == 0
    assert stderr.strip() == "stopped"


def test_a_return_archived_but_never_reported_gets_its_verdict_on_the_rerun(tmp_path):
    """A return archived by a run that ended before reporting it is reported next time.

    The run ends so because the return's result file cannot be written (a folder
    stands in its place); the next run reports that return's verdict and writes
    its file, instead of calling it a duplicate.
    """
    inbox, out, db = tmp_path / "inbox", tmp_path / "out", tmp_path / "records.db"
    make_inbox(inbox, 6)
    victim = sorted(inbox.iterdir())[3]
    sha = hashlib.sha256(victim.read_bytes()).hexdigest()
    blocker = out / "results" / f"{slug(victim.stem)}-{sha[:12]}.json"
    (blocker / "in-the-way").mkdir(parents=True)
    command = ["ingest", str(inbox), "--out", str(out), "--json", "--workers", "1",
               "--store", f"sqlite:///{db}"]  # fmt: skip

    failed = supforms(*command)
    assert failed.returncode == 1, failed.stderr
    assert "Traceback" not in failed.stderr
    first = _by_sha([json.loads(line) for line in failed.stdout.splitlines()])
    assert sha in stored(db)  # archived...
    assert sha not in first  # ...and never reported

    (blocker / "in-the-way").rmdir()
    blocker.rmdir()
    again = supforms(*command)
    assert again.returncode in (0, 3), again.stderr
    second = _by_sha([json.loads(line) for line in again.stdout.splitlines()])
    assert second[sha]["status"] in ("complete", "incomplete")
    assert second[sha]["source"]["filename"] == victim.name
    assert second[sha]["record_id"] is not None
    assert written(out) == stored(db)
    verdicts = [*first.values(), *(r for r in second.values() if r["status"] != "duplicate")]
    assert sorted(r["source"]["sha256"] for r in verdicts) == sorted(stored(db))
    assert not (out / "archiving.jsonl").exists()  # the batch ended whole: no notes left

    # Once reported, it is a duplicate like any other.
    third = _by_sha([json.loads(line) for line in supforms(*command).stdout.splitlines()])
    assert {r["status"] for r in third.values()} == {"duplicate"}


def _holding_job() -> Job:
    def job(path: str) -> dict:
        if path == "stuck":
            threading.Event().wait()  # never returns: only a kill ends it
        return {"path": path}

    return job


def test_a_stopped_pool_hands_out_nothing_more_and_reads_what_it_holds():
    pool = WorkerPool(1, Limits(seconds=60), _holding_job)
    got = []
    for _, done in pool.run(["a", "b", "c", "d", "e"]):
        got.append(done["path"])
        if done["path"] == "a":
            pool.stop()  # the worker holds "b" and "c" (DEPTH), not "d"
    assert got == ["a", "b", "c"]


def test_a_pool_stopped_twice_drops_what_its_workers_hold():
    """A second Ctrl-C does not wait for a file that takes long: it is simply not done."""
    pool = WorkerPool(1, Limits(seconds=60), _holding_job)
    got = []
    for _, done in pool.run(["a", "stuck", "c"]):
        got.append(done["path"])
        pool.stop()  # "stuck" and "c" are with the worker
        pool.stop()
    assert got == ["a"]


GENERATE_DONE = re.compile(
    r"interrupted \(SIGINT\): (\d+) copies done, (\d+) left; each is listed in .*manifest\.jsonl; "
    r"to make the rest, run again with only the rows after row (\d+) of "
)


def test_an_interrupted_generate_lists_and_registers_every_copy_it_made(tmp_path):
    data, out, db = tmp_path / "pairs.jsonl", tmp_path / "out", tmp_path / "records.db"
    rows = [{"supervisee.name": f"Person {n}", "agreed_on": "2026-05-01"} for n in range(COUNT)]
    data.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    command = ["generate", "agreement", "--data", str(data), "--out", str(out), "--json",
               "--store", f"sqlite:///{db}"]  # fmt: skip

    returncode, made, stderr = _interrupt(command, 3, signal.SIGINT, tmp_path)
    assert returncode == 130, stderr
    assert "Traceback" not in stderr
    match = GENERATE_DONE.search(stderr)
    assert match, stderr
    done, left, last_row = map(int, match.groups())
    assert done == len(made) >= 3
    assert left > 0
    assert done + left == COUNT
    assert last_row == made[-1]["row"] == done  # the rows are made in order
    # Every copy made is whole on disk, in the manifest and registered: no more, no less.
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert manifest == made
    assert {p.name for p in out.glob("agreement-*.pdf")} == {copy["file"] for copy in made}
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            registered = connection.execute(sa.text("SELECT document_id FROM issued")).scalars()
            assert set(registered) == {copy["document_id"] for copy in made}
    finally:
        engine.dispose()


def test_an_interrupted_send_reports_what_went_and_resume_sends_the_rest(tmp_path):
    """SIGINT after the third email reported: nothing in flight is lost or sent twice."""
    people = [(f"Person {n:02d}", f"person.{n:02d}@example.org") for n in range(12)]
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", people)
    names = {address: name for name, address in people}
    mailbox = Mailbox()
    with smtp_server(mailbox) as url:
        command = send_command(roster, out, url, store)
        returncode, first, stderr = _interrupt(command, 3, signal.SIGINT, tmp_path)
        assert returncode == 130, stderr
        assert "Traceback" not in stderr
        match = re.search(r"interrupted \(SIGINT\): (\d+) emails done, (\d+) left; "
                          r"run the same command again with --resume", stderr)  # fmt: skip
        assert match, stderr
        assert int(match[1]) == len(first) >= 3
        assert int(match[2]) == len(people) - len(first) > 0
        # What went is reported and logged as sent; nothing was left in flight.
        check_agreement(out, store, mailbox, names, finished=True)
        assert {d["recipient"] for d in first} == {m.to for m in mailbox.received()}

        code, stdout, err = run(*send_command(roster, out, url, store, "--resume"))
        assert code == 0, err
        second = [json.loads(line) for line in stdout.splitlines()]
        received = check_agreement(out, store, mailbox, names, finished=True)
    reported = [d["recipient"] for d in [*first, *second] if d["status"] == "sent"]
    assert sorted(reported) == sorted(names)  # each once, over both runs
    assert sorted(m.to for m in received) == sorted(names)
