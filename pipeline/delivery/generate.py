"""Generate forms: blank for printing, or one prefilled copy per record, with a manifest.

Every copy gets a new document id; the manifest (``manifest.jsonl`` beside the
PDFs, appended to) records what was issued to whom, with the prefilled values,
so returns can be matched to it later.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Generator, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
from supforms.forms.spec import field_specs
from supforms.forms.values import display_values
from supforms.forms.writing.compiled import CompiledForm, compiled_form
from supforms.forms.writing.fill import fill_form
from supforms.forms.writing.identity import Identity, new_document_id
from supforms.forms.writing.tagging import flatten
from supforms.forms.writing.wording import Wording
from supforms.pipeline.delivery.data import Record, validate_records
from supforms.pipeline.delivery.roster import control_characters, meta_problems, row_key
from supforms.pipeline.files import AppendLog, WriteQueue, free_name, make_folder, sync_folder
from supforms.pipeline.held import Stop
from supforms.pipeline.names import slug as filename_slug
from supforms.pipeline.records.preflight import store_errors
from supforms.pipeline.records.store import RecordStore
from supforms.schemas.common import FormModel
from supforms.schemas.declaration import value_at
from supforms.schemas.errors import InvalidRecordError, Problem, WriteError
from supforms.schemas.registry import latest

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
    """The identity of the roster row it was made from (``roster.row_key``)."""
    renews: int | None = None
    """The record this copy renews (``supforms renew``), if it is a renewal."""


def _subject(model: type[FormModel], values: dict[str, str | bool]) -> str:
    """Who or what a copy is about, as its form declares: the supervisee, else the case."""
    return model.declaration.about(values) if model.declaration else ""


def _named_for(model: type[FormModel], values: dict[str, str | bool]) -> str:
    """The name a copy's file may carry: its supervisee's, never a case reference.

    A file name travels in attachment names, folder listings and logs; a child's
    case reference must not.
    """
    declaration = model.declaration
    path = declaration.concerns.supervisee if declaration else None
    value = value_at(values, path) if path else None
    return value if isinstance(value, str) else ""


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
    """One copy of ``form``, prefilled from ``record`` if given: identity, bytes, values.

    ``flatten``: a print copy, every value whole (on continuation pages if need be).
    """
    identity = Identity(
        form_id=form.form_id,
        version=form.version,
        document_id=document_id or new_document_id(),
        title=form.title,
        issued_at=issued_at or datetime.now(UTC),
    )
    values = display_values(record) if record is not None else {}
    data = fill_form(form, values, identity, continued=flatten)
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
                missing = form.field_font.missing_named(value)
                problems.append(
                    Problem(
                        f"row {row.row}: {path}",
                        "unsupported_character",
                        f"the form cannot print {missing} (its font has Latin, Greek and "
                        "Cyrillic letters)",
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
    durable: bool = False,
    store: RecordStore | None = None,
    checked: list[FormModel] | None = None,
    stop: Stop | None = None,
) -> Generator[Issued, None, None]:
    """Write a blank copy (no records) or one prefilled copy per record into ``out_dir``.

    Records are all validated first, so a bad row stops the batch before any file
    is written. With a ``store``, each copy made from a record is registered there
    as issued once it is written, before it is yielded (a blank form is a template,
    issued to no one). Yields each copy, for progress and reports. ``checked`` are the
    records as models, when the caller has already checked them (``check_records``).
    Once ``stop`` is requested no copy is begun; those made are written, listed,
    registered and yielded, as at the end of any batch.
    """
    model = latest(form_id)
    valid = checked if checked is not None else []
    if records is not None and checked is None:
        valid = check_records(form_id, records, source, wording)
    form = compiled_form(form_id, wording=wording)
    make_folder(out_dir)
    # With ``durable`` each copy's manifest line is synced before the copy is handed
    # on (``send`` emails it next, and a resumed batch finds it by its row's key);
    # otherwise one sync of the folder and the manifest at the end, not three per
    # copy: each copy is synced before it takes its name, whole or absent regardless.
    manifest = AppendLog(out_dir / MANIFEST, sync_each=durable)
    suffix = "-print.pdf" if flatten else ".pdf"
    plan: list[tuple[FormModel | None, Record | None]] = (
        list(zip(valid, records, strict=True)) if records is not None else [(None, None)]
    )
    with manifest, WriteQueue[Issued]() as queue:

        def claim(copies: Iterator[Issued]) -> Iterator[Issued]:
            # Only a copy whole on disk is listed in the manifest and handed on; one
            # the manifest cannot list is not left behind.
            for issued in copies:
                try:
                    manifest.write(json.dumps(asdict(issued), ensure_ascii=False))
                except WriteError:
                    (out_dir / issued.file).unlink(missing_ok=True)
                    raise
                if store is not None and issued.row is not None:
                    # Registered before it is handed on: a return is always matched.
                    with store_errors(f"registering row {issued.row}'s copy"):
                        store.register([asdict(issued)])
                yield issued

        for record, row in plan:
            if stop is not None and stop.requested:
                break
            identity, data, values = issue_copy(form, record, flatten=flatten)
            if row is None:  # never replacing a blank made before: it may be in use
                name = free_name(out_dir / f"{form_id}-blank{suffix}").name
            else:
                # The document id's start keeps every copy its own file: the same roster
                # sent again into the same folder never replaces a copy issued before.
                slug = filename_slug(_named_for(model, values))
                tag = identity.document_id.replace("-", "")[:8].lower()
                name = f"{form_id}-{row.row:04d}{'-' + slug if slug else ''}-{tag}{suffix}"
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
                renews=int(row.meta["renews"]) if row and row.meta.get("renews") else None,
            )
            # Written and synced in the background while the next copy is made.
            yield from claim(queue.put(out_dir / name, data, issued))
        yield from claim(queue.drain())
        # The copies' names are made durable before the manifest claiming them (which
        # is synced as it closes). After a failed write, the manifest syncs alone.
        sync_folder(out_dir)
