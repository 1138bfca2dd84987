"""The page text's regular font folded into the field font: one embedded DejaVu Sans, not two.

reportlab prints the wording with its own one-byte subsets of DejaVu Sans (and
of DejaVu Sans Bold, a different typeface, which stays). The field font is the
same regular face, cut the same way (``forms.fonts.page_font``), with the same
widths: so the wording's text is re-encoded as the field font's two-byte glyph
ids, its ``Tf`` names the field font, and reportlab's regular subsets are no
longer referenced (pikepdf does not write them).
"""

from __future__ import annotations

import re

import pikepdf
from pikepdf import Name, Pdf
from supforms.forms.fonts import FieldFont
from supforms.schemas.errors import LayoutError

__all__ = ["fold_regular_font"]

_BFCHAR = re.compile(rb"<([0-9A-Fa-f]{2})>\s*<([0-9A-Fa-f]{4,8})>")


def _codes(font: pikepdf.Object) -> dict[int, str]:
    """A reportlab subset's one-byte codes and the characters they print (its ToUnicode)."""
    cmap = font.ToUnicode.read_bytes()
    codes = {}
    for code, text in _BFCHAR.findall(cmap):
        value = bytes.fromhex(text.decode()).decode("utf-16-be")
        if value != "\0":
            codes[int(code, 16)] = value
    return codes


def _regular(page: pikepdf.Page) -> dict[str, dict[int, str]]:
    """The page's fonts that are reportlab's subsets of the regular face, by resource name."""
    fonts = page.obj.get(Name.Resources, {}).get(Name.Font, {})
    found = {}
    for name, font in fonts.items():
        base = str(font.get(Name.BaseFont, ""))
        if font.get(Name.Subtype) == Name.TrueType and base.endswith("+DejaVuSans"):
            found[name] = _codes(font)
    return found


def fold_regular_font(pdf: Pdf, field: FieldFont, resource: str, font: pikepdf.Object) -> None:
    """Print every page's regular text with the field font ``font``, named ``resource``.

    (reportlab's pages may share one resource dictionary: every page is read first.)
    """
    target = Name("/" + resource)
    pages = [(page, _regular(page)) for page in pdf.pages]
    for page, regular in pages:
        if regular:
            page.obj.Contents = pdf.make_stream(_rewritten(page, field, regular, target))
    for page, regular in pages:
        fonts = page.obj.Resources.Font
        for name in regular:
            if name in fonts:
                del fonts[name]
        fonts[target] = font


def _rewritten(
    page: pikepdf.Page, field: FieldFont, regular: dict[str, dict[int, str]], target: Name
) -> bytes:
    codes: dict[int, str] | None = None
    rewritten = []
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op == "Tf":
            codes = regular.get(str(operands[0]))
            if codes is not None:
                operands = [target, operands[1]]
        elif codes is not None and op == "Tj":
            operands = [_encode(field, codes, bytes(operands[0]))]
        elif codes is not None and op in ("TJ", "'", '"'):
            raise LayoutError(f"page text uses {op}, which this step does not re-encode")
        rewritten.append((operands, operator))
    return pikepdf.unparse_content_stream(rewritten)


def _encode(field: FieldFont, codes: dict[int, str], text: bytes) -> pikepdf.String:
    hexed = field.encode("".join(codes[byte] for byte in text))
    return pikepdf.String(bytes.fromhex(hexed[1:-1].decode()))
