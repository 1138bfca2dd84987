"""Archive one ingest result with its original bytes: the store decides what is new.

Each file is archived in its own transaction. The same bytes again (a re-run, a
second process on the same inbox) keep the first record and come back marked as
a duplicate of it; a return whose prefilled facts differ from what was issued
gets a ``prefill_changed`` problem per changed field.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from supforms.pipeline.intake.verdict import returned_values
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.result import IngestResult
from supforms.schemas.errors import Problem
from supforms.schemas.registry import latest

__all__ = ["archive_result", "as_duplicate", "check_issue"]


def as_duplicate(earlier: IngestResult, result: IngestResult) -> IngestResult:
    """The verdict on bytes seen before: the first result's data, marked duplicate.

    Bytes that were rejected (an empty file, not a PDF, not one of our forms) are
    rejected again, never a duplicate: every copy of them needs a person.
    """
    if earlier.status == "rejected":
        again = f"same bytes as {earlier.filename}, rejected before"
        return replace(
            earlier,
            filename=result.filename,
            sha256=result.sha256,
            size=result.size,
            file=result.file,
            record_id=result.record_id if result.record_id is not None else earlier.record_id,
            problems=[*earlier.problems, Problem("(file)", "rejected_before", again)],
        )
    return replace(
        earlier,
        status="duplicate",
        filename=result.filename,
        sha256=result.sha256,
        size=result.size,
        record_id=result.record_id if result.record_id is not None else earlier.record_id,
        problems=[
            Problem("(file)", "duplicate", f"same bytes as {earlier.filename}, already ingested")
        ],
    )


def check_issue(result: IngestResult, prefill: dict[str, Any] | None, earlier: int) -> None:
    """Notes on how a return matches its issue: returned again, out of date, values changed.

    None of them changes the status: each is for a person to look at.
    """
    if earlier:
        result.problem(
            "(file)", "returned_again", f"this document was returned {earlier} time(s) before"
        )
    form, version = result.form, result.version
    if form and version and version != latest(form).model_fields["schema_version"].default:
        replaced = f"issued on version {version} of the form, since replaced"
        result.problem("(file)", "out_of_date_version", replaced)
    if prefill is None or result.data is None:
        return
    returned = returned_values(result)
    for path, issued_value in prefill.items():
        if returned.get(path) != issued_value:
            result.problem(path, "prefill_changed", "differs from the value it was issued with")


def archive_result(
    store: RecordStore, result: IngestResult, data: bytes, *, unreported: bool = False
) -> IngestResult:
    """The result as archived: with its ``record_id``, or marked duplicate of the first.

    ``unreported``: a run that archived these bytes may have ended before it reported
    them (killed, or its disk full); the store's verdict on them is then given again
    as theirs, not as a duplicate, so that somebody is told it once.
    """
    stored = store.archive(result, data, check_issue)
    result.record_id = stored.id
    if stored.inserted:
        return result
    if unreported:
        # Quarantined again (if rejected) where this run keeps its inputs.
        return replace(
            stored.result,
            filename=result.filename,
            file=result.file,
            record_id=stored.id,
            quarantined=None,
        )
    return as_duplicate(stored.result, result)
