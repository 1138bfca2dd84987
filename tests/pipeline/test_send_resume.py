"""send --resume matches rows to copies by content: an edited roster never misdirects a form."""

from __future__ import annotations

import json

from tests.deliveries import (
    ALICE,
    BOB,
    CARA,
    check_agreement,
    log_lines,
    manifest,
    outstanding,
    send,
    write_roster,
)


def issued_to(out) -> dict[str, list[str]]:
    """Name -> the document ids issued for that name, from the manifest."""
    names: dict[str, list[str]] = {}
    for copy in manifest(out):
        names.setdefault(copy["prefill"]["supervisee.name"], []).append(copy["document_id"])
    return names


def test_alice_removed_bob_and_cara_get_their_own_copies(tmp_path, smtp):
    mailbox, url = smtp
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", [ALICE, BOB, CARA])
    mailbox.refuse |= {BOB[1], CARA[1]}
    code, first, _ = send(roster, out, url, store)
    assert code == 3
    assert [(d["recipient"], d["status"]) for d in first] == [
        (ALICE[1], "sent"),
        (BOB[1], "failed"),
        (CARA[1], "failed"),
    ]
    issued = issued_to(out)
    assert {name: len(ids) for name, ids in issued.items()} == {
        ALICE[0]: 1,
        BOB[0]: 1,
        CARA[0]: 1,
    }
    people = {address: name for name, address in [ALICE, BOB, CARA]}
    check_agreement(out, store, mailbox, people, finished=True)

    mailbox.refuse.clear()
    write_roster(roster, [BOB, CARA])  # Alice's row taken out: Bob is now row 1, Cara row 2
    code, second, _ = send(roster, out, url, store, "--resume")
    assert code == 0
    assert [(d["row"], d["recipient"], d["status"]) for d in second] == [
        (1, BOB[1], "sent"),
        (2, CARA[1], "sent"),
    ]
    received = {m.to: m for m in mailbox.received()}
    assert len(mailbox.messages) == 3  # Alice got nothing more
    assert received[BOB[1]].document_id == issued[BOB[0]][0]
    assert received[CARA[1]].document_id == issued[CARA[0]][0]
    assert received[ALICE[1]].document_id == issued[ALICE[0]][0]
    assert issued_to(out) == issued  # no new copy was made
    check_agreement(out, store, mailbox, people, finished=True)
    assert set(outstanding(store)) == {ids[0] for ids in issued.values()}


def test_reordered_and_edited_rows(tmp_path, smtp):
    mailbox, url = smtp
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.csv.jsonl", [ALICE, BOB, CARA])
    mailbox.refuse |= {BOB[1], CARA[1]}
    code, _, _ = send(roster, out, url, store)
    assert code == 3
    before = issued_to(out)
    mailbox.refuse.clear()
    # Cara moves first; Bob's row changes (a new supervisor): his old copy no longer fits.
    rows = [
        {
            "supervisee.name": CARA[0],
            "supervisor.name": "Sam Okafor",
            "_to": f"{CARA[0]} <{CARA[1]}>",
        },
        {"supervisee.name": BOB[0], "supervisor.name": "Uma Patel", "_to": f"{BOB[0]} <{BOB[1]}>"},
        {
            "supervisee.name": ALICE[0],
            "supervisor.name": "Sam Okafor",
            "_to": f"{ALICE[0]} <{ALICE[1]}>",
        },
    ]
    roster.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    code, second, _ = send(roster, out, url, store, "--resume")
    assert code == 0
    after = issued_to(out)
    assert after[CARA[0]] == before[CARA[0]]  # the same copy, wherever her row sits
    assert after[ALICE[0]] == before[ALICE[0]]  # already sent: nothing again
    assert len(after[BOB[0]]) == 2  # changed content: a new copy
    assert [(d["recipient"], d["document_id"]) for d in second] == [
        (CARA[1], before[CARA[0]][0]),
        (BOB[1], after[BOB[0]][1]),
    ]
    people = {address: name for name, address in [ALICE, BOB, CARA]}
    check_agreement(out, store, mailbox, people, finished=True)
    bob_copy = next(c for c in manifest(out) if c["document_id"] == after[BOB[0]][1])
    assert bob_copy["prefill"]["supervisor.name"] == "Uma Patel"


def test_a_repeated_row_is_refused(tmp_path, smtp):
    mailbox, url = smtp
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", [ALICE, BOB, ALICE])
    code, _, err = send(roster, out, url, store)
    assert code == 2
    assert "row 3: repeats row 1" in err
    assert mailbox.messages == []
    assert not out.exists()


def test_every_delivery_is_logged_before_and_after(tmp_path, smtp):
    mailbox, url = smtp
    out, store = tmp_path / "sent", f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "roster.jsonl", [ALICE, BOB])
    mailbox.refuse.add(BOB[1])
    send(roster, out, url, store)
    assert [(line["recipient"], line["status"]) for line in log_lines(out)] == [
        (ALICE[1], "sending"),
        (ALICE[1], "sent"),
        (BOB[1], "sending"),
        (BOB[1], "failed"),
    ]
    keys = {line["key"] for line in log_lines(out)}
    assert len(keys) == 2
    assert keys == {c["key"] for c in manifest(out)}
