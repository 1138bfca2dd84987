"""Generate forms: blank for printing, or one prefilled copy per record, with a manifest.

Every copy gets a new document id; the manifest (``manifest.jsonl`` beside the
PDFs, appended to) records what was issued to whom, with the prefilled values,
so returns can be matched to it later.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pikepdf

from forms.fill import fill_form
from forms.identity import Identity, new_document_id
from forms.spec import field_specs
from forms.tagging import flatten
from forms.template import CompiledForm, compiled_form
from forms.values import display_values
from forms.wording import Wording
from pipeline.data import Record, validate_records
from pipeline.filenames import slug as filename_slug
from pipeline.private import append_private, write_private
from pipeline.roster import control_characters, meta_problems, row_key
from schemas.common import FormModel
from schemas.errors import InvalidRecordError, PipelineError, Problem
from schemas.registry import latest

__all__ = ["MANIFEST", "Issued", "check_records", "flatten_pdf", "generate", "issue_copy"]

MANIFEST = "manifest.jsonl"


@dataclass(frozen=True)
class Issued:
    """One generated copy, as the manifest records it."""

    document_id: str
    form: str
    version: str
    file: str
    recipient: str
    issued_at: str
    sha256: str
    bytes: int
    row: int | None = None
    prefill: dict[str, str | bool] = field(default_factory=dict)
    key: str | None = None
    """The identity of the roster row it was made from (``pipeline.roster.row_key``)."""


def _subject(model: type[FormModel], values: dict[str, str | bool]) -> str:
    """Who or what a copy is about: its first required text value (a name, a case)."""
    for spec in field_specs(model):
        if spec.required and spec.kind == "text" and isinstance(values.get(spec.path), str):
            return str(values[spec.path])
    return ""


def flatten_pdf(data: bytes) -> bytes:
    """A print-only copy: every widget's appearance merged into its page, no fields left.

    It stays tagged: each field's appearance is its Form element's content.
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        flatten(pdf)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, fix_metadata_version=False)
        return out.getvalue()


def issue_copy(
    form: CompiledForm,
    record: FormModel | None,
    *,
    issued_at: datetime | None = None,
    document_id: str | None = None,
    flatten: bool = False,
) -> tuple[Identity, bytes, dict[str, str | bool]]:
    """One copy of ``form``, prefilled from ``record`` if given: identity, bytes, values."""
    identity = Identity(
        form_id=form.form_id,
        version=form.version,
        document_id=document_id or new_document_id(),
        title=form.title,
        issued_at=issued_at or datetime.now(UTC),
    )
    values = display_values(record) if record is not None else {}
    data = fill_form(form, values, identity)
    return identity, (flatten_pdf(data) if flatten else data), values


def _check_printable(
    form: CompiledForm, model: type[FormModel], records: list[FormModel], rows: list[Record]
) -> None:
    problems = meta_problems(rows)
    multiline = {spec.path for spec in field_specs(model) if spec.kind == "multiline"}
    for record, row in zip(records, rows, strict=True):
        for path, value in display_values(record).items():
            if not isinstance(value, str):
                continue
            # A line break belongs in a multi-line box; anywhere else a control
            # character would end up in a file name, an email header or a terminal.
            bad = control_characters(value, allowed="\n" if path in multiline else "")
            if bad:
                problems.append(
                    Problem(
                        f"row {row.row}: {path}",
                        "control_character",
                        f"contains control characters ({bad})",
                    )
                )
            elif not form.field_font.covers(value):
                missing = form.field_font.missing(value)
                problems.append(
                    Problem(
                        f"row {row.row}: {path}",
                        "unsupported_character",
                        f"{missing!r} cannot be printed by the form font (Latin, Greek, Cyrillic)",
                    )
                )
    if problems:
        raise InvalidRecordError(
            f"{len(problems)} problem(s) in the data; nothing was generated", tuple(problems)
        )


def check_records(
    form_id: str, records: list[Record], source: str = "", wording: Wording | None = None
) -> list[FormModel]:
    """Every record as a model, or every problem (row and field) in one error."""
    model = latest(form_id)
    valid = validate_records(model, records, source)
    _check_printable(compiled_form(form_id, wording=wording), model, valid, records)
    return valid


def generate(
    form_id: str,
    out_dir: Path,
    records: list[Record] | None = None,
    *,
    source: str = "",
    flatten: bool = False,
    wording: Wording | None = None,
) -> Generator[Issued, None, None]:
    """Write a blank copy (no records) or one prefilled copy per record into ``out_dir``.

    Records are all validated first, so a bad row stops the batch before any file
    is written. Yields each copy as it is written, for progress and reports.
    """
    model = latest(form_id)
    valid = check_records(form_id, records, source, wording) if records is not None else []
    form = compiled_form(form_id, wording=wording)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        manifest = open(  # noqa: PTH123, SIM115 (closed by the with below)
            append_private(out_dir / MANIFEST), "a", encoding="utf-8"
        )
    except OSError as exc:
        raise PipelineError(
            f"output folder is not writable: {exc.strerror}", path=str(out_dir)
        ) from exc
    suffix = "-print.pdf" if flatten else ".pdf"
    plan: list[tuple[FormModel | None, Record | None]] = (
        list(zip(valid, records, strict=True)) if records is not None else [(None, None)]
    )
    with manifest:
        for record, row in plan:
            identity, data, values = issue_copy(form, record, flatten=flatten)
            if row is None:
                name = f"{form_id}-blank{suffix}"
            else:
                slug = filename_slug(_subject(model, values))
                name = f"{form_id}-{row.row:04d}{'-' + slug if slug else ''}{suffix}"
            target = out_dir / name
            try:
                write_private(target, data)
            except OSError as exc:
                raise PipelineError(f"cannot write: {exc.strerror}", path=str(target)) from exc
            issued = Issued(
                document_id=identity.document_id,
                form=form.form_id,
                version=form.version,
                file=name,
                recipient=(row.meta.get("recipient") if row else None) or _subject(model, values),
                issued_at=identity.issued_at.isoformat(timespec="seconds"),
                sha256=hashlib.sha256(data).hexdigest(),
                bytes=len(data),
                row=row.row if row else None,
                prefill=values,
                key=row_key(form_id, row) if row else None,
            )
            manifest.write(json.dumps(asdict(issued), ensure_ascii=False) + "\n")
            # On disk before anyone is told of the copy: ``send`` emails it next, and a
            # resumed batch finds it here by its row's key.
            manifest.flush()
            os.fsync(manifest.fileno())
            yield issued
