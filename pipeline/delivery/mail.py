"""How messages go, for ``send``, ``remind`` and ``renew``: one meaning, one safety.

The settings are checked once (``--from`` parsed, no control characters), the
transport chosen once (an SMTP server, else ``.eml`` files), and ``mailing`` opens
the output folder, the store and the transport, in that order, for every command
that sends: a store that cannot register a copy stops the batch before its first email.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from supforms.pipeline.delivery.notify import (
    EmlFolder,
    SmtpServer,
    Transport,
    check_setting,
    parse_sender,
)
from supforms.pipeline.records.opening import store_url
from supforms.pipeline.records.preflight import check_folder, writable_store
from supforms.pipeline.records.store import RecordStore
from supforms.schemas.errors import SettingError

__all__ = ["DEFAULT_SENDER", "MailSettings", "check_return_url", "mailing"]

DEFAULT_SENDER = "Supervision records <records@localhost>"


@dataclass(frozen=True)
class MailSettings:
    """Where and how messages go; the defaults write ``.eml`` files into ``OUT/eml``."""

    smtp: str | None = None
    """``smtps://HOST:PORT`` (TLS) or ``smtp://HOST:PORT`` (STARTTLS, required)."""
    smtp_insecure: bool = False
    """Allow a relay on this machine (localhost) that offers no STARTTLS."""
    eml_dir: Path | None = None
    sender: str = DEFAULT_SENDER
    return_address: str | None = None
    templates: Path | None = None
    """A folder of the person's own email templates (``email_*.j2``, ``reminder_*.j2``)."""
    return_url: str | None = None
    """The web face's address (``supforms serve``): each email carries its personal
    return link, ``RETURN_URL/r/TOKEN`` (``records.return_links``)."""

    def checked(self) -> MailSettings:
        """These settings with the sender parsed; a bad one raises ``SettingError``."""
        check_setting("--return-address", self.return_address)
        check_return_url(self.return_url)
        if self.smtp:  # a malformed server URL is refused now, before a roster is read
            SmtpServer(self.smtp, insecure=self.smtp_insecure)
        return replace(self, sender=parse_sender(self.sender))

    def transport(self, out: Path) -> Transport:
        if self.smtp:
            return SmtpServer(self.smtp, insecure=self.smtp_insecure)
        return EmlFolder(self.eml_dir or out / "eml")


def check_return_url(url: str | None) -> None:
    """``--return-url`` is an http(s) address with a host, on one line, and nothing after."""
    if url is None:
        return
    check_setting("--return-url", url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SettingError(
            f"--return-url is not a web address ({url!r}): give e.g. https://forms.example.org"
        )


@contextmanager
def mailing(
    mail: MailSettings,
    out: Path,
    store: str | None,
    *,
    sending: bool = True,
    create: bool = True,
) -> Iterator[tuple[Transport | None, RecordStore]]:
    """The transport (None when not ``sending``) and the writable store, closed after.

    ``create`` False: a missing store is an error (``remind`` and ``renew`` work from
    what a store already holds), never made empty.
    """
    transport = mail.transport(out) if sending else None
    if sending:
        check_folder(out)
    with writable_store(store_url(store), create=create) as registry:
        if transport is not None:
            transport.open()
        try:
            yield transport, registry
        finally:
            if transport is not None:
                transport.close()
