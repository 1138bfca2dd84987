"""Opening a return: bytes that are a PDF, whole, and readable, or a named rejection.

A file that is not a PDF, is cut short, needs a password or is damaged beyond
repair is rejected here with its reason, before any field is read.
"""

from __future__ import annotations

import io
import re

import pikepdf
from supforms.forms.reading.truncation import is_cut_short
from supforms.pipeline.result import IngestResult
from supforms.schemas.errors import Problem

__all__ = ["open_return", "reject"]


def reject(result: IngestResult, code: str, message: str) -> IngestResult:
    result.status = "rejected"
    result.problems.append(Problem("(file)", code, message))
    return result


def _parse(data: bytes) -> pikepdf.Pdf:
    """Open the bytes themselves, from memory: what is parsed is exactly what was hashed.

    A ``BytesIO`` shares the bytes (no copy), and pikepdf reads it as fast as a file:
    faster than writing them to an in-memory file (``memfd``) and opening that by name,
    by a tenth of a return's reading, and it knows no file-size limit (RLIMIT_FSIZE).
    """
    return pikepdf.open(io.BytesIO(data))


def open_return(data: bytes, result: IngestResult) -> pikepdf.Pdf | None:
    """The return opened by qpdf, or None with ``result`` rejected and the reason named."""
    if b"%PDF-" not in data[:1024]:
        reject(result, "not_a_pdf", "is not a PDF (no PDF header)")
        return None
    if is_cut_short(data):
        # Read, it would lose whatever lay past the cut without a word: refused, not repaired.
        reject(result, "truncated", "is cut short (its end is missing): ask for it again")
        return None
    try:
        # An owner password alone does not stop opening: qpdf opens such files with
        # the empty user password, as every viewer does.
        return _parse(data)
    except pikepdf.PasswordError:
        reject(result, "needs_password", "needs a password to open; ask for an unprotected copy")
    except pikepdf.PdfError as exc:
        why = re.sub(r"^stream <[^>]*>:?\s*", "", str(exc))  # the stream's name says nothing
        reject(result, "damaged", f"is damaged beyond repair ({why[:160]})")
    return None
