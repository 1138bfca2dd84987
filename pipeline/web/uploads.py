"""One upload through a return link: its body within limits, then the same ingest as the CLI's.

The body is counted as it streams: a request whose ``Content-Length`` already
says it is too large is refused before any of it is read, and one that grows past
the limit is refused once it does (``TooLargeError``). The file is then saved, whole,
in its own folder under the returns folder, named ``web:<the name it was sent
with>`` (the name the record's source keeps), and judged by the batch's own path
(``intake.batch.Batch``: a worker process within ``Limits``, the same verdict as
``supforms ingest``). Only a return of the link's own copy, or a file that is no
copy at all (rejected, as ingest rejects it), is archived (``intake.archive``: the
same record and archive line); each upload leaves one more audit line,
``web-return``, saying which link's copy it came through.

Each process judges at most ``CONCURRENT`` uploads at once, off the event loop;
those beyond wait their turn without holding a thread.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

# Loaded here, in the server's process, so that each upload's worker (forked from it)
# starts with the readers in memory rather than importing them for every file.
import supforms.pipeline.intake.ingest  # noqa: F401
from supforms.forms.writing.wording import load_wording
from supforms.pipeline.delivery.shortfall import shortfall
from supforms.pipeline.files import write_private
from supforms.pipeline.intake.archive import archive_result
from supforms.pipeline.intake.batch import Batch
from supforms.pipeline.intake.workers import Limits
from supforms.pipeline.records.return_links import ReturnLink
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.result import IngestResult
from supforms.pipeline.text import printable

__all__ = [
    "CONCURRENT",
    "MAX_BYTES",
    "RATE",
    "RateLimit",
    "TooLargeError",
    "Verdict",
    "limited",
    "take_return",
]

MAX_BYTES = 20 * 2**20
"""The largest file a return page takes: a filled form is well under 1 MB, a scan a few."""
_ENVELOPE = 64 * 2**10  # the multipart framing and the form's other fields
CONCURRENT = 2
"""Uploads one server process judges at once (each in its own worker process)."""
RATE = (10, 600.0)
"""Uploads one link may make per process: 10 in any 10 minutes."""

# Notes for the office, not for the person uploading: they change no verdict.
_NOTES = {"returned_again", "out_of_date_version", "prefill_changed", "duplicate"}


load_wording(None)  # cached: each worker finds it made


class TooLargeError(Exception):
    """The request's body is larger than an upload may be."""


async def limited(stream: AsyncIterator[bytes], cap: int = MAX_BYTES) -> AsyncIterator[bytes]:
    """``stream``, counted: ``TooLargeError`` as soon as it passes ``cap`` and its envelope."""
    total = 0
    async for chunk in stream:
        total += len(chunk)
        if total > cap + _ENVELOPE:
            raise TooLargeError
        yield chunk


def too_large(content_length: str | None, cap: int = MAX_BYTES) -> bool:
    """Whether the request says, before a byte is read, that it is too large."""
    try:
        return content_length is not None and int(content_length) > cap + _ENVELOPE
    except ValueError:
        return False


@dataclass
class RateLimit:
    """At most ``RATE`` uploads per link in this process (the clock is monotonic)."""

    most: int = RATE[0]
    seconds: float = RATE[1]
    _seen: dict[str, deque[float]] = field(default_factory=dict)

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        times = self._seen.setdefault(key, deque())
        while times and now - times[0] >= self.seconds:
            times.popleft()
        if len(times) >= self.most:
            return False
        times.append(now)
        if len(self._seen) > 10_000:  # forget the links quiet for a whole window
            for other in [k for k, v in self._seen.items() if not v or now - v[-1] >= self.seconds]:
                del self._seen[other]
        return True


@dataclass(frozen=True)
class Verdict:
    """What the person is told: ``kind`` and the sentences saying why.

    ``kind``: ``received`` (complete, or a scan for a person to type), ``again``
    (these very bytes were received before), ``fix`` (incomplete or invalid: what
    to put right), ``rejected`` (not a form supforms can read), ``other_copy``
    (a return of another copy than the link's: refused, not archived).
    """

    kind: str
    lines: tuple[str, ...]
    status: str
    record_id: int | None = None
    document_id: str | None = None
    again: bool = False  # these very bytes were received before


def _upload_name(filename: str | None) -> str:
    """``web:`` and the name the browser sent (its last part, printable, at most 100)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in printable(name) if ch.isprintable()).strip()[:100]
    return f"web:{name or 'upload.pdf'}"


def _folder(root: Path) -> Path:
    stamp = datetime.now(UTC)
    return root / stamp.strftime("%Y-%m-%d") / f"{stamp:%H%M%S}-{secrets.token_hex(4)}"


def take_return(
    store: RecordStore, root: Path, link: ReturnLink, filename: str | None, data: bytes
) -> Verdict:
    """Judge and (if it is this link's copy, or no copy at all) archive one upload.

    Blocking: run it off the event loop. ``root``: the returns folder.
    """
    folder = _folder(root)
    path = folder / "upload" / _upload_name(filename)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, data)
    batch = Batch(folder, 1, Limits(), None, None, freeze=False)
    (result,) = list(batch.run([path], []))
    detail = {"document_id": link.document_id, "folder": str(folder), "bytes": len(data)}
    if result.document_id and result.document_id != link.document_id:
        store.log("web-return", {**detail, "refused": result.document_id})
        return _verdict(result, link)
    result = archive_result(store, result, data)
    store.log("web-return", {**detail, "status": result.status}, result.record_id)
    if result.status == "duplicate" and result.record_id is not None:
        earlier = IngestResult.from_json(store.record(result.record_id)[0])
        if earlier.status in ("incomplete", "invalid"):  # the same file, still to put right
            return replace(_verdict(earlier, link), again=True)
    return _verdict(result, link)


def _verdict(result: IngestResult, link: ReturnLink) -> Verdict:
    """The words for the person: from the form's own labels, never the values they typed."""
    status, ids = result.status, (result.record_id, result.document_id)
    if result.document_id and result.document_id != link.document_id:
        line = (
            f"This file is document {result.document_id}, not the form this link is for "
            f"(document {link.document_id}). Nothing was filed: upload the copy we sent "
            "you with this link."
        )
        return Verdict("other_copy", (line,), status, None, result.document_id)
    if status == "duplicate":
        return Verdict("again", (), status, *ids)
    if status in ("complete", "scanned"):
        return Verdict("received", (), status, *ids)
    problems = [{"field": p.field, "code": p.code} for p in result.problems if p.code not in _NOTES]
    if status == "rejected":
        lines = [_sentence(p.message) for p in result.problems if p.code not in _NOTES] or [
            "The file could not be read as a form."
        ]
        return Verdict("rejected", tuple(lines), status, *ids)
    lines = shortfall(result.form or link.form or "", result.version or "", problems)
    return Verdict("fix", tuple(lines or ["The form is not filled in correctly."]), status, *ids)


def _sentence(message: str) -> str:
    """A rejection's words as a sentence about "the file"."""
    text = printable(message).strip().rstrip(".")
    if text.startswith(("is ", "has ", "cannot ", "was ", "does ")):
        text = f"the file {text}"
    return f"{text[:1].upper()}{text[1:]}."
