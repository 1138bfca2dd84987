"""Which form, which version and which issued copy a returned PDF is.

The metadata says it first (the Info dictionary, then XMP, then the keywords);
a return whose metadata was lost (printed to PDF, re-saved by a careless app)
is matched by its printed footer, and a form whose footer is unreadable by its
set of field names. Ingest dispatches on the answer and never guesses beyond it.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import cache

import pikepdf
from pikepdf import Name
from supforms.forms.spec import field_specs
from supforms.schemas.errors import LayoutError
from supforms.schemas.registry import versions

__all__ = ["FOOTER", "Identified", "identify", "identify_by_fields", "identify_by_text"]

_ID = r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"
FOOTER = re.compile(r"form\s+([a-z][a-z0-9-]*)\s+·\s+version\s+(\d+\.\d+\.\d+)")
_DOCUMENT = re.compile(rf"Document\s+({_ID})")
_KEYWORDS = re.compile(rf"supforms form=(\S+) version=(\S+) document=({_ID})")
_XMP = {
    key: re.compile(rf"<supforms:{key}>([^<]+)</supforms:{key}>".encode())
    for key in ("FormId", "SchemaVersion", "DocumentId")
}


@dataclass(frozen=True)
class Identified:
    form_id: str
    version: str
    document_id: str | None
    by: str  # metadata | xmp | keywords | footer | fields


def _info(pdf: pikepdf.Pdf) -> Identified | None:
    info = pdf.trailer.get(Name.Info)
    if not isinstance(info, pikepdf.Dictionary):
        return None
    form, version = info.get("/SupformsFormId"), info.get("/SupformsSchemaVersion")
    if form is not None and version is not None:
        document = info.get("/SupformsDocumentId")
        document_id = str(document) if document else None
        return Identified(str(form), str(version), document_id, "metadata")
    keywords = _KEYWORDS.search(str(info.get(Name.Keywords, "")))
    if keywords:
        return Identified(keywords[1], keywords[2], keywords[3], "keywords")
    return None


def _xmp(pdf: pikepdf.Pdf) -> Identified | None:
    stream = pdf.Root.get(Name.Metadata)
    if not isinstance(stream, pikepdf.Stream):
        return None
    data = _capped_bytes(stream)
    if data is None:
        return None
    found = {key: pattern.search(data) for key, pattern in _XMP.items()}
    if found["FormId"] and found["SchemaVersion"]:
        document = found["DocumentId"]
        return Identified(
            found["FormId"][1].decode(errors="replace"),
            found["SchemaVersion"][1].decode(errors="replace"),
            document[1].decode(errors="replace") if document else None,
            "xmp",
        )
    return None


XMP_LIMIT = 1 << 20  # an XMP packet is kilobytes; more is not worth reading (or a bomb)


def _capped_bytes(stream: pikepdf.Stream) -> bytes | None:
    """A stream's data, decompressed no further than ``XMP_LIMIT`` bytes."""
    try:
        raw = stream.read_raw_bytes()
        filters = stream.get(Name.Filter)
        if filters is None:
            return raw[:XMP_LIMIT]
        if filters != Name.FlateDecode:
            return None
        return zlib.decompressobj().decompress(raw[:XMP_LIMIT], XMP_LIMIT)
    except (pikepdf.PdfError, zlib.error):
        return None


def identify(pdf: pikepdf.Pdf) -> Identified | None:
    """The identity the PDF's metadata states, if it states one."""
    return _info(pdf) or _xmp(pdf)


def identify_by_text(text: str) -> Identified | None:
    """The identity printed in the footer (``form contract · version 1.0.0``, ``Document …``)."""
    footer = FOOTER.search(text)
    if not footer:
        return None
    document = _DOCUMENT.search(text)
    return Identified(footer[1], footer[2], document[1] if document else None, "footer")


@cache
def _field_sets() -> dict[tuple[str, str], frozenset[str]]:
    sets = {}
    for form_id, version, model in versions():
        try:
            sets[form_id, version] = frozenset(spec.path for spec in field_specs(model))
        except LayoutError:  # a plugin's form that cannot be laid out: no return is of it
            continue
    return sets


def identify_by_fields(names: set[str]) -> Identified | None:
    """The registered form whose field names the PDF has (at least 90% of both ways)."""
    best: tuple[float, tuple[str, str]] | None = None
    for key, expected in _field_sets().items():
        shared = len(expected & names)
        score = min(shared / len(expected), shared / max(1, len(names)))
        if score >= 0.9 and (best is None or score > best[0]):
            best = (score, key)
    return Identified(best[1][0], best[1][1], None, "fields") if best else None
