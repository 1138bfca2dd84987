"""Appearance streams: how a field's value looks, drawn by supforms rather than the viewer.

A prefilled value must show in every viewer and on paper without relying on
``NeedAppearances`` (contract 3), so supforms writes the stream
itself, in the embedded Unicode field font, at 8.5 pt, shrinking to 8 pt at the least.
Boxes are sized so that every value the schema accepts fits at 8.5 pt, the size people
type in; an answer given under an older, longer limit that outgrows its box continues
on a continuation page of a print copy (``forms.writing.fill``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from supforms.forms.fonts import FieldFont

__all__ = [
    "FONT_RESOURCE",
    "LEADING",
    "MIN_SIZE",
    "PAD",
    "VALUE_SIZE",
    "WIDE",
    "Fitted",
    "box_height",
    "check_on",
    "dot_on",
    "fit_lines",
    "text_appearance",
    "wide_lines",
    "wrap_text",
]

FONT_RESOURCE = "Wingdings"
"""Resource name of the field font (embedded DejaVu Sans), in ``/DR``, on every page and in
every appearance stream.

The name is a key, not a font: every viewer loads the font from the dictionary it
points to. It is "Wingdings" for PDFium, which is how Chrome fills forms: PDFium
tags an embedded ``/DA`` font with the ANSI charset and writes any typed character
at or above U+0100 (Ł, ş, Greek, Cyrillic, even ’ and —) with a system font it
does not embed, and drops characters that font's code page lacks (ı). It makes an
exception for a default font whose resource name is Wingdings/Webdings, which it
treats as covering every character (``CPDF_BAFontMap`` in PDFium). With this key,
what people type in Chrome is drawn with the embedded font, as
``tests/forms/test_typing.py`` shows; pdf.js, poppler and Acrobat look fonts up
by key and read the font's own ``/BaseFont``, and MuPDF ignores ``/DA`` fonts it
does not know either way.
"""

VALUE_SIZE = 8.5
"""The size of every typed value: in ``/DA`` for what people type, and in supforms' own
appearance streams. A fixed size rather than auto (``0 Tf``): iOS and Preview show
auto-sized fields blank, and PDFium auto-sizes a short date in a tall box to 16 pt.
8.5 rather than 9: boxes sized for their longest value at 9 pt would take the contract
onto a second page."""
MIN_SIZE = 8.0
"""No value is drawn smaller: a box is sized to hold its ``max_length`` at this size."""
LEADING = 1.16
PAD = 2.5
WIDE = "Ш"
"""The widest letter people type (1.07 em in DejaVu Sans; W is 0.99, Ω 0.76): boxes are sized
for ``max_length`` of it."""


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def wide_lines(font: FieldFont, max_length: int, width: float) -> int:
    """How many lines a box ``width`` wide needs to show ``max_length`` wide letters.

    At ``VALUE_SIZE``, the size people type in: what a viewer draws must fit too.
    """
    per_line = max(1, math.floor((width - 2 * PAD) / font.width(WIDE, VALUE_SIZE)))
    return max(1, math.ceil(max_length / per_line))


def box_height(lines: int) -> float:
    """The height of a box holding ``lines`` lines of values at ``VALUE_SIZE``."""
    return lines * VALUE_SIZE * LEADING + 2 * PAD


@dataclass(frozen=True)
class Fitted:
    """A value laid out in its box: the size, the lines shown, and the lines that did not fit."""

    size: float
    lines: list[str]
    overflow: list[str]


def fit_lines(font: FieldFont, value: str, width: float, height: float, wrap: bool) -> Fitted:
    """The largest size from 8.5 down to 8 pt at which ``value`` fits the box, and its lines.

    A wrapping box that cannot hold the value at 8 pt, even broken between any two
    letters, shows what fits and returns the rest as ``overflow`` (for a continuation page).
    """
    size = VALUE_SIZE
    inner = width - 2 * PAD
    while True:
        if wrap:
            room = max(1, math.floor((height - 2 * PAD + 0.01) / (size * LEADING)))
            lines = wrap_text(font, value, inner, size)
            if len(lines) <= room:
                return Fitted(size, lines, [])
            if size <= MIN_SIZE:
                dense = wrap_text(font, value, inner, size, anywhere=True)
                if len(dense) <= room:
                    return Fitted(size, dense, [])
                return Fitted(size, lines[:room], lines[room:])
        else:
            line = value.replace("\r", " ").replace("\n", " ")
            if font.width(line, size) <= inner or size <= MIN_SIZE:
                return Fitted(size, [line], [])
        size = max(MIN_SIZE, size - 0.5)


_HYPHENS = re.compile(r"(?<=[^\W\d_][-\u2010])(?=[^\W\d_])")


def _pieces(paragraph: str) -> list[tuple[str, bool]]:
    """The paragraph's words, each hyphenated one split after its hyphens: (piece, joined).

    ``joined``: the piece follows the one before it with no space (it went on after
    a hyphen between two letters, as in Anne-Marie, not in 2026-03-01).
    """
    pieces: list[tuple[str, bool]] = []
    for word in paragraph.split(" "):
        for number, piece in enumerate(_HYPHENS.split(word)):
            pieces.append((piece, number > 0))
    return pieces


def wrap_text(
    font: FieldFont, text: str, width: float, size: float, anywhere: bool = False
) -> list[str]:
    """Lines of ``text`` no wider than ``width``: broken between words, or between any letters.

    A hyphenated word may break after a hyphen ("Smith-" / "Jones"), as a person
    writing it would; a word longer than a line (a long email address) is broken
    between letters anyway.
    """
    scale = size / 1000.0
    widths, gids = font.widths, font.gids
    space = widths[gids.get(32, 0)] * scale
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        current: list[str] = []
        used = 0.0
        for word, joined in [(paragraph, False)] if anywhere else _pieces(paragraph):
            letters = [widths[gids.get(ord(ch), 0)] * scale for ch in word]
            whole = sum(letters)
            gap = 0.0 if joined else space
            if current and used + gap + whole <= width:
                current += [word] if joined else [" ", word]
                used += gap + whole
                continue
            if current:
                lines.append("".join(current))
                current, used = [], 0.0
            if whole <= width:
                current, used = [word], whole
                continue
            for ch, advance in zip(word, letters, strict=True):
                if current and used + advance > width:
                    lines.append("".join(current))
                    current, used = [], 0.0
                current.append(ch)
                used += advance
        lines.append("".join(current))
    return lines


def text_appearance(
    font: FieldFont, fitted: Fitted, width: float, height: float, wrap: bool
) -> bytes:
    """Content of a text or choice field's normal appearance showing ``fitted``'s lines."""
    size = fitted.size
    leading = size * LEADING
    if wrap:
        y = height - PAD - size * font.ascent / 1000.0
    else:
        # Centre the cap height in the box, as viewers do for single-line fields.
        y = (height - size * font.cap_height / 1000.0) / 2
    ops = [
        f"/Tx BMC q 1 1 {_num(width - 2)} {_num(height - 2)} re W n BT",
        f"/{FONT_RESOURCE} {_num(size)} Tf 0 g {_num(leading)} TL {_num(PAD)} {_num(y)} Td",
    ]
    ops.extend(
        ("T* " if index else "") + font.encode(line).decode() + " Tj"
        for index, line in enumerate(fitted.lines)
    )
    ops.append("ET Q EMC")
    return "\n".join(ops).encode("ascii")


def check_on(width: float, height: float) -> bytes:
    """A tick drawn as a path: needs no font, so every viewer and printer shows it."""
    w, h = width, height
    return (
        f"q 0 g 1 J 1 j {_num(max(1.0, w / 9))} w "
        f"{_num(w * 0.2)} {_num(h * 0.52)} m {_num(w * 0.42)} {_num(h * 0.25)} l "
        f"{_num(w * 0.82)} {_num(h * 0.8)} l S Q"
    ).encode("ascii")


def dot_on(width: float, height: float) -> bytes:
    """A filled circle for the chosen value of a radio group (four Bézier arcs)."""
    r = min(width, height) * 0.3
    cx, cy, k = width / 2, height / 2, r * 0.5523
    return (
        f"q 0 g {_num(cx + r)} {_num(cy)} m "
        f"{_num(cx + r)} {_num(cy + k)} {_num(cx + k)} {_num(cy + r)} {_num(cx)} {_num(cy + r)} c "
        f"{_num(cx - k)} {_num(cy + r)} {_num(cx - r)} {_num(cy + k)} {_num(cx - r)} {_num(cy)} c "
        f"{_num(cx - r)} {_num(cy - k)} {_num(cx - k)} {_num(cy - r)} {_num(cx)} {_num(cy - r)} c "
        f"{_num(cx + k)} {_num(cy - r)} {_num(cx + r)} {_num(cy - k)} {_num(cx + r)} {_num(cy)} c "
        "f Q"
    ).encode("ascii")
