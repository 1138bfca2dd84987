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

__all__ = ["archive_result", "as_duplicate", "compare_prefill"]


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


def compare_prefill(result: dict[str, Any], prefill: dict[str, Any]) -> None:
    """Add a ``prefill_changed`` problem for each issued value the return changed."""
    if result.get("data") is None:
        return
    returned = returned_values(result)
    for path, issued_value in prefill.items():
        if returned.get(path) != issued_value:
            result["problems"].append(
                {
                    "field": path,
                    "code": "prefill_changed",
                    "message": "differs from the value it was issued with",
                }
            )


def archive_result(store: RecordStore, result: dict[str, Any], data: bytes) -> dict[str, Any]:
    """The result as archived: with its ``record_id``, or marked duplicate of the first."""
    stored = store.archive(result, data, compare_prefill)
    result["record_id"] = stored.id
    return result if stored.inserted else as_duplicate(stored.result, result)
