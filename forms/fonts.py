"""The Unicode fonts the forms print with and that typed values display in.

The 14 standard PDF fonts cannot show Zoë Ó Briain, Łukasz Wiśniewski, Ayşe
Yılmaz or Ахмед, so every form embeds DejaVu Sans (Debian ``fonts-dejavu-core``).
Field values use one subset covering the scripts people type — Latin with its
extensions, Greek and Cyrillic — embedded once as a Type0/Identity-H font that
both the fields' ``/DA`` and supforms' own appearance streams name. The page
text goes through reportlab, which subsets the same family to what it prints.

It must stay a two-byte font: a one-byte font holds 256 characters, and PDFium
could not type the rest with it. pdftk's ``fill_form … flatten`` draws this
font's characters as boxes, because its iText maps characters to codes only for
one-byte fonts and Adobe's CJK fonts; no entry of this font changes that
(``tests/forms/test_pdftk.py``), and pdftk's ``replacement_font`` works round it.
"""

from __future__ import annotations

import io
import os
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools import subset as ft_subset
from fontTools.ttLib import TTFont
from supforms.schemas.errors import LayoutError

__all__ = [
    "FONT_DIRS",
    "TYPED_RANGES",
    "FieldFont",
    "field_font",
    "font_path",
    "page_font",
]

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
    Path("/opt/homebrew/share/fonts/dejavu"),
)

TYPED_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x024F),  # Latin-1 Supplement, Latin Extended-A and -B
    (0x0259, 0x0259),  # schwa, used in Azerbaijani names
    (0x02BB, 0x02BC),  # modifier apostrophes (Hawaiian, Uzbek)
    (0x02C6, 0x02DD),  # spacing accents
    (0x0300, 0x036F),  # combining accents, for decomposed (NFD) input
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x052F),  # Cyrillic and its supplement
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese, Welsh ŵ ŷ)
    (0x2010, 0x2027),  # dashes, quotes, bullets, ellipsis
    (0x2030, 0x203A),  # per mille, primes, guillemets
    (0x20A0, 0x20BF),  # currency signs
    (0x2116, 0x2116),  # numero sign
    (0x2122, 0x2122),  # trade mark
    (0xFFFD, 0xFFFD),  # replacement character
)
"""What a person may type into a field: anything here displays in every viewer."""


def font_path(name: str = "DejaVuSans.ttf") -> Path:
    """Where the DejaVu font file ``name`` is installed.

    ``SUPFORMS_FONT_DIR`` overrides the search, for machines that keep fonts elsewhere.
    """
    override = os.environ.get("SUPFORMS_FONT_DIR")
    dirs = (Path(override),) if override else FONT_DIRS
    for folder in dirs:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise LayoutError(
        f"font {name} not found in {', '.join(str(d) for d in dirs)}: "
        "install the Debian package fonts-dejavu-core or set SUPFORMS_FONT_DIR"
    )


_LINE_BREAKS = {10, 13}


@dataclass(frozen=True)
class FieldFont:
    """The subset font of typed values, with what is needed to lay out and encode text."""

    data: bytes
    postscript_name: str
    gids: dict[int, int]
    widths: tuple[int, ...]
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]

    def covers(self, text: str) -> bool:
        return set(map(ord, text)) - _LINE_BREAKS <= self.gids.keys()

    def missing(self, text: str) -> str:
        """The characters of ``text`` this font cannot show, each once."""
        return "".join(dict.fromkeys(ch for ch in text if ord(ch) not in self.gids))

    def missing_named(self, text: str, most: int = 6) -> str:
        """The characters this font cannot show, each once, by its Unicode name, for people.

        "'م' (ARABIC LETTER MEEM), '😀' (GRINNING FACE) and 3 more": letters of a
        right-to-left script run together would read as one garbled word.
        """
        missing = [ch for ch in self.missing(text) if ch not in "\r\n"]
        named = [f"'{ch}' ({unicodedata.name(ch, f'U+{ord(ch):04X}')})" for ch in missing[:most]]
        more = len(missing) - len(named)
        return ", ".join(named) + (f" and {more} more" if more > 0 else "")

    def width(self, text: str, size: float) -> float:
        """Advance width of ``text`` in points at ``size``."""
        gids, widths = self.gids, self.widths
        return sum(widths[gids.get(ord(ch), 0)] for ch in text) * size / 1000.0

    def encode(self, text: str) -> bytes:
        """``text`` as a PDF hex string of 2-byte glyph ids (Identity-H encoding)."""
        gids = self.gids
        try:
            body = "".join(f"{gids[ord(ch)]:04X}" for ch in text)
        except KeyError as exc:
            raise LayoutError(
                f"characters {self.missing(text)!r} cannot be shown by the form font "
                "(it covers Latin, Greek and Cyrillic)"
            ) from exc
        return b"<" + body.encode("ascii") + b">"

    def to_unicode_cmap(self) -> bytes:
        """The ToUnicode CMap, so that text extraction and search find what was written."""
        pairs = sorted((gid, cp) for cp, gid in self.gids.items())
        seen: set[int] = set()
        lines: list[str] = []
        for gid, cp in pairs:
            if gid in seen:
                continue
            seen.add(gid)
            lines.append(f"<{gid:04X}> <{cp:04X}>")
        chunks = [lines[i : i + 100] for i in range(0, len(lines), 100)]
        body = "".join(
            f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n" for chunk in chunks
        )
        return (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{body}endcmap\nCMapName currentdict /CIDInit /ProcSet findresource pop end end\n"
        ).encode("ascii")


def _subset(source: Path) -> bytes:
    options = ft_subset.Options()
    options.hinting = False  # viewers hint at display sizes themselves; saves a third
    options.layout_features = ["kern", "liga", "ccmp", "mark", "mkmk"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]  # FontForge timestamp: nothing a viewer reads
    options.glyph_names = False
    font = TTFont(str(source))
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=[cp for lo, hi in TYPED_RANGES for cp in range(lo, hi + 1)])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@cache
def page_font(name: str) -> bytes:
    """The DejaVu font file ``name`` as the page text prints from it: cut as the field font is.

    reportlab subsets the page text's font again, to what each form prints; from
    the font as installed it would carry DejaVu's hinting (a third of each glyph,
    and tables every subset repeats), and every form three fonts' worth of it.
    """
    return field_font().data if name == "DejaVuSans.ttf" else _subset(font_path(name))


@cache
def field_font() -> FieldFont:
    """The field font, subset once per process."""
    data = _subset(font_path())
    font = TTFont(io.BytesIO(data))
    scale = 1000.0 / font["head"].unitsPerEm
    order = font.getGlyphOrder()
    index = {name: gid for gid, name in enumerate(order)}
    gids = {cp: index[name] for cp, name in font.getBestCmap().items()}
    hmtx = font["hmtx"]
    widths = tuple(round(hmtx[name][0] * scale) for name in order)
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    ps_name = font["name"].getDebugName(6) or "DejaVuSans"
    return FieldFont(
        data=data,
        postscript_name=f"SFUNIC+{ps_name}",
        gids=gids,
        widths=widths,
        ascent=round(hhea.ascent * scale),
        descent=round(hhea.descent * scale),
        cap_height=round(getattr(os2, "sCapHeight", 0) * scale) or 729,
        bbox=(
            round(head.xMin * scale),
            round(head.yMin * scale),
            round(head.xMax * scale),
            round(head.yMax * scale),
        ),
    )
