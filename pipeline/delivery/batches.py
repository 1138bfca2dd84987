"""What a send folder already holds, before ``send`` adds to it: a batch, and stray copies.

A folder holds at most one send of a form at a time. Sending the roster again into
it without ``--resume`` would give every person a second, different copy without a
word, so ``check_batch`` refuses unless ``--resume`` (send only what did not go) or
``--new-batch`` (everything again, as new copies) says which was meant. It refuses a
finished batch too: the same email twice is never what a re-run of the same command
is for; rows added to the roster since are what ``--resume`` sends.

A killed ``send`` (or ``generate``) can leave copies on disk that its manifest never
claimed: ``generate`` writes a few copies ahead in background threads
(``files.WriteQueue``) and lists each in ``manifest.jsonl`` only once it is whole.
Such a copy was never registered, never handed on and never emailed (``send`` mails
only a copy the manifest lists, checked against the manifest's SHA-256), so nobody
holds its document id. ``sweep_unclaimed`` removes it, with any temporary file of a
write cut short, rather than adopting it: an adopted copy would have to be matched
to a roster row by content the PDF does not carry (the row's recipients), while a
new copy for that row costs milliseconds and cannot be misdirected. A copy the store
knows (registered from elsewhere) is never removed.

Removing a file another process is about to claim would break that process, so a
send (and a purge of the folder) holds ``OUT/.send.lock`` while it works
(``folder_lock``); a second one into the same folder is refused at once.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from supforms.forms.reading.recognise import identify
from supforms.pipeline.delivery.delivery_log import REPORT, address_key, read_lines
from supforms.pipeline.delivery.generate import MANIFEST
from supforms.pipeline.records.preflight import store_errors
from supforms.pipeline.records.store import RecordStore
from supforms.schemas.errors import PipelineError, SettingError

__all__ = ["LOCK", "Batch", "check_batch", "earlier_batch", "folder_lock", "sweep_unclaimed"]

LOCK = ".send.lock"


@contextmanager
def folder_lock(out: Path, doing: str = "send") -> Iterator[None]:
    """Hold the send folder ``out`` (made if missing) for this process while it works.

    Raises:
        PipelineError: another process holds it (a send, or a purge of it), or the
            lock file cannot be made (a symbolic link in its place is refused).
    """
    path = out / LOCK
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise PipelineError(
            f"cannot make the folder's lock: {exc.strerror}", path=str(path)
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise PipelineError(f"cannot lock: {exc.strerror}", path=str(path)) from exc
            raise PipelineError(
                f"another send (or a purge) is using this folder: {doing} again when it "
                "has finished",
                path=str(out),
            ) from exc
        yield
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Batch:
    """A form's send in a folder: its copies, and their deliveries sent and not sent."""

    copies: int
    sent: int
    unsent: int
    """Deliveries last ``sending`` or ``failed``, and copies no delivery was tried for."""

    @property
    def finished(self) -> bool:
        return self.copies > 0 and self.unsent == 0


def _copies(out: Path, form_id: str) -> list[dict[str, object]]:
    """The folder's prefilled copies of ``form_id`` still holding their row (not purged)."""
    return [
        entry
        for entry in read_lines(out / MANIFEST)
        if entry.get("form") == form_id
        and entry.get("row") is not None
        and entry.get("prefill") is not None
        and entry.get("document_id")
    ]


def earlier_batch(out: Path, form_id: str, store: RecordStore | None) -> Batch:
    """What ``out`` holds of a send of ``form_id``: the folder's log, and the store's word.

    A delivery the store says went counts as sent even where the folder's log was
    cut short after it; one only the store knows (the folder's log lost) counts too.
    """
    ids = {str(entry["document_id"]) for entry in _copies(out, form_id)}
    if not ids:
        return Batch(0, 0, 0)
    last: dict[tuple[str, str], str] = {}
    for line in read_lines(out / REPORT):
        if line.get("document_id") in ids and not line.get("reminder"):
            last[(line["document_id"], address_key(str(line.get("recipient", ""))))] = str(
                line.get("status")
            )
    if store is not None:
        with store_errors("reading where the copies went"):
            rows = store.deliveries_of(sorted(ids))
        stored: dict[tuple[str, str], str] = {}
        for row in rows:
            if not row.reminder:
                stored[(row.document_id, address_key(row.recipient))] = row.status
        for pair, status in stored.items():
            if status == "sent" or pair not in last:
                last[pair] = status
    tried = {document_id for document_id, _ in last}
    sent = sum(status == "sent" for status in last.values())
    unsent = len(last) - sent + len(ids - tried)
    return Batch(len(ids), sent, unsent)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def check_batch(
    out: Path, form_id: str, store: RecordStore | None, *, resume: bool, new_batch: bool
) -> Batch:
    """The batch ``out`` holds; ``SettingError`` if sending anew would duplicate it unasked.

    Raises:
        SettingError: both ``resume`` and ``new_batch``; or neither, and ``out`` holds
            a send of ``form_id`` (finished or not).
    """
    if resume and new_batch:
        raise SettingError("--resume and --new-batch cannot be used together: choose one")
    batch = earlier_batch(out, form_id, store)
    if resume or new_batch or not batch.copies:
        return batch
    if batch.unsent:
        raise SettingError(
            f"{out} holds a send not finished "
            f"({_plural(batch.unsent, 'delivery', 'deliveries')} not sent): run again with "
            "--resume, or --new-batch to send everything again as new copies"
        )
    raise SettingError(
        f"{out} holds a finished send of {form_id} "
        f"({_plural(batch.sent, 'delivery', 'deliveries')} sent): run again with --resume to "
        "send only rows not sent yet, or --new-batch to send everyone a new copy"
    )


def _copy_name(form_id: str) -> re.Pattern[str]:
    """The name ``generate`` gives a prefilled copy of ``form_id``, and its write's temporary."""
    name = rf"{re.escape(form_id)}-\d{{4}}(?:-[a-z0-9-]+)?-[0-9a-z]{{8}}(?:-print)?\.pdf"
    return re.compile(rf"(?P<copy>{name})|\.(?P<part>{name})\.[0-9a-f]{{12}}\.part")


def _document_id(path: Path) -> str | None:
    """The document id the copy's metadata states; None if it states none or is unreadable."""
    try:
        with pikepdf.open(path) as pdf:
            found = identify(pdf)
    except (OSError, pikepdf.PdfError):
        return None
    return found.document_id if found else None


def sweep_unclaimed(out: Path, form_id: str, store: RecordStore | None) -> list[str]:
    """Remove the copies of ``form_id`` in ``out`` that nothing claims; their names.

    Unclaimed: named as ``generate`` names a prefilled copy, listed in no line of
    the folder's manifest, and (its document id read from its metadata) unknown to
    the store. A temporary file of a copy's write cut short goes too.

    Raises:
        PipelineError: such a file cannot be removed.
    """
    if not out.is_dir():
        return []
    pattern = _copy_name(form_id)
    claimed = {str(entry.get("file")) for entry in read_lines(out / MANIFEST)}
    found: dict[Path, str | None] = {}
    for entry in sorted(os.scandir(out), key=lambda e: e.name):
        match = pattern.fullmatch(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        if match["copy"] is not None and entry.name in claimed:
            continue
        path = Path(entry.path)
        found[path] = _document_id(path) if match["copy"] is not None else None
    ids = sorted({document_id for document_id in found.values() if document_id})
    known: set[str] = set()
    if store is not None and ids:
        with store_errors("reading the issued copies"):
            known = set(store.issued_copies(ids))
    removed = []
    for path, document_id in found.items():
        if document_id in known:
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise PipelineError(
                f"cannot remove a copy no one was sent: {exc.strerror}", path=str(path)
            ) from exc
        if not path.name.startswith("."):
            removed.append(path.name)
    return removed
