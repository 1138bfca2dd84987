"""Names compared as people type them: in any case, with or without their accents.

``fold`` is what SQLite's ``supforms_fold`` runs; ``folded`` is the same in SQL on
PostgreSQL (``normalize`` to NFKD, then the combining marks taken out). A search
for "zoe" finds Zoë, "jose" finds José, "lukasz" finds Łukasz, "ахмед" finds Ахмед;
the Latin letters Unicode does not decompose (ł, ø, đ, ħ, ı; ß, æ, œ) are written
as English keyboards type them; letters of other scripts are not transliterated
("akhmed" does not find Ахмед).
"""

from __future__ import annotations

import unicodedata
from typing import Any

import sqlalchemy as sa

__all__ = ["fold", "folded"]

_SINGLE = ("łøđħı", "lodhi")
_DOUBLE = (("ß", "ss"), ("æ", "ae"), ("œ", "oe"))
_TABLE = str.maketrans(*_SINGLE)
_MARKS = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"


def fold(text: str) -> str:
    """``text`` in lower case without its combining marks (accents, diaereses, cedillas)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_TABLE)
    for letter, typed in _DOUBLE:
        plain = plain.replace(letter, typed)
    return plain


def folded(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    """``column`` folded as ``fold`` folds, in the store's SQL."""
    if dialect == "postgresql":
        normal = sa.func.normalize(sa.func.lower(column), sa.literal_column("NFKD"))
        plain = sa.func.translate(sa.func.regexp_replace(normal, _MARKS, "", "g"), *_SINGLE)
        for letter, typed in _DOUBLE:
            plain = sa.func.replace(plain, letter, typed)
        return plain
    return sa.func.supforms_fold(column)
