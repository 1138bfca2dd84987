"""Read a tagged PDF's structure tree in reading order, two independent ways.

``walk`` follows the tree with pikepdf and takes each marked-content sequence's
text from PDFium's page objects; ``poppler_walk`` reads what poppler's
``pdfinfo -struct-text`` prints. Both give the same kind of list: the text and
the fields in reading order, each with the tags of the elements it sits in.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pikepdf import Array, Dictionary, Name


@dataclass(frozen=True)
class Text:
    text: str
    tags: tuple[str, ...]  # the elements it sits in, outermost first
    ids: tuple[int, ...]  # which elements those are (numbers unique within one walk)


@dataclass(frozen=True)
class Field:
    objnum: int  # the widget annotation's object number
    tags: tuple[str, ...]
    ids: tuple[int, ...]
    alone: bool = True  # the Form element holds this OBJR and nothing else


Item = Text | Field


def widget_names(data: bytes) -> dict[int, str]:
    """Each widget annotation's object number → its field's full dotted name."""
    names = {}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for annot in page.obj.get(Name.Annots, Array()):
                parts, node = [], annot
                while node is not None:
                    if Name.T in node:
                        parts.append(str(node.T))
                    node = node.get(Name.Parent)
                names[annot.objgen[0]] = ".".join(reversed(parts))
    return names


def _object_text(obj: Any, textpage: Any) -> str:
    """The text a page object draws; a form XObject's, from the objects inside it."""
    if pdfium_c.FPDFPageObj_GetType(obj) == pdfium_c.FPDF_PAGEOBJ_FORM:
        inner = [
            pdfium_c.FPDFFormObj_GetObject(obj, i)
            for i in range(pdfium_c.FPDFFormObj_CountObjects(obj))
        ]
        return " ".join(filter(None, (_object_text(o, textpage) for o in inner)))
    if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_TEXT:
        return ""
    size = pdfium_c.FPDFTextObj_GetText(obj, textpage, None, 0)
    buffer = (pdfium_c.FPDF_WCHAR * size)()
    pdfium_c.FPDFTextObj_GetText(obj, textpage, buffer, size)
    return bytes(buffer).decode("utf-16-le").rstrip("\x00").strip()


def marked_texts(data: bytes) -> dict[tuple[int, int], str]:
    """(page index, MCID) → the text drawn in that marked-content sequence (PDFium)."""
    found: dict[tuple[int, int], str] = {}
    doc = pdfium.PdfDocument(data)
    try:
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            for obj in page.get_objects(max_depth=1):
                mcid = pdfium_c.FPDFPageObj_GetMarkedContentID(obj.raw)
                if mcid < 0:
                    continue
                text = _object_text(obj.raw, textpage.raw)
                key = (index, mcid)
                found[key] = " ".join(filter(None, (found.get(key, ""), text)))
            textpage.close()
            page.close()
    finally:
        doc.close()
    return found


def walk(data: bytes) -> list[Item]:
    """The structure tree's text and fields in reading order (pikepdf and PDFium).

    Each element begins with an empty ``Text``, so that an empty one is seen too.
    """
    texts = marked_texts(data)
    items: list[Item] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}

        def visit(element: pikepdf.Object, tags: tuple[str, ...], ids: tuple[int, ...]) -> None:
            tag = str(element.S)[1:]
            here = (*tags, tag)
            numbers = (*ids, element.objgen[0])
            items.append(Text("", here, numbers))  # the element begins (it may stay empty)
            kids = element.get(Name.K)
            if kids is None:
                return
            listed = list(kids) if isinstance(kids, Array) else [kids]
            for kid in listed:
                if isinstance(kid, int):
                    page = pages[element.Pg.objgen]
                    items.append(Text(texts.get((page, kid), ""), here, numbers))
                elif isinstance(kid, Dictionary) and kid.get(Name.Type) == Name.OBJR:
                    alone = not isinstance(kids, Array)
                    items.append(Field(kid.Obj.objgen[0], here, numbers, alone))
                elif isinstance(kid, Dictionary) and kid.get(Name.Type) == Name.MCR:
                    page = pages[kid.Pg.objgen]
                    items.append(Text(texts.get((page, int(kid.MCID)), ""), here, numbers))
                else:
                    visit(kid, here, numbers)

        root = pdf.Root.StructTreeRoot
        for top in root.K if isinstance(root.K, Array) else [root.K]:
            visit(top, (), ())
    return items


_OBJECT = re.compile(r"Object (\d+) 0")


def poppler_walk(path: Path) -> list[Item]:
    """The same list as ``walk``, read by poppler (``pdfinfo -struct-text``)."""
    out = subprocess.run(
        ["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True
    ).stdout
    items: list[Item] = []
    stack: list[tuple[int, str, int]] = []  # (indent, tag, line number) of the open elements
    for number, line in enumerate(out.splitlines()):
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip(" "))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        tags = tuple(tag for _, tag, _ in stack)
        ids = tuple(n for _, _, n in stack)
        if stripped.startswith('"'):
            items.append(Text(stripped[1:-1].strip(), tags, ids))
        elif match := _OBJECT.fullmatch(stripped):
            items.append(Field(int(match.group(1)), tags, ids))
        elif stripped.startswith("/"):
            continue  # an attribute of the element above
        else:
            stack.append((indent, stripped.split(" ")[0].rstrip(":"), number))
            items.append(Text("", (*tags, stack[-1][1]), (*ids, number)))  # the element begins
    return items
