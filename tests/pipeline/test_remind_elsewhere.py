"""remind and renew from another folder, in another process: the store knows where copies went.

The send folder is deleted before reminding, as if the officer who sent were on
another machine: the reminder must still reach the right people, each with the
very copy issued to them, from the store alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from supforms.pipeline.records.opening import open_store

from tests.cli import run
from tests.deliveries import log_lines, manifest, write_roster
from tests.pipeline.test_renew import TODAY, _archive_complete_contract

PEOPLE = [("Alice Adams", "alice@example.org"), ("Bob Brown", "bob@example.org")]
NAMES = {address: name for name, address in PEOPLE}


def supforms(cwd: Path, *args: str) -> tuple[int, str, str]:
    """``supforms ARGS`` in its own process, working in ``cwd`` (another checkout, machine)."""
    cwd.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "supforms", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "SUPFORMS_STORE": ""},
        timeout=600,  # a guard against a hung test only
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def _send_from_a(tmp_path: Path, url: str, store: str, monkeypatch) -> dict[str, dict]:
    """Send everyone their agreement from folder A; then folder A is gone. Copies by address."""
    folder = tmp_path / "a"
    folder.mkdir()
    monkeypatch.chdir(folder)
    roster = write_roster(folder / "roster.jsonl", PEOPLE)
    code, _, err = run(
        "send", "agreement", "--roster", str(roster), "--out", "out", "--smtp", url,
        "--store", store,
    )  # fmt: skip
    assert code == 0, err
    copies = {c["prefill"]["supervisee.name"]: c for c in manifest(folder / "out")}
    shutil.rmtree(folder)
    monkeypatch.chdir(tmp_path)
    return {address: copies[name] for address, name in NAMES.items()}


def test_a_send_from_one_folder_is_reminded_from_another(
    tmp_path, starttls_smtp, store_url, monkeypatch
):
    mailbox, url = starttls_smtp
    copies = _send_from_a(tmp_path, url, store_url, monkeypatch)
    sent = len(mailbox.messages)
    now = datetime.now(UTC) + timedelta(days=15)

    code, stdout, err = supforms(
        tmp_path / "b", "remind", "agreement", "--out", "out", "--smtp", url,
        "--store", store_url, "--now", now.isoformat(), "--json",
    )  # fmt: skip
    assert code == 0, err
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert sorted(
        (x["recipient"], x["document_id"], x["status"], x["reminder"]) for x in lines
    ) == [(address, copies[address]["document_id"], "sent", 1) for address in sorted(copies)]
    reminders = mailbox.messages[sent:]
    assert len(reminders) == 2
    for message, received in zip(reminders, mailbox.received()[sent:], strict=True):
        address = received.to
        copy = copies[address]
        assert str(message["Subject"]).startswith("Reminder")
        assert received.document_id == received.pdf_document_id == copy["document_id"]
        assert received.supervisee == NAMES[address], "someone else's copy"
        (attachment,) = list(message.iter_attachments())
        assert hashlib.sha256(attachment.get_content()).hexdigest() == copy["sha256"]
    # Folder B's log is the crash journal of what it sent.
    assert {(x["recipient"], x["status"]) for x in log_lines(tmp_path / "b" / "out")} == {
        (address, state) for address in copies for state in ("sending", "sent")
    }

    # A third folder knows those reminders went: within --every, nothing goes again.
    code, stdout, err = supforms(
        tmp_path / "c", "remind", "agreement", "--out", "out", "--smtp", url,
        "--store", store_url, "--now", (now + timedelta(days=1)).isoformat(), "--json",
    )  # fmt: skip
    assert (code, stdout, len(mailbox.messages)) == (0, "", sent + 2), err
    # A week later, the second reminder, again to each one's own copy.
    code, stdout, err = supforms(
        tmp_path / "c", "remind", "agreement", "--out", "out", "--smtp", url,
        "--store", store_url, "--now", (now + timedelta(days=8)).isoformat(), "--json",
    )  # fmt: skip
    assert code == 0, err
    assert sorted(
        (x["recipient"], x["reminder"]) for x in map(json.loads, stdout.splitlines())
    ) == [(address, 2) for address in sorted(copies)]
    for received in mailbox.received()[sent + 2 :]:
        assert received.pdf_document_id == copies[received.to]["document_id"]


def test_the_store_records_each_delivery_and_a_purge_forgets_them(
    tmp_path, starttls_smtp, store_url
):
    mailbox, url = starttls_smtp
    roster = write_roster(tmp_path / "roster.jsonl", PEOPLE)
    code, _, err = run(
        "send", "agreement", "--roster", str(roster), "--out", str(tmp_path / "out"),
        "--smtp", url, "--store", store_url,
    )  # fmt: skip
    assert code == 0, err
    copies = {c["prefill"]["supervisee.name"]: c for c in manifest(tmp_path / "out")}
    alice = copies["Alice Adams"]
    with open_store(store_url) as store:
        kept = store.deliveries_of([alice["document_id"]])
        assert [(d.recipient, d.name, d.status, d.reminder) for d in kept] == [
            ("alice@example.org", "Alice Adams", "sending", 0),
            ("alice@example.org", "Alice Adams", "sent", 0),
        ]
        (line,) = [x for x in log_lines(tmp_path / "out") if x["status"] == "sent" and
                   x["recipient"] == "alice@example.org"]  # fmt: skip
        (received,) = [m for m in mailbox.received() if m.to == "alice@example.org"]
        assert kept[1].message_id == line["message_id"] == received.message_id
        pdf = store.issued_pdf(alice["document_id"])
        assert pdf is not None
        assert hashlib.sha256(pdf).hexdigest() == alice["sha256"]
        assert store.issued_pdf("no-such-copy") is None
        purged = store.purge(datetime.now(UTC) + timedelta(days=1))
        assert purged.copies == 2
        assert store.deliveries_of([c["document_id"] for c in copies.values()]) == []
        assert store.issued_pdf(alice["document_id"]) is None, "a purge forgets the copy"


def test_an_old_store_without_deliveries_reminds_from_the_send_folder(tmp_path, starttls_smtp):
    """Copies sent before the store kept deliveries: the send folder's log still serves."""
    mailbox, url = starttls_smtp
    store = f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", PEOPLE[:1])
    out = tmp_path / "out"
    code, _, err = run(
        "send", "agreement", "--roster", str(roster), "--out", str(out), "--smtp", url,
        "--store", store,
    )  # fmt: skip
    assert code == 0, err
    with open_store(store) as opened, opened.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM deliveries")
        connection.exec_driver_sql("DELETE FROM issued_pdfs")
    (copy,) = manifest(out)
    sent = len(mailbox.messages)
    now = (datetime.now(UTC) + timedelta(days=15)).isoformat()
    code, stdout, err = run(
        "remind", "agreement", "--out", str(out), "--smtp", url, "--store", store,
        "--now", now, "--json",
    )  # fmt: skip
    assert code == 0, err
    (line,) = [json.loads(x) for x in stdout.splitlines()]
    assert (line["recipient"], line["document_id"]) == ("alice@example.org", copy["document_id"])
    (received,) = mailbox.received()[sent:]
    assert received.pdf_document_id == copy["document_id"]
    # From another folder, that old copy's addresses are not known: listed, not guessed.
    code, stdout, err = run(
        "remind", "agreement", "--out", str(tmp_path / "b"), "--smtp", url, "--store", store,
        "--now", now, "--json",
    )  # fmt: skip
    assert code == 3
    (line,) = [json.loads(x) for x in stdout.splitlines()]
    assert (line["document_id"], line["status"]) == (copy["document_id"], "unknown")
    assert len(mailbox.messages) == sent + 1
    # Resuming the old send into its own folder gives the store what the folder knows.
    code, _, err = run(
        "send", "agreement", "--roster", str(roster), "--out", str(out), "--smtp", url,
        "--store", store, "--resume",
    )  # fmt: skip
    assert (code, len(mailbox.messages)) == (0, sent + 1), err
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    code, stdout, err = run(
        "remind", "agreement", "--out", str(tmp_path / "b"), "--smtp", url, "--store", store,
        "--now", later, "--json",
    )  # fmt: skip
    assert code == 0, err
    (line,) = [json.loads(x) for x in stdout.splitlines()]
    assert (line["recipient"], line["status"]) == ("alice@example.org", "sent")
    (received,) = mailbox.received()[sent + 1 :]
    assert received.pdf_document_id == copy["document_id"]


def test_a_renewal_goes_where_the_copy_went_whichever_folder_renews(
    tmp_path, starttls_smtp, store_url
):
    mailbox, url = starttls_smtp
    record_id, first = _archive_complete_contract(tmp_path, store_url, url)
    shutil.rmtree(tmp_path / "sent")  # the send folder is on another machine
    sent = len(mailbox.messages)
    code, stdout, err = supforms(
        tmp_path / "elsewhere", "renew", "--today", TODAY, "--within", "0d", "--out", "renewals",
        "--smtp", url, "--store", store_url, "--json",
    )  # fmt: skip
    assert code == 0, err
    (line,) = [json.loads(x) for x in stdout.splitlines()]
    assert (line["record_id"], line["status"], line["recipient"]) == (
        record_id, "sent", "alice@example.org"
    )  # fmt: skip
    (renewal,) = manifest(tmp_path / "elsewhere" / "renewals")
    assert renewal["document_id"] == line["document_id"] != first["document_id"]
    (received,) = mailbox.received()[sent:]
    assert (received.to, received.pdf_document_id) == ("alice@example.org", renewal["document_id"])
    assert received.supervisee == "Alice Adams"
