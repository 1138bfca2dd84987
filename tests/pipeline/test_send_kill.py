"""SIGKILL during send, at points chosen from observed progress, then --resume.

The sender runs as a real process; the SMTP server (in this process) holds a
transaction at a chosen step until the sender is killed, or the test watches
the delivery log or the manifest grow. Afterwards the store, the delivery log
and what the server received agree, and --resume sends at most the one message
that was in flight again, with the same Message-ID.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli import run
from tests.deliveries import check_agreement, log_lines, manifest, send_command, write_roster
from tests.smtp import HOLD_WAIT, Hold, Mailbox, smtp_server

pytestmark = pytest.mark.slow  # processes killed and resumed

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = [(f"Person {letter}", f"person.{letter.lower()}@example.org") for letter in "ABCDE"]


def _wait_for(condition, process: subprocess.Popen) -> None:
    """Poll until ``condition()`` (progress), or the sender ends; never a fixed delay."""
    deadline = time.monotonic() + HOLD_WAIT  # a guard against a hung test only
    while not condition() and process.poll() is None:
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.005)


POINTS = {
    "first message received, unacknowledged": Hold("DATA", 1, keep=True),
    "third message in its DATA, not kept": Hold("DATA", 3),
    "second message starting (first logged sent)": Hold("MAIL", 2),
    "delivery log has three lines": 3,
    "manifest has two copies": "manifest",
}


@pytest.mark.parametrize("point", POINTS)
def test_kill_then_resume(tmp_path, point):
    mailbox = Mailbox()
    where = POINTS[point]
    hold = Hold(where.step, where.at, where.keep) if isinstance(where, Hold) else None
    mailbox.hold = hold
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", PEOPLE)
    people = {address: name for name, address in PEOPLE}
    with smtp_server(mailbox) as url:
        log = (tmp_path / "stderr").open("wb")
        sender = subprocess.Popen(
            [sys.executable, "-m", "supforms", *send_command(roster, out, url, store)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            if hold is not None:
                _wait_for(hold.reached.is_set, sender)
                assert hold.reached.is_set(), (tmp_path / "stderr").read_text()
            elif where == "manifest":
                _wait_for(lambda: len(manifest(out)) >= 2, sender)
            else:
                _wait_for(lambda: len(log_lines(out)) >= where, sender)
            os.kill(sender.pid, signal.SIGKILL)
        finally:
            sender.wait()
            log.close()
            if hold is not None:
                hold.release.set()
        assert sender.returncode == -signal.SIGKILL
        before = len(mailbox.messages)
        check_agreement(out, store, mailbox, people, finished=False)
        if hold is not None:
            assert before == hold.at - (hold.step == "MAIL" or not hold.keep)
            mailbox.hold = None

        code, _, err = run(*send_command(roster, out, url, store, "--resume"))
        assert code == 0, err
        received = check_agreement(out, store, mailbox, people, finished=True, resent=1)
    assert {m.to for m in received} == set(people)  # everyone has their copy
    assert len(received) <= len(PEOPLE) + 1  # at most the one in flight went twice
    if hold is not None and hold.keep:
        assert len(received) == len(PEOPLE) + 1
    if hold is not None and not hold.keep:
        assert len(received) == len(PEOPLE)
    ids: dict[tuple[str, str], set[str]] = {}
    for line in log_lines(out):
        ids.setdefault((line["document_id"], line["recipient"]), set()).add(line["message_id"])
    assert all(len(found) == 1 for found in ids.values())  # resent with its Message-ID
    assert len({c["key"] for c in manifest(out)}) == len(manifest(out)) == len(PEOPLE)
