"""The audit log as a hash chain: how a line is hashed, and what a state line says.

Each audit line carries the hash of the line before it (``prev_hash``) and its
own ``hash``: the SHA-256 of the canonical JSON of its id, time, actor, action,
record id, detail (the stored text) and ``prev_hash``. Removing, changing or
reordering a line breaks the chain at the next line; rewriting the whole log
consistently changes the head, which ``records head`` lets a person write down
elsewhere.

A *state line* says what a record was when it was written: its PDF's SHA-256,
the hash of its stored result JSON, its status and (from schema version 7) a
digest of every other column a query, a purge, compliance or an export reads
(``archive``, a transcription, a ``purge``, and the ``baseline`` of each record
already stored when the chain began or grew). Each column's digest is keyed by
the record's own PDF, so the log names no person and a purged record's values
cannot be guessed back from it; ``verify`` names the column that changed.
``supforms.pipeline.records.proof`` holds a store to its chain.

PostgreSQL computes the same hashes in SQL: a line's in a trigger
(``supforms.pipeline.records.tables``), a row's state in ``supforms_row_state``
(``supforms.pipeline.records.stamps``). They must agree byte for byte where they
are hashed, and the tests hold them to it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

__all__ = [
    "GENESIS",
    "ROW_COLUMNS",
    "canonical_time",
    "column_digest",
    "line_hash",
    "result_hash",
    "row_key",
    "row_state",
    "state_detail",
]

GENESIS = "0" * 64
"""The ``prev_hash`` of the first line."""


def canonical_time(moment: datetime | str) -> str:
    """A line's time as hashed: UTC, microseconds, ``Z`` (SQLite stores it naive, in UTC)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def line_hash(
    line_id: int,
    at: datetime | str,
    actor: str,
    action: str,
    record_id: int | None,
    detail: str,
    prev_hash: str,
) -> str:
    """The hash of one audit line: keys sorted, no spaces, UTF-8 (as the PostgreSQL trigger)."""
    content = {
        "action": action,
        "actor": actor,
        "at": canonical_time(at),
        "detail": detail,
        "id": line_id,
        "prev": prev_hash,
        "record_id": record_id,
    }
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def result_hash(result_text: str) -> str:
    """The hash of a record's stored result JSON, exactly as stored."""
    return hashlib.sha256(result_text.encode("utf-8")).hexdigest()


def state_detail(sha256: str, result_text: str, status: str) -> dict[str, str]:
    """What a state line says about its record."""
    return {"sha256": sha256, "result": result_hash(result_text), "status": status}


ROW_COLUMNS = (
    "form",
    "version",
    "document_id",
    "supervisee",
    "supervisor",
    "team",
    "case_reference",
    "dated_on",
    "source_name",
    "received_at",
    "archived_by",
)
"""The record's columns a state line digests, besides its SHA-256, result and status."""

_ROW_KEY = b"supforms row\n"


def row_key(pdf: bytes) -> str:
    """The key of a record's column digests: a hash of its own PDF, which is purged with it."""
    return hashlib.sha256(_ROW_KEY + bytes(pdf)).hexdigest()


def _column_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return canonical_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def column_digest(key: str, column: str, value: object) -> str:
    """One column's digest: key, name, ``=`` and the value's text (nothing for NULL)."""
    text = _column_text(value)
    material = key + column + ("" if text is None else "=" + text)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def row_state(row: Mapping[str, Any]) -> dict[str, Any]:
    """What a state line says about a stored row (as PostgreSQL's ``supforms_row_state``)."""
    key = row_key(row["pdf"])
    return {
        **state_detail(row["sha256"], row["result"], row["status"]),
        "row": {column: column_digest(key, column, row[column]) for column in ROW_COLUMNS},
    }
