"""A killed send leaves copies its manifest never claimed: the next send removes them.

``generate`` writes copies ahead in background threads and lists each in the
manifest once it is whole; a SIGKILL leaves those not yet listed. The kill
points are chosen from progress (the first message held at the server, the Nth
copy file on disk, the Nth delivery line), never from the clock.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli import run
from tests.deliveries import (
    check_agreement,
    log_lines,
    manifest,
    outstanding,
    send_command,
    write_roster,
)
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


def copies_on_disk(out: Path) -> set[str]:
    return {path.name for path in out.glob("*.pdf")}


def unknown_files(out: Path) -> set[str]:
    """Files in the send folder that the manifest does not list (nor are its logs)."""
    listed = {copy["file"] for copy in manifest(out)}
    listed |= {"manifest.jsonl", "delivery.jsonl", ".send.lock"}
    return {path.name for path in out.iterdir() if path.is_file()} - listed


def killed_send(tmp_path: Path, mailbox: Mailbox, url: str, until) -> tuple[Path, str, Path]:
    """Start a send of PEOPLE, SIGKILL it once ``until(out)`` holds; the folder, store, roster."""
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", PEOPLE)
    with (tmp_path / "stderr").open("wb") as log:
        sender = subprocess.Popen(
            [sys.executable, "-m", "supforms", *send_command(roster, out, url, store)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            _wait_for(lambda: until(out), sender)
            assert until(out), (tmp_path / "stderr").read_text()
            os.kill(sender.pid, signal.SIGKILL)
        finally:
            sender.wait()
            if mailbox.hold is not None:
                mailbox.hold.release.set()
    assert sender.returncode == -signal.SIGKILL
    mailbox.hold = None
    return out, store, roster


def test_copies_written_ahead_are_removed_one_of_them_off_the_roster(tmp_path):
    """The first message held: copy 1 claimed, copies 2-5 written ahead, never claimed."""
    mailbox = Mailbox()
    hold = mailbox.hold = Hold("MAIL", 1)
    with smtp_server(mailbox) as url:
        out, store, roster = killed_send(
            tmp_path,
            mailbox,
            url,
            lambda out: hold.reached.is_set() and len(copies_on_disk(out)) == len(PEOPLE),
        )
        assert len(manifest(out)) == 1
        strays = copies_on_disk(out) - {copy["file"] for copy in manifest(out)}
        assert len(strays) == 4  # written, never listed, registered or sent
        (gone,) = [name for name in strays if "person-c" in name]
        assert set(outstanding(store)) == {copy["document_id"] for copy in manifest(out)}
        # Without --resume the unfinished batch is refused, and nothing is touched.
        code, _, err = run(*send_command(roster, out, url, store))
        assert code == 2
        assert "holds a send not finished (1 delivery not sent)" in err
        assert copies_on_disk(out) >= strays

        kept = [person for person in PEOPLE if person[0] != "Person C"]
        write_roster(roster, kept)  # Person C taken off the roster
        code, _, err = run(*send_command(roster, out, url, store, "--resume"))
        assert code == 0, err
        (said,) = [line for line in err.splitlines() if line.startswith("Removed")]
        assert said.startswith(f"Removed 4 copies an interrupted send left in {out}")
        assert all(name in said for name in strays)
        assert gone not in copies_on_disk(out)
        assert copies_on_disk(out) == {copy["file"] for copy in manifest(out)}
        assert unknown_files(out) == set()
        received = check_agreement(out, store, mailbox, {address: name for name, address in kept})
    assert {message.to for message in received} == {address for _, address in kept}
    assert len(received) == len(kept)
    assert "Person C" not in outstanding(store).values()
    assert not any("person-c" in name for name in copies_on_disk(out))


POINTS = {
    "second copy file on disk": lambda out: len(copies_on_disk(out)) >= 2,
    "fourth copy file on disk": lambda out: len(copies_on_disk(out)) >= 4,
    "second delivery line": lambda out: len(log_lines(out)) >= 2,
    "fifth delivery line": lambda out: len(log_lines(out)) >= 5,
}


@pytest.mark.parametrize("point", POINTS)
def test_after_a_kill_and_resume_every_file_is_known(tmp_path, point):
    mailbox = Mailbox()
    with smtp_server(mailbox) as url:
        out, store, roster = killed_send(tmp_path, mailbox, url, POINTS[point])
        code, _, err = run(*send_command(roster, out, url, store, "--resume"))
        assert code == 0, err
        check_agreement(out, store, mailbox, {address: name for name, address in PEOPLE}, resent=1)
    assert unknown_files(out) == set()
    registry = outstanding(store)
    assert {copy["document_id"] for copy in manifest(out)} == set(registry)
    assert len(manifest(out)) == len(PEOPLE)


def test_only_unclaimed_copies_of_the_form_go(tmp_path):
    """Left alone: the person's own files, another form's, and a copy the store knows."""
    mailbox = Mailbox()
    store = f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", PEOPLE[:2])
    made = {}
    for name, registry in (("ours", store), ("theirs", f"sqlite:///{tmp_path}/other.db")):
        folder = tmp_path / name
        code, _, err = run(
            "generate", "agreement", "--data", str(roster), "--out", str(folder),
            "--store", registry,
        )  # fmt: skip
        assert code == 0, err
        made[name] = sorted(folder.glob("*.pdf"))[0]
    out = tmp_path / "sent"
    out.mkdir()
    known, unknown = (out / made[name].name for name in ("ours", "theirs"))
    shutil.copy(made["ours"], known)  # registered in this store: known
    shutil.copy(made["theirs"], unknown)  # in another store only: unknown here
    part = out / f".{unknown.name}.0123456789ab.part"
    part.write_bytes(b"%PDF-1.7 cut short")
    own = [out / "agreement-final.pdf", out / "notes.pdf", out / "contract-0001-x-0123abcd.pdf"]
    for path in own:
        path.write_bytes(b"mine")
    with smtp_server(mailbox) as url:
        code, _, err = run(*send_command(roster, out, url, store))
    assert code == 0, err
    assert f"Removed 1 copy an interrupted send left in {out}, never registered or sent: " in err
    assert err.count(unknown.name) == 1
    assert not unknown.exists()
    assert not part.exists()
    assert known.exists()
    assert all(path.exists() for path in own)
