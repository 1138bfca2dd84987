"""Returns that arrive by email: the PDFs attached to messages saved as files (``.eml``).

Each PDF attachment becomes an input of its own, named after its message, in a
private folder under the ingest output; a message with no PDF attached is
refused with that reason, its bytes kept like any other rejected input.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from supforms.pipeline.files import make_folder, write_private
from supforms.pipeline.intake.inputs import read_input, read_within
from supforms.pipeline.names import slug
from supforms.schemas.errors import ExtractionError

__all__ = ["NO_PDF", "TOO_BIG", "TOO_DEEP", "Unpacked", "pdfs_from_emails"]

NO_PDF = "no_pdf_attached"
TOO_DEEP = "nested_too_deep"
TOO_BIG = "too_big"
MAX_DEPTH = 32
"""Parts within parts a message may have: a real one has two or three."""


class _TooDeepError(Exception):
    pass


def _parts(message: email.message.Message) -> Iterator[email.message.Message]:
    """Every leaf part, walked with a stack (``Message.walk`` recurses), depth bounded."""
    stack = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _TooDeepError
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend((child, depth + 1) for child in reversed(payload))
        else:
            yield part


def _is_pdf(part: email.message.Message) -> bool:
    name = (part.get_filename() or "").lower()
    return part.get_content_type() == "application/pdf" or name.endswith(".pdf")


def _extracted_name(message: Path, number: int, part: email.message.Message) -> str:
    """A readable name that no other message's attachment can have.

    Messages in different folders often share a name ("RE agreement.eml"), so the
    name ends with a short hash of the message's full path and the attachment's number.
    """
    identity = f"{message.absolute()}\0{number}".encode("utf-8", "surrogateescape")
    key = hashlib.sha256(identity).hexdigest()[:12]
    name = slug(Path(part.get_filename() or "attachment").stem) or "attachment"
    return f"{slug(message.stem) or 'message'}-{number}-{name}-{key}.pdf"


class Unpacked(NamedTuple):
    """What ``pdfs_from_emails`` found: the PDFs saved, the messages refused, and origins."""

    pdfs: list[Path]
    refused: list[tuple[Path, str, str]]
    origins: dict[str, str]
    """Each saved PDF's name -> the email it came in and its name there, as given."""


def pdfs_from_emails(emails: list[Path], folder: Path, limit: int = -1) -> Unpacked:
    """The PDFs attached to ``emails`` (saved in ``folder``), and the messages refused.

    A message of more than ``limit`` bytes (if set) is refused ``too_big`` unread:
    parsing one takes this process several times its size in memory.
    """
    inputs: list[Path] = []
    refused: list[tuple[Path, str, str]] = []
    origins: dict[str, str] = {}
    for path in emails:
        try:
            raw = read_within(path, limit) if limit >= 0 else read_input(path)
            if raw is None:
                why = f"is an email larger than {limit / 2**20:g} MiB: not read"
                refused.append((path, TOO_BIG, why))
                continue
            attachments = _attachments(raw)
        except ExtractionError as exc:
            refused.append((path, "unreadable", exc.message))
            continue
        except (_TooDeepError, RecursionError):
            # The parser follows parts by recursion: a message built to exhaust it is
            # judged here, by name, and its neighbours (and its mailbox) go on.
            why = f"is an email nested more than {MAX_DEPTH} parts deep: not read"
            refused.append((path, TOO_DEEP, why))
            continue
        for number, (part, data) in enumerate(attachments, start=1):
            make_folder(folder)
            # Whole or not at all (WriteError stops the batch): a cut attachment is
            # never ingested, let alone archived as the original.
            target = folder / _extracted_name(path, number, part)
            write_private(target, data)
            inputs.append(target)
            origins[target.name] = f"{path} (attachment {part.get_filename() or number})"
        if not attachments:
            refused.append((path, NO_PDF, "is an email with no PDF attached"))
    return Unpacked(inputs, refused, origins)


def _attachments(raw: bytes) -> list[tuple[email.message.Message, bytes]]:
    """The PDF parts of one message and their bytes; ``_TooDeepError`` past ``MAX_DEPTH``."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    found = []
    for part in _parts(message):
        if _is_pdf(part):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                found.append((part, data))
    return found
