"""Archive one ingest result with its original bytes: the store decides what is new.

Each file is archived in its own transaction. The same bytes again (a re-run, a
second process on the same inbox) keep the first record and come back marked as
a duplicate of it; a return whose prefilled facts differ from what was issued
gets a ``prefill_changed`` problem per changed field.
"""

from __future__ import annotations

from typing import Any

from pipeline.ingest import returned_values
from pipeline.store import RecordStore
from schemas.registry import latest

__all__ = ["archive_result", "as_duplicate", "check_issue"]


def as_duplicate(earlier: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """The verdict on bytes seen before: the first result's data, marked duplicate."""
    return {
        **earlier,
        "status": "duplicate",
        "source": result["source"],
        "record_id": result.get("record_id", earlier.get("record_id")),
        "problems": [
            {
                "field": "(file)",
                "code": "duplicate",
                "message": f"same bytes as {earlier['source']['filename']}, already ingested",
            }
        ],
    }


def check_issue(result: dict[str, Any], prefill: dict[str, Any] | None, earlier: int) -> None:
    """Notes on how a return matches its issue: returned again, out of date, values changed.

    None of them changes the status: each is for a person to look at.
    """
    problems = result["problems"]
    if earlier:
        problems.append(
            {
                "field": "(file)",
                "code": "returned_again",
                "message": f"this document was returned {earlier} time(s) before",
            }
        )
    form, version = result.get("form"), result.get("version")
    if form and version and version != latest(form).model_fields["schema_version"].default:
        problems.append(
            {
                "field": "(file)",
                "code": "out_of_date_version",
                "message": f"issued on version {version} of the form, since replaced",
            }
        )
    if prefill is None or result.get("data") is None:
        return
    returned = returned_values(result)
    for path, issued_value in prefill.items():
        if returned.get(path) != issued_value:
            problems.append(
                {
                    "field": path,
                    "code": "prefill_changed",
                    "message": "differs from the value it was issued with",
                }
            )


def archive_result(store: RecordStore, result: dict[str, Any], data: bytes) -> dict[str, Any]:
    """The result as archived: with its ``record_id``, or marked duplicate of the first."""
    stored = store.archive(result, data, check_issue)
    result["record_id"] = stored.id
    return result if stored.inserted else as_duplicate(stored.result, result)
