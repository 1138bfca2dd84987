"""Every digital signature in a PDF, wherever it sits, verified with pyHanko.

Signatures are found in every revision of the file, not only in the latest
one's fields: our own ``/Sig`` fields, a field a viewer added when someone drew
a signing box (Acrobat's ``Signature1``), a certification (DocMDP) signature, and
a signature whose field a later revision removed. Each is judged on the whole
file: are its signed bytes intact, does its signer chain to a trust root, and
what changed after it (field values, and changes a certification forbids).

Without trust roots (the normal case) pyHanko logs each failed path as a warning
with a traceback; an untrusted signature is a verdict, not an error, so pyHanko's
loggers are held quiet while it works (``_quiet``).
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pikepdf
from supforms.forms.reading.fields import PdfField, fields_of
from supforms.forms.reading.signatures import Box, SignatureVerdict, covered_block

__all__ = ["digital_signatures", "earlier_field_names", "may_be_signed"]

log = logging.getLogger(__name__)

_PYHANKO = ("pyhanko", "pyhanko_certvalidator")
_quiet_lock = threading.Lock()
_quiet_depth = 0
_quiet_saved: list[tuple[logging.Logger, int]] = []
_MAX_FIELDS = 100_000
"""Field-tree nodes looked at per revision; a hostile tree stops there."""


@contextmanager
def _quiet() -> Iterator[None]:
    """Hold pyHanko's loggers (and their children) silent inside the block.

    Raising the level of the two parent loggers silences every module logger
    under them without touching the handlers a caller configured; the previous
    levels come back afterwards. A depth count keeps nested or concurrent uses
    (threads) from restoring too early.
    """
    global _quiet_depth
    with _quiet_lock:
        if _quiet_depth == 0:
            _quiet_saved[:] = [(logging.getLogger(n), logging.getLogger(n).level) for n in _PYHANKO]
            for logger, _ in _quiet_saved:
                logger.setLevel(logging.CRITICAL + 1)
        _quiet_depth += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                for logger, level in _quiet_saved:
                    logger.setLevel(level)


def may_be_signed(data: bytes, fields: Sequence[PdfField]) -> bool:
    """Whether the file may hold a digital signature in any revision.

    A signature dictionary cannot sit in a compressed object stream (its byte
    range points at the file's own bytes), so every signature's ``/ByteRange``
    is in the file as written; a signed field in the latest revision counts too.
    """
    return b"/ByteRange" in data or any(
        f.type == "signature" and f.value is not None for f in fields
    )


@dataclass(frozen=True)
class _Found:
    name: str
    field: Any
    """pyHanko's field dictionary, from the revision it was found in."""


def _walk(root: Any, want_signed: bool) -> Iterator[tuple[str, Any]]:
    """(qualified name, field dictionary) of each terminal field, without recursion.

    ``want_signed``: only signature fields that hold a value (a signature).
    """
    try:
        fields = root["/AcroForm"]["/Fields"]
    except (KeyError, TypeError, AttributeError):
        return
    stack: list[tuple[Any, str, str | None]] = [(f, "", None) for f in reversed(list(fields))]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack and visited < _MAX_FIELDS:
        ref, prefix, inherited = stack.pop()
        visited += 1
        key = getattr(ref, "idnum", None), getattr(ref, "generation", None)
        if key[0] is not None:
            if key in seen:
                continue
            seen.add(key)  # type: ignore[arg-type]
        node = ref.get_object() if hasattr(ref, "get_object") else ref
        if not hasattr(node, "get"):
            continue
        partial = node.get("/T")
        name = f"{prefix}.{partial}" if prefix and partial is not None else str(partial or prefix)
        ft = str(node.get("/FT", inherited or "")) or None
        kids = node.get("/Kids")
        kid_list = list(kids) if kids is not None and hasattr(kids, "__iter__") else []
        first: Any = kid_list[0] if kid_list else None
        first = first.get_object() if hasattr(first, "get_object") else first
        if first is not None and hasattr(first, "get") and "/T" in first:
            stack.extend((kid, name, ft) for kid in reversed(kid_list))
            continue
        if not want_signed or (ft == "/Sig" and node.get("/V") is not None):
            yield name, node


def _every_signature(reader: Any, written: int) -> Iterator[_Found]:
    """Each signature once, the latest revision's first, then those only earlier ones hold.

    ``written``: how many signature dictionaries the file's bytes hold (each has a
    ``/ByteRange``); once that many are found, no earlier revision is walked.
    """
    seen: set[tuple[int, int]] = set()
    count = 0
    revisions = int(reader.total_revisions)
    for revision in range(revisions - 1, -1, -1):
        if count >= written:
            return
        root = reader.root if revision == revisions - 1 else reader.get_historical_root(revision)
        for name, node in _walk(root, want_signed=True):
            value = node.raw_get("/V")
            if isinstance(getattr(value, "idnum", None), int):
                key = (value.idnum, value.generation)
                if key in seen:
                    continue
                seen.add(key)
            count += 1
            yield _Found(name, node)


def earlier_field_names(data: bytes, wanted: set[str]) -> set[str]:
    """Which of the ``wanted`` field names an earlier revision of the file had.

    Revisions are read newest first, and the reading stops once every wanted
    name is found, so a file of many revisions costs one walk in the usual case.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader

    found: set[str] = set()
    with _quiet():
        try:
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            for revision in range(int(reader.total_revisions) - 2, -1, -1):
                root = reader.get_historical_root(revision)
                found.update(wanted.intersection(n for n, _ in _walk(root, want_signed=False)))
                if found == wanted:
                    break
        except Exception as exc:  # pyHanko raises many kinds on a damaged file
            log.debug("earlier revisions could not be read: %s", type(exc).__name__)
    return found


def _opened_fields(data: bytes) -> list[PdfField] | None:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return fields_of(pdf)
    except (pikepdf.PdfError, RecursionError, ValueError):
        return None


def _values(fields: Sequence[PdfField]) -> dict[str, str | None]:
    return {f.name: f.value for f in fields if f.type != "signature"}


def _changed(before: Sequence[PdfField], after: Sequence[PdfField]) -> tuple[str, ...]:
    """The fields whose value differs between the signed revision and the file as it is."""
    old, new = _values(before), _values(after)
    return tuple(sorted(n for n in old.keys() | new.keys() if old.get(n) != new.get(n)))


def _widgets(name: str, *revisions: Sequence[PdfField]) -> tuple[Box, ...]:
    for fields in revisions:
        for found in fields:
            if found.name == name and found.widgets:
                return found.widgets
    return ()


def _blocks_in(fields: Sequence[PdfField], blocks: Mapping[str, Box]) -> dict[str, Box]:
    """Each block's box as the signed revision drew it, else as given."""
    own = {f.name: f.widgets[0] for f in fields if f.name in blocks and f.widgets}
    return {path: own.get(path, box) for path, box in blocks.items()}


def _unverifiable(
    name: str, widgets: tuple[Box, ...], blocks: Mapping[str, Box]
) -> SignatureVerdict:
    return SignatureVerdict(
        name,
        "digital",
        block=covered_block(widgets, blocks),
        intact=False,
        trusted=False,
        changes=("unverifiable",),
    )


_HARMLESS = ("NONE", "LTA_UPDATES", "FORM_FILLING")
"""What may follow an ordinary signature: nothing, timestamps, filling and signing fields."""


def _judge(
    found: _Found,
    reader: Any,
    data: bytes,
    latest: Sequence[PdfField],
    blocks: Mapping[str, Box],
    context: Any,
) -> SignatureVerdict:
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        embedded = EmbeddedPdfSignature(reader, found.field, found.name)
        byte_range = [int(v) for v in embedded.byte_range]
        status: Any = (
            validate_pdf_timestamp(embedded, validation_context=context)
            if embedded.sig_object_type == "/DocTimeStamp"
            else validate_pdf_signature(embedded, context)
        )
    except Exception as exc:  # pyHanko raises many kinds; the verdict is the same
        log.debug("signature %s could not be verified: %s", found.name, type(exc).__name__)
        return _unverifiable(found.name, _widgets(found.name, latest), blocks)
    signed_until = byte_range[2] + byte_range[3] if len(byte_range) == 4 else len(data)
    signed = latest if signed_until >= len(data) else _opened_fields(data[:signed_until])
    if signed is None:
        return _unverifiable(found.name, _widgets(found.name, latest), blocks)
    changes: tuple[str, ...] = ()
    docmdp = embedded.docmdp_level
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        changes = _changed(signed, latest)
        level = getattr(status.diff_result, "modification_level", None)
        if level is None:
            # pyHanko could not explain the later revisions (objects replaced or added
            # outside form filling, e.g. an annotation or a page edited).
            changes += ("changes that are not form filling or signing",)
        elif docmdp is not None:
            # A certification says itself what may follow it (pyHanko judges that).
            if not status.docmdp_ok:
                changes += (f"changes its certification forbids ({level.name.lower()})",)
        elif level.name not in _HARMLESS:
            changes += (f"other changes ({level.name.lower()})",)
    when = getattr(status, "signer_reported_dt", None) or getattr(status, "timestamp", None)
    when = when or embedded.self_reported_timestamp
    cert = status.signing_cert
    return SignatureVerdict(
        field=found.name,
        kind="digital",
        block=covered_block(_widgets(found.name, signed, latest), _blocks_in(signed, blocks)),
        signer=cert.subject.human_friendly if cert else None,
        signed_at=when.isoformat() if when else None,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        certification=docmdp.name.lower() if docmdp is not None else None,
        modified_after_signing=bool(changes),
        changes=changes,
    )


def digital_signatures(
    data: bytes,
    latest: Sequence[PdfField],
    blocks: Mapping[str, Box],
    trust_roots: Sequence[Any] = (),
) -> list[SignatureVerdict]:
    """Every digital signature in the file, verified, each with the block it covers.

    ``latest``: the fields of the file as it is; ``blocks``: each signature
    block's box (page and rectangle), used where the signed revision does not
    show the block itself. ``intact``: the signed bytes are unchanged and the
    signature is cryptographically valid. ``trusted``: the signer's certificate
    chains to one of ``trust_roots`` (none are configured by default, so a
    self-signed certificate is intact but not trusted). ``changes``: the fields
    whose value a later revision changed, plus changes beyond filling and signing
    fields or beyond what a certification permits.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko_certvalidator import ValidationContext

    with _quiet():
        context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False)
        try:
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            found = list(_every_signature(reader, max(1, data.count(b"/ByteRange"))))
        except Exception as exc:  # pyHanko cannot read the file's structure at all
            log.debug("signatures could not be read: %s", type(exc).__name__)
            return [
                _unverifiable(f.name, f.widgets, blocks)
                for f in latest
                if f.type == "signature" and f.value is not None
            ]
        return [_judge(one, reader, data, latest, blocks, context) for one in found]
