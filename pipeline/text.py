"""Stored or received text made safe for a terminal, a log or a line of JSON on stdout.

Names in forms and file names are other people's text: they may hold a newline, an
escape sequence or a bidi override. Every command prints such text through
``printable`` or ``json_line``, the one place that decides what is shown escaped.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

__all__ = ["json_line", "printable"]


# Shown escaped: controls (Cc: ESC, CR, LF, DEL, C1 such as CSI), formats (Cf: the bidi
# overrides U+202A-U+202E, isolates U+2066-U+2069, marks U+200E/U+200F/U+061C, zero-width
# characters), line and paragraph separators (Zl, Zp), and surrogates, private-use and
# unassigned code points, whose look no one can predict. Spaces other than " " too (Zs):
# a no-break space would pass for a space in a column that someone reads or copies.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})


def printable(text: str) -> str:
    """``text`` safe for a terminal or a log: every character that is not seen, escaped.

    A file name or a name in a form may hold a newline, an escape sequence or a
    bidi override; printed raw, it would forge a line of the report, recolour the
    terminal or reorder what follows it on the line. This is the one function
    every command prints stored or received text through.
    """
    return "".join(
        ch.encode("unicode_escape").decode("ascii")  # \n, \x1b, \u202e, \U000e0041
        if ch != " " and unicodedata.category(ch) in _HIDDEN
        else ch
        for ch in text
    )


_BEYOND_ASCII = re.compile("[^\\x00-\\x7e]")


def _json_escape(match: re.Match[str]) -> str:
    ch = match[0]
    if ch != "\x7f" and unicodedata.category(ch) not in _HIDDEN:
        return ch
    units = ch.encode("utf-16-be")
    return "".join(
        f"\\u{int.from_bytes(units[i : i + 2], 'big'):04x}" for i in range(0, len(units), 2)
    )


def json_line(value: Any, **options: Any) -> str:
    """``value`` as JSON for stdout: readable UTF-8, but no character that acts on a terminal.

    ``json.dumps`` escapes C0 controls; C1 controls (CSI), DEL, bidi controls and
    line separators are valid raw in JSON, so they are escaped here as ``\\uXXXX``:
    the same JSON to a parser, inert on a screen. Names stay readable (ensure_ascii
    would turn every "ł" into an escape).
    """
    # json.dumps escapes every ASCII control inside a string, and writes none outside
    # one but the newlines of ``indent``: only what lies beyond ASCII is left to judge.
    return _BEYOND_ASCII.sub(_json_escape, json.dumps(value, ensure_ascii=False, **options))
