"""Fill, sign, tamper with and "print" our forms through real third-party engines.

Test support: each function takes a PDF's bytes and returns the bytes the
engine saved, so a test can hand them to ``supforms.pipeline.intake.ingest.ingest_bytes`` exactly
as a returned form would arrive. ``values`` maps a field's dotted name to what a
person enters: text (dates typed as ``dd/mm/yyyy``, ``\\n`` between lines of a
multi-line field), a scale's option (``"4"``), a combo box's option string, or
``True``/``False`` for a checkbox.

The engines only see the PDF: where each widget sits, its type and its states
are read from the file with pikepdf, never from our own layout code.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import io
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pikepdf
import pytest
from pikepdf import Name

__all__ = [
    "SIGNER_NAME",
    "fill_mupdf",
    "fill_pdfium",
    "fill_pdftk",
    "need_tool",
    "print_to_pdf",
    "sign",
    "sign_new_field",
    "tamper",
]

SIGNER_NAME = "Testing Signer Zoë"
"""Common name of the throwaway certificate ``sign`` makes (non-ASCII on purpose)."""

RADIO = 1 << 15  # /Ff bit of a radio group


def need_tool(tool: str) -> str:
    """The path of command-line ``tool``; fail under CI=true when it is missing, else skip."""
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is missing: CI must install it")
        pytest.skip(f"{tool} is not installed")
    return path


# --- what the PDF itself says about its widgets ------------------------------------------------


@dataclass(frozen=True)
class PdfWidget:
    """One widget as the file declares it: field name, type, page, box and on-state."""

    name: str
    kind: str  # text | checkbox | radio | choice | signature
    page: int
    rect: tuple[float, float, float, float]
    on_state: str | None  # a button's appearance state other than /Off
    checked: bool = False  # a button widget's /AS is its on-state now
    options: tuple[str, ...] = ()

    @property
    def centre(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.rect
        return (x0 + x1) / 2, (y0 + y1) / 2


def _inherited(node: pikepdf.Object, key: str) -> pikepdf.Object | None:
    for _ in range(32):
        if node is None:
            return None
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None


def full_name(node: pikepdf.Object) -> str:
    """A field's or widget's fully qualified name: the ``/T`` of it and its ancestors."""
    parts = []
    for _ in range(32):
        if node is None:
            break
        if "/T" in node:
            parts.append(str(node.T))
        node = node.get("/Parent")
    return ".".join(reversed(parts))


def pdf_widgets(pdf: bytes) -> list[PdfWidget]:
    """Every widget of every page, in page and ``/Annots`` order."""
    found = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for index, page in enumerate(doc.pages):
            for annot in page.obj.get("/Annots", []):
                if annot.get("/Subtype") != Name.Widget:
                    continue
                ft = str(_inherited(annot, "/FT"))
                flags = int(_inherited(annot, "/Ff") or 0)
                if ft == "/Btn":
                    kind = "radio" if flags & RADIO else "checkbox"
                elif ft == "/Ch":
                    kind = "choice"
                elif ft == "/Sig":
                    kind = "signature"
                else:
                    kind = "text"
                states = [
                    str(key)[1:]
                    for key in annot.get("/AP", {}).get("/N", {})
                    if kind in ("checkbox", "radio") and key != "/Off"
                ]
                opt = _inherited(annot, "/Opt") or []
                x0, y0, x1, y1 = (float(v) for v in annot.Rect)
                found.append(
                    PdfWidget(
                        name=full_name(annot),
                        kind=kind,
                        page=index,
                        rect=(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)),
                        on_state=states[0] if states else None,
                        checked=bool(states) and str(annot.get("/AS", "/Off")) != "/Off",
                        options=tuple(str(o) for o in opt),
                    )
                )
    return found


def _target(widgets: list[PdfWidget], name: str, value: str | bool) -> PdfWidget:
    """The widget to act on for ``name``: for a radio group, the kid showing ``value``."""
    mine = [w for w in widgets if w.name == name]
    if not mine:
        raise KeyError(f"no widget named {name!r}")
    if mine[0].kind == "radio":
        chosen = [w for w in mine if w.on_state == str(value)]
        if len(chosen) != 1:
            raise KeyError(f"{name}: no single radio kid for {value!r}")
        return chosen[0]
    return mine[0]


# --- PDFium, driven as Chrome drives it --------------------------------------------------------


def pdfium_text(function: Callable[..., int], *args: Any) -> str:
    """A UTF-16 string from one of PDFium's "call twice" getters (a field's name, its value)."""
    import pypdfium2.raw as raw_c

    size = function(*args, None, 0)
    buffer = ctypes.create_string_buffer(size)
    function(*args, ctypes.cast(buffer, ctypes.POINTER(raw_c.FPDF_WCHAR)), size)
    return buffer.raw[: max(size - 2, 0)].decode("utf-16-le")


def pdfium_field_name(form: Any, annot: Any) -> str:
    import pypdfium2.raw as raw_c

    return pdfium_text(raw_c.FPDFAnnot_GetFormFieldName, form, annot)


def pdfium_focused(form: Any, read: Callable[[Any, Any], Any] = pdfium_field_name) -> Any:
    """What ``read(form, annot)`` says of the widget PDFium has focused; None if none is."""
    import pypdfium2.raw as raw_c

    page_index, annot = ctypes.c_int(-1), raw_c.FPDF_ANNOTATION()
    if not raw_c.FORM_GetFocusedAnnot(form, ctypes.byref(page_index), ctypes.byref(annot)):
        return None
    if not annot:
        return None
    try:
        return read(form, annot)
    finally:
        raw_c.FPDFPage_CloseAnnot(annot)


def fill_pdfium(pdf: bytes, values: dict[str, str | bool]) -> bytes:
    """Fill ``pdf`` through PDFium's form-fill API, the way Chrome's PDF viewer does.

    Each field is clicked at its widget's centre on its page (``FORM_OnMouseMove``,
    ``FORM_OnLButtonDown``/``Up``, page coordinates in points). Text is then typed
    as key presses: ``FORM_SelectAllText`` first so a prefilled value is replaced,
    then one ``FORM_OnChar`` per UTF-16 code unit. A line break in a multi-line
    field is the Return key, i.e. ``FORM_OnChar`` with ``"\\r"`` (0x0D). A
    checkbox or a radio option is a click on its widget. A combo box is focused
    by the click and set with ``FORM_SetIndexSelected``. ``FORM_ForceToKillFocus``
    (tabbing away) commits each field: only then does PDFium write ``/V`` and a
    fresh ``/AP /N``. The document is saved with ``FPDF_SaveAsCopy``, flags 0: a
    full rewrite, not an incremental update, keeping the Info dictionary and XMP.
    No JavaScript runs (pypdfium2's PDFium has no V8), so the date fields'
    ``AFDate_*`` actions are inert and a date is stored exactly as typed.

    What PDFium writes: text ``/V`` as typed, except that each Return becomes
    ``"\r\n"`` in ``/V``; a checkbox ``/V /Yes`` and ``/AS /Yes`` (the widget's own
    on-state); a radio group ``/V /4`` on the parent and ``/AS /4`` on the chosen
    kid; a combo box ``/V`` (the option string). Appearances use the ``/DA`` font,
    our embedded DejaVu, for every script, at the ``/DA`` size (8.5 pt), plus an
    unused ``/Helvetica_00`` resource. PDFium stops typing at a field's ``/MaxLen``.
    No ``/NeedAppearances``.
    """
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw_c

    widgets = pdf_widgets(pdf)
    doc = pdfium.PdfDocument(pdf)
    pages: dict[int, object] = {}
    try:
        doc.init_forms()  # before any page is loaded, as pypdfium2 requires
        form = doc.formenv.raw
        for name, value in values.items():
            widget = _target(widgets, name, value)
            if widget.kind == "checkbox" and not isinstance(value, bool):
                raise TypeError(f"{name}: a checkbox takes True or False, not {value!r}")
            if widget.page not in pages:
                pages[widget.page] = doc[widget.page]  # calls FORM_OnAfterLoadPage
            page = pages[widget.page].raw  # type: ignore[attr-defined]
            x, y = widget.centre
            if widget.kind == "checkbox" and bool(value) == widget.checked:
                continue  # already as wanted: a click would toggle it the wrong way
            raw_c.FORM_OnMouseMove(form, page, 0, x, y)
            raw_c.FORM_OnLButtonDown(form, page, 0, x, y)
            raw_c.FORM_OnLButtonUp(form, page, 0, x, y)
            if widget.kind in ("text", "choice"):
                focused = pdfium_focused(form)
                if focused != name:
                    raise RuntimeError(f"clicking {name} focused {focused!r}")
            if widget.kind == "text":
                raw_c.FORM_SelectAllText(form, page)
                units = str(value).replace("\r\n", "\n").replace("\n", "\r").encode("utf-16-le")
                for i in range(0, len(units), 2):
                    unit = int.from_bytes(units[i : i + 2], "little")
                    if not raw_c.FORM_OnChar(form, page, unit, 0):
                        raise RuntimeError(f"{name}: PDFium refused U+{unit:04X}")
            elif widget.kind == "choice":
                index = widget.options.index(str(value))
                if not raw_c.FORM_SetIndexSelected(form, page, index, True):
                    raise RuntimeError(f"{name}: PDFium refused option {index}")
            raw_c.FORM_ForceToKillFocus(form)
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()
    finally:
        for page in pages.values():
            page.close()  # type: ignore[attr-defined]
        doc.close()


# --- MuPDF ---------------------------------------------------------------------------------------


def fill_mupdf(pdf: bytes, values: dict[str, str | bool]) -> bytes:
    """Fill ``pdf`` with PyMuPDF: set each widget's ``field_value`` and ``update()`` it.

    Text (and a multi-line field's ``\\n``) is stored as given. A checkbox is set
    with ``True``/``False`` and PyMuPDF picks the widget's own on-state name
    (``on_state()``); a radio option is set by giving the chosen kid
    ``field_value = True`` (PyMuPDF's convention), which switches its siblings
    off. A combo box takes the option string. ``update()`` writes a new ``/AP``
    with MuPDF's own appearance generator. Saved with ``garbage=1``, not
    incrementally; Info and XMP are kept.

    What MuPDF writes: ``/V`` exactly as given (``"\n"`` line breaks); checkbox
    ``/V /Yes`` + ``/AS /Yes``; radio ``/V /4`` on the parent, ``/AS /4`` on the kid.
    Its appearances ignore our ``/DA`` font (an unknown name to MuPDF): Latin-1
    text is drawn in a non-embedded ``/Helv`` (WinAnsi), Cyrillic in a non-embedded
    ``/HelvCYR`` (Helvetica with a ``/Differences`` encoding of afii glyph names),
    other Latin (Ł ś ş ı) in a Type0 Nimbus Sans it embeds; several fields get
    their ``/DA`` rewritten to ``0 g /Helv 0 Tf``. A tick is the ZapfDingbats
    character "3" (✓), i.e. text, not a path. None of this touches ``/V``, but a
    printed copy then depends on the printer's Helvetica and its glyph names.
    """
    import pymupdf

    remaining = dict(values)
    doc = pymupdf.open(stream=pdf, filetype="pdf")
    try:
        for page in doc:
            for widget in page.widgets():
                name = widget.field_name
                if name not in remaining:
                    continue
                value = remaining[name]
                if widget.field_type == pymupdf.PDF_WIDGET_TYPE_RADIOBUTTON:
                    if widget.on_state() != str(value):
                        continue
                    widget.field_value = True
                    widget.update()
                    del remaining[name]
                    continue
                if widget.field_type == pymupdf.PDF_WIDGET_TYPE_CHECKBOX:
                    widget.field_value = bool(value)
                else:
                    widget.field_value = str(value)
                widget.update()
                del remaining[name]
        if remaining:
            raise KeyError(f"MuPDF found no widget for {sorted(remaining)}")
        return doc.tobytes(garbage=1)
    finally:
        doc.close()


# --- pdftk ---------------------------------------------------------------------------------------


def _xfdf(values: dict[str, str | bool], widgets: list[PdfWidget]) -> bytes:
    kinds = {w.name: w for w in widgets}
    rows = []
    for name, value in values.items():
        widget = kinds[name]
        if widget.kind == "checkbox":
            text = (widget.on_state or "Yes") if value else "Off"
        else:
            text = str(value)
        rows.append(f"  <field name={quoteattr(name)}><value>{escape(text)}</value></field>")
    body = "\n".join(rows)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xfdf xmlns="http://ns.adobe.com/xfdf/" xml:space="preserve">\n'
        f"<fields>\n{body}\n</fields>\n</xfdf>\n"
    ).encode()


def fill_pdftk(
    pdf: bytes,
    values: dict[str, str | bool],
    tmp_path: Path,
    *,
    need_appearances: bool = False,
    flatten: bool = False,
    replacement_font: Path | None = None,
) -> bytes:
    """Fill ``pdf`` with ``pdftk in.pdf fill_form data.xfdf output out.pdf``.

    The XFDF is UTF-8, so non-ASCII names survive (pdftk's FDF route would need
    UTF-16 strings); fields are addressed by their fully qualified dotted names.
    A checkbox gets its on-state name (or ``Off``), a radio group the option's
    state name, a combo box the option string.

    What pdftk (pdftk-java 3.3) writes: ``/V`` as given (``"\n"`` line breaks, as
    XML delivers them), checkbox ``/V /Yes`` + ``/AS /Yes``, radio ``/V /4`` on the
    parent + ``/AS /4`` on the kid, and Info/XMP kept. Its appearance streams are
    unusable: it draws with our embedded subset font under its ``/BaseFont`` name
    but writes one byte per character, so every glyph is CID 0 (.notdef), and it
    sizes auto-size text at 66-73 pt. Without ``need_appearances`` no
    ``/NeedAppearances`` is set; with it, ``/NeedAppearances true`` is added and the
    same broken streams are still written. Reading ``/V`` is unaffected, but a
    pdftk-filled form printed or flattened shows no text. The cause is the Type0
    (Identity-H) font, not its resource name: pdftk's iText (``DocumentFont``) maps
    characters to codes only for one-byte fonts and Adobe's CJK fonts, and writes a
    zero byte for everything else (``tests/forms/test_pdftk.py``). ``replacement_font``
    (pdftk-java 3.3) draws with a TrueType file instead, and then the values show.
    """
    exe = need_tool("pdftk")
    source, data, target = tmp_path / "pdftk-in.pdf", tmp_path / "data.xfdf", tmp_path / "out.pdf"
    source.write_bytes(pdf)
    data.write_bytes(_xfdf(values, pdf_widgets(pdf)))
    command = [exe, str(source), "fill_form", str(data), "output", str(target)]
    if need_appearances:
        command.append("need_appearances")
    if flatten:
        command.append("flatten")
    if replacement_font is not None:
        command += ["replacement_font", str(replacement_font)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return target.read_bytes()


# --- pyHanko: sign, then change after signing ----------------------------------------------------


def _certificate() -> tuple[Any, Any]:
    """A throwaway self-signed RSA certificate and key, made now and never written to disk."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, SIGNER_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "supforms tests"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return cert, key


_SIGNER = None


def _signer() -> Any:
    """One pyHanko signer per test session (RSA key generation is the slow part)."""
    global _SIGNER
    if _SIGNER is None:
        from asn1crypto import keys as asn1_keys
        from asn1crypto import x509 as asn1_x509
        from cryptography.hazmat.primitives import serialization
        from pyhanko.sign import signers

        cert, key = _certificate()
        der_cert = cert.public_bytes(serialization.Encoding.DER)
        der_key = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _SIGNER = signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(der_cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
            cert_registry=None,
        )
    return _SIGNER


def sign(pdf: bytes, field: str) -> bytes:
    """``pdf`` signed digitally (PAdES-style CMS) into its existing empty ``/Sig`` field.

    pyHanko appends the signature as an incremental update, so everything filled
    before stays byte for byte. ``field`` is the fully qualified dotted name
    (``signatures.supervisee.signature``): pyHanko matches ``field_name`` against
    the qualified names of the form's signature fields.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(field_name=field)
    out = signers.sign_pdf(writer, meta, signer=_signer(), existing_fields_only=True)
    return out.getvalue()


def sign_new_field(
    pdf: bytes,
    field: str,
    page: int,
    box: tuple[float, float, float, float] | None,
    *,
    certify: str | None = None,
) -> bytes:
    """``pdf`` signed into a NEW signature field, as Acrobat does when someone draws a box.

    pyHanko creates the field ``field`` (not one of ours) with its widget at ``box``
    on ``page`` (``None``: an invisible signature), then signs it in the same
    incremental update. ``certify``: a certification signature with that DocMDP
    permission (``"no_changes"``, ``"fill_forms"``, ``"annotate"``).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    permission = fields.MDPPerm[certify.upper()] if certify else None
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        certify=permission is not None,
        docmdp_permissions=permission or fields.MDPPerm.FILL_FORMS,
    )
    spec = fields.SigFieldSpec(field, on_page=page, box=box)
    out = signers.sign_pdf(writer, meta, signer=_signer(), new_field_spec=spec)
    return out.getvalue()


def tamper(pdf: bytes, field: str, value: str) -> bytes:
    """``pdf`` with text field ``field``'s ``/V`` set to ``value`` in a new incremental update.

    The signed revision and its signature bytes are untouched, so each signature
    still verifies, but the document now differs from what was signed. Only
    ``/V`` changes (no new appearance), as a careless editing tool would do.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    for page_index in range(int(writer.root["/Pages"]["/Count"])):
        page = writer.find_page_for_modification(page_index)[0].get_object()
        annots = page.get("/Annots")
        for ref in annots.get_object() if annots is not None else []:
            annot = ref.get_object()
            if _pyhanko_name(annot) == field:
                annot["/V"] = generic.TextStringObject(value)
                writer.update_container(annot)
                out = io.BytesIO()
                writer.write(out)
                return out.getvalue()
    raise KeyError(f"no field {field!r}")


def _pyhanko_name(annot: Any) -> str:
    parts = []
    node = annot
    for _ in range(32):
        if node is None:
            break
        if "/T" in node:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(parts))


# --- Ghostscript: "Print to PDF" -----------------------------------------------------------------


def print_to_pdf(pdf: bytes, tmp_path: Path) -> bytes:
    """``pdf`` as "Print to PDF" leaves it: fields flattened into the page, metadata gone.

    Ghostscript's pdfwrite draws each widget's normal appearance into the page
    content (``-dShowAnnots``, ``-dPreserveAnnots=false``, ``-dPrinted`` for the
    print appearance) and keeps no ``/AcroForm``. ``-dShowAcroForm=false`` matters:
    with its default (true) Ghostscript 10.00 draws every widget twice, once from
    ``/Annots`` and once from the AcroForm, so the page text holds each value twice
    ("CF-0042CF-0042"), and its own appearance for a combo box is garbled CJK.
    Text stays extractable: the embedded font is re-subset with a ``/ToUnicode``.
    """
    exe = need_tool("gs")
    source, target = tmp_path / "gs-in.pdf", tmp_path / "gs-out.pdf"
    source.write_bytes(pdf)
    command = [
        exe,
        "-q",
        "-dSAFER",
        "-dBATCH",
        "-dNOPAUSE",
        "-sDEVICE=pdfwrite",
        "-dPrinted",
        "-dShowAnnots=true",
        "-dShowAcroForm=false",
        "-dPreserveAnnots=false",
        f"-sOutputFile={target}",
        str(source),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    # Ghostscript carries the standard Info entries over (Title, Subject, Keywords,
    # Creator) and repeats them in a fresh XMP packet; only our custom /Supforms*
    # keys are dropped. A browser's "Print to PDF" keeps none of it, so strip both.
    with pikepdf.open(target) as printed:
        if Name.Info in printed.trailer:
            del printed.trailer[Name.Info]
        if Name.Metadata in printed.Root:
            del printed.Root[Name.Metadata]
        out = io.BytesIO()
        printed.save(out)
    return out.getvalue()


# --- pdf.js (Firefox's viewer), run in Debian's Chromium -----------------------------------------

PDFJS = Path(__file__).parent / "pdfjs"  # pdf.js and a browser driver, from npm


def pdfjs_tools() -> tuple[str, str]:
    """Node and Chromium, once ``tests/pdfjs``'s packages are installed (``npm ci``)."""
    node, chromium = need_tool("node"), need_tool("chromium")
    if not (PDFJS / "node_modules" / "pdfjs-dist").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("tests/pdfjs/node_modules is missing: setup.sh must run npm ci there")
        pytest.skip("npm ci has not been run in tests/pdfjs")
    return node, chromium
