"""Ingest one returned PDF: identify it, read and normalise every field, validate, verdict.

The result is the ingest JSON of contract 5 (README, "The contracts"). This module reads and
judges; it writes nothing (``supforms.pipeline.intake.batch`` does) and runs nothing in the PDF:
pikepdf and PDFium parse, no JavaScript, actions or attachments are executed.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
from collections import Counter
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import pikepdf
from pydantic import ValidationError
from supforms.forms.reading.digital import digital_signatures, earlier_field_names, may_be_signed
from supforms.forms.reading.fields import PdfField, fields_of
from supforms.forms.reading.normalise import normalise_value
from supforms.forms.reading.recognise import (
    Identified,
    identify,
    identify_by_fields,
    identify_by_text,
)
from supforms.forms.reading.recover import CONTENT_LIMIT, contents_fit, page_text, recover_values
from supforms.forms.reading.scan import PageCode, read_page_codes
from supforms.forms.reading.signatures import Box, SignatureVerdict, annotation_signature
from supforms.forms.reading.truncation import is_cut_short
from supforms.forms.spec import FieldSpec, field_specs, spec_by_path
from supforms.forms.values import display_values, dotted, nest
from supforms.forms.writing.compiled import compiled_form
from supforms.forms.writing.wording import Wording
from supforms.pipeline.delivery.data import problems_from
from supforms.pipeline.result import IngestResult, Status
from supforms.schemas.errors import ExtractionError, Problem, UnknownFormError
from supforms.schemas.registry import model_for

__all__ = [
    "INCOMPLETE_CODES",
    "INVALID_CODES",
    "complete_status",
    "ingest_bytes",
    "returned_values",
]

log = logging.getLogger("supforms")

INCOMPLETE_CODES = frozenset({"missing", "unsigned"})
INVALID_CODES = frozenset(
    {
        "invalid_date",
        "unreadable_date",
        "not_a_number",
        "not_an_option",
        "too_long",
        "out_of_range",
        "invalid_value",
        "signature_invalid",
        "changed_after_signing",
        "form_removed",
        "field_removed",
    }
)
_PYDANTIC = {
    "string_too_long": "too_long",
    "too_long": "too_long",
    "less_than_equal": "out_of_range",
    "greater_than_equal": "out_of_range",
    "less_than": "out_of_range",
    "greater_than": "out_of_range",
    "string_too_short": "missing",
}


def _reject(result: IngestResult, code: str, message: str) -> IngestResult:
    result.status = "rejected"
    result.problems.append(Problem("(file)", code, message))
    return result


def _status(problems: list[Problem]) -> Status:
    codes = {p.code for p in problems}
    if codes & INVALID_CODES:
        return "invalid"
    if codes & INCOMPLETE_CODES:
        return "incomplete"
    return "complete"


_IN_MEMORY = hasattr(os, "memfd_create") and Path("/proc/self/fd").is_dir()
"""Whether a file in memory can be opened by name (Linux): asked once, not per input."""


def _parse(data: bytes) -> pikepdf.Pdf:
    """Open the bytes with qpdf reading a file natively: twice as fast as a Python stream.

    The file is an unlinked one in memory (``memfd``, where Linux has it), so what is
    parsed is exactly the bytes that were hashed, whatever happens to the input meanwhile.
    """
    if not _IN_MEMORY:
        return pikepdf.open(io.BytesIO(data))
    fd = os.memfd_create("supforms-input", os.MFD_CLOEXEC)
    try:
        try:
            whole = os.write(fd, data) == len(data)
        except OSError:  # EFBIG: the file-size limit (RLIMIT_FSIZE) holds for memfd too
            whole = False
        if not whole:  # never parse a cut copy: the bytes themselves, from memory
            return pikepdf.open(io.BytesIO(data))
        return pikepdf.open(f"/proc/self/fd/{fd}")  # qpdf holds its own descriptor
    finally:
        os.close(fd)


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


def _open(data: bytes, result: IngestResult) -> pikepdf.Pdf | None:
    if b"%PDF-" not in data[:1024]:
        _reject(result, "not_a_pdf", "is not a PDF (no PDF header)")
        return None
    if is_cut_short(data):
        # Read, it would lose whatever lay past the cut without a word: refused, not repaired.
        _reject(result, "truncated", "is cut short (its end is missing): ask for it again")
        return None
    try:
        # An owner password alone does not stop opening: qpdf opens such files with
        # the empty user password, as every viewer does.
        return _parse(data)
    except pikepdf.PasswordError:
        _reject(result, "needs_password", "needs a password to open; ask for an unprotected copy")
    except pikepdf.PdfError as exc:
        why = re.sub(r"^/proc/self/fd/\d+:?\s*", "", str(exc))  # the memfd's name says nothing
        _reject(result, "damaged", f"is damaged beyond repair ({why[:160]})")
    return None


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


def _validate(model: Any, flat: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """The model's JSON; values Pydantic refuses become problems and are left out."""
    for _ in range(len(flat) + 1):
        try:
            return dict(model.model_validate(nest(flat)).model_dump(mode="json"))
        except ValidationError as exc:
            found = problems_from(exc)
            removed = False
            for problem in found:
                code = _PYDANTIC.get(problem.code, "invalid_value")
                problems.append(Problem(problem.field, code, problem.message))
                removed |= flat.pop(problem.field, None) is not None
            if not removed:
                break
    return dict(model().model_dump(mode="json"))


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
        return _reject(fresh, "too_deep", "is nested too deeply to read")
    except Exception as exc:  # a reader's bug must not cost the batch, or show a traceback
        log.debug("%s: the reader failed", filename, exc_info=True)
        fresh = IngestResult(result.filename, result.sha256, result.size)
        return _reject(fresh, "crashed", f"could not be read ({type(exc).__name__})")


def _judge(data: bytes, result: IngestResult, wording: Wording | None) -> IngestResult:
    pdf = _open(data, result)
    if pdf is None:
        return result
    with pdf:
        if pdf.get_warnings():
            # qpdf repaired it (a broken cross-reference table, a wrong stream length);
            # what is archived stays the original bytes.
            result.problems.append(
                Problem(
                    "(file)",
                    "repaired",
                    f"was damaged and repaired on reading ({len(pdf.get_warnings())} warning(s))",
                )
            )
        field_objects: set[tuple[int, int]] = set()
        try:
            fields = fields_of(pdf, visited=field_objects)
        except ExtractionError as exc:  # a field tree deeper than any form's
            return _reject(result, "too_deep", exc.message)
        raw: dict[str, str | None] = {f.name: f.value for f in fields}
        boxes = {f.name: f.widgets[0] for f in fields if f.widgets}
        found = _identify(pdf, data, set(raw))
        every_page = range(len(pdf.pages))
        if found is None and not raw and contents_fit(pdf, every_page):
            codes = read_page_codes(data)
            if any(codes):
                return _scanned(result, codes)
        if found is None:
            return _reject(
                result,
                "not_a_form",
                "is not a supforms form: no form id in its metadata, footer or fields",
            )
        result.form, result.version = found.form_id, found.version
        result.document_id, result.identified_by = found.document_id, found.by
        try:
            model = model_for(found.form_id, found.version)
        except UnknownFormError as exc:
            return _reject(result, "unknown_form_version", exc.message)
        specs = field_specs(model)
        recovered = not any(name in spec_by_path(model) for name in raw)
        signature_specs = [s for s in specs if s.kind == "signature"]
        removed = _removed_fields(data, specs, raw)
        form_removed = recovered and bool(removed)
        if form_removed:
            # What an earlier revision held is not what the file now says: a person
            # decides, and no value is read, neither from it nor from the page.
            recovered = False
            result.problems.append(
                Problem(
                    "(file)",
                    "form_removed",
                    "a later revision of the file removed the form's fields; the values "
                    "filled in before that are not used",
                )
            )
        for path in () if form_removed else sorted(removed):
            result.problems.append(
                Problem(path, "field_removed", "a later revision of the file removed this field")
            )
        if recovered and not contents_fit(pdf, every_page):
            return _reject(
                result,
                "too_big",
                "its pages are too large to read (over "
                f"{CONTENT_LIMIT >> 20} MiB of content when inflated)",
            )
        if recovered:
            # Only a return that lost its fields needs the layout: where each value sits.
            layout = compiled_form(found.form_id, found.version, wording)
            try:
                raw = recover_values(data, layout.widgets)
            except ExtractionError as exc:
                return _reject(result, "damaged", f"is damaged: {exc.message}")
            result.recovered_from = "flattened-text"
            result.problems.append(
                Problem(
                    "(file)",
                    "recovered_from_text",
                    "the form fields were lost (printed to PDF?); values were read from "
                    "the page text",
                )
            )
        flat = {} if form_removed else _values(specs, raw, result.problems)
        blocks = _block_boxes(signature_specs, boxes, found, wording)
        result.signatures = _signature_verdicts(
            pdf, data, signature_specs, fields, raw, blocks, recovered, field_objects
        )
    for verdict in result.signatures:
        if verdict.kind != "none" and verdict.block is not None:
            flat.setdefault(
                verdict.block,
                {"kind": verdict.kind, "signer": verdict.signer, "signed_at": verdict.signed_at},
            )
    result.data = _validate(model, flat, result.problems)
    if form_removed:  # nothing is missing: the form is gone, and that is the problem
        _signature_problems(result)
        result.status = _status(result.problems)
    else:
        result.status = complete_status(specs, result)
    return result


def _values(
    specs: tuple[FieldSpec, ...], raw: dict[str, str | None], problems: list[Problem]
) -> dict[str, Any]:
    """Each value the return holds, normalised; what cannot be becomes a problem."""
    flat: dict[str, Any] = {}
    for spec in specs:
        if spec.kind == "signature":
            continue
        value, problem = normalise_value(spec, raw.get(spec.path))
        if problem:
            problems.append(problem)
        elif value is not None:
            flat[spec.path] = value
    return flat


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


def complete_status(specs: tuple[FieldSpec, ...], result: IngestResult) -> Status:
    """Add what is missing or broken to ``result``'s problems; the status they make."""
    _completeness(specs, result)
    return _status(result.problems)


def returned_values(result: IngestResult) -> dict[str, Any]:
    """A result's values as the form shows them (``03/04/2026``), to compare with an issue."""
    model = model_for(str(result.form), str(result.version))
    record = model.model_validate(result.data)
    return dict(display_values(record))


def _signature_problems(result: IngestResult) -> None:
    """A problem for each digital signature anywhere in the file that is broken."""
    for verdict in result.signatures:
        if not verdict.is_broken:
            continue
        where = verdict.block or verdict.field
        if not verdict.intact:
            why = (
                "could not be verified"
                if "unverifiable" in verdict.changes
                else "does not match the document (damaged or forged)"
            )
            result.problems.append(
                Problem(where, "signature_invalid", f"the digital signature {why}")
            )
        else:
            changed = ", ".join(verdict.changes) or "the document"
            result.problems.append(
                Problem(where, "changed_after_signing", f"{changed} changed after it was signed")
            )


def _completeness(specs: tuple[FieldSpec, ...], result: IngestResult) -> None:
    """Problems for each required value or signature that is missing, or signed then broken."""
    _signature_problems(result)
    present = dotted(result.data or {})
    bad = {p.field for p in result.problems}
    verdicts = {v.block: v for v in reversed(result.signatures) if v.block is not None}
    for spec in specs:
        verdict = verdicts.get(spec.path)
        filled = (verdict.kind != "none") if verdict else present.get(spec.path) is not None
        if not spec.required or spec.path in bad or filled:
            continue
        code = "unsigned" if spec.kind == "signature" else "missing"
        what = "is not signed" if spec.kind == "signature" else "is empty"
        result.problems.append(Problem(spec.path, code, f"{spec.tooltip} {what}"))
