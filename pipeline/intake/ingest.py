"""Ingest one returned PDF: identify it, read every field, and judge it.

The result is the ingest JSON of contract 5 (README, "The contracts"). Opening
(``opening``) and the verdict from the values (``verdict``) have modules of their
own. This module reads and judges; it writes nothing (``supforms.pipeline.intake.batch``
does) and runs nothing in the PDF: pikepdf and PDFium parse, no JavaScript, actions
or attachments are executed.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import pikepdf
from supforms.forms.reading.digital import digital_signatures, earlier_field_names, may_be_signed
from supforms.forms.reading.fields import PdfField, fields_of
from supforms.forms.reading.recognise import (
    Identified,
    identify,
    identify_by_fields,
    identify_by_text,
)
from supforms.forms.reading.recover import CONTENT_LIMIT, contents_fit, page_text, recover_values
from supforms.forms.reading.scan import PageCode, read_page_codes
from supforms.forms.reading.signatures import Box, SignatureVerdict, annotation_signature
from supforms.forms.spec import FieldSpec, field_specs, spec_by_path
from supforms.forms.writing.compiled import compiled_form
from supforms.forms.writing.wording import Wording
from supforms.pipeline.intake.opening import open_return, reject
from supforms.pipeline.intake.verdict import (
    complete_status,
    normalised_values,
    signature_problems,
    status_of,
    validated,
)
from supforms.pipeline.result import IngestResult
from supforms.schemas.errors import ExtractionError, Problem, UnknownFormError
from supforms.schemas.registry import model_for

__all__ = ["ingest_bytes"]

log = logging.getLogger("supforms")


def _scanned(result: IngestResult, codes: list[PageCode | None]) -> IngestResult:
    """A scan of a printed copy: matched by its QR codes, its values left to a person."""
    seen = [code for code in codes if code is not None]
    ids = Counter(code.document_id for code in seen)
    document_id, _ = ids.most_common(1)[0]
    result.status = "scanned"
    result.document_id = document_id
    result.identified_by = "qr"
    result.recovered_from = "scan"
    mine = [code for code in seen if code.document_id == document_id]
    expected = max(code.pages for code in mine)
    present = {code.number for code in mine}
    for number in range(1, expected + 1):
        if number not in present:
            result.problems.append(
                Problem("(file)", "missing_page", f"page {number} of {expected} is not in the scan")
            )
    for index, code in enumerate(codes):
        if code is None:
            result.problems.append(
                Problem(
                    "(file)",
                    "unreadable_page",
                    f"scanned page {index + 1} has no readable supforms QR code",
                )
            )
        elif code.document_id != document_id:
            result.problems.append(
                Problem(
                    "(file)",
                    "mixed_documents",
                    f"scanned page {index + 1} belongs to document {code.document_id}",
                )
            )
    return result


def _identify(pdf: pikepdf.Pdf, data: bytes, names: set[str]) -> Identified | None:
    found = identify(pdf)
    if found is None and names:
        found = identify_by_fields(names)
    ends = {0, len(pdf.pages) - 1}
    if (found is None or found.document_id is None) and contents_fit(pdf, ends):
        by_text = identify_by_text(page_text(data, ends))
        if by_text is not None and (found is None or found.form_id == by_text.form_id):
            found = (
                by_text
                if found is None
                else Identified(found.form_id, found.version, by_text.document_id, found.by)
            )
    return found


def _block_boxes(
    specs: list[FieldSpec],
    boxes: dict[str, Box],
    found: Identified,
    wording: Wording | None,
) -> dict[str, Box]:
    """Where each signature block sits: its own field's widget, else the form's layout."""
    paths = [s.path for s in specs]
    if all(p in boxes for p in paths):
        return {p: boxes[p] for p in paths}
    layout = compiled_form(found.form_id, found.version, wording)
    drawn = {w.path: (w.page, w.rect) for w in layout.widgets if w.path in paths}
    return {p: boxes.get(p) or drawn[p] for p in paths if p in boxes or p in drawn}


def _signature_verdicts(
    pdf: pikepdf.Pdf,
    data: bytes,
    specs: list[FieldSpec],
    fields: list[PdfField],
    raw: dict[str, str | None],
    blocks: dict[str, Box],
    recovered: bool,
    field_objects: AbstractSet[tuple[int, int]] = frozenset(),
) -> list[SignatureVerdict]:
    """One verdict per signature block, then every other digital signature in the file.

    A digital signature covers the block its widget lies over, whatever its field
    is called; a block no digital signature covers may be drawn or typed.
    """
    digital = digital_signatures(data, fields, blocks) if may_be_signed(data, fields) else []
    left = list(digital)
    verdicts = []
    for spec in specs:
        mine = [v for v in left if v.block == spec.path]
        if mine:
            # Its own field's signature first, if it has one among several.
            chosen = next((v for v in mine if v.field == spec.path), mine[0])
            left.remove(chosen)
            verdicts.append(chosen)
        elif recovered:
            mark = raw.get(spec.path)
            if mark and mark.startswith("typed:"):
                verdicts.append(SignatureVerdict(spec.path, "typed", spec.path, signer=mark[6:]))
            else:
                verdicts.append(SignatureVerdict(spec.path, "drawn" if mark else "none", spec.path))
        elif spec.path in blocks:
            page, box = blocks[spec.path]
            verdicts.append(annotation_signature(pdf, spec.path, page, box, field_objects))
        else:
            verdicts.append(SignatureVerdict(spec.path, "none", spec.path))
    return verdicts + left


def ingest_bytes(data: bytes, filename: str, wording: Wording | None = None) -> IngestResult:
    """The verdict on one input file's bytes; a file that cannot be read is rejected.

    Whatever a file does to the readers (a depth they cannot follow, a structure
    they choke on), it ends as a named rejection, never a crash: ``-vv`` logs the
    reader's traceback for whoever mends it.
    """
    result = IngestResult(filename, hashlib.sha256(data).hexdigest(), len(data))
    try:
        return _judge(data, result, wording)
    except RecursionError:
        log.debug("%s: too deep to read", filename, exc_info=True)
        fresh = IngestResult(result.filename, result.sha256, result.size)
        return reject(fresh, "too_deep", "is nested too deeply to read")
    except Exception as exc:  # a reader's bug must not cost the batch, or show a traceback
        log.debug("%s: the reader failed", filename, exc_info=True)
        fresh = IngestResult(result.filename, result.sha256, result.size)
        return reject(fresh, "crashed", f"could not be read ({type(exc).__name__})")


@dataclass
class _Read:
    """What the file's fields say, before the form is known."""

    fields: list[PdfField]
    raw: dict[str, str | None]
    boxes: dict[str, Box]
    objects: set[tuple[int, int]]


def _judge(data: bytes, result: IngestResult, wording: Wording | None) -> IngestResult:
    pdf = open_return(data, result)
    if pdf is None:
        return result
    with pdf:
        if pdf.get_warnings():
            # qpdf repaired it (a broken cross-reference table, a wrong stream length);
            # what is archived stays the original bytes.
            count = len(pdf.get_warnings())
            result.problem(
                "(file)", "repaired", f"was damaged and repaired on reading ({count} warning(s))"
            )
        read = _read_fields(pdf, result)
        if read is None:
            return result
        found = _identify(pdf, data, set(read.raw))
        if found is None and not read.raw and contents_fit(pdf, range(len(pdf.pages))):
            codes = read_page_codes(data)
            if any(codes):
                return _scanned(result, codes)
        if found is None:
            return reject(
                result,
                "not_a_form",
                "is not a supforms form: no form id in its metadata, footer or fields",
            )
        result.form, result.version = found.form_id, found.version
        result.document_id, result.identified_by = found.document_id, found.by
        try:
            model = model_for(found.form_id, found.version)
        except UnknownFormError as exc:
            return reject(result, "unknown_form_version", exc.message)
        judged = _values_of(pdf, data, read, found, model, result, wording)
        if judged is None:
            return result
        flat, form_removed = judged
    for verdict in result.signatures:
        if verdict.kind != "none" and verdict.block is not None:
            flat.setdefault(
                verdict.block,
                {"kind": verdict.kind, "signer": verdict.signer, "signed_at": verdict.signed_at},
            )
    result.data = validated(model, flat, result.problems)
    if form_removed:  # nothing is missing: the form is gone, and that is the problem
        signature_problems(result)
        result.status = status_of(result.problems)
    else:
        result.status = complete_status(field_specs(model), result)
    return result


def _read_fields(pdf: pikepdf.Pdf, result: IngestResult) -> _Read | None:
    """Every field of the file, or None with ``result`` rejected (a tree too deep)."""
    objects: set[tuple[int, int]] = set()
    try:
        fields = fields_of(pdf, visited=objects)
    except ExtractionError as exc:  # a field tree deeper than any form's
        reject(result, "too_deep", exc.message)
        return None
    raw: dict[str, str | None] = {f.name: f.value for f in fields}
    boxes = {f.name: f.widgets[0] for f in fields if f.widgets}
    return _Read(fields, raw, boxes, objects)


def _values_of(
    pdf: pikepdf.Pdf,
    data: bytes,
    read: _Read,
    found: Identified,
    model: Any,
    result: IngestResult,
    wording: Wording | None,
) -> tuple[dict[str, Any], bool] | None:
    """The form's values (from its fields, or its page text) and its signatures' verdicts.

    Returns the values and whether a later revision removed the form; None when the
    return is rejected (``result`` says why).
    """
    specs = field_specs(model)
    raw = read.raw
    recovered = not any(name in spec_by_path(model) for name in raw)
    removed = _removed_fields(data, specs, raw)
    form_removed = recovered and bool(removed)
    if form_removed:
        # What an earlier revision held is not what the file now says: a person
        # decides, and no value is read, neither from it nor from the page.
        recovered = False
        result.problem(
            "(file)",
            "form_removed",
            "a later revision of the file removed the form's fields; the values "
            "filled in before that are not used",
        )
    for path in () if form_removed else sorted(removed):
        result.problem(path, "field_removed", "a later revision of the file removed this field")
    if recovered:
        raw = _recover(pdf, data, found, result, wording)
        if raw is None:
            return None
    flat = {} if form_removed else normalised_values(specs, raw, result.problems)
    signature_specs = [s for s in specs if s.kind == "signature"]
    blocks = _block_boxes(signature_specs, read.boxes, found, wording)
    result.signatures = _signature_verdicts(
        pdf, data, signature_specs, read.fields, raw, blocks, recovered, read.objects
    )
    return flat, form_removed


def _recover(
    pdf: pikepdf.Pdf, data: bytes, found: Identified, result: IngestResult, wording: Wording | None
) -> dict[str, str | None] | None:
    """The values of a return that lost its fields, read from where each sits on the page."""
    if not contents_fit(pdf, range(len(pdf.pages))):
        reject(
            result,
            "too_big",
            f"its pages are too large to read (over {CONTENT_LIMIT >> 20} MiB of content "
            "when inflated)",
        )
        return None
    layout = compiled_form(found.form_id, found.version, wording)
    try:
        raw = recover_values(data, layout.widgets)
    except ExtractionError as exc:
        reject(result, "damaged", f"is damaged: {exc.message}")
        return None
    result.recovered_from = "flattened-text"
    result.problem(
        "(file)",
        "recovered_from_text",
        "the form fields were lost (printed to PDF?); values were read from the page text",
    )
    return raw


def _removed_fields(
    data: bytes, specs: tuple[FieldSpec, ...], raw: dict[str, str | None]
) -> set[str]:
    """The form's fields that an earlier revision of the file held and the latest lacks.

    Only a file with more than one revision can have any (each revision ends with a
    ``startxref``), so a single-revision file costs no second parse.
    """
    absent = {s.path for s in specs} - raw.keys()
    if not absent or data.count(b"startxref") < 2:
        return set()
    return earlier_field_names(data, absent)
