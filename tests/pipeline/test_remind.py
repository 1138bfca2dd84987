"""supforms remind: the same copy again, to its own people, when due, not too often, saying why."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.cli import run
from tests.deliveries import log_lines, manifest, write_roster
from tests.pipeline.test_ingest import edit
from tests.smtp import Mailbox, Tls, smtp_server

PEOPLE = [("Alice Adams", "alice@example.org"), ("Bob Brown", "bob@example.org")]
NAMES = {address: name for name, address in PEOPLE}


@pytest.fixture
def tls(tmp_path, monkeypatch) -> Tls:
    made = Tls.make(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(made.ca_file))
    return made


@pytest.fixture
def server(tls):
    mailbox = Mailbox()
    with smtp_server(mailbox, starttls=tls) as url:
        yield mailbox, url


def _store(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/records.db"


def _send(tmp_path, url, people=PEOPLE):
    roster = write_roster(tmp_path / "roster.jsonl", people)
    code, _, err = run(
        "send", "agreement", "--roster", str(roster), "--out", str(tmp_path / "out"),
        "--smtp", url, "--store", _store(tmp_path),
    )  # fmt: skip
    assert code == 0, err


def _remind(tmp_path, url, now: datetime, *extra: str):
    code, stdout, err = run(
        "remind", "agreement", "--out", str(tmp_path / "out"), "--smtp", url,
        "--store", _store(tmp_path), "--now", now.isoformat(), "--json", *extra,
    )  # fmt: skip
    return code, [json.loads(line) for line in stdout.splitlines()], err


def _issued_ago(tmp_path, document_id: str, days: int) -> None:
    """Move one copy's issue back in time, in the store (the test's clock)."""
    engine = sa.create_engine(_store(tmp_path))
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE issued SET issued_at = :at WHERE document_id = :id"),
            {"at": datetime.now(UTC) - timedelta(days=days), "id": document_id},
        )
    engine.dispose()


def _reminders(mailbox: Mailbox, start: int):
    return list(mailbox.messages[start:])


def _check_own_copy(tmp_path, message) -> str:
    """The reminder carries the very bytes issued to this person, and names the copy."""
    address = message["To"].addresses[0].addr_spec
    document_id = str(message["X-Supforms-Document-Id"])
    (attachment,) = list(message.iter_attachments())
    data = attachment.get_content()
    (copy,) = [c for c in manifest(tmp_path / "out") if c["document_id"] == document_id]
    assert hashlib.sha256(data).hexdigest() == copy["sha256"]
    assert copy["prefill"]["supervisee.name"] == NAMES[address], "someone else's copy"
    return address


def test_only_after_not_within_every_stops_at_max(tmp_path, server):
    mailbox, url = server
    _send(tmp_path, url)
    copies = {c["prefill"]["supervisee.name"]: c["document_id"] for c in manifest(tmp_path / "out")}
    _issued_ago(tmp_path, copies["Alice Adams"], 20)  # Bob's was issued just now
    now = datetime.now(UTC)
    sent = len(mailbox.messages)

    code, lines, err = _remind(tmp_path, url, now)
    assert code == 0, err
    (line,) = lines
    assert (line["document_id"], line["recipient"], line["reminder"]) == (
        copies["Alice Adams"], "alice@example.org", 1
    )  # fmt: skip
    (message,) = _reminders(mailbox, sent)
    assert _check_own_copy(tmp_path, message) == "alice@example.org"
    assert str(message["Subject"]).startswith("Reminder")

    sent = len(mailbox.messages)
    code, lines, _ = _remind(tmp_path, url, now + timedelta(days=6))
    assert (code, lines, len(mailbox.messages)) == (0, [], sent), "within --every: nothing"

    code, lines, _ = _remind(tmp_path, url, now + timedelta(days=15))
    assert code == 0
    assert sorted((line["recipient"], line["reminder"]) for line in lines) == [
        ("alice@example.org", 2),
        ("bob@example.org", 1),
    ]
    for message in _reminders(mailbox, sent):
        _check_own_copy(tmp_path, message)

    sent = len(mailbox.messages)
    code, lines, _ = _remind(tmp_path, url, now + timedelta(days=30), "--max", "2")
    assert sorted((line["recipient"], line["reminder"]) for line in lines) == [
        ("bob@example.org", 2)
    ]
    code, lines, _ = _remind(tmp_path, url, now + timedelta(days=60), "--max", "2")
    assert (code, lines) == (0, []), "--max reached for both"
    assert len(mailbox.messages) == sent + 1

    reminded = [line for line in log_lines(tmp_path / "out") if line["reminder"]]
    assert [line["status"] for line in reminded].count("sent") == 4
    assert len({line["message_id"] for line in reminded}) == 4
    engine = sa.create_engine(_store(tmp_path))
    with engine.connect() as connection:
        audited = connection.execute(
            sa.text("SELECT detail FROM audit WHERE action = 'remind' ORDER BY id")
        ).scalars()
        details = [json.loads(d) for d in audited]
    engine.dispose()
    assert [(d["document_id"], d["reminder"], d["sent"]) for d in details] == [
        (copies["Alice Adams"], 1, 1),
        (copies["Alice Adams"], 2, 1),
        (copies["Bob Brown"], 1, 1),
        (copies["Bob Brown"], 2, 1),
    ]
    assert "alice" not in json.dumps(details), "no address in the audit log"

    # A reminder is not a delivery of the copy: resuming the send has nothing to do.
    sent = len(mailbox.messages)
    code, _, err = run(
        "send", "agreement", "--roster", str(tmp_path / "roster.jsonl"), "--out",
        str(tmp_path / "out"), "--smtp", url, "--store", _store(tmp_path), "--resume",
    )  # fmt: skip
    assert code == 0, err
    assert len(mailbox.messages) == sent


def test_a_return_to_put_right_gets_what_is_missing_not_the_values(tmp_path, server):
    mailbox, url = server
    _send(tmp_path, url, PEOPLE[:1])
    (copy,) = manifest(tmp_path / "out")
    returned = edit(
        (tmp_path / "out" / copy["file"]).read_bytes(),
        {"supervisor.job_title": "Quiet Harbour Lead", "agreed_on": "31/02/2026"},
    )
    (tmp_path / "return.pdf").write_bytes(returned)
    code, _, err = run(
        "ingest", str(tmp_path / "return.pdf"), "--out", str(tmp_path / "ingest"),
        "--store", _store(tmp_path), "--workers", "1",
    )  # fmt: skip
    assert code == 3, err
    sent = len(mailbox.messages)

    code, lines, err = _remind(tmp_path, url, datetime.now(UTC) + timedelta(days=15))
    assert code == 0, err
    (message,) = _reminders(mailbox, sent)
    _check_own_copy(tmp_path, message)
    body = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for text in (body, html):
        assert "Date of Agreement is not filled in correctly." in text
        assert "Supervisor signature is missing." in text
        assert "Supervisee signature is missing." in text
        assert "Quiet Harbour Lead" not in text
        assert "31/02/2026" not in text


def test_a_complete_return_ends_the_reminders(tmp_path, server):
    mailbox, url = server
    _send(tmp_path, url, PEOPLE[:1])
    (copy,) = manifest(tmp_path / "out")
    engine = sa.create_engine(_store(tmp_path))
    with engine.begin() as connection:  # as a complete return of it would be kept
        connection.execute(
            sa.text(
                "INSERT INTO records (sha256, pdf, result, form, version, document_id, status,"
                " source_name, received_at) VALUES ('ab', x'00', '{}', 'agreement', '1.0.0',"
                " :id, 'complete', 'r.pdf', :at)"
            ),
            {"id": copy["document_id"], "at": datetime.now(UTC)},
        )
    engine.dispose()
    code, lines, _ = _remind(tmp_path, url, datetime.now(UTC) + timedelta(days=15))
    assert (code, lines) == (0, [])


def test_unknown_addresses_are_listed_and_a_changed_copy_refused(tmp_path, server):
    mailbox, url = server
    _send(tmp_path, url)
    out = tmp_path / "out"
    copies = {c["prefill"]["supervisee.name"]: c for c in manifest(out)}
    # Alice's delivery is neither in the store nor in the log: her address is not guessed.
    lines = (out / "delivery.jsonl").read_text().splitlines()
    kept = [line for line in lines if "alice@" not in line]
    (out / "delivery.jsonl").write_text("\n".join(kept) + "\n")
    # Bob's copy was changed in the store after it was issued: it is not sent again.
    engine = sa.create_engine(_store(tmp_path))
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM deliveries WHERE recipient = 'alice@example.org'"))
        connection.execute(
            sa.text("UPDATE issued_pdfs SET pdf = x'255044462d312e37' WHERE document_id = :id"),
            {"id": copies["Bob Brown"]["document_id"]},
        )
    engine.dispose()
    sent = len(mailbox.messages)

    code, found, _ = _remind(tmp_path, url, datetime.now(UTC) + timedelta(days=15))
    assert code == 3
    assert sorted((line["document_id"], line["status"]) for line in found) == sorted(
        [(copies["Alice Adams"]["document_id"], "unknown"),
         (copies["Bob Brown"]["document_id"], "refused")]
    )  # fmt: skip
    assert len(mailbox.messages) == sent


def test_dry_run_sends_and_logs_nothing(tmp_path, server):
    mailbox, url = server
    _send(tmp_path, url)
    before = log_lines(tmp_path / "out")
    sent = len(mailbox.messages)
    code, lines, _ = _remind(tmp_path, url, datetime.now(UTC) + timedelta(days=15), "--dry-run")
    assert code == 0
    assert sorted(line["recipient"] for line in lines) == ["alice@example.org", "bob@example.org"]
    assert {line["status"] for line in lines} == {"dry-run"}
    assert len(mailbox.messages) == sent
    assert log_lines(tmp_path / "out") == before
