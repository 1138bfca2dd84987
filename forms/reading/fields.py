"""Read the AcroForm fields of any PDF: qualified name, type and value.

A walk of the field tree with pikepdf, honouring inherited ``/FT``, ``/V`` and
``/Ff`` (a kid inherits from its parent), radio values kept either in the
parent's ``/V`` or only in a kid's ``/AS``, and loops in a hostile tree. The walk
keeps its own stack, and refuses a tree deeper than any form needs.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Name

from schemas.errors import ExtractionError

__all__ = ["MAX_DEPTH", "PdfField", "fields_of", "read_fields"]

_TYPES = {"/Tx": "text", "/Ch": "choice", "/Sig": "signature", "/Btn": "button"}
RADIO, PUSH, MULTILINE, COMBO = 1 << 15, 1 << 16, 1 << 12, 1 << 17
MAX_DEPTH = 100  # levels of a field tree; a form's dotted names have a handful


@dataclass(frozen=True)
class PdfField:
    name: str
    type: str
    value: str | None
    flags: int = 0
    tooltip: str = ""
    widgets: tuple[tuple[int, tuple[float, float, float, float]], ...] = ()
    """Page index and rectangle of each widget (kept for signature fields only)."""


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


def _button_value(
    field: pikepdf.Object, entries: dict[str, Any], kids: Callable[[], Sequence[pikepdf.Object]]
) -> str | None:
    value = entries.get("/V")
    if value is not None and str(value) != "/Off":
        return _text(value)
    # Some fillers set only the widget's /AS; the chosen state is then the value.
    for widget in kids():
        state = widget.get(Name.AS)
        if state is not None and str(state) != "/Off":
            return str(state)[1:]
    state = field.get(Name.AS)
    return str(state)[1:] if state is not None and str(state) != "/Off" else None


Box = tuple[int, tuple[float, float, float, float]]


def _keys(*names: str) -> tuple[tuple[str, pikepdf.Name], ...]:
    return tuple((name, pikepdf.Name(name)) for name in names)


_FIELD_KEYS = _keys("/T", "/FT", "/Ff", "/V", "/Kids")
_WIDGET_KEYS = _keys("/P", "/Rect")


def _entries(node: pikepdf.Object, wanted: tuple[tuple[str, pikepdf.Name], ...]) -> dict[str, Any]:
    """The entries a reader needs, without converting the rest.

    pikepdf converts every value it hands out, and every key given as text: asking
    whether each wanted entry is there, by a ready-made ``Name``, then for the few
    values present, is several times faster than ``keys()`` or ``items()``.
    """
    return {key: node[name] for key, name in wanted if name in node}


class _Walk:
    """One walk of a field tree; dictionary lookups go through plain dicts (pikepdf is slow)."""

    def __init__(self, pdf: pikepdf.Pdf, tooltips: bool) -> None:
        self.pdf = pdf
        self.tooltips = tooltips
        self.seen: set[tuple[int, int]] = set()
        self.out: list[PdfField] = []
        self._pages: dict[tuple[int, int], int] | None = None
        self._annots: dict[tuple[int, int], int] | None = None

    def page_of(self, widget: pikepdf.Object, entries: dict[str, Any]) -> int:
        if self._pages is None:
            self._pages = {page.obj.objgen: i for i, page in enumerate(self.pdf.pages)}
        owner = entries.get("/P")
        if isinstance(owner, pikepdf.Object) and owner.objgen in self._pages:
            return self._pages[owner.objgen]
        if self._annots is None:  # a widget without /P: the page whose /Annots lists it
            self._annots = {}
            for index, page in enumerate(self.pdf.pages):
                annots = page.obj.get("/Annots")
                for annot in annots if isinstance(annots, pikepdf.Array) else ():
                    if isinstance(annot, pikepdf.Object) and annot.is_indirect:
                        self._annots.setdefault(annot.objgen, index)
        return self._annots.get(widget.objgen, 0)

    def boxes(self, widgets: Sequence[tuple[pikepdf.Object, dict[str, Any]]]) -> tuple[Box, ...]:
        found = []
        for widget, entries in widgets:
            rect = entries.get("/Rect")
            if rect is not None and len(rect) == 4:
                x0, y0, x1, y1 = (float(v) for v in rect)
                box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
                found.append((self.page_of(widget, entries), box))
        return tuple(found)

    def walk(self, root: pikepdf.Object) -> None:
        """Every terminal field under ``root``, in tree order, without recursion.

        Raises:
            ExtractionError: the tree is deeper than ``MAX_DEPTH`` (a hostile file).
        """
        stack: list[tuple[pikepdf.Object, str, dict[str, Any], int]] = [(root, "", {}, 1)]
        while stack:
            field, prefix, inherited, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise ExtractionError(f"its field tree is more than {MAX_DEPTH} levels deep")
            stack.extend(reversed(self.visit(field, prefix, inherited, depth)))

    def visit(
        self, field: pikepdf.Object, prefix: str, inherited: dict[str, Any], depth: int
    ) -> list[tuple[pikepdf.Object, str, dict[str, Any], int]]:
        """Read one node: a terminal field goes to ``out``; a parent returns its kids."""
        objgen = field.objgen  # (0, 0) for a direct object: cheaper than is_indirect
        if objgen != (0, 0):
            if objgen in self.seen:
                return []
            self.seen.add(objgen)
        entries = _entries(field, _FIELD_KEYS)
        here = dict(inherited)
        for key in ("/FT", "/Ff", "/V"):
            if key in entries:
                here[key] = entries[key]
        partial = entries.get("/T")
        name = f"{prefix}.{partial}" if prefix and partial is not None else str(partial or prefix)
        kids_array = entries.get("/Kids")
        # The PDF spec makes a field's kids all fields or all widgets: the first decides,
        # and a field's kids are listed (each converted by pikepdf) only once.
        listed = list(kids_array) if isinstance(kids_array, pikepdf.Array) else []
        if listed and isinstance(listed[0], pikepdf.Dictionary) and Name.T in listed[0]:
            return [
                (kid, name, here, depth + 1)
                for kid in listed
                if isinstance(kid, pikepdf.Dictionary) and Name.T in kid
            ]

        def kids() -> list[pikepdf.Object]:
            # A terminal field's kids are its widgets; each costs a parse, so only
            # when needed (a radio value kept in /AS only, a signature's boxes).
            return [k for k in listed if isinstance(k, pikepdf.Dictionary)]

        ft = str(here["/FT"]) if "/FT" in here else None
        flags = int(here.get("/Ff", 0))
        kind = _kind(ft, flags)
        boxes: tuple[Box, ...] = ()
        if kind in ("radio", "checkbox"):
            value = _button_value(field, entries, kids)
        else:
            value = _text(entries.get("/V", here.get("/V")))
            if value is None and Name.RV in field:  # rich text only: keep its characters
                value = _plain(str(field.RV))
            if kind == "signature":
                widgets: list[tuple[pikepdf.Object, dict[str, Any]]] = [
                    (kid, _entries(kid, _WIDGET_KEYS)) for kid in kids()
                ]
                boxes = self.boxes(widgets or [(field, _entries(field, _WIDGET_KEYS))])
        tooltip = str(field.get(Name.TU, "")) if self.tooltips else ""
        self.out.append(PdfField(name, kind, value, flags, tooltip, boxes))
        return []


def _plain(rich: str) -> str:
    """The text of an XHTML rich-text value (``/RV``), paragraphs as lines."""
    text = re.sub(r"</p>|<br\s*/?>", "\n", rich, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()


def fields_of(
    pdf: pikepdf.Pdf, *, tooltips: bool = False, visited: set[tuple[int, int]] | None = None
) -> list[PdfField]:
    """Every terminal field of an open PDF, in field-tree order (``tooltips``: with ``/TU``).

    Raises:
        ExtractionError: the field tree is deeper than any form needs (``MAX_DEPTH``).
    """
    acroform = pdf.Root.get(Name.AcroForm)
    if not isinstance(acroform, pikepdf.Dictionary) or Name.Fields not in acroform:
        return []
    fields = acroform.Fields
    if not isinstance(fields, pikepdf.Array):  # damaged: a form with no list of fields
        return []
    walk = _Walk(pdf, tooltips)
    if visited is not None:
        walk.seen = visited  # the caller learns which objects are fields
    for field in fields:
        if isinstance(field, pikepdf.Dictionary):
            walk.walk(field)
    return walk.out


def read_fields(source: Path | bytes, name: str | None = None) -> list[PdfField]:
    """Every terminal field of the PDF at ``source`` (a path or its bytes, ``name``d)."""
    where = name or ("(bytes)" if isinstance(source, bytes) else str(source))
    try:
        pdf = pikepdf.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    except pikepdf.PasswordError as exc:
        raise ExtractionError("needs a password to open", path=where) from exc
    except (pikepdf.PdfError, OSError) as exc:
        why = re.sub(r"^stream <[^>]*>:?\s*", "", str(exc))  # qpdf's name for the bytes
        raise ExtractionError(f"not a readable PDF ({why})", path=where) from exc
    with pdf:
        return fields_of(pdf, tooltips=True)
