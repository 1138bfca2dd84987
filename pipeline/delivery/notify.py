"""The email that carries a prefilled form to one recipient, and the ways to deliver it.

Messages come from Jinja2 templates (``pipeline/delivery/templates/email_*.j2``, or a
folder of the organisation's own): a subject, a plain-text body and, if its
template exists, an HTML part (autoescaped). Delivery is to ``.eml`` files that
any mail client opens, or over SMTP with TLS: ``smtps://``, or ``smtp://`` with
STARTTLS, which is then required. Forms and credentials never cross the network
in clear; ``insecure`` (``--smtp-insecure``) allows a relay on this machine
only. The user name and password come from the environment, never the command
line, and no message supforms writes ever contains the password.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email import errors, policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import jinja2
from supforms.pipeline.delivery.headers import MAIL_POLICY
from supforms.pipeline.delivery.roster import control_characters
from supforms.pipeline.files import write_private
from supforms.schemas.errors import PipelineError, SettingError

__all__ = [
    "DeliveryStoppedError",
    "EmlFolder",
    "Letter",
    "MessageFailedError",
    "SettingError",
    "SmtpServer",
    "Transport",
    "check_setting",
    "compose_email",
    "parse_sender",
]

TEMPLATES = Path(__file__).with_name("templates")


class MessageFailedError(PipelineError):
    """This one message did not go (refused, dropped): the batch goes on, resume retries it."""


class DeliveryStoppedError(PipelineError):
    """No message can go (no TLS, wrong password, server gone): the batch stops at once."""


def check_setting(option: str, value: str | None) -> None:
    """A setting that goes into every message holds no control character."""
    bad = control_characters(value or "")
    if bad:
        raise SettingError(f"{option} contains control characters ({bad}): give one line")


def parse_sender(value: str) -> str:
    """``--from`` checked by the standard library's parser: one mailbox, one line."""
    bad = control_characters(value)
    if bad:
        raise SettingError(f"--from contains control characters ({bad}): give one line")
    header = policy.default.header_factory("From", value)
    defects = [d for d in header.defects if not isinstance(d, errors.ObsoleteHeaderDefect)]
    addresses = header.addresses
    if defects or len(addresses) != 1 or not (addresses[0].username and addresses[0].domain):
        raise SettingError(
            f"--from is not one email address ({defects[0] if defects else value!r}): "
            "give e.g. 'Supervision records <records@example.org>'"
        )
    return value


@dataclass(frozen=True)
class Letter:
    """What one recipient is sent: who, which copy, and the template's variables."""

    name: str
    address: str
    document_id: str
    pdf_name: str
    pdf: bytes
    variables: dict[str, Any]
    message_id: str
    in_reply_to: str = ""  # a reminder: its first email's Message-ID, to thread under


@cache
def _environment(folder: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(folder), jinja2.FileSystemLoader(TEMPLATES)]
        ),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
    )


def compose_email(
    letter: Letter, sender: str, templates: Path | None = None, kind: str = "email"
) -> EmailMessage:
    """The message for one recipient, with the PDF attached as ``application/pdf``.

    ``kind`` names the templates: ``email_*.j2`` (a copy sent), ``reminder_*.j2``.

    ``letter.message_id`` is given, not made here: a message sent again after an
    interruption keeps its ``Message-ID``, so the recipient's mail client can
    tell it is the same message.
    """
    env = _environment(str(templates or TEMPLATES))
    values = {
        "name": letter.name,
        "document_id": letter.document_id,
        "return_link": None,  # ``--return-url``: this person's upload page for this copy
        **letter.variables,
    }
    try:
        subject = env.get_template(f"{kind}_subject.txt.j2").render(values).strip()
        text = env.get_template(f"{kind}_body.txt.j2").render(values)
        html = env.get_template(f"{kind}_body.html.j2").render(values)
    except jinja2.TemplateError as exc:
        raise PipelineError(f"email template: {exc}") from exc
    subject = " ".join(subject.split())
    bad = control_characters(subject)
    if bad:
        raise PipelineError(f"email subject contains control characters ({bad})")
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = formataddr((letter.name, letter.address))
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = letter.message_id
    if letter.in_reply_to:
        message["In-Reply-To"] = letter.in_reply_to
        message["References"] = letter.in_reply_to
    message["X-Supforms-Document-Id"] = letter.document_id
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message.add_attachment(
        letter.pdf, maintype="application", subtype="pdf", filename=letter.pdf_name
    )
    return message


class Transport(Protocol):
    def open(self) -> None:
        """Be ready to deliver (connect, log in), or raise ``DeliveryStoppedError``."""

    def deliver(self, message: EmailMessage, name: str) -> str:
        """Deliver one message; ``MessageFailedError``: it alone, ``DeliveryStoppedError``: all."""

    def close(self) -> None: ...


class EmlFolder:
    """Writes each message as a standard ``.eml`` file (opened by any mail client)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeliveryStoppedError(
                f"cannot write emails: {exc.strerror}", path=str(self.folder)
            ) from exc

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


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SmtpServer:
    """Sends over SMTP with TLS; reconnects after a dropped connection, on the next message."""

    def __init__(self, url: str, *, insecure: bool = False, timeout: float = 30.0) -> None:
        try:
            parts = urlsplit(url)
            port = parts.port
            host = parts.hostname
        except ValueError as exc:
            # The URL itself may hold a password: it is never repeated back.
            raise SettingError(
                "--smtp is not a valid URL (a bad port?): give smtp://HOST:PORT or smtps://HOST:PORT"
            ) from exc
        if parts.username or parts.password or "@" in parts.netloc:
            raise SettingError(
                "--smtp: put the SMTP user and password in SUPFORMS_SMTP_USER and "
                "SUPFORMS_SMTP_PASSWORD, not in the URL"
            )
        if parts.scheme not in ("smtp", "smtps") or not host:
            raise SettingError(
                f"--smtp is not an SMTP URL ({parts.scheme or 'no'} scheme): "
                "give smtp://HOST:PORT or smtps://HOST:PORT"
            )
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise SettingError("--smtp takes only smtp://HOST:PORT or smtps://HOST:PORT")
        self.secure = parts.scheme == "smtps"
        if insecure and not self.secure and not _is_loopback(host):
            raise SettingError(
                f"--smtp-insecure is only for a relay on this machine, not {host}: "
                "use TLS (smtps:// or a server offering STARTTLS)"
            )
        self.insecure = insecure and not self.secure
        self.host = host
        self.port = port or (465 if self.secure else 25)
        self.timeout = timeout
        self.user = os.environ.get("SUPFORMS_SMTP_USER")
        self.password = os.environ.get("SUPFORMS_SMTP_PASSWORD")
        self.connection: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _clean(self, text: str) -> str:
        """``text`` with the password masked, wherever a server might echo it."""
        return text.replace(self.password, "***") if self.password else text

    def open(self) -> None:
        if self.connection is None:
            self.connection = self._connect()

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        connection: smtplib.SMTP | None = None
        try:
            if self.secure:
                connection = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                )
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                connection.ehlo()
                if connection.has_extn("starttls"):
                    connection.starttls(context=context)
                    connection.ehlo()
                elif not self.insecure:
                    raise DeliveryStoppedError(
                        f"the SMTP server {self.where} offers no STARTTLS: nothing sent, "
                        "as the forms (and the password) would cross the network in clear; "
                        "use smtps://, or --smtp-insecure for a relay on this machine"
                    )
            if self.user:
                self._login(connection)
        except DeliveryStoppedError:
            self._quit(connection)
            raise
        except smtplib.SMTPAuthenticationError as exc:
            self._quit(connection)
            raise DeliveryStoppedError(
                f"the SMTP server {self.where} refused the user name or password "
                f"({exc.smtp_code} {self._clean(_text(exc))}): stopped before sending"
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            self._quit(connection)
            raise DeliveryStoppedError(
                f"the SMTP server {self.where} does not offer login"
            ) from exc
        except ssl.SSLError as exc:
            self._quit(connection)
            raise DeliveryStoppedError(
                f"TLS with the SMTP server {self.where} failed: {exc.reason or exc}"
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._quit(connection)
            raise DeliveryStoppedError(
                f"cannot reach the SMTP server {self.where}: {self._clean(_describe(exc))}"
            ) from exc
        return connection

    def _login(self, connection: smtplib.SMTP) -> None:
        """One attempt, with one mechanism.

        ``smtplib.login()`` tries each mechanism offered in turn: a wrong password
        would count several times, and accounts get locked out.
        """
        connection.ehlo_or_helo_if_needed()
        offered = connection.esmtp_features.get("auth", "").upper().split()
        mechanism = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
        if mechanism is None:
            raise smtplib.SMTPNotSupportedError("no PLAIN or LOGIN authentication")
        connection.user, connection.password = self.user or "", self.password or ""
        authenticate = connection.auth_plain if mechanism == "PLAIN" else connection.auth_login
        connection.auth(mechanism, authenticate)

    def deliver(self, message: EmailMessage, name: str) -> str:
        """Send one message; a failure of this message alone is ``MessageFailedError``."""
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise MessageFailedError(self._clean(_refusal(exc))) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing the connection
                self.close()
            raise MessageFailedError(
                self._clean(f"server said {exc.smtp_code} {_text(exc)}")
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise MessageFailedError(self._clean(_describe(exc))) from exc
        return self.where

    @staticmethod
    def _quit(connection: smtplib.SMTP | None) -> None:
        if connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.close()

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _text(exc: smtplib.SMTPResponseException) -> str:
    error = exc.smtp_error
    return error.decode(errors="replace") if isinstance(error, bytes) else str(error)


def _refusal(exc: smtplib.SMTPRecipientsRefused) -> str:
    reasons = [
        f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
        for code, msg in exc.recipients.values()
    ]
    return "recipient refused: " + "; ".join(reasons)
