"""Returns straight from a mailbox: ``imaps://USER@HOST[:PORT]/FOLDER``, over TLS only.

Each message not taken before is fetched (without marking it read), saved as an
``.eml`` file under the ingest output and read like one (``supforms.pipeline.intake.mailbox``).
Once every input it gave has its result, the message is remembered in the store
(``imap_seen``: the folder's UIDVALIDITY and the message's UID, RFC 3501) and
then moved to ``move_to``, or flagged ``$SupformsIngested`` if there is none.
Mail is never deleted. A message that cannot be fetched is left where it was,
and listed in the batch summary with the reason.

Order makes it safe to kill at any moment: a message is remembered only after
its returns are archived (archiving the same bytes again keeps one record), and
put away only after it is remembered; a message remembered but still in the
folder is put away on the next run, and never read again.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import re
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from supforms.pipeline.files import write_private
from supforms.pipeline.intake.mailbox import pdfs_from_emails
from supforms.pipeline.names import slug
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.result import IngestResult
from supforms.schemas.errors import PipelineError, SettingError

__all__ = ["FLAG", "MailboxIntake", "MailboxUrl", "is_mailbox_url", "parse_mailbox_url"]

FLAG = "$SupformsIngested"
PASSWORD_VARIABLE = "SUPFORMS_IMAP_PASSWORD"
LEFT = "left_in_mailbox"
_ATOM = re.compile(r"[\x20-\x7e]+")


def is_mailbox_url(text: str) -> bool:
    return text.lower().startswith(("imaps://", "imap://"))


@dataclass(frozen=True)
class MailboxUrl:
    user: str
    host: str
    port: int
    folder: str

    @property
    def key(self) -> str:
        """The folder's identity in the store: account, server and folder."""
        return f"{self.user}@{self.host.lower()}:{self.port}/{self.folder}"


def parse_mailbox_url(url: str) -> MailboxUrl:
    """``imaps://USER@HOST[:PORT]/FOLDER``; the password never goes in it."""
    try:
        parts = urlsplit(url)
        port = parts.port or 993
        host = parts.hostname
    except ValueError as exc:
        raise SettingError(
            "not a valid mailbox URL (a bad port?): imaps://USER@HOST/FOLDER"
        ) from exc
    if parts.scheme.lower() != "imaps":
        raise SettingError(
            "a mailbox is read over TLS only: give imaps://USER@HOST[:PORT]/FOLDER "
            "(IMAP with implicit TLS, port 993)"
        )
    if parts.password is not None:
        raise SettingError(f"put the mailbox password in {PASSWORD_VARIABLE}, not in the URL")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    if not parts.username or not host:
        raise SettingError("give the mailbox as imaps://USER@HOST[:PORT]/FOLDER")
    if not _ATOM.fullmatch(folder) or parts.query or parts.fragment:
        raise SettingError("the mailbox folder must be a name in plain ASCII, e.g. INBOX/Returns")
    return MailboxUrl(unquote(parts.username), host, port, folder)


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class _Message:
    uid: int
    pending: set[str] = field(default_factory=set)  # inputs without a result yet
    outcome: str = "ingested"


class _Folder:
    """One IMAP folder, selected for reading and writing."""

    def __init__(self, url: MailboxUrl, ca_file: Path | None, timeout: float) -> None:
        self.url = url
        password = os.environ.get(PASSWORD_VARIABLE)
        if not password:
            raise SettingError(f"set the mailbox password in {PASSWORD_VARIABLE}")
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        where = f"{url.host}:{url.port}"
        try:
            self.connection = imaplib.IMAP4_SSL(
                url.host, url.port, ssl_context=context, timeout=timeout
            )
        except ssl.SSLCertVerificationError as exc:
            hint = (
                "if the server's certificate comes from your own authority, give its "
                "certificate with --imap-ca FILE.pem"
                if ca_file is None
                else f"the server's certificate is not signed by {ca_file}"
            )
            raise PipelineError(
                f"the mail server {where} did not prove who it is "
                f"({exc.verify_message or exc.reason}): {hint}"
            ) from exc
        except ssl.SSLError as exc:
            raise PipelineError(f"TLS with the mail server {where} failed: {exc.reason}") from exc
        except OSError as exc:
            raise PipelineError(f"cannot reach the mail server {where}: {exc}") from exc
        try:
            self.connection.login(url.user, password)
        except imaplib.IMAP4.error as exc:
            self.close()
            raise PipelineError(
                f"the mail server {where} refused the user name or password"
            ) from exc
        # What the server offers once logged in (often more than before: MOVE).
        _, offered = self.connection.capability()
        self.capabilities = set((offered[0] or b"").decode("ascii", "replace").upper().split())
        status, _ = self.connection.select(_quoted(url.folder))
        if status != "OK":
            self.close()
            raise PipelineError(f"the mail server {where} has no folder {url.folder!r}")
        _, values = self.connection.response("UIDVALIDITY")
        self.uidvalidity = int(values[0]) if values and values[0] else 0
        _, flags = self.connection.response("PERMANENTFLAGS")
        self.keywords = bool(flags and flags[0] and b"\\*" in flags[0])
        self.broken = False

    def uids(self) -> list[int]:
        try:
            status, data = self.connection.uid("SEARCH", "ALL")
        except (imaplib.IMAP4.error, OSError) as exc:
            raise PipelineError(f"the mail server would not list {self.url.folder!r}") from exc
        if status != "OK":
            raise PipelineError(f"the mail server would not list {self.url.folder!r}")
        return sorted(int(uid) for uid in (data[0] or b"").split())

    def size(self, uid: int) -> int | None:
        """The message's size as the server states it (``RFC822.SIZE``); None if not said."""
        try:
            status, data = self.connection.uid("FETCH", str(uid), "(RFC822.SIZE)")
        except imaplib.IMAP4.abort:
            self.broken = True
            return None
        except (imaplib.IMAP4.error, OSError):
            return None
        found = (
            re.search(
                rb"RFC822\.SIZE (\d+)",
                b" ".join(part if isinstance(part, bytes) else b"" for part in data or ()),
            )
            if status == "OK"
            else None
        )
        return int(found[1]) if found else None

    def fetch(self, uid: int) -> bytes | None:
        """The message's bytes, without marking it read; None if the server gave none."""
        try:
            status, data = self.connection.uid("FETCH", str(uid), "(BODY.PEEK[])")
        except imaplib.IMAP4.abort:  # the server hung up on this message: reconnect
            self.broken = True
            return None
        except (imaplib.IMAP4.error, OSError):
            return None
        if status != "OK":
            return None
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        return None

    def ensure(self, folder: str) -> None:
        try:
            status, found = self.connection.list('""', _quoted(folder))
            if status == "OK" and any(item for item in found if item):
                return
            status, data = self.connection.create(_quoted(folder))
        except (imaplib.IMAP4.error, OSError) as exc:
            raise PipelineError(f"cannot make the folder {folder!r}: {exc}") from exc
        if status != "OK":
            raise PipelineError(f"cannot make the folder {folder!r}: {data[0]!r}")

    def put_away(self, uid: int, move_to: str | None) -> None:
        """Move the message (never delete it), or flag it where it is."""
        try:
            self._put_away(uid, move_to)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise PipelineError(
                f"the mail server stopped while message {uid} was put away ({exc}); "
                "it is read already: the next run puts it away"
            ) from exc

    def _put_away(self, uid: int, move_to: str | None) -> None:
        if move_to is not None:
            if "MOVE" in self.capabilities:
                status, data = self.connection.uid("MOVE", str(uid), _quoted(move_to))
            else:  # no MOVE: a copy, and the original flagged, never expunged
                status, data = self.connection.uid("COPY", str(uid), _quoted(move_to))
                if status == "OK":
                    self._flag(uid)
        else:
            status, data = self._flag(uid)
        if status != "OK":
            raise PipelineError(f"could not put message {uid} away: {data[0]!r}")

    def _flag(self, uid: int) -> tuple[str, list[Any]]:
        flag = FLAG if self.keywords else "\\Seen"
        return self.connection.uid("STORE", str(uid), "+FLAGS.SILENT", f"({flag})")

    def close(self) -> None:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            self.connection.logout()


class MailboxIntake:
    """Messages from one IMAP folder as a batch's inputs, each settled once read.

    ``open`` fetches what is new into ``out/mail``; the batch's results go to
    ``settle`` as they come; each message is remembered and put away once all
    of its inputs have a result.
    """

    def __init__(
        self,
        url: str,
        store: RecordStore,
        *,
        move_to: str | None,
        ca_file: Path | None = None,
        timeout: float = 60.0,
        email_limit: int = -1,
    ) -> None:
        self.url = parse_mailbox_url(url)
        self.email_limit = email_limit  # bytes of a message taken apart (-1: any)
        self.store = store
        self.move_to = move_to
        self.ca_file = ca_file
        self.timeout = timeout
        self.pdfs: list[Path] = []
        self.refused: list[tuple[Path, str, str]] = []
        self.left: list[tuple[Path, str, str]] = []
        self.moved = 0
        self._inputs: dict[str, _Message] = {}
        self._folder: _Folder | None = None

    def _reconnect(self, folder: _Folder) -> None:
        folder.close()
        self._folder = _Folder(self.url, self.ca_file, self.timeout)
        if self._folder.uidvalidity != folder.uidvalidity:
            raise PipelineError(
                f"the folder {self.url.folder!r} was rebuilt while it was read "
                "(its UIDVALIDITY changed): run again"
            )

    def open(self, out: Path) -> None:
        self._folder = _Folder(self.url, self.ca_file, self.timeout)
        if self.move_to is not None:
            self._folder.ensure(self.move_to)
        seen = self._seen(self._folder.uidvalidity)
        for uid in self._folder.uids():
            if uid in seen:  # remembered, not put away (a run interrupted): finish it
                if self.move_to is not None:
                    self._folder.put_away(uid, self.move_to)
                    self.moved += 1
                continue
            self._take(self._folder, uid, out)

    def _take(self, folder: _Folder, uid: int, out: Path) -> None:
        name = f"imap-{slug(self.url.host)}-{slug(self.url.folder)}-{folder.uidvalidity}-{uid}"
        where = Path(f"{self.url.host}/{self.url.folder}/UID {uid}")
        size = folder.size(uid) if self.email_limit >= 0 else None
        if size is not None and size > self.email_limit:
            # Fetched, it would be held whole in this process: left where it is, and said.
            mib = self.email_limit / 2**20
            why = f"is an email larger than {mib:g} MiB: not fetched; left in the mailbox"
            self.left.append((where, "too_big", why))
            return
        data = folder.fetch(uid)
        if data is None:
            self.left.append((where, LEFT, "could not be fetched; left in the mailbox"))
            if folder.broken:
                self._reconnect(folder)
            return
        saved = out / "mail" / "imap" / f"{name}.eml"
        try:
            saved.parent.mkdir(parents=True, exist_ok=True)
            write_private(saved, data)
        except OSError as exc:
            raise PipelineError(f"cannot write: {exc.strerror}", path=str(saved)) from exc
        pdfs, refused, _ = pdfs_from_emails([saved], out / "mail", self.email_limit)
        message = _Message(uid, {p.name for p in pdfs} | {p.name for p, _, _ in refused})
        if refused:
            message.outcome = refused[0][1]
        for entry in message.pending:
            self._inputs[entry] = message
        self.pdfs += pdfs
        self.refused += refused

    def settle(self, result: IngestResult) -> None:
        """One input's result is written: once a message has all of its, it is put away."""
        message = self._inputs.pop(result.filename, None)
        if message is None or self._folder is None:
            return
        message.pending.discard(result.filename)
        if message.pending:
            return
        self._remember(self._folder.uidvalidity, message)
        try:
            self._folder.put_away(message.uid, self.move_to)
        except PipelineError:  # the connection dropped while the batch ran: once more
            self._reconnect(self._folder)
            self._folder.put_away(message.uid, self.move_to)
        self.moved += 1

    def _seen(self, uidvalidity: int) -> set[int]:
        return self.store.messages_taken(self.url.key, uidvalidity)

    def _remember(self, uidvalidity: int, message: _Message) -> None:
        self.store.message_taken(self.url.key, uidvalidity, message.uid, message.outcome)

    def close(self) -> None:
        if self._folder is not None:
            self._folder.close()
            self._folder = None
