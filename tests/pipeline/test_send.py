"""supforms send: a real SMTP server on loopback (aiosmtpd), .eml files, failures and resume."""

from __future__ import annotations

import email
import email.policy
import json
import socket
from pathlib import Path

import pypdf
import pytest
from aiosmtpd.controller import Controller

from tests.cli import run


class Mailbox:
    """An SMTP server's handler: keeps every message; refuses or drops on request."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()
        self.drop_for: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if set(envelope.rcpt_tos) & self.drop_for:
            return "421 4.3.0 closing the connection, try again later"
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "pairs.jsonl"
    rows = [
        {
            "supervisee.name": "Zoë Ó Briain",
            "supervisor.name": "Ayşe Yılmaz",
            "_to": "Zoë Ó Briain <zoe@example.org>, Ayşe Yılmaz <ayse@example.org>",
        },
        {
            "supervisee.name": "Ахмед Иванов",
            "supervisor.name": "Ayşe Yılmaz",
            "_to": "Ахмед Иванов <ahmed@example.org>, Ayşe Yılmaz <ayse@example.org>",
        },
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def deliveries(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_sends_each_recipient_their_prefilled_copy(tmp_path, roster, smtp):
    mailbox, url = smtp
    out = tmp_path / "sent"
    code, stdout, _ = run(
        "send",
        "agreement",
        "--roster",
        str(roster),
        "--out",
        str(out),
        "--smtp",
        url,
        "--smtp-insecure",
        "--from",
        "Records <records@council.example>",
        "--json",
    )
    sent = deliveries(stdout)
    assert code == 0
    assert [d["status"] for d in sent] == ["sent"] * 4
    assert len(mailbox.messages) == 4
    by_recipient = {m["To"]: m for m in mailbox.messages}
    zoe = by_recipient["Zoë Ó Briain <zoe@example.org>"]
    document_id = zoe["X-Supforms-Document-Id"]
    assert zoe["Subject"] == f"Please fill in and sign: Supervision Agreement ({document_id})"
    assert "Dear Zoë Ó Briain" in zoe.get_body(("plain",)).get_content()
    assert "Dear Zoë Ó Briain" in zoe.get_body(("html",)).get_content()
    (attachment,) = list(zoe.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    tag = document_id.replace("-", "")[:8].lower()
    assert attachment.get_filename() == f"agreement-0001-zoe-o-briain-{tag}.pdf"
    pdf = attachment.get_content()
    reader = pypdf.PdfReader(__import__("io").BytesIO(pdf))
    assert reader.metadata["/SupformsDocumentId"] == document_id
    assert reader.get_fields()["supervisee.name"]["/V"] == "Zoë Ó Briain"
    ahmed = by_recipient["Ахмед Иванов <ahmed@example.org>"]
    assert pypdf.PdfReader(
        __import__("io").BytesIO(next(ahmed.iter_attachments()).get_content())
    ).get_fields()["supervisee.name"]["/V"] == ("Ахмед Иванов")


def test_failures_are_reported_and_resumed(tmp_path, roster, smtp):
    mailbox, url = smtp
    mailbox.refuse.add("zoe@example.org")
    mailbox.drop_for.add("ahmed@example.org")
    out = tmp_path / "sent"
    code, stdout, err = run(
        "send",
        "agreement",
        "--roster",
        str(roster),
        "--out",
        str(out),
        "--smtp",
        url,
        "--smtp-insecure",
        "--json",
    )
    first = deliveries(stdout)
    assert code == 3
    assert [(d["recipient"], d["status"]) for d in first] == [
        ("zoe@example.org", "failed"),
        ("ayse@example.org", "sent"),
        ("ahmed@example.org", "failed"),
        ("ayse@example.org", "sent"),
    ]
    assert "recipient refused: 550 5.1.1 no such mailbox here" in first[0]["detail"]
    assert "421" in first[2]["detail"]
    assert "run again with --resume" in err
    documents = {d["row"]: d["document_id"] for d in first}
    mailbox.refuse.clear()
    mailbox.drop_for.clear()
    code, stdout, _ = run(
        "send",
        "agreement",
        "--roster",
        str(roster),
        "--out",
        str(out),
        "--smtp",
        url,
        "--smtp-insecure",
        "--json",
        "--resume",
    )
    second = deliveries(stdout)
    assert code == 0
    assert [(d["recipient"], d["status"]) for d in second] == [
        ("zoe@example.org", "sent"),
        ("ahmed@example.org", "sent"),
    ]
    assert {d["row"]: d["document_id"] for d in second} == documents  # the same copies
    assert len(mailbox.messages) == 4
    assert len(list(out.glob("*.pdf"))) == 2


def test_eml_files_and_dry_run(tmp_path, roster):
    out = tmp_path / "sent"
    code, stdout, _ = run(
        "send", "agreement", "--roster", str(roster), "--out", str(out), "--dry-run", "--json"
    )
    assert code == 0
    assert {d["status"] for d in deliveries(stdout)} == {"dry-run"}
    assert not out.exists()  # a dry run makes nothing
    code, stdout, _ = run("send", "agreement", "--roster", str(roster), "--out", str(out))
    assert code == 0
    files = sorted((out / "eml").glob("*.eml"))
    assert len(files) == 4
    shown = stdout.splitlines()  # a line per message, said to be written, not sent
    assert len(shown) == 4
    assert all(line.startswith("written ") for line in shown), shown
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename().endswith(".pdf")
    assert attachment.get_content().startswith(b"%PDF-")


def test_bad_addresses_stop_before_anything_is_sent(tmp_path, smtp):
    mailbox, url = smtp
    roster = tmp_path / "bad.csv"
    roster.write_text("supervisee.name,_to\nZoë,zoe-at-example\nAyşe,\n", encoding="utf-8")
    code, _, err = run(
        "send",
        "contract",
        "--roster",
        str(roster),
        "--out",
        str(tmp_path / "o"),
        "--smtp",
        url,
        "--smtp-insecure",
    )
    assert code == 2
    assert "row 1: _to: 'zoe-at-example' is not an email address" in err
    assert "row 2: _to: no recipient" in err
    assert mailbox.messages == []


def test_credentials_never_on_the_command_line(tmp_path, roster):
    code, _, err = run(
        "send",
        "agreement",
        "--roster",
        str(roster),
        "--out",
        str(tmp_path),
        "--smtp",
        "smtp://user:secret@127.0.0.1:25",
    )
    assert code == 2
    assert "SUPFORMS_SMTP_USER" in err
    assert "secret" not in err


def test_ingest_reads_the_pdfs_attached_to_emails(tmp_path, roster):
    out = tmp_path / "sent"
    run("send", "agreement", "--roster", str(roster), "--out", str(out))
    inbox = out / "eml"
    note = email.message.EmailMessage()
    note["Subject"] = "Re: your form"
    note.set_content("I will send it tomorrow.")
    (inbox / "no-attachment.eml").write_bytes(bytes(note))
    code, stdout, _ = run(
        "ingest", str(inbox), "--out", str(tmp_path / "in"), "--json", "--no-archive"
    )
    results = deliveries(stdout)
    assert code == 3
    forms = [r for r in results if r["form"] == "agreement"]
    assert len(forms) == 4  # one PDF attached to each of the four emails
    assert {r["data"]["supervisee"]["name"] for r in forms} == {"Zoë Ó Briain", "Ахмед Иванов"}
    assert {r["status"] for r in forms} == {"incomplete", "duplicate"}  # same copy, two people
    (note_result,) = [r for r in results if r["source"]["filename"] == "no-attachment.eml"]
    assert note_result["status"] == "rejected"
    assert note_result["problems"][0]["code"] == "no_pdf_attached"
