"""The email that carries a prefilled form to one recipient, and the ways to deliver it.

Messages come from Jinja2 templates (``pipeline/templates/email_*.j2``, or a
folder of the organisation's own): a subject, a plain-text body and, if its
template exists, an HTML part (autoescaped). Delivery is to ``.eml`` files that
any mail client opens, or over SMTP (``smtp://`` with STARTTLS when the server
offers it, ``smtps://`` with TLS from the start), with the user name and
password from the environment, never the command line.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import jinja2

from pipeline.private import write_private
from schemas.errors import PipelineError

__all__ = ["EmlFolder", "Letter", "SmtpServer", "Transport", "compose_email"]

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Letter:
    """What one recipient is sent: who, which copy, and the template's variables."""

    name: str
    address: str
    document_id: str
    pdf_name: str
    pdf: bytes
    variables: dict[str, Any]


@cache
def _environment(folder: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(folder), jinja2.FileSystemLoader(TEMPLATES)]
        ),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
    )


def compose_email(letter: Letter, sender: str, templates: Path | None = None) -> EmailMessage:
    """The message for one recipient, with the PDF attached as ``application/pdf``."""
    env = _environment(str(templates or TEMPLATES))
    values = {"name": letter.name, "document_id": letter.document_id, **letter.variables}
    try:
        subject = env.get_template("email_subject.txt.j2").render(values).strip()
        text = env.get_template("email_body.txt.j2").render(values)
        html = env.get_template("email_body.html.j2").render(values)
    except jinja2.TemplateError as exc:
        raise PipelineError(f"email template: {exc}") from exc
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((letter.name, letter.address))
    message["Subject"] = " ".join(subject.split())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    message["X-Supforms-Document-Id"] = letter.document_id
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message.add_attachment(
        letter.pdf, maintype="application", subtype="pdf", filename=letter.pdf_name
    )
    return message


class Transport(Protocol):
    def deliver(self, message: EmailMessage, name: str) -> str: ...

    def close(self) -> None: ...


class EmlFolder:
    """Writes each message as a standard ``.eml`` file (opened by any mail client)."""

    def __init__(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PipelineError(f"cannot write emails: {exc.strerror}", path=str(folder)) from exc
        self.folder = folder

    def deliver(self, message: EmailMessage, name: str) -> str:
        """Write the message whole (or raise ``WriteError``: then it is not sent).

        Addresses that differ only in case or punctuation (``jo.smith@``,
        ``Jo_Smith@``) make the same readable ``name``, so the file name ends with
        a short hash of the exact recipient addresses and the document id.
        """
        recipients = "\0".join(sorted(a.addr_spec for a in message["To"].addresses))
        identity = f"{message['X-Supforms-Document-Id']}\0{recipients}"
        key = hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        target = self.folder / f"{name}-{key}.eml"
        write_private(target, bytes(message))
        return str(target)

    def close(self) -> None:
        return None


class SmtpServer:
    """Sends over SMTP; reconnects after a dropped connection, on the next message."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise PipelineError(f"not an SMTP URL: {url!r} (smtp://HOST:PORT or smtps://…)")
        if parts.username or parts.password:
            raise PipelineError(
                "put the SMTP user and password in SUPFORMS_SMTP_USER and "
                "SUPFORMS_SMTP_PASSWORD, not in the URL"
            )
        self.secure = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.secure else 25)
        self.timeout = timeout
        self.user = os.environ.get("SUPFORMS_SMTP_USER")
        self.password = os.environ.get("SUPFORMS_SMTP_PASSWORD")
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.secure:
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            connection.ehlo()
            if connection.has_extn("starttls"):
                connection.starttls(context=context)
                connection.ehlo()
        if self.user:
            connection.login(self.user, self.password or "")
        return connection

    def deliver(self, message: EmailMessage, name: str) -> str:
        """Send one message; raises ``smtplib.SMTPException`` or ``OSError`` on failure."""
        try:
            if self.connection is None:
                self.connection = self._connect()
            self.connection.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing the connection
                self.close()
            raise
        return f"{self.host}:{self.port}"

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            self.connection = None
