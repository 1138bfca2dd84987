"""The structure tree of a tagged PDF (PDF/UA-1): written, kept when flattened, merged.

``forms.writing.layout`` records what each page draws as a tree of ``Node`` in reading
order; ``add_structure`` writes it as the PDF's StructTreeRoot, with a ParentTree
that maps each page's marked content and each widget back to its element. It is
compiled once per form version with the template (``forms.writing.compiled``), so a copy
costs nothing more. ``flatten`` draws each widget's appearance into its page as
the marked content of its Form element, which becomes a printed field
(``/PrintField``); ``PackStructure`` carries each copy's tree into a print pack.
"""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, String
from supforms.forms.writing.layout import Marked, Node

__all__ = ["PackStructure", "add_structure", "flatten", "marked_kid"]

LANGUAGE = "en-GB"
RADIO = 1 << 15
_OWNERS = {"Scope": Name.Table, "ListNumbering": Name.List}


def _mark_catalog(pdf: Pdf) -> None:
    """What PDF/UA-1 asks of the catalog besides the tree: marked, a language, the title shown."""
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    pdf.Root.Lang = String(LANGUAGE)
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)


def _nums(root: pikepdf.Object) -> dict[int, pikepdf.Object]:
    nums = root.ParentTree.Nums
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}


def _set_nums(pdf: Pdf, root: pikepdf.Object, entries: dict[int, pikepdf.Object]) -> None:
    nums = Array()
    for key in sorted(entries):
        nums.append(key)
        nums.append(entries[key])
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))


def _new_structure(pdf: Pdf) -> tuple[pikepdf.Object, pikepdf.Object]:
    """An empty StructTreeRoot with its Document element, set in the catalog."""
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = pdf.make_indirect(
        Dictionary(Type=Name.StructElem, S=Name.Document, P=root, K=Array())
    )
    root.K = Array([document])
    pdf.Root.StructTreeRoot = root
    _mark_catalog(pdf)
    return root, document


def marked_kid(
    element: pikepdf.Object,
    kid: Marked,
    pages: list[pikepdf.Object],
    by_page: dict[int, dict[int, pikepdf.Object]],
) -> int | pikepdf.Dictionary:
    """A marked-content kid of ``element``, noted in ``by_page`` for the ParentTree.

    Its MCID alone on the element's own page (the first it is drawn on); on a later
    page, the element goes on over a page break, a marked-content reference (MCR).
    """
    page = pages[kid.page]
    if Name.Pg not in element:
        element.Pg = page
    by_page.setdefault(kid.page, {})[kid.mcid] = element
    if element.Pg.objgen == page.objgen:
        return kid.mcid
    return Dictionary(Type=Name.MCR, Pg=page, MCID=kid.mcid)


def _tooltip(annot: pikepdf.Object) -> pikepdf.Object | None:
    """A widget's field's ``/TU`` (its own, or its parent field's), if it has one."""
    if Name.TU in annot:
        return annot.TU
    parent = annot.get(Name.Parent)
    return parent.TU if parent is not None and Name.TU in parent else None


def add_structure(pdf: Pdf, structure: Node, annots: list[pikepdf.Object]) -> None:
    """Write ``structure`` (a Document node) as ``pdf``'s structure tree.

    ``annots`` are the widget annotations in the order ``forms.writing.layout`` placed them
    (a ``Form`` node's kid is an index into it). Every page gets ``/Tabs /S`` (tab
    order follows the structure) and its ParentTree key; every widget its own. A
    widget's ``/Contents`` (a radio button's "Safety scale: 7") becomes its Form
    element's ``/Alt``, which pdf.js gives the button as its ``aria-label``; every
    other field's Form element has its field's tooltip as ``/Alt``, the only name
    pdf.js gives a text field or a list to a screen reader.
    """
    pages = [page.obj for page in pdf.pages]
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    by_mcid: dict[int, dict[int, pikepdf.Object]] = {}
    by_widget: dict[int, pikepdf.Object] = {}

    def build(node: Node, parent: pikepdf.Object) -> pikepdf.Object | None:
        element = pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name("/" + node.tag), P=parent)
        )
        for key, value in node.attributes.items():
            element.A = Dictionary({"/O": _OWNERS[key], "/" + key: Name("/" + value)})
        kids = Array()
        for kid in node.kids:
            if isinstance(kid, Node):
                built = build(kid, element)
                if built is not None:
                    kids.append(built)
            elif isinstance(kid, Marked):
                kids.append(marked_kid(element, kid, pages, by_mcid))
            else:
                annot = annots[kid]
                kids.append(Dictionary(Type=Name.OBJR, Obj=annot, Pg=annot.P))
                by_widget[kid] = element
                element.Pg = annot.P
                if Name.Contents in annot:  # a radio button: named with its value
                    element.Alt = annot.Contents
                elif (name := _tooltip(annot)) is not None:
                    # pdf.js names a field by its Form element's /Alt (not its /TU).
                    element.Alt = name
        if not kids and node.tag not in ("TD", "TH"):
            return None  # nothing was drawn in it
        # A Form's only kid, its OBJR, stands alone rather than in an array: pyHanko's
        # check of a later signature finds a field in the tree only at a path ending in
        # /K/Obj, and calls anything else an unexplained change.
        element.K = kids[0] if node.tag == "Form" else kids
        return element

    document = build(structure, root)
    root.K = Array([document])
    entries: dict[int, pikepdf.Object] = {}
    for index, page in enumerate(pages):
        marked = by_mcid.get(index, {})
        page.StructParents = index
        page.Tabs = Name.S
        entries[index] = pdf.make_indirect(Array([marked[i] for i in range(len(marked))]))
    key = len(pages)
    for index in sorted(by_widget):
        annots[index].StructParent = key
        entries[key] = by_widget[index]
        key += 1
    _set_nums(pdf, root, entries)
    root.ParentTreeNextKey = key
    pdf.Root.StructTreeRoot = root
    _mark_catalog(pdf)


def _role(annot: pikepdf.Object) -> str:
    field = annot if Name.FT in annot else annot.Parent
    if Name.Btn != field.FT:
        return "tv"  # text value: text, choice, an unsigned signature
    return "rb" if int(field.get(Name.Ff, 0)) & RADIO else "cb"


def flatten(pdf: Pdf) -> None:
    """Draw every widget into its page as its Form element's content; remove the fields.

    The Form element keeps its place in the reading order and says what it was
    (``/A << /O /PrintField /Role /tv >>``, checked or not for a button).
    """
    root = pdf.Root.StructTreeRoot
    entries = _nums(root)
    for page in pdf.pages:
        annots = page.obj.get(Name.Annots)
        if not annots:
            continue
        marked = entries[int(page.obj.StructParents)]
        resources = page.obj.Resources
        if Name.XObject not in resources:
            resources.XObject = Dictionary()
        ops = []
        for index, annot in enumerate(annots):
            element = entries.pop(int(annot.StructParent))
            mcid = len(marked)
            marked.append(element)
            role = _role(annot)
            state = annot.get(Name.AS)
            attributes = Dictionary(O=Name.PrintField, Role=Name("/" + role))
            if role != "tv":
                attributes.checked = Name.off if state in (None, Name.Off) else Name.on
            element.A = attributes
            same_page = element.Pg.objgen == page.obj.objgen
            element.K = mcid if same_page else Dictionary(Type=Name.MCR, Pg=page.obj, MCID=mcid)
            normal = annot.AP.N
            appearance = normal if state is None else normal.get(Name(str(state)))
            x0, y0 = (min(float(annot.Rect[i]), float(annot.Rect[i + 2])) for i in (0, 1))
            if appearance is None:  # a button that is off draws nothing
                ops.append(f"/Form <</MCID {mcid}>> BDC EMC")
                continue
            name = Name(f"/SFField{index}")
            resources.XObject[name] = appearance
            ops.append(f"/Form <</MCID {mcid}>> BDC q 1 0 0 1 {x0:.2f} {y0:.2f} cm {name} Do Q EMC")
        page.contents_add(pdf.make_stream(("\n".join(ops) + "\n").encode()), prepend=False)
        del page.obj.Annots
    _set_nums(pdf, root, entries)
    if Name.AcroForm in pdf.Root:
        del pdf.Root.AcroForm


class PackStructure:
    """The structure tree of a print pack: each copy's Document becomes a Part of the pack's."""

    def __init__(self, pack: Pdf) -> None:
        self.pack = pack
        self.root, self.document = _new_structure(pack)
        self.entries: dict[int, pikepdf.Object] = {}
        self.next_key = 0

    def append(self, source: Pdf, first_page: int) -> None:
        """Carry ``source``'s tree into the pack, whose pages from ``first_page`` are its pages.

        Call it after the pages are copied: qpdf then maps the elements' page
        references to the pack's copies of those pages. The copy's ParentTree keys
        move past those of the copies before it.
        """
        source_root = source.Root.StructTreeRoot
        kids = source_root.K
        source_document = kids[0] if isinstance(kids, Array) else kids
        del source_document.P  # or copy_foreign would drag the source's root along
        part = self.pack.copy_foreign(source_document)
        part.S = Name.Part
        part.P = self.document
        self.document.K.append(part)
        shift = self.next_key
        for key, value in _nums(source_root).items():
            if value.is_indirect:
                self.entries[key + shift] = self.pack.copy_foreign(value)
            else:  # a page's array written in place (a copy's continuation pages)
                self.entries[key + shift] = Array([self.pack.copy_foreign(e) for e in value])
        for page in self.pack.pages[first_page:]:
            page.obj.StructParents = int(page.obj.StructParents) + shift
        self.next_key = shift + int(source_root.ParentTreeNextKey)

    def finish(self) -> None:
        _set_nums(self.pack, self.root, self.entries)
        self.root.ParentTreeNextKey = self.next_key
