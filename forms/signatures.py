"""How each signature block of a returned form was signed, if at all.

``digital``: a PKCS#7/CAdES signature in the ``/Sig`` field, verified with
pyHanko (integrity, signer, signing time, and what changed in later revisions);
``drawn``: an ink or stamp annotation over the signature box, as Preview and
Acrobat Fill & Sign make (or, in a flattened return, ink inside the box);
``typed``: a free-text annotation (or, flattened, text) over the box; ``none``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any, Literal

import pikepdf
from pikepdf import Name

from forms.read import fields_of

__all__ = ["SignatureVerdict", "annotation_signature", "digital_signatures"]

log = logging.getLogger(__name__)

SignatureKind = Literal["digital", "drawn", "typed", "none"]
_DRAWN = {"/Ink", "/Stamp", "/Polygon", "/PolyLine"}


@dataclass(frozen=True)
class SignatureVerdict:
    field: str
    kind: SignatureKind
    signer: str | None = None
    signed_at: str | None = None
    intact: bool | None = None
    trusted: bool | None = None
    modified_after_signing: bool | None = None
    changes: tuple[str, ...] = dc_field(default_factory=tuple)

    @property
    def is_broken(self) -> bool:
        """A digital signature that no longer matches, or a document edited after signing."""
        return self.kind == "digital" and (not self.intact or bool(self.modified_after_signing))

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["changes"] = list(self.changes)
        if self.kind != "digital":
            for key in ("intact", "trusted", "modified_after_signing"):
                data.pop(key)
        return data


def _overlap(a: Iterable[float], b: Iterable[float]) -> float:
    """Share of rectangle ``b`` covered by rectangle ``a``."""
    ax0, ay0, ax1, ay1 = _norm(a)
    bx0, by0, bx1, by1 = _norm(b)
    w = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    h = max(0.0, min(ay1, by1) - max(ay0, by0))
    area = max(1e-6, (bx1 - bx0) * (by1 - by0))
    return w * h / area


def _norm(rect: Iterable[float]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in rect)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def annotation_signature(
    pdf: pikepdf.Pdf, path: str, page: int, box: tuple[float, float, float, float]
) -> SignatureVerdict:
    """A drawn or typed signature: an annotation lying mostly over the signature box."""
    if page >= len(pdf.pages):
        return SignatureVerdict(path, "none")
    annots = pdf.pages[page].obj.get(Name.Annots)
    if not isinstance(annots, pikepdf.Array):
        return SignatureVerdict(path, "none")
    for annot in annots:
        if not isinstance(annot, pikepdf.Dictionary) or Name.Rect not in annot:
            continue
        subtype = str(annot.get(Name.Subtype, ""))
        if subtype not in _DRAWN and subtype != "/FreeText":
            continue
        rect = [float(v) for v in annot.Rect]
        if _overlap(box, rect) < 0.5 and _overlap(rect, box) < 0.25:
            continue
        author = str(annot.get(Name.T, "")) or None
        if subtype == "/FreeText":
            return SignatureVerdict(path, "typed", signer=str(annot.get(Name.Contents, "")))
        return SignatureVerdict(path, "drawn", signer=author)
    return SignatureVerdict(path, "none")


def _values(data: bytes) -> dict[str, str | None]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return {f.name: f.value for f in fields_of(pdf) if f.type != "signature"}


def changed_fields(data: bytes, signed_until: int) -> tuple[str, ...]:
    """The fields whose value differs between the signed revision and the file as it is.

    The signed revision is the file's first ``signed_until`` bytes (the end of the
    signature's byte range), so this compares what was signed with what came back.
    """
    before = _values(data[:signed_until])
    after = _values(data)
    return tuple(sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n)))


def digital_signatures(data: bytes, trust_roots: Sequence[Any] = ()) -> dict[str, SignatureVerdict]:
    """Every digital signature in the file, verified with pyHanko, by field name.

    ``intact``: the signed bytes are unchanged and the signature is cryptographically
    valid. ``trusted``: the signer's certificate chains to one of ``trust_roots``
    (none are configured by default, so a self-signed certificate is intact but not
    trusted). ``modified_after_signing``: a later revision changed a field's value,
    or made changes beyond filling and signing fields; ``changes`` says which.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False)
    harmless = {
        ModificationLevel.NONE,
        ModificationLevel.LTA_UPDATES,
        ModificationLevel.FORM_FILLING,
    }
    verdicts: dict[str, SignatureVerdict] = {}
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    for embedded in reader.embedded_signatures:
        name = embedded.field_name
        try:
            status = validate_pdf_signature(embedded, context)
        except Exception as exc:  # pyHanko raises many kinds; the verdict is the same
            log.info("signature %s could not be verified: %s", name, type(exc).__name__)
            verdicts[name] = SignatureVerdict(
                name, "digital", intact=False, changes=("unverifiable",)
            )
            continue
        changes: tuple[str, ...] = ()
        if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            byte_range = embedded.byte_range
            changes = changed_fields(data, int(byte_range[2]) + int(byte_range[3]))
            level = getattr(status.diff_result, "modification_level", None)
            if level not in harmless:
                changes += (f"other changes ({level.name.lower() if level else 'unrecognised'})",)
        when = status.signer_reported_dt or embedded.self_reported_timestamp
        verdicts[name] = SignatureVerdict(
            field=name,
            kind="digital",
            signer=status.signing_cert.subject.human_friendly if status.signing_cert else None,
            signed_at=when.isoformat() if when else None,
            intact=bool(status.intact and status.valid),
            trusted=bool(status.trusted),
            modified_after_signing=bool(changes),
            changes=changes,
        )
    return verdicts
