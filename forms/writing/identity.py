"""Who a copy is: its document id, its footer with a QR code, and its metadata.

Every copy carries its form id, schema version and a unique document id in the
Info dictionary, in XMP, in the keywords, and printed with "page x of y" and a
QR code on every page (contract 2), so that even a return printed to
PDF or on paper can be matched to what was issued.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from supforms.forms.fonts import FieldFont
from supforms.forms.qr import qr_modules
from supforms.forms.writing.appearance import FONT_RESOURCE
from supforms.forms.writing.layout import MARGIN, PAGE_WIDTH

__all__ = [
    "Identity",
    "footer_content",
    "new_document_id",
    "pdf_date",
    "qr_matrix",
    "qr_payload",
    "xmp_packet",
]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O, U: nothing to misread on paper
QR_SIZE = 46.0  # points; 29 modules of 0.56 mm scan at 150 dpi
QR_Y = 31.0  # 10.9 mm above the paper's edge: printers leave about 5 mm unprinted, some 10 mm
FOOTER_RULE = QR_Y + QR_SIZE + 5
XMP_NS = "urn:supforms:ns:identity:1"
_RUNS = re.compile("1+")


@dataclass(frozen=True)
class Identity:
    form_id: str
    version: str
    document_id: str
    title: str
    issued_at: datetime


def new_document_id() -> str:
    """80 random bits as four groups of Crockford base32, easy to read off paper."""
    value = secrets.randbits(80)
    chars = "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def qr_payload(document_id: str, page: int, pages: int) -> str:
    """What each page's QR code says: the document id and the page number."""
    return f"SF1:{document_id}:{page}/{pages}"


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR modules of ``payload`` (version 3, error correction M; ``forms.qr``)."""
    return qr_modules(payload)


def _qr_ops(matrix: list[list[bool]], x: float, y: float, size: float) -> list[str]:
    """Fill operators for the dark modules, one rectangle per horizontal run."""
    module = size / len(matrix)
    ops = ["0 g"]
    for r, row in enumerate(matrix):
        top = y + size - (r + 1) * module
        line = "".join("1" if dark else "0" for dark in row)
        for run in _RUNS.finditer(line):
            ops.append(
                f"{x + run.start() * module:.2f} {top:.2f} "
                f"{(run.end() - run.start()) * module:.2f} {module:.2f} re"
            )
    ops.append("f")
    return ops


def footer_content(font: FieldFont, identity: Identity, page: int, pages: int) -> bytes:
    """The per-copy footer of one page: identity text on the left, QR code on the right."""
    left = f"{identity.title} · form {identity.form_id} · version {identity.version}"
    middle = f"Document {identity.document_id}"
    right = f"Page {page} of {pages}"
    qr_x = PAGE_WIDTH - MARGIN - QR_SIZE
    text_right = qr_x - 10
    ops = [
        # Running text on every page: an artifact, which screen readers skip.
        "/Artifact <</Type /Pagination /Subtype /Footer>> BDC",
        "q 0.6 G 0.5 w",
        f"{MARGIN:.2f} {FOOTER_RULE:.2f} m {PAGE_WIDTH - MARGIN:.2f} {FOOTER_RULE:.2f} l S",
        f"BT 0.3 g /{FONT_RESOURCE} 7.5 Tf",
        f"1 0 0 1 {MARGIN:.2f} {QR_Y + 30:.2f} Tm {font.encode(left).decode()} Tj",
        f"1 0 0 1 {MARGIN:.2f} {QR_Y + 19:.2f} Tm {font.encode(middle).decode()} Tj",
        f"1 0 0 1 {text_right - font.width(right, 7.5):.2f} {QR_Y + 30:.2f} Tm "
        f"{font.encode(right).decode()} Tj",
        "ET",
        *_qr_ops(qr_matrix(qr_payload(identity.document_id, page, pages)), qr_x, QR_Y, QR_SIZE),
        "Q",
        "EMC",
    ]
    return "\n".join(ops).encode("ascii")


def pdf_date(moment: datetime) -> str:
    """A PDF date string (``D:YYYYMMDDHHmmSSZ``) in UTC."""
    return moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ")


def xmp_packet(identity: Identity) -> bytes:
    """XMP metadata with the identity in its own namespace, which Acrobat keeps on save.

    It also says the file conforms to PDF/UA-1 (``pdfuaid:part``), and gives the title.
    """
    when = identity.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    title = escape(identity.title)
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"
    xmlns:supforms="{XMP_NS}">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <pdfuaid:part>1</pdfuaid:part>
   <dc:identifier>{identity.document_id}</dc:identifier>
   <xmp:CreateDate>{when}</xmp:CreateDate>
   <xmp:CreatorTool>supforms</xmp:CreatorTool>
   <pdf:Producer>supforms</pdf:Producer>
   <supforms:FormId>{identity.form_id}</supforms:FormId>
   <supforms:SchemaVersion>{identity.version}</supforms:SchemaVersion>
   <supforms:DocumentId>{identity.document_id}</supforms:DocumentId>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()
