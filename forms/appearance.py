"""Appearance streams: how a field's value looks, drawn by supforms rather than the viewer.

A prefilled value must show in every viewer and on paper without relying on
``NeedAppearances`` (DESIGN.md, contract 3), so supforms writes the stream
itself, in the embedded Unicode field font. Values shrink to fit their box
rather than being cut off.
"""

from __future__ import annotations

from forms.fonts import FieldFont

__all__ = [
    "FONT_RESOURCE",
    "MAX_SIZE",
    "MIN_SIZE",
    "check_on",
    "dot_on",
    "fit_lines",
    "text_appearance",
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

MAX_SIZE, MIN_SIZE = 10.0, 5.0
PAD = 2.5


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def fit_lines(
    font: FieldFont, value: str, width: float, height: float, multiline: bool
) -> tuple[float, list[str]]:
    """The largest size (≤ 10 pt) at which ``value`` fits the box, and its lines."""
    size = MAX_SIZE
    while True:
        if multiline:
            lines = _wrap(font, value, width - 2 * PAD, size)
            fits = len(lines) * size * 1.16 <= height - 2 * PAD + 0.01
        else:
            lines = [value.replace("\r", " ").replace("\n", " ")]
            fits = font.width(lines[0], size) <= width - 2 * PAD
        if fits or size <= MIN_SIZE:
            return size, lines
        size = max(MIN_SIZE, size - 0.5)


def _wrap(font: FieldFont, text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and font.width(candidate, size) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
            while font.width(current, size) > width and len(current) > 1:
                # A word longer than the line (a long email address): break it by characters.
                cut = len(current)
                while cut > 1 and font.width(current[:cut], size) > width:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        lines.append(current)
    return lines


def text_appearance(
    font: FieldFont, value: str, width: float, height: float, multiline: bool
) -> bytes:
    """Content of a text or choice field's normal appearance showing ``value``."""
    size, lines = fit_lines(font, value, width, height, multiline)
    leading = size * 1.16
    if multiline:
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
        for index, line in enumerate(lines)
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
