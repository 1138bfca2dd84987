"""What a filled form shows: its typed values, each widget's appearance, the text in a printed box.

Shared by the tests that type into a form in one engine (PDFium, pdf.js), print it with
Ghostscript and look for every character inside its own box.
"""

from __future__ import annotations

import io
import re
import subprocess

import pikepdf
from supforms.forms.spec import field_specs
from supforms.forms.values import display_values
from supforms.schemas.registry import latest

from tests.engines import full_name, need_tool
from tests.forms.longest import longest_record

TYPED_KINDS = ("text", "multiline", "integer", "date")


def squash(text: str) -> str:
    """``text`` without any white space: how a wrapped value compares with what was typed."""
    return re.sub(r"\s+", "", text)


def typed_values(form_id: str, pattern: str) -> dict[str, str]:
    """The longest value of every box a person types into, as typed."""
    record = longest_record(form_id, pattern)
    kinds = {spec.path: spec.kind for spec in field_specs(latest(form_id))}
    return {
        path: str(value)
        for path, value in display_values(record).items()
        if kinds.get(path) in TYPED_KINDS
    }


def text_in(pdf: bytes, page: int, rect: tuple[float, ...], tmp_path) -> str:
    """What poppler reads inside ``rect`` on ``page`` (0-based) of ``pdf``."""
    source = tmp_path / "printed.pdf"
    source.write_bytes(pdf)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        height = float(doc.pages[page].MediaBox[3])
    x0, y0, x1, y1 = rect
    box = [int(x0) + 1, int(height - y1) + 1, int(x1 - x0) - 2, int(y1 - y0) - 2]
    crop = [a for flag, v in zip("xyWH", box, strict=True) for a in (f"-{flag}", str(v))]
    command = [need_tool("pdftotext"), "-enc", "UTF-8", "-f", str(page + 1), "-l", str(page + 1)]
    done = subprocess.run([*command, *crop, str(source), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def widget(pdf: pikepdf.Pdf, field: str) -> pikepdf.Dictionary:
    """The one widget of text field ``field``, on whichever page it is."""
    annots = [a for page in pdf.pages for a in page.obj.get("/Annots", [])]
    matches = [a for a in annots if full_name(a) == field]
    assert len(matches) == 1, f"{field}: {len(matches)} widgets"
    return matches[0]


def appearance(
    data: bytes, field: str, font_resource: str
) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """The widget's ``/AP /N``: each shown string with its font, and each font described.

    A font is described as its subtype and base font, whether it is embedded, and
    "(= /DR ``font_resource``)" when it is the form's own field font from ``/AcroForm /DR``.
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        stream = widget(pdf, field).AP.N
        runs: list[tuple[str, bytes]] = []
        font = ""
        for operands, operator in pikepdf.parse_content_stream(stream):
            op = str(operator)
            if op == "Tf":
                font = str(operands[0])
            elif op in ("Tj", "'", '"'):
                runs.append((font, bytes(operands[-1])))
            elif op == "TJ":
                runs.extend((font, bytes(o)) for o in operands[0] if isinstance(o, pikepdf.String))
        fonts = {}
        resources = stream.get("/Resources")
        if resources is not None and "/Font" in resources:
            dr_font = pdf.Root.AcroForm.DR.Font.get(font_resource)
            for key, obj in resources.Font.items():
                descendant = obj.DescendantFonts[0] if "/DescendantFonts" in obj else obj
                descriptor = descendant.get("/FontDescriptor") or {}
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                same = dr_font is not None and obj.objgen == dr_font.objgen
                origin = " embedded" if embedded else " NOT embedded"
                if same:
                    origin += f" (= /DR {font_resource})"
                fonts[str(key)] = f"{obj.get('/Subtype')} {obj.get('/BaseFont')}{origin}"
    return runs, fonts
