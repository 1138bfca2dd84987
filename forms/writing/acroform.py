"""Add the AcroForm to a form's static pages: fields, widgets, the Unicode field font.

Field names are the dotted paths of the values (contract 1), built as
a hierarchy because a partial name may not contain a period. Every widget has a
tooltip (``/TU``, its accessible name) and sits in its page's ``/Annots`` in
reading order, which viewers follow as the tab order. A text box's ``/MaxLen`` is
its schema's ``max_length``, and the box is sized to show that many of the widest
letters at the size people type in: a viewer stops people where the schema
would, and what they typed prints whole. A text box sized for more than one line
of its longest value is multiline, so viewers wrap what people type.
Each page gets an empty footer stream and the document placeholders for its
identity, which ``forms.writing.fill`` replaces per copy. The structure tree
(``forms.writing.tagging``) links each widget to its Form element (``/StructParent``).
"""

from __future__ import annotations

import io

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, String
from supforms.forms.fonts import FieldFont
from supforms.forms.spec import DATE_HINT, FieldSpec
from supforms.forms.writing.appearance import FONT_RESOURCE, VALUE_SIZE, check_on, dot_on
from supforms.forms.writing.layout import StaticPages, Widget
from supforms.forms.writing.onefont import fold_regular_font
from supforms.forms.writing.tagging import add_structure

__all__ = ["FIELD_FLAGS", "MULTILINE", "build_acroform", "button_name"]

MULTILINE, RADIO, NO_TOGGLE_OFF, COMBO = 1 << 12, 1 << 15, 1 << 14, 1 << 17
FIELD_FLAGS = {
    "text": 0,
    "date": 0,
    "integer": 0,
    "multiline": MULTILINE,
    "choice": COMBO,
    "checkbox": 0,
    "yesno": RADIO | NO_TOGGLE_OFF,
    "scale": RADIO | NO_TOGGLE_OFF,
    "signature": 0,
}
FIELD_TYPES = {
    "text": "/Tx",
    "date": "/Tx",
    "integer": "/Tx",
    "multiline": "/Tx",
    "choice": "/Ch",
    "checkbox": "/Btn",
    "yesno": "/Btn",
    "scale": "/Btn",
    "signature": "/Sig",
}
PRINT = 4
DEFAULT_APPEARANCE = f"/{FONT_RESOURCE} {VALUE_SIZE:g} Tf 0 g"
"""What people type shows at 8.5 pt in every text field; boxes are sized to hold their values."""


def _font_objects(pdf: Pdf, font: FieldFont) -> pikepdf.Object:
    file2 = pdf.make_stream(font.data)
    file2.Length1 = len(font.data)
    descriptor = pdf.make_indirect(
        Dictionary(
            Type=Name.FontDescriptor,
            FontName=Name("/" + font.postscript_name),
            Flags=32,
            FontBBox=Array(list(font.bbox)),
            ItalicAngle=0,
            Ascent=font.ascent,
            Descent=font.descent,
            CapHeight=font.cap_height,
            StemV=80,
            FontFile2=file2,
        )
    )
    cid = pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.CIDFontType2,
            BaseFont=Name("/" + font.postscript_name),
            CIDSystemInfo=Dictionary(
                Registry=String("Adobe"), Ordering=String("Identity"), Supplement=0
            ),
            FontDescriptor=descriptor,
            DW=1000,
            W=Array([0, Array(list(font.widths))]),
            CIDToGIDMap=Name.Identity,
        )
    )
    return pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=Name("/" + font.postscript_name),
            Encoding=Name("/Identity-H"),
            DescendantFonts=Array([cid]),
            ToUnicode=pdf.make_stream(font.to_unicode_cmap()),
        )
    )


def button_name(spec: FieldSpec, option: str) -> str:
    """The accessible name of one radio button: its group's short name and its value.

    The spec gives a radio button (a kid widget) no ``/TU`` of its own, only its group;
    the annotation's ``/Contents`` is its alternate description, so each button says
    "Safety scale: 7" rather than the group's question eleven times.
    """
    head = spec.title.split(": ", 1)[0]
    return f"{head} {option}" if head.endswith("?") else f"{head}: {option}"


Shared = dict[tuple[object, ...], pikepdf.Object]
"""Objects many widgets use alike (appearances, date actions), made once per form."""


def _form_xobject(
    pdf: Pdf, shared: Shared, content: bytes, width: float, height: float
) -> pikepdf.Object:
    """An appearance stream; one object for every widget that draws the same at the same size.

    Only buttons' appearances are shared: a viewer may rewrite a text field's own in place.
    """
    key = ("appearance", content, round(width, 2), round(height, 2))
    if key in shared:
        return shared[key]
    # An empty appearance draws "q Q" (nothing): qpdf would write an empty stream as
    # /FlateDecode with /Length 0, which is not valid Flate data (MuPDF warns).
    stream = pdf.make_stream(content or b"q Q")
    stream.Type = Name.XObject
    stream.Subtype = Name.Form
    stream.BBox = Array([0, 0, round(width, 2), round(height, 2)])
    stream.Resources = Dictionary()
    shared[key] = stream = pdf.make_indirect(stream)
    return stream


def _date_actions(pdf: Pdf, shared: Shared) -> Dictionary:
    """Acrobat's date format and keystroke actions; other viewers ignore them harmlessly."""

    def js(code: str) -> pikepdf.Object:
        key = ("javascript", code)
        if key not in shared:
            shared[key] = pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=String(code)))
        return shared[key]

    return Dictionary(
        F=js(f'AFDate_FormatEx("{DATE_HINT}");'),
        K=js(f'AFDate_KeystrokeEx("{DATE_HINT}");'),
    )


def _widget(page: pikepdf.Page, widget: Widget) -> Dictionary:
    x0, y0, x1, y1 = widget.rect
    return Dictionary(
        Type=Name.Annot,
        Subtype=Name.Widget,
        Rect=Array([x0, y0, x1, y1]),
        P=page.obj,
        F=PRINT,
    )


def _parent(
    pdf: Pdf, parents: dict[str, pikepdf.Object], roots: Array, parts: tuple[str, ...]
) -> pikepdf.Object | None:
    """The non-terminal field that holds ``parts``' last name, made on first use."""
    if len(parts) == 1:
        return None
    key = ".".join(parts[:-1])
    if key not in parents:
        grand = _parent(pdf, parents, roots, parts[:-1])
        node = pdf.make_indirect(Dictionary(T=String(parts[-2]), Kids=Array()))
        if grand is None:
            roots.append(node)
        else:
            node.Parent = grand
            grand.Kids.append(node)
        parents[key] = node
    return parents[key]


def build_acroform(static: StaticPages, specs: tuple[FieldSpec, ...], font: FieldFont) -> Pdf:
    """The static pages with every field and widget added; placeholders for identity."""
    pdf = Pdf.open(io.BytesIO(static.pdf))
    font_ref = _font_objects(pdf, font)
    fold_regular_font(pdf, font, FONT_RESOURCE, font_ref)
    by_path = {spec.path: spec for spec in specs}
    roots = Array()
    parents: dict[str, pikepdf.Object] = {}
    radios: dict[str, pikepdf.Object] = {}
    annots: list[pikepdf.Object] = []  # in the order the widgets were placed
    shared: Shared = {}
    for page in pdf.pages:
        if Name.Resources not in page.obj:
            page.obj.Resources = Dictionary()
        if Name.Font not in page.obj.Resources:
            page.obj.Resources.Font = Dictionary()
        page.obj.Resources.Font[Name("/" + FONT_RESOURCE)] = font_ref
        page.obj.Annots = pdf.make_indirect(Array())
        footer = pdf.make_stream(b"")
        contents = page.obj.Contents
        page.obj.Contents = Array(
            [*(contents if isinstance(contents, Array) else [contents]), footer]
        )

    for widget in static.widgets:
        spec = by_path[widget.path]
        page = pdf.pages[widget.page]
        annot = _widget(page, widget)
        x0, y0, x1, y1 = widget.rect
        w, h = x1 - x0, y1 - y0
        if spec.kind in ("scale", "yesno"):
            group = radios.get(spec.path)
            if group is None:
                parent = _parent(pdf, parents, roots, spec.parts)
                group = pdf.make_indirect(
                    Dictionary(
                        FT=Name.Btn,
                        Ff=FIELD_FLAGS[spec.kind],
                        T=String(spec.parts[-1]),
                        TU=String(spec.tooltip),
                        Kids=Array(),
                        DA=String("/ZaDb 0 Tf 0 g"),
                    )
                )
                if parent is None:
                    roots.append(group)
                else:
                    group.Parent = parent
                    parent.Kids.append(group)
                radios[spec.path] = group
            annot.Parent = group
            annot.Contents = String(button_name(spec, str(widget.option)))
            annot.AS = Name.Off
            annot.MK = Dictionary(CA=String("l"))
            annot.AP = Dictionary(
                N=Dictionary(
                    {
                        "/" + str(widget.option): _form_xobject(pdf, shared, dot_on(w, h), w, h),
                        "/Off": _form_xobject(pdf, shared, b"", w, h),
                    }
                )
            )
            obj = pdf.make_indirect(annot)
            group.Kids.append(obj)
        else:
            parent = _parent(pdf, parents, roots, spec.parts)
            annot.FT = Name(FIELD_TYPES[spec.kind])
            annot.T = String(spec.parts[-1])
            annot.TU = String(spec.tooltip)
            flags = FIELD_FLAGS[spec.kind] | (MULTILINE if widget.lines > 1 else 0)
            if flags:
                annot.Ff = flags
            if spec.kind == "checkbox":
                annot.AS = Name.Off
                annot.MK = Dictionary(CA=String("4"))
                annot.DA = String("/ZaDb 0 Tf 0 g")
                annot.AP = Dictionary(
                    N=Dictionary(
                        Yes=_form_xobject(pdf, shared, check_on(w, h), w, h),
                        Off=_form_xobject(pdf, shared, b"", w, h),
                    )
                )
            elif spec.kind != "signature":
                # Its own appearance, never shared: PDFium writes what is typed into it.
                annot.DA = String(DEFAULT_APPEARANCE)
                annot.AP = Dictionary(N=_form_xobject(pdf, {}, b"", w, h))
            else:
                annot.AP = Dictionary(N=_form_xobject(pdf, {}, b"", w, h))
            if spec.kind in ("text", "multiline") and spec.max_length:
                annot.MaxLen = spec.max_length
            if spec.kind == "choice":
                annot.Opt = Array([String(option) for option in spec.options])
            if spec.kind == "date":
                annot.AA = _date_actions(pdf, shared)
            obj = pdf.make_indirect(annot)
            if parent is None:
                roots.append(obj)
            else:
                obj.Parent = parent
                parent.Kids.append(obj)
        page.obj.Annots.append(obj)
        annots.append(obj)

    pdf.Root.AcroForm = pdf.make_indirect(
        Dictionary(
            Fields=roots,
            DR=Dictionary(
                Font=Dictionary(
                    {
                        "/" + FONT_RESOURCE: font_ref,
                        "/ZaDb": pdf.make_indirect(
                            Dictionary(
                                Type=Name.Font,
                                Subtype=Name.Type1,
                                BaseFont=Name.ZapfDingbats,
                            )
                        ),
                    }
                )
            ),
            DA=String(DEFAULT_APPEARANCE),
        )
    )
    pdf.Root.Metadata = pdf.make_stream(b"", Type=Name.Metadata, Subtype=Name.XML)
    add_structure(pdf, static.structure, annots)
    pdf.trailer.Info = pdf.make_indirect(Dictionary(Producer=String("supforms")))
    return pdf
