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
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pikepdf
from pikepdf import Name
from supforms.schemas.errors import ExtractionError

__all__ = ["MAX_DEPTH", "PdfField", "fields_of", "read_fields"]

_TYPES = {"/Tx": "text", "/Ch": "choice", "/Sig": "signature", "/Btn": "button"}
RADIO, PUSH, MULTILINE, COMBO = 1 << 15, 1 << 16, 1 << 12, 1 << 17
MAX_DEPTH = 100  # levels of a field tree; a form's dotted names have a handful


class PdfField(NamedTuple):
    """One terminal field (a tuple: a walk makes ~90 of them a file, and tuples are cheap)."""

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


def _value(field: pikepdf.Object) -> str | None:
    """A field's own ``/V`` as text: a string straight from pikepdf, anything else by ``_text``."""
    text = field.get_str(_V)
    return text if text is not None else _text(field[_V])


def _kind(ft: str | None, flags: int) -> str:
    kind = _TYPES.get(ft or "", "unknown")
    if kind == "button":
        kind = "radio" if flags & RADIO else "pushbutton" if flags & PUSH else "checkbox"
    elif kind == "text" and flags & MULTILINE:
        kind = "multiline"
    elif kind == "choice":
        kind = "combo" if flags & COMBO else "list"
    return kind


def _state(node: pikepdf.Object) -> str | None:
    """A widget's chosen appearance state (``/AS``), unless it is off."""
    state = node.get(_AS) if _AS in node else None
    return str(state)[1:] if state is not None and str(state) != "/Off" else None


def _button_value(
    field: pikepdf.Object, value: Any, widgets: Sequence[pikepdf.Object]
) -> str | None:
    if value is not None and str(value) != "/Off":
        return _text(value)
    # Some fillers set only the widget's /AS; the chosen state is then the value.
    for widget in widgets:
        state = _state(widget)
        if state is not None:
            return state
    return _state(field)


Box = tuple[int, tuple[float, float, float, float]]
Task = tuple[pikepdf.Object, str, "_Inherited", int, bool]
_T, _FT, _FF, _V, _KIDS, _AS = Name.T, Name.FT, Name.Ff, Name.V, Name.Kids, Name.AS
_P, _RECT, _RV, _TU = Name.P, Name.Rect, Name.RV, Name.TU


class _Inherited(NamedTuple):
    """What a kid inherits from the fields above it (``/FT``, ``/Ff``, ``/V``)."""

    ft: str | None = None
    flags: int = 0
    value: str | None = None


class _Walk:
    """One walk of a field tree, asking pikepdf as little as it can.

    Each question to pikepdf crosses into C++ and converts what it hands back:
    a node's keys are asked once (a Python set), then only the entries that are
    there, strings straight to ``str`` (``get_str``).
    """

    def __init__(self, pdf: pikepdf.Pdf, tooltips: bool) -> None:
        self.pdf = pdf
        self.tooltips = tooltips
        self.seen: set[tuple[int, int]] = set()
        self.out: list[PdfField] = []
        self._pages: dict[tuple[int, int], int] | None = None
        self._annots: dict[tuple[int, int], int] | None = None

    def page_of(self, widget: pikepdf.Object) -> int:
        if self._pages is None:
            self._pages = {page.obj.objgen: i for i, page in enumerate(self.pdf.pages)}
        owner = widget.get(_P) if _P in widget else None
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

    def boxes(self, widgets: Sequence[pikepdf.Object]) -> tuple[Box, ...]:
        found = []
        for widget in widgets:
            rect = widget.get(_RECT) if _RECT in widget else None
            if rect is not None and len(rect) == 4:
                x0, y0, x1, y1 = (float(v) for v in rect)
                box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
                found.append((self.page_of(widget), box))
        return tuple(found)

    def walk(self, root: pikepdf.Object) -> None:
        """Every terminal field under ``root``, in tree order, without recursion.

        Raises:
            ExtractionError: the tree is deeper than ``MAX_DEPTH`` (a hostile file).
        """
        stack: list[Task] = [(root, "", _Inherited(), 1, False)]
        while stack:
            task = stack.pop()
            if task[3] > MAX_DEPTH:
                raise ExtractionError(f"its field tree is more than {MAX_DEPTH} levels deep")
            stack.extend(reversed(self.visit(*task)))

    def visit(
        self, field: pikepdf.Object, prefix: str, inherited: _Inherited, depth: int, named: bool
    ) -> list[Task]:
        """Read one node: a terminal field goes to ``out``; a parent returns its kids.

        ``named``: the node is a kid of a field whose kids are fields, and is one
        only if it has a partial name (``/T``).
        """
        objgen = field.objgen  # (0, 0) for a direct object: cheaper than is_indirect
        if objgen != (0, 0) and objgen in self.seen:
            return []
        keys = field.keys()
        if named and "/T" not in keys:
            return []
        if objgen != (0, 0):
            self.seen.add(objgen)
        partial: str | None = None
        if "/T" in keys:
            partial = field.get_str(_T)
            if partial is None:  # not a string (a hostile name or number): as it prints
                partial = str(field[_T])
        name = f"{prefix}.{partial}" if prefix and partial is not None else partial or prefix
        here = inherited
        if "/FT" in keys or "/Ff" in keys or "/V" in keys:
            here = _Inherited(
                str(field[_FT]) if "/FT" in keys else inherited.ft,
                int(field[_FF]) if "/Ff" in keys else inherited.flags,
                _value(field) if "/V" in keys else inherited.value,
            )
        listed: list[pikepdf.Object] = []
        if "/Kids" in keys:
            kids = field[_KIDS]
            listed = list(kids) if isinstance(kids, pikepdf.Array) else []
        # The PDF spec makes a field's kids all fields or all widgets: the first decides,
        # and a field's kids are listed (each converted by pikepdf) only once.
        if listed and isinstance(listed[0], pikepdf.Dictionary) and _T in listed[0]:
            return [
                (kid, name, here, depth + 1, True)
                for kid in listed
                if isinstance(kid, pikepdf.Dictionary)
            ]
        kind = _kind(here.ft, here.flags)
        boxes: tuple[Box, ...] = ()
        if kind in ("radio", "checkbox"):
            widgets = [k for k in listed if isinstance(k, pikepdf.Dictionary)]
            # A button's own /V only: a state inherited from a group is not its choice.
            value = _button_value(field, field[_V] if "/V" in keys else None, widgets)
        else:
            value = here.value
            if value is None and "/RV" in keys:  # rich text only: keep its characters
                value = _plain(str(field[_RV]))
            if kind == "signature":
                widgets = [k for k in listed if isinstance(k, pikepdf.Dictionary)]
                boxes = self.boxes(widgets or [field])
        tooltip = field.get_str(_TU) or "" if self.tooltips and "/TU" in keys else ""
        self.out.append(PdfField(name, kind, value, here.flags, tooltip, boxes))
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
