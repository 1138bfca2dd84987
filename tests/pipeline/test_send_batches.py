"""A send into a folder holding one already: refused unless --resume or --new-batch says which."""

from __future__ import annotations

import fcntl
import os

from supforms.pipeline.records.opening import open_store

from tests.cli import run
from tests.deliveries import (
    ALICE,
    BOB,
    CARA,
    check_agreement,
    log_lines,
    manifest,
    send,
    send_command,
    write_roster,
)

PEOPLE = {address: name for name, address in [ALICE, BOB, CARA]}


def test_an_unfinished_send_is_refused_without_resume(tmp_path, smtp):
    mailbox, url = smtp
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", [ALICE, BOB, CARA])
    mailbox.refuse |= {BOB[1], CARA[1]}
    code, _, _ = send(roster, out, url, store)
    assert code == 3
    mailbox.refuse.clear()
    before = (manifest(out), log_lines(out), sorted(p.name for p in out.glob("*.pdf")))
    code, lines, err = send(roster, out, url, store)
    assert code == 2
    assert lines == []
    assert err.strip() == (
        f"supforms: {out} holds a send not finished (2 deliveries not sent): run again with "
        "--resume, or --new-batch to send everything again as new copies"
    )
    assert len(mailbox.messages) == 1  # Alice's, from the first run: nobody got a second
    assert (manifest(out), log_lines(out), sorted(p.name for p in out.glob("*.pdf"))) == before
    code, lines, _ = send(roster, out, url, store, "--resume")
    assert code == 0
    assert [line["recipient"] for line in lines] == [BOB[1], CARA[1]]
    check_agreement(out, store, mailbox, PEOPLE)


def test_a_finished_send_is_refused_and_resume_sends_only_new_rows(tmp_path, smtp):
    mailbox, url = smtp
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", [ALICE, BOB])
    assert send(roster, out, url, store)[0] == 0
    code, lines, err = send(roster, out, url, store)
    assert (code, lines) == (2, [])
    assert "holds a finished send of agreement (2 deliveries sent)" in err
    assert "--resume" in err
    assert "--new-batch" in err
    assert len(mailbox.messages) == 2
    write_roster(roster, [ALICE, BOB, CARA])  # a person added
    code, lines, _ = send(roster, out, url, store, "--resume")
    assert code == 0
    assert [line["recipient"] for line in lines] == [CARA[1]]
    assert len(mailbox.messages) == 3
    check_agreement(out, store, mailbox, PEOPLE)


def test_new_batch_sends_everyone_a_new_copy_and_says_so(tmp_path, smtp):
    mailbox, url = smtp
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", [ALICE, BOB])
    mailbox.refuse.add(BOB[1])
    send(roster, out, url, store)
    first = {copy["document_id"] for copy in manifest(out)}
    mailbox.refuse.clear()
    code, lines, err = send(roster, out, url, store, "--new-batch")
    assert code == 0
    assert [(line["recipient"], line["status"]) for line in lines] == [
        (ALICE[1], "sent"),
        (BOB[1], "sent"),
    ]
    assert not {line["document_id"] for line in lines} & first  # new copies
    assert len(manifest(out)) == 4
    assert f"A new batch: every row got a new copy; the 2 earlier copies in {out} stay" in err
    check_agreement(out, store, mailbox, PEOPLE)


def test_resume_and_new_batch_together_are_refused(tmp_path, smtp):
    _, url = smtp
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", [ALICE])
    code, _, err = send(roster, out, url, store, "--resume", "--new-batch")
    assert code == 2
    assert "--resume and --new-batch cannot be used together" in err
    assert manifest(out) == []


def test_another_form_into_the_same_folder_is_its_own_batch(tmp_path, smtp):
    mailbox, url = smtp
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", [ALICE])
    assert send(roster, out, url, store)[0] == 0
    command = send_command(roster, out, url, store)
    command[1] = "contract"
    code, _, err = run(*command)
    assert code == 0, err
    assert len(mailbox.messages) == 2


def test_copies_generated_into_the_folder_are_a_batch_not_sent(tmp_path, smtp):
    _, url = smtp
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", [ALICE, BOB])
    code, _, err = run(
        "generate", "agreement", "--data", str(roster), "--out", str(out), "--store", store
    )
    assert code == 0, err
    code, _, err = send(roster, out, url, store)
    assert code == 2
    assert "holds a send not finished (2 deliveries not sent)" in err


def test_the_store_knows_what_went_when_the_folder_log_is_lost(tmp_path, smtp, store_url):
    """The folder's delivery log gone: the store still says the batch went, and refuses."""
    mailbox, url = smtp
    out = tmp_path / "sent"
    roster = write_roster(tmp_path / "roster.jsonl", [ALICE, BOB])
    assert send(roster, out, url, store_url)[0] == 0
    (out / "delivery.jsonl").unlink()
    code, _, err = send(roster, out, url, store_url)
    assert code == 2
    assert "holds a finished send of agreement (2 deliveries sent)" in err
    with open_store(store_url) as store, store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM deliveries")
    code, _, err = send(roster, out, url, store_url)
    assert code == 2
    assert "holds a send not finished (2 deliveries not sent)" in err
    assert len(mailbox.messages) == 2


def test_a_folder_another_send_holds_is_refused(tmp_path, smtp):
    """A second send (or a purge) into a folder a send is using: one line, exit 1, nothing done."""
    mailbox, url = smtp
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", [ALICE])
    out.mkdir()
    fd = os.open(out / ".send.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a running send holds it
        code, lines, err = send(roster, out, url, store)
        assert (code, lines) == (1, [])
        assert err.strip() == (
            f"supforms: {out}: another send (or a purge) is using this folder: "
            "send again when it has finished"
        )
        code, _, err = run("records", "purge", "--yes", "--store", store, "--before",
                           "01/01/2999", "--sent-out", str(out))  # fmt: skip
        assert code == 1
        assert "purge again when it has finished" in err
    finally:
        os.close(fd)
    assert mailbox.messages == []
    assert manifest(out) == []
    code, _, err = send(roster, out, url, store)
    assert code == 0, err
