"""Predictable, portable file names from people's names: ASCII, lower case, hyphens.

Email attachments and zip files still mangle non-ASCII file names, so names are
transliterated, by anyascii (a maintained table for every script: Serbian
``Ђорђе`` → ``djordje``, Polish ``Ł`` → ``l``, Turkish ``ı`` → ``i``, Greek, Arabic),
where a table of our own lost what it did not list (``Ђорђе Јовановић`` was ``ore-ovanovi``).
"""

from __future__ import annotations

import re

from anyascii import anyascii

__all__ = ["slug"]


def slug(text: str, limit: int = 40) -> str:
    """``"Ayşe Yılmaz"`` → ``"ayse-yilmaz"``; ``"Ахмед"`` → ``"akhmed"``."""
    # Greek "ου" is said "ou" (anyascii writes it letter by letter, "oy").
    ascii_text = anyascii(text.lower().replace("ου", "ou")).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-")
