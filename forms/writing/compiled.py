"""A form version compiled once into ready-made PDF objects, for fast copies.

Drawing the static pages, subsetting the font and building the AcroForm take
about a second; a copy differs from the blank template only in a few objects
(the filled fields, the footers, the identity). So the template is saved once
by pikepdf without object streams, cut into its objects' bytes, and
``forms.writing.fill`` writes each copy from those bytes plus the objects it changes.
The objects no copy changes are packed into one object stream here, once
(``forms.writing.packing``).
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass

import pikepdf
from pikepdf import Dictionary, Name, Pdf
from supforms.forms.fonts import FieldFont, field_font
from supforms.forms.spec import FieldKind, field_specs
from supforms.forms.writing.acroform import MULTILINE, build_acroform
from supforms.forms.writing.appearance import FONT_RESOURCE
from supforms.forms.writing.compose import compose
from supforms.forms.writing.layout import Widget
from supforms.forms.writing.packing import Packed, pack
from supforms.forms.writing.wording import Wording, load_wording, parse_blocks, render_wording
from supforms.schemas.errors import LayoutError
from supforms.schemas.registry import latest, model_for

__all__ = ["CompiledForm", "Slot", "compiled_form"]

_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")


@dataclass(frozen=True)
class Slot:
    """A field's object in the template, and its dictionary minus what a copy sets."""

    path: str
    kind: FieldKind
    objnum: int
    base: bytes
    width: float
    height: float
    kids: tuple[tuple[str, int, bytes], ...] = ()
    wrap: bool = False  # multiline: the value wraps onto the box's lines
    page: int = 0
    title: str = ""


@dataclass(frozen=True)
class Tree:
    """The structure tree's objects a copy with continuation pages rewrites, minus what it adds.

    The pages' elements go after the Document element's kids, their ParentTree keys after
    the template's (``next_key``).
    """

    root: int
    root_base: bytes  # the StructTreeRoot without /ParentTreeNextKey
    document: int
    document_base: bytes  # the Document element without /K
    document_kids: bytes
    parent_tree: int
    nums: bytes
    next_key: int


def _tree(pdf: Pdf) -> Tree:
    root = pdf.Root.StructTreeRoot
    document = root.K[0]
    return Tree(
        root=root.objgen[0],
        root_base=_base(root, ("/ParentTreeNextKey",)),
        document=document.objgen[0],
        document_base=_base(document, ("/K",)),
        document_kids=bytes(document.K.unparse())[1:-1].strip(),
        parent_tree=root.ParentTree.objgen[0],
        nums=bytes(root.ParentTree.Nums.unparse())[1:-1].strip(),
        next_key=int(root.ParentTreeNextKey),
    )


@dataclass(frozen=True)
class CompiledForm:
    form_id: str
    version: str
    title: str
    pages: int
    objects: tuple[bytes, ...]  # index = object number; index 0 is unused
    root: int
    info: int
    metadata: int
    font: int
    footers: tuple[int, ...]
    page_tree: int  # the /Pages object, to which a copy may add continuation pages
    page_refs: tuple[int, ...]
    slots: dict[str, Slot]
    widgets: tuple[Widget, ...]
    field_font: FieldFont
    tree: Tree
    packed: Packed  # the objects no copy changes, in one object stream compressed once


def _split_objects(data: bytes) -> list[bytes]:
    """The bytes of each object of a PDF written with a classic xref table, by number."""
    start = int(data[data.rindex(b"startxref") + 9 :].split()[0])
    header = data[start : start + 64].split(b"\n")
    if header[0].strip() != b"xref":
        raise LayoutError("template was not written with a classic cross-reference table")
    count = int(header[1].split()[1])
    entries = _XREF_ENTRY.findall(data, start, start + 64 + 20 * count + 20)[:count]
    offsets = [int(off) if kind == b"n" else -1 for off, _, kind in entries]
    ordered = sorted((off, num) for num, off in enumerate(offsets) if off >= 0)
    objects = [b""] * count
    for index, (offset, num) in enumerate(ordered):
        end = ordered[index + 1][0] if index + 1 < len(ordered) else start
        body = data[offset:end]
        if not body.startswith(f"{num} 0 obj".encode()):
            raise LayoutError(f"object {num} is not where the cross-reference table says")
        objects[num] = body.rstrip(b"\r\n") + b"\n"
    return objects


def _base(obj: pikepdf.Object, drop: tuple[str, ...]) -> bytes:
    copy = Dictionary({key: value for key, value in obj.items() if key not in drop})
    text = copy.unparse()
    return bytes(text[2:-2]).strip()


def _size(obj: pikepdf.Object) -> tuple[float, float]:
    x0, y0, x1, y1 = (float(v) for v in obj.Rect)
    return abs(x1 - x0), abs(y1 - y0)


def _terminals(fields: pikepdf.Object, prefix: str = "") -> dict[str, pikepdf.Object]:
    found: dict[str, pikepdf.Object] = {}
    for field in fields:
        name = f"{prefix}{field.T}" if Name.T in field else prefix.rstrip(".")
        kids = field.get(Name.Kids)
        if kids is not None and any(Name.T in kid for kid in kids):
            found.update(_terminals(kids, f"{name}."))
        else:
            found[name] = field
    return found


def _opened_first(pdf: Pdf) -> set[int]:
    """What a reader of the fields opens first.

    The catalog, the page tree (pikepdf reads it on opening) and the pages' annotation
    lists, the AcroForm and its fields.
    """
    found = {pdf.Root.objgen[0], pdf.Root.Pages.objgen[0]}
    for page in pdf.pages:
        found.add(page.obj.objgen[0])
        if Name.Annots in page.obj and page.obj.Annots.is_indirect:
            found.add(page.obj.Annots.objgen[0])
    pending = [pdf.Root.AcroForm, pdf.Root.AcroForm.Fields]
    while pending:
        node = pending.pop()
        if node.is_indirect:
            found.add(node.objgen[0])
        if isinstance(node, pikepdf.Array):
            pending.extend(node)
        elif Name.Kids in node:
            pending.append(node.Kids)
    return found


def _slots(pdf: Pdf) -> dict[str, Slot]:
    slots: dict[str, Slot] = {}
    for path, field in _terminals(pdf.Root.AcroForm.Fields).items():
        num = field.objgen[0]
        if Name.Kids in field:  # a radio group: the value is on the group, the state on kids
            kids = []
            for kid in field.Kids:
                option = next(str(k)[1:] for k, _ in kid.AP.N.items() if k != "/Off")
                kids.append((option, kid.objgen[0], _base(kid, ("/AS",))))
            w, h = _size(field.Kids[0])
            slots[path] = Slot(path, "scale", num, _base(field, ("/V",)), w, h, tuple(kids))
            continue
        kind: FieldKind = "checkbox" if Name.Btn == field.FT else "text"
        drop = ("/V", "/AS") if kind == "checkbox" else ("/V", "/AP")
        w, h = _size(field)
        wrap = kind == "text" and bool(int(field.get(Name.Ff, 0)) & MULTILINE)
        slots[path] = Slot(path, kind, num, _base(field, drop), w, h, wrap=wrap)
    return slots


def _compile(form_id: str, version: str, wording: Wording) -> CompiledForm:
    model = model_for(form_id, version)
    specs = field_specs(model)
    declaration = latest(form_id).declaration
    title = declaration.title if declaration else form_id
    markup = render_wording(form_id, wording, version)
    static = compose(title, parse_blocks(markup), specs, wording.logo)
    font = field_font()
    pdf = build_acroform(static, specs, font)
    buffer = io.BytesIO()
    pdf.save(
        buffer,
        object_stream_mode=pikepdf.ObjectStreamMode.disable,
        compress_streams=True,
        deterministic_id=True,
        fix_metadata_version=False,
        min_version="1.7",
    )
    data = buffer.getvalue()
    saved = Pdf.open(io.BytesIO(data))
    kinds = {spec.path: spec.kind for spec in specs}
    titles = {spec.path: spec.title for spec in specs}
    pages = {widget.path: widget.page for widget in static.widgets}
    slots = {
        path: Slot(
            path,
            kinds[path],
            s.objnum,
            s.base,
            s.width,
            s.height,
            s.kids,
            s.wrap,
            pages[path],
            titles[path],
        )
        for path, s in _slots(saved).items()
    }
    objects = tuple(_split_objects(data))
    tree = _tree(saved)
    page_tree = saved.Root.Pages.objgen[0]
    info = saved.trailer.Info.objgen[0]
    # What a copy may rewrite (fields, the Info dictionary, the page and structure trees)
    # stays out of the shared object stream: a copy packs its own.
    mutable = {info, page_tree, tree.root, tree.document, tree.parent_tree}
    for slot in slots.values():
        mutable.add(slot.objnum)
        mutable.update(kid[1] for kid in slot.kids)
    return CompiledForm(
        form_id=form_id,
        version=version,
        title=title,
        pages=len(saved.pages),
        objects=objects,
        root=saved.Root.objgen[0],
        info=info,
        metadata=saved.Root.Metadata.objgen[0],
        font=saved.Root.AcroForm.DR.Font["/" + FONT_RESOURCE].objgen[0],
        footers=tuple(page.obj.Contents[-1].objgen[0] for page in saved.pages),
        page_tree=page_tree,
        page_refs=tuple(page.obj.objgen[0] for page in saved.pages),
        slots=slots,
        widgets=static.widgets,
        field_font=font,
        tree=tree,
        packed=pack(objects, mutable, _opened_first(saved)),
    )


_cache: dict[tuple[str, str, str], CompiledForm] = {}
_lock = threading.Lock()


def compiled_form(
    form_id: str, version: str | None = None, wording: Wording | None = None
) -> CompiledForm:
    """The compiled template of a form version (the newest by default), built once per process."""
    wording = wording or load_wording()
    version = version or str(latest(form_id).model_fields["schema_version"].default)
    key = (form_id, version, wording.fingerprint)
    with _lock:
        if key not in _cache:
            _cache[key] = _compile(form_id, version, wording)
        return _cache[key]
