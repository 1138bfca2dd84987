"""Real SMTP servers on loopback (aiosmtpd) for the sending tests, and what they received.

A ``Mailbox`` keeps every message it accepts, and can refuse a recipient,
close the connection, log in (or not) and hold a transaction at a chosen step
until the test has done something to the sender (such as SIGKILL), so faults
are placed by progress, never by the clock.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import io
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pypdf
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOLD_WAIT = 300  # seconds: only a guard against a hung test, never a fault point


@dataclass
class Hold:
    """Stop the ``step`` ("MAIL" or "DATA") of transaction number ``at`` until released."""

    step: str
    at: int
    keep: bool = False  # at DATA: keep the message before holding (it went, unacknowledged)
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class Mailbox:
    """An SMTP server's handler: keeps every message; refuses, drops or holds on request."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []  # (mail from, rcpt tos) accepted
        self.refuse: set[str] = set()
        self.drop_for: set[str] = set()  # answer 421 to the data for these
        self.hang_up_at: int | None = None  # close the connection at this DATA, keep nothing
        self.hold: Hold | None = None
        self.users: dict[str, str] = {}
        self.logins: list[tuple[str, bool]] = []  # (user, accepted)
        self.tls_sessions = 0
        self.mails = 0
        self.datas = 0

    # -- aiosmtpd hooks ------------------------------------------------------
    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        self.mails += 1
        await self._maybe_hold("MAIL", self.mails)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.datas += 1
        if session.ssl is not None or server.transport.get_extra_info("ssl_object"):
            self.tls_sessions += 1
        if self.hang_up_at == self.datas:
            server.transport.close()
            return "421 4.3.0 gone"
        if set(envelope.rcpt_tos) & self.drop_for:
            return "421 4.3.0 closing the connection, try again later"
        if self.hold is not None and self.hold.step == "DATA" and self.hold.at == self.datas:
            if self.hold.keep:
                self._keep(envelope)
            await self._maybe_hold("DATA", self.datas)
            return "451 4.3.0 interrupted"
        self._keep(envelope)
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        accepted = self.users.get(user) == password
        self.logins.append((user, accepted))
        return AuthResult(success=accepted, handled=False)

    # -- helpers -------------------------------------------------------------
    def _keep(self, envelope) -> None:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )

    async def _maybe_hold(self, step: str, count: int) -> None:
        hold = self.hold
        if hold is None or hold.step != step or hold.at != count:
            return
        hold.reached.set()
        await asyncio.get_running_loop().run_in_executor(None, hold.release.wait, HOLD_WAIT)

    def received(self) -> list[Received]:
        return [Received.of(m) for m in self.messages]


@dataclass(frozen=True)
class Received:
    """One message as a recipient sees it: to whom, which document, whose values."""

    to: str
    document_id: str
    message_id: str
    date: str
    pdf_document_id: str
    supervisee: str

    @classmethod
    def of(cls, message: EmailMessage) -> Received:
        (attachment,) = list(message.iter_attachments())
        reader = pypdf.PdfReader(io.BytesIO(attachment.get_content()))
        values = reader.get_fields() or {}
        return cls(
            to=message["To"].addresses[0].addr_spec,
            document_id=str(message["X-Supforms-Document-Id"]),
            message_id=str(message["Message-ID"]),
            date=str(message["Date"]),
            pdf_document_id=str(reader.metadata["/SupformsDocumentId"]),
            supervisee=str(values["supervisee.name"].get("/V", "")),
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Tls:
    """A certificate authority made for this test run, and a server certificate from it."""

    ca_file: Path
    server: ssl.SSLContext

    @classmethod
    def make(cls, folder: Path) -> Tls:
        authority = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        ca_file = folder / "test-ca.pem"
        authority.cert_pem.write_to_path(str(ca_file))
        return cls(ca_file, context)


@contextmanager
def smtp_server(
    mailbox: Mailbox, *, starttls: Tls | None = None, implicit: Tls | None = None, auth=False
) -> Iterator[str]:
    """A server on a free loopback port; yields its ``smtp://`` or ``smtps://`` URL."""
    port = free_port()
    options: dict = {}
    if starttls is not None:
        options["tls_context"] = starttls.server
    if auth:
        options["authenticator"] = mailbox.authenticate
        options["auth_require_tls"] = False  # offered in clear too: the client must refuse
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=implicit.server if implicit else None,
        **options,
    )
    controller.start()
    try:
        yield f"{'smtps' if implicit else 'smtp'}://127.0.0.1:{port}"
    finally:
        if mailbox.hold is not None:
            mailbox.hold.release.set()
        controller.stop()
