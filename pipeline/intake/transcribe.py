"""Key in a scanned return: the values a person read off the paper, checked by the schema.

A scan is archived as ``scanned`` (matched to its issued copy, values unread).
Transcribing it validates the keyed-in values with that copy's schema, judges
completeness as ingest does (a signature on paper is keyed in as
``{"kind": "drawn"}``), and replaces the record's JSON and status; audited.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

from pydantic import ValidationError
from supforms.forms.reading.verdicts import SignatureVerdict
from supforms.forms.spec import field_specs
from supforms.forms.values import dotted, nest
from supforms.pipeline.delivery.data import Record, problems_from
from supforms.pipeline.intake.verdict import complete_status
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.result import IngestResult
from supforms.schemas.errors import InvalidRecordError, PipelineError
from supforms.schemas.registry import model_for

__all__ = ["transcribe"]


def transcribe(store: RecordStore, record_id: int, keyed: Record) -> IngestResult:
    """The record's new result once ``keyed`` is validated and stored."""
    stored, _, _ = store.record(record_id)
    result = IngestResult.from_json(stored)
    if result.status != "scanned":
        raise PipelineError(f"record {record_id} is {result.status}, not a scan to transcribe")
    if not result.form or not result.version:
        raise PipelineError(
            f"record {record_id} was not matched to an issued copy: "
            "register the copy (records register) or ingest it again"
        )
    model = model_for(result.form, result.version)
    try:
        record = model.model_validate(nest(dict(keyed.values)))
    except ValidationError as exc:
        raise InvalidRecordError(
            "the keyed-in values do not fit the form; nothing was changed", problems_from(exc)
        ) from exc
    data = record.model_dump(mode="json")
    signed = dotted(data)
    specs = field_specs(model)
    result.data = data
    result.signatures = [
        SignatureVerdict(s.path, signed.get(f"{s.path}.kind") or "none", block=s.path)
        for s in specs
        if s.kind == "signature"
    ]
    # Completeness is judged as ingest judges it, after the scan's own notes.
    result.status = complete_status(specs, result)
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    result.transcribed = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "by": who}
    store.update_result(record_id, result, "transcribe")
    return result
