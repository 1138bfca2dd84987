"""Returns that arrive by email: the PDFs attached to messages saved as files (``.eml``).

Each PDF attachment becomes an input of its own, named after its message, in a
private folder under the ingest output; a message with no PDF attached is
refused with that reason, its bytes kept like any other rejected input.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
from pathlib import Path

from supforms.pipeline.files import make_folder, write_private
from supforms.pipeline.intake.inputs import read_input
from supforms.pipeline.names import slug
from supforms.schemas.errors import ExtractionError

__all__ = ["NO_PDF", "pdfs_from_emails"]

NO_PDF = "no_pdf_attached"


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


def pdfs_from_emails(
    emails: list[Path], folder: Path
) -> tuple[list[Path], list[tuple[Path, str, str]]]:
    """The PDFs attached to ``emails`` (saved in ``folder``), and the messages refused."""
    inputs: list[Path] = []
    refused: list[tuple[Path, str, str]] = []
    for path in emails:
        try:
            message = email.message_from_bytes(read_input(path), policy=email.policy.default)
        except ExtractionError as exc:
            refused.append((path, "unreadable", exc.message))
            continue
        found = 0
        for part in message.walk():
            if part.is_multipart() or not _is_pdf(part):
                continue
            data = part.get_payload(decode=True)
            if not isinstance(data, bytes):
                continue
            found += 1
            make_folder(folder)
            # Whole or not at all (WriteError stops the batch): a cut attachment is
            # never ingested, let alone archived as the original.
            target = folder / _extracted_name(path, found, part)
            write_private(target, data)
            inputs.append(target)
        if not found:
            refused.append((path, NO_PDF, "is an email with no PDF attached"))
    return inputs, refused
