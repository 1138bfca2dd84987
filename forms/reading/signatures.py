"""How each signature block of a returned form was signed, if at all.

``digital``: a PKCS#7/CAdES signature in any ``/Sig`` field of the file, verified
with pyHanko (``forms.reading.digital``); it covers the block its widget lies over.
``drawn``: an ink or stamp annotation over the signature box, as Preview and
Acrobat Fill & Sign make (or, in a flattened return, ink inside the box);
``typed``: a free-text annotation (or, flattened, text) over the box; ``none``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet

import pikepdf
from pikepdf import Name
from supforms.forms.reading.verdicts import Box, SignatureVerdict

__all__ = ["Box", "SignatureVerdict", "annotation_signature", "covered_block"]


_DRAWN = {"/Ink", "/Stamp", "/Polygon", "/PolyLine"}
# Apple's markup (Preview, iPad, Files) draws freehand ink as a /Square (or any
# shape) whose look is its appearance stream and whose strokes sit in the private
# /AAPL:AKExtras entry; such an annotation is ink, whatever its subtype says.
_APPLE_INK = Name("/AAPL:AKExtras")
_NOT_INK = {"/FreeText", "/Text", "/Popup", "/Link", "/Widget"}


def _overlap(a: Iterable[float], b: Iterable[float]) -> float:
    """Share of rectangle ``b`` covered by rectangle ``a``."""
    ax0, ay0, ax1, ay1 = _norm(a)
    bx0, by0, bx1, by1 = _norm(b)
    w = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    h = max(0.0, min(ay1, by1) - max(ay0, by0))
    area = max(1e-6, (bx1 - bx0) * (by1 - by0))
    return w * h / area


def _norm(rect: Iterable[float]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in rect)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _covers(box: Iterable[float], rect: Iterable[float]) -> bool:
    """Whether a mark at ``rect`` lies over the signature box ``box``.

    Mostly inside the box, or over a good part of it: a signature drawn a little
    large, or a signing box drawn roughly around the line, still counts.
    """
    box, rect = tuple(box), tuple(rect)
    return _overlap(box, rect) >= 0.5 or _overlap(rect, box) >= 0.25


def covered_block(widgets: Iterable[Box], blocks: Mapping[str, Box]) -> str | None:
    """The signature block that one of ``widgets`` lies over (the one it covers most)."""
    best: tuple[float, str] | None = None
    for page, rect in widgets:
        for path, (block_page, box) in blocks.items():
            if page != block_page or not _covers(box, rect):
                continue
            share = _overlap(rect, box)
            if best is None or share > best[0]:
                best = (share, path)
    return best[1] if best else None


def _is_ink(annot: pikepdf.Dictionary, subtype: str) -> bool:
    return subtype in _DRAWN or (subtype not in _NOT_INK and _APPLE_INK in annot)


def annotation_signature(
    pdf: pikepdf.Pdf,
    path: str,
    page: int,
    box: tuple[float, float, float, float],
    fields: AbstractSet[tuple[int, int]] = frozenset(),
) -> SignatureVerdict:
    """A drawn or typed signature: an annotation lying mostly over the signature box.

    ``fields``: the objects already known to be form fields (their widgets), which
    are passed over without being read.
    """
    if page >= len(pdf.pages):
        return SignatureVerdict(path, "none", block=path)
    annots = pdf.pages[page].obj.get(Name.Annots)
    if not isinstance(annots, pikepdf.Array):
        return SignatureVerdict(path, "none", block=path)
    for annot in annots:
        if annot.objgen in fields:
            continue
        if not isinstance(annot, pikepdf.Dictionary) or Name.Rect not in annot:
            continue
        subtype = str(annot.get(Name.Subtype, ""))
        if subtype != "/FreeText" and not _is_ink(annot, subtype):
            continue
        rect = annot.Rect
        if not isinstance(rect, pikepdf.Array) or len(rect) != 4:
            continue
        if not _covers(box, [float(v) for v in rect]):
            continue
        author = str(annot.get(Name.T, "")) or None
        if subtype == "/FreeText":
            text = str(annot.get(Name.Contents, ""))
            return SignatureVerdict(path, "typed", block=path, signer=text)
        return SignatureVerdict(path, "drawn", block=path, signer=author)
    return SignatureVerdict(path, "none", block=path)
