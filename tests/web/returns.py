"""Return links as people get them: sent by ``supforms send`` through real SMTP, read from the .eml.

And returns as people make them: the copy from the email, filled through PDFium
(as Chrome's viewer fills it), signed with pyHanko by one or both people.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.records.return_links import token_hash

from tests import engines
from tests.cli import run
from tests.deliveries import send_command, write_roster

LINK = re.compile(r"https?://[^\s<>\"]+/r/[A-Za-z0-9_-]{43}")
SUPERVISEE, SUPERVISOR = "signatures.supervisee.signature", "signatures.supervisor.signature"
PREFILLED = {"supervisee.name", "supervisor.name"}  # write_roster prefills them


@dataclass(frozen=True)
class Sent:
    """One email as its recipient keeps it: the .eml file, the link in it, the copy attached."""

    address: str
    name: str
    document_id: str
    link: str
    pdf: bytes
    eml: Path

    @property
    def token(self) -> str:
        return self.link.rsplit("/", 1)[1]


def read_eml(path: Path) -> Sent:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    (link,) = set(LINK.findall(text))
    assert link in html, "the HTML part carries the same link"
    (attachment,) = list(message.iter_attachments())
    to = message["To"].addresses[0]
    return Sent(
        to.addr_spec, to.display_name, str(message["X-Supforms-Document-Id"]), link,
        attachment.get_content(), path,
    )  # fmt: skip


def send_links(
    tmp: Path, store: str, smtp: tuple, base: str, people: list[tuple[str, str]]
) -> dict[str, Sent]:
    """``supforms send agreement --return-url BASE`` to ``people``: each one's email, by address.

    Each message the SMTP server took is written to ``tmp/mail/N.eml`` as it arrived.
    """
    mailbox, url = smtp
    roster = write_roster(tmp / "roster.jsonl", people)
    before = len(mailbox.messages)
    code, out, err = run(
        *send_command(roster, tmp / "sent", url, store, "--return-url", base, "--new-batch")
    )
    assert code == 0, err
    assert all(json.loads(line)["status"] == "sent" for line in out.splitlines())
    folder = tmp / "mail"
    folder.mkdir(exist_ok=True)
    sent = {}
    for number, message in enumerate(mailbox.messages[before:], start=before):
        path = folder / f"{number}.eml"
        path.write_bytes(message.as_bytes())
        one = read_eml(path)
        sent[one.address] = one
    return sent


def filled(pdf: bytes, signed: tuple[str, ...] = (SUPERVISEE, SUPERVISOR), **extra: str) -> bytes:
    """The agreement's declared sample typed into ``pdf`` through PDFium, then signed."""
    from tests.pipeline.test_engines_roundtrip import completed

    values = {k: v for k, v in completed("agreement").items() if k not in PREFILLED}
    result = engines.fill_pdfium(pdf, {**values, **extra})
    for field in signed:
        result = engines.sign(result, field)
    return result


def records_by_sha(store: str) -> dict[str, list[str]]:
    """Every record's status, by the SHA-256 of its bytes (a list: it must hold one)."""
    with open_store(store) as records:
        rows = list(records.rows(sa.text("SELECT sha256, status FROM records")))
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["sha256"], []).append(row["status"])
    return found


def link_for(store: str, document_id: str, address: str, *, days: int = 90) -> str:
    """A link to ``document_id`` made through the store's own API (as sending makes one)."""
    with open_store(store) as records:
        return records.issue_return_link(document_id, address, days=days)


def register(store: str, document_id: str, address: str) -> None:
    """Register a copy made elsewhere (as ``generate --store`` does), prefilled with nothing."""
    copy = {
        "document_id": document_id, "form": "agreement", "version": "1.1.0",
        "file": f"{document_id}.pdf", "recipient": address,
        "issued_at": datetime.now(UTC).isoformat(), "prefill": {},
    }  # fmt: skip
    with open_store(store) as records:
        records.register([copy])


def stored_hashes(store: str) -> list[str]:
    with open_store(store) as records:
        rows = list(records.rows(sa.text("SELECT * FROM return_links")))
    return [row["token_hash"] for row in rows]


__all__ = ["token_hash"]
