"""Email headers that read back exactly as they were written, whatever their length.

The standard library's folding of a long header that mixes plain words with
encoded ones (RFC 2047) loses or adds spaces: a 71-character subject folded right
after ``Subject:`` reads back with a leading space, and two words on either side
of a fold can run together ("Łukasz Wiśniewski" read back as "ŁukaszWiśniewski").
``MAIL_POLICY`` folds the subject with the older ``email.header.Header``, which
encodes it whole (UTF-8, base64 chunks) or, when plain ASCII, folds it only at
its own spaces; every other header is folded as the default policy does.
"""

from __future__ import annotations

from email.header import Header
from email.policy import EmailPolicy
from typing import Any

__all__ = ["MAIL_POLICY"]


class _ExactSubject(EmailPolicy):
    """``policy.default``, with a subject folded so that unfolding gives it back."""

    def fold(self, name: str, value: Any) -> str:
        if name.lower() != "subject":
            return str(super().fold(name, value))
        return self._subject(name, str(value))

    def fold_binary(self, name: str, value: Any) -> bytes:
        if name.lower() != "subject":
            return bytes(super().fold_binary(name, value))
        return self._subject(name, str(value)).encode("ascii")

    def _subject(self, name: str, text: str) -> str:
        charset = "us-ascii" if text.isascii() else "utf-8"
        width = self.max_line_length or 78
        header = Header(text, charset, maxlinelen=width, header_name=name)
        return f"{name}: {header.encode(linesep=self.linesep)}{self.linesep}"


MAIL_POLICY = _ExactSubject()
"""The policy every message supforms composes is made and written with."""
