"""Predictable, portable file names from people's names: ASCII, lower case, hyphens.

Email attachments and zip files still mangle non-ASCII file names, so names are
transliterated: accents dropped (NFKD), and letters without a decomposition
(ł, ı, ß, Cyrillic, Greek) mapped to their usual Latin spelling.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["slug"]

_LATIN = {
    "ł": "l",
    "ı": "i",
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ŋ": "ng",
    "ħ": "h",
    "ə": "e",
}
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяєіїґ",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "yo",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
            "ye",
            "i",
            "yi",
            "g",
        ],
        strict=True,
    )
)
_GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρσςτυφχψω",
        [
            "a",
            "v",
            "g",
            "d",
            "e",
            "z",
            "i",
            "th",
            "i",
            "k",
            "l",
            "m",
            "n",
            "x",
            "o",
            "p",
            "r",
            "s",
            "s",
            "t",
            "y",
            "f",
            "ch",
            "ps",
            "o",
        ],
        strict=True,
    )
)
_TABLE = str.maketrans({**_LATIN, **_CYRILLIC, **_GREEK})


def slug(text: str, limit: int = 40) -> str:
    """``"Ayşe Yılmaz"`` → ``"ayse-yilmaz"``; ``"Ахмед"`` → ``"akhmed"``."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ου", "ou"))
    unaccented = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_text = unaccented.translate(_TABLE).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-")
