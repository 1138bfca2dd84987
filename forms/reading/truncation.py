"""Whether a PDF's bytes stop before the file ends: a return half uploaded, copied or sent.

Every revision of a PDF ends with its trailer: ``startxref``, the offset of its
cross-reference table, and ``%%EOF``; an incremental update (a signature, a
viewer's save) appends a revision that ends the same way. A file cut short has
no such ending, or has the beginning of another revision after its last one.
qpdf rebuilds a cut file from what is left without a word beyond a warning, so
the values past the cut would be silently missing: such a file is refused and
asked for again. A damaged file that still ends as a PDF ends (a broken
cross-reference table, a wrong stream length) is whole, and qpdf repairs it.
"""

from __future__ import annotations

import re

__all__ = ["is_cut_short"]

_END = b"%%EOF"
_BLANK = b" \t\r\n\f\x00"
# What follows a revision's end only if another revision was begun: an object
# (``12 0 obj``, a number first), a cross-reference table or stream, a trailer.
_MORE = re.compile(rb"^\d|obj|xref|trailer|stream")


def is_cut_short(data: bytes) -> bool:
    """Whether ``data``, the bytes of a PDF, end before the file's last revision does.

    Bytes after the last ``%%EOF`` that begin no revision (white space, NULs, a
    mail gateway's junk) are ignored, as viewers ignore them.
    """
    end = data.rfind(_END)
    if end < 0:
        return True
    tail = data[end + len(_END) :].strip(_BLANK)
    return bool(tail) and _MORE.search(tail) is not None
