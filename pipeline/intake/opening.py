"""Opening a return: bytes that are a PDF, whole, and readable, or a named rejection.

A file that is not a PDF, is cut short, needs a password or is damaged beyond
repair is rejected here with its reason, before any field is read.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pikepdf
from supforms.forms.reading.truncation import is_cut_short
from supforms.pipeline.result import IngestResult
from supforms.schemas.errors import Problem

__all__ = ["open_return", "reject"]


def reject(result: IngestResult, code: str, message: str) -> IngestResult:
    result.status = "rejected"
    result.problems.append(Problem("(file)", code, message))
    return result


_IN_MEMORY = hasattr(os, "memfd_create") and Path("/proc/self/fd").is_dir()
"""Whether a file in memory can be opened by name (Linux): asked once, not per input."""


def _parse(data: bytes) -> pikepdf.Pdf:
    """Open the bytes with qpdf reading a file natively: twice as fast as a Python stream.

    The file is an unlinked one in memory (``memfd``, where Linux has it), so what is
    parsed is exactly the bytes that were hashed, whatever happens to the input meanwhile.
    """
    if not _IN_MEMORY:
        return pikepdf.open(io.BytesIO(data))
    fd = os.memfd_create("supforms-input", os.MFD_CLOEXEC)
    try:
        try:
            whole = os.write(fd, data) == len(data)
        except OSError:  # EFBIG: the file-size limit (RLIMIT_FSIZE) holds for memfd too
            whole = False
        if not whole:  # never parse a cut copy: the bytes themselves, from memory
            return pikepdf.open(io.BytesIO(data))
        return pikepdf.open(f"/proc/self/fd/{fd}")  # qpdf holds its own descriptor
    finally:
        os.close(fd)


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
        why = re.sub(r"^/proc/self/fd/\d+:?\s*", "", str(exc))  # the memfd's name says nothing
        reject(result, "damaged", f"is damaged beyond repair ({why[:160]})")
    return None
