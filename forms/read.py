"""Read the AcroForm fields of any PDF: qualified name, type and value.

A walk of the field tree with pikepdf, honouring inherited ``/FT``, ``/V`` and
``/Ff`` (a kid inherits from its parent), radio values kept either in the
parent's ``/V`` or only in a kid's ``/AS``, and loops in a hostile tree.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Name

from schemas.errors import ExtractionError

__all__ = ["PdfField", "fields_of", "read_fields", "signature_widgets"]

_TYPES = {"/Tx": "text", "/Ch": "choice", "/Sig": "signature", "/Btn": "button"}
RADIO, PUSH, MULTILINE, COMBO = 1 << 15, 1 << 16, 1 << 12, 1 << 17


@dataclass(frozen=True)
class PdfField:
    name: str
    type: str
    value: str | None
    flags: int = 0
    tooltip: str = ""


def _text(obj: Any) -> str | None:
    if obj is None:
        return None
    if isinstance(obj, pikepdf.Name):
        return str(obj)[1:]
    if isinstance(obj, pikepdf.Array):
        return ", ".join(filter(None, (_text(item) for item in obj)))
    if isinstance(obj, pikepdf.Dictionary):  # a signature's /V: its presence is the value
        return "(signed)"
    return str(obj)


def _kind(ft: str | None, flags: int) -> str:
    kind = _TYPES.get(ft or "", "unknown")
    if kind == "button":
        kind = "radio" if flags & RADIO else "pushbutton" if flags & PUSH else "checkbox"
    elif kind == "text" and flags & MULTILINE:
        kind = "multiline"
    elif kind == "choice":
        kind = "combo" if flags & COMBO else "list"
    return kind


def _button_value(field: pikepdf.Object, kids: Sequence[pikepdf.Object]) -> str | None:
    value = field.get(Name.V)
    if value is not None and str(value) != "/Off":
        return _text(value)
    # Some fillers set only the widget's /AS; the chosen state is then the value.
    for widget in kids or [field]:
        state = widget.get(Name.AS)
        if state is not None and str(state) != "/Off":
            return str(state)[1:]
    return None


def _walk(
    field: pikepdf.Object,
    prefix: str,
    inherited: dict[str, Any],
    seen: set[tuple[int, int]],
    out: list[PdfField],
) -> None:
    if field.is_indirect:
        if field.objgen in seen:
            return
        seen.add(field.objgen)
    here = dict(inherited)
    for key in ("/FT", "/Ff", "/V"):
        if key in field:
            here[key] = field[key]
    partial = field.get(Name.T)
    name = f"{prefix}.{partial}" if prefix and partial is not None else str(partial or prefix)
    kids = [kid for kid in field.get(Name.Kids, []) if isinstance(kid, pikepdf.Dictionary)]
    field_kids = [kid for kid in kids if Name.T in kid]
    if field_kids:
        for kid in field_kids:
            _walk(kid, name, here, seen, out)
        return
    ft = str(here["/FT"]) if "/FT" in here else None
    flags = int(here.get("/Ff", 0))
    kind = _kind(ft, flags)
    if kind in ("radio", "checkbox"):
        value = _button_value(field, kids)
    else:
        value = _text(field.get(Name.V, here.get("/V")))
        if value is None and Name.RV in field:  # rich text only: keep its characters
            value = _plain(str(field.RV))
    out.append(PdfField(name, kind, value, flags, str(field.get(Name.TU, ""))))


def _plain(rich: str) -> str:
    """The text of an XHTML rich-text value (``/RV``), paragraphs as lines."""
    text = re.sub(r"</p>|<br\s*/?>", "\n", rich, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()


def fields_of(pdf: pikepdf.Pdf) -> list[PdfField]:
    """Every terminal field of an open PDF, in field-tree order."""
    acroform = pdf.Root.get(Name.AcroForm)
    if not isinstance(acroform, pikepdf.Dictionary) or Name.Fields not in acroform:
        return []
    out: list[PdfField] = []
    seen: set[tuple[int, int]] = set()
    for field in acroform.Fields:
        if isinstance(field, pikepdf.Dictionary):
            _walk(field, "", {}, seen, out)
    return out


def _qualified(annot: pikepdf.Object) -> tuple[str, str | None]:
    """A widget's fully qualified field name and its (inherited) field type."""
    parts: list[str] = []
    ft = None
    node: pikepdf.Object | None = annot
    seen: set[tuple[int, int]] = set()
    while isinstance(node, pikepdf.Dictionary):
        if node.is_indirect:
            if node.objgen in seen:
                break
            seen.add(node.objgen)
        if Name.T in node:
            parts.append(str(node.T))
        if ft is None and Name.FT in node:
            ft = str(node.FT)
        node = node.get(Name.Parent)
    return ".".join(reversed(parts)), ft


def signature_widgets(pdf: pikepdf.Pdf) -> dict[str, tuple[int, tuple[float, float, float, float]]]:
    """Where each signature field's widget sits: page index and rectangle, by field name."""
    found: dict[str, tuple[int, tuple[float, float, float, float]]] = {}
    for index, page in enumerate(pdf.pages):
        annots = page.obj.get(Name.Annots)
        if not isinstance(annots, pikepdf.Array):
            continue
        for annot in annots:
            if not isinstance(annot, pikepdf.Dictionary) or annot.get(Name.Subtype) != Name.Widget:
                continue
            name, ft = _qualified(annot)
            if ft == "/Sig" and Name.Rect in annot:
                x0, y0, x1, y1 = (float(v) for v in annot.Rect)
                found.setdefault(name, (index, (x0, y0, x1, y1)))
    return found


def read_fields(source: Path | bytes) -> list[PdfField]:
    """Every terminal field of the PDF at ``source`` (a path or its bytes)."""
    where = "(bytes)" if isinstance(source, bytes) else str(source)
    try:
        pdf = pikepdf.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    except pikepdf.PasswordError as exc:
        raise ExtractionError("needs a password to open", path=where) from exc
    except (pikepdf.PdfError, OSError) as exc:
        raise ExtractionError(f"not a readable PDF ({exc})", path=where) from exc
    with pdf:
        return fields_of(pdf)
