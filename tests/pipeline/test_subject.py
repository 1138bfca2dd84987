"""An email's subject reads back exactly, at any length, in any script the forms accept.

The message is composed as supforms composes every email, written as SMTP writes
it (CRLF) and as an .eml file (LF), then parsed by the standard library the way a
mail client's would: the subject must come back character for character.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from supforms.pipeline.delivery.notify import Letter, compose_email

from tests.smtp import Mailbox, smtp_server

WORDS = st.sampled_from([
    "Supervision", "agreement", "(document", "SF-2026-0F3A-91BC)", "Łukasz", "Wiśniewski",
    "Zoë", "Ó", "Briain", "Ахмед", "Иванов", "Ђорђе", "Ελένη", "Gwenllïan", "Şükrü",
    "x" * 40, "—", "é", "a",
])  # fmt: skip


def _compose(subject: str, tmp: Path, pdf: bytes = b"%PDF-1.7\n") -> bytes:
    folder = tmp / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "email_subject.txt.j2").write_text("{{ subject }}", encoding="utf-8")
    (folder / "email_body.txt.j2").write_text("Please fill in the form.", encoding="utf-8")
    (folder / "email_body.html.j2").write_text("<p>Please fill in the form.</p>")
    letter = Letter("Zoë Ó Briain", "zoe@example.org", "SF-2026-0F3A-91BC", "copy.pdf",
                    pdf, {"subject": subject, "title": "Agreement"}, "<a@b>")  # fmt: skip
    message = compose_email(letter, "Records <records@example.org>", folder)
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def _read_back(raw: bytes) -> str:
    return str(message_from_bytes(raw, policy=policy.default)["Subject"])


@settings(max_examples=300, deadline=None)
@given(words=st.lists(WORDS, min_size=1, max_size=40))
def test_any_subject_reads_back_exactly(words, tmp_path_factory):
    subject = " ".join(words)
    raw = _compose(subject, tmp_path_factory.mktemp("subject"))
    assert _read_back(raw) == subject
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78  # folded as RFC 5322 asks
    assert _read_back(raw.replace(b"\r\n", b"\n")) == subject  # as an .eml file


@pytest.mark.parametrize("length", [70, 71, 72, 77, 78, 79, 140, 400])
def test_a_long_ascii_subject_has_no_leading_space(length, tmp_path):
    subject = ("Supervision agreement to fill in and sign " * 20)[:length].strip()
    assert _read_back(_compose(subject, tmp_path)) == subject


def test_through_a_real_smtp_server(tmp_path, blank_pdfs):
    import smtplib

    subject = "Please fill in and sign: Супервизия для Łukasz Wiśniewski (SF-2026-0F3A-91BC)"
    raw = _compose(subject, tmp_path, blank_pdfs["contract"])
    mailbox = Mailbox()
    with smtp_server(mailbox) as url:
        host, port = url.split("://")[1].split(":")
        with smtplib.SMTP(host, int(port)) as client:
            client.sendmail("records@example.org", ["zoe@example.org"], raw)
    (received,) = mailbox.messages  # parsed as a mail client parses it
    assert str(received["Subject"]) == subject
