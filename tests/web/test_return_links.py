"""``--return-url``: each email carries its recipient's own link; the store keeps only its hash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.cli import run
from tests.deliveries import ALICE, BOB, write_roster
from tests.web.returns import LINK, read_eml, send_links, stored_hashes, token_hash

BASE = "https://forms.example.org/"


def test_each_email_and_each_reminder_carries_a_link_of_its_own(tmp_path, smtp):
    store = f"sqlite:///{tmp_path / 'records.db'}"
    sent = send_links(tmp_path, store, smtp, BASE, [ALICE, BOB])
    alice, bob = sent[ALICE[1]], sent[BOB[1]]
    assert alice.link.startswith("https://forms.example.org/r/")  # one slash, not two
    assert alice.token != bob.token
    assert sorted(stored_hashes(store)) == sorted(token_hash(s.token) for s in (alice, bob))
    assert alice.token.encode() not in (tmp_path / "records.db").read_bytes()

    mailbox, url = smtp
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    code, out, err = run(
        "remind", "agreement", "--out", str(tmp_path / "sent"), "--smtp", url, "--smtp-insecure",
        "--store", store, "--now", later, "--json", "--return-url", BASE,
    )  # fmt: skip
    assert code == 0, err
    assert {json.loads(line)["status"] for line in out.splitlines()} == {"sent"}
    reminders = mailbox.messages[2:]
    assert len(reminders) == 2
    path = tmp_path / "reminder.eml"
    path.write_bytes(reminders[0].as_bytes())
    again = read_eml(path)
    assert again.document_id == sent[again.address].document_id
    assert again.token != sent[again.address].token  # a fresh link; the first still works
    assert len(stored_hashes(store)) == 4


def test_written_eml_files_and_a_dry_run_show_the_link(tmp_path):
    store = f"sqlite:///{tmp_path / 'records.db'}"
    roster = write_roster(tmp_path / "roster.jsonl", [ALICE])
    args = ("send", "agreement", "--roster", str(roster), "--store", store, "--return-url", BASE)
    code, out, err = run(*args, "--out", str(tmp_path / "dry"), "--dry-run", "--json")
    assert code == 0, err
    assert "with a return link https://forms.example.org/r/…" in json.loads(out)["detail"]
    assert stored_hashes(store) == []  # a dry run makes no link
    code, _, err = run(*args, "--out", str(tmp_path / "sent"))
    assert code == 0, err
    (eml,) = (tmp_path / "sent" / "eml").glob("*.eml")
    assert len(set(LINK.findall(eml.read_text()))) == 1
    assert read_eml(eml).address == ALICE[1]


def test_a_return_url_that_is_not_a_web_address_is_one_line(tmp_path):
    roster = write_roster(tmp_path / "roster.jsonl", [ALICE])
    for bad in ("forms.example.org", "ftp://x/", "https://x/?a=1", "https://x/\nBcc: y"):
        code, _, err = run(
            "send", "agreement", "--roster", str(roster), "--out", str(tmp_path / "o"),
            "--store", f"sqlite:///{tmp_path / 'r.db'}", "--return-url", bad,
        )  # fmt: skip
        assert code == 2, err
        assert "--return-url" in err
        assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "o").exists()


def test_the_library_send_takes_the_return_url_too(tmp_path):
    import supforms

    roster = write_roster(tmp_path / "roster.jsonl", [ALICE, BOB])
    mail = supforms.MailSettings(return_url=BASE)
    store = f"sqlite:///{tmp_path / 'records.db'}"
    with supforms.send("agreement", roster, tmp_path / "sent", mail=mail, store=store) as sent:
        assert [d.status for d in sent] == ["sent", "sent"]
    links = {
        read_eml(eml).address: read_eml(eml).token
        for eml in (tmp_path / "sent" / "eml").glob("*.eml")
    }
    assert set(links) == {ALICE[1], BOB[1]}
    assert sorted(stored_hashes(store)) == sorted(token_hash(t) for t in links.values())
