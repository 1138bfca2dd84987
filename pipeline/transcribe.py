"""Key in a scanned return: the values a person read off the paper, checked by the schema.

A scan is archived as ``scanned`` (matched to its issued copy, values unread).
Transcribing it validates the keyed-in values with that copy's schema, judges
completeness as ingest does (a signature on paper is keyed in as
``{"kind": "drawn"}``), and replaces the record's JSON and status; audited.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from forms.signatures import SignatureVerdict
from forms.spec import field_specs
from forms.values import flatten, nest
from pipeline.data import Record, problems_from
from pipeline.ingest import IngestResult, complete_status
from pipeline.store import RecordStore
from schemas.errors import InvalidRecordError, PipelineError
from schemas.registry import model_for

__all__ = ["transcribe"]


def transcribe(store: RecordStore, record_id: int, keyed: Record) -> dict[str, Any]:
    """The record's new JSON once ``keyed`` is validated and stored."""
    result, _, _ = store.record(record_id)
    if result["status"] != "scanned":
        raise PipelineError(f"record {record_id} is {result['status']}, not a scan to transcribe")
    if not result.get("form"):
        raise PipelineError(
            f"record {record_id} was not matched to an issued copy: "
            "register the copy (records register) or ingest it again"
        )
    model = model_for(result["form"], result["version"])
    values = {**keyed.values}
    try:
        record = model.model_validate(nest(values))
    except ValidationError as exc:
        raise InvalidRecordError(
            "the keyed-in values do not fit the form; nothing was changed", problems_from(exc)
        ) from exc
    data = record.model_dump(mode="json")
    signed = flatten(data)
    verdicts = [
        SignatureVerdict(s.path, signed.get(f"{s.path}.kind") or "none", block=s.path)
        for s in field_specs(model)
        if s.kind == "signature"
    ]
    judged = IngestResult(
        result["source"]["filename"],
        result["source"]["sha256"],
        result["source"]["bytes"],
        data=data,
        signatures=verdicts,
    )
    status = complete_status(field_specs(model), judged)
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    updated = {
        **result,
        "status": status,
        "data": data,
        "signatures": [v.as_json() for v in verdicts],
        "problems": [
            *result["problems"],
            *({"field": p.field, "code": p.code, "message": p.message} for p in judged.problems),
        ],
        "transcribed": {"at": datetime.now(UTC).isoformat(timespec="seconds"), "by": who},
    }
    store.update_result(record_id, updated, "transcribe")
    return updated
