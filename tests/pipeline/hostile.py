"""A corpus of hostile and broken inputs, made at test time (nothing binary is committed).

Each entry is a file name and its bytes (or a symbolic link to make). They are
built from one of our own forms where the attack needs a real form inside.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from pathlib import Path

import pikepdf
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy

from tests.conftest import ISSUED_AT, sample_record


def _save(pdf: pikepdf.Pdf, **options: object) -> bytes:
    out = io.BytesIO()
    # fix_metadata_version would parse (and so inflate) the bomb's XMP while saving it.
    pdf.save(out, fix_metadata_version=False, **options)
    return out.getvalue()


def _form() -> bytes:
    return issue_copy(compiled_form("agreement"), sample_record("agreement"), issued_at=ISSUED_AT)[
        1
    ]


def _edit(change: Callable[[pikepdf.Pdf], None], **options: object) -> bytes:
    with pikepdf.open(io.BytesIO(_form())) as pdf:
        change(pdf)
        return _save(pdf, **options)


def _plain_pdf(content: bytes = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET") -> pikepdf.Pdf:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Contents = pdf.make_stream(content)
    return pdf


def _broken_xref() -> bytes:
    data = _form()
    # Every offset the cross-reference gives (a table's or a stream's) points nowhere, as
    # after a gateway adds lines at the top: qpdf must rebuild it by scanning.
    header = data.index(b"\n", data.index(b"\n") + 1) + 1
    return data[:header] + b"% added in transit\n" * 3 + data[header:]


def _wrong_length() -> bytes:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.pages[0].Contents = pdf.make_stream(b"q Q " * 100)

    data = _edit(
        change, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable
    )
    return data.replace(b"/Length 400", b"/Length 4000", 1)


def _bomb() -> bytes:
    """Half a gigabyte of zeros, compressed to half a megabyte, as XMP and as a page."""
    packer = zlib.compressobj(9)
    chunk = b"\0" * 2**20
    blob = b"".join(packer.compress(chunk) for _ in range(512)) + packer.flush()

    def change(pdf: pikepdf.Pdf) -> None:
        stream = pikepdf.Stream(pdf, blob)
        stream.Filter = pikepdf.Name.FlateDecode
        pdf.Root.Metadata = pdf.make_indirect(stream)
        pdf.pages[0].Contents = pikepdf.Array([pdf.pages[0].Contents[0], pdf.make_indirect(stream)])

    return _edit(change)


def _flat_bomb() -> bytes:
    """A page whose content inflates to half a gigabyte, with no fields or metadata."""
    packer = zlib.compressobj(9)
    chunk = b"\0" * 2**20
    blob = b"".join(packer.compress(chunk) for _ in range(512)) + packer.flush()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    stream = pikepdf.Stream(pdf, blob)
    stream.Filter = pikepdf.Name.FlateDecode
    pdf.pages[0].Contents = pdf.make_indirect(stream)
    return _save(pdf)


def _nested() -> bytes:
    depth = 50_000
    body = b"[" * depth + b"]" * depth
    pdf = _save(_plain_pdf())
    return pdf.replace(b"/Type /Catalog", b"/Type /Catalog /Deep " + body, 1)


def _field_loop() -> bytes:
    def change(pdf: pikepdf.Pdf) -> None:
        root = pdf.Root.AcroForm.Fields[0]
        root.Kids.append(root)  # a field that is its own descendant

    return _edit(change)


def _page_loop() -> bytes:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.Pages.Kids.append(pdf.Root.Pages)

    return _edit(change)


def _many_fields() -> bytes:
    pdf = _plain_pdf()
    fields = pikepdf.Array()
    annots = pikepdf.Array()
    for index in range(20_000):
        field = pdf.make_indirect(
            pikepdf.Dictionary(
                FT=pikepdf.Name.Tx,
                T=pikepdf.String(f"f{index}"),
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Widget,
                Rect=[0, 0, 10, 10],
                V=pikepdf.String("x"),
            )
        )
        fields.append(field)
        annots.append(field)
    pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(Fields=fields))
    pdf.pages[0].Annots = annots
    return _save(pdf)


def _huge_value() -> bytes:
    def change(pdf: pikepdf.Pdf) -> None:
        for field in pdf.Root.AcroForm.Fields:
            if str(field.T) == "supervisee":
                field.Kids[0].V = pikepdf.String("Ł" * (4 * 2**20))

    return _edit(change)


def _sneaky_names() -> bytes:
    def change(pdf: pikepdf.Pdf) -> None:
        for field in pdf.Root.AcroForm.Fields:
            if str(field.T) == "supervisor":
                field.Kids[0].V = pikepdf.String("Evil\u202eRLO\x1b[31m=cmd|' /C calc'!A0")

    return _edit(change)


def _javascript() -> bytes:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.OpenAction = pikepdf.Dictionary(
            S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('owned');")
        )
        pdf.Root.AA = pikepdf.Dictionary(
            WC=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("/bin/sh"))
        )

    return _edit(change)


def _attachment() -> bytes:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ" + b"\0" * 1000)

    return _edit(change)


def _xfa() -> bytes:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.AcroForm.XFA = pdf.make_stream(b"<xdp:xdp><template/></xdp:xdp>")

    return _edit(change)


def _other_template() -> bytes:
    pdf = _plain_pdf()
    field = pdf.make_indirect(
        pikepdf.Dictionary(
            FT=pikepdf.Name.Tx,
            T=pikepdf.String("invoice_total"),
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            Rect=[0, 0, 10, 10],
            V=pikepdf.String("1,000,000"),
        )
    )
    pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(Fields=[field]))
    return _save(pdf)


def _cut(share: float) -> Callable[[], bytes]:
    """The first ``share`` of a form's bytes: an upload or a copy that stopped."""

    def make() -> bytes:
        data = _form()
        return data[: int(len(data) * share)]

    return make


def _encrypted(user: str) -> Callable[[], bytes]:
    def make() -> bytes:
        return _edit(
            lambda pdf: None, encryption=pikepdf.Encryption(owner="owner-secret", user=user)
        )

    return make


CORPUS: dict[str, Callable[[], bytes]] = {
    "empty.pdf": lambda: b"",
    "truncated-10pct.pdf": _cut(0.10),
    "truncated-50pct.pdf": _cut(0.50),
    "truncated-99pct.pdf": _cut(0.99),
    "picture.pdf": lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 200,
    "broken-xref.pdf": _broken_xref,
    "wrong-length.pdf": _wrong_length,
    "owner-password.pdf": _encrypted(""),
    "user-password.pdf": _encrypted("open-sesame"),
    "bomb.pdf": _bomb,
    "flat-bomb.pdf": _flat_bomb,
    "nested.pdf": _nested,
    "field-loop.pdf": _field_loop,
    "page-loop.pdf": _page_loop,
    "many-fields.pdf": _many_fields,
    "huge-value.pdf": _huge_value,
    "sneaky-names.pdf": _sneaky_names,
    "javascript.pdf": _javascript,
    "attachment.pdf": _attachment,
    "xfa.pdf": _xfa,
    "other-template.pdf": _other_template,
    "naïve name with spaces, ünïcödé and\nnewline.pdf": _form,
    ("x" * 200) + ".pdf": _form,
}


def write_corpus(folder: Path) -> list[Path]:
    """Every hostile input in ``folder``, and a symbolic link named ``.pdf``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, make in CORPUS.items():
        path = folder / name
        path.write_bytes(make())
        paths.append(path)
    link = folder / "link.pdf"
    link.symlink_to("/etc/passwd")
    paths.append(link)
    return paths
